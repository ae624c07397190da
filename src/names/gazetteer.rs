//! The gazetteer: organizations sherpa knows (`data/gazetteer.toml`, embedded), the
//! abbreviations a communiqué may use unexplained (`data/terms.toml`), and the automata that find
//! them in a draft. Built once per process (or once per configuration that adds entries).

use std::sync::{Arc, LazyLock};

use aho_corasick::automaton::Automaton;
use aho_corasick::{Anchored, MatchKind};
use serde::Deserialize;

use super::normalize::{self, Stream, Token};
use crate::diagnostic::TextRange;
use crate::text::is_word_char;
use crate::{FastMap, FastSet};

const GAZETTEER_TOML: &str = include_str!("../../data/gazetteer.toml");
const TERMS_TOML: &str = include_str!("../../data/terms.toml");

/// Names with fewer content words than this are not matched loosely (word order, inflection).
pub const LOOSE_MIN_WORDS: usize = 3;

/// One organization as written in the data file or in `[[organizations.org]]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgEntry {
    pub name: String,
    #[serde(default)]
    pub acronyms: Vec<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub short: Vec<String>,
    #[serde(default)]
    pub well_known: bool,
    /// Acronyms of this entry that other bodies use too: never expanded automatically.
    #[serde(default)]
    pub ambiguous: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GazetteerFile {
    org: Vec<OrgEntry>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Terms {
    /// Abbreviations that need no expansion in a communiqué and are not organizations.
    pub well_known: Vec<String>,
    /// Units and symbols written in capitals ("MW", "GtCO2").
    pub units: Vec<String>,
}

pub type OrgId = usize;

/// Which accepted written form of an organization a name occurrence corresponds to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Form {
    Name,
    Alias(usize),
}

pub struct Gazetteer {
    pub orgs: Vec<OrgEntry>,
    /// Normalized names and aliases, searched in a draft's normalized stream.
    names: Matcher,
    /// Some name starts with the word "and", which the stream also writes for "&" between
    /// tokens: then those places are searched too.
    names_start_with_and: bool,
    name_patterns: Vec<(OrgId, Form)>,
    exact: FastMap<String, (OrgId, Form)>,
    /// Loose key → organization; `None` when two organizations share it.
    loose: FastMap<String, Option<OrgId>>,
    /// The loose keys of each organization's name and aliases, in that order (those that have
    /// one), for the drafts that mention it.
    loose_keys_by_org: Vec<Vec<String>>,
    /// Acronyms exactly as written (case-sensitive), searched in the draft itself.
    acronyms: Matcher,
    acronym_patterns: Vec<OrgId>,
    /// Every acronym starts with a letter or digit, so only where a word or a part of a
    /// hyphenated word starts (see [`Gazetteer::find_acronyms_in_block`]).
    acronyms_start_words: bool,
    /// Some acronym starts with an ASCII small letter ("eu-LISA"), so plain lower-case words
    /// may start one too (see [`Gazetteer::find_acronyms_in_block`]).
    acronyms_start_lower: bool,
    acronym_owner: FastMap<String, OrgId>,
    /// "EUROPOL", "GAVI": acronyms written as names ("Europol", "Gavi"), in capitals.
    shouted_owner: FastMap<String, OrgId>,
    pub well_known_terms: FastSet<String>,
    pub units: FastSet<String>,
}

impl std::fmt::Debug for Gazetteer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gazetteer")
            .field("orgs", &self.orgs.len())
            .field("acronyms", &self.acronym_owner.len())
            .finish_non_exhaustive()
    }
}

/// A gazetteer name found in a draft.
#[derive(Clone, Copy, Debug)]
pub struct NameHit {
    pub org: OrgId,
    pub form: Form,
    pub raw: TextRange,
    /// Token range in the stream.
    pub tokens: (usize, usize),
}

/// A gazetteer acronym found in a draft.
#[derive(Clone, Copy, Debug)]
pub struct AcronymHit {
    pub org: OrgId,
    pub raw: TextRange,
}

pub static BUILTIN: LazyLock<Arc<Gazetteer>> = LazyLock::new(|| {
    let file: GazetteerFile =
        toml::from_str(GAZETTEER_TOML).expect("data/gazetteer.toml is valid (tested)");
    let terms: Terms = toml::from_str(TERMS_TOML).expect("data/terms.toml is valid (tested)");
    Arc::new(Gazetteer::build(file.org, terms))
});

impl Gazetteer {
    pub fn builtin_entries() -> Vec<OrgEntry> {
        BUILTIN.orgs.clone()
    }

    pub fn builtin_terms() -> Terms {
        Terms {
            well_known: BUILTIN.well_known_terms.iter().cloned().collect(),
            units: BUILTIN.units.iter().cloned().collect(),
        }
    }

    /// Compiles entries. Later entries win when two claim the same normalized name or acronym
    /// (configuration entries come after the built-in ones).
    pub fn build(orgs: Vec<OrgEntry>, terms: Terms) -> Self {
        let mut exact: FastMap<String, (OrgId, Form)> = FastMap::default();
        let mut loose: FastMap<String, Option<OrgId>> = FastMap::default();
        let mut acronym_owner: FastMap<String, OrgId> = FastMap::default();
        let mut loose_keys_by_org: Vec<Vec<String>> = vec![Vec::new(); orgs.len()];
        for (id, org) in orgs.iter().enumerate() {
            let forms = std::iter::once((Form::Name, &org.name)).chain(
                org.aliases
                    .iter()
                    .enumerate()
                    .map(|(i, a)| (Form::Alias(i), a)),
            );
            for (form, written) in forms {
                let key = normalize::normalize_phrase(written);
                let loose_key = normalize::loose_key_of_phrase(&key, LOOSE_MIN_WORDS);
                if let Some(loose_key) = &loose_key {
                    loose_keys_by_org[id].push(loose_key.clone());
                }
                // "BRICS" or "OPEC+" are names and acronyms at once: found as acronyms.
                if org.acronyms.iter().any(|a| a == written) {
                    continue;
                }
                if key.is_empty() {
                    continue;
                }
                if let Some(loose_key) = loose_key {
                    loose
                        .entry(loose_key)
                        .and_modify(|owner| {
                            if *owner != Some(id) {
                                *owner = None;
                            }
                        })
                        .or_insert(Some(id));
                }
                exact.insert(key, (id, form));
            }
            for acronym in &org.acronyms {
                acronym_owner.insert(acronym.clone(), id);
            }
        }
        // Drop entries overridden by later ones so the automaton has one pattern per key.
        let mut name_keys: Vec<(&String, &(OrgId, Form))> = exact.iter().collect();
        name_keys.sort_by(|a, b| a.0.cmp(b.0));
        let names = Matcher::new(name_keys.iter().map(|(k, _)| k.as_str()));
        let names_start_with_and = name_keys
            .iter()
            .any(|(k, _)| k.split([' ', '/', '|']).next() == Some("and"));
        let name_patterns = name_keys.iter().map(|(_, v)| **v).collect();

        let mut acronym_list: Vec<(String, OrgId)> = Vec::new();
        for (acronym, &owner) in &acronym_owner {
            acronym_list.push((acronym.clone(), owner));
            // The data writes apostrophes plainly; drafts often use typographic ones.
            if acronym.contains('\'') {
                acronym_list.push((acronym.replace('\'', "’"), owner));
            }
        }
        acronym_list.sort();
        let shouted_owner = acronym_owner
            .iter()
            .filter(|(a, _)| a.chars().any(char::is_lowercase))
            .map(|(a, &id)| (a.to_uppercase(), id))
            .filter(|(a, _)| !acronym_owner.contains_key(a))
            .collect();
        let acronyms = Matcher::new(acronym_list.iter().map(|(a, _)| a.as_str()));
        let acronyms_start_words = acronym_list
            .iter()
            .all(|(a, _)| a.chars().next().is_none_or(is_word_char));
        let acronyms_start_lower = acronym_list
            .iter()
            .any(|(a, _)| a.as_bytes().first().is_some_and(u8::is_ascii_lowercase));
        let acronym_patterns = acronym_list.iter().map(|&(_, id)| id).collect();

        Self {
            orgs,
            names,
            names_start_with_and,
            name_patterns,
            exact,
            loose,
            loose_keys_by_org,
            acronyms,
            acronym_patterns,
            acronyms_start_words,
            acronyms_start_lower,
            acronym_owner,
            shouted_owner,
            well_known_terms: terms.well_known.into_iter().collect(),
            units: terms.units.into_iter().collect(),
        }
    }

    pub fn org(&self, id: OrgId) -> &OrgEntry {
        &self.orgs[id]
    }

    /// The accepted spelling of a form.
    pub fn form_text(&self, id: OrgId, form: Form) -> &str {
        let org = &self.orgs[id];
        match form {
            Form::Name => &org.name,
            Form::Alias(i) => &org.aliases[i],
        }
    }

    /// The organization whose name or alias has this normalized key.
    pub fn exact(&self, key: &str) -> Option<(OrgId, Form)> {
        self.exact.get(key).copied()
    }

    /// The organization whose name has this loose key, if exactly one has.
    pub fn loose(&self, loose_key: &str) -> Option<OrgId> {
        self.loose.get(loose_key).copied().flatten()
    }

    /// The loose keys of an organization's name and aliases (see [`normalize::loose_key`]).
    pub fn loose_keys(&self, id: OrgId) -> &[String] {
        &self.loose_keys_by_org[id]
    }

    /// The organization an acronym (case-sensitive) belongs to.
    pub fn acronym_owner(&self, acronym: &str) -> Option<OrgId> {
        self.acronym_owner
            .get(acronym)
            .or_else(|| self.shouted_owner.get(acronym))
            .copied()
    }

    /// Every name and alias in the stream, leftmost-longest, on word boundaries.
    pub fn find_names(&self, stream: &Stream) -> Vec<NameHit> {
        let accept = |start, end| stream.on_boundaries(start, end);
        let found = if self.names_start_with_and {
            self.names.find(&stream.text, stream.word_starts(), accept)
        } else {
            // Every word of the stream is a token but the "and" written for "&": when no name
            // starts with "and", the tokens' starts are all the places a name may start.
            self.names.find_at_tokens(stream)
        };
        found
            .into_iter()
            .filter_map(|(start, end, pattern)| {
                let (first, last, raw) = stream.raw_range(start, end)?;
                let (org, form) = self.name_patterns[pattern];
                Some(NameHit {
                    org,
                    form,
                    raw,
                    tokens: (first, last),
                })
            })
            .collect()
    }

    /// Every acronym of `text[span]`, case-sensitive, leftmost-longest, on word boundaries.
    pub fn find_acronyms(&self, text: &str, span: TextRange, out: &mut Vec<AcronymHit>) {
        let haystack = span.slice(text);
        let starts = AcronymStarts {
            haystack,
            matcher: &self.acronyms,
            at: 0,
        };
        let found = self.acronyms.find(haystack, starts, |start, end| {
            on_word_boundaries(haystack, start, end)
        });
        out.extend(found.into_iter().map(|(start, end, pattern)| AcronymHit {
            org: self.acronym_patterns[pattern],
            raw: TextRange::new(span.start + start, span.start + end),
        }));
    }
}

impl Gazetteer {
    /// [`Gazetteer::find_acronyms`] for a block whose words (`words(text, span)`) are `tokens`:
    /// where an acronym may start is read from the words instead of every byte. `notable`:
    /// the indices of the tokens that are not plain lower-case words (see
    /// [`normalize::notable_tokens`]); when no acronym starts with a small letter, the others
    /// start none and hold no part that could, so only these are read.
    pub fn find_acronyms_in_block(
        &self,
        text: &str,
        span: TextRange,
        tokens: &[Token],
        notable: &[u32],
        out: &mut Vec<AcronymHit>,
    ) {
        if !self.acronyms_start_words {
            return self.find_acronyms(text, span, out);
        }
        if self.acronyms_start_lower {
            self.find_acronyms_at_tokens(text, span, tokens.iter(), out);
        } else {
            let notable = notable.iter().map(|&i| &tokens[i as usize]);
            self.find_acronyms_at_tokens(text, span, notable, out);
        }
    }

    fn find_acronyms_at_tokens<'t>(
        &self,
        text: &str,
        span: TextRange,
        tokens: impl Iterator<Item = &'t Token>,
        out: &mut Vec<AcronymHit>,
    ) {
        let haystack = span.slice(text);
        let bytes = haystack.as_bytes();
        let accept = |start, end| on_word_boundaries(haystack, start, end);
        let mut found = Vec::new();
        let mut at = 0;
        for token in tokens {
            let word = token.word();
            let start = word.start - span.start;
            // Most words start with a lower-case letter, which starts no acronym.
            if self.acronyms.may_start(bytes[start]) {
                self.acronyms
                    .match_at(bytes, start, &mut at, &accept, &mut found);
            }
            if token.has(Token::PLAIN) {
                continue;
            }
            // Inside words joined by hyphens or apostrophes, the start of each part ("UN" and
            // "Habitat" in "UN-Habitat").
            let mut after_other = false;
            for (i, c) in word.slice(text).char_indices() {
                let is_word = is_word_char(c);
                if is_word && after_other {
                    self.acronyms
                        .match_at(bytes, start + i, &mut at, &accept, &mut found);
                }
                after_other = !is_word;
            }
        }
        out.extend(found.into_iter().map(|(start, end, pattern)| AcronymHit {
            org: self.acronym_patterns[pattern],
            raw: TextRange::new(span.start + start, span.start + end),
        }));
    }
}

/// Where an acronym may start in `haystack`: a byte some acronym starts with (so a character
/// boundary), not glued to a word character before it when it is one itself.
struct AcronymStarts<'h> {
    haystack: &'h str,
    matcher: &'h Matcher,
    at: usize,
}

impl Iterator for AcronymStarts<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        let bytes = self.haystack.as_bytes();
        while self.at < bytes.len() {
            let i = self.at;
            self.at += 1;
            // Most bytes are lower-case letters and spaces, which start no acronym.
            if !self.matcher.may_start(bytes[i]) {
                continue;
            }
            let Some(before) = self.haystack[..i].chars().next_back() else {
                return Some(i);
            };
            let first = self.haystack[i..]
                .chars()
                .next()
                .expect("a character starts here");
            if !(is_word_char(before) && is_word_char(first)) {
                return Some(i);
            }
        }
        None
    }
}

/// Leftmost-longest matching that only accepts matches a predicate approves (word boundaries),
/// without letting a rejected match hide a valid one: "Tuning" contains "UN", and a longest
/// match that ends inside a word may hide a shorter one that does not.
///
/// An acceptable match can only start where a word starts, so instead of scanning every byte
/// for every pattern, the caller names the positions where one may start and the automaton is
/// only run anchored there, for as long as some pattern can still match: most words end the
/// walk within a few bytes. The result is the same as an unanchored leftmost-longest search
/// that skips rejected matches (the reference in the tests). An anchored-only automaton also
/// builds much faster, which is most of sherpa's start-up.
pub struct Matcher {
    automaton: AnchoredAutomaton,
    /// The bytes some pattern starts with.
    first_bytes: [bool; 256],
    /// The first `prefix_len` bytes of every pattern, hashed into a bit set: most words that
    /// start like some pattern ("the", "in") still differ from all of them in their first three
    /// bytes, and are passed over without walking the automaton.
    prefixes: BitFilter<PREFIX_WORDS>,
    /// The shortest pattern's length, at most 3.
    prefix_len: usize,
    /// The first word of every pattern (up to a space, a slash or a bar), hashed with its
    /// length into a bit set: a match on token boundaries in a [`Stream`] starts with a whole
    /// token equal to that word, which rules out most tokens before the automaton is walked.
    first_words: BitFilter<PREFIX_WORDS>,
    /// The first words of the patterns that the first word alone may start: one word long, or
    /// followed by "and" (which the stream writes for "&" without a token of its own).
    single_words: BitFilter<PREFIX_WORDS>,
    /// The first two words of every other pattern, as [`first_pair_bit`]: its second word is
    /// then the next token ("United" alone starts no name; "United Nations" does).
    first_pairs: BitFilter<PREFIX_WORDS>,
    /// For the reference search in the tests.
    #[cfg(test)]
    patterns: Vec<String>,
}

const PREFIX_BITS: usize = 1 << 16;
const PREFIX_WORDS: usize = PREFIX_BITS / 64;

/// The bit of [`Matcher::prefixes`] for up to three bytes.
#[inline]
fn prefix_bit(prefix: &[u8]) -> usize {
    let value = prefix
        .iter()
        .fold(0u32, |value, &b| (value << 8) | u32::from(b));
    (value.wrapping_mul(0x9E37_79B1) >> 16) as usize % PREFIX_BITS
}

/// The bit of [`Matcher::first_words`] for a word of `len` bytes whose first four bytes
/// (zero where the word is shorter) are `head`, little-endian.
#[inline]
fn first_word_bit(head: u32, len: usize) -> usize {
    let value = u64::from(head) | ((len.min(255) as u64) << 32);
    (value.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 48) as usize % PREFIX_BITS
}

/// The bit of [`Matcher::first_pairs`] for a word followed by another (each as in
/// [`first_word_bit`]).
#[inline]
fn first_pair_bit(head: u32, len: usize, next_head: u32, next_len: usize) -> usize {
    let first = u64::from(head) | ((len.min(255) as u64) << 32);
    let second = u64::from(next_head) | ((next_len.min(255) as u64) << 32);
    let value = first.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ second;
    (value.wrapping_mul(0xC2B2_AE3D_27D4_EB4F) >> 48) as usize % PREFIX_BITS
}

/// A bit set of hashed keys, `WORDS` × 64 bits: a clear bit says "certainly not" before any
/// lookup, which is what most words of a draft get.
pub(crate) struct BitFilter<const WORDS: usize>(Box<[u64; WORDS]>);

impl<const WORDS: usize> BitFilter<WORDS> {
    pub(crate) fn new() -> Self {
        Self(Box::new([0; WORDS]))
    }

    /// `bit` is below `WORDS * 64`.
    #[inline]
    pub(crate) fn insert(&mut self, bit: usize) {
        self.0[bit / 64] |= 1 << (bit % 64);
    }

    #[inline]
    pub(crate) fn contains(&self, bit: usize) -> bool {
        self.0[bit / 64] & (1 << (bit % 64)) != 0
    }
}

/// A contiguous NFA: quick to build, and for anchored walks of a few bytes about as fast as a
/// DFA.
type AnchoredAutomaton = aho_corasick::nfa::contiguous::NFA;

impl Matcher {
    /// Empty patterns are left out: they would match everywhere and find nothing.
    pub fn new<'a>(patterns: impl Iterator<Item = &'a str> + Clone) -> Self {
        let mut first_bytes = [false; 256];
        for pattern in patterns.clone() {
            if let Some(&b) = pattern.as_bytes().first() {
                first_bytes[usize::from(b)] = true;
            }
        }
        let prefix_len = patterns
            .clone()
            .filter(|p| !p.is_empty())
            .map(str::len)
            .min()
            .unwrap_or(1)
            .min(3);
        let mut prefixes = BitFilter::new();
        for pattern in patterns.clone().filter(|p| !p.is_empty()) {
            let bit = prefix_bit(&pattern.as_bytes()[..prefix_len]);
            prefixes.insert(bit);
        }
        let mut first_words = BitFilter::new();
        let mut single_words = BitFilter::new();
        let mut first_pairs = BitFilter::new();
        for pattern in patterns.clone().filter(|p| !p.is_empty()) {
            let mut words = pattern.split([' ', '/', '|']);
            let word = words.next().unwrap_or(pattern);
            let head = normalize::head(word.as_bytes());
            let bit = first_word_bit(head, word.len());
            first_words.insert(bit);
            match words.next() {
                Some(next) if !next.is_empty() && next != "and" => {
                    let bit = first_pair_bit(
                        head,
                        word.len(),
                        normalize::head(next.as_bytes()),
                        next.len(),
                    );
                    first_pairs.insert(bit);
                }
                _ => single_words.insert(bit),
            }
        }
        // Pattern IDs are positions in `patterns`; an empty pattern keeps its place but can
        // never be reached (no walk reports a match before its first byte).
        let automaton = aho_corasick::nfa::contiguous::Builder::new()
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(patterns.clone())
            .expect("patterns build an automaton");
        Self {
            #[cfg(test)]
            patterns: patterns.map(String::from).collect(),
            automaton,
            first_bytes,
            prefixes,
            prefix_len,
            first_words,
            single_words,
            first_pairs,
        }
    }

    /// Whether a pattern may start at `start`: false only when none can.
    #[inline]
    fn may_match_at(&self, haystack: &[u8], start: usize) -> bool {
        match haystack.get(start..start + self.prefix_len) {
            Some(prefix) => {
                let bit = prefix_bit(prefix);
                self.prefixes.contains(bit)
            }
            // Too close to the end for the filter; the automaton decides.
            None => true,
        }
    }

    /// Whether some pattern starts with this byte.
    #[inline]
    pub fn may_start(&self, byte: u8) -> bool {
        self.first_bytes[usize::from(byte)]
    }

    /// The longest match starting exactly at `start` that `accept` approves: (end, pattern).
    /// Among equal patterns, the lowest pattern ID.
    #[inline]
    pub fn longest_at(
        &self,
        haystack: &[u8],
        start: usize,
        accept: impl Fn(usize, usize) -> bool,
    ) -> Option<(usize, usize)> {
        let aut = &self.automaton;
        let mut sid = aut
            .start_state(Anchored::Yes)
            .expect("NFAs support anchored searches");
        let mut best = None;
        for (at, &byte) in haystack.iter().enumerate().skip(start) {
            sid = aut.next_state(Anchored::Yes, sid, byte);
            if !aut.is_special(sid) {
                continue;
            }
            if aut.is_dead(sid) {
                break;
            }
            if aut.is_match(sid) {
                let end = at + 1;
                // A standard automaton also reports patterns that end here but start later
                // (suffixes of the walked text): only those starting at `start` count.
                let found = (0..aut.match_len(sid))
                    .map(|i| aut.match_pattern(sid, i))
                    .filter(|&pid| aut.pattern_len(pid) == end - start)
                    .min();
                if let Some(pid) = found
                    && accept(start, end)
                {
                    best = Some((end, pid.as_usize()));
                }
            }
        }
        best
    }

    /// [`Matcher::find`] in a stream's text, for matches on token boundaries
    /// ([`Stream::on_boundaries`]) starting at a token: only tokens equal to some pattern's
    /// first word, and followed by its second word when it has one, are walked from.
    pub fn find_at_tokens(&self, stream: &Stream) -> Vec<(usize, usize, usize)> {
        let bytes = stream.text.as_bytes();
        let accept = |start, end| stream.on_boundaries(start, end);
        let mut out = Vec::new();
        let mut at = 0;
        let tokens = &stream.tokens;
        for (i, token) in tokens.iter().enumerate() {
            let (start, end) = (token.start as usize, token.end as usize);
            let bit = first_word_bit(token.head, end - start);
            if !self.first_words.contains(bit) {
                continue;
            }
            // A match of two words or more runs on into the next token, written right after
            // this one's separator (unless it is an "and" written for "&", which the patterns
            // starting with a word and "and" are in `single_words` for).
            let starts_here = self.single_words.contains(bit)
                || tokens.get(i + 1).is_some_and(|next| {
                    let len = (next.end - next.start) as usize;
                    self.first_pairs.contains(first_pair_bit(
                        token.head,
                        end - start,
                        next.head,
                        len,
                    ))
                });
            if starts_here {
                self.match_at(bytes, start, &mut at, &accept, &mut out);
            }
        }
        out
    }

    /// One step of [`Matcher::find`]: the longest acceptable match at `start`, if it may begin
    /// there and does not overlap the last one found (which ended at `at`).
    #[inline(always)]
    fn match_at(
        &self,
        bytes: &[u8],
        start: usize,
        at: &mut usize,
        accept: &impl Fn(usize, usize) -> bool,
        out: &mut Vec<(usize, usize, usize)>,
    ) {
        if start < *at
            || start >= bytes.len()
            || !self.may_start(bytes[start])
            || !self.may_match_at(bytes, start)
        {
            return;
        }
        if let Some((end, pattern)) = self.longest_at(bytes, start, accept) {
            out.push((start, end, pattern));
            *at = end;
        }
    }

    /// Non-overlapping (start, end, pattern) matches, leftmost first, longest acceptable at
    /// each start. `starts` must yield, in increasing order, every position where `accept` may
    /// approve a match (it may yield more).
    pub fn find(
        &self,
        haystack: &str,
        starts: impl Iterator<Item = usize>,
        accept: impl Fn(usize, usize) -> bool,
    ) -> Vec<(usize, usize, usize)> {
        let bytes = haystack.as_bytes();
        let mut out = Vec::new();
        let mut at = 0;
        for start in starts {
            self.match_at(bytes, start, &mut at, &accept, &mut out);
        }
        out
    }
}

/// Up to this many patterns, [`find_few`] searches each with `memmem`.
const MEMMEM_PATTERNS: usize = 16;

/// [`Matcher::find`] for the names a draft defines (`starts` as there). A handful of patterns
/// are each searched with `memmem` (cheaper than building an automaton per draft): every
/// acceptable occurrence is kept, and the leftmost-longest ones that do not overlap win.
pub fn find_few(
    haystack: &str,
    patterns: &[&str],
    starts: impl Iterator<Item = usize>,
    accept: impl Fn(usize, usize) -> bool,
) -> Vec<(usize, usize, usize)> {
    find_few_with(
        haystack,
        patterns,
        few_matcher(patterns).as_ref(),
        starts,
        accept,
    )
}

/// The automaton [`find_few`] searches `patterns` with, if it needs one: built once, it
/// searches any number of haystacks with [`find_few_with`].
pub fn few_matcher(patterns: &[&str]) -> Option<Matcher> {
    // A long draft can teach hundreds of names: one pass per name would make the search
    // quadratic, and an unanchored automaton walks every byte of the draft.
    (patterns.len() > MEMMEM_PATTERNS).then(|| Matcher::new(patterns.iter().copied()))
}

/// [`find_few`] with `matcher`, the [`few_matcher`] of `patterns`, built beforehand.
pub fn find_few_with(
    haystack: &str,
    patterns: &[&str],
    matcher: Option<&Matcher>,
    starts: impl Iterator<Item = usize>,
    accept: impl Fn(usize, usize) -> bool,
) -> Vec<(usize, usize, usize)> {
    if let Some(matcher) = matcher {
        return matcher.find(haystack, starts, accept);
    }
    let mut found = occurrences_by_memmem(haystack, patterns, &accept);
    found.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut cursor = 0;
    found.retain(|&(start, end, _)| {
        if start < cursor {
            return false;
        }
        cursor = end;
        true
    });
    found
}

/// The phrases a draft searches its words for (the names it teaches, its defined terms), for
/// matches on token boundaries of a [`Stream`], as [`find_few`] finds them: a handful each with
/// `memmem`; more as [`Matcher::find`] would (the longest acceptable match at each word start,
/// leftmost first, not overlapping), without building an automaton for each draft. Such a match
/// starts with a whole word equal to the phrase's first word, so the word at each token is
/// looked up (a bit set, then a map) and only the phrases starting with it are compared.
pub struct PhraseMatcher {
    patterns: Vec<Box<str>>,
    /// [`first_word_bit`] of every pattern's first word, folded to [`PHRASE_BITS`].
    first_words: BitFilter<{ PHRASE_BITS / 64 }>,
    /// First word → the patterns starting with it, longest first, then in list order.
    by_first_word: FastMap<Box<[u8]>, Vec<usize>>,
}

const PHRASE_BITS: usize = 1 << 14;

impl PhraseMatcher {
    /// Empty patterns are left out: they would match everywhere and find nothing.
    pub fn new(patterns: &[&str]) -> Self {
        let mut first_words = BitFilter::new();
        let mut by_first_word: FastMap<Box<[u8]>, Vec<usize>> = FastMap::default();
        // A handful are searched with `memmem` (see `find`).
        let indexed = if patterns.len() > MEMMEM_PATTERNS {
            patterns
        } else {
            &[]
        };
        for (index, pattern) in indexed.iter().enumerate() {
            if pattern.is_empty() {
                continue;
            }
            let word = pattern.split([' ', '/', '|']).next().unwrap_or(pattern);
            let bit = first_word_bit(normalize::head(word.as_bytes()), word.len()) % PHRASE_BITS;
            first_words.insert(bit);
            by_first_word
                .entry(word.as_bytes().into())
                .or_default()
                .push(index);
        }
        for candidates in by_first_word.values_mut() {
            candidates.sort_by_key(|&index| std::cmp::Reverse(patterns[index].len()));
        }
        Self {
            patterns: patterns.iter().map(|&p| p.into()).collect(),
            first_words,
            by_first_word,
        }
    }

    /// Non-overlapping (start, end, pattern) matches in `stream`'s text that `accept` approves
    /// (it must approve only matches on token boundaries).
    pub fn find(
        &self,
        stream: &Stream,
        accept: impl Fn(usize, usize) -> bool,
    ) -> Vec<(usize, usize, usize)> {
        if self.patterns.len() <= MEMMEM_PATTERNS {
            let patterns: Vec<&str> = self.patterns.iter().map(|p| &**p).collect();
            return find_few_with(&stream.text, &patterns, None, std::iter::empty(), accept);
        }
        let bytes = stream.text.as_bytes();
        let tokens = &stream.tokens;
        let mut out = Vec::new();
        let mut at = 0;
        let first = tokens.first().map_or(bytes.len(), |t| t.start as usize);
        for (start, len) in stream.gap_word_starts(0, first) {
            self.match_at(bytes, start, len, &accept, &mut at, &mut out);
        }
        for (i, token) in tokens.iter().enumerate() {
            let (start, end) = (token.start as usize, token.end as usize);
            // Most tokens start no phrase: told by one bit.
            let bit = first_word_bit(token.head, end - start) % PHRASE_BITS;
            if self.first_words.contains(bit) {
                self.match_at(bytes, start, end - start, &accept, &mut at, &mut out);
            }
            let next = tokens.get(i + 1).map_or(bytes.len(), |t| t.start as usize);
            if next > end + 1 {
                for (start, len) in stream.gap_word_starts(end + 1, next) {
                    self.match_at(bytes, start, len, &accept, &mut at, &mut out);
                }
            }
        }
        out
    }

    /// The longest phrase written at `start` (where a word of `len` bytes starts) that `accept`
    /// approves, if it does not overlap the last one found (which ended at `at`).
    fn match_at(
        &self,
        bytes: &[u8],
        start: usize,
        len: usize,
        accept: &impl Fn(usize, usize) -> bool,
        at: &mut usize,
        out: &mut Vec<(usize, usize, usize)>,
    ) {
        if start < *at {
            return;
        }
        let Some(candidates) = self.by_first_word.get(&bytes[start..start + len]) else {
            return;
        };
        let found = candidates.iter().find_map(|&index| {
            let end = start + self.patterns[index].len();
            (bytes[start..].starts_with(self.patterns[index].as_bytes()) && accept(start, end))
                .then_some((start, end, index))
        });
        if let Some(found) = found {
            *at = found.1;
            out.push(found);
        }
    }
}

/// Every acceptable occurrence of each pattern, as `memmem` finds them (per pattern, left to
/// right, not overlapping each other).
fn occurrences_by_memmem(
    haystack: &str,
    patterns: &[&str],
    accept: &impl Fn(usize, usize) -> bool,
) -> Vec<(usize, usize, usize)> {
    let mut found = Vec::new();
    for (index, pattern) in patterns.iter().enumerate() {
        if pattern.is_empty() {
            continue;
        }
        for start in memchr::memmem::find_iter(haystack.as_bytes(), pattern.as_bytes()) {
            let end = start + pattern.len();
            if accept(start, end) {
                found.push((start, end, index));
            }
        }
    }
    found
}

fn on_word_boundaries(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let first = text[start..end].chars().next();
    let last = text[start..end].chars().next_back();
    let clear = |outside: Option<char>, inside: Option<char>| match (outside, inside) {
        (Some(o), Some(i)) => !(is_word_char(o) && is_word_char(i)),
        _ => true,
    };
    clear(before, first) && clear(after, last)
}

#[cfg(test)]
mod tests {
    #[test]
    fn many_learned_names_are_found_as_one_by_one_searches_find_them() {
        let haystack = "a a a | alpha beta | beta gamma | alpha beta gamma | x y x y x | delta";
        let mut patterns: Vec<String> = (0..30).map(|i| format!("name{i}")).collect();
        patterns.extend(
            ["a a", "alpha beta", "beta gamma", "x y x", "delta", "gamma"].map(String::from),
        );
        patterns.push(String::new());
        let patterns: Vec<&str> = patterns.iter().map(String::as_str).collect();
        let accept = |start: usize, _end: usize| start != 2;
        let starts = || 0..haystack.len();
        let by_automaton = super::find_few(haystack, &patterns, starts(), accept);
        assert!(by_automaton.len() > 5, "{by_automaton:?}");
        assert_eq!(
            by_automaton,
            super::find_few(haystack, &patterns[30..], starts(), accept)
                .into_iter()
                .map(|(s, e, i)| (s, e, i + 30))
                .collect::<Vec<_>>()
        );
    }

    use super::*;

    fn stream(text: &str) -> Stream {
        let mut stream = Stream::default();
        stream.push_block(text, TextRange::new(0, text.len()));
        stream
    }

    #[test]
    fn the_data_files_parse_and_hold_enough_organizations() {
        assert!(BUILTIN.orgs.len() >= 300, "{}", BUILTIN.orgs.len());
        assert!(BUILTIN.well_known_terms.contains("COVID-19"));
    }

    #[test]
    fn names_are_unique_after_normalization_and_acronyms_have_one_owner() {
        let file: GazetteerFile = toml::from_str(GAZETTEER_TOML).unwrap();
        let mut keys = std::collections::HashMap::new();
        let mut acronyms = std::collections::HashMap::new();
        for org in &file.org {
            for written in std::iter::once(&org.name).chain(&org.aliases) {
                if org.acronyms.contains(written) {
                    continue;
                }
                let key = normalize::normalize_phrase(written);
                if let Some(previous) = keys.insert(key.clone(), &org.name) {
                    panic!("{written:?} ({key}) is also a form of {previous:?}");
                }
            }
            for acronym in &org.acronyms {
                if let Some(previous) = acronyms.insert(acronym.clone(), &org.name) {
                    panic!("{acronym} belongs to {previous:?} and {:?}", org.name);
                }
            }
            for ambiguous in &org.ambiguous {
                assert!(
                    org.acronyms.contains(ambiguous),
                    "{}: ambiguous {ambiguous} is not one of its acronyms",
                    org.name
                );
            }
        }
    }

    #[test]
    fn loose_keys_of_different_organizations_do_not_collide() {
        let collisions: Vec<_> = BUILTIN
            .loose
            .iter()
            .filter(|(_, owner)| owner.is_none())
            .map(|(k, _)| k.clone())
            .collect();
        assert!(collisions.is_empty(), "{collisions:?}");
    }

    #[test]
    fn names_match_case_and_spelling_variants_on_word_boundaries() {
        let text = "The World Health Organisation and the WORLD TRADE ORGANIZATION and \
                    the Economic and Social Council met; noneuropean union.";
        let hits = BUILTIN.find_names(&stream(text));
        let found: Vec<(&str, &str)> = hits
            .iter()
            .map(|h| (h.raw.slice(text), BUILTIN.org(h.org).name.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("World Health Organisation", "World Health Organization"),
                ("WORLD TRADE ORGANIZATION", "World Trade Organization"),
                ("Economic and Social Council", "Economic and Social Council"),
            ]
        );
    }

    #[test]
    fn longest_name_wins_and_a_rejected_match_hides_nothing() {
        let text = "the United Nations Security Council and the United Nations.";
        let hits = BUILTIN.find_names(&stream(text));
        let found: Vec<&str> = hits.iter().map(|h| h.raw.slice(text)).collect();
        assert_eq!(found, ["United Nations Security Council", "United Nations"]);
    }

    #[test]
    fn acronyms_are_case_sensitive_and_need_word_boundaries() {
        let text = "Tuning the UN, NATO’s UN-Habitat, Un and UN80 with OPEC+ and ASEAN+3.";
        let mut hits = Vec::new();
        BUILTIN.find_acronyms(text, TextRange::new(0, text.len()), &mut hits);
        let found: Vec<&str> = hits.iter().map(|h| h.raw.slice(text)).collect();
        assert_eq!(found, ["UN", "NATO", "UN-Habitat", "OPEC+", "ASEAN+3"]);
    }

    #[test]
    fn cyrillic_acronyms_are_found() {
        let text = "в рамках ОДКБ и СНГ";
        let mut hits = Vec::new();
        BUILTIN.find_acronyms(text, TextRange::new(0, text.len()), &mut hits);
        let owners: Vec<&str> = hits
            .iter()
            .map(|h| BUILTIN.org(h.org).name.as_str())
            .collect();
        assert_eq!(
            owners,
            [
                "Collective Security Treaty Organization",
                "Commonwealth of Independent States"
            ]
        );
    }
}

/// The unanchored search the anchored [`Matcher`] replaced, kept to prove they agree.
#[cfg(test)]
mod reference {
    use aho_corasick::{AhoCorasick, Input, MatchKind};

    /// Leftmost-longest over every byte; when the match found is rejected, the longest
    /// acceptable match at the same start, else a search again one character further.
    pub fn find(
        patterns: &[String],
        haystack: &str,
        accept: impl Fn(usize, usize) -> bool,
    ) -> Vec<(usize, usize, usize)> {
        let build = |kind| {
            AhoCorasick::builder()
                .match_kind(kind)
                .build(patterns)
                .unwrap()
        };
        let leftmost = build(MatchKind::LeftmostLongest);
        let overlapping = build(MatchKind::Standard);
        let longest = patterns.iter().map(String::len).max().unwrap_or(0);
        let mut out = Vec::new();
        let mut at = 0;
        while at < haystack.len() {
            let Some(m) = leftmost.find(Input::new(haystack).span(at..haystack.len())) else {
                break;
            };
            if accept(m.start(), m.end()) {
                out.push((m.start(), m.end(), m.pattern().as_usize()));
                at = m.end();
                continue;
            }
            let window_end = (m.start() + longest).min(haystack.len());
            let fallback = overlapping
                .find_overlapping_iter(Input::new(haystack).span(m.start()..window_end))
                .filter(|c| c.start() == m.start() && accept(c.start(), c.end()))
                .max_by_key(|c| c.end());
            match fallback {
                Some(c) => {
                    out.push((c.start(), c.end(), c.pattern().as_usize()));
                    at = c.end();
                }
                None => {
                    at = m.start()
                        + haystack[m.start()..]
                            .chars()
                            .next()
                            .map_or(1, char::len_utf8);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod anchored_equals_reference {
    use proptest::prelude::*;

    use super::*;

    fn stream(text: &str) -> Stream {
        let mut stream = Stream::default();
        for block in text.split("\n\n") {
            let start = block.as_ptr() as usize - text.as_ptr() as usize;
            stream.push_block(text, TextRange::new(start, start + block.len()));
        }
        stream
    }

    /// Both searches over a draft: names in its stream, acronyms in each block and in the
    /// whole text.
    fn assert_same(g: &Gazetteer, text: &str) {
        let stream = stream(text);
        let names: Vec<_> = g
            .find_names(&stream)
            .iter()
            .map(|h| (h.org, h.form, h.raw, h.tokens))
            .collect();
        let expected: Vec<_> = reference::find(&g.names.patterns, &stream.text, |s, e| {
            stream.on_boundaries(s, e)
        })
        .into_iter()
        .filter_map(|(start, end, pattern)| {
            let (first, last, raw) = stream.raw_range(start, end)?;
            let (org, form) = g.name_patterns[pattern];
            Some((org, form, raw, (first, last)))
        })
        .collect();
        assert_eq!(names, expected, "names in {:?}", stream.text);
        // Phrases a draft teaches, looked up by their first words: some of the names (every
        // third, so that a longer name is often missing where a shorter one starts) and a few
        // of one word, or starting with "and".
        let mut phrases: Vec<String> = g.names.patterns.iter().step_by(3).cloned().collect();
        phrases.extend(["nations", "and development", "health", "u s"].map(String::from));
        phrases.sort();
        phrases.dedup();
        let as_str: Vec<&str> = phrases.iter().map(String::as_str).collect();
        let on_boundaries = |s, e| stream.on_boundaries(s, e);
        assert_eq!(
            PhraseMatcher::new(&as_str).find(&stream, on_boundaries),
            reference::find(&phrases, &stream.text, on_boundaries),
            "phrases in {:?}",
            stream.text
        );
        let mut spans: Vec<TextRange> = Vec::new();
        for block in text.split("\n\n") {
            let start = block.as_ptr() as usize - text.as_ptr() as usize;
            spans.push(TextRange::new(start, start + block.len()));
        }
        spans.push(TextRange::new(0, text.len()));
        for (index, &span) in spans.iter().enumerate() {
            let mut hits = Vec::new();
            g.find_acronyms(text, span, &mut hits);
            if let Some(tokens) = stream.blocks.get(index) {
                let mut from_words = Vec::new();
                let tokens = &stream.tokens[tokens.clone()];
                g.find_acronyms_in_block(
                    text,
                    span,
                    tokens,
                    &normalize::notable_tokens(tokens),
                    &mut from_words,
                );
                let key = |h: &AcronymHit| (h.raw, h.org);
                assert_eq!(
                    from_words.iter().map(key).collect::<Vec<_>>(),
                    hits.iter().map(key).collect::<Vec<_>>(),
                    "acronyms from words in {:?}",
                    span.slice(text)
                );
            }
            let found: Vec<(usize, usize, OrgId)> = hits
                .iter()
                .map(|h| (h.raw.start - span.start, h.raw.end - span.start, h.org))
                .collect();
            let haystack = span.slice(text);
            let expected: Vec<(usize, usize, OrgId)> =
                reference::find(&g.acronyms.patterns, haystack, |s, e| {
                    on_word_boundaries(haystack, s, e)
                })
                .into_iter()
                .map(|(s, e, p)| (s, e, g.acronym_patterns[p]))
                .collect();
            assert_eq!(found, expected, "acronyms in {haystack:?}");
        }
    }

    #[test]
    fn on_the_corpus() {
        let Some(dir) = crate::test_corpus_dir() else {
            return;
        };
        let mut checked = 0;
        for entry in crate::config::draft_walker(&dir).flatten() {
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                assert_same(&BUILTIN, &text);
                checked += 1;
            }
        }
        assert!(checked > 100, "{checked} drafts");
    }

    /// Pieces of names and acronyms, near misses and glue, so that matches overlap, nest, end
    /// inside words and start after punctuation.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(BUILTIN.names.patterns.clone()),
            prop::sample::select(BUILTIN.acronyms.patterns.clone()),
            prop::sample::select(vec![
                "United",
                "Nations",
                "Nation",
                "nations",
                "World",
                "Health",
                "Organisation",
                "Bank",
                "Group",
                "the",
                "of",
                "and",
                "&",
                "U.S.",
                "EU-U.S.",
                "UN",
                "Un",
                "UNDP",
                "OPEC",
                "ASEAN",
                "G7",
                "G20",
                "Tuning",
                "NATO’s",
                "Da’esh",
                "ОДКБ",
                "СНГ",
                "Programme",
                "Co-operation",
                "Africa",
                "CDC",
                "Women",
                "ACT-A",
                "3SI",
            ])
            .prop_map(String::from),
            "[a-zA-Z0-9]{1,3}",
        ]
    }

    fn glue() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            " ", " ", " ", " ", "  ", ", ", "-", "/", ". ", "’", "'", "", "(", ") ", " & ", "\n\n",
            "\n", "+", "x", "é",
        ])
    }

    fn draft() -> impl Strategy<Value = String> {
        prop::collection::vec((piece(), glue(), any::<u8>()), 1..40).prop_map(|parts| {
            let mut text = String::new();
            for (piece, glue, case) in parts {
                // Names are matched whatever their case; acronyms only as written.
                let piece = match case % 4 {
                    0 => piece.to_uppercase(),
                    1 => piece.to_lowercase(),
                    _ => piece,
                };
                text.push_str(&piece);
                text.push_str(glue);
            }
            text
        })
    }

    /// A gazetteer where a name starts with "and", so that the "and" written for "&" may
    /// start a match.
    static WITH_AND: LazyLock<Gazetteer> = LazyLock::new(|| {
        let org = |name: &str, acronym: &str| OrgEntry {
            name: name.into(),
            acronyms: vec![acronym.into()],
            ..OrgEntry::default()
        };
        Gazetteer::build(
            vec![
                org("And Partners Forum", "APF"),
                org("Trade and Development Board", "TDB"),
                org("Development Board", "DB"),
                // "Aid & Development Board": the "and" of "&" starts "and development",
                // which hides "Development Board" (and is no token, so no name is found).
                org("And Development", "AD"),
            ],
            Terms::default(),
        )
    });

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn on_generated_drafts(text in draft()) {
            assert_same(&BUILTIN, &text);
        }

        #[test]
        fn with_names_starting_with_and(
            parts in prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "And", "and", "Partners", "Forum", "Trade", "Development", "Board", "APF",
                        "Aid",
                    ]),
                    prop::sample::select(vec![" ", " & ", ", ", "-", "/", ". ", "&"]),
                ),
                1..20,
            )
        ) {
            let text: String = parts.iter().flat_map(|(w, g)| [*w, *g]).collect();
            prop_assert!(WITH_AND.names_start_with_and);
            assert_same(&WITH_AND, &text);
        }

        /// Few patterns over a tiny alphabet, every position a candidate start: the anchored
        /// search and the reference agree for any acceptance rule.
        #[test]
        fn on_tiny_alphabets(
            patterns in prop::collection::vec("[ab ]{1,6}", 1..6),
            haystack in "[ab ]{0,30}",
            rule in 0u8..3,
        ) {
            let matcher = Matcher::new(patterns.iter().map(String::as_str));
            let bytes = haystack.as_bytes();
            let accept = |s: usize, e: usize| match rule {
                0 => true,
                1 => (s == 0 || bytes[s - 1] == b' ') && (e == bytes.len() || bytes[e] == b' '),
                _ => (e - s) % 2 == 1,
            };
            let found = matcher.find(&haystack, 0..haystack.len(), accept);
            let expected = reference::find(&patterns, &haystack, accept);
            // Equal patterns may be told apart differently; what matched where may not.
            let spans = |v: &[(usize, usize, usize)]| -> Vec<(usize, usize, String)> {
                v.iter().map(|&(s, e, p)| (s, e, patterns[p].clone())).collect()
            };
            prop_assert_eq!(spans(&found), spans(&expected));
        }
    }
}
