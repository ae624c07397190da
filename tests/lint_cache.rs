//! The language server's cached lint (`lint_cached`, block results kept by content between
//! edits) must find exactly what a fresh `lint` finds, whatever the edits: random edits on
//! corpus drafts, each followed by both and a comparison.

mod common;

use std::sync::Arc;

use sherpa::lint::{LintCache, lint, lint_cached};
use sherpa::{Document, DocumentKind, Settings};

/// Text the clauses rules react to, so that edits make and unmake findings (and split or join
/// paragraphs) rather than only shifting text.
const SNIPPETS: &[&str] = &[
    "x",
    " ",
    "\n",
    "\n\n",
    "on the one hand ",
    "On the other hand, ",
    "neither ",
    " or ",
    "both ",
    " as well as ",
    "between 2020 to 2025 ",
    "[",
    "]",
    "[the Parties] ",
    "“",
    "”",
    "(",
    ")",
    "\"",
    "(a) ",
    "(c) ",
    "1. ",
    "3. ",
    "; and",
    ".",
    ", ",
    "- ",
];

/// A small fixed-seed generator (xorshift64*): the same edits on every run.
struct Edits(u64);

impl Edits {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }

    fn apply(&mut self, text: &mut String) {
        let mut at = floor(text, self.below(text.len() + 1));
        // Every other edit at the end or the start of a paragraph, where findings that look
        // into the next paragraph change.
        if self.below(2) == 0
            && let Some(gap) = text[at..].find("\n\n").map(|g| at + g)
        {
            at = if self.below(2) == 0 { gap } else { gap + 2 };
        }
        if self.below(3) == 0 {
            let end = floor(text, (at + self.below(40)).min(text.len()));
            text.replace_range(at..end, "");
        } else {
            text.insert_str(at, SNIPPETS[self.below(SNIPPETS.len())]);
        }
    }
}

fn floor(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn settings(names: &[&str]) -> Arc<Settings> {
    let mut settings = Settings::default();
    settings.select(&names.iter().map(|n| n.to_string()).collect::<Vec<_>>());
    Arc::new(settings)
}

/// Edits `text` `rounds` times; after each edit the cached lint must equal a fresh one.
fn check_edits(text: &str, kind: DocumentKind, settings: &Arc<Settings>, rounds: usize, seed: u64) {
    let mut cache = LintCache::new();
    let mut edits = Edits(seed);
    let mut text = text.to_string();
    for round in 0..rounds {
        let doc = Document::new(text.clone(), kind);
        let cached = lint_cached(&doc, settings, &mut cache);
        let fresh = lint(&Document::new(text.clone(), kind), settings);
        assert_eq!(cached, fresh, "round {round} (seed {seed}, {kind:?})");
        edits.apply(&mut text);
    }
}

const CLAUSES: &[&str] = &[
    "unbalanced-delimiter",
    "unbalanced-correlative",
    "enumeration-gap",
    "enumeration-punctuation",
    "unagreed-text",
];

#[test]
fn cached_clauses_rules_equal_lint_under_random_edits_of_corpus_drafts() {
    let files = common::corpus_files();
    if files.is_empty() {
        return;
    }
    let settings = settings(CLAUSES);
    // Drafts spread over the corpus, a few paragraphs to a few dozen kilobytes each.
    for (n, file) in files.iter().step_by(files.len() / 12 + 1).enumerate() {
        let text = std::fs::read_to_string(file).unwrap();
        let kind = if n % 2 == 0 {
            DocumentKind::Plain
        } else {
            DocumentKind::Markdown
        };
        check_edits(&text, kind, &settings, 60, n as u64 + 1);
    }
}

#[test]
fn a_finding_answered_by_the_next_paragraph_follows_edits_of_that_paragraph() {
    let settings = settings(CLAUSES);
    let mut cache = LintCache::new();
    let first = "The Parties agree on the one hand to act.\n\n";
    let mut text = format!("{first}They will meet again in 2026.\n");
    let mut findings = Vec::new();
    for edit in 0..4 {
        let doc = Document::new(text.clone(), DocumentKind::Plain);
        let cached = lint_cached(&doc, &settings, &mut cache);
        assert_eq!(cached, lint(&doc, &settings), "edit {edit}");
        findings.push(cached.len());
        // The next paragraph answers "on the one hand", then no longer does.
        if edit % 2 == 0 {
            text.insert_str(first.len(), "On the other hand, ");
        } else {
            text.replace_range(first.len()..first.len() + 19, "");
        }
    }
    assert_eq!(findings, [1, 0, 1, 0]);
}

#[test]
fn cached_lint_with_every_rule_equals_lint_under_random_edits() {
    let files = common::corpus_files();
    if files.is_empty() {
        return;
    }
    let every: Vec<&str> = sherpa::rules::RULES.iter().map(|r| r.name).collect();
    let settings = settings(&every);
    for (n, file) in files.iter().step_by(files.len() / 3 + 1).enumerate() {
        let text = std::fs::read_to_string(file).unwrap();
        check_edits(&text, DocumentKind::Plain, &settings, 15, 100 + n as u64);
    }
}
