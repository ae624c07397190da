use serde::Deserialize;
use similar::{Algorithm, DiffOp, capture_diff_slices};
use std::sync::{Arc, OnceLock};

use crate::FastMap;
use crate::config::Settings;
use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Edit, Fix, TextRange};
use crate::document::Document;
use crate::rules::duplicate_paragraph::FirstCopies;
use crate::rules::{Check, Context};
use crate::similarity::{IncrementalMatches, Match, ParagraphFacts, best_earlier_matches};
use crate::text::words;

declare_rule! {
    /// ## What it does
    /// Finds a paragraph whose words are nearly the same as those of an earlier paragraph of the
    /// same draft: a copy pasted twice with a word changed, or last round's version left beside
    /// this round's. Similarity is measured over word shingles (pairs of consecutive words, case
    /// and quote style folded): `2 × shared pairs ÷ all pairs of both paragraphs`. One changed
    /// word in a 40-word paragraph gives about 0.95; parallel paragraphs that share a frame but
    /// not their substance stay far below the default threshold of 0.8.
    ///
    /// The finding is on the later copy, points at the earlier one, and says what differs,
    /// computed with a word diff: `"further" → "also"` (the earlier copy has "further", this one
    /// "also"), `"jointly" removed` (only the earlier copy has it), `"fully" added`.
    /// Copies that are the same once case, spacing and quote style are folded are
    /// `duplicate-paragraph` findings and are not reported again here.
    ///
    /// ## Why it matters
    /// Two near-identical paragraphs are harder to spot than exact copies and worse when
    /// published: readers cannot tell which wording the parties agreed to.
    ///
    /// ## Example
    /// ```text
    /// 14  The Parties will further strengthen jointly their coordination in the UN bodies and
    ///     structures, and will continue cooperation to strengthen the international nuclear
    ///     non-proliferation regime.
    /// ...
    /// 31  The Parties will also strengthen their coordination in the UN bodies and structures,
    ///     and will continue cooperation to strengthen the international nuclear
    ///     non-proliferation regime.
    ///     ^ 85% similar to the paragraph at line 14; differs from it: "further" → "also"; "jointly" removed
    /// ```
    ///
    /// ## Fix safety
    /// Two unsafe fixes, because the words that differ are lost either way: "Remove this copy"
    /// deletes the later paragraph, "Replace the other copy with this one" puts this wording in
    /// place of the earlier one (the now exact copy is then `duplicate-paragraph`'s to remove).
    ///
    /// ## Options
    /// - `threshold` (default 0.8): lowest similarity reported, between 0 and 1.
    /// - `min-words` (default 12): shorter paragraphs are never compared.
    pub static RULE {
        name: "near-duplicate-paragraph",
        family: Duplicates,
        severity: Warning,
        enabled: true,
        fix: Always,
        summary: "A paragraph nearly repeats an earlier paragraph of the same draft",
        check: Check::Document(check),
        options: Options,
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    #[serde(deserialize_with = "deserialize_threshold")]
    pub threshold: f64,
    pub min_words: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            threshold: 0.8,
            min_words: 12,
        }
    }
}

pub(crate) fn deserialize_threshold<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<f64, D::Error> {
    let value = f64::deserialize(d)?;
    if (0.0..=1.0).contains(&value) && value > 0.0 {
        Ok(value)
    } else {
        Err(serde::de::Error::custom(format!(
            "threshold must be above 0 and at most 1, found {value}"
        )))
    }
}

/// A later block that nearly repeats an earlier one (indexes into `Document::blocks`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NearDuplicate {
    pub later: usize,
    pub earlier: usize,
    pub similarity: f64,
}

/// The pairs found for one draft with one threshold and minimum length, kept on the document:
/// this rule and `duplicate-sentence` both need them.
pub struct FoundPairs {
    threshold: f64,
    min_words: usize,
    pairs: Vec<NearDuplicate>,
    /// The word diff of each pair, when a caller that keeps them provided them.
    differences: OnceLock<Vec<Arc<str>>>,
}

/// The near-duplicate pairs of a draft: each later block with its most similar earlier block.
pub fn find(doc: &Document, options: &Options) -> Arc<FoundPairs> {
    find_with(doc, options, || search(doc, options))
}

fn find_with(
    doc: &Document,
    options: &Options,
    search: impl FnOnce() -> Vec<NearDuplicate>,
) -> Arc<FoundPairs> {
    doc.memo(
        |found: &FoundPairs| {
            found.threshold == options.threshold && found.min_words == options.min_words
        },
        || FoundPairs {
            threshold: options.threshold,
            min_words: options.min_words,
            pairs: search(),
            differences: OnceLock::new(),
        },
    )
}

impl std::ops::Deref for FoundPairs {
    type Target = [NearDuplicate];
    fn deref(&self) -> &[NearDuplicate] {
        &self.pairs
    }
}

/// The paragraphs the search compares: long enough, and not exact copies of an earlier one
/// (those belong to `duplicate-paragraph`), as block indexes.
fn candidates(doc: &Document, options: &Options) -> Vec<usize> {
    let facts = doc.paragraph_facts();
    let copies = FirstCopies::of(doc);
    (0..facts.len())
        .filter(|&i| !copies.is_later_copy(i) && facts[i].words as usize >= options.min_words)
        .collect()
}

fn pairs(candidates: &[usize], found: Vec<Option<Match>>) -> Vec<NearDuplicate> {
    found
        .into_iter()
        .enumerate()
        .filter_map(|(later, found)| {
            found.map(|m| NearDuplicate {
                later: candidates[later],
                earlier: candidates[m.other],
                similarity: m.similarity,
            })
        })
        .collect()
}

fn search(doc: &Document, options: &Options) -> Vec<NearDuplicate> {
    let facts = doc.paragraph_facts();
    let candidates = candidates(doc, options);
    let items: Vec<&ParagraphFacts> = candidates.iter().map(|&i| &*facts[i]).collect();
    pairs(
        &candidates,
        best_earlier_matches(&items, options.threshold, |_, _| true),
    )
}

/// What the language server keeps of this rule's work between versions of a draft: the
/// near-duplicate search and the word diffs of the pairs it found.
#[derive(Default)]
pub struct KeptSearch {
    matches: IncrementalMatches,
    /// Word-diff descriptions by pair of paragraph facts (earlier, later), each a function of
    /// the two texts alone. The entry holds both `Arc`s, so their addresses cannot be reused
    /// while it exists; `true` while the latest run used it.
    differences: FastMap<(usize, usize), KeptDifference>,
}

struct KeptDifference {
    _facts: (Arc<ParagraphFacts>, Arc<ParagraphFacts>),
    description: Arc<str>,
    used: bool,
}

/// Gives `doc` its near-duplicate pairs (what [`find`] returns) from `kept`, the search kept
/// from the previous version of the draft: only what the edit changed is searched again (the
/// language server's lint cache). The pairs are the same as [`find`] computes from scratch.
/// With `describe`, the word diffs of the messages come along, reused for pairs seen before.
pub fn provide(doc: &Document, settings: &Settings, kept: &mut KeptSearch, describe: bool) {
    let options = settings.options::<Options>(&RULE);
    let found = find_with(doc, options, || {
        let facts = doc.paragraph_facts();
        let candidates = candidates(doc, options);
        let items: Vec<Arc<ParagraphFacts>> =
            candidates.iter().map(|&i| Arc::clone(&facts[i])).collect();
        pairs(&candidates, kept.matches.update(&items, options.threshold))
    });
    if !describe {
        return;
    }
    let facts = doc.paragraph_facts();
    let blocks = doc.blocks();
    let text = doc.text();
    let differences: Vec<Arc<str>> = found
        .iter()
        .map(|pair| {
            let (earlier, later) = (&facts[pair.earlier], &facts[pair.later]);
            let key = (Arc::as_ptr(earlier) as usize, Arc::as_ptr(later) as usize);
            let entry = kept
                .differences
                .entry(key)
                .or_insert_with(|| KeptDifference {
                    _facts: (Arc::clone(earlier), Arc::clone(later)),
                    description: describe_difference(
                        text,
                        blocks[pair.earlier].span,
                        text,
                        blocks[pair.later].span,
                    )
                    .into(),
                    used: false,
                });
            entry.used = true;
            Arc::clone(&entry.description)
        })
        .collect();
    kept.differences
        .retain(|_, kept| std::mem::take(&mut kept.used));
    let _ = found.differences.set(differences);
}

fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let doc = ctx.doc;
    let blocks = doc.blocks();
    let text = doc.text();
    let found = find(doc, ctx.options::<Options>());
    let kept_differences = found.differences.get();
    for (index, &pair) in found.iter().enumerate() {
        let block = &blocks[pair.later];
        let other = blocks[pair.earlier].span;
        let line = doc.line_number(other.start);
        let percent = (pair.similarity * 100.0).floor();
        let difference = match kept_differences {
            Some(kept) => kept[index].to_string(),
            None => describe_difference(text, other, text, block.span),
        };
        let message = format!(
            "{percent}% similar to the paragraph at line {line}; differs from it: {difference}"
        );
        out.push(
            Diagnostic::new(RULE.name, block.span, message)
                .with_related(other, "similar paragraph")
                .with_fix(Fix::unsafe_(
                    "Remove this copy",
                    vec![Edit::delete(doc.removal_span(block))],
                ))
                .with_fix(Fix::unsafe_(
                    "Replace the other copy with this one",
                    vec![Edit::replace(other, block.span.slice(doc.source()))],
                )),
        );
    }
}

/// Changes listed before "and N more".
const MAX_CHANGES_SHOWN: usize = 3;
/// Longer phrases are shortened to their first and last words.
const MAX_PHRASE_WORDS: usize = 6;

/// What `new` changes in `old`, word by word: `"further" → "also"; "jointly" removed`.
/// `old` and `new` are ranges of `old_text` and `new_text` (the same text within one draft).
pub fn describe_difference<'a>(
    old_text: &'a str,
    old: TextRange,
    new_text: &'a str,
    new: TextRange,
) -> String {
    // A word and its space take about six bytes: room for most paragraphs' words at once.
    let words_of = |text: &'a str, range: TextRange| {
        let mut found: Vec<&'a str> = Vec::with_capacity(range.len() / 5 + 1);
        found.extend(words(text, range).map(|r| r.slice(text)));
        found
    };
    let old_words = words_of(old_text, old);
    let new_words = words_of(new_text, new);
    // Words compared by the hash of their normalized form (one buffer, no string per word);
    // equal normalized words have equal hashes, and unequal ones collide with odds of 2^-64.
    // An ASCII word (letters, digits, inner apostrophes and hyphens) normalizes to its lower
    // case: only other words go through the normalizer.
    let mut normalized = String::new();
    let mut lowered: Vec<u8> = Vec::new();
    let mut key = |w: &&str| {
        if w.is_ascii() {
            lowered.clear();
            lowered.extend(w.bytes().map(|b| b.to_ascii_lowercase()));
            return xxhash_rust::xxh3::xxh3_64(&lowered);
        }
        crate::text::normalize_into(w, &mut normalized);
        xxhash_rust::xxh3::xxh3_64(normalized.as_bytes())
    };
    let old_keys: Vec<u64> = old_words.iter().map(&mut key).collect();
    let new_keys: Vec<u64> = new_words.iter().map(&mut key).collect();
    let phrase = |words: &[&str]| -> String {
        let shown: Vec<&str> = if words.len() > MAX_PHRASE_WORDS {
            let tail = &words[words.len() - 2..];
            words[..3]
                .iter()
                .chain(std::iter::once(&"…"))
                .chain(tail)
                .copied()
                .collect()
        } else {
            words.to_vec()
        };
        format!("\"{}\"", shown.join(" "))
    };
    let changes: Vec<String> = capture_diff_slices(Algorithm::Myers, &old_keys, &new_keys)
        .into_iter()
        .filter_map(|op| match op {
            DiffOp::Equal { .. } => None,
            DiffOp::Delete {
                old_index, old_len, ..
            } => Some(format!(
                "{} removed",
                phrase(&old_words[old_index..old_index + old_len])
            )),
            DiffOp::Insert {
                new_index, new_len, ..
            } => Some(format!(
                "{} added",
                phrase(&new_words[new_index..new_index + new_len])
            )),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => Some(format!(
                "{} → {}",
                phrase(&old_words[old_index..old_index + old_len]),
                phrase(&new_words[new_index..new_index + new_len])
            )),
        })
        .collect();
    if changes.is_empty() {
        return "only punctuation or symbols differ".to_string();
    }
    let mut description = changes[..changes.len().min(MAX_CHANGES_SHOWN)].join("; ");
    if changes.len() > MAX_CHANGES_SHOWN {
        let more = changes.len() - MAX_CHANGES_SHOWN;
        description.push_str(&format!(
            "; and {more} more {}",
            if more == 1 { "change" } else { "changes" }
        ));
    }
    description
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::diagnostic::Applicability;
    use crate::document::DocumentKind;
    use crate::fix::{apply_fixes, fix_document};
    use crate::lint::lint;

    const PARA: &str = "The Parties will further strengthen jointly their coordination in the UN bodies and structures, and will continue cooperation to strengthen the international nuclear non-proliferation regime.";
    const OTHER: &str = "The Heads of State discussed a wide range of topical issues on the bilateral agenda and promising areas of further development of cooperation.";

    fn variant() -> String {
        PARA.replace("further", "also").replace("jointly ", "")
    }

    fn findings(source: &str, settings: &Settings) -> Vec<(usize, Diagnostic)> {
        let doc = Document::new(source, DocumentKind::Plain);
        lint(&doc, settings)
            .into_iter()
            .filter(|d| d.rule == RULE.name)
            .map(|d| (doc.line_number(d.span.start), d))
            .collect()
    }

    fn diff_of(old: &str, new: &str) -> String {
        let text = format!("{old}\n{new}");
        describe_difference(
            &text,
            TextRange::new(0, old.len()),
            &text,
            TextRange::new(old.len() + 1, text.len()),
        )
    }

    #[test]
    fn word_diff_names_replacements_removals_and_additions() {
        assert_eq!(
            diff_of(PARA, &variant()),
            "\"further\" → \"also\"; \"jointly\" removed"
        );
        assert_eq!(
            diff_of(
                "We strongly support the plan today",
                "We support the plan fully today"
            ),
            "\"strongly\" removed; \"fully\" added"
        );
        assert_eq!(
            diff_of("a b c d e f g h", "a B, c d e f g h!"),
            "only punctuation or symbols differ"
        );
    }

    /// The word diff keys ASCII words by their lower case instead of normalizing them: the same
    /// thing, for every kind of ASCII word the splitter returns.
    #[test]
    fn ascii_words_normalize_to_their_lower_case() {
        let text = "The U.N. Co-operation of Russia's A/RES/80/1 `quoted' 3.5 2025-2030 UN-led \
                    e.g. Member-States' x-ray";
        for range in words(text, TextRange::new(0, text.len())) {
            let word = range.slice(text);
            assert_eq!(crate::text::normalize(word), word.to_ascii_lowercase());
        }
        assert_eq!(
            diff_of(
                "The Parties AGREE to co-operate fully",
                "the parties agree to Co-Operate fully"
            ),
            "only punctuation or symbols differ"
        );
    }
    #[test]
    fn word_diff_shortens_long_phrases_and_many_changes() {
        assert_eq!(
            diff_of(
                "keep one two three four five six seven eight keep",
                "keep keep"
            ),
            "\"one two three … seven eight\" removed"
        );
        assert_eq!(
            diff_of("a b c d e f g h i j", "A x c y e z g w i j"),
            "\"b\" → \"x\"; \"d\" → \"y\"; \"f\" → \"z\"; and 1 more change"
        );
    }

    /// The documentation's example, word for word.
    #[test]
    fn later_copy_is_reported_with_similarity_diff_and_related_span() {
        let source = format!("{PARA}\n\n{OTHER}\n\n{}\n", variant());
        let found = findings(&source, &Settings::default());
        assert_eq!(found.len(), 1);
        let (line, d) = &found[0];
        assert_eq!(*line, 5);
        assert_eq!(
            d.message,
            "85% similar to the paragraph at line 1; differs from it: \"further\" → \"also\"; \"jointly\" removed"
        );
        assert_eq!(d.related[0].span, TextRange::new(0, PARA.len()));
        assert_eq!(d.fixes.len(), 2);
        assert!(
            d.fixes
                .iter()
                .all(|f| f.applicability == Applicability::Unsafe)
        );
    }

    #[test]
    fn threshold_and_min_words_are_configurable() {
        let source = format!("{PARA}\n\n{}\n", variant());
        let strict =
            Settings::from_toml("[rules.near-duplicate-paragraph]\nthreshold = 0.9\n", None)
                .unwrap();
        assert!(findings(&source, &strict).is_empty());
        let long_only =
            Settings::from_toml("[rules.near-duplicate-paragraph]\nmin-words = 40\n", None)
                .unwrap();
        assert!(findings(&source, &long_only).is_empty());
        assert_eq!(findings(&source, &Settings::default()).len(), 1);
        let short = "The Parties will meet again in Minsk next year.\n\nThe Parties will meet again in Moscow next year.\n";
        assert!(findings(short, &Settings::default()).is_empty());
        let loose = Settings::from_toml(
            "[rules.near-duplicate-paragraph]\nmin-words = 5\nthreshold = 0.6\n",
            None,
        )
        .unwrap();
        assert_eq!(findings(short, &loose).len(), 1);
    }

    #[test]
    fn invalid_threshold_is_a_configuration_error() {
        let error =
            Settings::from_toml("[rules.near-duplicate-paragraph]\nthreshold = 1.5\n", None)
                .unwrap_err();
        assert!(error.to_string().contains("threshold"), "{error}");
        assert_eq!(error.line, Some(1));
    }

    #[test]
    fn exact_copies_are_left_to_duplicate_paragraph() {
        let source = format!("{PARA}\n\n{PARA}\n\n{}\n", variant());
        let doc = Document::new(source.as_str(), DocumentKind::Plain);
        let all = lint(&doc, &Settings::default());
        let rules: Vec<(&str, usize)> = all
            .iter()
            .map(|d| (d.rule, doc.line_number(d.span.start)))
            .collect();
        assert_eq!(
            rules,
            [("duplicate-paragraph", 3), ("near-duplicate-paragraph", 5)]
        );
    }

    #[test]
    fn remove_this_copy_converges_and_keeps_the_first() {
        let source = format!("{PARA}\n\n{OTHER}\n\n{}\n", variant());
        let outcome = fix_document(
            &source,
            DocumentKind::Plain,
            &Settings::default(),
            Applicability::Unsafe,
        );
        assert!(outcome.converged);
        assert_eq!(outcome.text, format!("{PARA}\n\n{OTHER}\n"));
        assert!(outcome.remaining.is_empty());
        // Safe fixing alone never loses the differing words.
        let safe = fix_document(
            &source,
            DocumentKind::Plain,
            &Settings::default(),
            Applicability::Safe,
        );
        assert_eq!(safe.text, source);
    }

    #[test]
    fn replace_the_other_copy_then_remove_the_exact_copy_converges() {
        let source = format!("{PARA}\n\n{OTHER}\n\n{}\n", variant());
        let (_, d) = findings(&source, &Settings::default()).remove(0);
        let replace = d.fixes[1].clone();
        assert_eq!(replace.title, "Replace the other copy with this one");
        let only_replace = Diagnostic {
            fixes: vec![replace],
            ..d
        };
        let (replaced, applied) = apply_fixes(&source, &[only_replace], Applicability::Unsafe);
        assert_eq!(applied, 1);
        assert_eq!(
            replaced,
            format!("{}\n\n{OTHER}\n\n{}\n", variant(), variant())
        );
        // Now an exact copy: duplicate-paragraph's safe fix finishes the job.
        let outcome = fix_document(
            &replaced,
            DocumentKind::Plain,
            &Settings::default(),
            Applicability::Safe,
        );
        assert!(outcome.converged);
        assert_eq!(outcome.text, format!("{}\n\n{OTHER}\n", variant()));
        assert!(outcome.remaining.is_empty());
    }

    #[test]
    fn markdown_copies_are_compared_on_their_prose() {
        let source = format!("# Draft\n\n- {PARA}\n- {OTHER}\n- {}\n", variant());
        let doc = Document::new(source.as_str(), DocumentKind::Markdown);
        let found: Vec<Diagnostic> = lint(&doc, &Settings::default())
            .into_iter()
            .filter(|d| d.rule == RULE.name)
            .collect();
        assert_eq!(found.len(), 1);
        assert_eq!(doc.line_number(found[0].span.start), 5);
        let outcome = fix_document(
            &source,
            DocumentKind::Markdown,
            &Settings::default(),
            Applicability::Unsafe,
        );
        assert!(outcome.converged);
        assert_eq!(outcome.text, format!("# Draft\n\n- {PARA}\n- {OTHER}\n"));
    }
}
