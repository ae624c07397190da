//! What a report keeps of a draft once it is linted: the whole lines its findings touch (and the
//! lines that findings in other drafts point at), with their line numbers and byte and
//! character offsets. Positions, snippets and excerpts come out exactly as from the whole
//! draft, while a batch over many drafts keeps a few lines of each instead of every draft.

use crate::diagnostic::{Diagnostic, TextRange};
use crate::document::{Document, DocumentKind};
use crate::line_index::LineCol;

/// Lines of one draft's source kept for the report (see the module documentation).
#[derive(Clone, Debug)]
pub struct SourceView {
    kind: DocumentKind,
    /// Length of the whole source in bytes.
    len: usize,
    /// Lines of the whole source.
    line_count: usize,
    /// Kept line ranges (first and last line, inclusive), sorted, neither overlapping nor
    /// adjacent.
    covered: Vec<(usize, usize)>,
    /// One per entry of `covered`.
    segments: Vec<Segment>,
}

#[derive(Clone, Debug)]
struct Segment {
    first_line: usize,
    /// Byte offset of the first line's start in the source.
    start: usize,
    /// Characters (Unicode scalar values) of the source before `start`.
    chars_before: usize,
    /// Start of each line, relative to `start`.
    line_starts: Box<[u32]>,
    /// The lines, with their line breaks.
    text: Box<str>,
}

impl SourceView {
    /// The whole draft (for reports that show every line, like `--format html`).
    pub fn full(doc: &Document) -> Self {
        let last = doc.lines().line_count() - 1;
        Self::build(doc, vec![(0, last)])
    }

    /// The lines the findings of `doc` need: their spans, related places in the same draft and
    /// fix edits (with the text between them).
    pub fn for_findings(doc: &Document, diagnostics: &[Diagnostic]) -> Self {
        let mut covered = Vec::new();
        add_findings(doc, diagnostics, &mut covered);
        Self::build(doc, covered)
    }

    /// Keeps also the lines of `spans` (and of `diagnostics`, as [`SourceView::for_findings`]);
    /// `doc` is the same draft read again.
    pub fn extend(&mut self, doc: &Document, diagnostics: &[Diagnostic], spans: &[TextRange]) {
        let mut covered = std::mem::take(&mut self.covered);
        add_findings(doc, diagnostics, &mut covered);
        for &span in spans {
            add_span(doc, span, &mut covered);
        }
        *self = Self::build(doc, covered);
    }

    fn build(doc: &Document, mut covered: Vec<(usize, usize)>) -> Self {
        let lines = doc.lines();
        let source = doc.source();
        covered.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(covered.len());
        for (first, last) in covered {
            match merged.last_mut() {
                Some(previous) if first <= previous.1 + 1 => previous.1 = previous.1.max(last),
                _ => merged.push((first, last)),
            }
        }
        let mut segments = Vec::with_capacity(merged.len());
        let mut chars = 0;
        let mut counted_to = 0;
        for &(first, last) in &merged {
            let start = lines.line_start(first);
            let end = lines.line_start(last + 1);
            chars += source[counted_to..start].chars().count();
            counted_to = start;
            segments.push(Segment {
                first_line: first,
                start,
                chars_before: chars,
                line_starts: (first..=last)
                    .map(|line| (lines.line_start(line) - start) as u32)
                    .collect(),
                text: source[start..end].into(),
            });
        }
        Self {
            kind: doc.kind(),
            len: source.len(),
            line_count: lines.line_count(),
            covered: merged,
            segments,
        }
    }

    pub fn kind(&self) -> DocumentKind {
        self.kind
    }

    /// Length of the whole source in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Lines of the whole source.
    pub fn line_count(&self) -> usize {
        self.line_count
    }

    /// Bytes of source kept.
    pub fn kept_bytes(&self) -> usize {
        self.segments.iter().map(|s| s.text.len()).sum()
    }

    /// The segment holding `offset` (the last one starting at or before it).
    fn segment_at(&self, offset: usize) -> Option<&Segment> {
        let after = self.segments.partition_point(|s| s.start <= offset);
        after.checked_sub(1).map(|i| &self.segments[i])
    }

    fn segment_of_line(&self, line: usize) -> Option<(&Segment, usize)> {
        let after = self.segments.partition_point(|s| s.first_line <= line);
        let segment = &self.segments[after.checked_sub(1)?];
        let index = line - segment.first_line;
        (index < segment.line_starts.len()).then_some((segment, index))
    }

    /// Zero-based line containing `offset`, as [`crate::line_index::LineIndex::line_of`].
    pub fn line_of(&self, offset: usize) -> usize {
        let Some(segment) = self.segment_at(offset) else {
            return 0;
        };
        let relative = (offset - segment.start).min(u32::MAX as usize) as u32;
        let index = match segment.line_starts.binary_search(&relative) {
            Ok(index) => index,
            Err(next) => next - 1,
        };
        segment.first_line + index
    }

    /// One-based line number of a byte offset.
    pub fn line_number(&self, offset: usize) -> usize {
        self.line_of(offset) + 1
    }

    pub fn line_start(&self, line: usize) -> usize {
        match self.segment_of_line(line) {
            Some((segment, index)) => segment.start + segment.line_starts[index] as usize,
            None => self.len,
        }
    }

    /// End of a line's content, before its line break.
    pub fn line_end(&self, line: usize) -> usize {
        let Some((segment, index)) = self.segment_of_line(line) else {
            return self.len;
        };
        let next = segment
            .line_starts
            .get(index + 1)
            .map_or(segment.text.len(), |&s| s as usize);
        let start = segment.line_starts[index] as usize;
        let bytes = segment.text.as_bytes();
        let mut end = next;
        if end > start && line + 1 < self.line_count {
            if end >= 2 && bytes[end - 2] == b'\r' && bytes[end - 1] == b'\n' {
                end -= 2;
            } else {
                end -= 1;
            }
        }
        segment.start + end
    }

    /// `offset` clamped to the source and rounded down to a character boundary.
    pub fn floor_char_boundary(&self, offset: usize) -> usize {
        let offset = offset.min(self.len);
        match self.segment_at(offset) {
            Some(segment) if offset < segment.start + segment.text.len() => {
                segment.start
                    + crate::line_index::floor_char_boundary(&segment.text, offset - segment.start)
            }
            _ => offset,
        }
    }

    /// Zero-based line and column (in Unicode scalar values), as
    /// [`crate::line_index::LineIndex::line_col`].
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = self.floor_char_boundary(offset);
        let line = self.line_of(offset);
        let column = self
            .slice(TextRange::new(self.line_start(line), offset))
            .map_or(0, |s| s.chars().count());
        LineCol { line, column }
    }

    /// Characters (Unicode scalar values) before byte `offset` (rounded down to a character
    /// boundary).
    pub fn char_offset(&self, offset: usize) -> usize {
        let lc = self.line_col(offset);
        let Some((segment, index)) = self.segment_of_line(lc.line) else {
            return lc.column;
        };
        let line_start = segment.line_starts[index] as usize;
        segment.chars_before + segment.text[..line_start].chars().count() + lc.column
    }

    /// The source of `span`, when its lines are kept and it falls on character boundaries.
    pub fn slice(&self, span: TextRange) -> Option<&str> {
        if span.start > span.end {
            return None;
        }
        let segment = self.segment_at(span.start)?;
        segment
            .text
            .get(span.start - segment.start..span.end.checked_sub(segment.start)?)
    }

    /// The source of `span` clamped to the source and to character boundaries (never panics;
    /// empty when its lines are not kept).
    pub fn slice_lossy(&self, span: TextRange) -> &str {
        let start = self.floor_char_boundary(span.start);
        let end = self.floor_char_boundary(span.end).max(start);
        self.slice(TextRange::new(start, end)).unwrap_or("")
    }

    /// The whole source, for a view made by [`SourceView::full`].
    pub fn full_text(&self) -> &str {
        match self.segments.as_slice() {
            [whole] if whole.start == 0 && whole.text.len() == self.len => &whole.text,
            [] if self.len == 0 => "",
            _ => panic!("the whole source was not kept for this report"),
        }
    }
}

/// Every line of `span`, from the one holding its start to the one holding its end.
fn add_span(doc: &Document, span: TextRange, covered: &mut Vec<(usize, usize)>) {
    let lines = doc.lines();
    let len = doc.source().len();
    let first = lines.line_of(span.start.min(len));
    let last = lines.line_of(span.end.min(len)).max(first);
    covered.push((first, last));
}

fn add_findings(doc: &Document, diagnostics: &[Diagnostic], covered: &mut Vec<(usize, usize)>) {
    for d in diagnostics {
        add_span(doc, d.span, covered);
        for related in d.related.iter().filter(|r| r.path.is_none()) {
            add_span(doc, related.span, covered);
        }
        for fix in &d.fixes {
            for edit in &fix.edits {
                add_span(doc, edit.span, covered);
            }
            if let Some(extent) = fix.extent() {
                add_span(doc, extent, covered);
            }
        }
        // The paragraph around a finding is what `content_fingerprint` reads; it is computed
        // while the draft is open, so it needs no lines here.
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_against_document(source: &str, kept: &[TextRange]) {
        let doc = Document::new(source, DocumentKind::Plain);
        let diagnostics: Vec<Diagnostic> = kept
            .iter()
            .map(|&span| Diagnostic::new("duplicate-paragraph", span, "probe"))
            .collect();
        let view = SourceView::for_findings(&doc, &diagnostics);
        let lines = doc.lines();
        for &span in kept {
            for offset in [span.start, span.end] {
                assert_eq!(view.line_of(offset), lines.line_of(offset), "{offset}");
                assert_eq!(view.line_col(offset), lines.line_col(offset, source));
                let line = lines.line_of(offset);
                assert_eq!(view.line_start(line), lines.line_start(line));
                assert_eq!(view.line_end(line), lines.line_end(line, source));
                let expected_chars = source
                    [..crate::line_index::floor_char_boundary(source, offset.min(source.len()))]
                    .chars()
                    .count();
                assert_eq!(view.char_offset(offset), expected_chars, "{offset}");
            }
            assert_eq!(view.slice(span), source.get(span.start..span.end));
        }
        assert!(view.kept_bytes() <= source.len());
    }

    #[test]
    fn kept_lines_give_the_positions_of_the_whole_source() {
        let source = "Первый абзац.\n\nSecond line\r\nthird 😀 line\rfourth\n\nlast line\n";
        let at = |needle: &str| source.find(needle).unwrap();
        check_against_document(
            source,
            &[
                TextRange::new(at("абзац"), at("абзац") + 10),
                TextRange::new(at("third"), at("fourth") + 3),
                TextRange::new(at("last"), source.len()),
                TextRange::new(at("Second"), at("Second")),
            ],
        );
    }

    #[test]
    fn only_the_touched_lines_are_kept() {
        let source = "one\n\ntwo two\n\nthree three three\n";
        let doc = Document::new(source, DocumentKind::Plain);
        let at = source.find("two").unwrap();
        let view = SourceView::for_findings(
            &doc,
            &[Diagnostic::new(
                "duplicate-paragraph",
                TextRange::new(at, at + 3),
                "x",
            )],
        );
        assert_eq!(view.kept_bytes(), "two two\n".len());
        assert_eq!(view.slice(TextRange::new(0, 3)), None);
        assert_eq!(SourceView::full(&doc).full_text(), source);
    }
}
