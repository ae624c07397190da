//! The language server: document sync, scheduling of lint jobs, publishing, configuration.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use super::ServerOptions;
use super::actions;
use super::analysis::{self, Current, Publication};
use super::config::{ClientConfig, CrossDraftScope, SettingsResolver};
use super::convert::{Encoding, Text};
use super::documents::DocumentStore;
use super::workspace::{self, ScannedDraft};
use crate::config::CONFIG_FILE_NAMES;

pub use super::CrossDraftPass;

/// What the server negotiated with the client and the editor's settings.
#[derive(Default)]
pub struct Session {
    pub encoding: Encoding,
    /// The client pulls diagnostics (`textDocument/diagnostic`); otherwise we push them.
    pub pull: bool,
    pub refresh_support: bool,
    pub document_changes: bool,
    pub watch_registration: bool,
    pub configuration_pull: bool,
    pub config: ClientConfig,
    /// Workspace folders.
    pub roots: Vec<PathBuf>,
    /// Problems in the editor's settings, shown once the client can hear them.
    pub problems: Vec<String>,
}

/// Work for the one task that talks to the client outside of responses, so that diagnostics
/// reach the client in the order they were decided.
pub enum Outgoing {
    Publish(Publication),
    Clear(Uri),
    ShowError(String),
    ShowWarning(String),
}

pub struct State {
    pub client: Client,
    pub options: ServerOptions,
    pub docs: Mutex<DocumentStore>,
    session: RwLock<Session>,
    pub settings: Mutex<SettingsResolver>,
    /// Workspace drafts read from disk, by path (`crossDraft: "workspace"`).
    pub scanned: Mutex<HashMap<PathBuf, Arc<ScannedDraft>>>,
    /// Serializes cross-draft refreshes.
    pub cross_lock: Mutex<()>,
    outgoing: mpsc::UnboundedSender<Outgoing>,
    /// Serialized messages straight to the client's input (see `transport`).
    wire: mpsc::UnboundedSender<Option<String>>,
    pub shutdown_requested: AtomicBool,
}

/// Locks a mutex even if a panicking thread poisoned it: the data behind our locks stays
/// consistent (every update is a single assignment), and one failed job must not stop others.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    pub fn session(&self) -> RwLockReadGuard<'_, Session> {
        self.session.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn update_session(&self, update: impl FnOnce(&mut Session)) {
        update(&mut self.session.write().unwrap_or_else(PoisonError::into_inner));
    }

    pub fn send(&self, message: Outgoing) {
        // Fails only once the server is going away.
        let _ = self.outgoing.send(message);
    }

    /// Scanned workspace drafts that are not open (the open draft is the newer text).
    pub fn scanned_not_open(&self, open: &[Arc<analysis::Linted>]) -> Vec<Arc<ScannedDraft>> {
        let mut drafts: Vec<Arc<ScannedDraft>> = lock(&self.scanned)
            .values()
            .filter(|s| open.iter().all(|l| l.name != s.name))
            .cloned()
            .collect();
        drafts.sort_by(|a, b| a.name.cmp(&b.name));
        drafts
    }

    fn pull(&self) -> bool {
        self.session().pull
    }
}

pub struct Backend {
    pub state: Arc<State>,
}

impl Backend {
    pub fn new(
        client: Client,
        options: ServerOptions,
        outgoing: mpsc::UnboundedSender<Outgoing>,
        wire: mpsc::UnboundedSender<Option<String>>,
    ) -> Self {
        Self {
            state: Arc::new(State {
                client,
                options,
                docs: Mutex::new(DocumentStore::default()),
                session: RwLock::new(Session::default()),
                settings: Mutex::new(SettingsResolver::default()),
                scanned: Mutex::new(HashMap::new()),
                cross_lock: Mutex::new(()),
                outgoing,
                wire,
                shutdown_requested: AtomicBool::new(false),
            }),
        }
    }

    /// Lints a draft after `delay` unless it changed meanwhile (push mode).
    fn schedule(&self, uri: Uri, revision: u64, delay: Duration) {
        let state = self.state.clone();
        if delay.is_zero() {
            // Nothing to wait for: straight to the blocking pool, one task switch fewer per
            // edit than going through an async task first.
            tokio::task::spawn_blocking(move || {
                if lock(&state.docs).revision(&uri) != Some(revision) {
                    return; // a newer change scheduled its own job
                }
                if let Ok(outcome) = analysis_job(&state, &uri) {
                    deliver(&state, outcome, &uri);
                }
            });
            return;
        }
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            if lock(&state.docs).revision(&uri) != Some(revision) {
                return; // a newer change scheduled its own job
            }
            if let Ok(outcome) = run_analysis(state.clone(), uri.clone()).await {
                deliver(&state, outcome, &uri);
            }
        });
    }

    /// Every open draft again, now (settings changed).
    fn relint_all(&self) {
        let drafts = lock(&self.state.docs).invalidate_all();
        if self.state.pull() {
            request_refresh(&self.state);
        } else {
            for (uri, revision) in drafts {
                self.schedule(uri, revision, Duration::ZERO);
            }
        }
    }

    /// Cross-draft findings again (a draft closed, workspace files changed).
    fn refresh_cross(&self) {
        let state = self.state.clone();
        tokio::spawn(async move {
            let task_state = state.clone();
            let job = move || {
                let changed = analysis::refresh_cross(&task_state);
                let publications = publications(&task_state, &changed);
                Outcome {
                    changed,
                    publications,
                }
            };
            match tokio::task::spawn_blocking(job).await {
                Ok(outcome) => {
                    if state.pull() && !outcome.changed.is_empty() {
                        request_refresh(&state);
                    }
                    for p in outcome.publications {
                        state.send(Outgoing::Publish(p));
                    }
                }
                Err(e) => tracing::error!("cross-draft refresh failed: {e}"),
            }
        });
    }

    /// The current results of a draft, linting it now if needed; `None` if it is not open.
    pub async fn ensure_current(&self, uri: &Uri) -> Result<Option<Current>> {
        // A draft edited while we lint gets another round; after a few, the latest results
        // serve (the next request will be current).
        for _ in 0..3 {
            if let Some(current) = analysis::current(&self.state, uri) {
                return Ok(Some(current));
            }
            if lock(&self.state.docs).get(uri).is_none() {
                return Ok(None);
            }
            let outcome = run_analysis(self.state.clone(), uri.clone())
                .await
                .map_err(|message| Error {
                    code: ErrorCode::InternalError,
                    message: format!("sherpa could not lint this draft: {message}").into(),
                    data: None,
                })?;
            deliver(&self.state, outcome, uri);
        }
        let docs = lock(&self.state.docs);
        Ok(docs.get(uri).and_then(|d| {
            let linted = d.linted.clone()?;
            let cross = d.cross.clone().filter(|c| c.revision == linted.revision);
            Some(Current { linted, cross })
        }))
    }

    fn apply_config(&self, config: ClientConfig, problems: Vec<String>) {
        for problem in &problems {
            tracing::warn!("editor settings: {problem}");
            self.state
                .send(Outgoing::ShowWarning(format!("sherpa settings: {problem}")));
        }
        let old_scope = self.state.session().config.cross_draft;
        let scope = config.cross_draft;
        lock(&self.state.settings).reset(config.rules.clone());
        self.state.update_session(|s| s.config = config);
        if scope == CrossDraftScope::Workspace && old_scope != CrossDraftScope::Workspace {
            self.scan_workspace();
        } else if scope != CrossDraftScope::Workspace {
            lock(&self.state.scanned).clear();
        }
        self.relint_all();
    }

    /// Reads the workspace drafts for the cross-draft rules, then refreshes their findings.
    fn scan_workspace(&self) {
        let state = self.state.clone();
        tokio::spawn(async move {
            let task_state = state.clone();
            let scanned = tokio::task::spawn_blocking(move || {
                let roots = task_state.session().roots.clone();
                let (drafts, notes) =
                    workspace::scan(&roots, |dir| lock(&task_state.settings).settings_for(dir).0);
                for note in notes {
                    tracing::info!("workspace scan: {note}");
                }
                tracing::info!("workspace scan: {} drafts read", drafts.len());
                *lock(&task_state.scanned) =
                    drafts.into_iter().map(|d| (d.path.clone(), d)).collect();
            })
            .await;
            if let Err(e) = scanned {
                tracing::error!("workspace scan failed: {e}");
                return;
            }
            Backend { state }.refresh_cross();
        });
    }

    async fn pull_configuration(&self) {
        let items = vec![ConfigurationItem {
            scope_uri: None,
            section: Some("sherpa".to_string()),
        }];
        match self.state.client.configuration(items).await {
            Ok(values) => {
                let value = values.into_iter().next().unwrap_or(Value::Null);
                let wrapped = serde_json::json!({ "sherpa": value });
                if let Some((config, problems)) = ClientConfig::from_json(&wrapped) {
                    self.apply_config(config, problems);
                }
            }
            Err(e) => tracing::warn!("workspace/configuration failed: {e}"),
        }
    }
}

/// What a lint job produced: the drafts with new results and, when we push, their
/// diagnostics ready to send.
pub struct Outcome {
    changed: Vec<Uri>,
    publications: Vec<Publication>,
}

fn publications(state: &State, changed: &[Uri]) -> Vec<Publication> {
    if state.pull() {
        return Vec::new();
    }
    changed
        .iter()
        .filter_map(|uri| analysis::publication(state, uri))
        .collect()
}

/// Runs [`analysis_job`] on the blocking pool.
async fn run_analysis(state: Arc<State>, uri: Uri) -> std::result::Result<Outcome, String> {
    let job = move || analysis_job(&state, &uri);
    match tokio::task::spawn_blocking(job).await {
        Ok(outcome) => outcome,
        Err(e) => Err(format!("the job was cancelled: {e}")),
    }
}

/// [`analysis::analyze`] and the diagnostics serialized (blocking: on the blocking pool). A
/// panic there (a rule failing outside the engine's guard, a bug of ours) is logged and becomes
/// an error, never a dead server.
fn analysis_job(state: &State, uri: &Uri) -> std::result::Result<Outcome, String> {
    let job = || {
        let changed = analysis::analyze(state, uri);
        let publications = publications(state, &changed);
        Outcome {
            changed,
            publications,
        }
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).map_err(|payload| {
        let message = panic_message(payload);
        tracing::error!(
            uri = uri.as_str(),
            "linting failed: {message}; no diagnostics for this version"
        );
        message
    })
}

pub fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_string())
}

/// Hands new results to the client: published (push), or a refresh request when other drafts
/// changed (pull; the client pulls the requested draft itself).
fn deliver(state: &Arc<State>, outcome: Outcome, requested: &Uri) {
    if state.pull() {
        if outcome.changed.iter().any(|u| u != requested) {
            request_refresh(state);
        }
        return;
    }
    for publication in outcome.publications {
        state.send(Outgoing::Publish(publication));
    }
}

fn request_refresh(state: &Arc<State>) {
    if !state.session().refresh_support {
        return;
    }
    let client = state.client.clone();
    tokio::spawn(async move {
        if let Err(e) = client.workspace_diagnostic_refresh().await {
            tracing::debug!("workspace/diagnostic/refresh: {e}");
        }
    });
}

/// Sends diagnostics and messages in order. A publication whose draft changed (or closed)
/// since it was computed is dropped: a newer one is on its way. The same results are not sent
/// twice for the same version.
pub async fn publish_loop(state: Arc<State>, mut outgoing: mpsc::UnboundedReceiver<Outgoing>) {
    let mut published: HashMap<Uri, (i32, (u64, u64))> = HashMap::new();
    while let Some(message) = outgoing.recv().await {
        match message {
            Outgoing::Publish(p) => {
                if lock(&state.docs).revision(&p.uri) != Some(p.revision) {
                    tracing::debug!(uri = p.uri.as_str(), "outdated diagnostics dropped");
                    continue;
                }
                if published.get(&p.uri) == Some(&(p.version, p.key)) {
                    continue;
                }
                let _ = state.wire.send(Some(p.notification));
                published.insert(p.uri, (p.version, p.key));
            }
            Outgoing::Clear(uri) => {
                published.remove(&uri);
                let clear = serde_json::json!({
                    "jsonrpc": "2.0",
                    "method": "textDocument/publishDiagnostics",
                    "params": {"uri": uri, "diagnostics": []},
                });
                let _ = state.wire.send(Some(clear.to_string()));
            }
            Outgoing::ShowError(text) => state.client.show_message(MessageType::ERROR, text).await,
            Outgoing::ShowWarning(text) => {
                state.client.show_message(MessageType::WARNING, text).await;
            }
        }
    }
}

fn is_config_file(path: &std::path::Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| CONFIG_FILE_NAMES.contains(&n))
}

fn root_paths(params: &InitializeParams) -> Vec<PathBuf> {
    let folders = params.workspace_folders.iter().flatten().map(|f| &f.uri);
    #[allow(deprecated)]
    let root = params.root_uri.iter();
    let mut roots: Vec<PathBuf> = folders
        .chain(root)
        .filter_map(workspace::file_path)
        .collect();
    roots.dedup();
    roots
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let caps = &params.capabilities;
        let encoding = Encoding::negotiate(
            caps.general
                .as_ref()
                .and_then(|g| g.position_encodings.as_deref()),
        );
        let pull = caps
            .text_document
            .as_ref()
            .is_some_and(|t| t.diagnostic.is_some());
        let ws = caps.workspace.as_ref();
        let (config, problems) = params
            .initialization_options
            .as_ref()
            .and_then(ClientConfig::from_json)
            .unwrap_or_default();
        lock(&self.state.settings).reset(config.rules.clone());
        self.state.update_session(|s| {
            s.encoding = encoding;
            s.pull = pull;
            s.refresh_support = ws
                .and_then(|w| w.diagnostics.as_ref())
                .and_then(|d| d.refresh_support)
                .unwrap_or(false);
            s.document_changes = ws
                .and_then(|w| w.workspace_edit.as_ref())
                .and_then(|e| e.document_changes)
                .unwrap_or(false);
            s.watch_registration = ws
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                .unwrap_or(false);
            s.configuration_pull = ws.and_then(|w| w.configuration).unwrap_or(false);
            s.config = config;
            s.roots = root_paths(&params);
            s.problems = problems;
        });
        tracing::info!(
            ?encoding,
            diagnostics = if pull { "pull" } else { "push" },
            "initialized"
        );
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(encoding.kind()),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                            include_text: Some(false),
                        })),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            actions::fix_all_kind(),
                        ]),
                        resolve_provider: Some(false),
                        ..CodeActionOptions::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                // Pull only for clients that pull: announcing it while pushing makes editors
                // show every finding twice.
                diagnostic_provider: pull.then(|| {
                    DiagnosticServerCapabilities::Options(DiagnosticOptions {
                        identifier: Some("sherpa".to_string()),
                        inter_file_dependencies: true,
                        workspace_diagnostics: false,
                        ..DiagnosticOptions::default()
                    })
                }),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo {
                name: "sherpa".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let (problems, watch, scope) = {
            let mut session = self
                .state
                .session
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            (
                std::mem::take(&mut session.problems),
                session.watch_registration,
                session.config.cross_draft,
            )
        };
        for problem in problems {
            tracing::warn!("editor settings: {problem}");
            self.state
                .send(Outgoing::ShowWarning(format!("sherpa settings: {problem}")));
        }
        if watch {
            let watchers = ["**/{sherpa.toml,.sherpa.toml}", "**/*.{md,markdown,txt}"]
                .into_iter()
                .map(|glob| FileSystemWatcher {
                    glob_pattern: GlobPattern::String(glob.to_string()),
                    kind: None,
                })
                .collect();
            let options = DidChangeWatchedFilesRegistrationOptions { watchers };
            let registration = Registration {
                id: "sherpa-watched-files".to_string(),
                method: "workspace/didChangeWatchedFiles".to_string(),
                register_options: serde_json::to_value(options).ok(),
            };
            let client = self.state.client.clone();
            // The client answers later; do not hold up this notification for it.
            tokio::spawn(async move {
                if let Err(e) = client.register_capability(vec![registration]).await {
                    tracing::warn!("could not watch sherpa.toml files: {e}");
                }
            });
        }
        if scope == CrossDraftScope::Workspace {
            self.scan_workspace();
        }
    }

    async fn shutdown(&self) -> Result<()> {
        self.state.shutdown_requested.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let item = params.text_document;
        let path = workspace::file_path(&item.uri);
        let kind = workspace::draft_kind(&item.language_id, path.as_deref(), &item.uri);
        let name = workspace::draft_name(&item.uri, path.as_deref(), &self.state.session().roots);
        // Applied here, before any await: notifications are handled concurrently, and only
        // this keeps their edits in order.
        let revision = lock(&self.state.docs).open(
            item.uri.clone(),
            name,
            path,
            kind,
            &item.text,
            item.version,
        );
        if !self.state.pull() {
            self.schedule(item.uri, revision, Duration::ZERO);
        }
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let encoding = self.state.session().encoding;
        let changed = lock(&self.state.docs).change(
            &uri,
            params.text_document.version,
            &params.content_changes,
            encoding,
        );
        let Some(changed) = changed else {
            tracing::warn!(
                uri = uri.as_str(),
                "didChange for a draft that is not open; ignored"
            );
            return;
        };
        if changed.clamped > 0 {
            tracing::warn!(
                uri = uri.as_str(),
                "{} position(s) outside the text were clamped to it",
                changed.clamped
            );
        }
        if !self.state.pull() {
            let delay = self.state.session().config.debounce;
            self.schedule(uri, changed.revision, delay);
        }
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let uri = params.text_document.uri;
        let Some(revision) = lock(&self.state.docs).revision(&uri) else {
            tracing::warn!(
                uri = uri.as_str(),
                "didSave for a draft that is not open; ignored"
            );
            return;
        };
        if !self.state.pull() {
            self.schedule(uri, revision, Duration::ZERO);
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        if lock(&self.state.docs).close(&uri).is_none() {
            tracing::warn!(
                uri = uri.as_str(),
                "didClose for a draft that is not open; ignored"
            );
            return;
        }
        if !self.state.pull() {
            self.state.send(Outgoing::Clear(uri));
        }
        self.refresh_cross();
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        match ClientConfig::from_json(&params.settings) {
            Some((config, problems)) => self.apply_config(config, problems),
            None if self.state.session().configuration_pull => self.pull_configuration().await,
            None => tracing::debug!("didChangeConfiguration without sherpa settings; ignored"),
        }
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let scope = self.state.session().config.cross_draft;
        let mut config_changed = false;
        let mut drafts: Vec<(PathBuf, bool)> = Vec::new();
        for change in params.changes {
            let Some(path) = workspace::file_path(&change.uri) else {
                continue;
            };
            if is_config_file(&path) {
                config_changed = true;
            } else if scope == CrossDraftScope::Workspace {
                drafts.push((path, change.typ == FileChangeType::DELETED));
            }
        }
        if config_changed {
            tracing::info!("a sherpa.toml changed; linting every open draft again");
            let overrides = self.state.session().config.rules.clone();
            lock(&self.state.settings).reset(overrides);
            if scope == CrossDraftScope::Workspace {
                self.scan_workspace();
            }
            self.relint_all();
            return;
        }
        if drafts.is_empty() {
            return;
        }
        // Read the changed drafts off the I/O loop, then refresh the cross-draft findings.
        let state = self.state.clone();
        tokio::spawn(async move {
            let task_state = state.clone();
            let read = tokio::task::spawn_blocking(move || {
                let roots = task_state.session().roots.clone();
                for (path, deleted) in drafts {
                    let (settings, _) = lock(&task_state.settings).settings_for(path.parent());
                    let lintable = settings.files.has_lintable_extension(&path)
                        && settings.files.is_included(&path);
                    if deleted || !lintable {
                        lock(&task_state.scanned).remove(&path);
                        continue;
                    }
                    match workspace::read_draft(&path, settings, &roots) {
                        Ok(draft) => {
                            lock(&task_state.scanned).insert(path, draft);
                        }
                        Err(note) => tracing::info!("{note}"),
                    }
                }
            })
            .await;
            match read {
                Ok(()) => Backend { state }.refresh_cross(),
                Err(e) => tracing::error!("reading changed drafts failed: {e}"),
            }
        });
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        let added: Vec<PathBuf> = params
            .event
            .added
            .iter()
            .filter_map(|f| workspace::file_path(&f.uri))
            .collect();
        let removed: Vec<PathBuf> = params
            .event
            .removed
            .iter()
            .filter_map(|f| workspace::file_path(&f.uri))
            .collect();
        self.state.update_session(|s| {
            s.roots.retain(|r| !removed.contains(r));
            s.roots.extend(added);
        });
        if self.state.session().config.cross_draft == CrossDraftScope::Workspace {
            self.scan_workspace();
        }
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri.clone();
        let Some(current) = self.ensure_current(&uri).await? else {
            tracing::warn!(
                uri = uri.as_str(),
                "codeAction for a draft that is not open"
            );
            return Ok(None);
        };
        let session = self.state.session();
        let context = actions::Context {
            state: &self.state,
            linted: &current.linted,
            cross: current.cross_found(),
            encoding: session.encoding,
            document_changes: session.document_changes,
        };
        Ok(Some(actions::code_actions(&context, &params)))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let uri = params
            .text_document_position_params
            .text_document
            .uri
            .clone();
        let Some(current) = self.ensure_current(&uri).await? else {
            return Ok(None);
        };
        let linted = &current.linted;
        if let Some(marker) = &self.state.options.panic_marker {
            // Test hook (see `ServerOptions::panic_marker`): a handler that fails.
            assert!(
                !linted.doc.source().contains(&format!("{marker}:hover")),
                "injected panic in a handler (test hook)"
            );
        }
        let encoding = self.state.session().encoding;
        Ok(actions::hover(
            &self.state,
            linted,
            current.cross_found(),
            params.text_document_position_params.position,
            encoding,
        ))
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        let uri = params.text_document.uri;
        let diagnostics = match self.ensure_current(&uri).await? {
            Some(current) => {
                let encoding = self.state.session().encoding;
                let linted = &current.linted;
                let locator = analysis::Locator::new(&self.state, linted, current.cross_found());
                let positions = analysis::own_positions(linted, current.findings(), encoding);
                let text = Text::Indexed(&positions, &linted.rope);
                current
                    .findings()
                    .map(|d| analysis::to_lsp(d, text, linted, &locator, encoding))
                    .collect()
            }
            None => {
                tracing::warn!(
                    uri = uri.as_str(),
                    "diagnostics pulled for a draft that is not open"
                );
                Vec::new()
            }
        };
        let result_id = format!(
            "{:032x}",
            xxhash_rust::xxh3::xxh3_128(&serde_json::to_vec(&diagnostics).unwrap_or_default())
        );
        let report = if params.previous_result_id.as_deref() == Some(result_id.as_str()) {
            DocumentDiagnosticReport::Unchanged(RelatedUnchangedDocumentDiagnosticReport {
                related_documents: None,
                unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport {
                    result_id,
                },
            })
        } else {
            DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: FullDocumentDiagnosticReport {
                    result_id: Some(result_id),
                    items: diagnostics,
                },
            })
        };
        Ok(DocumentDiagnosticReportResult::Report(report))
    }
}

/// Notifications and requests this server handles (others are logged and ignored, or answered
/// with "method not found").
pub const HANDLED_METHODS: &[&str] = &[
    "initialize",
    "initialized",
    "shutdown",
    "exit",
    "textDocument/didOpen",
    "textDocument/didChange",
    "textDocument/didSave",
    "textDocument/didClose",
    "textDocument/codeAction",
    "textDocument/hover",
    "textDocument/diagnostic",
    "workspace/didChangeConfiguration",
    "workspace/didChangeWatchedFiles",
    "workspace/didChangeWorkspaceFolders",
    "$/cancelRequest",
];
