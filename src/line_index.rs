//! Byte offset → line and column, built once per document.

use crate::document::TextChange;

/// Line starts of a text; only `\n`, `\r\n` and `\r` break lines, as in LSP.
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

/// A zero-based line and a zero-based column counted in Unicode scalar values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while let Some(next) = next_line_start(bytes, i) {
            starts.push(next);
            i = next;
        }
        Self {
            starts,
            len: text.len(),
        }
    }

    /// The index of `text`, made from `previous` (the index of the text before `change`) by
    /// scanning only the lines the change touched: line starts before it are kept, those after
    /// it are shifted.
    pub fn edited(previous: &LineIndex, text: &str, change: TextChange) -> Self {
        let bytes = text.as_bytes();
        // From the start of the line holding the byte before the change: a "\r" there may
        // now be followed by "\n" and end its line elsewhere.
        let first = previous.line_of(change.start.saturating_sub(1));
        let mut starts = previous.starts[..=first].to_vec();
        let mut i = starts[first];
        while let Some(next) = next_line_start(bytes, i) {
            starts.push(next);
            i = next;
            // A line start whose break lies at or past the change's end (so the break and the
            // byte after it are unchanged) is a line start of the old text too, shifted: every
            // later one is.
            if next > change.new_end {
                let old_next = next - change.new_end + change.old_end;
                let later = previous.starts.partition_point(|&s| s <= old_next);
                starts.extend(
                    previous.starts[later..]
                        .iter()
                        .map(|&s| s - change.old_end + change.new_end),
                );
                break;
            }
        }
        Self {
            starts,
            len: text.len(),
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Zero-based line containing `offset` (an offset at a line break belongs to its line).
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(self.len)
    }

    /// End of a line's content, before its line break.
    pub fn line_end(&self, line: usize, text: &str) -> usize {
        let next = self.starts.get(line + 1).copied().unwrap_or(self.len);
        let bytes = text.as_bytes();
        let mut end = next;
        if end > self.line_start(line) && end <= bytes.len() && line + 1 < self.starts.len() {
            if end >= 2 && bytes[end - 2] == b'\r' && bytes[end - 1] == b'\n' {
                end -= 2;
            } else {
                end -= 1;
            }
        }
        end
    }

    /// Whether a line holds nothing but white space.
    pub fn is_blank(&self, line: usize, text: &str) -> bool {
        text[self.line_start(line)..self.line_end(line, text)]
            .trim()
            .is_empty()
    }

    pub fn line_col(&self, offset: usize, text: &str) -> LineCol {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.starts[line];
        LineCol {
            line,
            column: text[start..offset].chars().count(),
        }
    }
}

/// The start of the line after the first line break at or after `from`, if any.
fn next_line_start(bytes: &[u8], from: usize) -> Option<usize> {
    let at = from + memchr::memchr2(b'\n', b'\r', &bytes[from..])?;
    Some(if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
        at + 2
    } else {
        at + 1
    })
}

pub fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lf_crlf_and_cr_breaks() {
        let text = "a\nb\r\nc\rd";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 4);
        assert_eq!(
            index.line_col(text.find('d').unwrap(), text),
            LineCol { line: 3, column: 0 }
        );
        assert_eq!(index.line_end(1, text), 3);
    }

    #[test]
    fn columns_count_scalar_values() {
        let text = "Привет, 世界 😀 x";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text.find('x').unwrap(), text).column, 13);
    }

    #[test]
    fn offset_inside_a_character_rounds_down() {
        let text = "Ж";
        assert_eq!(LineIndex::new(text).line_col(1, text).column, 0);
    }
}
