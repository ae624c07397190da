//! Words, sentences and the normalized forms the rules compare.

use crate::diagnostic::TextRange;

/// Abbreviations after which a period does not end a sentence (compared without the final dot,
/// case-sensitively: "No." is an abbreviation, "no." ends a sentence).
const ABBREVIATIONS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Jr", "Sr", "Gen", "Lt", "Col", "Maj", "Capt", "Adm",
    "Cmdr", "Sgt", "Amb", "Gov", "Sen", "Rep", "Hon", "Rev", "H.E", "No", "Nos", "no", "Art",
    "Arts", "art", "para", "paras", "Para", "Paras", "e.g", "i.e", "cf", "viz", "vs", "Vol", "vol",
    "p", "pp", "Sec", "Ch", "Ch", "Fig", "Inc", "Ltd", "Co", "Corp", "Jan", "Feb", "Mar", "Apr",
    "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "U.S", "U.N", "U.K", "E.U", "U.S.A",
    "U.A.E", "a.m", "p.m", "approx", "Dept", "Ave", "Mt", "Ft", "Op", "vols", "Vols", "sect",
    "Sect", "chap", "Chap", "Suppl", "suppl",
];

pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn is_inner_joiner(c: char) -> bool {
    matches!(c, '\'' | '’' | '-' | '‐' | '‑')
}

/// Word ranges of `text[span]`: runs of letters and digits, joined by inner apostrophes and hyphens
/// ("Russia’s", "co-operation" are one word each).
pub fn words(text: &str, span: TextRange) -> Words<'_> {
    Words {
        text,
        pos: span.start,
        end: span.end,
    }
}

pub struct Words<'a> {
    text: &'a str,
    pos: usize,
    end: usize,
}

impl Iterator for Words<'_> {
    type Item = TextRange;

    /// Byte-wise for ASCII (most of every draft), decoding only non-ASCII characters.
    #[inline]
    fn next(&mut self) -> Option<TextRange> {
        let bytes = self.text.as_bytes();
        let end = self.end;
        let mut i = self.pos;
        let start = loop {
            if i >= end {
                self.pos = end;
                return None;
            }
            let b = bytes[i];
            if b.is_ascii() {
                if b.is_ascii_alphanumeric() {
                    break i;
                }
                i += 1;
                continue;
            }
            let (c, len) = decode_at(self.text, i);
            if is_word_char(c) {
                break i;
            }
            i += len;
        };
        while i < end {
            let b = bytes[i];
            if b.is_ascii_alphanumeric() {
                i += 1;
                continue;
            }
            let (c, len) = if b.is_ascii() {
                (b as char, 1)
            } else {
                decode_at(self.text, i)
            };
            if !b.is_ascii() && is_word_char(c) {
                i += len;
                continue;
            }
            // A joiner counts only between word characters: "Russia’s", "co-operation".
            if is_inner_joiner(c) && i + len < end && starts_word_char(self.text, i + len) {
                i += len;
                continue;
            }
            break;
        }
        self.pos = i;
        Some(TextRange::new(start, i))
    }
}

/// The (non-ASCII) character at byte `i` and its length.
#[inline]
fn decode_at(text: &str, i: usize) -> (char, usize) {
    let c = text[i..].chars().next().expect("char boundary");
    (c, c.len_utf8())
}

#[inline]
fn starts_word_char(text: &str, i: usize) -> bool {
    let b = text.as_bytes()[i];
    if b.is_ascii() {
        b.is_ascii_alphanumeric()
    } else {
        is_word_char(decode_at(text, i).0)
    }
}

pub fn word_count(text: &str, span: TextRange) -> usize {
    words(text, span).count()
}

/// Fold case, whitespace and quote style so copies that differ only in those compare equal.
pub fn normalize_into(text: &str, out: &mut String) {
    let mut bytes = std::mem::take(out).into_bytes();
    normalize_bytes_into(text, &mut bytes);
    // Only whole characters are written, so this never fails; the check costs one fast pass.
    *out = String::from_utf8(bytes).expect("normalized text is UTF-8");
}

/// [`normalize_into`] as bytes: ASCII runs are folded byte by byte, only other characters are
/// decoded.
fn normalize_bytes_into(text: &str, out: &mut Vec<u8>) {
    out.clear();
    out.reserve(text.len());
    let bytes = text.as_bytes();
    let mut pending_space = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii() {
            i += 1;
            // `char::is_whitespace` for ASCII (vertical tab included).
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
                pending_space = !out.is_empty();
                continue;
            }
            if pending_space {
                out.push(b' ');
                pending_space = false;
            }
            out.push(if b == b'`' {
                b'\''
            } else {
                b.to_ascii_lowercase()
            });
            continue;
        }
        let (c, len) = decode_at(text, i);
        i += len;
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(b' ');
            pending_space = false;
        }
        let mut push = |c: char| {
            let mut utf8 = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
        };
        match c {
            '“' | '”' | '„' | '‟' | '«' | '»' | '〝' | '〞' => push('"'),
            '‘' | '’' | '‚' | '‛' | '‹' | '›' => push('\''),
            '‐' | '‑' | '‒' | '–' | '—' => push('-'),
            c => c.to_lowercase().for_each(push),
        }
    }
}

pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalize_into(text, &mut out);
    out
}

/// Sentence ranges inside `span`, trimmed of surrounding whitespace.
pub fn sentences(text: &str, span: TextRange) -> Vec<TextRange> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut start = span.start;
    let mut i = span.start;
    while i < span.end {
        let b = bytes[i];
        if matches!(b, b'.' | b'!' | b'?') || bytes[i..].starts_with("…".as_bytes()) {
            let mark_len = if b == b'.' || b == b'!' || b == b'?' {
                1
            } else {
                '…'.len_utf8()
            };
            // Swallow runs of terminal marks and closing quotes or brackets: `?!`, `.”`, `.)`.
            let mut end = i + mark_len;
            while end < span.end {
                let c = text[end..].chars().next().unwrap();
                if matches!(
                    c,
                    '.' | '!' | '?' | '"' | '\'' | '”' | '’' | '»' | ')' | ']' | '›'
                ) {
                    end += c.len_utf8();
                } else {
                    break;
                }
            }
            if ends_sentence(text, span, start, i, end) {
                push_trimmed(text, TextRange::new(start, end), &mut out);
                start = end;
            }
            i = end;
            continue;
        }
        i += 1;
    }
    push_trimmed(text, TextRange::new(start, span.end), &mut out);
    out
}

fn ends_sentence(
    text: &str,
    span: TextRange,
    sentence_start: usize,
    mark: usize,
    after: usize,
) -> bool {
    let rest = &text[after..span.end];
    let next_nonspace = rest.trim_start();
    if next_nonspace.is_empty() {
        return true;
    }
    if next_nonspace.len() == rest.len() {
        // No whitespace after the mark: "U.S.-led", "3.5", "A/RES/80/1."
        return false;
    }
    let next = next_nonspace.chars().next().unwrap();
    let opens_sentence = next.is_uppercase()
        || next.is_ascii_digit()
        || matches!(
            next,
            '"' | '“' | '‘' | '«' | '„' | '(' | '[' | '\'' | '-' | '–' | '—' | '•'
        )
        || (!next.is_lowercase() && next.is_alphabetic());
    if !opens_sentence {
        return false;
    }
    if text.as_bytes()[mark] != b'.' {
        return true;
    }
    // The token before the period: an abbreviation or a single initial keeps the sentence open.
    let before = &text[sentence_start..mark];
    let token_start = before
        .rfind(|c: char| c.is_whitespace() || matches!(c, '(' | '“' | '"' | '‘' | '['))
        .map(|p| p + before[p..].chars().next().unwrap().len_utf8())
        .unwrap_or(0);
    let token = &before[token_start..];
    if token.is_empty() {
        return true;
    }
    let mut chars = token.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        if c.is_uppercase() {
            return false; // an initial: "John F. Kennedy"
        }
    }
    // In compounds ("ASEAN-U.S. Summit", "U.K.-U.S. talks") the last part decides.
    let last_part = token.rsplit(['-', '–', '‑', '/']).next().unwrap_or(token);
    !is_abbreviation(token) && !is_abbreviation(last_part)
}

fn is_abbreviation(token: &str) -> bool {
    ABBREVIATIONS.contains(&token)
        // Dotted acronyms such as "U.S.A" or "D.C" written with inner dots.
        || (token.len() <= 6
            && token.contains('.')
            && token.chars().all(|c| c == '.' || c.is_alphabetic()))
}

fn push_trimmed(text: &str, range: TextRange, out: &mut Vec<TextRange>) {
    let slice = range.slice(text);
    let trimmed_start = slice.len() - slice.trim_start().len();
    let trimmed = slice.trim();
    if !trimmed.is_empty() {
        let start = range.start + trimmed_start;
        out.push(TextRange::new(start, start + trimmed.len()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The plain character-by-character definitions the fast paths must agree with.
    fn reference_normalize(text: &str) -> String {
        let mut out = String::new();
        let mut pending_space = false;
        for c in text.chars() {
            if c.is_whitespace() {
                pending_space = !out.is_empty();
                continue;
            }
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            match c {
                '`' => out.push('\''),
                '“' | '”' | '„' | '‟' | '«' | '»' | '〝' | '〞' => out.push('"'),
                '‘' | '’' | '‚' | '‛' | '‹' | '›' => out.push('\''),
                '‐' | '‑' | '‒' | '–' | '—' => out.push('-'),
                c => out.extend(c.to_lowercase()),
            }
        }
        out
    }

    fn reference_words(text: &str) -> Vec<(usize, usize)> {
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut out = Vec::new();
        let mut k = 0;
        while k < chars.len() {
            if !is_word_char(chars[k].1) {
                k += 1;
                continue;
            }
            let start = chars[k].0;
            k += 1;
            while k < chars.len() {
                let c = chars[k].1;
                let joined =
                    is_inner_joiner(c) && chars.get(k + 1).is_some_and(|&(_, n)| is_word_char(n));
                if is_word_char(c) || joined {
                    k += 1;
                } else {
                    break;
                }
            }
            let end = chars.get(k).map_or(text.len(), |&(i, _)| i);
            out.push((start, end));
        }
        out
    }

    proptest! {
        #[test]
        fn fast_paths_agree_with_the_definitions(
            text in "([a-zA-Z0-9 .,'`\\-\t\r\n\u{0b}\u{0c}]|[–—‐‑’‘“”«»„]|[ÄÖßİЖжя中文😀\u{a0}\u{2003}\u{3000}])*"
        ) {
            let mut fast = String::new();
            normalize_into(&text, &mut fast);
            prop_assert_eq!(fast, reference_normalize(&text));
            let found: Vec<(usize, usize)> = words(&text, TextRange::new(0, text.len()))
                .map(|r| (r.start, r.end))
                .collect();
            prop_assert_eq!(found, reference_words(&text));
        }
    }

    fn word_texts(text: &str) -> Vec<&str> {
        words(text, TextRange::new(0, text.len()))
            .map(|r| r.slice(text))
            .collect()
    }

    fn sentence_texts(text: &str) -> Vec<&str> {
        sentences(text, TextRange::new(0, text.len()))
            .into_iter()
            .map(|r| r.slice(text))
            .collect()
    }

    #[test]
    fn words_keep_inner_apostrophes_and_hyphens() {
        assert_eq!(
            word_texts("Russia’s co-operation - 'quoted' G7, 2024."),
            ["Russia’s", "co-operation", "quoted", "G7", "2024"]
        );
        assert_eq!(
            word_texts("Союзное государство, 上海"),
            ["Союзное", "государство", "上海"]
        );
    }

    #[test]
    fn normalization_folds_case_space_and_quotes() {
        assert_eq!(
            normalize("  The “Union”\n State’s "),
            normalize("the \"union\" state's")
        );
    }

    #[test]
    fn sentences_do_not_break_after_communique_abbreviations() {
        let text = "The U.S. and the U.N. met Mr. Smith on Art. 5, e.g. today. No. 4 was adopted! See A/RES/80/1. Done";
        assert_eq!(
            sentence_texts(text),
            [
                "The U.S. and the U.N. met Mr. Smith on Art. 5, e.g. today.",
                "No. 4 was adopted!",
                "See A/RES/80/1.",
                "Done"
            ]
        );
    }

    #[test]
    fn sentences_do_not_break_after_compounds_and_un_citation_abbreviations() {
        let text = "The ASEAN-U.S. Summit and the U.K.-U.S. Dialogue met. See A/79/1, chap. I, sect. III.C, vols. I–III, i.e. Annex. Next one.";
        assert_eq!(
            sentence_texts(text),
            [
                "The ASEAN-U.S. Summit and the U.K.-U.S. Dialogue met.",
                "See A/79/1, chap. I, sect. III.C, vols. I–III, i.e. Annex.",
                "Next one."
            ]
        );
        // A compound whose last part is a word still ends its sentence.
        assert_eq!(
            sentence_texts("They met in Japan-Philippines. Next"),
            ["They met in Japan-Philippines.", "Next"]
        );
    }

    #[test]
    fn sentences_include_closing_quotes() {
        assert_eq!(
            sentence_texts("He said “yes.” Then left."),
            ["He said “yes.”", "Then left."]
        );
    }

    #[test]
    fn lowercase_continuation_does_not_end_a_sentence() {
        assert_eq!(
            sentence_texts("approx. ten and etc. more. Next"),
            ["approx. ten and etc. more.", "Next"]
        );
    }
}
