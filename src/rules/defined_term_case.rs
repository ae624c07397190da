use serde::Deserialize;

use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Edit, Fix, TextRange};
use crate::names::analysis::is_acronym_like;
use crate::names::normalize::normalize_phrase;
use crate::names::{self, Analysis};
use crate::rules::{Check, Context};

declare_rule! {
    /// ## What it does
    /// Finds a defined term whose capitalization drifts. A term is defined by the draft
    /// (`hereinafter "the Parties"`, `(the "Agreement")`, `(hereinafter referred to as "the
    /// Parties")`) or, for the usual treaty nouns ("Parties", "Sides", "Participants",
    /// "Signatories"), by use: when "the Parties" is written more often than "the parties", the
    /// capitalized form is the draft's term. Every use written with other capitals is reported.
    ///
    /// Capitalized names that contain the word ("Conference of the Parties") are not uses, nor
    /// are generic phrases such as "the parties to the conflict" or "the parties concerned" when
    /// the term was not defined explicitly. Quotations of other texts are not checked.
    ///
    /// ## Why it matters
    /// A capitalized term refers to the defined thing; the lower-case word refers to anything
    /// of that kind. "The parties intend to combat…" in a statement whose signatories are "the
    /// Parties" reads as a different set of parties.
    ///
    /// ## Example
    /// ```text
    /// The Parties intend to strengthen coordination in the UN bodies.
    /// In accordance with this agreement, the parties intend to combat …   <- drift
    /// ```
    ///
    /// ## Fix safety
    /// "Write the defined term" changes only the capitals of the term's words; it is safe.
    ///
    /// ## Options
    /// - `by-use` (default `["Parties", "Sides", "Participants", "Signatories"]`): terms that are
    ///   checked without a definition, when their capitalized form dominates the draft.
    pub static RULE {
        name: "defined-term-case",
        family: Names,
        severity: Warning,
        enabled: true,
        fix: Always,
        summary: "A defined term is written with other capitals than its definition",
        check: Check::Document(check),
        options: Options,
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    pub by_use: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            by_use: ["Parties", "Sides", "Participants", "Signatories"]
                .map(String::from)
                .to_vec(),
        }
    }
}

/// A defined term: its words as defined, whether it is used with "the", and where.
struct Term {
    words: String,
    with_article: bool,
    definition: Option<TextRange>,
}

fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let options = ctx.options::<Options>();
    let analysis = names::analysis(ctx);
    let doc = ctx.doc;
    let text = doc.text();
    let mut terms: Vec<Term> = Vec::new();
    for block in doc.blocks() {
        find_definitions(text, block.span, &mut terms);
    }
    for word in &options.by_use {
        if terms.iter().any(|t| t.words.eq_ignore_ascii_case(word)) {
            continue;
        }
        terms.push(Term {
            words: word.clone(),
            with_article: true,
            definition: None,
        });
    }
    let mut uses_of: Vec<Vec<TextRange>> = vec![Vec::new(); terms.len()];
    for (index, u) in find_uses(&analysis, text, &terms) {
        uses_of[index].push(u);
    }
    for (term, uses) in terms.iter().zip(uses_of) {
        let lowercase = term.words.to_lowercase();
        let uses: Vec<TextRange> = uses
            .into_iter()
            .filter(|u| {
                !term.definition.is_some_and(|d| d.overlaps(*u))
                    && !analysis.is_quoted(*u)
                    // Another spelling is not another capitalization.
                    && u.slice(text).to_lowercase() == lowercase
            })
            .collect();
        let (defined_as, defined_at) = match term.definition {
            Some(at) => (term.words.clone(), Some(at)),
            None => {
                // By use: the capitalized form must dominate, generic phrases aside.
                let specific: Vec<&TextRange> =
                    uses.iter().filter(|u| !is_generic(text, **u)).collect();
                let capitalized = specific
                    .iter()
                    .filter(|u| u.slice(text) == term.words)
                    .count();
                if capitalized < 3 || capitalized * 2 <= specific.len() {
                    continue;
                }
                (term.words.clone(), None)
            }
        };
        let first_proper = uses.iter().find(|u| u.slice(text) == defined_as).copied();
        for &u in &uses {
            let written = u.slice(text);
            if written == defined_as || (defined_at.is_none() && is_generic(text, u)) {
                continue;
            }
            let article = if term.with_article { "the " } else { "" };
            let message = match defined_at {
                Some(at) => format!(
                    "“{article}{written}” differs from the term defined at line {}: “{article}{defined_as}”",
                    doc.line_number(at.start)
                ),
                None => {
                    format!("“{article}{written}”: this draft’s term is “{article}{defined_as}”")
                }
            };
            let mut diagnostic = Diagnostic::new(RULE.name, u, message);
            if let Some(at) = defined_at.or(first_proper) {
                diagnostic = diagnostic.with_related(
                    at,
                    if defined_at.is_some() {
                        "defined here"
                    } else {
                        "written so here"
                    },
                );
            }
            out.push(diagnostic.with_fix(Fix::safe(
                format!("Write “{defined_as}”"),
                vec![Edit::replace(u, defined_as.clone())],
            )));
        }
    }
}

/// `(the "Agreement")`, `hereinafter "the Parties"`, `(hereinafter referred to as the
/// “Parties”)`: a quoted term a few words after an opening bracket or "hereinafter".
fn find_definitions(text: &str, block: TextRange, terms: &mut Vec<Term>) {
    let slice = block.slice(text);
    // Only quotation marks start a definition: '"' and the lead byte of “ (E2 80 9C).
    let marks = memchr::memchr2_iter(b'"', 0xE2, slice.as_bytes());
    for (i, c) in marks.filter_map(|i| slice[i..].chars().next().map(|c| (i, c))) {
        if !matches!(c, '“' | '"') {
            continue;
        }
        let mut window_start = i.saturating_sub(80);
        while !slice.is_char_boundary(window_start) {
            window_start -= 1;
        }
        let before = &slice[window_start..i];
        let lead = match before.rfind('(') {
            Some(p) => &before[p + 1..],
            None => match before.to_ascii_lowercase().rfind("hereinafter") {
                Some(p) => &before[p..],
                None => continue,
            },
        };
        if lead.contains([')', '“', '”', '"']) || lead.split_whitespace().count() > 5 {
            continue;
        }
        let close = if c == '“' { '”' } else { '"' };
        let start = i + c.len_utf8();
        let Some(len) = slice[start..].find(close) else {
            continue;
        };
        let content = &slice[start..start + len];
        let lead_article = lead.trim_end().to_ascii_lowercase().ends_with("the");
        let (with_article, term, offset) = match content.strip_prefix("the ") {
            Some(rest) => (true, rest, start + 4),
            None => (lead_article, content, start),
        };
        let word_count = term.split_whitespace().count();
        let capitalized = term.chars().next().is_some_and(char::is_uppercase);
        if word_count == 0 || word_count > 4 || !capitalized || is_acronym_like(term) {
            continue;
        }
        if terms.iter().any(|t| t.words == term) {
            continue;
        }
        let at = block.start + offset;
        terms.push(Term {
            words: term.to_string(),
            with_article,
            definition: Some(TextRange::new(at, at + term.len())),
        });
    }
}

/// Every occurrence of each term's words in any capitals (after "the" when it takes one), on
/// word boundaries, outside capitalized names such as "Conference of the Parties": one pass over
/// the draft's normalized words for all terms. Returns (term index, range).
fn find_uses(analysis: &Analysis, text: &str, terms: &[Term]) -> Vec<(usize, TextRange)> {
    let keys: Vec<String> = terms.iter().map(|t| normalize_phrase(&t.words)).collect();
    if keys.iter().any(String::is_empty) {
        return Vec::new();
    }
    let stream = &analysis.stream;
    let token = |i: usize| {
        let t = &stream.tokens[i];
        &stream.text[t.start as usize..t.end as usize]
    };
    // Whether token `i` is followed by a soft gap (same phrase) rather than punctuation.
    let joined_to_next =
        |i: usize| stream.text.as_bytes().get(stream.tokens[i].end as usize) == Some(&b' ');
    let patterns: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut uses = Vec::new();
    for (start, end, index) in analysis.find_phrases(&patterns) {
        let Some((first, _, raw)) = stream.raw_range(start, end) else {
            continue;
        };
        if terms[index].with_article {
            let article = first >= 1 && token(first - 1) == "the" && joined_to_next(first - 1);
            // "Conference of the Parties": the tail of a capitalized name.
            let in_name = first >= 3
                && token(first - 2) == "of"
                && joined_to_next(first - 2)
                && joined_to_next(first - 3)
                && stream.tokens[first - 3]
                    .raw()
                    .slice(text)
                    .starts_with(char::is_uppercase);
            if !article || in_name {
                continue;
            }
        }
        uses.push((index, raw));
    }
    uses
}

/// "the parties to the conflict", "the parties concerned": the ordinary word, not the term.
fn is_generic(text: &str, u: TextRange) -> bool {
    let rest = text[u.end..].trim_start();
    ["to ", "concerned", "involved", "thereto"]
        .iter()
        .any(|w| rest.starts_with(w))
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::config::Settings;
    use crate::diagnostic::Applicability;
    use crate::document::{Document, DocumentKind};
    use crate::lint::lint;
    use crate::rules::testing::fix_converges;

    fn findings(source: &str) -> Vec<(usize, String)> {
        let doc = Document::new(source, DocumentKind::Plain);
        lint(&doc, &Settings::default())
            .into_iter()
            .filter(|d| d.rule == "defined-term-case")
            .map(|d| {
                (
                    doc.line_number(d.span.start),
                    d.span.slice(source).to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn explicit_definitions_in_their_usual_shapes() {
        let text = "This Memorandum (the “Agreement”) binds Belarus and Russia (hereinafter \"the Sides\").\n\nUnder the agreement, the sides meet. The Agreement and the Sides stand; an agreement is generic.\n";
        assert_eq!(
            findings(text),
            [(3, "agreement".to_string()), (3, "sides".to_string())]
        );
        let text = "Canada and Japan (hereinafter referred to as “the Participants”) agree. The participants meet.\n";
        assert_eq!(findings(text), [(1, "participants".to_string())]);
    }

    #[test]
    fn dominant_capitalized_use_defines_the_term() {
        let text = "The Parties agree.\n\nThe Parties meet.\n\nThe Parties act.\n\nThe parties will continue.\n\nThe parties to the conflict must stop.\n";
        assert_eq!(findings(text), [(7, "parties".to_string())]);
    }

    #[test]
    fn names_and_minority_capitals_are_not_terms() {
        let text = "The Conference of the Parties met. The Conference of the Parties agreed. The Meeting of the Parties ended.\n\nThe parties agreed.\n";
        assert!(findings(text).is_empty());
        let text = "The Parties agree. The parties meet. The parties act.\n";
        assert!(findings(text).is_empty());
    }

    #[test]
    fn quotations_of_other_texts_are_not_checked() {
        let text = "The Parties agree. The Parties meet. The Parties act.\n\n“The parties will continue to build up joint efforts,” the statement reads.\n";
        assert!(findings(text).is_empty());
    }

    #[test]
    fn fix_changes_only_the_capitals() {
        let text = "The Parties agree.\n\nThe Parties meet.\n\nThe Parties act, and the parties’ envoys meet.\n";
        let outcome = fix_converges(RULE.name, text, Applicability::Safe);
        assert_eq!(
            outcome.text,
            "The Parties agree.\n\nThe Parties meet.\n\nThe Parties act, and the Parties’ envoys meet.\n"
        );
    }
}
