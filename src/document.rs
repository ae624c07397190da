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
            paragraph_facts: OnceLock::new(),
            memo: Mutex::new(Vec::new()),
        }
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
        let start = self.lines.line_start(line);
        let end = self.lines.line_end(line, &self.source);
        self.source[start..end].trim().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
