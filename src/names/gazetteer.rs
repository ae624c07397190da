//! The gazetteer: organizations sherpa knows (`data/gazetteer.toml`, embedded), the
//! abbreviations a communiqué may use unexplained (`data/terms.toml`), and the automata that find
//! them in a draft. Built once per process (or once per configuration that adds entries).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock};

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};
use serde::Deserialize;

use super::normalize::{self, Stream};
use crate::diagnostic::TextRange;
use crate::text::is_word_char;

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
    name_patterns: Vec<(OrgId, Form)>,
    exact: HashMap<String, (OrgId, Form)>,
    /// Loose key → organization; `None` when two organizations share it.
    loose: HashMap<String, Option<OrgId>>,
    /// Acronyms exactly as written (case-sensitive), searched in the draft itself.
    acronyms: Matcher,
    acronym_patterns: Vec<OrgId>,
    acronym_owner: HashMap<String, OrgId>,
    /// "EUROPOL", "GAVI": acronyms written as names ("Europol", "Gavi"), in capitals.
    shouted_owner: HashMap<String, OrgId>,
    pub well_known_terms: HashSet<String>,
    pub units: HashSet<String>,
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
        let mut exact: HashMap<String, (OrgId, Form)> = HashMap::new();
        let mut loose: HashMap<String, Option<OrgId>> = HashMap::new();
        let mut acronym_owner: HashMap<String, OrgId> = HashMap::new();
        for (id, org) in orgs.iter().enumerate() {
            let forms = std::iter::once((Form::Name, &org.name)).chain(
                org.aliases
                    .iter()
                    .enumerate()
                    .map(|(i, a)| (Form::Alias(i), a)),
            );
            for (form, written) in forms {
                // "BRICS" or "OPEC+" are names and acronyms at once: found as acronyms.
                if org.acronyms.iter().any(|a| a == written) {
                    continue;
                }
                let key = normalize::normalize_phrase(written);
                if key.is_empty() {
                    continue;
                }
                if let Some(loose_key) = normalize::loose_key_of_phrase(&key, LOOSE_MIN_WORDS) {
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
        // Built once per process (or configuration): a DFA is the fastest to search.
        let names = Matcher::new(
            name_keys.iter().map(|(k, _)| k.as_str()),
            AhoCorasickKind::DFA,
        );
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
        let acronyms = Matcher::new(
            acronym_list.iter().map(|(a, _)| a.as_str()),
            AhoCorasickKind::DFA,
        );
        let acronym_patterns = acronym_list.iter().map(|&(_, id)| id).collect();

        Self {
            orgs,
            names,
            name_patterns,
            exact,
            loose,
            acronyms,
            acronym_patterns,
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

    /// The organization an acronym (case-sensitive) belongs to.
    pub fn acronym_owner(&self, acronym: &str) -> Option<OrgId> {
        self.acronym_owner
            .get(acronym)
            .or_else(|| self.shouted_owner.get(acronym))
            .copied()
    }

    /// Every name and alias in the stream, leftmost-longest, on word boundaries. The search is
    /// overlapping so a candidate rejected at a boundary cannot hide a valid one.
    pub fn find_names(&self, stream: &Stream) -> Vec<NameHit> {
        self.names
            .find(&stream.text, |start, end| stream.on_boundaries(start, end))
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
        let found = self.acronyms.find(haystack, |start, end| {
            on_word_boundaries(haystack, start, end)
        });
        out.extend(found.into_iter().map(|(start, end, pattern)| AcronymHit {
            org: self.acronym_patterns[pattern],
            raw: TextRange::new(span.start + start, span.start + end),
        }));
    }
}

/// Leftmost-longest matching that only accepts matches a predicate approves (word boundaries),
/// without letting a rejected match hide a valid one: "Tuning" contains "UN", and a longest
/// match that ends inside a word may hide a shorter one that does not.
pub struct Matcher {
    leftmost: AhoCorasick,
    /// Every match, for the rare place where the leftmost-longest one is rejected.
    overlapping: AhoCorasick,
    longest: usize,
}

impl Matcher {
    pub fn new<'a>(patterns: impl Iterator<Item = &'a str> + Clone, kind: AhoCorasickKind) -> Self {
        let build = |match_kind| {
            AhoCorasick::builder()
                .match_kind(match_kind)
                .kind(Some(kind))
                .build(patterns.clone())
                .expect("patterns build an automaton")
        };
        Self {
            leftmost: build(MatchKind::LeftmostLongest),
            overlapping: build(MatchKind::Standard),
            longest: patterns.map(str::len).max().unwrap_or(0),
        }
    }

    /// Non-overlapping (start, end, pattern) matches, leftmost first, longest at each start.
    pub fn find(
        &self,
        haystack: &str,
        accept: impl Fn(usize, usize) -> bool,
    ) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < haystack.len() {
            let Some(m) = self
                .leftmost
                .find(Input::new(haystack).span(at..haystack.len()))
            else {
                break;
            };
            if accept(m.start(), m.end()) {
                out.push((m.start(), m.end(), m.pattern().as_usize()));
                at = m.end();
                continue;
            }
            // Rejected: the longest acceptable match starting at the same place, if any.
            let window_end = (m.start() + self.longest).min(haystack.len());
            let fallback = self
                .overlapping
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

/// The same result as [`Matcher::find`] for the handful of patterns a draft defines: each is
/// searched with `memmem` (cheaper than building an automaton per draft), every acceptable
/// occurrence is kept, and the leftmost-longest ones that do not overlap win.
pub fn find_few(
    haystack: &str,
    patterns: &[&str],
    accept: impl Fn(usize, usize) -> bool,
) -> Vec<(usize, usize, usize)> {
    let mut found: Vec<(usize, usize, usize)> = Vec::new();
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
        let mut keys = HashMap::new();
        let mut acronyms = HashMap::new();
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
