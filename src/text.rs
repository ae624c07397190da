//! Words, sentences and the normalized forms the rules compare.

use crate::diagnostic::TextRange;

/// Abbreviations after which a period does not end a sentence (compared without the final dot,
/// case-sensitively: "No." is an abbreviation, "no." ends a sentence).
/// Sorted (byte order) for binary search; a test keeps it so.
const ABBREVIATIONS: &[&str] = &[
    "Adm", "Amb", "Apr", "Art", "Arts", "Aug", "Ave", "Capt", "Ch", "Chap", "Cmdr", "Co", "Col",
    "Corp", "Dec", "Dept", "Dr", "E.U", "Feb", "Fig", "Ft", "Gen", "Gov", "H.E", "Hon", "Inc",
    "Jan", "Jr", "Jul", "Jun", "Lt", "Ltd", "Maj", "Mar", "Mr", "Mrs", "Ms", "Mt", "No", "Nos",
    "Nov", "Oct", "Op", "Para", "Paras", "Prof", "Rep", "Rev", "Sec", "Sect", "Sen", "Sep", "Sept",
    "Sgt", "Sr", "St", "Suppl", "U.A.E", "U.K", "U.N", "U.S", "U.S.A", "Vol", "Vols", "a.m",
    "approx", "art", "cf", "chap", "e.g", "i.e", "no", "p", "p.m", "para", "paras", "pp", "sect",
    "suppl", "viz", "vol", "vols", "vs",
];

pub fn is_word_char(c: char) -> bool {
    // General Punctuation (typographic spaces, dashes, quotes: the non-ASCII characters met
    // most in drafts) holds no letter or digit; the Unicode tables need not be searched.
    if ('\u{2000}'..='\u{206F}').contains(&c) {
        return false;
    }
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

/// What an ASCII byte is to the word splitter and the normalizer.
const WORD: u8 = 1;
const SPACE: u8 = 2;
const JOINER: u8 = 4;
/// Bytes 0x80 and up: part of a multi-byte character, decoded when met.
const WIDE: u8 = 8;

static BYTE_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = if byte >= 0x80 {
            WIDE
        } else if byte.is_ascii_alphanumeric() {
            WORD
        } else if matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            SPACE
        } else if matches!(byte, b'\'' | b'-') {
            JOINER
        } else {
            0
        };
        b += 1;
    }
    table
};

/// What the normalizer writes for an ASCII byte: 0 for whitespace (and NUL), the byte folded to lower case
/// (a backtick to an apostrophe); 0x80 and up for the bytes of wider characters.
static FOLDED: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = if byte >= 0x80 {
            byte
        } else if matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            0
        } else if byte == b'`' {
            b'\''
        } else {
            byte.to_ascii_lowercase()
        };
        b += 1;
    }
    table
};

impl Iterator for Words<'_> {
    type Item = TextRange;

    /// Table-driven over ASCII (most of every draft), decoding only non-ASCII characters.
    #[inline]
    fn next(&mut self) -> Option<TextRange> {
        let bytes = &self.text.as_bytes()[..self.end];
        let mut i = self.pos;
        let start = loop {
            while i < bytes.len() && BYTE_CLASS[bytes[i] as usize] & (WORD | WIDE) == 0 {
                i += 1;
            }
            if i >= bytes.len() {
                self.pos = self.end;
                return None;
            }
            if bytes[i].is_ascii() {
                break i;
            }
            let (c, len) = decode_at(self.text, i);
            if is_word_char(c) {
                break i;
            }
            i += len;
        };
        loop {
            // Eight bytes at a time through the ASCII letters and digits of the word.
            while let Some(chunk) = bytes.get(i..i + 8) {
                let chunk = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
                let not_word = not_ascii_alphanumeric(chunk);
                if not_word != 0 {
                    i += (not_word.trailing_zeros() / 8) as usize;
                    break;
                }
                i += 8;
            }
            while i < bytes.len() && BYTE_CLASS[bytes[i] as usize] == WORD {
                i += 1;
            }
            if i >= bytes.len() {
                break;
            }
            let b = bytes[i];
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
            if is_inner_joiner(c) && i + len < bytes.len() && starts_word_char(self.text, i + len) {
                i += len;
                continue;
            }
            break;
        }
        self.pos = i;
        Some(TextRange::new(start, i))
    }
}

/// The high bit of each byte of `x` that is not an ASCII letter or digit (bytes 0x80 and up
/// included), eight bytes at once.
#[inline]
pub(crate) fn not_ascii_alphanumeric(x: u64) -> u64 {
    // Per byte, `(low seven bits | 0x80) - c` keeps its high bit exactly when the byte is at
    // least `c`, and never borrows from the next byte (c < 0x80).
    let set = (x & !HIGH) | HIGH;
    let at_least = |v: u64, c: u64| v.wrapping_sub(c * ONES) & HIGH;
    let digits = at_least(set, 0x30) & !at_least(set, 0x3A);
    // Setting bit 5 puts the capitals on the small letters and no other byte there ('@' goes
    // to '`', '[' to '{'): one range test for both cases.
    let lower = set | (0x20 * ONES);
    let letters = at_least(lower, 0x61) & !at_least(lower, 0x7B);
    !((digits | letters) & !(x & HIGH)) & HIGH
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
    Normalizer::default().push(text, out);
}

/// [`normalize_into`] fed piece by piece: normalizing consecutive pieces of a text appends
/// exactly what normalizing the whole text at once writes, so a paragraph and its sentences are
/// normalized in one pass (each sentence is a slice of the paragraph's normalized form).
#[derive(Default)]
pub struct Normalizer {
    pending_space: bool,
}

impl Normalizer {
    /// Writes the space owed to whitespace seen so far, as the next non-space character would.
    pub fn flush_space(&mut self, out: &mut Vec<u8>) {
        if self.pending_space {
            out.push(b' ');
            self.pending_space = false;
        }
    }

    pub fn push(&mut self, text: &str, out: &mut Vec<u8>) {
        let bytes = text.as_bytes();
        out.reserve(bytes.len() + 1);
        let mut i = 0;
        while i < bytes.len() {
            // Eight bytes at a time where they are plain ASCII prose with single spaces.
            if let Some(chunk) = bytes.get(i..i + 8) {
                let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
                let taken = fold_chunk(x);
                if taken > 0 {
                    self.flush_space(out);
                    out.extend_from_slice(&fold_ascii(x)[..taken]);
                    i += taken;
                    continue;
                }
            }
            let b = bytes[i];
            let folded = FOLDED[b as usize];
            // Zero marks whitespace; NUL is itself.
            if folded == 0 && b != 0 {
                self.pending_space = !out.is_empty();
                i += 1;
                continue;
            }
            if folded < 0x80 {
                if self.pending_space {
                    out.push(b' ');
                    self.pending_space = false;
                }
                out.push(folded);
                i += 1;
                continue;
            }
            let (c, len) = decode_at(text, i);
            i += len;
            if c.is_whitespace() {
                self.pending_space = !out.is_empty();
                continue;
            }
            self.flush_space(out);
            push_folded_char(c, out);
        }
    }
}

/// What the normalizer writes for a non-ASCII character that is not whitespace.
#[inline]
fn push_folded_char(c: char, out: &mut Vec<u8>) {
    fold_char(c, |c| {
        let mut utf8 = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
    });
}

/// The characters a non-ASCII character that is not whitespace normalizes to (at most three:
/// lower case may be longer, as for "İ").
#[inline]
fn fold_char(c: char, mut put: impl FnMut(char)) {
    match c {
        '“' | '”' | '„' | '‟' | '«' | '»' | '〝' | '〞' => put('"'),
        '‘' | '’' | '‚' | '‛' | '‹' | '›' => put('\''),
        '‐' | '‑' | '‒' | '–' | '—' => put('-'),
        c => c.to_lowercase().for_each(put),
    }
}

/// Where one sentence of a paragraph lies in its normalized form, and how many words start in it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SentenceSpan {
    pub start: u32,
    pub end: u32,
    pub words: u32,
}

/// Bytes of spare room kept past the output cursor of [`normalize_with_words`]: a word's
/// eight bytes are written whole before its length is known.
const SPARE: usize = 16;

/// The most bytes normalizing `n` bytes writes: ASCII folds byte for byte and whitespace runs
/// shrink, but the lower case of a two-byte letter may take three ("İ", "Ⱥ"); a test checks
/// every character.
fn normalized_bound(n: usize) -> usize {
    n + n / 2
}

/// A paragraph's normalized form and its words in one pass over its bytes: `out[..length]`
/// receives what [`normalize_into`] writes, and the length is returned (`out` is only grown,
/// never cleared: the bytes past the length are left from earlier calls); for each word of [`words`], `on_word(folded)` gets its bytes
/// in `out` (a word's folded form is its slice of the normalized text: word characters are
/// never whitespace, quotes or dashes, and the inner joiners fold alike in both); for each
/// range of `sentences` (sorted, trimmed, apart, never inside a word), `sentence_spans`
/// receives its span in `out`, as normalizing it alone would write it, and the number of
/// words starting in it.
pub fn normalize_with_words(
    text: &str,
    sentences: &[TextRange],
    out: &mut Vec<u8>,
    sentence_spans: &mut Vec<SentenceSpan>,
    mut on_word: impl FnMut(&[u8]),
) -> usize {
    let bytes = text.as_bytes();
    let n = bytes.len();
    // The output is written through a cursor `w` into a slice sized for the longest possible
    // result, not pushed to a `Vec` (whose length and pointer would be reloaded after every
    // byte written).
    let room = normalized_bound(n) + SPARE;
    if out.len() < room {
        out.resize(room, 0);
    }
    let out = &mut out[..room];
    let mut w = 0usize;
    sentence_spans.clear();
    // Sentence starts and ends, in order: `boundary` indexes them (even: a start, odd: an end).
    let boundary_at = |k: usize| -> usize {
        sentences.get(k / 2).map_or(usize::MAX, |r| {
            if k.is_multiple_of(2) { r.start } else { r.end }
        })
    };
    let mut boundary = 0usize;
    let mut next_boundary = boundary_at(0);
    let mut pending_space = false;
    let mut sentence = SentenceSpan::default();
    let mut i = 0;
    loop {
        // Between words: whitespace, punctuation, symbols.
        loop {
            while i == next_boundary {
                if boundary.is_multiple_of(2) {
                    if pending_space {
                        out[w] = b' ';
                        w += 1;
                        pending_space = false;
                    }
                    sentence = SentenceSpan {
                        start: w as u32,
                        end: 0,
                        words: 0,
                    };
                } else {
                    sentence.end = w as u32;
                    sentence_spans.push(sentence);
                }
                boundary += 1;
                next_boundary = boundary_at(boundary);
            }
            if i >= n {
                return w;
            }
            let b = bytes[i];
            if b < 0x80 {
                let class = BYTE_CLASS[b as usize];
                if class == WORD {
                    break;
                }
                i += 1;
                if class == SPACE {
                    pending_space = w != 0;
                } else {
                    if pending_space {
                        out[w] = b' ';
                        w += 1;
                        pending_space = false;
                    }
                    out[w] = FOLDED[b as usize];
                    w += 1;
                }
                continue;
            }
            let (c, len) = decode_at(text, i);
            if is_word_char(c) {
                break;
            }
            i += len;
            if c.is_whitespace() {
                pending_space = w != 0;
            } else {
                if pending_space {
                    out[w] = b' ';
                    w += 1;
                    pending_space = false;
                }
                write_folded_char(c, out, &mut w);
            }
        }
        // A word (as `Words` splits them), folded as the normalizer folds it. Sentences hold
        // the words that start between their start and their end.
        if !boundary.is_multiple_of(2) {
            sentence.words += 1;
        }
        if pending_space {
            out[w] = b' ';
            w += 1;
            pending_space = false;
        }
        let folded_start = w;
        loop {
            if let Some(chunk) = bytes.get(i..i + 8) {
                // Eight bytes at a time through the ASCII letters and digits: all eight written
                // folded, the cursor then moved by the word's part of them.
                let chunk = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
                let not_word = not_ascii_alphanumeric(chunk);
                out[w..w + 8].copy_from_slice(&fold_ascii(chunk));
                if not_word == 0 {
                    i += 8;
                    w += 8;
                    continue;
                }
                let taken = (not_word.trailing_zeros() / 8) as usize;
                i += taken;
                w += taken;
            } else {
                while i < n && BYTE_CLASS[bytes[i] as usize] == WORD {
                    out[w] = bytes[i].to_ascii_lowercase();
                    w += 1;
                    i += 1;
                }
                if i >= n {
                    break;
                }
            }
            // `bytes[i]` is not an ASCII letter or digit.
            let b = bytes[i];
            if b < 0x80 {
                // A joiner counts only between word characters: "co-operation", "Russia's".
                if (b == b'\'' || b == b'-') && i + 1 < n && starts_word_char(text, i + 1) {
                    out[w] = b;
                    w += 1;
                    i += 1;
                    continue;
                }
                break;
            }
            let (c, len) = decode_at(text, i);
            if is_word_char(c)
                || (is_inner_joiner(c) && i + len < n && starts_word_char(text, i + len))
            {
                i += len;
                write_folded_char(c, out, &mut w);
                continue;
            }
            break;
        }
        on_word(&out[folded_start..w]);
    }
}

/// [`push_folded_char`] at cursor `w` of [`normalize_with_words`]'s output.
#[inline(never)]
fn write_folded_char(c: char, out: &mut [u8], w: &mut usize) {
    let mut folded = [0u8; 12];
    let mut len = 0;
    fold_char(c, |c| len += c.encode_utf8(&mut folded[len..]).len());
    out[*w..*w + len].copy_from_slice(&folded[..len]);
    *w += len;
}

/// One in every byte of a word read eight bytes at a time.
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte of such a word.
pub(crate) const HIGH: u64 = 0x8080_8080_8080_8080;

/// How many of these eight bytes (little-endian) normalize to themselves apart from case, 8 or
/// 7, or 0 when the byte-by-byte path must take them: all ASCII, no control character or
/// backtick, no space first, no two spaces together (a last space is left out, since what
/// follows it decides).
#[inline]
fn fold_chunk(x: u64) -> usize {
    // The high bit of each byte that is zero in `t` (exact: no carry crosses bytes).
    let zero_bytes = |t: u64| !((((t & !HIGH).wrapping_add(!HIGH)) | t) | !HIGH);
    let wide = x & HIGH;
    // Bytes below 0x20: the high bit of (b - 0x20) & !b, exact for ASCII bytes.
    let control = x.wrapping_sub(0x20 * ONES) & !x & HIGH;
    let backtick = zero_bytes(x ^ (0x60 * ONES));
    if wide | control | backtick != 0 {
        return 0;
    }
    let spaces = zero_bytes(x ^ (0x20 * ONES));
    if spaces & 0x80 != 0 || spaces & (spaces << 8) != 0 {
        return 0;
    }
    if spaces >> 56 != 0 { 7 } else { 8 }
}

/// ASCII bytes (little-endian) with the capitals lowered, eight at a time.
#[inline]
fn fold_ascii(x: u64) -> [u8; 8] {
    // High bit set for bytes from 'A' (0x41) and for bytes from '[' (0x5B): capitals are the
    // first without the second. ASCII bytes plus these never carry into the next byte.
    let from_a = x.wrapping_add(0x3F * ONES);
    let past_z = x.wrapping_add(0x25 * ONES);
    let capitals = from_a & !past_z & HIGH;
    (x | (capitals >> 2)).to_le_bytes()
}

pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalize_into(text, &mut out);
    out
}

/// Sentence ranges inside `span`, trimmed of surrounding whitespace.
pub fn sentences(text: &str, span: TextRange) -> Vec<TextRange> {
    let mut out = Vec::new();
    sentences_into(text, span, &mut out);
    out
}

/// [`sentences`] into a buffer the caller reuses (cleared first).
pub fn sentences_into(text: &str, span: TextRange, out: &mut Vec<TextRange>) {
    out.clear();
    let bytes = text.as_bytes();
    let mut start = span.start;
    let mut i = span.start;
    let within = &bytes[..span.end];
    let find_ellipsis = |from: usize| find_ellipsis(within, from);
    let mut next_ellipsis = find_ellipsis(i);
    while i < span.end {
        // Jump to the next sentence mark (SIMD searches; most bytes are not marks).
        if next_ellipsis.is_some_and(|e| e < i) {
            next_ellipsis = find_ellipsis(i);
        }
        let next_mark = memchr::memchr3(b'.', b'!', b'?', &within[i..]).map(|p| p + i);
        match (next_mark, next_ellipsis) {
            (Some(m), Some(e)) => i = m.min(e),
            (Some(m), None) => i = m,
            (None, Some(e)) => i = e,
            (None, None) => break,
        }
        let b = bytes[i];
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
            push_trimmed(text, TextRange::new(start, end), out);
            start = end;
        }
        i = end;
    }
    push_trimmed(text, TextRange::new(start, span.end), out);
}

/// Where the next "…" (E2 80 A6) starts in `bytes[from..]`: its last byte, rarer than its
/// first (which every curly quote and dash shares), is searched for, then the two before it
/// checked; cheaper on a paragraph than a substring searcher.
fn find_ellipsis(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(p) = memchr::memchr(0xA6, &bytes[at..]) {
        let last = at + p;
        if last >= from + 2 && bytes[last - 2] == 0xE2 && bytes[last - 1] == 0x80 {
            return Some(last - 2);
        }
        at = last + 1;
    }
    None
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
    if let (Some(c), None) = (chars.next(), chars.next())
        && c.is_uppercase()
    {
        return false; // an initial: "John F. Kennedy"
    }
    // In compounds ("ASEAN-U.S. Summit", "U.K.-U.S. talks") the last part decides.
    let last_part = token.rsplit(['-', '–', '‑', '/']).next().unwrap_or(token);
    !is_abbreviation(token) && !is_abbreviation(last_part)
}

/// Bytes in the longest abbreviation (and in the longest dotted acronym taken as one).
const LONGEST_ABBREVIATION: usize = {
    let mut longest = 6;
    let mut i = 0;
    while i < ABBREVIATIONS.len() {
        if ABBREVIATIONS[i].len() > longest {
            longest = ABBREVIATIONS[i].len();
        }
        i += 1;
    }
    longest
};

fn is_abbreviation(token: &str) -> bool {
    // Most sentences end on a longer word: no lookup needed.
    if token.len() > LONGEST_ABBREVIATION {
        return false;
    }
    ABBREVIATION_KEYS.binary_search(&abbreviation_key(token)).is_ok()
        // Dotted acronyms such as "U.S.A" or "D.C" written with inner dots.
        || (token.len() <= 6
            && token.bytes().any(|b| b == b'.')
            && token.chars().all(|c| c == '.' || c.is_alphabetic()))
}

const _: () = assert!(
    LONGEST_ABBREVIATION < 8,
    "an abbreviation's bytes and length fit in a u64"
);

/// A token of at most [`LONGEST_ABBREVIATION`] bytes as one number (its bytes, its length in
/// the top byte): a binary search over these compares integers, not strings.
#[inline]
fn abbreviation_key(token: &str) -> u64 {
    let mut key = [0u8; 8];
    key[..token.len()].copy_from_slice(token.as_bytes());
    key[7] = token.len() as u8;
    u64::from_le_bytes(key)
}

/// The keys of [`ABBREVIATIONS`], sorted.
static ABBREVIATION_KEYS: std::sync::LazyLock<Box<[u64]>> = std::sync::LazyLock::new(|| {
    let mut keys: Box<[u64]> = ABBREVIATIONS.iter().map(|a| abbreviation_key(a)).collect();
    keys.sort_unstable();
    keys
});

fn push_trimmed(text: &str, range: TextRange, out: &mut Vec<TextRange>) {
    let slice = range.slice(text);
    // Most sentences are surrounded by ASCII whitespace if anything: trimmed byte by byte,
    // unless a wider character (perhaps a wide space) is met at either end.
    let bytes = slice.as_bytes();
    let ascii_space = |b: u8| matches!(b, b'\t'..=b'\r' | b' ');
    let mut first = 0;
    while first < bytes.len() && ascii_space(bytes[first]) {
        first += 1;
    }
    let mut last = bytes.len();
    while last > first && ascii_space(bytes[last - 1]) {
        last -= 1;
    }
    if first == last {
        return;
    }
    if bytes[first].is_ascii() && bytes[last - 1].is_ascii() {
        out.push(TextRange::new(range.start + first, range.start + last));
        return;
    }
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

    #[test]
    fn general_punctuation_holds_no_word_character() {
        for c in '\u{2000}'..='\u{206F}' {
            assert!(!c.is_alphanumeric(), "{c:?}");
        }
    }

    proptest! {
        /// The integer keys find exactly the abbreviations the string search found.
        #[test]
        fn abbreviation_keys_agree_with_the_string_search(
            token in "[A-Za-z.]{0,7}|\\PC{0,3}|(Adm|No|U\\.S|e\\.g|para|vols|St)\\.?\u{0}?",
        ) {
            let by_strings = ABBREVIATIONS.binary_search(&token.as_str()).is_ok()
                || (token.len() <= 6
                    && token.contains('.')
                    && token.chars().all(|c| c == '.' || c.is_alphabetic()));
            prop_assert_eq!(is_abbreviation(&token), by_strings && token.len() <= LONGEST_ABBREVIATION);
        }
    }

    #[test]
    fn every_abbreviation_is_found_by_its_key() {
        for abbreviation in ABBREVIATIONS {
            assert!(is_abbreviation(abbreviation), "{abbreviation}");
        }
    }

    #[test]
    fn abbreviations_are_sorted_for_binary_search() {
        assert!(ABBREVIATIONS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn no_character_normalizes_past_the_bound() {
        for c in (0..=char::MAX as u32).filter_map(char::from_u32) {
            if c.is_ascii() || c.is_whitespace() {
                continue;
            }
            let mut folded = Vec::new();
            push_folded_char(c, &mut folded);
            assert!(
                folded.len() <= normalized_bound(c.len_utf8()),
                "{c:?} folds to {} bytes",
                folded.len()
            );
        }
    }

    proptest! {
        /// The last-byte search for "…" finds what a substring search finds, among characters
        /// that share its first or last byte.
        #[test]
        fn ellipsis_search_agrees_with_a_substring_search(
            text in "(a|…|¦|₦|’|“|Ц|\u{e2}|\\.|\u{a6}){0,24}",
            from in 0usize..40,
        ) {
            let bytes = text.as_bytes();
            let from = from.min(bytes.len());
            let expected = memchr::memmem::find(&bytes[from..], "…".as_bytes()).map(|p| p + from);
            prop_assert_eq!(find_ellipsis(bytes, from), expected);
        }

        /// Trimming takes its ASCII shortcut only where trimming changes nothing.
        #[test]
        fn trimmed_sentences_agree_with_str_trim(
            text in "([ \t\n\r\u{0b}\u{0c}\u{a0}\u{2003}\u{85}]|a|\\.|’|\u{1c}){0,12}",
        ) {
            let mut out = Vec::new();
            push_trimmed(&text, TextRange::new(0, text.len()), &mut out);
            let trimmed = text.trim();
            let expected: Vec<TextRange> = if trimmed.is_empty() {
                vec![]
            } else {
                let start = text.len() - text.trim_start().len();
                vec![TextRange::new(start, start + trimmed.len())]
            };
            prop_assert_eq!(out, expected);
        }
    }

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

    #[test]
    fn eight_byte_word_scan_agrees_with_the_byte_table_for_every_byte() {
        for b in 0..=255u8 {
            for lane in 0..8 {
                let mut chunk = *b"abcXYZ09";
                chunk[lane] = b;
                let mask = not_ascii_alphanumeric(u64::from_le_bytes(chunk));
                for (k, &byte) in chunk.iter().enumerate() {
                    let flagged = mask >> (8 * k + 7) & 1 == 1;
                    assert_eq!(
                        flagged,
                        BYTE_CLASS[byte as usize] != WORD,
                        "{b:#x} in lane {lane}"
                    );
                }
            }
        }
    }

    #[test]
    fn eight_byte_folding_agrees_with_the_definition_for_every_ascii_byte() {
        for b in 0u8..0x80 {
            let c = b as char;
            for text in [
                format!("Abcdefg{c}Hijklmno{c}{c}pQrstuvw xyz"),
                format!("{c}abcdefgh ijklmnop{c}"),
                format!("The  United Nations{c}  General Assembly {c}"),
            ] {
                let mut fast = String::new();
                normalize_into(&text, &mut fast);
                assert_eq!(fast, reference_normalize(&text), "{text:?}");
            }
        }
    }

    proptest! {
        #[test]
        fn fast_paths_agree_with_the_definitions(
            text in "([ -~\t\r\n\u{0b}\u{0c}]|(The|UNITED|Nations|  | )|[–—‐‑’‘“”«»„]|[ÄÖßİЖжя中文😀\u{a0}\u{2003}\u{3000}])*"
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
