//! Every real draft in `../shared/corpus` is linted without a panic, and `duplicate-paragraph`
//! reports exactly the paragraphs that really repeat (checked independently here).

mod common;

use std::collections::HashSet;

use sherpa::{Applicability, Document, DocumentKind, Settings, lint};

fn duplicates_only() -> Settings {
    let mut settings = Settings::default();
    settings.select(&["duplicate-paragraph".to_string()]);
    settings
}

/// Later copies of repeated paragraphs, computed without the engine: corpus files hold one
/// paragraph per line.
fn repeated_lines(text: &str) -> Vec<usize> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut repeats = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let words = line
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .count();
        if words < 6 {
            continue;
        }
        let key = line
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        if !seen.insert(key) {
            repeats.push(index + 1);
        }
    }
    repeats
}

#[test]
fn every_corpus_file_lints_and_duplicates_match_an_independent_count() {
    let files = common::corpus_files();
    if files.is_empty() {
        return;
    }
    let all_rules = Settings::default();
    let settings = duplicates_only();
    let mut files_with_repeats = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let doc = Document::new(text.clone(), DocumentKind::from_path(path));
        let _ = lint(&doc, &all_rules);
        let found: Vec<usize> = lint(&doc, &settings)
            .iter()
            .map(|d| doc.line_number(d.span.start))
            .collect();
        let expected = repeated_lines(&text);
        assert_eq!(found, expected, "{}", path.display());
        files_with_repeats += usize::from(!expected.is_empty());
    }
    assert!(
        files.len() > 300,
        "the corpus has 325 files, found {}",
        files.len()
    );
    // Only the seed draft publishes a paragraph twice.
    assert_eq!(files_with_repeats, 1);
}

#[test]
fn fixing_every_corpus_file_converges() {
    for path in common::corpus_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let kind = DocumentKind::from_path(&path);
        let outcome =
            sherpa::fix::fix_document(&text, kind, &Settings::default(), Applicability::Unsafe);
        assert!(outcome.converged, "{}", path.display());
        assert!(
            outcome
                .remaining
                .iter()
                .all(|d| d.best_fix(Applicability::Unsafe).is_none()),
            "{}: fixable findings remain after fixing",
            path.display()
        );
    }
}

#[test]
fn seed_draft_findings_and_fix() {
    let text = common::read_fixture("seed.txt");
    let doc = Document::new(text.clone(), DocumentKind::Plain);
    assert_eq!(
        doc.blocks().len(),
        39,
        "38 paragraphs on their own lines, then the stray `<`"
    );
    let found = lint(&doc, &duplicates_only());
    let lines: Vec<usize> = found
        .iter()
        .map(|d| doc.line_number(d.span.start))
        .collect();
    let expected: Vec<usize> = [23, 24].into_iter().chain(33..=39).chain(41..=47).collect();
    assert_eq!(lines, expected);
    for d in &found {
        let related = &d.related[0];
        assert_eq!(
            d.message,
            format!(
                "Paragraph duplicates the one at line {}",
                doc.line_number(related.span.start)
            )
        );
    }
    let outcome = sherpa::fix::fix_document(
        &text,
        DocumentKind::Plain,
        &duplicates_only(),
        Applicability::Safe,
    );
    assert!(outcome.converged);
    assert_eq!(outcome.applied, 16);
    assert!(outcome.remaining.is_empty());
    let fixed = Document::new(outcome.text.clone(), DocumentKind::Plain);
    assert_eq!(
        fixed.blocks().len(),
        23,
        "22 unique paragraphs and the stray `<`"
    );
    assert!(outcome.text.ends_with("\n<"));
}
