use serde::Deserialize;

use crate::FastMap;
use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Edit, Fix, TextRange};
use crate::document::Document;
use crate::rules::{Check, Context, duplicate_paragraph, near_duplicate_paragraph};

declare_rule! {
    /// ## What it does
    /// Finds a sentence of at least `min-words` words (default 8) that appears verbatim (case,
    /// spacing and quote style folded) in another paragraph of the same draft. Paragraphs that
    /// are copies of another (the findings of `duplicate-paragraph` and
    /// `near-duplicate-paragraph`) are skipped, so one accident gives one finding; they stay
    /// skipped when those rules are turned off. Sentences are split with the abbreviations of
    /// communiqués in mind: "U.S.", "U.N.", "Mr.", "No.", "e.g.", "i.e.", "Art.", "para." do not
    /// end a sentence.
    ///
    /// ## Why it matters
    /// A sentence that survives in two places is a sign of a merge of two rounds of a draft; the
    /// copies tend to drift apart in later rounds and then contradict each other.
    ///
    /// ## Example
    /// ```text
    /// 3  The Parties intend to strengthen coordination in the UN bodies. They will meet in May.
    /// 9  Trade grew in 2024. The Parties intend to strengthen coordination in the UN bodies.
    ///                       ^ Sentence repeats one at line 3
    /// ```
    ///
    /// ## Fix safety
    /// "Remove this sentence" is unsafe: the sentence may be needed where it stands and the
    /// other copy be the one to cut; only a reader of both paragraphs can tell.
    ///
    /// ## Options
    /// - `min-words` (default 8): shorter sentences are never reported.
    pub static RULE {
        name: "duplicate-sentence",
        family: Duplicates,
        severity: Info,
        enabled: true,
        fix: Always,
        summary: "A sentence repeats verbatim in another paragraph of the same draft",
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
        Self { min_words: 8 }
    }
}

/// Blocks that are later copies of another paragraph (exact, or near in the sense of
/// `near-duplicate-paragraph`, with that rule's options): their sentences belong to that one
/// accident, whether or not the paragraph rules run, so they are never reported sentence by
/// sentence. Turning `duplicate-paragraph` off for a folder silences the accident, not half of it.
fn copied_paragraphs(ctx: &Context<'_>) -> Vec<bool> {
    let doc = ctx.doc;
    let settings = ctx.settings;
    let facts = doc.paragraph_facts();
    let min_words = settings
        .options::<duplicate_paragraph::Options>(&duplicate_paragraph::RULE)
        .min_words;
    let copies = duplicate_paragraph::FirstCopies::of(doc);
    let mut copied: Vec<bool> = facts
        .iter()
        .enumerate()
        .map(|(index, f)| copies.is_later_copy(index) && f.words as usize >= min_words)
        .collect();
    let options =
        settings.options::<near_duplicate_paragraph::Options>(&near_duplicate_paragraph::RULE);
    for pair in near_duplicate_paragraph::find(doc, options).iter() {
        copied[pair.later] = true;
    }
    copied
}

fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let min_words = ctx.options::<Options>().min_words;
    let doc = ctx.doc;
    let blocks = doc.blocks();
    let facts = doc.paragraph_facts();
    let skipped = copied_paragraphs(ctx);
    // First occurrence of each distinct sentence: (block, absolute range), chained by hash
    // (`first` holds the latest of a hash's chain; the chain is rarely longer than one, since
    // a hash is shared only by a collision). The keys are xxh3 hashes already: foldhash
    // (fixed seed) only spreads them.
    // Sized for every sentence up front: growing them as they fill rehashes and copies.
    let sentences: usize = facts.iter().map(|f| f.sentences.len()).sum();
    let mut firsts: Vec<(usize, TextRange, u32)> = Vec::with_capacity(sentences);
    let mut first: FastMap<u64, u32> =
        FastMap::with_capacity_and_hasher(sentences, Default::default());
    for (index, block) in blocks.iter().enumerate() {
        if skipped[index] || (facts[index].words as usize) < min_words {
            continue;
        }
        for sentence in facts[index].sentences.iter() {
            if (sentence.words as usize) < min_words {
                continue;
            }
            let range = TextRange::new(
                block.span.start + sentence.range.start,
                block.span.start + sentence.range.end,
            );
            let latest = first.get(&sentence.hash).copied();
            // Normalized again only on a hash match, which is rare. The chain is searched
            // oldest first, as the occurrences were seen.
            let earlier = latest.and_then(|latest| {
                let mut chain = Vec::new();
                let mut at = latest;
                while at != NONE {
                    chain.push(at);
                    at = firsts[at as usize].2;
                }
                let normalized = crate::text::normalize(range.slice(doc.text()));
                chain
                    .into_iter()
                    .rev()
                    .map(|at| firsts[at as usize])
                    .find(|(_, r, _)| crate::text::normalize(r.slice(doc.text())) == normalized)
            });
            match earlier {
                None => {
                    firsts.push((index, range, latest.unwrap_or(NONE)));
                    first.insert(sentence.hash, (firsts.len() - 1) as u32);
                }
                Some((earlier_block, _, _)) if earlier_block == index => {}
                Some((_, earlier_range, _)) => {
                    let line = doc.line_number(earlier_range.start);
                    out.push(
                        Diagnostic::new(
                            RULE.name,
                            range,
                            format!("Sentence repeats one at line {line}"),
                        )
                        .with_related(earlier_range, "first occurrence")
                        .with_fix(Fix::unsafe_(
                            "Remove this sentence",
                            vec![Edit::delete(sentence_removal(doc, block.span, range))],
                        )),
                    );
                }
            }
        }
    }
}

/// The end of a chain of first occurrences.
const NONE: u32 = u32::MAX;

fn sentence_removal(doc: &Document, block: TextRange, sentence: TextRange) -> TextRange {
    if sentence == block {
        let block = doc
            .blocks()
            .iter()
            .find(|b| b.span == block)
            .expect("sentence of a block");
        return doc.removal_span(block);
    }
    let text = doc.text();
    let after = &text[sentence.end..block.end];
    let trailing = after.len() - after.trim_start().len();
    if sentence.end + trailing < block.end {
        return TextRange::new(sentence.start, sentence.end + trailing);
    }
    let before = &text[block.start..sentence.start];
    let leading = before.len() - before.trim_end().len();
    TextRange::new(sentence.start - leading, sentence.end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::diagnostic::Applicability;
    use crate::document::DocumentKind;
    use crate::lint::lint;
    use crate::rules::testing::fix_converges;

    const REPEATED: &str =
        "The Parties intend to strengthen coordination in the UN bodies and structures.";

    fn findings(source: &str, settings: &Settings) -> Vec<(usize, String, String)> {
        let doc = Document::new(source, DocumentKind::Plain);
        lint(&doc, settings)
            .into_iter()
            .filter(|d| d.rule == RULE.name)
            .map(|d| {
                (
                    doc.line_number(d.span.start),
                    d.span.slice(source).to_string(),
                    d.message,
                )
            })
            .collect()
    }

    #[test]
    fn sentence_repeated_in_another_paragraph_is_reported_once() {
        let source = format!(
            "Opening words of the draft. {REPEATED} They will meet in May.\n\nTrade grew strongly in 2024. {}\n",
            REPEATED
                .to_uppercase()
                .replace("THE PARTIES", "The Parties")
        );
        let found = findings(&source, &Settings::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, 3);
        assert_eq!(found[0].2, "Sentence repeats one at line 1");
        let doc = Document::new(source.as_str(), DocumentKind::Plain);
        let all = lint(&doc, &Settings::default());
        let d = all.iter().find(|d| d.rule == RULE.name).unwrap();
        assert_eq!(d.severity, crate::diagnostic::Severity::Info);
        assert_eq!(d.related[0].span.slice(&source), REPEATED);
    }

    #[test]
    fn short_sentences_and_repeats_inside_one_paragraph_are_ignored() {
        let source = "The meeting was held today. Thanks to all.\n\nThe meeting was held today. Thanks to all again.\n";
        assert!(findings(source, &Settings::default()).is_empty());
        let same_paragraph = format!("{REPEATED} And then {REPEATED}\n\nOther text here.\n");
        assert!(findings(&same_paragraph, &Settings::default()).is_empty());
        let shorter =
            Settings::from_toml("[rules.duplicate-sentence]\nmin-words = 4\n", None).unwrap();
        assert_eq!(findings(source, &shorter).len(), 1);
    }

    #[test]
    fn abbreviations_do_not_split_the_sentence() {
        // Split at "U.S." the shared tail would be a repeated sentence of its own.
        let tail = "Representatives discussed cooperation on the implementation of Art. 5 and para. 3 in detail.";
        let source = format!("Talks with the U.S. {tail}\n\nTalks with the U.N. {tail}\n");
        assert!(findings(&source, &Settings::default()).is_empty());
    }

    #[test]
    fn paragraphs_reported_as_copies_are_not_reported_again() {
        let para = format!("Opening words of the draft. {REPEATED} They will meet in May again.");
        let near = para.replace("meet in May again", "meet in June again");
        let source = format!("{para}\n\n{para}\n\nA different paragraph entirely.\n\n{near}\n");
        assert!(findings(&source, &Settings::default()).is_empty());
        // Turning the paragraph rules off silences the accident; it does not move it here.
        let off = Settings::from_toml(
            "[rules.duplicate-paragraph]\nseverity = \"off\"\n[rules.near-duplicate-paragraph]\nseverity = \"off\"\n",
            None,
        )
        .unwrap();
        assert!(findings(&source, &off).is_empty());
        // A paragraph that is not a copy still gets its repeated sentence reported.
        let own = format!("{source}\nSomething new is said here first. {REPEATED}\n");
        let lines: Vec<usize> = findings(&own, &off).iter().map(|f| f.0).collect();
        assert_eq!(lines, [9]);
    }

    #[test]
    fn removing_the_sentence_converges_and_keeps_the_rest() {
        let source = format!(
            "Opening words of the draft. {REPEATED} They will meet in May.\n\nTrade grew in 2024. {REPEATED}\n\n{REPEATED} Closing words follow here.\n"
        );
        let outcome = fix_converges(RULE.name, &source, Applicability::Unsafe);
        assert_eq!(
            outcome.text,
            format!(
                "Opening words of the draft. {REPEATED} They will meet in May.\n\nTrade grew in 2024.\n\nClosing words follow here.\n"
            )
        );
    }
}
