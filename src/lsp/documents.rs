//! The open drafts: one rope and version per document, changed synchronously as notifications
//! arrive (the caller holds the store's lock only for that, never across an `.await`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use ropey::Rope;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

use super::analysis::{CrossFindings, Linted, WireCache};
use super::convert::{self, Encoding};
use crate::document::{DocumentKind, TextChange};
use crate::lint::LintCache;

pub struct Draft {
    pub uri: Uri,
    /// What findings of other drafts call this one (its path relative to the workspace, or its
    /// URI): the `path` of its `WorkspaceDoc`.
    pub name: Arc<str>,
    pub path: Option<PathBuf>,
    pub kind: DocumentKind,
    pub rope: Rope,
    pub version: i32,
    /// Changes on every edit and whenever the draft must be linted again (new settings);
    /// results remember the revision they were computed for, and outdated ones are dropped.
    pub revision: u64,
    /// The latest own findings (possibly of an older revision).
    pub linted: Option<Arc<Linted>>,
    /// The latest cross-draft findings (possibly of an older revision).
    pub cross: Option<Arc<CrossFindings>>,
    /// Block-rule findings by block content, reused from one lint of this draft to the next.
    pub cache: Arc<Mutex<LintCache>>,
    /// The JSON of the diagnostics published last, reused by the next publication.
    pub wire: Arc<Mutex<WireCache>>,
    /// Where the text changed at each revision not yet linted (byte offsets), so that the next
    /// lint re-reads only those places of the last linted version (see [`Draft::changes_since`]).
    edits: Vec<(u64, TextChange)>,
    /// Edits up to this revision were dropped (a long run of edits with no lint between).
    edits_dropped_to: u64,
}

/// Edits kept without a lint in between, at most: past this, the next lint parses afresh.
const MAX_KEPT_EDITS: usize = 4096;

impl Draft {
    /// How the text changed from revision `base` (a linted version, whose text is
    /// `base_len` bytes long) to the current one, as one change; `None` when that is not known.
    /// (`Document::edited` checks the change against both texts and parses afresh if it does
    /// not fit.)
    pub fn changes_since(&self, base: u64, base_len: usize) -> Option<TextChange> {
        if base < self.edits_dropped_to {
            return None;
        }
        let unchanged = TextChange::replace(base_len, base_len, 0);
        Some(
            self.edits
                .iter()
                .filter(|(revision, _)| *revision > base)
                .fold(unchanged, |merged, (_, change)| merged.then(*change)),
        )
    }

    /// Forgets the edits a lint of revision `linted` has taken in.
    pub fn linted_up_to(&mut self, linted: u64) {
        self.edits.retain(|(revision, _)| *revision > linted);
    }
}

/// What an edit did to a draft.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Changed {
    pub revision: u64,
    /// Positions that lay outside the text and were clamped (see [`convert::resolve`]).
    pub clamped: usize,
}

#[derive(Default)]
pub struct DocumentStore {
    drafts: HashMap<Uri, Draft>,
    last_revision: u64,
}

impl DocumentStore {
    fn next_revision(&mut self) -> u64 {
        self.last_revision += 1;
        self.last_revision
    }

    /// Opens (or reopens, replacing) a draft; returns its revision.
    pub fn open(
        &mut self,
        uri: Uri,
        name: Arc<str>,
        path: Option<PathBuf>,
        kind: DocumentKind,
        text: &str,
        version: i32,
    ) -> u64 {
        let revision = self.next_revision();
        self.drafts.insert(
            uri.clone(),
            Draft {
                uri,
                name,
                path,
                kind,
                rope: Rope::from_str(text),
                version,
                revision,
                linted: None,
                cross: None,
                cache: Arc::new(Mutex::new(LintCache::new())),
                wire: Arc::default(),
                edits: Vec::new(),
                edits_dropped_to: revision,
            },
        );
        revision
    }

    /// Applies the changes of one `didChange` in order; `None` for a document that is not open.
    pub fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: &[TextDocumentContentChangeEvent],
        encoding: Encoding,
    ) -> Option<Changed> {
        let revision = self.next_revision();
        let draft = self.drafts.get_mut(uri)?;
        let mut clamped = 0;
        let mut merged: Option<TextChange> = None;
        for change in changes {
            let (clamped_here, edit) = apply_change(&mut draft.rope, change, encoding);
            clamped += clamped_here;
            merged = Some(merged.map_or(edit, |m| m.then(edit)));
        }
        if let Some(edit) = merged {
            if draft.edits.len() >= MAX_KEPT_EDITS {
                draft.edits.clear();
                draft.edits_dropped_to = revision;
            } else {
                draft.edits.push((revision, edit));
            }
        }
        draft.version = version;
        draft.revision = revision;
        Some(Changed { revision, clamped })
    }

    pub fn close(&mut self, uri: &Uri) -> Option<Draft> {
        self.drafts.remove(uri)
    }

    pub fn get(&self, uri: &Uri) -> Option<&Draft> {
        self.drafts.get(uri)
    }

    pub fn get_mut(&mut self, uri: &Uri) -> Option<&mut Draft> {
        self.drafts.get_mut(uri)
    }

    pub fn drafts(&self) -> impl Iterator<Item = &Draft> {
        self.drafts.values()
    }

    pub fn revision(&self, uri: &Uri) -> Option<u64> {
        self.drafts.get(uri).map(|d| d.revision)
    }

    /// Gives every draft a new revision (their results are outdated, e.g. the settings
    /// changed); returns them to lint again.
    pub fn invalidate_all(&mut self) -> Vec<(Uri, u64)> {
        let mut uris: Vec<Uri> = self.drafts.keys().cloned().collect();
        uris.sort();
        uris.into_iter()
            .map(|uri| {
                let revision = self.next_revision();
                if let Some(draft) = self.drafts.get_mut(&uri) {
                    draft.revision = revision;
                }
                (uri, revision)
            })
            .collect()
    }
}

/// Applies one content change; returns how many of its positions had to be clamped, and where
/// the text changed in bytes.
pub fn apply_change(
    rope: &mut Rope,
    change: &TextDocumentContentChangeEvent,
    encoding: Encoding,
) -> (usize, TextChange) {
    let Some(range) = change.range else {
        let old_len = rope.len_bytes();
        *rope = Rope::from_str(&change.text);
        return (0, TextChange::replace(0, old_len, change.text.len()));
    };
    let start = convert::resolve(rope, range.start, encoding);
    let end = convert::resolve(rope, range.end, encoding);
    let (from, to) = if start.char_index <= end.char_index {
        (start.char_index, end.char_index)
    } else {
        (end.char_index, start.char_index)
    };
    let edit = TextChange::replace(
        rope.char_to_byte(from),
        rope.char_to_byte(to),
        change.text.len(),
    );
    rope.remove(from..to);
    rope.insert(from, &change.text);
    (usize::from(start.clamped) + usize::from(end.clamped), edit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tower_lsp_server::ls_types::{Position, Range};

    /// An independent model of LSP positions on a plain `String`: line breaks are `\n`, `\r\n`
    /// and `\r`; columns past the end clamp to the line end, lines past the end to the text end;
    /// a column inside a character rounds down.
    fn reference_offset(text: &str, position: Position, encoding: Encoding) -> usize {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    starts.push(i + 2);
                    i += 2;
                }
                b'\r' | b'\n' => {
                    starts.push(i + 1);
                    i += 1;
                }
                _ => i += 1,
            }
        }
        let line = position.line as usize;
        if line >= starts.len() {
            return text.len();
        }
        let start = starts[line];
        let content_end = match starts.get(line + 1) {
            Some(&next) if text[..next].ends_with("\r\n") => next - 2,
            Some(&next) => next - 1,
            None => text.len(),
        };
        let column = position.character as usize;
        let mut units = 0;
        for (i, c) in text[start..content_end].char_indices() {
            let width = match encoding {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
                Encoding::Utf32 => 1,
            };
            if units + width > column {
                return start + i;
            }
            units += width;
        }
        content_end
    }

    fn reference_apply(text: &mut String, change: &TextDocumentContentChangeEvent, e: Encoding) {
        let range = change.range.unwrap();
        let a = reference_offset(text, range.start, e);
        let b = reference_offset(text, range.end, e);
        text.replace_range(a.min(b)..a.max(b), &change.text);
    }

    const PIECES: &[&str] = &[
        "a", "The ", "Ж", "世界", "😀", "é", "\r\n", "\n", "\r", " ", "\u{2028}", "\u{c}", "x\r",
    ];

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(PIECES), 0..12).prop_map(|p| p.concat())
    }

    fn edit() -> impl Strategy<Value = TextDocumentContentChangeEvent> {
        (0u32..8, 0u32..14, 0u32..8, 0u32..14, text()).prop_map(|(l1, c1, l2, c2, text)| {
            TextDocumentContentChangeEvent {
                range: Some(Range::new(Position::new(l1, c1), Position::new(l2, c2))),
                range_length: None,
                text,
            }
        })
    }

    fn encoding() -> impl Strategy<Value = Encoding> {
        prop::sample::select(&[Encoding::Utf8, Encoding::Utf16, Encoding::Utf32][..])
    }

    proptest! {
        // 120 cases of up to 60 edits: several thousand random edits per run.
        #![proptest_config(ProptestConfig::with_cases(120))]
        #[test]
        fn the_store_follows_a_plain_string_through_random_edits(
            initial in text(),
            edits in prop::collection::vec(edit(), 1..60),
            encoding in encoding(),
        ) {
            let uri: Uri = "file:///drafts/a.md".parse().unwrap();
            let mut store = DocumentStore::default();
            store.open(uri.clone(), "a.md".into(), None, DocumentKind::Markdown, &initial, 1);
            let mut expected = initial.clone();
            for (n, change) in edits.iter().enumerate() {
                let version = n as i32 + 2;
                store.change(&uri, version, std::slice::from_ref(change), encoding).unwrap();
                reference_apply(&mut expected, change, encoding);
                let draft = store.get(&uri).unwrap();
                prop_assert_eq!(draft.rope.to_string(), expected.clone());
                prop_assert_eq!(draft.version, version);
            }
        }

        /// What the store says changed since a linted version, made into a document from the
        /// linted one, is the document of the current text (plain drafts, several changes per
        /// notification, a lint in the middle).
        #[test]
        fn changes_since_a_lint_rebuild_the_current_document(
            initial in text(),
            first in prop::collection::vec(edit(), 0..6),
            second in prop::collection::vec(edit(), 1..6),
            encoding in encoding(),
        ) {
            use crate::document::Document;
            let uri: Uri = "file:///drafts/a.txt".parse().unwrap();
            let mut store = DocumentStore::default();
            let opened = store.open(uri.clone(), "a.txt".into(), None, DocumentKind::Plain, &initial, 1);
            let mut linted = (opened, Document::new(initial.clone(), DocumentKind::Plain));
            linted.1.block_hashes();
            for (round, edits) in [first, second].iter().enumerate() {
                for (n, change) in edits.iter().enumerate() {
                    let changes = vec![change.clone(); 1 + n % 2];
                    store.change(&uri, (round * 10 + n) as i32 + 2, &changes, encoding).unwrap();
                }
                let draft = store.get_mut(&uri).unwrap();
                let text = draft.rope.to_string();
                let change = draft.changes_since(linted.0, linted.1.source().len()).unwrap();
                let edited = Document::edited(&linted.1, text.clone(), change);
                let fresh = Document::new(text, DocumentKind::Plain);
                prop_assert_eq!(edited.blocks(), fresh.blocks());
                prop_assert_eq!(edited.block_hashes(), fresh.block_hashes());
                prop_assert_eq!(edited.lines().line_count(), fresh.lines().line_count());
                draft.linted_up_to(draft.revision);
                linted = (draft.revision, edited);
            }
        }

        #[test]
        fn several_changes_of_one_notification_apply_in_order(
            initial in text(),
            edits in prop::collection::vec(edit(), 1..8),
            encoding in encoding(),
        ) {
            let uri: Uri = "untitled:Untitled-1".parse().unwrap();
            let mut store = DocumentStore::default();
            store.open(uri.clone(), "u".into(), None, DocumentKind::Plain, &initial, 1);
            store.change(&uri, 2, &edits, encoding).unwrap();
            let mut expected = initial;
            for change in &edits {
                reference_apply(&mut expected, change, encoding);
            }
            prop_assert_eq!(store.get(&uri).unwrap().rope.to_string(), expected);
        }
    }

    #[test]
    fn full_text_changes_replace_and_unknown_documents_are_refused() {
        let uri: Uri = "file:///a.txt".parse().unwrap();
        let mut store = DocumentStore::default();
        let first = store.open(uri.clone(), "a".into(), None, DocumentKind::Plain, "old", 1);
        let whole = TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: "new\r\ntext".into(),
        };
        let changed = store
            .change(&uri, 2, std::slice::from_ref(&whole), Encoding::Utf16)
            .unwrap();
        assert!(changed.revision > first);
        assert_eq!(store.get(&uri).unwrap().rope.to_string(), "new\r\ntext");
        let other: Uri = "file:///b.txt".parse().unwrap();
        assert!(store.change(&other, 2, &[whole], Encoding::Utf16).is_none());
    }

    #[test]
    fn clamped_positions_are_counted() {
        let uri: Uri = "file:///a.txt".parse().unwrap();
        let mut store = DocumentStore::default();
        store.open(
            uri.clone(),
            "a".into(),
            None,
            DocumentKind::Plain,
            "ab\ncd",
            1,
        );
        let change = TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(0, 9), Position::new(7, 0))),
            range_length: None,
            text: "!".into(),
        };
        let changed = store.change(&uri, 2, &[change], Encoding::Utf8).unwrap();
        assert_eq!(changed.clamped, 2);
        assert_eq!(store.get(&uri).unwrap().rope.to_string(), "ab!");
    }
}
