//! Plain text → blocks. Paragraphs are separated by blank lines; inside a run of non-blank lines,
//! long lines mean one paragraph per line (as many drafts are written), short ones mean the text
//! is hard-wrapped and the lines belong together.

use crate::diagnostic::TextRange;
use crate::document::{Block, BlockKind, TextChange};
use crate::line_index::LineIndex;

/// A line longer than this (in characters) was not hard-wrapped: its run is one paragraph per line.
const WRAP_WIDTH: usize = 100;

pub fn blocks(source: &str, lines: &LineIndex) -> Vec<Block> {
    let mut blocks = Vec::new();
    blocks_of_lines(source, lines, 0..lines.line_count(), &mut blocks);
    blocks
}

/// The blocks of `text` from those of `previous` (the text before `change`): only the runs of
/// non-blank lines the change touched are split again. `lines` indexes `text`.
pub fn edited_blocks(
    previous: &[Block],
    text: &str,
    lines: &LineIndex,
    change: TextChange,
) -> Vec<Block> {
    // Runs end at blank lines, which the change left alone: before its start, after its end.
    let mut first = lines.line_of(change.start);
    while first > 0 && !lines.is_blank(first - 1, text) {
        first -= 1;
    }
    let mut last = lines.line_of(change.new_end) + 1;
    while last < lines.line_count() && !lines.is_blank(last, text) {
        last += 1;
    }
    let resplit_from = lines.line_start(first);
    let resplit_to = lines.line_start(last);
    let kept_before = previous.partition_point(|b| b.span.end <= resplit_from);
    let mut blocks = previous[..kept_before].to_vec();
    blocks_of_lines(text, lines, first..last, &mut blocks);
    if last < lines.line_count() {
        // `last` is a blank line after the change: the blocks after it are the old ones moved.
        let old_resplit_to = resplit_to - change.new_end + change.old_end;
        let kept_after = previous.partition_point(|b| b.span.start < old_resplit_to);
        blocks.extend(previous[kept_after..].iter().map(|b| Block {
            kind: b.kind,
            span: TextRange::new(
                b.span.start - change.old_end + change.new_end,
                b.span.end - change.old_end + change.new_end,
            ),
        }));
    }
    blocks
}

fn blocks_of_lines(
    source: &str,
    lines: &LineIndex,
    range: std::ops::Range<usize>,
    blocks: &mut Vec<Block>,
) {
    let mut run: Vec<TextRange> = Vec::new();
    for line in range {
        if lines.is_blank(line, source) {
            flush_run(source, &run, blocks);
            run.clear();
        } else {
            run.push(TextRange::new(
                lines.line_start(line),
                lines.line_end(line, source),
            ));
        }
    }
    flush_run(source, &run, blocks);
}

fn flush_run(source: &str, run: &[TextRange], blocks: &mut Vec<Block>) {
    let Some((last, rest)) = run.split_last() else {
        return;
    };
    let one_per_line = rest
        .iter()
        .any(|line| line.slice(source).chars().nth(WRAP_WIDTH).is_some());
    let mut start: Option<TextRange> = None;
    let mut end = TextRange::default();
    for (index, &line) in run.iter().enumerate() {
        let starts_block = one_per_line || index == 0 || starts_list_item(line.slice(source));
        if starts_block {
            if let Some(first) = start {
                push_block(source, first.start, end.end, blocks);
            }
            start = Some(line);
        }
        end = line;
    }
    if let Some(first) = start {
        push_block(source, first.start, last.end, blocks);
    }
}

fn push_block(source: &str, start: usize, end: usize, blocks: &mut Vec<Block>) {
    let slice = &source[start..end];
    let leading = slice.len() - slice.trim_start().len();
    let trimmed = slice.trim();
    if trimmed.is_empty() {
        return;
    }
    let span = TextRange::new(start + leading, start + leading + trimmed.len());
    let kind = if starts_list_item(trimmed) {
        BlockKind::ListItem
    } else {
        BlockKind::Paragraph
    };
    blocks.push(Block { kind, span });
}

/// Bullets ("- ", "* ", "• ") begin a new block even inside hard-wrapped text.
fn starts_list_item(line: &str) -> bool {
    let line = line.trim_start();
    let mut chars = line.chars();
    matches!(
        (chars.next(), chars.next()),
        (Some('-' | '*' | '•' | '–' | '·'), Some(' '))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_texts(source: &str) -> Vec<&str> {
        blocks(source, &LineIndex::new(source))
            .iter()
            .map(|b| b.span.slice(source))
            .collect()
    }

    #[test]
    fn blank_lines_separate_paragraphs() {
        assert_eq!(
            block_texts("\nFirst para.\n\n\n  Second para.  \r\n"),
            ["First para.", "Second para."]
        );
    }

    #[test]
    fn hard_wrapped_lines_stay_one_paragraph() {
        let text = "The Ministers reaffirmed their commitment to the rules-based\ninternational order and to the purposes and principles of\nthe Charter of the United Nations.\n\nNext paragraph.";
        assert_eq!(block_texts(text).len(), 2);
        assert!(block_texts(text)[0].ends_with("United Nations."));
    }

    #[test]
    fn long_lines_without_blank_lines_are_one_paragraph_each() {
        let long = "x".repeat(40);
        let text =
            format!("{long} one {long} {long}.\n{long} two {long} {long}.\nShort last line.");
        assert_eq!(block_texts(&text).len(), 3);
    }

    #[test]
    fn bullets_start_items_inside_wrapped_text() {
        let texts = block_texts("The Leaders agreed to:\n- deepen cooperation;\n- meet again.");
        assert_eq!(
            texts,
            [
                "The Leaders agreed to:",
                "- deepen cooperation;",
                "- meet again."
            ]
        );
    }
}
