//! Labelled items of a draft grouped into runs: the labels that start paragraphs or list items
//! ("1.", "(a)", "ii)"), and inline runs inside one paragraph ("… (a) x; (b) y; and (c) z").
//! A run is one counting sequence of one style; a label with value 1 starts a new run.

use std::sync::Arc;

use crate::clauses::labels::{Counter, Frame, Label, Reading, label_at};
use crate::clauses::lexis;
use crate::diagnostic::TextRange;
use crate::document::Document;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Labels at the start of paragraphs and list items, across the whole draft.
    Blocks,
    /// Labels inside the paragraph with this block index.
    Inline(usize),
}

#[derive(Clone, Copy, Debug)]
pub struct Item {
    pub label: Label,
    /// The reading the sequence settled on.
    pub reading: Reading,
    /// Index of the block the label is in.
    pub block: usize,
}

#[derive(Debug)]
pub struct Run {
    pub scope: Scope,
    pub counter: Counter,
    pub frame: Frame,
    pub items: Vec<Item>,
}

impl Run {
    pub fn reading(&self, value: u32) -> Reading {
        Reading {
            counter: self.counter,
            value,
        }
    }
}

/// [`runs`] of a draft, found once and shared by the rules that read them.
pub fn shared_runs(doc: &Document) -> Arc<Vec<Run>> {
    doc.memo(|_: &Vec<Run>| true, || runs(doc))
}

/// Every run of the draft, block runs first, each in text order.
pub fn runs(doc: &Document) -> Vec<Run> {
    let text = doc.text();
    let mut builder = Builder::default();
    for (index, block) in doc.blocks().iter().enumerate() {
        if let Some(label) = label_at(text, block.span.start, block.span.end, true) {
            builder.add(Scope::Blocks, label, index, false);
        }
    }
    for (index, block) in doc.blocks().iter().enumerate() {
        let scope = Scope::Inline(index);
        let span = block.span;
        for label in inline_labels(text, span) {
            if is_inline_enumerator(text, span.start, span.end, &label) {
                builder.add(scope, label, index, true);
            }
        }
    }
    let mut runs = builder.runs;
    // A lone inline label (often the paragraph's own "(a)") is no enumeration.
    runs.retain(|run| run.scope == Scope::Blocks || run.items.len() > 1);
    runs
}

/// Every label inside `span` that starts a token, in order, none overlapping: the candidates
/// for inline enumerations. Inline labels always end with ')' and hold at most eight letters or
/// digits, with an optional '(' before them, so the search looks back from each ')' instead of
/// trying every token.
fn inline_labels(text: &str, span: TextRange) -> Vec<Label> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut floor = span.start;
    for close in memchr::memchr_iter(b')', &bytes[span.start..span.end]) {
        let close = span.start + close;
        let mut start = close;
        while start > span.start && bytes[start - 1].is_ascii_alphanumeric() && close - start <= 7 {
            start -= 1;
        }
        if start == close {
            continue;
        }
        if start > span.start && bytes[start - 1] == b'(' {
            start -= 1;
        }
        let starts_token = start == span.start || bytes[start - 1].is_ascii_whitespace();
        if start < floor || !starts_token {
            continue;
        }
        if let Some(label) = label_at(text, start, span.end, false) {
            floor = label.span.end;
            found.push(label);
        }
    }
    found
}

/// An inline label that enumerates rather than refers: not "paragraph 5 (a)", "subparagraphs (a)
/// and (c)", "two (2) years" or "Article 2 (b)", and followed by the item's first word.
fn is_inline_enumerator(text: &str, floor: usize, limit: usize, label: &Label) -> bool {
    let before = text[floor..label.span.start].trim_end();
    if let Some(previous) = before.split_whitespace().next_back() {
        let word = previous.trim_end_matches([',', ';', ':']);
        let ends_clause = word.len() < previous.len();
        if !ends_clause
            && (word.ends_with(|c: char| c.is_ascii_digit() || c == ')' || c == ']')
                || lexis::is_reference_word(word.trim_start_matches(['(', '“', '"'])))
        {
            return false;
        }
    }
    let after = text[label.span.end..limit].trim_start();
    let Some(first) = after.chars().next() else {
        return false;
    };
    if !(first.is_alphabetic() || matches!(first, '“' | '"' | '‘' | '«' | '(')) {
        return false;
    }
    let next_word = after
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    !lexis::is_any(
        next_word,
        &[
            "and", "or", "to", "through", "of", "above", "below", "thereof", "hereof",
        ],
    )
}

/// How many suspended runs of one style are remembered: section headings "1. 2. 3." whose
/// paragraphs are numbered "1. 2. …" again inside each section.
const MAX_DEPTH: usize = 4;

#[derive(Default)]
struct Builder {
    runs: Vec<Run>,
    /// For each (scope, counter, frame), the runs still open, outermost first: a restart at 1
    /// suspends the current run, and a label that continues a suspended run resumes it.
    open: Vec<(Scope, Counter, Frame, Vec<usize>)>,
}

impl Builder {
    fn open_runs(&self, scope: Scope, counter: Counter, frame: Frame) -> &[usize] {
        self.open
            .iter()
            .find(|(s, c, f, _)| *s == scope && *c == counter && *f == frame)
            .map_or(&[], |(_, _, _, runs)| runs.as_slice())
    }

    fn last_value(&self, run: usize) -> u32 {
        self.runs[run].items.last().map_or(0, |i| i.reading.value)
    }

    fn add(&mut self, scope: Scope, label: Label, block: usize, must_start_at_one: bool) {
        // Rank each reading: continuing a run beats restarting one, which beats a gap in the
        // current run, which beats a run that does not start at 1.
        let mut best: Option<(u8, Reading, Option<usize>)> = None;
        for reading in label.readings.iter() {
            let open = self.open_runs(scope, reading.counter, label.frame);
            let continued = open
                .iter()
                .rposition(|&run| self.last_value(run) + 1 == reading.value);
            let (rank, depth) = match (continued, open.len()) {
                (Some(depth), _) => (0, Some(depth)),
                (None, _) if reading.value == 1 => (1, None),
                (None, 0) => (3, None),
                (None, n) => (2, Some(n - 1)),
            };
            if best.is_none_or(|(r, _, _)| rank < r) {
                best = Some((rank, reading, depth));
            }
        }
        let Some((rank, reading, depth)) = best else {
            return;
        };
        if rank == 3 && must_start_at_one {
            return;
        }
        let item = Item {
            label,
            reading,
            block,
        };
        let key = (scope, reading.counter, label.frame);
        let index = match self
            .open
            .iter()
            .position(|(s, c, f, _)| (*s, *c, *f) == key)
        {
            Some(index) => index,
            None => {
                self.open
                    .push((scope, reading.counter, label.frame, Vec::new()));
                self.open.len() - 1
            }
        };
        let stack = &mut self.open[index].3;
        match depth {
            Some(depth) => {
                stack.truncate(depth + 1);
                self.runs[stack[depth]].items.push(item);
            }
            None => {
                if stack.len() == MAX_DEPTH {
                    stack.remove(0);
                }
                stack.push(self.runs.len());
                self.runs.push(Run {
                    scope,
                    counter: reading.counter,
                    frame: label.frame,
                    items: vec![item],
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::DocumentKind;
    use proptest::prelude::*;

    /// The plain way: try a label at every token start, skipping past each label found.
    fn inline_labels_token_by_token(text: &str, span: TextRange) -> Vec<TextRange> {
        let bytes = text.as_bytes();
        let mut found = Vec::new();
        let mut at = span.start;
        while at < span.end {
            let b = bytes[at];
            let starts_token = at == span.start || bytes[at - 1].is_ascii_whitespace();
            if starts_token
                && (b == b'(' || b.is_ascii_alphanumeric())
                && let Some(label) = label_at(text, at, span.end, false)
            {
                found.push(label.span);
                at = label.span.end;
                continue;
            }
            at += 1;
        }
        found
    }

    proptest! {
        #[test]
        fn looking_back_from_parentheses_finds_the_token_by_token_labels(
            text in "([a-z]{1,3}|[ivx]{1,4}|[0-9]{1,2}|[(). ,;\n]|abcdefghij|\u{a0}|é){0,40}"
        ) {
            let span = TextRange::new(0, text.len());
            let fast: Vec<TextRange> = inline_labels(&text, span).iter().map(|l| l.span).collect();
            prop_assert_eq!(fast, inline_labels_token_by_token(&text, span));
        }
    }

    fn describe(source: &str) -> Vec<String> {
        let doc = Document::new(source, DocumentKind::Plain);
        runs(&doc)
            .iter()
            .map(|run| {
                let labels: Vec<&str> = run
                    .items
                    .iter()
                    .map(|i| i.label.span.slice(source))
                    .collect();
                format!("{:?} {:?}: {}", run.scope, run.counter, labels.join(" "))
            })
            .collect()
    }

    #[test]
    fn block_labels_form_runs_and_restart_at_one() {
        let text =
            "1. Decides:\n\n(a) x;\n\n(b) y;\n\n2. Requests:\n\n(a) z;\n\n(h) p;\n\n(i) q;\n";
        assert_eq!(
            describe(text),
            [
                "Blocks Arabic: 1. 2.",
                "Blocks LowerLetter: (a) (b)",
                "Blocks LowerLetter: (a) (h) (i)",
            ]
        );
    }

    #[test]
    fn numbered_sections_with_numbered_paragraphs() {
        let text = "1. Investment\n\n1. One.\n\n2. Two.\n\n2. Tariffs\n\n1. One.\n\n3. Energy\n\n1. One.\n";
        assert_eq!(
            describe(text),
            [
                "Blocks Arabic: 1. 2. 3.",
                "Blocks Arabic: 1. 2.",
                "Blocks Arabic: 1.",
                "Blocks Arabic: 1.",
            ]
        );
    }

    #[test]
    fn roman_and_letter_readings_follow_the_sequence() {
        let text = "(i) x;\n\n(ii) y;\n\n(iii) z;\n\n(iv) w;\n\n(v) v.\n";
        assert_eq!(
            describe(text),
            ["Blocks LowerRoman: (i) (ii) (iii) (iv) (v)"]
        );
    }

    #[test]
    fn inline_runs_start_at_one_and_skip_references() {
        let text = "The Parties will: (a) build x; (b) keep y, as in paragraph 5 (c) and subparagraphs (d) and (e); and (c) meet. See also two (2) items and (4) more.";
        assert_eq!(describe(text), ["Inline(0) LowerLetter: (a) (b) (c)"]);
        let text = "Areas: 1) maritime cooperation, 2) connectivity, 3) the 2030 Agenda, 4) economic areas.";
        assert_eq!(describe(text), ["Inline(0) Arabic: 1) 2) 3) 4)"]);
    }
}
