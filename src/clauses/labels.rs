//! Enumeration labels: "(a)", "a)", "a.", "(iv)", "iv)", "IV.", "(1)", "1)", "1.", "(A)", "A.".
//!
//! A label's value can be read more than one way ("(i)" is the ninth letter or roman one, "(v)"
//! the 22nd letter or roman five); every reading is kept and the sequence decides.

use crate::diagnostic::TextRange;

/// How a label counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Counter {
    LowerLetter,
    UpperLetter,
    LowerRoman,
    UpperRoman,
    Arabic,
}

/// The punctuation around a label's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Frame {
    /// "(a)"
    Parens,
    /// "a)"
    CloseParen,
    /// "a."
    Period,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Reading {
    pub counter: Counter,
    pub value: u32,
}

/// Values above this are not read as roman numerals ("l", "c", "d", "m" stay letters).
const MAX_ROMAN: u32 = 39;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label {
    /// The whole label, punctuation included: "(iv)".
    pub span: TextRange,
    /// Only the value: "iv".
    pub value_span: TextRange,
    pub frame: Frame,
    /// One or two readings, most likely first.
    pub readings: Readings,
}

/// At most two readings of a value (letter and roman numeral).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Readings([Option<Reading>; 2]);

impl Readings {
    pub fn iter(&self) -> impl Iterator<Item = Reading> + '_ {
        self.0.iter().flatten().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0[0].is_none()
    }

    fn push(&mut self, reading: Reading) {
        if self.0[0].is_none() {
            self.0[0] = Some(reading);
        } else {
            self.0[1] = Some(reading);
        }
    }
}

/// The readings of a bare label value such as "b", "iv", "IV", "12", "aa".
pub fn readings(value: &str) -> Readings {
    let mut out = Readings::default();
    let bytes = value.as_bytes();
    if bytes.is_empty() || bytes.len() > 7 {
        return out;
    }
    if bytes.iter().all(u8::is_ascii_digit) {
        if bytes.len() <= 3 && bytes[0] != b'0' {
            let number = value.parse().unwrap_or(0);
            out.push(Reading {
                counter: Counter::Arabic,
                value: number,
            });
        }
        return out;
    }
    let lower = bytes.iter().all(u8::is_ascii_lowercase);
    let upper = bytes.iter().all(u8::is_ascii_uppercase);
    if !lower && !upper {
        return out;
    }
    let roman = roman_value(value).filter(|&v| v <= MAX_ROMAN);
    let letter = letter_value(value);
    let (letter_counter, roman_counter) = if lower {
        (Counter::LowerLetter, Counter::LowerRoman)
    } else {
        (Counter::UpperLetter, Counter::UpperRoman)
    };
    let letter = letter.map(|value| Reading {
        counter: letter_counter,
        value,
    });
    let roman = roman.map(|value| Reading {
        counter: roman_counter,
        value,
    });
    // "ii", "iv", "xi" are far more often numerals than doubled letters; "i" is more often one.
    let roman_first = bytes.len() > 1 || matches!(bytes[0], b'i' | b'I');
    let ordered = if roman_first {
        [roman, letter]
    } else {
        [letter, roman]
    };
    for reading in ordered.into_iter().flatten() {
        out.push(reading);
    }
    out
}

/// "a" = 1 … "z" = 26, then the doubled forms UN documents use: "aa" = 27 … "zz" = 52.
fn letter_value(value: &str) -> Option<u32> {
    let bytes = value.as_bytes();
    let first = bytes[0].to_ascii_lowercase();
    if !first.is_ascii_lowercase() {
        return None;
    }
    let base = u32::from(first - b'a') + 1;
    match bytes.len() {
        1 => Some(base),
        2 if bytes[1] == bytes[0] => Some(base + 26),
        _ => None,
    }
}

/// The value of a roman numeral written in its canonical form ("iv", not "iiii").
pub fn roman_value(value: &str) -> Option<u32> {
    let digit = |b: u8| match b.to_ascii_lowercase() {
        b'i' => Some(1i64),
        b'v' => Some(5),
        b'x' => Some(10),
        b'l' => Some(50),
        b'c' => Some(100),
        b'd' => Some(500),
        b'm' => Some(1000),
        _ => None,
    };
    let bytes = value.as_bytes();
    let mut total: i64 = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let v = digit(b)?;
        let next = match bytes.get(i + 1) {
            Some(&n) => digit(n)?,
            None => 0,
        };
        // Subtractive notation: a smaller digit before a larger one is subtracted ("iv").
        if next > v {
            total -= v;
        } else {
            total += v;
        }
    }
    if !(1..=3999).contains(&total) {
        return None;
    }
    let total = total as u32;
    let mut buffer = [0u8; 16];
    write_roman(total, false, &mut buffer)
        .eq_ignore_ascii_case(value)
        .then_some(total)
}

/// Writes `value` as a roman numeral into `buffer` and returns it (`value` must be 1..=3999).
fn write_roman(mut value: u32, upper: bool, buffer: &mut [u8; 16]) -> &str {
    const TABLE: [(u32, &str); 13] = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut len = 0;
    for (amount, numeral) in TABLE {
        while value >= amount && len + numeral.len() <= buffer.len() {
            for b in numeral.bytes() {
                buffer[len] = if upper { b.to_ascii_uppercase() } else { b };
                len += 1;
            }
            value -= amount;
        }
    }
    std::str::from_utf8(&buffer[..len]).unwrap_or("")
}

/// The label text for `value` in the given counter and frame: (Arabic, 3, Parens) → "(3)".
pub fn render(reading: Reading, frame: Frame) -> String {
    let value = match reading.counter {
        Counter::Arabic => reading.value.to_string(),
        Counter::LowerLetter | Counter::UpperLetter => {
            let index = (reading.value.max(1) - 1) % 26;
            let letter = char::from(b'a' + index as u8);
            let letter = if reading.counter == Counter::UpperLetter {
                letter.to_ascii_uppercase()
            } else {
                letter
            };
            let times = if reading.value > 26 { 2 } else { 1 };
            std::iter::repeat_n(letter, times).collect()
        }
        Counter::LowerRoman | Counter::UpperRoman => {
            let mut buffer = [0u8; 16];
            write_roman(
                reading.value.clamp(1, 3999),
                reading.counter == Counter::UpperRoman,
                &mut buffer,
            )
            .to_string()
        }
    };
    match frame {
        Frame::Parens => format!("({value})"),
        Frame::CloseParen => format!("{value})"),
        Frame::Period => format!("{value}."),
    }
}

/// Only the value part of [`render`]: "iii".
pub fn render_value(reading: Reading) -> String {
    let full = render(reading, Frame::Period);
    full[..full.len() - 1].to_string()
}

fn is_label_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// A label starting exactly at `start` and followed by whitespace or by `limit`:
/// "(a) ", "a) ", "a. ", "(iv) ", "12. ". `allow_period` admits the "a." frame.
pub fn label_at(text: &str, start: usize, limit: usize, allow_period: bool) -> Option<Label> {
    let bytes = &text.as_bytes()[..limit];
    let mut i = start;
    let parens = bytes.get(i) == Some(&b'(');
    if parens {
        i += 1;
    }
    let value_start = i;
    while i < bytes.len() && is_label_byte(bytes[i]) && i - value_start <= 7 {
        i += 1;
    }
    let value_end = i;
    if value_end == value_start {
        return None;
    }
    let frame = match (parens, bytes.get(i)) {
        (true, Some(b')')) => Frame::Parens,
        (false, Some(b')')) => Frame::CloseParen,
        (false, Some(b'.')) if allow_period => Frame::Period,
        _ => return None,
    };
    i += 1;
    // The label must stand alone: "a.m." and "1.5" are not labels.
    if i < bytes.len() && !starts_with_space(&text[i..limit]) {
        return None;
    }
    let readings = readings(&text[value_start..value_end]);
    if readings.is_empty() {
        return None;
    }
    Some(Label {
        span: TextRange::new(start, i),
        value_span: TextRange::new(value_start, value_end),
        frame,
        readings,
    })
}

/// Whitespace, or the invisible characters that web pages leave after a label ("14.\u{200b} The").
pub fn starts_with_space(rest: &str) -> bool {
    rest.chars()
        .next()
        .is_some_and(|c| c.is_whitespace() || matches!(c, '\u{200b}' | '\u{2060}' | '\u{feff}'))
}

/// Whether the `)` at `close` ends an enumerator such as "a)", "ii)", "1)" that opens nothing:
/// its value must start a line, the block, or follow whitespace (not an opening parenthesis).
pub fn is_enumerator_close(text: &str, close: usize, floor: usize) -> bool {
    let bytes = text.as_bytes();
    let mut start = close;
    while start > floor && is_label_byte(bytes[start - 1]) && close - start <= 7 {
        start -= 1;
    }
    if start == close {
        return false;
    }
    let starts_clause = start == floor || bytes[start - 1].is_ascii_whitespace();
    starts_clause && !readings(&text[start..close]).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(value: &str) -> Option<Reading> {
        readings(value).iter().next()
    }

    #[test]
    fn roman_numerals_are_read_only_in_canonical_form() {
        assert_eq!(roman_value("iv"), Some(4));
        assert_eq!(roman_value("xiv"), Some(14));
        assert_eq!(roman_value("XXXIX"), Some(39));
        assert_eq!(roman_value("mcmxc"), Some(1990));
        assert_eq!(roman_value("iiii"), None);
        assert_eq!(roman_value("vx"), None);
        assert_eq!(roman_value("ic"), None);
        assert_eq!(roman_value("abc"), None);
    }

    #[test]
    fn ambiguous_values_keep_both_readings() {
        let i: Vec<Reading> = readings("i").iter().collect();
        assert_eq!(
            i,
            [
                Reading {
                    counter: Counter::LowerRoman,
                    value: 1
                },
                Reading {
                    counter: Counter::LowerLetter,
                    value: 9
                }
            ]
        );
        assert_eq!(readings("v").iter().count(), 2);
        assert_eq!(
            first("c"),
            Some(Reading {
                counter: Counter::LowerLetter,
                value: 3
            })
        );
        assert_eq!(readings("c").iter().count(), 1, "c is never roman 100");
        assert_eq!(
            first("bb"),
            Some(Reading {
                counter: Counter::LowerLetter,
                value: 28
            })
        );
        assert_eq!(
            first("XII"),
            Some(Reading {
                counter: Counter::UpperRoman,
                value: 12
            })
        );
        assert!(readings("Ab").is_empty());
        assert!(readings("0").is_empty());
        assert!(readings("2024").is_empty(), "years are not labels");
        assert!(readings("ab").is_empty());
    }

    #[test]
    fn labels_need_their_frame_and_a_following_space() {
        let text = "(a) x a) x a. x (iv) x 12. x 1.5 x a.m. x (a)b (A/80/L.6)";
        let found: Vec<&str> = (0..text.len())
            .filter(|&i| i == 0 || text.as_bytes()[i - 1] == b' ')
            .filter_map(|i| label_at(text, i, text.len(), true))
            .map(|l| l.span.slice(text))
            .collect();
        assert_eq!(found, ["(a)", "a)", "a.", "(iv)", "12."]);
        let end = "see (c)";
        assert_eq!(
            label_at(end, 4, end.len(), false).unwrap().frame,
            Frame::Parens
        );
        assert!(
            label_at("a. b", 0, 4, false).is_none(),
            "period frame not allowed"
        );
        assert!(label_at("14.\u{200b} The", 0, 10, true).is_some());
        assert!(label_at("24.We", 0, 5, true).is_none());
    }

    #[test]
    fn rendering_follows_counter_and_frame() {
        let r = |counter, value| Reading { counter, value };
        assert_eq!(render(r(Counter::LowerLetter, 3), Frame::Parens), "(c)");
        assert_eq!(render(r(Counter::LowerLetter, 28), Frame::Parens), "(bb)");
        assert_eq!(render(r(Counter::UpperRoman, 14), Frame::Period), "XIV.");
        assert_eq!(render(r(Counter::Arabic, 7), Frame::CloseParen), "7)");
        assert_eq!(render_value(r(Counter::LowerRoman, 9)), "ix");
    }

    #[test]
    fn enumerator_closes_are_recognised() {
        let text = "areas: i) health, ii) energy and 1) x (Part I) (a) f(x)";
        let close_after = |needle: &str| text.find(needle).unwrap() + needle.len() - 1;
        assert!(is_enumerator_close(text, close_after("i)"), 0));
        assert!(is_enumerator_close(text, close_after("ii)"), 0));
        assert!(is_enumerator_close(text, close_after("1)"), 0));
        assert!(is_enumerator_close(text, close_after("Part I)"), 0));
        assert!(!is_enumerator_close(text, close_after("(a)"), 0));
        assert!(!is_enumerator_close(text, close_after("f(x)"), 0));
        assert!(is_enumerator_close("b) y", 1, 0));
    }
}
