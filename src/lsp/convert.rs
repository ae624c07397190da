//! LSP positions ⇄ byte offsets, in the position encoding negotiated with the client. The engine
//! only knows UTF-8 byte offsets; this is the one place that converts.

use ropey::{Rope, RopeSlice};
use tower_lsp_server::ls_types::{self as lsp, Position, PositionEncodingKind};

use crate::diagnostic::{Severity, TextRange};
use crate::document::Document;
use crate::line_index::{LineIndex, floor_char_boundary};

/// How LSP counts columns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// Bytes of UTF-8.
    Utf8,
    /// UTF-16 code units: what every client supports and the default.
    #[default]
    Utf16,
    /// Unicode scalar values (characters).
    Utf32,
}

impl Encoding {
    /// The first encoding the client offers that we support (clients list them by preference);
    /// UTF-16 when it offers none.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Self {
        offered
            .into_iter()
            .flatten()
            .find_map(|kind| match kind.as_str() {
                "utf-8" => Some(Encoding::Utf8),
                "utf-16" => Some(Encoding::Utf16),
                "utf-32" => Some(Encoding::Utf32),
                _ => None,
            })
            .unwrap_or_default()
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf32 => PositionEncodingKind::UTF32,
        }
    }
}

/// A position resolved against a text, and whether it had to be clamped to get there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub char_index: usize,
    pub clamped: bool,
}

/// The character index of an LSP position. As the specification says, a column past the end of
/// a line means the end of that line (before its line break) and a line past the end of the text
/// means the end of the text; a column inside a character (inside a UTF-16 surrogate pair or a
/// UTF-8 sequence) means the start of that character.
pub fn resolve(rope: &Rope, position: Position, encoding: Encoding) -> Resolved {
    let line = position.line as usize;
    if line >= rope.len_lines() {
        return Resolved {
            char_index: rope.len_chars(),
            clamped: true,
        };
    }
    let line_start = rope.line_to_char(line);
    let content_end = line_start + content_chars(rope.line(line));
    let column = position.character as usize;
    let (char_index, clamped) = match encoding {
        Encoding::Utf32 => {
            let target = line_start.saturating_add(column);
            (target.min(content_end), target > content_end)
        }
        Encoding::Utf16 => {
            let base = rope.char_to_utf16_cu(line_start);
            let end = rope.char_to_utf16_cu(content_end);
            let target = base.saturating_add(column);
            if target >= end {
                (content_end, target > end)
            } else {
                (rope.utf16_cu_to_char(target), false)
            }
        }
        Encoding::Utf8 => {
            let base = rope.char_to_byte(line_start);
            let end = rope.char_to_byte(content_end);
            let target = base.saturating_add(column);
            if target >= end {
                (content_end, target > end)
            } else {
                (rope.byte_to_char(target), false)
            }
        }
    };
    Resolved {
        char_index,
        clamped,
    }
}

/// Characters of a line without its line break (`\n`, `\r\n` or `\r`).
fn content_chars(line: RopeSlice<'_>) -> usize {
    let len = line.len_chars();
    match (
        len.checked_sub(2).map(|i| line.char(i)),
        len.checked_sub(1).map(|i| line.char(i)),
    ) {
        (Some('\r'), Some('\n')) => len - 2,
        (_, Some('\n' | '\r')) => len - 1,
        _ => len,
    }
}

/// Byte offset of an LSP position (clamped as [`resolve`] does).
pub fn offset(rope: &Rope, position: Position, encoding: Encoding) -> usize {
    rope.char_to_byte(resolve(rope, position, encoding).char_index)
}

pub fn text_range(rope: &Rope, range: lsp::Range, encoding: Encoding) -> TextRange {
    let start = offset(rope, range.start, encoding);
    let end = offset(rope, range.end, encoding);
    TextRange::new(start.min(end), start.max(end))
}

/// Where positions of findings are computed: the rope of an open draft (logarithmic per
/// position), for a file only scanned from disk its document's line index, or positions found
/// beforehand for a whole publication (with the rope for any offset not among them).
#[derive(Clone, Copy)]
pub enum Text<'a> {
    Rope(&'a Rope),
    Document(&'a Document),
    Indexed(&'a Positions, &'a Rope),
}

/// The LSP positions of many byte offsets of one text, found in one pass in text order: the
/// line from the line index (a binary search), the column counted from the previous offset on
/// the same line or else from the line's start. Hundreds of findings on one long line cost one
/// reading of that line, not one per finding.
pub struct Positions {
    offsets: Vec<usize>,
    positions: Vec<Position>,
}

impl Positions {
    pub fn new(text: &str, lines: &LineIndex, mut offsets: Vec<usize>, encoding: Encoding) -> Self {
        offsets.sort_unstable();
        offsets.dedup();
        let mut positions = Vec::with_capacity(offsets.len());
        // (byte, line, column) of the previous offset.
        let mut previous: Option<(usize, usize, usize)> = None;
        for &offset in &offsets {
            let byte = floor_char_boundary(text, offset.min(text.len()));
            let line = lines.line_of(byte);
            let (from, column) = match previous {
                Some((at, on, column)) if on == line && at <= byte => (at, column),
                _ => (lines.line_start(line).min(byte), 0),
            };
            let column = column + units(&text.as_bytes()[from..byte], encoding);
            positions.push(Position::new(saturate(line), saturate(column)));
            previous = Some((byte, line, column));
        }
        Self { offsets, positions }
    }

    pub fn get(&self, offset: usize) -> Option<Position> {
        let at = self.offsets.binary_search(&offset).ok()?;
        Some(self.positions[at])
    }
}

/// Columns in `bytes` (whole characters of UTF-8) in an encoding: bytes, UTF-16 code units
/// (one per character, two for those beyond the BMP, whose UTF-8 lead byte is 0xF0 or more) or
/// characters (every byte that is not a continuation byte). Eight bytes at a time: a chunk of
/// ASCII is eight columns in every encoding (a publication counts along every line that holds
/// a finding).
fn units(bytes: &[u8], encoding: Encoding) -> usize {
    if encoding == Encoding::Utf8 {
        return bytes.len();
    }
    let (chunks, tail) = bytes.as_chunks::<8>();
    let mut units = 0;
    for chunk in chunks {
        if u64::from_ne_bytes(*chunk) & 0x8080_8080_8080_8080 == 0 {
            units += 8;
        } else {
            units += units_bytewise(chunk, encoding);
        }
    }
    units + units_bytewise(tail, encoding)
}

fn units_bytewise(bytes: &[u8], encoding: Encoding) -> usize {
    match encoding {
        Encoding::Utf8 => bytes.len(),
        Encoding::Utf16 => bytes
            .iter()
            .map(|&b| usize::from((b as i8) >= -0x40) + usize::from(b >= 0xF0))
            .sum(),
        Encoding::Utf32 => bytes.iter().filter(|&&b| (b as i8) >= -0x40).count(),
    }
}

impl Text<'_> {
    pub fn position(self, byte: usize, encoding: Encoding) -> Position {
        let (line, column) = match self {
            Text::Rope(rope) => {
                let char_index = rope.byte_to_char(byte.min(rope.len_bytes()));
                let line = rope.char_to_line(char_index);
                let line_start = rope.line_to_char(line);
                let column = match encoding {
                    Encoding::Utf32 => char_index - line_start,
                    Encoding::Utf16 => {
                        rope.char_to_utf16_cu(char_index) - rope.char_to_utf16_cu(line_start)
                    }
                    Encoding::Utf8 => rope.char_to_byte(char_index) - rope.line_to_byte(line),
                };
                (line, column)
            }
            Text::Indexed(positions, rope) => {
                return positions
                    .get(byte)
                    .unwrap_or_else(|| Text::Rope(rope).position(byte, encoding));
            }
            Text::Document(doc) => {
                let source = doc.source();
                let byte = floor_char_boundary(source, byte);
                let line = doc.lines().line_of(byte);
                let before = &source[doc.lines().line_start(line)..byte];
                let column = match encoding {
                    Encoding::Utf32 => before.chars().count(),
                    Encoding::Utf16 => before.encode_utf16().count(),
                    Encoding::Utf8 => before.len(),
                };
                (line, column)
            }
        };
        Position::new(saturate(line), saturate(column))
    }

    pub fn range(self, range: TextRange, encoding: Encoding) -> lsp::Range {
        lsp::Range::new(
            self.position(range.start, encoding),
            self.position(range.end, encoding),
        )
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub fn severity(severity: Severity) -> lsp::DiagnosticSeverity {
    match severity {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
        Severity::Hint => lsp::DiagnosticSeverity::HINT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::DocumentKind;

    const TEXT: &str = "Привет, 世界\r\n😀 x\rlast\nend";

    fn pos(line: u32, character: u32) -> Position {
        Position::new(line, character)
    }

    #[test]
    fn negotiation_takes_the_clients_first_supported_choice() {
        let offered = [
            PositionEncodingKind::new("utf-7"),
            PositionEncodingKind::UTF32,
            PositionEncodingKind::UTF8,
        ];
        assert_eq!(Encoding::negotiate(Some(&offered)), Encoding::Utf32);
        assert_eq!(Encoding::negotiate(Some(&[])), Encoding::Utf16);
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
    }

    #[test]
    fn columns_count_in_the_negotiated_encoding() {
        let rope = Rope::from_str(TEXT);
        let x = TEXT.find('x').unwrap();
        assert_eq!(Text::Rope(&rope).position(x, Encoding::Utf8), pos(1, 5));
        assert_eq!(Text::Rope(&rope).position(x, Encoding::Utf16), pos(1, 3));
        assert_eq!(Text::Rope(&rope).position(x, Encoding::Utf32), pos(1, 2));
        for encoding in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
            let at = Text::Rope(&rope).position(x, encoding);
            assert_eq!(offset(&rope, at, encoding), x);
            let doc = Document::new(TEXT, DocumentKind::Plain);
            for byte in TEXT.char_indices().map(|(i, _)| i) {
                assert_eq!(
                    Text::Rope(&rope).position(byte, encoding),
                    Text::Document(&doc).position(byte, encoding),
                    "byte {byte}"
                );
            }
        }
        // Positions found beforehand, in one pass, agree with both.
        let doc = Document::new(TEXT, DocumentKind::Plain);
        for encoding in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
            let offsets: Vec<usize> = (0..=TEXT.len()).rev().collect();
            let positions = Positions::new(TEXT, doc.lines(), offsets, encoding);
            for byte in TEXT.char_indices().map(|(i, _)| i).chain([TEXT.len()]) {
                assert_eq!(
                    Text::Indexed(&positions, &rope).position(byte, encoding),
                    Text::Rope(&rope).position(byte, encoding),
                    "byte {byte}, {encoding:?}"
                );
            }
        }
        let end = TEXT.find("end").unwrap();
        assert_eq!(Text::Rope(&rope).position(end, Encoding::Utf16), pos(3, 0));
    }

    #[test]
    fn columns_counted_eight_bytes_at_a_time_match_counting_characters() {
        let pieces = ["a", "The Parties ", "Ж", "世界", "😀", "é", "x"];
        let mut line = String::new();
        for n in 0..200 {
            line.push_str(pieces[(n * 7 + n / 3) % pieces.len()]);
            for end in (0..=line.len()).filter(|&i| line.is_char_boundary(i)) {
                let before = &line[..end];
                assert_eq!(units(before.as_bytes(), Encoding::Utf8), before.len());
                assert_eq!(
                    units(before.as_bytes(), Encoding::Utf16),
                    before.encode_utf16().count()
                );
                assert_eq!(
                    units(before.as_bytes(), Encoding::Utf32),
                    before.chars().count()
                );
            }
        }
    }

    #[test]
    fn positions_past_the_line_or_text_are_clamped() {
        let rope = Rope::from_str(TEXT);
        let line0_end = TEXT.find('\r').unwrap();
        let clamped = resolve(&rope, pos(0, 99), Encoding::Utf16);
        assert!(clamped.clamped);
        assert_eq!(rope.char_to_byte(clamped.char_index), line0_end);
        // Exactly at the end of the line is not clamping.
        assert!(!resolve(&rope, pos(0, 10), Encoding::Utf16).clamped);
        assert_eq!(offset(&rope, pos(0, 10), Encoding::Utf16), line0_end);
        assert_eq!(
            offset(&rope, pos(2, 4), Encoding::Utf8),
            TEXT.find("\nend").unwrap()
        );
        assert_eq!(offset(&rope, pos(9, 0), Encoding::Utf32), TEXT.len());
        assert_eq!(offset(&rope, pos(3, 99), Encoding::Utf32), TEXT.len());
    }

    #[test]
    fn columns_inside_a_character_round_down() {
        let rope = Rope::from_str(TEXT);
        let emoji = TEXT.find('😀').unwrap();
        assert_eq!(offset(&rope, pos(1, 1), Encoding::Utf16), emoji);
        assert_eq!(offset(&rope, pos(1, 3), Encoding::Utf8), emoji);
        assert_eq!(offset(&rope, pos(0, 1), Encoding::Utf8), 0);
    }

    #[test]
    fn only_lsp_line_breaks_count() {
        // Form feed, NEL and the Unicode separators are not line breaks in LSP.
        let rope = Rope::from_str("a\u{c}b\u{85}c\u{2028}d\u{2029}e\nf");
        assert_eq!(rope.len_lines(), 2);
        assert_eq!(
            Text::Rope(&rope).position(rope.len_bytes(), Encoding::Utf32),
            pos(1, 1)
        );
    }
}
