//! Linting open drafts off the I/O loop: each job lints a snapshot of one draft (a cheap rope
//! clone), stores the findings with the revision they belong to, refreshes the cross-draft
//! findings of every open draft, and says which drafts have new results to publish.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ropey::Rope;
use serde_json::json;
use tower_lsp_server::ls_types::{self as lsp, NumberOrString, Uri};

use super::config::CrossDraftScope;
use super::convert::{self, Encoding, Text};
use super::server::{CrossDraftPass, Outgoing, State, lock};
use super::workspace::ScannedDraft;
use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::document::{Document, DocumentKind};
use crate::lint::{self, LintCache};
use crate::rules::WorkspaceDoc;

/// A draft's own findings (document and block rules) for one revision, with the text they were
/// computed on.
pub struct Linted {
    pub uri: Uri,
    pub name: Arc<str>,
    pub revision: u64,
    pub version: i32,
    pub rope: Rope,
    pub doc: Arc<Document>,
    pub settings: Arc<Settings>,
    pub own: Vec<Diagnostic>,
}

/// A draft's cross-draft findings, computed against its [`Linted`] of the same revision.
#[derive(Debug, PartialEq)]
pub struct CrossFindings {
    pub revision: u64,
    pub found: Vec<Diagnostic>,
}

/// A draft's diagnostics ready to send, for the revision they describe.
pub struct Publication {
    pub uri: Uri,
    pub revision: u64,
    pub version: i32,
    pub diagnostics: Vec<lsp::Diagnostic>,
}

struct Snapshot {
    uri: Uri,
    name: Arc<str>,
    path: Option<PathBuf>,
    kind: DocumentKind,
    rope: Rope,
    revision: u64,
    version: i32,
    cache: Arc<Mutex<LintCache>>,
}

/// Brings one draft up to date: lints its current revision unless done already and refreshes
/// the cross-draft findings. Returns the drafts with new results (this one first). Blocking:
/// run it on the blocking pool.
pub fn analyze(state: &State, uri: &Uri) -> Vec<Uri> {
    let snapshot = {
        let docs = lock(&state.docs);
        let Some(draft) = docs.get(uri) else {
            return Vec::new();
        };
        let linted = draft
            .linted
            .as_ref()
            .is_some_and(|l| l.revision == draft.revision);
        let cross_current = draft
            .cross
            .as_ref()
            .zip(draft.linted.as_ref())
            .is_some_and(|(c, l)| c.revision == l.revision);
        if linted && (cross_current || cross_draft_pass(state).is_none()) {
            return vec![uri.clone()];
        }
        (!linted).then(|| Snapshot {
            uri: draft.uri.clone(),
            name: draft.name.clone(),
            path: draft.path.clone(),
            kind: draft.kind,
            rope: draft.rope.clone(),
            revision: draft.revision,
            version: draft.version,
            cache: draft.cache.clone(),
        })
    };
    if let Some(snapshot) = snapshot {
        let linted = lint_snapshot(state, snapshot);
        let mut docs = lock(&state.docs);
        if let Some(draft) = docs.get_mut(uri) {
            if draft
                .linted
                .as_ref()
                .is_none_or(|l| l.revision < linted.revision)
            {
                draft.linted = Some(linted);
            }
        }
    }
    let mut changed = vec![uri.clone()];
    for other in refresh_cross(state) {
        if !changed.contains(&other) {
            changed.push(other);
        }
    }
    changed
}

fn lint_snapshot(state: &State, snapshot: Snapshot) -> Arc<Linted> {
    let dir = snapshot
        .path
        .as_deref()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .or_else(|| state.session().roots.first().cloned());
    let (settings, error) = lock(&state.settings).settings_for(dir.as_deref());
    if let Some(error) = error {
        tracing::error!("{error}");
        state.send(Outgoing::ShowError(format!("sherpa: {error}")));
    }
    let text = snapshot.rope.to_string();
    if let Some(marker) = &state.options.panic_marker {
        // Test hook (see `ServerOptions::panic_marker`): a rule failing outside the engine's guard.
        assert!(
            !text.contains(&format!("{marker}:lint")),
            "injected panic in a lint job (test hook)"
        );
    }
    let doc = Document::new(text, snapshot.kind);
    let own = lint::lint_cached(&doc, &settings, &mut lock(&snapshot.cache));
    Arc::new(Linted {
        uri: snapshot.uri,
        name: snapshot.name,
        revision: snapshot.revision,
        version: snapshot.version,
        rope: snapshot.rope,
        doc: Arc::new(doc),
        settings,
        own,
    })
}

/// The cross-draft pass in force: the registry's `Check::Workspace` rules (or the embedder's
/// replacement), unless the editor switched it off or there is nothing to run.
pub fn cross_draft_pass(state: &State) -> Option<CrossDraftPass> {
    if state.session().config.cross_draft == CrossDraftScope::Off {
        return None;
    }
    state
        .options
        .cross_draft
        .or_else(|| lint::has_cross_draft_rules().then_some(lint::lint_cross_draft as _))
}

/// Recomputes the cross-draft findings of every open draft from the latest own results; returns
/// the drafts whose cross-draft findings changed.
pub fn refresh_cross(state: &State) -> Vec<Uri> {
    // One refresh at a time: the last one to run sees every draft's latest results.
    let _serial = lock(&state.cross_lock);
    let pass = cross_draft_pass(state);
    let entries: Vec<Arc<Linted>> = {
        let docs = lock(&state.docs);
        let mut entries: Vec<Arc<Linted>> =
            docs.drafts().filter_map(|d| d.linted.clone()).collect();
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        entries
    };
    let mut changed = Vec::new();
    let Some(pass) = pass else {
        let mut docs = lock(&state.docs);
        for linted in &entries {
            if let Some(draft) = docs.get_mut(&linted.uri) {
                if draft.cross.take().is_some_and(|c| !c.found.is_empty()) {
                    changed.push(linted.uri.clone());
                }
            }
        }
        return changed;
    };
    let scanned = state.scanned_not_open(&entries);
    let workspace: Vec<WorkspaceDoc<'_>> = entries
        .iter()
        .map(|l| WorkspaceDoc {
            path: l.name.clone(),
            doc: &l.doc,
            settings: &l.settings,
        })
        .chain(scanned.iter().map(|s| WorkspaceDoc {
            path: s.name.clone(),
            doc: &s.doc,
            settings: &s.settings,
        }))
        .collect();
    let mut results = pass(&workspace);
    results.resize_with(workspace.len(), Vec::new);
    drop(workspace);
    let mut docs = lock(&state.docs);
    for (linted, found) in entries.iter().zip(results) {
        let Some(draft) = docs.get_mut(&linted.uri) else {
            continue;
        };
        let fresh = CrossFindings {
            revision: linted.revision,
            found,
        };
        if draft.cross.as_deref() != Some(&fresh) {
            draft.cross = Some(Arc::new(fresh));
            changed.push(linted.uri.clone());
        }
    }
    changed
}

/// The current results of a draft: own findings and cross-draft findings of its current
/// revision. `None` while they are not both computed (a job is on its way).
pub fn current(state: &State, uri: &Uri) -> Option<(Arc<Linted>, Vec<Diagnostic>)> {
    let docs = lock(&state.docs);
    let draft = docs.get(uri)?;
    let linted = draft
        .linted
        .clone()
        .filter(|l| l.revision == draft.revision)?;
    let cross = match (&draft.cross, cross_draft_pass(state)) {
        (_, None) => Vec::new(),
        (Some(cross), Some(_)) if cross.revision == linted.revision => cross.found.clone(),
        _ => return None,
    };
    Some((linted, cross))
}

/// The diagnostics of a draft's current results, converted for the client.
pub fn publication(state: &State, uri: &Uri) -> Option<Publication> {
    let (linted, cross) = current(state, uri)?;
    let encoding = state.session().encoding;
    let locator = Locator::new(state, &linted, &cross);
    let diagnostics = linted
        .own
        .iter()
        .chain(&cross)
        .map(|d| to_lsp(d, &linted, &locator, encoding))
        .collect();
    Some(Publication {
        uri: uri.clone(),
        revision: linted.revision,
        version: linted.version,
        diagnostics,
    })
}

/// Finds the text a related span in another draft points into, by the draft's name.
pub struct Locator {
    by_name: HashMap<Arc<str>, Located>,
}

enum Located {
    Open(Arc<Linted>),
    Scanned(Arc<ScannedDraft>),
}

impl Locator {
    /// Knows the drafts named by the related spans of `findings` (open first, then scanned).
    pub fn new(state: &State, linted: &Linted, findings: &[Diagnostic]) -> Self {
        let mut by_name = HashMap::new();
        let wanted: Vec<&Arc<str>> = linted
            .own
            .iter()
            .chain(findings)
            .flat_map(|d| &d.related)
            .filter_map(|r| r.path.as_ref())
            .collect();
        if wanted.is_empty() {
            return Self { by_name };
        }
        {
            let docs = lock(&state.docs);
            for draft in docs.drafts() {
                if let Some(other) = &draft.linted {
                    if wanted.contains(&&other.name) {
                        by_name.insert(other.name.clone(), Located::Open(other.clone()));
                    }
                }
            }
        }
        for scanned in lock(&state.scanned).values() {
            if wanted.contains(&&scanned.name) && !by_name.contains_key(&scanned.name) {
                by_name.insert(scanned.name.clone(), Located::Scanned(scanned.clone()));
            }
        }
        Self { by_name }
    }

    /// The URI and the text of a named draft, to place a span in it.
    pub fn find(&self, name: &str) -> Option<(Uri, Text<'_>)> {
        match self.by_name.get(name)? {
            Located::Open(linted) => Some((linted.uri.clone(), Text::Rope(&linted.rope))),
            Located::Scanned(scanned) => Some((scanned.uri.clone(), Text::Document(&scanned.doc))),
        }
    }

    /// The source text of a named draft.
    pub fn source(&self, name: &str) -> Option<&str> {
        match self.by_name.get(name)? {
            Located::Open(linted) => Some(linted.doc.source()),
            Located::Scanned(scanned) => Some(scanned.doc.source()),
        }
    }
}

/// One finding as an LSP diagnostic: `source` "sherpa", `code` the rule name, related spans as
/// related information (in this draft or another), and the fixes, converted, in `data`.
pub fn to_lsp(
    d: &Diagnostic,
    linted: &Linted,
    locator: &Locator,
    encoding: Encoding,
) -> lsp::Diagnostic {
    let text = Text::Rope(&linted.rope);
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|r| {
            let (uri, related_text) = match &r.path {
                None => (linted.uri.clone(), text),
                Some(name) => locator.find(name)?,
            };
            Some(lsp::DiagnosticRelatedInformation {
                location: lsp::Location::new(uri, related_text.range(r.span, encoding)),
                message: r.message.clone(),
            })
        })
        .collect();
    let fixes: Vec<serde_json::Value> = d
        .fixes
        .iter()
        .map(|fix| {
            let edits: Vec<serde_json::Value> = fix
                .edits
                .iter()
                .map(|e| json!({"range": text.range(e.span, encoding), "newText": e.replacement}))
                .collect();
            json!({"title": fix.title, "applicability": fix.applicability.as_str(), "edits": edits})
        })
        .collect();
    lsp::Diagnostic {
        range: text.range(d.span, encoding),
        severity: Some(convert::severity(d.severity)),
        code: Some(NumberOrString::String(d.rule.to_string())),
        code_description: None,
        source: Some("sherpa".to_string()),
        message: d.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: Some(json!({"rule": d.rule, "fixes": fixes})),
    }
}
