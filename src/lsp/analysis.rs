//! Linting open drafts off the I/O loop: each job lints a snapshot of one draft (a cheap rope
//! clone), stores the findings with the revision they belong to, refreshes the cross-draft
//! findings of every open draft, and says which drafts have new results to publish.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ropey::Rope;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use tower_lsp_server::ls_types::{self as lsp, NumberOrString, Uri};

use super::config::CrossDraftScope;
use super::convert::{self, Encoding, Text};
use super::server::{CrossDraftPass, Outgoing, State, lock};
use super::workspace::ScannedDraft;
use crate::FastMap;
use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::document::{Document, DocumentKind, TextChange};
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
#[derive(Debug)]
pub struct CrossFindings {
    pub revision: u64,
    pub found: Vec<Diagnostic>,
    /// Identifies these results (a new one for every change), so that identical publications
    /// are recognised without comparing them.
    pub id: u64,
}

static NEXT_CROSS_ID: AtomicU64 = AtomicU64::new(1);

/// A draft's diagnostics, serialized as the `publishDiagnostics` notification, for the revision
/// they describe.
pub struct Publication {
    pub uri: Uri,
    pub revision: u64,
    pub version: i32,
    /// The own and cross-draft results published: equal keys, equal diagnostics.
    pub key: (u64, u64),
    pub notification: String,
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
    /// The last linted version and how the text changed since, to parse only what changed.
    previous: Option<(Arc<Document>, TextChange)>,
}

/// Brings one draft up to date: lints its current revision unless done already and refreshes
/// the cross-draft findings. Returns the drafts with new results (this one first). Blocking:
/// run it on the blocking pool.
pub fn analyze(state: &State, uri: &Uri) -> Vec<Uri> {
    let Some(linted_now) = ensure_linted(state, uri) else {
        return Vec::new();
    };
    let cross_current = {
        let docs = lock(&state.docs);
        docs.get(uri).is_some_and(|draft| {
            draft
                .cross
                .as_ref()
                .zip(draft.linted.as_ref())
                .is_some_and(|(c, l)| c.revision == l.revision)
        })
    };
    let mut changed = vec![uri.clone()];
    if linted_now || (!cross_current && cross_draft_pass(state).is_some()) {
        for other in refresh_cross(state) {
            if !changed.contains(&other) {
                changed.push(other);
            }
        }
    }
    changed
}

/// Lints a draft's current revision unless that was done; `Some(true)` when it linted,
/// `Some(false)` when the results were current, `None` when the draft is not open.
fn ensure_linted(state: &State, uri: &Uri) -> Option<bool> {
    let snapshot = {
        let docs = lock(&state.docs);
        let draft = docs.get(uri)?;
        if draft
            .linted
            .as_ref()
            .is_some_and(|l| l.revision == draft.revision)
        {
            return Some(false);
        }
        Snapshot {
            uri: draft.uri.clone(),
            name: draft.name.clone(),
            path: draft.path.clone(),
            kind: draft.kind,
            rope: draft.rope.clone(),
            revision: draft.revision,
            version: draft.version,
            cache: draft.cache.clone(),
            previous: draft.linted.as_ref().and_then(|linted| {
                draft
                    .changes_since(linted.revision, linted.doc.source().len())
                    .map(|change| (linted.doc.clone(), change))
            }),
        }
    };
    let linted = lint_snapshot(state, snapshot);
    let mut docs = lock(&state.docs);
    if let Some(draft) = docs.get_mut(uri)
        && draft
            .linted
            .as_ref()
            .is_none_or(|l| l.revision < linted.revision)
    {
        draft.linted_up_to(linted.revision);
        draft.linted = Some(linted);
    }
    Some(true)
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
    // `String::from` sizes the string once; `to_string` goes through `Display`, writing chunk by
    // chunk into a string that grows (and is copied) as it goes.
    let text = String::from(&snapshot.rope);
    if let Some(marker) = &state.options.panic_marker {
        // Test hook (see `ServerOptions::panic_marker`): a rule failing outside the engine's guard.
        assert!(
            !text.contains(&format!("{marker}:lint")),
            "injected panic in a lint job (test hook)"
        );
    }
    let doc = match snapshot.previous {
        Some((previous, change)) => Document::edited(&previous, text, change),
        None => Document::new(text, snapshot.kind),
    };
    // The cache is taken out for the run, so no lock is held while rules work: a second job
    // for the same draft meanwhile starts from an empty cache instead of waiting.
    let mut cache = std::mem::take(&mut *lock(&snapshot.cache));
    let own = lint::lint_cached(&doc, &settings, &mut cache);
    *lock(&snapshot.cache) = cache;
    // The draft is kept for code actions, hover and the cross-draft pass, none of which needs
    // what its rules derived (the names analysis alone is several times the draft's size).
    doc.release_memo();
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
    if pass.is_some() {
        // Open drafts never linted yet (clients that pull lint a draft only when they ask for
        // it) are linted now: the others' findings depend on them.
        let unlinted: Vec<Uri> = lock(&state.docs)
            .drafts()
            .filter(|d| d.linted.is_none())
            .map(|d| d.uri.clone())
            .collect();
        for uri in unlinted {
            // A draft whose own lint fails takes no part in the pass; the others' cross-draft
            // findings are still computed and published.
            let linted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                ensure_linted(state, &uri);
            }));
            if linted.is_err() {
                tracing::error!(
                    draft = uri.as_str(),
                    "linting failed before the cross-draft pass; draft left out of it"
                );
            }
        }
    }
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
            if let Some(draft) = docs.get_mut(&linted.uri)
                && draft.cross.take().is_some_and(|c| !c.found.is_empty())
            {
                changed.push(linted.uri.clone());
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
        let same = draft
            .cross
            .as_ref()
            .is_some_and(|c| c.revision == linted.revision && c.found == found);
        if !same {
            draft.cross = Some(Arc::new(CrossFindings {
                revision: linted.revision,
                found,
                id: NEXT_CROSS_ID.fetch_add(1, Ordering::Relaxed),
            }));
            changed.push(linted.uri.clone());
        }
    }
    changed
}

/// The current results of a draft: own findings and cross-draft findings of its current
/// revision. `None` while they are not both computed (a job is on its way).
pub fn current(state: &State, uri: &Uri) -> Option<Current> {
    let docs = lock(&state.docs);
    let draft = docs.get(uri)?;
    let linted = draft
        .linted
        .clone()
        .filter(|l| l.revision == draft.revision)?;
    let cross = match (&draft.cross, cross_draft_pass(state)) {
        (_, None) => None,
        (Some(cross), Some(_)) if cross.revision == linted.revision => Some(cross.clone()),
        _ => return None,
    };
    Some(Current { linted, cross })
}

/// A draft's results: its own findings and the cross-draft ones of the same revision.
#[derive(Clone)]
pub struct Current {
    pub linted: Arc<Linted>,
    pub cross: Option<Arc<CrossFindings>>,
}

impl Current {
    pub fn cross_found(&self) -> &[Diagnostic] {
        self.cross.as_ref().map_or(&[], |c| &c.found)
    }

    pub fn findings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.linted.own.iter().chain(self.cross_found())
    }
}

/// The `publishDiagnostics` notification for a draft's current results, serialized straight
/// from the findings (no intermediate LSP values: a long draft can have thousands). Each
/// diagnostic's JSON is kept in the draft's [`WireCache`] under a hash of what it says and where
/// it stands, so an edit serializes again only the findings it changed or moved.
pub fn publication(state: &State, uri: &Uri) -> Option<Publication> {
    let current = current(state, uri)?;
    let wire_cache = lock(&state.docs).get(uri)?.wire.clone();
    let encoding = state.session().encoding;
    let linted = &current.linted;
    let locator = Locator::new(state, linted, current.cross_found());
    let positions = own_positions(linted, current.findings(), encoding);
    let findings = Findings {
        current: &current,
        text: Text::Indexed(&positions, &linted.rope),
        locator: &locator,
        encoding,
    };
    let notification = {
        let mut cache = lock(&wire_cache);
        match findings.notification(uri, linted.version, &mut cache) {
            Ok(text) => text,
            Err(e) => {
                tracing::error!("cannot serialize diagnostics: {e}");
                return None;
            }
        }
    };
    Some(Publication {
        uri: uri.clone(),
        revision: linted.revision,
        version: linted.version,
        key: (linted.revision, current.cross.as_ref().map_or(0, |c| c.id)),
        notification,
    })
}

/// The JSON of the diagnostics a draft published last, by [`wire_key`]: what the next
/// publication of the draft can copy instead of serializing again.
#[derive(Default)]
pub struct WireCache {
    fragments: FastMap<u128, Box<str>>,
}

/// A diagnostic's identity on the wire: everything its JSON is made of (rule, severity,
/// message, the LSP positions of its span, related spans and fix edits, their messages, titles
/// and replacement texts), each string framed by its length. `None` for a diagnostic related to
/// another draft, whose place there this does not capture: those are serialized every time.
fn wire_key(d: &Diagnostic, text: Text<'_>, encoding: Encoding) -> Option<u128> {
    use std::hash::Hash;
    if d.related.iter().any(|r| r.path.is_some()) {
        return None;
    }
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let range = |hasher: &mut xxhash_rust::xxh3::Xxh3, span: crate::diagnostic::TextRange| {
        let range = text.range(span, encoding);
        for n in [
            range.start.line,
            range.start.character,
            range.end.line,
            range.end.character,
        ] {
            hasher.update(&n.to_le_bytes());
        }
    };
    let string = |hasher: &mut xxhash_rust::xxh3::Xxh3, s: &str| {
        hasher.update(&(s.len() as u64).to_le_bytes());
        hasher.update(s.as_bytes());
    };
    hasher.update(&[encoding as u8]);
    string(&mut hasher, d.rule);
    d.severity.hash(&mut hasher);
    string(&mut hasher, &d.message);
    range(&mut hasher, d.span);
    hasher.update(&(d.related.len() as u64).to_le_bytes());
    for related in &d.related {
        range(&mut hasher, related.span);
        string(&mut hasher, &related.message);
    }
    hasher.update(&(d.fixes.len() as u64).to_le_bytes());
    for fix in &d.fixes {
        string(&mut hasher, &fix.title);
        string(&mut hasher, fix.applicability.as_str());
        hasher.update(&(fix.edits.len() as u64).to_le_bytes());
        for edit in &fix.edits {
            range(&mut hasher, edit.span);
            string(&mut hasher, &edit.replacement);
        }
    }
    Some(hasher.digest128())
}

impl Findings<'_> {
    /// The notification, byte for byte what serializing [`Notification`] gives, each
    /// diagnostic's JSON taken from `cache` when it holds it; `cache` is left holding exactly
    /// the diagnostics of this publication.
    fn notification(
        &self,
        uri: &Uri,
        version: i32,
        cache: &mut WireCache,
    ) -> serde_json::Result<String> {
        let mut previous = std::mem::take(&mut cache.fragments);
        let mut kept: FastMap<u128, Box<str>> =
            FastMap::with_capacity_and_hasher(previous.len(), Default::default());
        // A `String` throughout (serde_json gives strings too), so the megabytes of a long
        // draft's publication are not checked for UTF-8 again at the end.
        let mut out =
            String::with_capacity(256 + previous.values().map(|f| f.len() + 1).sum::<usize>());
        out.push_str(
            r#"{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"uri":"#,
        );
        out.push_str(&serde_json::to_string(uri)?);
        out.push_str(",\"version\":");
        out.push_str(&version.to_string());
        out.push_str(",\"diagnostics\":[");
        for (n, d) in self.current.findings().enumerate() {
            if n > 0 {
                out.push(',');
            }
            let wire = Wire {
                d,
                text: self.text,
                linted: &self.current.linted,
                locator: self.locator,
                encoding: self.encoding,
            };
            let Some(key) = wire_key(d, self.text, self.encoding) else {
                out.push_str(&serde_json::to_string(&wire)?);
                continue;
            };
            if let Some(fragment) = kept.get(&key) {
                out.push_str(fragment);
                continue;
            }
            let fragment = match previous.remove(&key) {
                Some(fragment) => fragment,
                None => serde_json::to_string(&wire)?.into_boxed_str(),
            };
            out.push_str(&fragment);
            kept.insert(key, fragment);
        }
        out.push_str("]}}");
        cache.fragments = kept;
        Ok(out)
    }
}

/// The notification as one serde value: the reference [`Findings::notification`] is tested
/// against.
#[cfg(test)]
#[derive(Serialize)]
struct Notification<'a> {
    jsonrpc: &'static str,
    method: &'static str,
    params: PublishParams<'a>,
}

#[cfg(test)]
#[derive(Serialize)]
struct PublishParams<'a> {
    uri: &'a Uri,
    version: i32,
    diagnostics: Findings<'a>,
}

/// The positions of every span of `findings` in the draft itself (findings, related spans in
/// it, fix edits), found in one pass over the draft's text.
pub fn own_positions<'a>(
    linted: &Linted,
    findings: impl Iterator<Item = &'a Diagnostic>,
    encoding: Encoding,
) -> convert::Positions {
    let mut offsets = Vec::new();
    for d in findings {
        let related = d
            .related
            .iter()
            .filter(|r| r.path.is_none())
            .map(|r| r.span);
        let edits = d.fixes.iter().flat_map(|f| &f.edits).map(|e| e.span);
        for span in std::iter::once(d.span).chain(related).chain(edits) {
            offsets.extend([span.start, span.end]);
        }
    }
    convert::Positions::new(linted.doc.source(), linted.doc.lines(), offsets, encoding)
}

struct Findings<'a> {
    current: &'a Current,
    /// Positions in the draft itself.
    text: Text<'a>,
    locator: &'a Locator,
    encoding: Encoding,
}

#[cfg(test)]
impl Serialize for Findings<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(None)?;
        for d in self.current.findings() {
            seq.serialize_element(&Wire {
                d,
                text: self.text,
                linted: &self.current.linted,
                locator: self.locator,
                encoding: self.encoding,
            })?;
        }
        seq.end()
    }
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
                if let Some(other) = &draft.linted
                    && wanted.contains(&&other.name)
                {
                    by_name.insert(other.name.clone(), Located::Open(other.clone()));
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

/// One finding in LSP's JSON, written field by field: `source` "sherpa", `code` the rule name,
/// related spans as related information (in this draft or another), the fixes in `data`.
struct Wire<'a> {
    d: &'a Diagnostic,
    /// Positions in the draft itself.
    text: Text<'a>,
    linted: &'a Linted,
    locator: &'a Locator,
    encoding: Encoding,
}

impl Serialize for Wire<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = self.text;
        let d = self.d;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("range", &text.range(d.span, self.encoding))?;
        map.serialize_entry("severity", &convert::severity(d.severity))?;
        map.serialize_entry("code", d.rule)?;
        map.serialize_entry("source", "sherpa")?;
        map.serialize_entry("message", &d.message)?;
        let related = related_information(d, text, self.linted, self.locator, self.encoding);
        if !related.is_empty() {
            map.serialize_entry("relatedInformation", &related)?;
        }
        map.serialize_entry(
            "data",
            &FixData {
                d,
                text,
                encoding: self.encoding,
            },
        )?;
        map.end()
    }
}

/// `data` of a diagnostic: `{"rule": .., "fixes": [{"title", "applicability", "edits":
/// [{"range", "newText"}]}]}`, edits in LSP ranges of the negotiated encoding.
struct FixData<'a> {
    d: &'a Diagnostic,
    text: Text<'a>,
    encoding: Encoding,
}

impl Serialize for FixData<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Fix<'a> {
            title: &'a str,
            applicability: &'static str,
            edits: Vec<Edit<'a>>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Edit<'a> {
            range: lsp::Range,
            new_text: &'a str,
        }
        let fixes: Vec<Fix<'_>> = self
            .d
            .fixes
            .iter()
            .map(|fix| Fix {
                title: &fix.title,
                applicability: fix.applicability.as_str(),
                edits: fix
                    .edits
                    .iter()
                    .map(|e| Edit {
                        range: self.text.range(e.span, self.encoding),
                        new_text: &e.replacement,
                    })
                    .collect(),
            })
            .collect();
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("rule", self.d.rule)?;
        map.serialize_entry("fixes", &fixes)?;
        map.end()
    }
}

fn related_information(
    d: &Diagnostic,
    own: Text<'_>,
    linted: &Linted,
    locator: &Locator,
    encoding: Encoding,
) -> Vec<lsp::DiagnosticRelatedInformation> {
    d.related
        .iter()
        .filter_map(|r| {
            let (uri, text) = match &r.path {
                None => (linted.uri.clone(), own),
                Some(name) => locator.find(name)?,
            };
            Some(lsp::DiagnosticRelatedInformation {
                location: lsp::Location::new(uri, text.range(r.span, encoding)),
                message: r.message.clone(),
            })
        })
        .collect()
}

/// One finding as an LSP diagnostic value (pull reports, code actions): the same JSON as the
/// published one. `text` places spans in the draft itself (its rope, or positions found
/// beforehand for many findings, see [`own_positions`]).
pub fn to_lsp(
    d: &Diagnostic,
    text: Text<'_>,
    linted: &Linted,
    locator: &Locator,
    encoding: Encoding,
) -> lsp::Diagnostic {
    let related = related_information(d, text, linted, locator, encoding);
    lsp::Diagnostic {
        range: text.range(d.span, encoding),
        severity: Some(convert::severity(d.severity)),
        code: Some(NumberOrString::String(d.rule.to_string())),
        code_description: None,
        source: Some("sherpa".to_string()),
        message: d.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: serde_json::to_value(FixData { d, text, encoding }).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linted(text: &str, version: i32) -> Arc<Linted> {
        let doc = Document::new(text, DocumentKind::Plain);
        let settings = Arc::new(Settings::default());
        let own = lint::lint(&doc, &settings);
        Arc::new(Linted {
            uri: "file:///drafts/seed.txt".parse().unwrap(),
            name: "seed.txt".into(),
            revision: version as u64,
            version,
            rope: Rope::from_str(text),
            doc: Arc::new(doc),
            settings,
            own,
        })
    }

    /// The publication built from kept fragments is byte for byte the notification serialized
    /// from scratch, through edits that keep, move (lines and columns) and change findings, in
    /// every encoding.
    #[test]
    fn kept_fragments_publish_what_serializing_from_scratch_publishes() {
        let seed = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/seed.txt"
        ))
        .unwrap()
            // A finding with no fix and no related place: only its own span says where it is.
            + "\n\nThe XQZW and the Council met.\n";
        let middle = seed.len() / 2 + seed[seed.len() / 2..].find(' ').unwrap();
        let mut texts = vec![seed.clone()];
        let mut text = seed.clone();
        for insert in ["x", "Ж", "\n", "😀 UNDP ", "\r\n\r\n", "The Parties "] {
            text.insert_str(middle, insert);
            texts.push(text.clone());
        }
        texts.push(format!("\n{text}"));
        texts.push(format!("é{text}"));
        texts.push(seed[..middle].to_string());
        texts.push(seed.clone());
        for encoding in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
            let mut cache = WireCache::default();
            for (n, text) in texts.iter().enumerate() {
                let linted = linted(text, n as i32 + 1);
                let current = Current {
                    linted: linted.clone(),
                    cross: None,
                };
                assert!(!linted.own.is_empty());
                let positions = own_positions(&linted, current.findings(), encoding);
                let locator = Locator {
                    by_name: HashMap::new(),
                };
                let findings = Findings {
                    current: &current,
                    text: Text::Indexed(&positions, &linted.rope),
                    locator: &locator,
                    encoding,
                };
                let expected = serde_json::to_string(&Notification {
                    jsonrpc: "2.0",
                    method: "textDocument/publishDiagnostics",
                    params: PublishParams {
                        uri: &linted.uri,
                        version: linted.version,
                        diagnostics: Findings { ..findings },
                    },
                })
                .unwrap();
                let published = findings
                    .notification(&linted.uri, linted.version, &mut cache)
                    .unwrap();
                assert_eq!(published, expected, "text {n}, {encoding:?}");
                assert!(cache.fragments.len() <= linted.own.len());
            }
        }
    }
}
