use std::sync::Arc;

use serde::Deserialize;

use crate::FastMap;
use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::document::Document;
use crate::rules::{Check, Context};
use crate::similarity::TextKey;

declare_rule! {
    /// ## What it does
    /// Finds a paragraph whose text is the same as an earlier paragraph of the same draft, once
    /// case, whitespace and quote style are folded. Paragraphs shorter than `min-words` words
    /// (default 6) are ignored, so repeated headings or separators are not findings.
    ///
    /// ## Why it matters
    /// A block pasted twice is the most visible accident a published communiqué can have: the
    /// signatories appear not to have read their own text.
    ///
    /// ## Example
    /// ```text
    /// The Parties intend to strengthen coordination in the UN bodies.
    /// The Heads of State discussed a wide range of issues.
    /// The Parties intend to strengthen coordination in the UN bodies.   <- duplicate of line 1
    /// ```
    ///
    /// ## Fix safety
    /// "Remove duplicated paragraph" is safe: it deletes the later copy together with its
    /// separator, and the text survives in the first copy.
    ///
    /// ## Options
    /// - `min-words` (default 6): shorter paragraphs are never reported.
    pub static RULE {
        name: "duplicate-paragraph",
        family: Duplicates,
        severity: Warning,
        enabled: true,
        fix: Always,
        summary: "A paragraph repeats an earlier paragraph of the same draft",
        check: Check::Document(check),
        options: Options,
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    pub min_words: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self { min_words: 6 }
    }
}

/// For each paragraph of a draft, the first paragraph with the same text (see
/// [`crate::similarity::ParagraphFacts::text_key`]): itself unless it is a later copy. Shared by the duplicate rules,
/// computed once per draft.
pub struct FirstCopies(Vec<u32>);

impl FirstCopies {
    pub fn of(doc: &Document) -> Arc<FirstCopies> {
        doc.memo(
            |_: &FirstCopies| true,
            || {
                let facts = doc.paragraph_facts();
                // Keys are already xxh3 hashes: foldhash (fixed seed) only spreads them.
                let mut first: FastMap<TextKey, u32> =
                    FastMap::with_capacity_and_hasher(facts.len(), Default::default());
                FirstCopies(
                    facts
                        .iter()
                        .enumerate()
                        .map(|(index, f)| *first.entry(f.text_key()).or_insert(index as u32))
                        .collect(),
                )
            },
        )
    }

    /// The first paragraph with the same text as paragraph `index`.
    pub fn first(&self, index: usize) -> usize {
        self.0[index] as usize
    }

    /// Whether paragraph `index` repeats an earlier one exactly.
    pub fn is_later_copy(&self, index: usize) -> bool {
        self.first(index) != index
    }
}

fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let options = ctx.options::<Options>();
    let doc = ctx.doc;
    // The shared per-paragraph facts already hold each block's normalized hash, length and word
    // count (the near-duplicate rules need them too), so no block is read again here.
    let facts = doc.paragraph_facts();
    let copies = FirstCopies::of(doc);
    for (index, (block, fact)) in doc.blocks().iter().zip(facts).enumerate() {
        // Copies have the same word count as their first copy: both pass the minimum or neither.
        if (fact.words as usize) < options.min_words || !copies.is_later_copy(index) {
            continue;
        }
        let first_span = doc.blocks()[copies.first(index)].span;
        let first_line = doc.line_number(first_span.start);
        out.push(
            Diagnostic::new(
                RULE.name,
                block.span,
                format!("Paragraph duplicates the one at line {first_line}"),
            )
            .with_related(first_span, "first copy")
            .with_fix(Fix::safe(
                "Remove duplicated paragraph",
                vec![Edit::delete(doc.removal_span(block))],
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;
    use crate::document::{Document, DocumentKind};
    use crate::lint::lint;

    fn findings(source: &str) -> Vec<(usize, String)> {
        let doc = Document::new(source, DocumentKind::Plain);
        lint(&doc, &Settings::default())
            .into_iter()
            .filter(|d| d.rule == "duplicate-paragraph")
            .map(|d| (doc.line_number(d.span.start), d.message))
            .collect()
    }

    #[test]
    fn later_copy_is_reported_with_the_first_copy_line() {
        let text = "The Parties will deepen their cooperation in \"trade\".\n\nOther text entirely here today.\n\nThe  parties will deepen their cooperation in “trade”.\n";
        assert_eq!(
            findings(text),
            [(5, "Paragraph duplicates the one at line 1".to_string())]
        );
    }

    #[test]
    fn short_paragraphs_are_ignored() {
        assert!(findings("Section one\n\n###\n\nSection one\n\n###\n").is_empty());
    }

    #[test]
    fn distinct_paragraphs_are_not_reported() {
        assert!(findings("The Parties will deepen their cooperation in trade.\n\nThe Parties will deepen their cooperation in energy.\n").is_empty());
    }
}
