//! A draft split into blocks (paragraphs, headings, list items, quotes) with byte spans.

use std::any::{Any, TypeId};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use crate::diagnostic::TextRange;
use crate::line_index::LineIndex;
use crate::similarity::ParagraphFacts;
use crate::suppress::Suppressions;
use crate::{markdown, plain};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    Markdown,
    Plain,
}

impl DocumentKind {
    /// Markdown for `.md` and `.markdown`, plain text for everything else.
    pub fn from_path(path: &Path) -> Self {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("md" | "markdown" | "mdown" | "mkd") => DocumentKind::Markdown,
            _ => DocumentKind::Plain,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlockKind {
    Paragraph,
    Heading,
    ListItem,
    Quote,
    TableCell,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block {
    pub kind: BlockKind,
    /// From the first to the last character of the block's prose, markup excluded.
    pub span: TextRange,
}

/// Where a text changed between two versions: bytes before `start` are the same in both, and
/// the old text from `old_end` on is the new text from `new_end` on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextChange {
    pub start: usize,
    pub old_end: usize,
    pub new_end: usize,
}

impl TextChange {
    /// `old[start..old_end]` replaced by `inserted` bytes.
    pub fn replace(start: usize, old_end: usize, inserted: usize) -> Self {
        Self {
            start,
            old_end,
            new_end: start + inserted,
        }
    }

    /// This change followed by `next` (made on the text this one produced), as one change.
    pub fn then(self, next: TextChange) -> Self {
        // The end of both changed regions in the middle text, taken back to the old text and
        // forward to the new one.
        let middle_end = self.new_end.max(next.old_end);
        Self {
            start: self.start.min(next.start),
            old_end: middle_end - self.new_end + self.old_end,
            new_end: middle_end - next.old_end + next.new_end,
        }
    }
}

#[derive(Debug)]
pub struct Document {
    source: String,
    /// Markdown only: the source with code, HTML, front matter and markup blanked out byte for
    /// byte, so offsets in it are offsets in the source.
    masked: Option<String>,
    kind: DocumentKind,
    blocks: Vec<Block>,
    lines: LineIndex,
    suppressions: Suppressions,
    /// The xxh3-128 of each block's source text, computed once on first use.
    block_hashes: OnceLock<Vec<u128>>,
    /// Hashes known before they are asked for: those of the blocks an edit left alone (see
    /// [`Document::edited`]), by block index.
    inherited_hashes: Vec<Option<u128>>,
    /// Per-block facts for the duplicate rules, computed once on first use.
    paragraph_facts: OnceLock<Vec<Arc<ParagraphFacts>>>,
    /// Facts several rules derive from this draft, computed once (see [`Document::memo`]).
    memo: Mutex<Vec<(TypeId, Arc<dyn Any + Send + Sync>)>>,
}

impl Document {
    pub fn new(source: impl Into<String>, kind: DocumentKind) -> Self {
        let source = source.into();
        let lines = LineIndex::new(&source);
        let (masked, blocks, suppressions) = match kind {
            DocumentKind::Markdown => {
                let parsed = markdown::parse(&source);
                (Some(parsed.masked), parsed.blocks, parsed.suppressions)
            }
            DocumentKind::Plain => (
                None,
                plain::blocks(&source, &lines),
                Suppressions::default(),
            ),
        };
        Self {
            source,
            masked,
            kind,
            blocks,
            lines,
            suppressions,
            block_hashes: OnceLock::new(),
            inherited_hashes: Vec::new(),
            paragraph_facts: OnceLock::new(),
            memo: Mutex::new(Vec::new()),
        }
    }

    /// The draft `source`, which is `previous`'s text with `change` made: the same document as
    /// [`Document::new`] gives, built by re-reading only the lines and paragraphs the change
    /// touched (plain text; Markdown is parsed again whole). A keystroke in a long draft then
    /// costs its paragraph, not the draft. The hashes of untouched blocks are carried over.
    pub fn edited(previous: &Document, source: String, change: TextChange) -> Self {
        let consistent = change.start <= change.old_end
            && change.start <= change.new_end
            && change.old_end <= previous.source.len()
            && change.new_end <= source.len()
            && previous.source.len() - change.old_end == source.len() - change.new_end;
        if previous.kind != DocumentKind::Plain || !consistent {
            return Self::new(source, previous.kind);
        }
        let lines = LineIndex::edited(&previous.lines, &source, change);
        let blocks = plain::edited_blocks(&previous.blocks, &source, &lines, change);
        let mut inherited_hashes = Vec::new();
        if let Some(old_hashes) = previous.block_hashes.get() {
            // Untouched blocks keep their text: matched by position, before or after the change.
            let old = &previous.blocks;
            let mut i = 0;
            inherited_hashes = blocks
                .iter()
                .map(|block| {
                    let old_span = if block.span.end <= change.start {
                        block.span
                    } else if block.span.start >= change.new_end {
                        TextRange::new(
                            block.span.start - change.new_end + change.old_end,
                            block.span.end - change.new_end + change.old_end,
                        )
                    } else {
                        return None;
                    };
                    while i < old.len() && old[i].span.start < old_span.start {
                        i += 1;
                    }
                    (i < old.len() && old[i].span == old_span && old[i].kind == block.kind)
                        .then(|| old_hashes[i])
                })
                .collect();
        }
        Self {
            source,
            masked: None,
            kind: DocumentKind::Plain,
            blocks,
            lines,
            suppressions: Suppressions::default(),
            block_hashes: OnceLock::new(),
            inherited_hashes,
            paragraph_facts: OnceLock::new(),
            memo: Mutex::new(Vec::new()),
        }
    }

    /// The xxh3-128 of each block's source text (same order as [`Document::blocks`]): what
    /// identifies a block's content for everything kept between versions of a draft.
    pub fn block_hashes(&self) -> &[u128] {
        self.block_hashes.get_or_init(|| {
            self.blocks
                .iter()
                .enumerate()
                .map(|(index, block)| {
                    self.inherited_hashes
                        .get(index)
                        .copied()
                        .flatten()
                        .unwrap_or_else(|| {
                            xxhash_rust::xxh3::xxh3_128(block.span.slice(&self.source).as_bytes())
                        })
                })
                .collect()
        })
    }

    /// A value computed from this draft once and shared by every rule that asks for the same
    /// type: `valid` says whether a stored value still applies (for example, to the same
    /// settings); when it does not, `compute` runs again and replaces it.
    pub fn memo<T: Any + Send + Sync>(
        &self,
        valid: impl Fn(&T) -> bool,
        compute: impl FnOnce() -> T,
    ) -> Arc<T> {
        if let Some(value) = self.memoized::<T>().filter(|v| valid(v)) {
            return value;
        }
        // Computed without the lock held: a rule that panics here poisons nothing.
        let value = Arc::new(compute());
        let mut memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
        let id = TypeId::of::<T>();
        memo.retain(|(t, _)| *t != id);
        memo.push((id, Arc::clone(&value) as Arc<dyn Any + Send + Sync>));
        value
    }

    /// The value of type `T` [`Document::memo`] keeps, if any, without computing one.
    pub fn memoized<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        let id = TypeId::of::<T>();
        let memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
        memo.iter()
            .find(|(t, _)| *t == id)
            .and_then(|(_, v)| Arc::clone(v).downcast::<T>().ok())
    }

    /// Drops the values [`Document::memo`] keeps (the names analysis is several times the size
    /// of the draft). Callers that keep a linted draft around call this once its rules ran; a
    /// later rule that asks again recomputes.
    pub fn release_memo(&self) {
        self.memo.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    pub fn kind(&self) -> DocumentKind {
        self.kind
    }

    /// The text exactly as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn into_source(self) -> String {
        self.source
    }

    /// The text the rules read: the source with everything that is not prose blanked out.
    pub fn text(&self) -> &str {
        self.masked.as_deref().unwrap_or(&self.source)
    }

    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    pub fn block_text(&self, block: &Block) -> &str {
        block.span.slice(self.text())
    }

    /// Fingerprints of every block (same order as [`Document::blocks`]), shared by the duplicate
    /// rules; each depends only on its block's text.
    pub fn paragraph_facts(&self) -> &[Arc<ParagraphFacts>] {
        self.paragraph_facts.get_or_init(|| {
            self.blocks
                .iter()
                .map(|block| Arc::new(ParagraphFacts::compute(self.block_text(block))))
                .collect()
        })
    }

    /// Fills [`Document::paragraph_facts`] from `facts_of(block index, block text)`, for callers
    /// that keep facts of unchanged paragraphs between versions of a draft (the language
    /// server). Does nothing once the facts exist.
    pub fn provide_paragraph_facts(
        &self,
        mut facts_of: impl FnMut(usize, &str) -> Arc<ParagraphFacts>,
    ) {
        self.paragraph_facts.get_or_init(|| {
            self.blocks
                .iter()
                .enumerate()
                .map(|(index, block)| facts_of(index, self.block_text(block)))
                .collect()
        });
    }

    pub fn lines(&self) -> &LineIndex {
        &self.lines
    }

    pub fn suppressions(&self) -> &Suppressions {
        &self.suppressions
    }

    /// One-based line number of a byte offset, for messages.
    pub fn line_number(&self, offset: usize) -> usize {
        self.lines.line_of(offset) + 1
    }

    /// What to delete to remove a block cleanly: its whole lines and the blank lines after it,
    /// or, for the last block, the separator before it, so no double blank line is left.
    pub fn removal_span(&self, block: &Block) -> TextRange {
        let text = self.text();
        let source = &self.source;
        let first_line = self.lines.line_of(block.span.start);
        let last_line = self.lines.line_of(block.span.end);
        let line_start = self.lines.line_start(first_line);
        let last_line_end = self.lines.line_end(last_line, source);
        let owns_line_start = text[line_start..block.span.start].trim().is_empty();
        let owns_line_end = text[block.span.end..last_line_end].trim().is_empty();
        if !owns_line_start || !owns_line_end {
            return block.span;
        }
        let mut line = last_line + 1;
        while line < self.lines.line_count() && self.line_is_blank(line) {
            line += 1;
        }
        if line < self.lines.line_count() {
            return TextRange::new(line_start, self.lines.line_start(line));
        }
        // Last block of the document: take the separator before it instead of after it.
        let mut previous = first_line;
        while previous > 0 {
            previous -= 1;
            if !self.line_is_blank(previous) {
                return TextRange::new(self.lines.line_end(previous, source), last_line_end);
            }
        }
        TextRange::new(0, source.len())
    }

    fn line_is_blank(&self, line: usize) -> bool {
        self.lines.is_blank(line, &self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Pieces drafts are made of, line breaks of every kind and blank lines included; the long
    /// one makes runs of one paragraph per line.
    const PIECES: &[&str] = &[
        "We ",
        "welcome the ",
        "Parties. ",
        "\n",
        "\n\n",
        "\r\n",
        "\r",
        "\r\n\r\n",
        "  \n",
        "- ",
        "• item ",
        "Ж世😀 ",
        "\t",
        "(a) ",
        "the long sentence of a paragraph written on one line as many communiqués are written ",
    ];

    fn text_of(pieces: &[usize]) -> String {
        pieces.iter().map(|&p| PIECES[p % PIECES.len()]).collect()
    }

    fn assert_same_document(edited: &Document, fresh: &Document) {
        assert_eq!(edited.blocks(), fresh.blocks());
        assert_eq!(edited.lines().line_count(), fresh.lines().line_count());
        for line in 0..fresh.lines().line_count() {
            assert_eq!(
                edited.lines().line_start(line),
                fresh.lines().line_start(line)
            );
        }
        assert_eq!(edited.block_hashes(), fresh.block_hashes());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Edits one after another, merged into one change, then the document rebuilt from the
        /// old one: the same as parsing the new text from scratch.
        #[test]
        fn edited_document_equals_a_fresh_one(
            base in proptest::collection::vec(0usize..100, 0..40),
            edits in proptest::collection::vec(
                (0usize..10_000, 0usize..8, proptest::collection::vec(0usize..100, 0..4)),
                1..5,
            ),
            hashed in any::<bool>(),
        ) {
            let old_text = text_of(&base);
            let old = Document::new(old_text.clone(), DocumentKind::Plain);
            if hashed {
                old.block_hashes();
            }
            let mut text = old_text.clone();
            let mut merged: Option<TextChange> = None;
            for (at, removed, inserted) in edits {
                let start = crate::line_index::floor_char_boundary(&text, at % (text.len() + 1));
                let end = crate::line_index::floor_char_boundary(&text, start + removed);
                let piece = text_of(&inserted);
                text.replace_range(start..end, &piece);
                let change = TextChange::replace(start, end, piece.len());
                merged = Some(merged.map_or(change, |m| m.then(change)));
            }
            let change = merged.unwrap();
            prop_assert_eq!(&old_text[..change.start], &text[..change.start]);
            prop_assert_eq!(&old_text[change.old_end..], &text[change.new_end..]);
            let edited = Document::edited(&old, text.clone(), change);
            assert_same_document(&edited, &Document::new(text, DocumentKind::Plain));
        }
    }

    #[test]
    fn an_edit_in_one_paragraph_keeps_the_others_hashes() {
        let old_text = "First paragraph.\n\nSecond paragraph.\r\n\r\nThird paragraph.\n";
        let old = Document::new(old_text, DocumentKind::Plain);
        old.block_hashes();
        let at = old_text.find("Second").unwrap();
        let text = format!("{}x{}", &old_text[..at], &old_text[at..]);
        let edited = Document::edited(&old, text.clone(), TextChange::replace(at, at, 1));
        assert_eq!(
            edited
                .inherited_hashes
                .iter()
                .filter(|h| h.is_some())
                .count(),
            2
        );
        assert!(edited.inherited_hashes[1].is_none());
        assert_same_document(&edited, &Document::new(text, DocumentKind::Plain));
    }

    fn removal(source: &str, index: usize) -> String {
        let doc = Document::new(source, DocumentKind::Plain);
        let span = doc.removal_span(&doc.blocks()[index]);
        format!("{}{}", &source[..span.start], &source[span.end..])
    }

    #[test]
    fn removing_a_middle_paragraph_keeps_one_separator() {
        assert_eq!(removal("A a.\n\nB b.\n\nC c.\n", 1), "A a.\n\nC c.\n");
    }

    #[test]
    fn removing_the_last_paragraph_takes_the_separator_before_it() {
        assert_eq!(removal("A a.\n\nB b.\n", 1), "A a.\n");
        assert_eq!(removal("A a.\r\n\r\nB b.", 1), "A a.");
    }

    #[test]
    fn removing_the_only_paragraph_empties_the_draft() {
        assert_eq!(removal("Only one.\n", 0), "");
    }

    #[test]
    fn markdown_list_item_removal_takes_its_marker() {
        let source = "- first item here\n- second item here\n- third\n";
        let doc = Document::new(source, DocumentKind::Markdown);
        let span = doc.removal_span(&doc.blocks()[1]);
        assert_eq!(
            format!("{}{}", &source[..span.start], &source[span.end..]),
            "- first item here\n- third\n"
        );
    }

    #[test]
    fn memo_computes_once_and_recomputes_when_no_longer_valid() {
        let doc = Document::new("Text.", DocumentKind::Plain);
        let calls = std::cell::Cell::new(0);
        let compute = |n: u32| {
            calls.set(calls.get() + 1);
            n
        };
        assert_eq!(*doc.memo(|_: &u32| true, || compute(1)), 1);
        assert_eq!(*doc.memo(|_: &u32| true, || compute(2)), 1);
        assert_eq!(calls.get(), 1);
        assert_eq!(*doc.memo(|v: &u32| *v == 3, || compute(3)), 3);
        assert_eq!(calls.get(), 2);
    }

    #[test]
    fn kind_follows_extension() {
        assert_eq!(
            DocumentKind::from_path(Path::new("a/B.MD")),
            DocumentKind::Markdown
        );
        assert_eq!(
            DocumentKind::from_path(Path::new("a/b.txt")),
            DocumentKind::Plain
        );
        assert_eq!(
            DocumentKind::from_path(Path::new("README")),
            DocumentKind::Plain
        );
    }
}
