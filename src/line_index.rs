//! Byte offset → line and column, built once per document.

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
        while let Some(pos) = memchr::memchr2(b'\n', b'\r', &bytes[i..]) {
            let at = i + pos;
            let next = if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
                at + 2
            } else {
                at + 1
            };
            starts.push(next);
            i = next;
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
