use std::collections::HashMap;
use std::collections::hash_map::Entry;

use regex::{Regex, RegexBuilder};
use serde::Deserialize;

use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::rules::near_duplicate_paragraph::describe_difference;
use crate::rules::{Check, RuleMeta, WorkspaceDoc};
use crate::similarity::{ParagraphFacts, TextKey, best_earlier_matches};

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

/// One paragraph taking part: a block of a draft, first copy within its own draft.
struct Item {
    doc: usize,
    block: usize,
}

fn options<'a>(doc: &WorkspaceDoc<'a>, rule: &RuleMeta) -> &'a Options {
    doc.settings.options::<Options>(rule)
}

fn check(docs: &[WorkspaceDoc<'_>], rule: &RuleMeta, out: &mut [Vec<Diagnostic>]) {
    if docs.len() < 2 || !docs.iter().any(|d| d.settings.is_enabled(rule)) {
        return;
    }
    let mut order: Vec<usize> = (0..docs.len()).collect();
    order.sort_by(|&a, &b| docs[a].path.cmp(&docs[b].path).then(a.cmp(&b)));

    // Paragraphs in (path, position) order, so "earlier" means earlier path.
    let mut items: Vec<Item> = Vec::new();
    for &doc in &order {
        let min_words = options(&docs[doc], rule).min_words;
        let facts = docs[doc].doc.paragraph_facts();
        let mut seen_here = std::collections::HashSet::new();
        for (block, f) in facts.iter().enumerate() {
            // Later copies inside one draft are duplicate-paragraph's.
            if seen_here.insert(f.text_key()) && f.words as usize >= min_words {
                items.push(Item { doc, block });
            }
        }
    }
    let facts_of = |item: &Item| &*docs[item.doc].doc.paragraph_facts()[item.block];

    // Exact copies: every later copy points at the first one.
    let mut first_exact: HashMap<TextKey, usize> = HashMap::with_capacity(items.len());
    let mut matches: Vec<Option<(usize, f64)>> = vec![None; items.len()];
    let mut representatives: Vec<usize> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match first_exact.entry(facts_of(item).text_key()) {
            Entry::Occupied(first) => matches[index] = Some((*first.get(), 1.0)),
            Entry::Vacant(slot) => {
                slot.insert(index);
                representatives.push(index);
            }
        }
    }

    // Near copies among the distinct texts, across files only. The lowest threshold of any
    // draft is searched; each finding is then held to its own draft's threshold.
    let threshold = docs
        .iter()
        .map(|d| options(d, rule).threshold)
        .fold(1.0, f64::min);
    let distinct: Vec<&ParagraphFacts> = representatives
        .iter()
        .map(|&i| facts_of(&items[i]))
        .collect();
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
    let mut files_per_group: HashMap<usize, Vec<usize>> = HashMap::new();
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
        let here = &docs[item.doc];
        let options = options(here, rule);
        let block = here.doc.blocks()[item.block];
        let text = here.doc.text();
        let files = files_per_group[&groups.find(index)].len();
        if similarity < options.threshold
            || files > options.max_files
            || options
                .allow
                .iter()
                .any(|p| p.is_match(block.span.slice(text)))
        {
            continue;
        }
        let there = &docs[first.doc];
        let other_span = there.doc.blocks()[first.block].span;
        let place = format!("{}:{}", there.path, there.doc.line_number(other_span.start));
        let elsewhere = match files {
            0..=2 => String::new(),
            3 => " (and 1 other draft)".to_string(),
            _ => format!(" (and {} other drafts)", files - 2),
        };
        let message = if facts_of(item).text_key() == facts_of(first).text_key() {
            format!("Paragraph also appears in {place}{elsewhere}")
        } else {
            format!(
                "{}% similar to a paragraph in {place}{elsewhere}; differs from it: {}",
                (similarity * 100.0).floor(),
                describe_difference(there.doc.text(), other_span, text, block.span)
            )
        };
        out[item.doc].push(
            Diagnostic::new(RULE.name, block.span, message)
                .with_related_in(there.path.clone(), other_span, "other copy")
                .with_fix(Fix::display_only(
                    format!("Remove this copy (the paragraph stays in {})", there.path),
                    vec![Edit::delete(here.doc.removal_span(&block))],
                )),
        );
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
    use std::sync::Arc;

    use super::*;
    use crate::config::Settings;
    use crate::diagnostic::Applicability;
    use crate::document::{Document, DocumentKind};
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
    fn disabled_rule_reports_nothing() {
        let files = [("a.txt", draft(&[SHARED])), ("b.txt", draft(&[SHARED]))];
        let off = Settings::from_toml("[rules.cross-draft-duplicate]\nseverity = \"off\"\n", None)
            .unwrap();
        assert!(run(&files, &off).is_empty());
    }
}
