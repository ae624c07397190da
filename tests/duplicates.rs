//! The duplicates family on real drafts: copies planted in corpus files, the clean corpus, the
//! seed draft, and fixes that converge.

mod common;

use std::path::Path;

use sherpa::fix::fix_document;
use sherpa::text::sentences;
use sherpa::{Applicability, Diagnostic, Document, DocumentKind, Settings, TextRange, lint};

/// Only the duplicates family, so other families' findings and fixes stay out of the way.
fn duplicates_only() -> Settings {
    let mut settings = Settings::default();
    settings.select(&["duplicates".to_string()]);
    settings
}

fn findings(text: &str) -> (Document, Vec<Diagnostic>) {
    let doc = Document::new(text, DocumentKind::Plain);
    let found = lint(&doc, &duplicates_only());
    (doc, found)
}

fn count(found: &[Diagnostic], rule: &str) -> usize {
    found.iter().filter(|d| d.rule == rule).count()
}

/// The words put in; a word that already is one of them is never the one changed.
const REPLACEMENTS: [&str; 3] = ["notably", "henceforth", "forthwith"];

/// Replace `changes` words of `paragraph` (spread over it) with words it does not contain.
fn change_words(paragraph: &str, changes: usize) -> String {
    let mut tokens: Vec<String> = paragraph.split(' ').map(str::to_string).collect();
    let mut changed = Vec::new();
    for (k, replacement) in REPLACEMENTS.iter().enumerate().take(changes) {
        let target = (k + 1) * tokens.len() / (changes + 1);
        let at = (target..tokens.len())
            .chain(0..target)
            .find(|&i| {
                !changed.contains(&i)
                    && !REPLACEMENTS.contains(&tokens[i].as_str())
                    && tokens[i].len() > 3
                    && tokens[i].chars().all(|c| c.is_ascii_lowercase())
            })
            .expect("a plain word to change");
        tokens[at] = replacement.to_string();
        changed.push(at);
    }
    tokens.join(" ")
}

/// Words `change_words` may replace.
fn plain_words(paragraph: &str) -> usize {
    paragraph
        .split(' ')
        .filter(|t| {
            t.len() > 3 && t.chars().all(|c| c.is_ascii_lowercase()) && !REPLACEMENTS.contains(t)
        })
        .count()
}

/// The longest paragraph line of a corpus file (one paragraph per line): (line index, text).
fn longest_paragraph(text: &str) -> (usize, &str) {
    text.lines()
        .enumerate()
        .max_by_key(|(i, line)| (line.split_whitespace().count(), usize::MAX - i))
        .expect("a non-empty file")
}

/// `text` with `paragraph` inserted as a new paragraph after line index `after`; returns the
/// new text and the one-based line of the inserted paragraph.
fn insert_after(text: &str, after: usize, paragraph: &str) -> (String, usize) {
    let mut lines: Vec<&str> = text.split('\n').collect();
    let at = (after + 1).min(lines.len());
    lines.insert(at, paragraph);
    lines.insert(at, "");
    (lines.join("\n"), at + 2)
}

#[test]
fn planted_near_copy_is_found_on_the_right_lines_in_every_corpus_file() {
    let files = common::corpus_files();
    if files.is_empty() {
        return;
    }
    let mut tested = 0;
    for (index, path) in files.iter().enumerate() {
        let text = std::fs::read_to_string(path).unwrap();
        let (line_index, paragraph) = longest_paragraph(&text);
        let changes = 1 + index % 3;
        let plain_words = plain_words(paragraph);
        // Dice over word pairs: n changes cost up to 2n pairs, so shorter paragraphs would fall
        // under 0.8 by construction.
        if paragraph.split_whitespace().count() < 10 * changes + 2 || plain_words < changes {
            continue;
        }
        let variant = change_words(paragraph, changes);
        let insert_at = (line_index + 6).min(text.lines().count() - 1);
        let (planted, line) = insert_after(&text, insert_at, &variant);
        let (_, before) = findings(&text);
        let (doc, after) = findings(&planted);
        let name = path.display();
        let new: Vec<&Diagnostic> = after
            .iter()
            .filter(|d| {
                d.rule == "near-duplicate-paragraph" && doc.line_number(d.span.start) == line
            })
            .collect();
        assert_eq!(
            new.len(),
            1,
            "{name}: no finding at line {line}: {after:#?}"
        );
        assert_eq!(
            doc.line_number(new[0].related[0].span.start),
            line_index + 1,
            "{name}: related span"
        );
        for word in &REPLACEMENTS[..changes] {
            assert!(new[0].message.contains(word), "{name}: {}", new[0].message);
        }
        // One accident, one finding: the other rules say nothing new about it.
        for rule in [
            "duplicate-paragraph",
            "duplicate-sentence",
            "near-duplicate-paragraph",
        ] {
            let expected = count(&before, rule) + usize::from(rule == "near-duplicate-paragraph");
            assert_eq!(count(&after, rule), expected, "{name}: {rule}");
        }
        tested += 1;
    }
    eprintln!(
        "near copy planted in {tested} of {} corpus files",
        files.len()
    );
    assert!(tested > files.len() * 9 / 10, "only {tested} files tested");
}

#[test]
fn planted_copies_are_removed_by_fixing_and_the_original_comes_back() {
    let files = common::corpus_files();
    if files.is_empty() {
        return;
    }
    let mut tested = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let (_, before) = findings(&text);
        if !before.is_empty() {
            continue; // files whose own text repeats are covered by the clean-corpus test
        }
        let (line_index, paragraph) = longest_paragraph(&text);
        if paragraph.split_whitespace().count() < 40 || plain_words(paragraph) < 2 {
            continue;
        }
        let lines: Vec<&str> = text.lines().collect();
        // A near copy after the original, and one long sentence of it appended to the last
        // paragraph: the unsafe fixes must take out exactly what was planted.
        let (planted, _) = insert_after(&text, line_index, &change_words(paragraph, 2));
        let span = TextRange::new(0, paragraph.len());
        let Some(sentence) = sentences(paragraph, span)
            .into_iter()
            .map(|r| r.slice(paragraph))
            .find(|s| {
                let words = s.split_whitespace().count();
                // A sentence, not most of the paragraph (that would be a near copy).
                words >= 10 && 3 * words < paragraph.split_whitespace().count() && !s.ends_with(':')
            })
        else {
            continue;
        };
        // The last real paragraph that ends a sentence: "End Text" or a signature such as
        // "Joseph R. Biden Jr." would swallow the planted sentence.
        let Some(last) = lines
            .iter()
            .rposition(|l| l.trim_end().ends_with('.') && l.split_whitespace().count() >= 10)
        else {
            continue;
        };
        if last == line_index || lines[last].contains(sentence) {
            continue;
        }
        let host = format!("{} {sentence}", lines[last]);
        if !sentences(&host, TextRange::new(0, host.len()))
            .iter()
            .any(|r| r.slice(&host) == sentence)
        {
            continue; // the host ends in an abbreviation ("Washington, D.C."): no new sentence
        }
        let planted = planted.replacen(lines[last], &host, 1);
        let (doc, found) = findings(&planted);
        assert_eq!(
            count(&found, "near-duplicate-paragraph"),
            1,
            "{}",
            path.display()
        );
        let sentence_findings: Vec<&Diagnostic> = found
            .iter()
            .filter(|d| d.rule == "duplicate-sentence")
            .collect();
        assert_eq!(sentence_findings.len(), 1, "{}: {found:#?}", path.display());
        assert_eq!(
            doc.line_number(sentence_findings[0].span.start),
            last + 3,
            "{}",
            path.display()
        );
        let outcome = fix_document(
            &planted,
            DocumentKind::Plain,
            &duplicates_only(),
            Applicability::Unsafe,
        );
        assert!(outcome.converged, "{}", path.display());
        assert!(outcome.remaining.is_empty(), "{}", path.display());
        assert_eq!(outcome.text, text, "{}", path.display());
        tested += 1;
    }
    eprintln!(
        "copies planted and fixed away in {tested} of {} corpus files",
        files.len()
    );
    assert!(tested >= 100, "only {tested} files tested");
}

/// Places where the published text itself repeats (reviewed by reading them): a resolution or
/// statement title restated in the body, a preambular paragraph restated in an operative one,
/// the same footnote citation twice, and two sentences repeated in White House statements.
const TRUE_REPEATS: &[(&str, &str, usize, usize)] = &[
    // Title restated in the lead sentence.
    (
        "near-duplicate-paragraph",
        "state-department-press-releases/2022-06-09-joint-statement-by-the-governments-of-canada-chile-and-the-united-states-regar.txt",
        5,
        1,
    ),
    // Resolution title restated as the annex title or the operative paragraph adopting it.
    (
        "duplicate-sentence",
        "un-ga-resolutions-80/A_RES_80_001.txt",
        29,
        11,
    ),
    (
        "near-duplicate-paragraph",
        "un-ga-resolutions-80/A_RES_80_005.txt",
        21,
        11,
    ),
    (
        "near-duplicate-paragraph",
        "un-ga-resolutions-80/A_RES_80_009.txt",
        15,
        11,
    ),
    (
        "near-duplicate-paragraph",
        "un-ga-resolutions-80/A_RES_80_009.txt",
        19,
        11,
    ),
    (
        "duplicate-sentence",
        "un-ga-resolutions-80/A_RES_80_030.txt",
        23,
        11,
    ),
    // Preamble restated in an operative paragraph ("Convinced that …" / "Reiterates its
    // conviction that …").
    (
        "near-duplicate-paragraph",
        "un-ga-resolutions-80/A_RES_80_013.txt",
        33,
        25,
    ),
    (
        "near-duplicate-paragraph",
        "un-ga-resolutions-80/A_RES_80_022.txt",
        49,
        39,
    ),
    (
        "near-duplicate-paragraph",
        "un-ga-resolutions-80/A_RES_80_038.txt",
        73,
        27,
    ),
    (
        "near-duplicate-paragraph",
        "un-ga-resolutions-80/A_RES_80_044.txt",
        67,
        37,
    ),
    // The same footnote citation twice.
    (
        "near-duplicate-paragraph",
        "un-ga-resolutions-80/A_RES_80_039.txt",
        173,
        159,
    ),
    (
        "near-duplicate-paragraph",
        "un-ga-resolutions-80/A_RES_80_048.txt",
        113,
        93,
    ),
    // A sentence published twice in a row, and a sentence of the fact sheet repeated in the
    // working-group annex.
    (
        "duplicate-sentence",
        "whitehouse-briefing-room/2021-06-13-carbis-bay-g7-summit-communique.txt",
        141,
        139,
    ),
    (
        "duplicate-sentence",
        "whitehouse-briefing-room/2021-09-29-u-s-eu-trade-and-technology-council-inaugural-joint-statement.txt",
        173,
        45,
    ),
];

#[test]
fn clean_corpus_files_report_only_text_that_truly_repeats() {
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    let mut reported = Vec::new();
    for path in common::corpus_files() {
        let relative = path
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .to_string();
        if relative.starts_with("seed/") {
            continue; // the seed draft is a real accident, checked on its own below
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let (doc, found) = findings(&text);
        for d in found {
            reported.push((
                d.rule.to_string(),
                relative.clone(),
                doc.line_number(d.span.start),
                doc.line_number(d.related[0].span.start),
            ));
        }
    }
    let mut expected: Vec<(String, String, usize, usize)> = TRUE_REPEATS
        .iter()
        .map(|&(rule, file, line, other)| (rule.to_string(), file.to_string(), line, other))
        .collect();
    expected.sort_by(|a, b| (&a.1, a.2).cmp(&(&b.1, b.2)));
    reported.sort_by(|a, b| (&a.1, a.2).cmp(&(&b.1, b.2)));
    assert_eq!(reported, expected);
}

#[test]
fn seed_draft_exact_copies_stay_duplicate_paragraph_findings() {
    let text = common::read_fixture("seed.txt");
    let (doc, found) = findings(&text);
    let summary: Vec<String> = found
        .iter()
        .map(|d| format!("{}:{} {}", d.rule, doc.line_number(d.span.start), d.message))
        .collect();
    assert_eq!(count(&found, "duplicate-paragraph"), 16, "{summary:#?}");
    assert_eq!(found.len(), 16, "{summary:#?}");
    insta::assert_yaml_snapshot!("seed_duplicates", summary);
}

#[test]
fn sentences_do_not_end_after_communique_abbreviations_in_the_corpus() {
    let files = common::corpus_files();
    if files.is_empty() {
        return;
    }
    let abbreviations = [
        " U.S.", " U.N.", " Mr.", " No.", " e.g.", " i.e.", " Art.", " para.", "-U.S.",
    ];
    let mut checked = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let doc = Document::new(text.as_str(), DocumentKind::Plain);
        for block in doc.blocks() {
            let split = sentences(doc.text(), block.span);
            for range in &split[..split.len().saturating_sub(1)] {
                let sentence = range.slice(doc.text());
                for abbreviation in abbreviations {
                    assert!(
                        !sentence.ends_with(abbreviation),
                        "{}: sentence broken after {abbreviation:?}: {sentence}",
                        path.display()
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 5_000, "{checked}");
}

#[test]
fn repeated_sentence_in_a_published_communique_is_reported() {
    let path = Path::new("drafts/2021-06-13-carbis-bay-g7-summit-communique.txt");
    let text = common::read_fixture(path.to_str().unwrap());
    let (doc, found) = findings(&text);
    let lines: Vec<(usize, usize)> = found
        .iter()
        .filter(|d| d.rule == "duplicate-sentence")
        .map(|d| {
            (
                doc.line_number(d.span.start),
                doc.line_number(d.related[0].span.start),
            )
        })
        .collect();
    // The published communiqué repeats this sentence in consecutive paragraphs.
    assert_eq!(lines, [(141, 139)]);
    let sentence = found
        .iter()
        .find(|d| d.rule == "duplicate-sentence")
        .unwrap();
    assert_eq!(
        sentence.span.slice(&text),
        "To be credible, ambitions need to be supported by tangible actions in all sectors of our economies and societies."
    );
}
