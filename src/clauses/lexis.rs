//! Small word-level helpers: case-insensitive comparison and the closed word classes the
//! correlative and enumeration checks need. Nothing here allocates.

/// ASCII case-insensitive equality of a word with a lower-case pattern.
pub fn is(word: &str, lower: &str) -> bool {
    word.len() == lower.len() && word.eq_ignore_ascii_case(lower)
}

pub fn is_any(word: &str, lower: &[&str]) -> bool {
    lower.iter().any(|w| is(word, w))
}

/// Articles, possessives, pronouns, prepositions and conjunctions: after "both", "either" or
/// "neither" they show a correlative ("either the EU or", "both in Asia and") rather than a
/// determiner ("either side", "both parties").
const FUNCTION_WORDS: &[&str] = &[
    "the", "a", "an", "our", "their", "its", "his", "her", "my", "your", "this", "that", "these",
    "those", "we", "they", "it", "he", "she", "you", "i", "to", "in", "on", "at", "by", "for",
    "from", "with", "through", "via", "under", "within", "across", "as", "when", "if", "because",
    "into", "among", "between", "during", "against", "toward", "towards", "before", "after",
];

pub fn is_function_word(word: &str) -> bool {
    is_any(word, FUNCTION_WORDS) || (word.len() > 4 && ends_with_ignore_case(word, "ly"))
}

/// Articles and possessives: "both our countries" is a determiner phrase when the next word is
/// plural, "both our understanding … and" a correlative when it is not.
pub fn is_article_or_possessive(word: &str) -> bool {
    is_any(
        word,
        &[
            "the", "a", "an", "our", "their", "its", "his", "her", "my", "your", "these", "those",
            "this", "that",
        ],
    )
}

/// Nouns that "either", "neither" and "both" commonly determine in communiqués: "either Party",
/// "neither side", "both Governments".
const DETERMINED_NOUNS: &[&str] = &[
    "party",
    "parties",
    "side",
    "sides",
    "state",
    "states",
    "country",
    "countries",
    "government",
    "governments",
    "member",
    "members",
    "participant",
    "participants",
    "case",
    "cases",
    "way",
    "ways",
    "one",
    "leader",
    "leaders",
    "nation",
    "nations",
    "partner",
    "partners",
    "president",
    "presidents",
    "minister",
    "ministers",
    "delegation",
    "delegations",
    "signatory",
    "signatories",
    "option",
    "options",
    "direction",
    "directions",
    "end",
    "ends",
    "sex",
    "sexes",
];

pub fn is_determined_noun(word: &str) -> bool {
    is_any(word, DETERMINED_NOUNS)
}

/// Auxiliaries after which "neither"/"either" is an adverb: "neither do we", "nor can either".
pub fn is_auxiliary(word: &str) -> bool {
    is_any(
        word,
        &[
            "do", "does", "did", "can", "could", "will", "would", "shall", "should", "may",
            "might", "must", "is", "are", "was", "were", "has", "have", "had",
        ],
    )
}

/// A crude plural test, enough to tell "both our countries" from "both our understanding".
pub fn looks_plural(word: &str) -> bool {
    let bytes = word.as_bytes();
    if bytes.len() < 3 || !word.is_ascii() {
        return false;
    }
    let last = bytes[bytes.len() - 1].to_ascii_lowercase();
    let before = bytes[bytes.len() - 2].to_ascii_lowercase();
    (last == b's' && !matches!(before, b's' | b'u' | b'i'))
        || is_any(word, &["people", "children", "women", "men"])
}

pub fn ends_with_ignore_case(word: &str, lower_suffix: &str) -> bool {
    word.len() >= lower_suffix.len()
        && word.is_char_boundary(word.len() - lower_suffix.len())
        && word[word.len() - lower_suffix.len()..].eq_ignore_ascii_case(lower_suffix)
}

pub fn starts_upper(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

/// Replacement text with the capitalisation of the word it replaces: ("Or", "nor") → "Nor".
pub fn match_case(original: &str, replacement: &str) -> String {
    if starts_upper(original) {
        let mut chars = replacement.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => String::new(),
        }
    } else {
        replacement.to_string()
    }
}

/// Words that introduce a reference rather than an enumeration: "paragraph 5 (a)",
/// "subparagraphs (a) and (c)", "Article 2 (b)".
const REFERENCE_WORDS: &[&str] = &[
    "paragraph",
    "paragraphs",
    "subparagraph",
    "subparagraphs",
    "para",
    "paras",
    "article",
    "articles",
    "art",
    "section",
    "sections",
    "annex",
    "annexes",
    "chapter",
    "chapters",
    "part",
    "parts",
    "item",
    "items",
    "rule",
    "rules",
    "point",
    "points",
    "clause",
    "clauses",
    "letter",
    "resolution",
    "resolutions",
    "decision",
    "decisions",
    "footnote",
    "note",
    "notes",
    "table",
    "figure",
    "box",
    "option",
    "options",
    "alternative",
    "phase",
    "step",
    "tier",
    "level",
    "category",
    "group",
    "stage",
    "schedule",
    "appendix",
    "volume",
    "vol",
    "page",
    "pages",
    "p",
    "pp",
    "see",
    "under",
    "in",
    "of",
    "to",
    "through",
    "with",
    "per",
    "no",
    "nos",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "twenty",
    "thirty",
    "hundred",
    "thousand",
    "million",
    "billion",
    "goal",
    "goals",
    "target",
    "targets",
    "indicator",
    "indicators",
    "principle",
    "principles",
    "pillar",
    "pillars",
    "objective",
    "objectives",
];

pub fn is_reference_word(word: &str) -> bool {
    is_any(word, REFERENCE_WORDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_classes() {
        assert!(is("Neither", "neither"));
        assert!(!is("neithe", "neither"));
        assert!(is_function_word("The") && is_function_word("bilaterally"));
        assert!(!is_function_word("side") && !is_function_word("fly"));
        assert!(looks_plural("countries") && looks_plural("Parties"));
        assert!(!looks_plural("understanding") && !looks_plural("process"));
        assert!(!looks_plural("status") && !looks_plural("analysis"));
        assert_eq!(match_case("Or", "nor"), "Nor");
        assert_eq!(match_case("as", "and"), "and");
    }
}
