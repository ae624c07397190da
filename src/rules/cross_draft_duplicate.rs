use std::collections::hash_map::Entry;
use std::sync::{Arc, Mutex};

use regex::{Regex, RegexBuilder};
use serde::Deserialize;

use crate::config::Settings;
use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Edit, Fix, TextRange};
use crate::document::Document;
use crate::rules::near_duplicate_paragraph::describe_difference;
use crate::rules::{Check, RuleMeta, WorkspaceDoc};
use crate::similarity::{ParagraphFacts, TextKey, best_earlier_matches};
use crate::{FastMap, FastSet};

declare_rule! {
    /// ## What it does
    /// In one `sherpa check` run over several drafts, finds paragraphs that appear in more than
    /// one file: the same text (case, spacing and quote style folded) or, by default, nearly the
    /// same text (similarity of at least 0.8 over word pairs, as in `near-duplicate-paragraph`).
    /// Files are taken in path order: the later path carries the finding, and the related span
    /// points into the earlier file.
    ///
    /// Boilerplate that legitimately repeats across many files (press-office sign-offs,
    /// mastheads) is not reported: a paragraph found in more than `max-files` files (default 5)
    /// is ignored, and so is one that matches an `allow` pattern.
    ///
    /// ## Why it matters
    /// A package of drafts (a declaration and its annexes, this round and last round) drifts
    /// apart when the same paragraph lives in two files: an edit to one copy is forgotten in
    /// the other, and the package contradicts itself.
    ///
    /// ## Example
    /// ```text
    /// annex-b.md:7  We reaffirm our commitment to the 2030 Agenda for Sustainable Development and its Goals.
    ///               ^ Paragraph also appears in annex-a.md:12
    /// ```
    ///
    /// ## Fix safety
    /// Display-only: "Remove this copy" is shown but never applied, because which file should
    /// keep the paragraph is a decision about the whole package, and sherpa never deletes text
    /// because of another file.
    ///
    /// ## Options
    /// - `max-files` (default 5): paragraphs found in more files than this are boilerplate.
    /// - `allow` (default none): regular expressions, matched case-insensitively anywhere in the
    ///   paragraph; a matching paragraph is never reported. A plain phrase works as a pattern,
    ///   e.g. `allow = ["^For immediate release", "Office of the Spokesperson"]`.
    /// - `min-words` (default 12): shorter paragraphs are never compared.
    /// - `threshold` (default 0.8): lowest similarity counted as a copy; 1 reports only copies
    ///   whose words are all the same.
    pub static RULE {
        name: "cross-draft-duplicate",
        family: Duplicates,
        severity: Info,
        enabled: true,
        fix: Always,
        summary: "A paragraph also appears in another draft of the same run",
        check: Check::Workspace(check),
        options: Options,
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    pub max_files: usize,
    #[serde(deserialize_with = "deserialize_patterns")]
    pub allow: Vec<Regex>,
    pub min_words: usize,
    #[serde(deserialize_with = "crate::rules::near_duplicate_paragraph::deserialize_threshold")]
    pub threshold: f64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_files: 5,
            allow: Vec::new(),
            min_words: 12,
            threshold: 0.8,
        }
    }
}

fn deserialize_patterns<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Regex>, D::Error> {
    Vec::<String>::deserialize(d)?
        .into_iter()
        .map(|pattern| {
            RegexBuilder::new(&pattern)
                .case_insensitive(true)
                .build()
                .map_err(|e| serde::de::Error::custom(format!("allow pattern `{pattern}`: {e}")))
        })
        .collect()
}

/// The paragraphs of one draft that take part in the comparison, with their facts: the first
/// copy of each text in the draft (later ones are `duplicate-paragraph`'s), of at least
/// `min-words` words. This is all the rule needs of a draft to find its copies, so a batch
/// keeps this and drops the draft's text.
#[derive(Clone, Debug, Default)]
pub struct DraftParagraphs {
    /// Block index (in [`Document::blocks`]) and facts, in text order.
    pub paragraphs: Vec<(usize, Arc<ParagraphFacts>)>,
}

impl DraftParagraphs {
    pub fn of(doc: &Document, settings: &Settings) -> Self {
        let min_words = settings.options::<Options>(&RULE).min_words;
        let mut seen_here = FastSet::default();
        let paragraphs = doc
            .paragraph_facts()
            .iter()
            .enumerate()
            .filter(|(_, f)| seen_here.insert(f.text_key()) && f.words as usize >= min_words)
            .map(|(block, f)| (block, Arc::clone(f)))
            .collect();
        Self { paragraphs }
    }

    /// The same paragraphs with facts a batch can keep after the draft is dropped: those of a
    /// paragraph already met in another draft are shared (see [`SharedFacts`]), the others are
    /// [`ParagraphFacts::for_comparison`] copies. Called after the draft's rules, the copies
    /// take the MinHash and sorted shingles those rules computed instead of computing them
    /// again, and in the parallel part of a batch rather than in the comparison after it.
    pub fn compact(self, shared: &SharedFacts) -> Self {
        let paragraphs = self
            .paragraphs
            .into_iter()
            .map(|(block, facts)| (block, shared.intern(&facts)))
            .collect();
        Self { paragraphs }
    }
}

/// Paragraph facts kept once for all the drafts of a batch that contain the paragraph: rounds
/// of a negotiation repeat most paragraphs, so the facts kept grow with the distinct
/// paragraphs, not with the drafts.
#[derive(Default)]
pub struct SharedFacts {
    /// By text key, each with the fingerprint of its shingles.
    by_key: Mutex<FastMap<TextKey, Vec<KeptFacts>>>,
}

/// Facts kept for comparison, with [`ParagraphFacts::shingles_fingerprint`] of the original.
type KeptFacts = (u64, Arc<ParagraphFacts>);

impl SharedFacts {
    /// Facts equal to `facts` for the comparison, shared when another draft had them first.
    pub fn intern(&self, facts: &ParagraphFacts) -> Arc<ParagraphFacts> {
        let key = facts.text_key();
        // Equal keys mean equal normalized text, but a dash folded alike may split words
        // differently: equal shingles (the fingerprint is of their text order) make sure
        // nothing the comparison reads differs.
        let fingerprint = facts.shingles_fingerprint();
        let lock = || self.by_key.lock().unwrap_or_else(|e| e.into_inner());
        let kept_copy = |kept: &[KeptFacts]| {
            kept.iter()
                .find(|(f, _)| *f == fingerprint)
                .map(|(_, facts)| Arc::clone(facts))
        };
        if let Some(kept) = lock().get(&key).and_then(|kept| kept_copy(kept)) {
            return kept;
        }
        // Sorted and copied outside the lock; when another draft put the same facts in
        // meanwhile, its copy is the one kept.
        let own = Arc::new(facts.for_comparison());
        let mut by_key = lock();
        let kept = by_key.entry(key).or_default();
        if let Some(theirs) = kept_copy(kept) {
            return theirs;
        }
        kept.push((fingerprint, Arc::clone(&own)));
        own
    }

    /// Distinct facts kept.
    pub fn len(&self) -> usize {
        let by_key = self.by_key.lock().unwrap_or_else(|e| e.into_inner());
        by_key.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One draft as the comparison sees it.
pub struct Participant<'a> {
    pub path: &'a str,
    pub settings: &'a Settings,
    pub paragraphs: &'a DraftParagraphs,
}

/// A paragraph (block `block` of draft `doc`) found again in an earlier draft (block
/// `other_block` of draft `other`) and not ignored as boilerplate: what a finding needs besides
/// the text of the two paragraphs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FoundCopy {
    pub doc: usize,
    pub block: usize,
    pub other: usize,
    pub other_block: usize,
    pub similarity: f64,
    /// The same text, not only a similar one.
    pub exact: bool,
    /// Drafts the paragraph is found in.
    pub files: usize,
}

/// One paragraph taking part: a block of a draft, first copy within its own draft.
struct Item<'a> {
    doc: usize,
    block: usize,
    facts: &'a ParagraphFacts,
}

/// The copies across `drafts`, in the order of the drafts' paths and of the paragraphs in each.
/// Reads only paragraph facts; `allow` patterns, which read text, are applied by
/// [`copy_finding`].
pub fn find_copies(drafts: &[Participant<'_>]) -> Vec<FoundCopy> {
    let rule = &RULE;
    let mut copies = Vec::new();
    if drafts.len() < 2 || !drafts.iter().any(|d| d.settings.is_enabled(rule)) {
        return copies;
    }
    let options = |doc: usize| drafts[doc].settings.options::<Options>(rule);
    let mut order: Vec<usize> = (0..drafts.len()).collect();
    order.sort_by(|&a, &b| drafts[a].path.cmp(drafts[b].path).then(a.cmp(&b)));

    // Paragraphs in (path, position) order, so "earlier" means earlier path.
    let items: Vec<Item<'_>> = order
        .iter()
        .flat_map(|&doc| {
            drafts[doc]
                .paragraphs
                .paragraphs
                .iter()
                .map(move |(block, facts)| Item {
                    doc,
                    block: *block,
                    facts,
                })
        })
        .collect();

    // Exact copies: every later copy points at the first one.
    let mut first_exact: FastMap<TextKey, usize> =
        FastMap::with_capacity_and_hasher(items.len(), Default::default());
    let mut matches: Vec<Option<(usize, f64)>> = vec![None; items.len()];
    let mut representatives: Vec<usize> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match first_exact.entry(item.facts.text_key()) {
            Entry::Occupied(first) => matches[index] = Some((*first.get(), 1.0)),
            Entry::Vacant(slot) => {
                slot.insert(index);
                representatives.push(index);
            }
        }
    }

    // Near copies among the distinct texts, across files only. The lowest threshold of any
    // draft is searched; each finding is then held to its own draft's threshold.
    let threshold = (0..drafts.len())
        .map(|d| options(d).threshold)
        .fold(1.0, f64::min);
    let distinct: Vec<&ParagraphFacts> = representatives.iter().map(|&i| items[i].facts).collect();
    let near = best_earlier_matches(&distinct, threshold, |earlier, later| {
        items[representatives[earlier]].doc != items[representatives[later]].doc
    });
    for (later, found) in near.into_iter().enumerate() {
        if let Some(m) = found {
            matches[representatives[later]] = Some((representatives[m.other], m.similarity));
        }
    }

    // Groups of copies, to count the files each paragraph is found in.
    let mut groups = UnionFind::new(items.len());
    for (index, found) in matches.iter().enumerate() {
        if let Some((other, _)) = found {
            groups.union(index, *other);
        }
    }
    let mut files_per_group: FastMap<usize, Vec<usize>> = FastMap::default();
    for (index, item) in items.iter().enumerate() {
        let files = files_per_group.entry(groups.find(index)).or_default();
        if !files.contains(&item.doc) {
            files.push(item.doc);
        }
    }

    for (index, found) in matches.iter().enumerate() {
        let Some((other, similarity)) = *found else {
            continue;
        };
        let item = &items[index];
        let first = &items[other];
        if item.doc == first.doc {
            continue;
        }
        let options = options(item.doc);
        let files = files_per_group[&groups.find(index)].len();
        if similarity < options.threshold || files > options.max_files {
            continue;
        }
        copies.push(FoundCopy {
            doc: item.doc,
            block: item.block,
            other: first.doc,
            other_block: first.block,
            similarity,
            exact: item.facts.text_key() == first.facts.text_key(),
            files,
        });
    }
    copies
}

/// What a finding says of the other copy of a paragraph.
#[derive(Clone, Debug)]
pub struct OtherCopy {
    pub path: Arc<str>,
    pub span: TextRange,
    /// One-based line of its start.
    pub line: usize,
    /// Its text as rules read it, to say what differs (only for copies that are not exact).
    pub text: Option<Box<str>>,
}

impl OtherCopy {
    pub fn of(path: Arc<str>, doc: &Document, block: usize, with_text: bool) -> Self {
        let span = doc.blocks()[block].span;
        Self {
            path,
            span,
            line: doc.line_number(span.start),
            text: with_text.then(|| span.slice(doc.text()).into()),
        }
    }
}

/// The finding for `copy` in its own draft `doc`, or `None` when an `allow` pattern of the
/// draft's settings matches the paragraph. `other` is [`OtherCopy::of`] the earlier copy, with
/// its text unless the copy is exact.
pub fn copy_finding(
    doc: &Document,
    settings: &Settings,
    copy: &FoundCopy,
    other: &OtherCopy,
) -> Option<Diagnostic> {
    let options = settings.options::<Options>(&RULE);
    let block = doc.blocks()[copy.block];
    let text = doc.text();
    if options
        .allow
        .iter()
        .any(|p| p.is_match(block.span.slice(text)))
    {
        return None;
    }
    let place = format!("{}:{}", other.path, other.line);
    let elsewhere = match copy.files {
        0..=2 => String::new(),
        3 => " (and 1 other draft)".to_string(),
        files => format!(" (and {} other drafts)", files - 2),
    };
    let message = match (&other.text, copy.exact) {
        (Some(other_text), false) => format!(
            "{}% similar to a paragraph in {place}{elsewhere}; differs from it: {}",
            (copy.similarity * 100.0).floor(),
            describe_difference(
                other_text,
                TextRange::new(0, other_text.len()),
                text,
                block.span
            )
        ),
        _ => format!("Paragraph also appears in {place}{elsewhere}"),
    };
    Some(
        Diagnostic::new(RULE.name, block.span, message)
            .with_related_in(other.path.clone(), other.span, "other copy")
            .with_fix(Fix::display_only(
                format!("Remove this copy (the paragraph stays in {})", other.path),
                vec![Edit::delete(doc.removal_span(&block))],
            )),
    )
}

/// The rule over drafts held in memory (the language server, [`crate::lint::lint_workspace`]).
fn check(docs: &[WorkspaceDoc<'_>], _rule: &RuleMeta, out: &mut [Vec<Diagnostic>]) {
    if docs.len() < 2 || !docs.iter().any(|d| d.settings.is_enabled(&RULE)) {
        return;
    }
    let paragraphs: Vec<DraftParagraphs> = docs
        .iter()
        .map(|d| DraftParagraphs::of(d.doc, d.settings))
        .collect();
    let participants: Vec<Participant<'_>> = docs
        .iter()
        .zip(&paragraphs)
        .map(|(d, paragraphs)| Participant {
            path: &d.path,
            settings: d.settings,
            paragraphs,
        })
        .collect();
    for copy in find_copies(&participants) {
        let there = &docs[copy.other];
        let other = OtherCopy::of(there.path.clone(), there.doc, copy.other_block, !copy.exact);
        let here = &docs[copy.doc];
        out[copy.doc].extend(copy_finding(here.doc, here.settings, &copy, &other));
    }
}

struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(len: usize) -> Self {
        Self {
            parent: (0..len).collect(),
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.parent[a.max(b)] = a.min(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Applicability;
    use crate::document::DocumentKind;
    use crate::lint::lint_workspace;

    const SHARED: &str = "We reaffirm our commitment to the 2030 Agenda for Sustainable Development and to achieving all of its Goals and targets by 2030.";
    const SIGN_OFF: &str = "For further information, please contact the Office of the Spokesperson at the press office by email or telephone.";

    fn run(files: &[(&str, String)], settings: &Settings) -> Vec<(String, usize, String)> {
        let docs: Vec<Document> = files
            .iter()
            .map(|(_, text)| Document::new(text.as_str(), DocumentKind::Plain))
            .collect();
        let workspace: Vec<WorkspaceDoc<'_>> = files
            .iter()
            .zip(&docs)
            .map(|((path, _), doc)| WorkspaceDoc {
                path: Arc::from(*path),
                doc,
                settings,
            })
            .collect();
        let results = lint_workspace(&workspace);
        let mut found = Vec::new();
        for ((path, _), (doc, diagnostics)) in files.iter().zip(docs.iter().zip(results)) {
            for d in diagnostics.into_iter().filter(|d| d.rule == RULE.name) {
                assert_eq!(d.fixes[0].applicability, Applicability::DisplayOnly);
                found.push((path.to_string(), doc.line_number(d.span.start), d.message));
            }
        }
        found
    }

    fn draft(paragraphs: &[&str]) -> String {
        paragraphs.join("\n\n") + "\n"
    }

    #[test]
    fn later_path_carries_the_finding_with_a_related_span_in_the_other_file() {
        let files = [
            ("b.txt", draft(&["Opening of draft b.", SHARED])),
            ("a.txt", draft(&[SHARED, "Closing of draft a."])),
        ];
        assert_eq!(
            run(&files, &Settings::default()),
            [(
                "b.txt".to_string(),
                3,
                "Paragraph also appears in a.txt:1".to_string()
            )]
        );
    }

    #[test]
    fn near_copies_across_drafts_say_what_differs() {
        let changed = SHARED.replace("all of its", "each of its");
        let files = [
            ("a.txt", draft(&[SHARED])),
            ("b.txt", draft(&[changed.as_str()])),
        ];
        let found = run(&files, &Settings::default());
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].2,
            "90% similar to a paragraph in a.txt:1; differs from it: \"all\" → \"each\""
        );
        let exact_only =
            Settings::from_toml("[rules.cross-draft-duplicate]\nthreshold = 1.0\n", None).unwrap();
        assert!(run(&files, &exact_only).is_empty());
    }

    #[test]
    fn boilerplate_in_more_than_max_files_is_ignored() {
        let names = ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt", "f.txt"];
        let files: Vec<(&str, String)> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let own = format!("Draft number {i} has its own opening paragraph here.");
                (*name, draft(&[own.as_str(), SIGN_OFF]))
            })
            .collect();
        assert!(run(&files, &Settings::default()).is_empty());
        let found = run(&files[..5], &Settings::default());
        assert_eq!(found.len(), 4);
        assert_eq!(
            found[3],
            (
                "e.txt".to_string(),
                3,
                "Paragraph also appears in a.txt:3 (and 3 other drafts)".to_string()
            )
        );
        let more =
            Settings::from_toml("[rules.cross-draft-duplicate]\nmax-files = 6\n", None).unwrap();
        assert_eq!(run(&files, &more).len(), 5);
    }

    #[test]
    fn allow_patterns_are_case_insensitive_regexes() {
        let files = [
            ("a.txt", draft(&[SHARED, SIGN_OFF])),
            ("b.txt", draft(&[SIGN_OFF, SHARED])),
        ];
        let settings = Settings::from_toml(
            "[rules.cross-draft-duplicate]\nallow = [\"office of the SPOKESPERSON\", \"^We reaffirm .* 2030\\\\.$\"]\n",
            None,
        )
        .unwrap();
        assert!(run(&files, &settings).is_empty());
        assert_eq!(run(&files, &Settings::default()).len(), 2);
        let error = Settings::from_toml("[rules.cross-draft-duplicate]\nallow = [\"(\"]\n", None)
            .unwrap_err();
        assert!(error.to_string().contains("allow pattern `(`"), "{error}");
    }

    #[test]
    fn copies_inside_one_draft_and_short_paragraphs_are_not_cross_draft_findings() {
        let files = [
            ("a.txt", draft(&[SHARED, "Short shared line here.", SHARED])),
            (
                "b.txt",
                draft(&["Short shared line here.", "Nothing else."]),
            ),
        ];
        assert!(run(&files, &Settings::default()).is_empty());
    }

    #[test]
    fn drafts_of_a_batch_share_the_facts_of_the_same_paragraph() {
        let shared = SharedFacts::default();
        let settings = Settings::default();
        let parts: Vec<DraftParagraphs> = [
            draft(&[SHARED, SIGN_OFF]),
            draft(&[SIGN_OFF, SHARED]),
            // Case folds into the same text.
            draft(&[&SHARED.to_uppercase()]),
        ]
        .iter()
        .map(|text| {
            let doc = Document::new(text.as_str(), DocumentKind::Plain);
            DraftParagraphs::of(&doc, &settings).compact(&shared)
        })
        .collect();
        assert_eq!(shared.len(), 2);
        let facts = |draft: usize, at: usize| &parts[draft].paragraphs[at].1;
        assert!(Arc::ptr_eq(facts(0, 0), facts(1, 1)));
        assert!(Arc::ptr_eq(facts(0, 0), facts(2, 0)));
        assert!(Arc::ptr_eq(facts(0, 1), facts(1, 0)));
        assert!(!Arc::ptr_eq(facts(0, 0), facts(0, 1)));
        assert!(facts(0, 0).sentences.is_empty());
    }

    #[test]
    fn disabled_rule_reports_nothing() {
        let files = [("a.txt", draft(&[SHARED])), ("b.txt", draft(&[SHARED]))];
        let off = Settings::from_toml("[rules.cross-draft-duplicate]\nseverity = \"off\"\n", None)
            .unwrap();
        assert!(run(&files, &off).is_empty());
    }
}
