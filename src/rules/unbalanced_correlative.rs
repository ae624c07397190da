use crate::clauses::lexis::{
    is, is_any, is_article_or_possessive, is_auxiliary, is_determined_noun, is_function_word,
    looks_plural, match_case,
};
use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Edit, Fix, TextRange};
use crate::rules::{BlockContext, Check, NoOptions};
use crate::text::{HIGH, not_ascii_alphanumeric, sentences, words};

declare_rule! {
    /// ## What it does
    /// Finds correlative pairs left half-built within a sentence: "neither … or" (expected
    /// "nor"), "either … and" (expected "or"), "both … as well as" (expected "and"), "not only …
    /// also" without "but", "whether … nor" (expected "or"), "between 2020 to 2025" and
    /// "between 2020–2025" (expected "and"), "from 2020–2025" (expected "to"), and "on the one
    /// hand" with no "on the other" in the same or the next sentence.
    ///
    /// "Both", "either" and "neither" used as determiners or pronouns ("both parties", "on
    /// either side", "neither of them", "either Party") are not correlatives and are left
    /// alone: a finding needs a word after them that starts a clause or phrase of its own
    /// ("either the EU or", "both our understanding … and", "neither free nor").
    ///
    /// ## Why it matters
    /// A correlative is a promise the sentence has to keep. Half-built pairs read as careless
    /// drafting, and in operative text they can blur whether two conditions are cumulative
    /// ("both … and") or alternative ("either … or").
    ///
    /// ## Example
    /// ```text
    /// QIST revolutionizes both our understanding of fundamental phenomena as well as the
    /// development of powerful computers.            ^ "both" expects "and", not "as well as"
    /// The election will be neither free or fair.    ^ "neither" expects "nor"
    /// ```
    ///
    /// ## Fix safety
    /// Replacing the wrong second half ("or" → "nor", "as well as" → "and", "to" → "and") is
    /// unsafe: the first half may be the word that is wrong, and the sentence should be read
    /// again. Half-built pairs with no second half to replace ("on the one hand") have no fix.
    pub static RULE {
        name: "unbalanced-correlative",
        family: Clauses,
        severity: Warning,
        enabled: true,
        fix: Sometimes,
        summary: "A correlative pair (neither … nor, both … and, not only … but) is half-built",
        check: Check::BlockAndNext(check),
        options: NoOptions,
    }
}

/// Words after "either"/"neither" that look ahead to "or"/"and" this far at most.
const WINDOW: usize = 20;

/// One block at a time (a correlative pair lives within a sentence); the block after it is
/// read only for "on the one hand" in a block's last sentence, whose "other hand" may open the
/// next paragraph.
fn check(ctx: &BlockContext<'_>, out: &mut Vec<Diagnostic>) {
    let text = ctx.text;
    let block = ctx.block;
    let mut triggers: Vec<usize> = Vec::new();
    find_triggers(text, block.span, &mut triggers);
    if triggers.is_empty() {
        return;
    }
    let mut sentence_words: Vec<TextRange> = Vec::new();
    let block_sentences = sentences(text, block.span);
    for (position, &sentence) in block_sentences.iter().enumerate() {
        if !triggers
            .iter()
            .any(|&t| sentence.start <= t && t < sentence.end)
        {
            continue;
        }
        sentence_words.clear();
        sentence_words.extend(words(text, sentence));
        // The sentence after this one, for "on the one hand … On the other hand".
        let next = || {
            block_sentences.get(position + 1).copied().or_else(|| {
                ctx.next
                    .and_then(|b| sentences(text, b.span).first().copied())
            })
        };
        check_sentence(text, &sentence_words, &next, out);
    }
}

/// Words that open a correlative (compared ASCII case-insensitively), and whether each is a
/// range opener ("between"/"from"), which counts only before a number.
const TRIGGERS: [(&str, bool); 8] = [
    ("neither", false),
    ("either", false),
    ("both", false),
    ("not only", false),
    ("whether", false),
    ("between", true),
    ("from", true),
    ("one hand", false),
];

/// First letters of the triggers, in both cases.
static OPENS_TRIGGER: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < TRIGGERS.len() {
        let first = TRIGGERS[i].0.as_bytes()[0];
        table[first as usize] = true;
        table[first.to_ascii_uppercase() as usize] = true;
        i += 1;
    }
    table
};

/// Offsets in `span` where a correlative may start: whole words only, and "between"/"from"
/// only before a number (the only ranges this rule checks). Word starts (an ASCII letter or
/// digit after anything else) are found eight bytes at a time; only those whose letter can open
/// a trigger are compared, which skips most of the text. ("e", "n" and "o" open triggers, so a
/// byte-by-byte filter on the letter alone still stops at a third of the bytes.)
fn find_triggers(text: &str, span: TextRange, out: &mut Vec<usize>) {
    out.clear();
    let bytes = text.as_bytes();
    // Whether the byte before the eight at hand is an ASCII letter or digit.
    let mut after_alphanumeric = span.start > 0 && bytes[span.start - 1].is_ascii_alphanumeric();
    let mut chunk_start = span.start;
    while chunk_start < span.end {
        let eight = match bytes[chunk_start..span.end].first_chunk::<8>() {
            Some(eight) => u64::from_le_bytes(*eight),
            None => {
                // Zeros past the span's end: not letters, so no word starts there.
                let mut eight = [0u8; 8];
                let rest = &bytes[chunk_start..span.end];
                eight[..rest.len()].copy_from_slice(rest);
                u64::from_le_bytes(eight)
            }
        };
        let alphanumeric = !not_ascii_alphanumeric(eight) & HIGH;
        let mut word_starts =
            alphanumeric & !((alphanumeric << 8) | (u64::from(after_alphanumeric) << 7));
        after_alphanumeric = alphanumeric >> 63 != 0;
        while word_starts != 0 {
            let start = chunk_start + (word_starts.trailing_zeros() / 8) as usize;
            word_starts &= word_starts - 1;
            if OPENS_TRIGGER[usize::from(bytes[start])] && trigger_at(bytes, start, span.end) {
                out.push(start);
            }
        }
        chunk_start += 8;
    }
}

/// Whether a trigger starts at `start`, the start of a word in a span ending at `span_end`.
#[inline]
fn trigger_at(bytes: &[u8], start: usize, span_end: usize) -> bool {
    let rest = &bytes[start..span_end];
    // Most words starting with these letters ("of", "for", "with") share no second letter
    // with a trigger: rejected before any full comparison.
    let second = rest.get(1).map_or(0, u8::to_ascii_lowercase);
    let Some(&(trigger, is_range)) = TRIGGERS.iter().find(|(trigger, _)| {
        trigger.as_bytes()[1] == second
            && rest.len() >= trigger.len()
            && rest[..trigger.len()].eq_ignore_ascii_case(trigger.as_bytes())
    }) else {
        return false;
    };
    let end = start + trigger.len();
    if bytes.get(end).is_some_and(u8::is_ascii_alphanumeric) {
        return false;
    }
    !is_range || bytes.get(end + 1).is_some_and(u8::is_ascii_digit)
}

struct Sentence<'a> {
    text: &'a str,
    words: &'a [TextRange],
}

impl Sentence<'_> {
    fn word(&self, i: usize) -> &str {
        self.words.get(i).map_or("", |w| w.slice(self.text))
    }

    /// First index after `from` (within `limit` words) whose word is `lower`.
    fn find(&self, from: usize, limit: usize, lower: &str) -> Option<usize> {
        (from..self.words.len().min(from.saturating_add(limit))).find(|&j| is(self.word(j), lower))
    }

    /// Index of "as" in "as well as" at or after `from`.
    fn find_as_well_as(&self, from: usize, limit: usize) -> Option<usize> {
        (from..self.words.len().min(from.saturating_add(limit))).find(|&j| {
            is(self.word(j), "as") && is(self.word(j + 1), "well") && is(self.word(j + 2), "as")
        })
    }

    /// Whether only spaces separate word `i` from the next one (no comma, no full stop).
    fn joined_to_next(&self, i: usize) -> bool {
        match (self.words.get(i), self.words.get(i + 1)) {
            (Some(a), Some(b)) => self.text[a.end..b.start].trim().is_empty(),
            _ => false,
        }
    }

    fn span(&self, from: usize, to_inclusive: usize) -> TextRange {
        TextRange::new(self.words[from].start, self.words[to_inclusive].end)
    }
}

fn check_sentence(
    text: &str,
    words: &[TextRange],
    next_sentence: &dyn Fn() -> Option<TextRange>,
    out: &mut Vec<Diagnostic>,
) {
    let s = Sentence { text, words };
    for i in 0..words.len() {
        let word = s.word(i);
        match word.len() {
            4 if is(word, "both") => both(&s, i, out),
            6 if is(word, "either") => either(&s, i, out),
            7 if is(word, "neither") => neither(&s, i, out),
            3 if is(word, "not") && is(s.word(i + 1), "only") => not_only(&s, i, out),
            7 if is(word, "whether") => whether(&s, i, out),
            7 if is(word, "between") => range(&s, i, "and", out),
            4 if is(word, "from") => range(&s, i, "to", out),
            2 if is(word, "on")
                && is(s.word(i + 1), "the")
                && is(s.word(i + 2), "one")
                && is(s.word(i + 3), "hand") =>
            {
                one_hand(&s, i, next_sentence, out)
            }
            _ => {}
        }
    }
}

/// Whether "either"/"neither" at `i` opens a correlative rather than a determiner or pronoun.
fn opens_alternative(s: &Sentence<'_>, i: usize, allow_proper_noun: bool) -> bool {
    let next = s.word(i + 1);
    if next.is_empty() || !s.joined_to_next(i) {
        return false; // "…, either." / "neither, …"
    }
    if is_any(next, &["of", "one", "way"]) || is_auxiliary(next) || is_determined_noun(next) {
        return false; // "neither of them", "either way", "neither do we", "either Party"
    }
    is_function_word(next)
        || (allow_proper_noun && next.chars().next().is_some_and(char::is_uppercase))
}

fn neither(s: &Sentence<'_>, i: usize, out: &mut Vec<Diagnostic>) {
    if s.find(i + 1, usize::MAX, "nor").is_some() {
        return;
    }
    let Some(or) = s.find(i + 2, WINDOW, "or") else {
        return;
    };
    // "neither … whether … or": the "or" is whether's.
    if (i + 1..or).any(|j| is_any(s.word(j), &["whether", "either"])) {
        return;
    }
    let next = s.word(i + 1);
    // "neither free or fair": an adjective or verb is as good a sign as a function word.
    let correlative = opens_alternative(s, i, true)
        || (s.joined_to_next(i)
            && !is_any(next, &["of", "one", "way"])
            && !is_auxiliary(next)
            && !is_determined_noun(next)
            && !looks_plural(next));
    if !correlative {
        return;
    }
    report_replacement(s, i, i, or, or, "nor", out);
}

fn either(s: &Sentence<'_>, i: usize, out: &mut Vec<Diagnostic>) {
    if s.find(i + 1, usize::MAX, "or").is_some() || !opens_alternative(s, i, false) {
        return;
    }
    let Some(and) = s.find(i + 2, WINDOW, "and") else {
        return;
    };
    report_replacement(s, i, i, and, and, "or", out);
}

fn both(s: &Sentence<'_>, i: usize, out: &mut Vec<Diagnostic>) {
    let next = s.word(i + 1);
    if next.is_empty() || !s.joined_to_next(i) || is_any(next, &["of", "sides", "ways"]) {
        return;
    }
    // "both countries", "both our countries", "both the Parties": a determiner.
    let head = if is_article_or_possessive(next) {
        s.word(i + 2)
    } else {
        next
    };
    if head.is_empty() || looks_plural(head) || is_determined_noun(head) {
        return;
    }
    let and = s.find(i + 1, usize::MAX, "and");
    let Some(as_well_as) = s.find_as_well_as(i + 2, 40) else {
        return;
    };
    if and.is_some_and(|and| and < as_well_as) {
        return;
    }
    report_replacement(s, i, i, as_well_as, as_well_as + 2, "and", out);
}

fn not_only(s: &Sentence<'_>, i: usize, out: &mut Vec<Diagnostic>) {
    if s.find(i + 2, usize::MAX, "but").is_some() {
        return;
    }
    let first = s.span(i, i + 1);
    let message = "“not only” has no “but”: expected “not only … but also”";
    if let Some(as_well_as) = s.find_as_well_as(i + 2, usize::MAX) {
        let wrong = s.span(as_well_as, as_well_as + 2);
        out.push(
            Diagnostic::new(RULE.name, wrong, message)
                .with_related(first, "“not only” opens the pair")
                .with_fix(Fix::unsafe_(
                    "Replace with “but also”",
                    vec![Edit::replace(wrong, "but also")],
                )),
        );
        return;
    }
    let Some(also) = s.find(i + 2, usize::MAX, "also") else {
        return;
    };
    let also_span = s.words[also];
    let mut diagnostic = Diagnostic::new(RULE.name, also_span, message)
        .with_related(first, "“not only” opens the pair");
    let before = &s.text[s.words[also - 1].end..also_span.start];
    if is(s.word(also - 1), "and") && before.trim().is_empty() {
        diagnostic = diagnostic.with_fix(Fix::unsafe_(
            "Replace “and” with “but”",
            vec![Edit::replace(
                s.words[also - 1],
                match_case(s.word(also - 1), "but"),
            )],
        ));
    } else if s.text[..also_span.start].trim_end().ends_with(',') {
        diagnostic = diagnostic.with_fix(Fix::unsafe_(
            "Insert “but”",
            vec![Edit::insert(also_span.start, "but ")],
        ));
    }
    out.push(diagnostic);
}

fn whether(s: &Sentence<'_>, i: usize, out: &mut Vec<Diagnostic>) {
    let Some(nor) = s.find(i + 2, WINDOW, "nor") else {
        return;
    };
    // "whether … or", or a "nor" that belongs to a "neither" anywhere before it.
    if s.find(i + 1, nor - i - 1, "or").is_some() || s.find(0, nor, "neither").is_some() {
        return;
    }
    report_replacement(s, i, i, nor, nor, "or", out);
}

/// "between 2020 to 2025", "between 2020–2025", "from 2020–2025": a numeric range that the
/// preposition wants spelled out ("and" after "between", "to" after "from").
fn range(s: &Sentence<'_>, i: usize, partner: &str, out: &mut Vec<Diagnostic>) {
    let starts_number = |w: &str| w.bytes().next().is_some_and(|b| b.is_ascii_digit());
    let first = s.word(i + 1);
    if !starts_number(first) || !s.joined_to_next(i) {
        return;
    }
    let text = s.text;
    let first_end = s.words[i + 1].end;
    // A range joined by a dash: "2020–2025", "2020 - 2025", "10-15".
    let dash_range = {
        let after = &text[first_end..];
        let trimmed = after.trim_start_matches(' ');
        let dash = trimmed
            .chars()
            .next()
            .filter(|c| matches!(c, '–' | '—' | '-'));
        dash.and_then(|d| {
            let rest = &trimmed[d.len_utf8()..];
            let digits = rest.trim_start_matches(' ');
            digits
                .bytes()
                .next()
                .filter(u8::is_ascii_digit)
                .map(|_| TextRange::new(first_end, first_end + (after.len() - digits.len())))
        })
    };
    // A hyphenated range is one word ("2020-2025"); find its inner hyphen instead.
    let dash = dash_range.or_else(|| {
        let word = first;
        let hyphen = word.find('-')?;
        let (left, right) = (&word[..hyphen], &word[hyphen + 1..]);
        let numeric = |x: &str| {
            !x.is_empty()
                && x.bytes()
                    .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
        };
        (numeric(left) && numeric(right)).then(|| {
            let at = s.words[i + 1].start + hyphen;
            TextRange::new(at, at + 1)
        })
    });
    if let Some(dash) = dash {
        // Followed by a noun, the range is a modifier ("from 2021–2025 budgets", "from 28-29
        // September"); only a range that ends the phrase is half-built.
        let after = &text[dash.end..];
        let range_end = dash.end
            + after
                .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | ',' | ' ')))
                .unwrap_or(after.len());
        let trailing = &text[range_end.min(text.len())..];
        let next_word: &str = trailing
            .split(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or("");
        let ends_phrase = next_word.is_empty() && !trailing.starts_with(char::is_alphanumeric)
            || is_function_word(next_word)
            || is_any(next_word, &["and", "or", "but", "per", "percent"]);
        if !ends_phrase {
            return;
        }
        let preposition = s.words[i];
        out.push(
            Diagnostic::new(
                RULE.name,
                dash,
                format!(
                    "“{}” with a dash: expected “{} … {partner} …”",
                    preposition.slice(text),
                    preposition.slice(text).to_lowercase()
                ),
            )
            .with_related(preposition, "the first half of the pair")
            .with_fix(Fix::unsafe_(
                format!("Replace the dash with “{partner}”"),
                vec![Edit::replace(dash, format!(" {partner} "))],
            )),
        );
        return;
    }
    if partner != "and" {
        return; // "from 2020 and" is not a pattern worth a finding
    }
    // "between 2020 to 2025", "between 1 January to 31 March".
    for j in i + 2..(i + 4).min(s.words.len()) {
        let word = s.word(j);
        if is(word, "and") {
            return;
        }
        if is(word, "to") && starts_number(s.word(j + 1)) {
            report_replacement(s, i, i, j, j, "and", out);
            return;
        }
    }
}

fn one_hand(
    s: &Sentence<'_>,
    i: usize,
    next_sentence: &dyn Fn() -> Option<TextRange>,
    out: &mut Vec<Diagnostic>,
) {
    let has_other = |words: &mut dyn Iterator<Item = TextRange>| {
        let mut previous: [&str; 2] = ["", ""];
        for w in words {
            let word = w.slice(s.text);
            if is(previous[0], "on") && is(previous[1], "the") && is(word, "other") {
                return true;
            }
            previous = [previous[1], word];
        }
        false
    };
    if has_other(&mut s.words[i + 4..].iter().copied()) {
        return;
    }
    if next_sentence().is_some_and(|n| has_other(&mut words(s.text, n))) {
        return;
    }
    out.push(Diagnostic::new(
        RULE.name,
        s.span(i, i + 3),
        "“on the one hand” has no “on the other hand” in this sentence or the next",
    ));
}

/// Reports the wrong second half (words `second..=second_end`) of the pair opened at
/// `first..=first_end`, with a fix that replaces it by `expected`.
fn report_replacement(
    s: &Sentence<'_>,
    first: usize,
    first_end: usize,
    second: usize,
    second_end: usize,
    expected: &str,
    out: &mut Vec<Diagnostic>,
) {
    let opener = s.span(first, first_end);
    let wrong = s.span(second, second_end);
    let opener_text = opener.slice(s.text).to_lowercase();
    let wrong_text = wrong.slice(s.text);
    out.push(
        Diagnostic::new(
            RULE.name,
            wrong,
            format!("“{opener_text}” is paired with “{wrong_text}”: expected “{expected}”"),
        )
        .with_related(opener, format!("“{opener_text}” opens the pair"))
        .with_fix(Fix::unsafe_(
            format!("Replace “{wrong_text}” with “{expected}”"),
            vec![Edit::replace(wrong, match_case(wrong_text, expected))],
        )),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::fix_converges;
    use aho_corasick::AhoCorasick;
    use proptest::prelude::*;

    use super::{OPENS_TRIGGER, TRIGGERS, find_triggers, trigger_at};
    use crate::diagnostic::TextRange;

    /// The byte-by-byte search `find_triggers` replaced: every byte that can open a trigger,
    /// then whether it starts a word.
    fn triggers_byte_by_byte(text: &str, span: TextRange) -> Vec<usize> {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        for (offset, &b) in bytes[span.start..span.end].iter().enumerate() {
            let start = span.start + offset;
            if OPENS_TRIGGER[b as usize]
                && (start == 0 || !bytes[start - 1].is_ascii_alphanumeric())
                && trigger_at(bytes, start, span.end)
            {
                out.push(start);
            }
        }
        out
    }

    /// The first way triggers were found: one case-insensitive automaton over the whole span.
    fn triggers_by_automaton(text: &str, span: TextRange) -> Vec<usize> {
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(TRIGGERS.iter().map(|(t, _)| t))
            .unwrap();
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        for found in automaton.find_iter(&bytes[span.start..span.end]) {
            let start = span.start + found.start();
            let end = span.start + found.end();
            let word_start = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
            let word_end = bytes.get(end).is_none_or(|b| !b.is_ascii_alphanumeric());
            if !word_start || !word_end {
                continue;
            }
            if TRIGGERS[found.pattern().as_usize()].1
                && !bytes.get(end + 1).is_some_and(u8::is_ascii_digit)
            {
                continue;
            }
            out.push(start);
        }
        out
    }

    proptest! {
        #[test]
        fn word_start_search_finds_what_the_automaton_found(
            words in proptest::collection::vec("(?i)(neither|either|both|not only|whether|between|from|one hand|not|one|hand|only|x|2)", 0..12),
            separators in proptest::collection::vec("[ ,.“”(0-9a]", 12)
        ) {
            let mut text = String::new();
            for (word, sep) in words.iter().zip(&separators) {
                text.push_str(word);
                text.push_str(sep);
            }
            let span = TextRange::new(0, text.len());
            let mut fast = Vec::new();
            find_triggers(&text, span, &mut fast);
            prop_assert_eq!(fast, triggers_by_automaton(&text, span));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// Any span of text of triggers, near-triggers, digits, punctuation and wider
        /// characters: the eight-byte word starts find what the byte-by-byte search found.
        #[test]
        fn eight_byte_search_finds_what_the_byte_search_found(
            text in "((?i)neither|either|both|not only|whether|between|from|one hand|no|o|e|n|b|w|f|[a-z0-9]{1,9}|[ ,.“”()\\-]|é|Ж|’){0,60}",
            cut in 0usize..64,
            keep in 0usize..1000,
        ) {
            let boundaries: Vec<usize> =
                (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            let start = boundaries[cut % boundaries.len()];
            let end = start + keep.min(text.len() - start);
            let end = (end..=text.len()).find(|&i| text.is_char_boundary(i)).unwrap();
            let span = TextRange::new(start, end);
            let mut fast = Vec::new();
            find_triggers(&text, span, &mut fast);
            prop_assert_eq!(&fast, &triggers_byte_by_byte(&text, span));
            prop_assert_eq!(fast, triggers_by_automaton(&text, span));
        }
    }

    #[test]
    fn word_start_search_agrees_with_the_automaton_on_every_sub_span() {
        let text = "Neither the EU nor NATO; either (a) or b. Both x and y, not only A but also B. \
                    Whether or not; between 3 and 4, from 1990 to 2000, on the one hand, \
                    on the other hand. neither—nor “either” Bothered oneself; fromage 1 either \
                    zzzzzzzzzzzzzzzz whether zzzzzzzzzzzzzzzz Neither zzzzzzzzzzzzzzzz";
        for start in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
            for end in (start..=text.len()).filter(|&i| text.is_char_boundary(i)) {
                let span = TextRange::new(start, end);
                let mut fast = Vec::new();
                find_triggers(text, span, &mut fast);
                assert_eq!(fast, triggers_by_automaton(text, span), "{start}..{end}");
            }
        }
    }

    use crate::config::Settings;
    use crate::diagnostic::Applicability;
    use crate::document::{Document, DocumentKind};
    use crate::lint::lint;

    /// The flagged text of each finding, with its message.
    fn findings(source: &str) -> Vec<(String, String)> {
        let doc = Document::new(source, DocumentKind::Plain);
        lint(&doc, &Settings::default())
            .into_iter()
            .filter(|d| d.rule == "unbalanced-correlative")
            .map(|d| (d.span.slice(source).to_string(), d.message))
            .collect()
    }

    fn flagged(source: &str) -> Vec<String> {
        findings(source).into_iter().map(|f| f.0).collect()
    }

    fn clean(source: &str) {
        let found = findings(source);
        assert!(found.is_empty(), "{source:?} → {found:?}");
    }

    #[test]
    fn neither_nor() {
        assert_eq!(
            findings("The election will be neither free or fair."),
            [(
                "or".to_string(),
                "“neither” is paired with “or”: expected “nor”".to_string()
            )]
        );
        assert_eq!(flagged("Neither the EU or Japan will accept it."), ["or"]);
        clean("The election will be neither free nor fair.");
        clean("This is in nobody’s interest, neither of the people of Israel nor of Lebanon.");
        // Determiner and pronoun uses.
        clean("Neither of them will sign, or so we hear.");
        clean("Neither party shall disclose the text or its annexes.");
        clean("Neither Party or its agencies shall do so.");
        clean("We did not sign it, and neither did they or their allies.");
    }

    #[test]
    fn either_or() {
        assert_eq!(
            flagged("Funds will flow either through the Bank and the Fund."),
            ["and"]
        );
        clean("Funds will flow either through the Bank or the Fund.");
        clean("Support either at home or abroad and in every forum.");
        // Determiner and pronoun uses.
        clean("Troops on either side and observers will withdraw.");
        clean("Either Party and its agencies may request consultations.");
        clean("Either of them and their partners may ask.");
        clean("We will not accept it either, and we say so.");
    }

    #[test]
    fn both_and() {
        assert_eq!(
            findings(
                "QIST revolutionizes both our understanding of fundamental phenomena as well as the development of powerful computers, secure and rapid communication."
            ),
            [(
                "as well as".to_string(),
                "“both” is paired with “as well as”: expected “and”".to_string()
            )]
        );
        assert_eq!(
            flagged("This matters both in Europe as well as in Asia."),
            ["as well as"]
        );
        clean("This matters both in Europe and in Asia, as well as elsewhere.");
        // Determiner uses.
        clean("Both parties as well as observers attended.");
        clean("Both our countries as well as the EU support it.");
        clean("We thank both of them as well as the Chair.");
        clean("Leaders of both sides as well as experts met.");
    }

    #[test]
    fn not_only_but_also() {
        assert_eq!(
            flagged("These projects not only promote resilience, they also foster prosperity."),
            ["also"]
        );
        assert_eq!(
            flagged("It covers not only trade, also investment."),
            ["also"]
        );
        assert_eq!(
            flagged("It covers not only trade and also investment."),
            ["also"]
        );
        assert_eq!(
            flagged("It covers not only trade as well as investment."),
            ["as well as"]
        );
        clean("It covers not only trade but also investment.");
        clean("It covers not only trade, but investment too.");
        clean("This is not only about trade.");
    }

    #[test]
    fn whether_or() {
        assert_eq!(
            flagged("We will decide whether to act nor to wait."),
            ["nor"]
        );
        clean("We will decide whether to act or to wait.");
        clean("We will decide whether to act, and neither side nor the Chair objects.");
        clean("Neither the question whether to act nor the timing was settled.");
        clean("Neither whether nor when.");
    }

    #[test]
    fn between_and_from_to() {
        assert_eq!(flagged("Between 2020 to 2025 trade doubled."), ["to"]);
        assert_eq!(
            flagged("Trade grew between 2020–2025, and again later."),
            ["–"]
        );
        assert_eq!(flagged("Trade grew between 2020-2025."), ["-"]);
        assert_eq!(
            flagged("Trade grew from 2020 – 2025 in the region."),
            [" – "]
        );
        clean("Trade grew between 2020 and 2025 and from 2020 to 2025.");
        clean("The meeting ran from 28-29 September 2022.");
        clean("We will fund it from 2021–2025 budgets.");
        clean("A partnership between the EU and Japan to promote trade.");
        clean("Cooperation between our countries to promote trade.");
    }

    #[test]
    fn on_the_one_hand() {
        assert_eq!(
            flagged("On the one hand we seek growth. We also want stability."),
            ["On the one hand"]
        );
        clean("On the one hand we seek growth. On the other hand, we want stability.");
        clean("On the one hand we seek growth; on the other, stability.");
        clean("On the one hand we seek growth.\n\nOn the other hand, we want stability.");
    }

    #[test]
    fn fixes_replace_only_the_second_half_and_converge() {
        let outcome = fix_converges(
            RULE.name,
            "The vote was neither free or fair. It happened both in Europe as well as in Asia. Or between 2020 to 2025, either through the Bank and the Fund.\n",
            Applicability::Unsafe,
        );
        assert_eq!(
            outcome.text,
            "The vote was neither free nor fair. It happened both in Europe and in Asia. Or between 2020 and 2025, either through the Bank or the Fund.\n"
        );
    }
}
