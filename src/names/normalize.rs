//! The normalized form names are compared in: lower case (Unicode, so Cyrillic folds too), no
//! inner hyphens or apostrophes, British/American spelling folded ("Organisation" and
//! "Organization" are one key), words joined by one space. Drafts and gazetteer names go through
//! the same functions, so a name matches wherever its words match, however it was spelled.

use std::borrow::Cow;

use crate::diagnostic::TextRange;
use crate::text::{HIGH, ONES, is_word_char};

/// Separates tokens inside a phrase.
pub const SOFT: char = ' ';
/// Separates tokens joined by a slash ("OECD/G20").
pub const SLASH: char = '/';
/// Ends a phrase: sentence punctuation, brackets, quotes, block boundaries.
pub const HARD: char = '|';

/// One word of the draft in the normalized stream. Offsets are `u32` (as the stream's already
/// were): 24 bytes a word instead of 48, since a draft has one token per five or six bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    word_start: u32,
    word_end: u32,
    /// The word in [`Stream::text`].
    pub start: u32,
    pub end: u32,
    /// The first four bytes of the word in [`Stream::text`] (zero past its end), little-endian:
    /// what the gazetteer's first-word filter reads, taken while the bytes are at hand.
    pub head: u32,
    /// The length of the possessive "’s" ending the word, if any (not part of [`Token::raw`]).
    possessive: u8,
    /// What its letters look like ([`Token::FIRST_UPPER`] …), computed while normalizing so
    /// the rules need not decode the word again.
    pub shape: u8,
}

impl Token {
    /// A token for `word` in the draft, written at `start..end` of the stream's text.
    #[inline]
    fn new(
        word: TextRange,
        possessive: u8,
        shape: u8,
        start: usize,
        end: usize,
        head: u32,
    ) -> Self {
        Self {
            head,
            word_start: word.start as u32,
            word_end: word.end as u32,
            start: start as u32,
            end: end as u32,
            possessive,
            shape,
        }
    }

    /// The first character is a capital.
    pub const FIRST_UPPER: u8 = 1;
    /// The first character is an ASCII digit.
    pub const FIRST_DIGIT: u8 = 2;
    /// A capital or a digit after the first character ("CSTO", "G7", "kWh").
    pub const MORE_CAPS: u8 = 4;
    /// A lower-case letter somewhere.
    pub const LOWER: u8 = 8;
    /// A letter somewhere.
    pub const ALPHA: u8 = 16;
    /// One character only.
    pub const SINGLE: u8 = 32;
    /// Only ASCII letters and digits, no joiner or possessive: no other word starts inside it.
    pub const PLAIN: u8 = 64;

    /// The word in the draft, without a possessive "’s".
    #[inline]
    pub fn raw(&self) -> TextRange {
        TextRange::new(
            self.word_start as usize,
            (self.word_end - u32::from(self.possessive)) as usize,
        )
    }

    /// The whole word in the draft.
    #[inline]
    pub fn word(&self) -> TextRange {
        TextRange::new(self.word_start as usize, self.word_end as usize)
    }

    /// Where the word starts in the draft.
    #[inline]
    pub fn word_start(&self) -> usize {
        self.word_start as usize
    }

    #[inline]
    pub fn has(&self, flag: u8) -> bool {
        self.shape & flag != 0
    }

    /// Starts with a capital or a digit.
    pub fn capitalized(&self) -> bool {
        self.has(Self::FIRST_UPPER | Self::FIRST_DIGIT)
    }
}

/// The indices of the `tokens` that are not plain lower-case words: capitalized, with a capital
/// or a digit inside, or not plain ASCII (a joiner, a wider letter, a possessive). Acronyms and
/// shouted capitals are only ever among these, a small share of a draft's words, so the passes
/// that look for them read these instead of every token.
pub fn notable_tokens(tokens: &[Token]) -> Vec<u32> {
    const NOTABLE: u8 = Token::FIRST_UPPER | Token::FIRST_DIGIT | Token::MORE_CAPS;
    tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| t.shape & NOTABLE != 0 || !t.has(Token::PLAIN))
        .map(|(i, _)| i as u32)
        .collect()
}

/// The shape flags of a word (see [`Token`]).
fn shape(word: &str) -> u8 {
    let mut shape = 0;
    let mut chars = word.chars();
    if let Some(first) = chars.next() {
        if first.is_uppercase() {
            shape |= Token::FIRST_UPPER | Token::ALPHA;
        } else if first.is_ascii_digit() {
            shape |= Token::FIRST_DIGIT;
        } else if first.is_alphabetic() {
            shape |= Token::ALPHA
                | if first.is_lowercase() {
                    Token::LOWER
                } else {
                    0
                };
        }
    }
    let mut count = 1;
    for c in chars {
        count += 1;
        if c.is_ascii_lowercase() {
            shape |= Token::LOWER | Token::ALPHA;
        } else if c.is_ascii_uppercase() || c.is_ascii_digit() {
            shape |= Token::MORE_CAPS
                | if c.is_ascii_uppercase() {
                    Token::ALPHA
                } else {
                    0
                };
        } else if !c.is_ascii() {
            if c.is_uppercase() {
                shape |= Token::MORE_CAPS | Token::ALPHA;
            } else if c.is_lowercase() {
                shape |= Token::LOWER | Token::ALPHA;
            } else if c.is_alphabetic() {
                shape |= Token::ALPHA;
            }
        }
    }
    if count == 1 && !word.is_empty() {
        shape |= Token::SINGLE;
    }
    shape
}

/// A draft's words in normalized form, with the way back to the draft's offsets.
#[derive(Debug, Default)]
pub struct Stream {
    pub text: String,
    pub tokens: Vec<Token>,
    /// The tokens of each block pushed, as a range of `tokens`.
    pub blocks: Vec<std::ops::Range<usize>>,
}

impl Stream {
    /// Appends the words of `text[span]`, then a hard break so nothing matches across blocks.
    ///
    /// The words are those of [`crate::text::words`], found in the same pass that normalizes
    /// them (a test holds the two equal): most words are ASCII letters and digits between
    /// spaces, which are copied, lower-cased and shaped without decoding anything.
    pub fn push_block(&mut self, text: &str, span: TextRange) {
        let first = self.tokens.len();
        // Pushed to as a local, so its length stays in a register.
        let mut tokens = std::mem::take(&mut self.tokens);
        // The block's normalized text is written as bytes (eight at a time for most words),
        // then checked and appended once.
        let base = self.text.len();
        // A stream's first block is written in the text's own buffer (which a batch reuses
        // from one block's scan to the next).
        let mut out: Vec<u8> = if self.text.is_empty() {
            let buffer = std::mem::take(&mut self.text).into_bytes();
            // Too small: a new one, rather than growing it (which would copy what it held).
            if buffer.capacity() < span.len() + 16 {
                Vec::with_capacity(span.len() + 16)
            } else {
                buffer
            }
        } else {
            Vec::with_capacity(span.len() + 16)
        };
        let bytes = text.as_bytes();
        let end = span.end;
        let mut at = span.start;
        let mut previous: Option<TextRange> = None;
        loop {
            // The gap before the next word, and whether it holds only spaces, commas, line
            // breaks and hyphens (which join two words softly).
            let mut soft = true;
            // Most gaps are one space before a plain word: taken without the loop.
            if at + 1 < end && bytes[at] == b' ' && is_alphanumeric(bytes[at + 1]) {
                at += 1;
            } else {
                while at < end {
                    let b = bytes[at];
                    if b.is_ascii() {
                        if is_alphanumeric(b) {
                            break;
                        }
                        soft &= matches!(b, b' ' | b',' | b'\n' | b'\r' | b'\t' | b'-');
                        at += 1;
                    } else {
                        let c = char_at(text, at);
                        if is_word_char(c) {
                            break;
                        }
                        soft = false;
                        at += c.len_utf8();
                    }
                }
                if at >= end {
                    break;
                }
            }
            if let Some(prev) = previous {
                if soft {
                    out.push(SOFT as u8);
                } else {
                    push_gap(&text[prev.end..at], prev.slice(text), &mut out);
                }
            }
            let word_start = at;
            // Most words are ASCII letters and digits followed by a space or punctuation: read,
            // lowered, written and shaped eight bytes at a time.
            let written = out.len();
            if let Some((word_end, shape, head)) = push_ascii_word(bytes, at, end, &mut out) {
                at = word_end;
                let word = TextRange::new(word_start, word_end);
                tokens.push(Token::new(
                    word,
                    0,
                    shape | Token::PLAIN,
                    base + written,
                    base + out.len(),
                    head,
                ));
                previous = Some(word);
                continue;
            }
            // The word: letters and digits, and joiners between them ("Russia’s").
            let mut plain = true;
            loop {
                while at < end && is_alphanumeric(bytes[at]) {
                    at += 1;
                }
                if at >= end {
                    break;
                }
                let c = char_at(text, at);
                let len = c.len_utf8();
                if !c.is_ascii() && is_word_char(c) {
                    plain = false;
                    at += len;
                    continue;
                }
                if is_joiner(c) && at + len < end && is_word_char(char_at(text, at + len)) {
                    plain = false;
                    at += len;
                    continue;
                }
                break;
            }
            let word = TextRange::new(word_start, at);
            // A plain word has no possessive and is all ASCII letters and digits.
            let raw = if plain {
                word
            } else {
                without_possessive(text, word)
            };
            Self::push_token(&mut tokens, &mut out, base, text, word, raw);
            previous = Some(word);
        }
        out.push(HARD as u8);
        if self.text.is_empty() {
            // The stream's first block: its buffer becomes the text, not copied into it.
            self.text = String::from_utf8(out).expect("normalized text is UTF-8");
        } else {
            self.text
                .push_str(std::str::from_utf8(&out).expect("normalized text is UTF-8"));
        }
        self.blocks.push(first..tokens.len());
        self.tokens = tokens;
    }

    /// Appends the blocks of `other`, a stream of text that starts `base` bytes into this
    /// stream's draft (a block scanned by itself).
    pub fn append(&mut self, other: &Stream, base: usize) {
        let text_base = self.text.len() as u32;
        let token_base = self.tokens.len();
        self.text.push_str(&other.text);
        let base = base as u32;
        self.tokens.extend(other.tokens.iter().map(|t| Token {
            word_start: t.word_start + base,
            word_end: t.word_end + base,
            start: t.start + text_base,
            end: t.end + text_base,
            ..*t
        }));
        self.blocks.extend(
            other
                .blocks
                .iter()
                .map(|b| b.start + token_base..b.end + token_base),
        );
    }

    /// Appends one word as a token: `raw` (the word without a possessive) normalized, written
    /// to `out`, which follows `base` bytes of [`Stream::text`].
    fn push_token(
        tokens: &mut Vec<Token>,
        out: &mut Vec<u8>,
        base: usize,
        text: &str,
        word: TextRange,
        raw: TextRange,
    ) {
        let start = out.len();
        let written = raw.slice(text);
        let shape = match push_alphanumeric(written, out) {
            Some(shape) if raw == word => shape | Token::PLAIN,
            Some(shape) => shape,
            None => {
                push_word(written, out);
                shape(written)
            }
        };
        let possessive = (word.end - raw.end) as u8;
        tokens.push(Token::new(
            word,
            possessive,
            shape,
            base + start,
            base + out.len(),
            head(&out[start..]),
        ));
    }

    /// The words of the `index`th block pushed.
    pub fn block_words(&self, index: usize) -> impl Iterator<Item = TextRange> + '_ {
        self.tokens[self.blocks[index].clone()]
            .iter()
            .map(|t| t.word())
    }

    /// Every position of [`Stream::text`] that follows a separator (or starts it) and is not one
    /// itself, in order: where [`Stream::on_boundaries`] lets a match start. These are the
    /// tokens' starts, and the "and" written for "&", which is in the text but not a token.
    pub fn word_starts(&self) -> WordStarts<'_> {
        WordStarts {
            bytes: self.text.as_bytes(),
            tokens: &self.tokens,
            next_token: 0,
            gap: 0..self
                .tokens
                .first()
                .map_or(self.text.len(), |t| t.start as usize),
        }
    }

    /// The [`Stream::word_starts`] positions inside `from..to`, a stretch between two tokens (or
    /// before the first), each with the length of the word that starts there: what lies between
    /// two tokens is one separator, or " and " for "&", so only a longer gap holds any.
    pub fn gap_word_starts(
        &self,
        from: usize,
        to: usize,
    ) -> impl Iterator<Item = (usize, usize)> + '_ {
        let bytes = self.text.as_bytes();
        (from..to)
            .filter(move |&at| !is_break(bytes[at]) && (at == 0 || is_break(bytes[at - 1])))
            .map(move |at| {
                let len = bytes[at..]
                    .iter()
                    .position(|&b| is_break(b))
                    .unwrap_or(bytes.len() - at);
                (at, len)
            })
    }

    /// Whether `start..end` of the normalized text begins and ends on token boundaries.
    pub fn on_boundaries(&self, start: usize, end: usize) -> bool {
        let bytes = self.text.as_bytes();
        (start == 0 || is_break(bytes[start - 1])) && (end == bytes.len() || is_break(bytes[end]))
    }

    /// The draft range covered by normalized `start..end` (which lies on token boundaries).
    pub fn raw_range(&self, start: usize, end: usize) -> Option<(usize, usize, TextRange)> {
        let first = self.tokens.partition_point(|t| (t.start as usize) < start);
        let last = self.tokens.partition_point(|t| (t.end as usize) <= end);
        if first >= last || self.tokens[first].start as usize != start {
            return None;
        }
        let raw = TextRange::new(
            self.tokens[first].word_start(),
            self.tokens[last - 1].raw().end,
        );
        Some((first, last, raw))
    }
}

/// See [`Stream::word_starts`].
pub struct WordStarts<'s> {
    bytes: &'s [u8],
    tokens: &'s [Token],
    next_token: usize,
    /// What lies between the last token returned and the next: usually one separator.
    gap: std::ops::Range<usize>,
}

impl Iterator for WordStarts<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        for at in self.gap.by_ref() {
            if !is_break(self.bytes[at]) && (at == 0 || is_break(self.bytes[at - 1])) {
                return Some(at);
            }
        }
        let token = self.tokens.get(self.next_token)?;
        self.next_token += 1;
        let gap_end = self
            .tokens
            .get(self.next_token)
            .map_or(self.bytes.len(), |next| next.start as usize);
        self.gap = token.end as usize + 1..gap_end;
        Some(token.start as usize)
    }
}

/// The bytes that separate tokens in [`Stream::text`].
fn is_break(byte: u8) -> bool {
    matches!(byte, b' ' | b'/' | b'|')
}

/// The key of a phrase: what [`Stream`] makes of it.
pub fn normalize_phrase(phrase: &str) -> String {
    let mut stream = Stream::default();
    stream.push_block(phrase, TextRange::new(0, phrase.len()));
    stream.text.pop();
    stream.text
}

/// "NATO’s" is NATO: the possessive is not part of the name.
fn without_possessive(text: &str, word: TextRange) -> TextRange {
    let slice = word.slice(text);
    if !slice.ends_with('s') {
        return word;
    }
    for suffix in ["'s", "’s"] {
        if slice.len() > suffix.len() + 1 && slice.ends_with(suffix) {
            return TextRange::new(word.start, word.end - suffix.len());
        }
    }
    word
}

/// The character starting at byte `at` (a character boundary).
#[inline]
fn char_at(text: &str, at: usize) -> char {
    let b = text.as_bytes()[at];
    if b.is_ascii() {
        char::from(b)
    } else {
        text[at..].chars().next().expect("a character starts here")
    }
}

fn is_joiner(c: char) -> bool {
    matches!(c, '\'' | '’' | '-' | '‐' | '‑')
}

/// [`push_word`] and [`shape`] in one pass for a word of ASCII letters and digits (most words);
/// `None`, with nothing written, for any other word.
fn push_alphanumeric(word: &str, out: &mut Vec<u8>) -> Option<u8> {
    let (&first, rest) = word.as_bytes().split_first()?;
    let mut shape = ASCII_SHAPE[usize::from(first)].0;
    for &b in rest {
        shape |= ASCII_SHAPE[usize::from(b)].1;
    }
    if shape & NOT_ALPHANUMERIC != 0 {
        return None;
    }
    if rest.is_empty() {
        shape |= Token::SINGLE;
    }
    let start = out.len();
    out.extend_from_slice(word.as_bytes());
    out[start..].make_ascii_lowercase();
    fold_spelling(out, start);
    Some(shape)
}

/// The word of ASCII letters and digits starting at `at` (a letter or digit, else `None`),
/// when the word ends with it (what follows, if anything before `end`, is an ASCII byte other
/// than a joiner): written lowered and folded to `out`, its end, shape and [`head`] returned.
/// `None`, with nothing written, when a wider letter or a joiner may continue it.
#[inline]
fn push_ascii_word(
    bytes: &[u8],
    at: usize,
    end: usize,
    out: &mut Vec<u8>,
) -> Option<(usize, u8, u32)> {
    // Most words end within their first sixteen bytes, and before `end`: read in one or two
    // loads, without the loop below.
    if let Some(chunk) = bytes.get(at..at + 8) {
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let (upper, lower, digit) = ascii_classes(x);
        let n = ((!(upper | lower | digit) & HIGH).trailing_zeros() / 8) as usize;
        // The first byte's flags come from the table; the others say "more".
        let first = ASCII_SHAPE[usize::from(chunk[0])].0;
        let lowered = x | (upper >> 2);
        // The byte after the word is in the eight loaded.
        if (1..8).contains(&n) && at + n < end && ends_word_with(chunk[n]) {
            let word = (1u64 << (8 * n)) - 1;
            let more = word & !0xFF;
            let mut shape = first | more_shape(upper & more, lower & more, digit & more);
            if n == 1 {
                shape |= Token::SINGLE;
            }
            let start = out.len();
            out.extend_from_slice(&lowered.to_le_bytes());
            out.truncate(start + n);
            fold_spelling(out, start);
            return Some((at + n, shape, (lowered & word) as u32));
        }
        if n == 8
            && let Some(chunk) = bytes.get(at + 8..at + 16)
        {
            let x2 = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            let (upper2, lower2, digit2) = ascii_classes(x2);
            let n2 = ((!(upper2 | lower2 | digit2) & HIGH).trailing_zeros() / 8) as usize;
            if n2 < 8 && ends_word(bytes, at + 8 + n2, end) {
                let word2 = (1u64 << (8 * n2)) - 1;
                let more = !0xFF;
                let shape = first
                    | more_shape(
                        (upper & more) | (upper2 & word2),
                        (lower & more) | (lower2 & word2),
                        (digit & more) | (digit2 & word2),
                    );
                let start = out.len();
                out.extend_from_slice(&lowered.to_le_bytes());
                out.extend_from_slice(&(x2 | (upper2 >> 2)).to_le_bytes());
                out.truncate(start + 8 + n2);
                fold_spelling(out, start);
                return Some((at + 8 + n2, shape, lowered as u32));
            }
        }
    }
    let first = ASCII_SHAPE[usize::from(bytes[at])].0;
    if first == NOT_ALPHANUMERIC {
        return None;
    }
    let start = out.len();
    let mut shape = first;
    let (mut seen_upper, mut seen_lower, mut seen_digit) = (0u64, 0u64, 0u64);
    // The word's first bytes as written, taken from its first eight (folding spellings never
    // changes the first four bytes of a word); `None` when they were written a byte at a time.
    let mut first_head: Option<u32> = None;
    let mut pos = at;
    loop {
        let Some(chunk) = bytes.get(pos..pos + 8) else {
            // Near the end of the text: a byte at a time.
            if pos == at {
                out.push(bytes[at].to_ascii_lowercase());
                pos += 1;
            }
            while pos < end {
                let more = ASCII_SHAPE[usize::from(bytes[pos])].1;
                if more == NOT_ALPHANUMERIC {
                    break;
                }
                shape |= more;
                out.push(bytes[pos].to_ascii_lowercase());
                pos += 1;
            }
            break;
        };
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let (upper, lower, digit) = ascii_classes(x);
        let alphanumeric = upper | lower | digit;
        let run = ((!alphanumeric & HIGH).trailing_zeros() / 8) as usize;
        let n = run.min(end - pos);
        let taken = if n == 8 {
            u64::MAX
        } else {
            (1u64 << (8 * n)) - 1
        };
        // The first byte's flags came from the table; the others say "more".
        let more = if pos == at { taken & !0xFF } else { taken };
        // Flags after the loop, from what was seen: no branch per eight bytes.
        seen_upper |= upper & more;
        seen_lower |= lower & more;
        seen_digit |= digit & more;
        let lowered = x | (upper >> 2);
        if pos == at {
            first_head = Some((lowered & taken) as u32);
        }
        out.extend_from_slice(&lowered.to_le_bytes());
        out.truncate(out.len() - 8 + n);
        pos += n;
        if n < 8 || pos >= end {
            break;
        }
    }
    shape |= more_shape(seen_upper, seen_lower, seen_digit);
    // A wider letter or a joiner may continue the word: the general path decides.
    if pos < end && (!bytes[pos].is_ascii() || matches!(bytes[pos], b'\'' | b'-')) {
        out.truncate(start);
        return None;
    }
    if pos - at == 1 {
        shape |= Token::SINGLE;
    }
    fold_spelling(out, start);
    let head = first_head.unwrap_or_else(|| head(&out[start..]));
    Some((pos, shape, head))
}

/// The first four bytes of `word` (zero past its end), little-endian.
#[inline]
pub fn head(word: &[u8]) -> u32 {
    match word.get(..4) {
        Some(four) => u32::from_le_bytes(four.try_into().expect("four bytes")),
        None => word
            .iter()
            .rev()
            .fold(0, |value, &b| (value << 8) | u32::from(b)),
    }
}

/// For eight bytes below 0x80: the high bit of each byte that lies in `lo..=hi`.
#[inline(always)]
fn in_range(x: u64, lo: u8, hi: u8) -> u64 {
    let at_least_lo = x + ONES * u64::from(0x80 - lo);
    let above_hi = x + ONES * u64::from(0x7f - hi);
    at_least_lo & !above_hi & HIGH
}

/// For eight bytes: the high bit of each ASCII capital, small letter and digit.
#[inline(always)]
fn ascii_classes(x: u64) -> (u64, u64, u64) {
    let ascii = !x & HIGH;
    let low = x & !HIGH;
    (
        in_range(low, b'A', b'Z') & ascii,
        in_range(low, b'a', b'z') & ascii,
        in_range(low, b'0', b'9') & ascii,
    )
}

/// The shape flags of the characters after a word's first, from their class masks.
#[inline(always)]
fn more_shape(upper: u64, lower: u64, digit: u64) -> u8 {
    let mut shape = 0;
    if upper | digit != 0 {
        shape |= Token::MORE_CAPS;
    }
    if upper | lower != 0 {
        shape |= Token::ALPHA;
    }
    if lower != 0 {
        shape |= Token::LOWER;
    }
    shape
}

/// Whether an ASCII word that reaches `at` ends there for [`push_ascii_word`]'s fast path:
/// `at` is inside the span and holds an ASCII byte that is not a joiner (a wider letter or a
/// joiner may continue the word: the general loop decides those).
#[inline(always)]
fn ends_word(bytes: &[u8], at: usize, end: usize) -> bool {
    at < end && ends_word_with(bytes[at])
}

/// [`ends_word`] for the byte after the word.
#[inline(always)]
fn ends_word_with(byte: u8) -> bool {
    byte.is_ascii() && !matches!(byte, b'\'' | b'-')
}

/// An ASCII letter or digit, by table (the loops over every byte of a draft use it).
#[inline]
fn is_alphanumeric(byte: u8) -> bool {
    ASCII_SHAPE[usize::from(byte)].1 != NOT_ALPHANUMERIC
}

/// Marks a byte [`push_alphanumeric`] leaves to the general path.
const NOT_ALPHANUMERIC: u8 = 0x80;

/// What [`shape`] makes of each ASCII byte: as the first character, and after it.
const ASCII_SHAPE: [(u8, u8); 256] = {
    let mut table = [(NOT_ALPHANUMERIC, NOT_ALPHANUMERIC); 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        if byte.is_ascii_uppercase() {
            table[b] = (
                Token::FIRST_UPPER | Token::ALPHA,
                Token::MORE_CAPS | Token::ALPHA,
            );
        } else if byte.is_ascii_lowercase() {
            table[b] = (Token::ALPHA | Token::LOWER, Token::LOWER | Token::ALPHA);
        } else if byte.is_ascii_digit() {
            table[b] = (Token::FIRST_DIGIT, Token::MORE_CAPS);
        }
        b += 1;
    }
    table
};

fn push_word(word: &str, out: &mut Vec<u8>) {
    let start = out.len();
    let mut buffer = [0u8; 4];
    for c in word.chars() {
        if is_joiner(c) {
            continue;
        }
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase() as u8);
        } else {
            for lower in c.to_lowercase() {
                out.extend_from_slice(lower.encode_utf8(&mut buffer).as_bytes());
            }
        }
    }
    fold_spelling(out, start);
}

/// British and American spellings of the words organization names are made of.
fn american(word: &[u8]) -> Option<&'static [u8]> {
    Some(match word {
        b"programme" => b"program",
        b"programmes" => b"programs",
        b"centre" => b"center",
        b"centres" => b"centers",
        b"labour" => b"labor",
        b"defence" => b"defense",
        b"harbour" => b"harbor",
        b"endeavour" => b"endeavor",
        b"licence" => b"license",
        b"neighbourhood" => b"neighborhood",
        _ => return None,
    })
}

/// British spellings of `out[start..]` made American (see [`american`]).
#[inline(always)]
fn fold_spelling(out: &mut Vec<u8>, start: usize) {
    // Every spelling folded below is six bytes or longer and ends in one of these pairs
    // ("programme", "centres", "labour", "defence", "neighbourhood", "-isation", "-isations"):
    // most words are passed over here, without a call.
    let bytes = &out[start..];
    let n = bytes.len();
    if n < 6
        || !matches!(
            [bytes[n - 2], bytes[n - 1]],
            [b'm', b'e']
                | [b'e', b's']
                | [b'r', b'e']
                | [b'u', b'r']
                | [b'c', b'e']
                | [b'o', b'd']
                | [b'o', b'n']
                | [b'n', b's']
        )
    {
        return;
    }
    fold_long_spelling(out, start);
}

#[inline(never)]
fn fold_long_spelling(out: &mut Vec<u8>, start: usize) {
    let word = &out[start..];
    if let Some(american) = american(word) {
        out.truncate(start);
        out.extend_from_slice(american);
        return;
    }
    // -isation / -isations ("Organisation", "Stabilisation") → -ization.
    for (suffix, replacement) in [
        (&b"isation"[..], &b"ization"[..]),
        (b"isations", b"izations"),
    ] {
        if word.len() > suffix.len() + 2 && word.ends_with(suffix) {
            let at = out.len() - suffix.len();
            out.truncate(at);
            out.extend_from_slice(replacement);
            return;
        }
    }
}

/// How the characters between two words join them: inside a name only spaces, commas, dashes,
/// "&" and the dots of single-letter abbreviations ("U.S.") may appear.
fn push_gap(gap: &str, previous_word: &str, out: &mut Vec<u8>) {
    let previous_is_initial = {
        let mut chars = previous_word.chars();
        matches!((chars.next(), chars.next()), (Some(c), None) if c.is_uppercase())
    };
    let mut slash = false;
    let mut and = false;
    for c in gap.chars() {
        match c {
            c if c.is_whitespace() => {}
            ',' | '-' | '‐' | '‑' | '–' | '—' => {}
            '.' if previous_is_initial => {}
            '&' => and = true,
            '/' => slash = true,
            _ => {
                out.push(HARD as u8);
                return;
            }
        }
    }
    if slash {
        out.push(SLASH as u8);
    } else if and {
        out.extend_from_slice(b" and ");
    } else {
        out.push(SOFT as u8);
    }
}

/// Words that do not make a name different when they change ("Partnership to Accelerate" and
/// "Partnership for Accelerating" are one name written two ways).
pub fn is_function_word(normalized_token: &str) -> bool {
    matches!(
        normalized_token,
        "a" | "against"
            | "among"
            | "an"
            | "and"
            | "as"
            | "at"
            | "between"
            | "beyond"
            | "by"
            | "de"
            | "for"
            | "from"
            | "in"
            | "into"
            | "of"
            | "on"
            | "or"
            | "the"
            | "through"
            | "to"
            | "toward"
            | "towards"
            | "under"
            | "with"
            | "within"
    )
}

/// [`is_function_word`] of the word in lower case, without writing it: a function word is a
/// short ASCII word.
pub fn is_function_word_any_case(word: &str) -> bool {
    if !word.is_ascii() {
        return is_function_word(&word.to_lowercase());
    }
    let mut lower = [0u8; 8];
    let Some(buffer) = lower.get_mut(..word.len()) else {
        return false;
    };
    buffer.copy_from_slice(word.as_bytes());
    buffer.make_ascii_lowercase();
    std::str::from_utf8(buffer).is_ok_and(is_function_word)
}

/// A crude stem, enough to equate "Accelerate" and "Accelerating" or "Nation" and "Nations".
pub fn stem(normalized_token: &str) -> &str {
    let mut word = normalized_token;
    for suffix in ["ing", "ed", "s", "e"] {
        if word.len() > suffix.len() + 3 && word.ends_with(suffix) {
            word = &word[..word.len() - suffix.len()];
        }
    }
    word
}

/// The content words of a normalized phrase, stemmed and sorted: equal for names that differ
/// only in word order, function words or inflection. `None` when fewer than `min_words`.
pub fn loose_key<'a>(tokens: impl Iterator<Item = &'a str>, min_words: usize) -> Option<String> {
    let mut key = String::new();
    loose_key_into(tokens, min_words, &mut Vec::new(), &mut key).then_some(key)
}

/// [`loose_key`] written into `key` (false, and `key` unspecified, when there is none), with
/// `stems` as scratch: for callers that try many windows.
pub fn loose_key_into<'a>(
    tokens: impl Iterator<Item = &'a str>,
    min_words: usize,
    stems: &mut Vec<&'a str>,
    key: &mut String,
) -> bool {
    stems.clear();
    stems.extend(tokens.filter(|t| !is_function_word(t)).map(stem));
    if stems.len() < min_words {
        return false;
    }
    stems.sort_unstable();
    key.clear();
    for (i, stem) in stems.iter().enumerate() {
        if i > 0 {
            key.push(' ');
        }
        key.push_str(stem);
    }
    true
}

/// The loose key of a normalized phrase (as made by [`normalize_phrase`]).
pub fn loose_key_of_phrase(normalized: &str, min_words: usize) -> Option<String> {
    loose_key(
        normalized
            .split([SOFT, SLASH, HARD])
            .filter(|t| !t.is_empty()),
        min_words,
    )
}

/// Whitespace collapsed and typographic apostrophes and hyphens made plain: two surfaces that are
/// equal here are the same spelling.
pub fn surface(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(match c {
            '’' | '‘' => '\'',
            '‐' | '‑' => '-',
            c => c,
        });
    }
    out
}

/// [`surface`], borrowing `text` when it is already written so (most names are: one line of
/// ASCII with single spaces), as rules that look at every name of a long draft want.
pub fn surface_cow(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let already = text.is_ascii()
        && bytes.first() != Some(&b' ')
        && bytes.last() != Some(&b' ')
        && !bytes.windows(2).any(|pair| pair == b"  ")
        && !bytes
            .iter()
            .any(|&b| (b.is_ascii_whitespace() && b != b' ') || b == 0x0B);
    if already {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(surface(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn surface_cow_is_surface(text in "[ a-zA-Z\t\n\x0b\x0c\r\u{a0}’‘‐‑é.-]{0,12}") {
            proptest::prop_assert_eq!(surface_cow(&text), surface(&text));
        }
    }

    #[test]
    fn spelling_case_and_hyphens_fold() {
        assert_eq!(
            normalize_phrase("Organisation for Economic Co-operation and Development"),
            normalize_phrase("Organization for Economic Cooperation and Development")
        );
        assert_eq!(
            normalize_phrase("World Food Programme"),
            "world food program"
        );
        assert_eq!(normalize_phrase("European union"), "european union");
        assert_eq!(
            normalize_phrase("Союзное Государство"),
            normalize_phrase("союзное государство")
        );
        assert_eq!(
            normalize_phrase("United Nations Children’s Fund"),
            normalize_phrase("United Nations Children's Fund")
        );
    }

    #[test]
    fn punctuation_inside_a_name_is_kept_apart_from_punctuation_that_ends_it() {
        assert_eq!(
            normalize_phrase("Educational, Scientific and Cultural"),
            "educational scientific and cultural"
        );
        assert_eq!(normalize_phrase("U.S. Agency"), "u s agency");
        assert_eq!(normalize_phrase("OECD/G20 Forum"), "oecd/g20 forum");
        assert_eq!(normalize_phrase("Bank. Group"), "bank|group");
        assert_eq!(
            normalize_phrase("Trade & Development"),
            "trade and development"
        );
    }

    #[test]
    fn possessive_is_not_part_of_the_token() {
        let text = "the World Health Organization’s work";
        let mut stream = Stream::default();
        stream.push_block(text, TextRange::new(0, text.len()));
        assert_eq!(stream.text, "the world health organization work|");
        assert_eq!(stream.tokens[3].raw().slice(text), "Organization");
    }

    #[test]
    fn raw_range_maps_back_to_the_draft() {
        let text = "The  World Health\nOrganisation met.";
        let mut stream = Stream::default();
        stream.push_block(text, TextRange::new(0, text.len()));
        let key = normalize_phrase("World Health Organization");
        let at = stream.text.find(&key).unwrap();
        assert!(stream.on_boundaries(at, at + key.len()));
        let (_, _, raw) = stream.raw_range(at, at + key.len()).unwrap();
        assert_eq!(raw.slice(text), "World Health\nOrganisation");
        assert!(!stream.on_boundaries(at + 1, at + key.len()));
    }

    #[test]
    fn loose_keys_ignore_order_function_words_and_inflection() {
        let a = loose_key_of_phrase(
            &normalize_phrase("Partnership for Accelerating Clean Energy"),
            3,
        );
        let b = loose_key_of_phrase(
            &normalize_phrase("Partnership to Accelerate Clean Energy"),
            3,
        );
        assert!(a.is_some());
        assert_eq!(a, b);
        assert_ne!(
            loose_key_of_phrase(&normalize_phrase("United Nations Development Programme"), 3),
            loose_key_of_phrase(&normalize_phrase("United Nations Environment Programme"), 3)
        );
        assert_eq!(loose_key_of_phrase("world bank", 3), None);
    }

    proptest::proptest! {
        /// The one-pass path for words of ASCII letters and digits writes and shapes them as
        /// the general path does.
        #[test]
        fn ascii_fast_path_equals_the_general_path(word in "[a-zA-Z0-9]{1,16}|[a-zA-Z0-9'’-]{1,8}|\\PC{1,6}") {
            let mut fast = b"x ".to_vec();
            let fast_shape = push_alphanumeric(&word, &mut fast);
            let mut general = b"x ".to_vec();
            push_word(&word, &mut general);
            if word.bytes().all(|b| b.is_ascii_alphanumeric()) {
                proptest::prop_assert_eq!(fast_shape, Some(shape(&word)));
                proptest::prop_assert_eq!(fast, general);
            } else {
                proptest::prop_assert_eq!(fast_shape, None);
                proptest::prop_assert_eq!(fast, b"x ");
            }
        }

        /// Spaces, commas, line breaks and hyphens join two words softly whatever the word
        /// before, as the fast path in `push_block` assumes.
        #[test]
        fn plain_gaps_are_soft(gap in "[ ,\n\r\t-]{1,6}", previous in "[A-Za-z]{1,3}") {
            let mut out = Vec::new();
            push_gap(&gap, &previous, &mut out);
            proptest::prop_assert_eq!(out, [SOFT as u8]);
        }
    }

    impl Stream {
        /// `push_block` as it was before it split words itself: over [`crate::text::words`].
        fn push_block_reference(&mut self, text: &str, span: TextRange) {
            let first = self.tokens.len();
            let base = self.text.len();
            let mut out = Vec::new();
            let mut previous: Option<TextRange> = None;
            for word in crate::text::words(text, span) {
                if let Some(prev) = previous {
                    let gap = &text[prev.end..word.start];
                    // Mostly a space or ", ": joined softly without decoding anything.
                    if gap
                        .bytes()
                        .all(|b| matches!(b, b' ' | b',' | b'\n' | b'\r' | b'\t' | b'-'))
                    {
                        out.push(SOFT as u8);
                    } else {
                        push_gap(gap, prev.slice(text), &mut out);
                    }
                }
                let raw = without_possessive(text, word);
                Self::push_token(&mut self.tokens, &mut out, base, text, word, raw);
                previous = Some(word);
            }
            out.push(HARD as u8);
            self.text.push_str(std::str::from_utf8(&out).unwrap());
            self.blocks.push(first..self.tokens.len());
        }
    }

    fn both(text: &str) -> (Stream, Stream) {
        let (mut fused, mut reference) = (Stream::default(), Stream::default());
        // Blocks as the documents make them: paragraphs, and a span that starts mid-text.
        let mut start = 0;
        for block in text.split("\n\n") {
            let span = TextRange::new(start, start + block.len());
            fused.push_block(text, span);
            reference.push_block_reference(text, span);
            start += block.len() + 2;
        }
        (fused, reference)
    }

    fn assert_same_stream(text: &str) {
        let (fused, reference) = both(text);
        assert_eq!(fused.text, reference.text, "{text:?}");
        assert_eq!(
            format!("{:?}", fused.tokens),
            format!("{:?}", reference.tokens),
            "{text:?}"
        );
        assert_eq!(fused.blocks, reference.blocks);
    }

    #[test]
    fn words_are_split_as_text_words_splits_them_on_the_corpus() {
        let Some(dir) = crate::test_corpus_dir() else {
            return;
        };
        for entry in crate::config::draft_walker(&dir).flatten() {
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                assert_same_stream(&text);
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]

        /// Letters, digits, joiners (plain and typographic), possessives, punctuation, spaces
        /// and wider characters in any order.
        #[test]
        fn words_are_split_as_text_words_splits_them(
            text in "([a-zA-Z0-9]{1,5}|[a-zA-Z0-9]{6,20}|[ ,.;:/&()\\-]|'s|’s|’|‐|‑|–|—|\"|“|”|é|É|Ж|ж|ß|İ|ﬁ|٣|\n\n|\u{a0}|U\\.S\\.){0,40}"
        ) {
            assert_same_stream(&text);
        }
    }

    #[test]
    fn plain_words_are_marked() {
        let text = "CSTO and NATO’s UN-Habitat in Минск";
        let mut stream = Stream::default();
        stream.push_block(text, TextRange::new(0, text.len()));
        let plain: Vec<bool> = stream.tokens.iter().map(|t| t.has(Token::PLAIN)).collect();
        assert_eq!(plain, [true, true, false, false, true, false]);
    }

    #[test]
    fn every_british_spelling_folds() {
        for (british, american) in [
            ("programme", "program"),
            ("Programmes", "programs"),
            ("centre", "center"),
            ("centres", "centers"),
            ("Labour", "labor"),
            ("defence", "defense"),
            ("harbour", "harbor"),
            ("endeavour", "endeavor"),
            ("licence", "license"),
            ("neighbourhood", "neighborhood"),
            ("Organisation", "organization"),
            ("stabilisations", "stabilizations"),
        ] {
            assert_eq!(normalize_phrase(british), american);
        }
    }

    #[test]
    fn surfaces_fold_only_spacing_and_typography() {
        assert_eq!(surface("Children’s  Fund"), "Children's Fund");
        assert_ne!(surface("Organisation"), surface("Organization"));
    }
}
