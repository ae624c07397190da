//! The `clauses` rules on real drafts: known defects of the corpus are found, clean text stays
//! quiet, damage done to a real paragraph is found at the right place, and fixes converge
//! without touching anything else.

mod common;

use serde::Serialize;
use sherpa::document::Block;
use sherpa::fix::fix_document;
use sherpa::rules::{Family, RULES};
use sherpa::{Applicability, Diagnostic, Document, DocumentKind, Settings, TextRange, lint};

/// Only the rules of the clauses family, all of them (unagreed-text is off by default).
fn clauses_settings() -> Settings {
    let mut settings = Settings::default();
    for rule in RULES.iter().filter(|r| r.family == Family::Clauses) {
        settings.set_severity(rule.name, Some(rule.default_severity));
    }
    settings.select(&["clauses".to_string()]);
    settings
}

fn is_clauses(d: &Diagnostic) -> bool {
    RULES
        .iter()
        .any(|r| r.name == d.rule && r.family == Family::Clauses)
}

fn clauses_findings(source: &str) -> (Document, Vec<Diagnostic>) {
    let doc = Document::new(source, DocumentKind::Plain);
    let found = lint(&doc, &clauses_settings())
        .into_iter()
        .filter(is_clauses)
        .collect();
    (doc, found)
}

#[derive(Serialize)]
struct Finding {
    rule: &'static str,
    at: String,
    text: String,
    message: String,
    fixes: Vec<String>,
}

fn describe(doc: &Document, found: &[Diagnostic]) -> Vec<Finding> {
    found
        .iter()
        .map(|d| {
            let line = doc.line_number(d.span.start);
            let column = doc.source()[doc.lines().line_start(line - 1)..d.span.start]
                .chars()
                .count()
                + 1;
            Finding {
                rule: d.rule,
                at: format!("{line}:{column}"),
                text: d.span.slice(doc.source()).to_string(),
                message: d.message.clone(),
                fixes: d
                    .fixes
                    .iter()
                    .map(|f| format!("{} ({})", f.title, f.applicability.as_str()))
                    .collect(),
            }
        })
        .collect()
}

const FIXTURES: &[&str] = &[
    "seed.txt",
    "clauses/chairs-statement-2022-05-19.txt",
    "clauses/g7-foreign-ministers-2022-05-14.txt",
    "clauses/us-finland-quantum-2022-04-06.txt",
    "clauses/A_RES_80_004.txt",
    "clauses/A_RES_80_007.txt",
    "clauses/asean-us-2023-09-06.txt",
];

/// Whole-document findings of each fixture, reviewed by hand in `tests/snapshots/`.
#[test]
fn fixture_findings() {
    for name in FIXTURES {
        let source = common::read_fixture(name);
        let (doc, found) = clauses_findings(&source);
        let snapshot = name
            .rsplit('/')
            .next()
            .unwrap_or(name)
            .trim_end_matches(".txt");
        insta::assert_yaml_snapshot!(snapshot, describe(&doc, &found));
    }
}

#[test]
fn known_corpus_defects_are_found() {
    let find = |name: &str| {
        let source = common::read_fixture(name);
        let (doc, found) = clauses_findings(&source);
        describe(&doc, &found)
            .into_iter()
            .map(|f| format!("{} {} {}", f.rule, f.at, f.text))
            .collect::<Vec<_>>()
    };
    assert!(
        find("clauses/chairs-statement-2022-05-19.txt")
            .contains(&"unbalanced-delimiter 15:1037 ”".to_string())
    );
    assert!(
        find("clauses/g7-foreign-ministers-2022-05-14.txt")
            .contains(&"unbalanced-delimiter 29:241 ‘".to_string())
    );
    assert!(
        find("clauses/us-finland-quantum-2022-04-06.txt")
            .contains(&"unbalanced-correlative 11:132 as well as".to_string())
    );
    // The seed's stray `<`, exactly once.
    let seed: Vec<String> = find("seed.txt");
    assert_eq!(
        seed.iter()
            .filter(|f| f.starts_with("unbalanced-delimiter"))
            .collect::<Vec<_>>(),
        ["unbalanced-delimiter 48:1 <"]
    );
    // The UN masthead "(A/80/L.6)", glued footnote numbers and an inline "1) 2) 3)" list.
    assert!(find("clauses/A_RES_80_004.txt").is_empty());
    assert!(find("clauses/asean-us-2023-09-06.txt").is_empty());
}

/// Files of the corpus that are not in `tests/fixtures`, read when the corpus is present.
#[test]
fn more_corpus_cases() {
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    let lint_file = |relative: &str| {
        let source = std::fs::read_to_string(dir.join(relative)).expect("corpus file");
        let (doc, found) = clauses_findings(&source);
        describe(&doc, &found)
    };
    // "i) … ii) … iii)" lists inside parentheses-free sentences.
    let g7 = lint_file("whitehouse-briefing-room/2024-06-14-g7-leaders-statement-8.txt");
    assert!(
        g7.iter().all(|f| f.rule != "unbalanced-delimiter"),
        "{:?}",
        g7.iter().map(|f| &f.message).collect::<Vec<_>>()
    );
    // "11, We are determined" and "24.We welcome": mistyped paragraph labels.
    let hiroshima =
        lint_file("whitehouse-briefing-room/2023-05-20-g7-hiroshima-leaders-communique.txt");
    let gaps: Vec<(&str, &str)> = hiroshima
        .iter()
        .filter(|f| f.rule == "enumeration-gap")
        .map(|f| (f.at.as_str(), f.text.as_str()))
        .collect();
    assert_eq!(gaps, [("81:1", "11,"), ("111:1", "24.")]);
    // "(IEA)‘s": a left quote after a bracket used as an apostrophe.
    assert!(
        hiroshima
            .iter()
            .any(|f| f.rule == "unbalanced-delimiter" && f.at == "99:4227" && f.text == "‘")
    );
    // The 2022-06-24 republication of the Chair's Statement carries the same stray ”.
    let republished = lint_file(
        "state-department-press-releases/2022-06-24-chairs-statement-roadmap-for-global-food-security-call-to-action-2.txt",
    );
    assert!(
        republished
            .iter()
            .any(|f| f.at == "15:1037" && f.text == "”")
    );
}

/// Noise budget: on the whole corpus of published texts the clauses rules stay rare. The numbers
/// are those of the hand review (see the rule docs and `examples/corpus_stats.rs`); a change that
/// makes a rule noisier fails here.
#[test]
fn whole_corpus_noise_stays_within_budget() {
    let files = common::corpus_files();
    if files.is_empty() {
        return;
    }
    let settings = clauses_settings();
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for path in &files {
        let source = std::fs::read_to_string(path).expect("corpus file");
        let doc = Document::new(source, DocumentKind::Plain);
        for d in lint(&doc, &settings).into_iter().filter(is_clauses) {
            *counts.entry(d.rule).or_default() += 1;
        }
    }
    let budget = [
        ("unbalanced-delimiter", 6),
        ("unbalanced-correlative", 10),
        ("enumeration-gap", 13),
        ("enumeration-punctuation", 28),
        ("unagreed-text", 0),
    ];
    for (rule, limit) in budget {
        let count = counts.get(rule).copied().unwrap_or(0);
        assert!(
            count <= limit,
            "{rule}: {count} findings on the corpus, budget {limit}"
        );
    }
}

/// The blocks of `source` whose quotation marks and brackets are balanced and unremarkable.
fn clean_paragraphs(doc: &Document, found: &[Diagnostic]) -> Vec<Block> {
    doc.blocks()
        .iter()
        .filter(|b| !found.iter().any(|d| b.span.contains_range(d.span)))
        .copied()
        .collect()
}

fn delimiter_findings(source: &str) -> Vec<Diagnostic> {
    let mut settings = Settings::default();
    settings.select(&["unbalanced-delimiter".to_string()]);
    lint(&Document::new(source, DocumentKind::Plain), &settings)
}

/// Damage each clean paragraph of a real draft — drop a closing ” or ), or add a stray ) — and
/// check that the paragraph, linted on its own, has exactly one finding, on the mark that lost
/// its partner. Returns (cases, found at the right place, descriptions of the misses).
fn mutate_and_check(source: &str) -> (usize, usize, Vec<String>) {
    let (doc, found) = clauses_findings(source);
    let mut cases = 0;
    let mut hits = 0;
    let mut misses = Vec::new();
    for block in clean_paragraphs(&doc, &found) {
        let paragraph = block.span.slice(source);
        let mut check = |mutated: String, expected_at: usize, what: &str| {
            cases += 1;
            let findings = delimiter_findings(&mutated);
            if findings.len() == 1 && findings[0].span.start == expected_at {
                hits += 1;
            } else {
                misses.push(format!(
                    "{what} at {expected_at} in {mutated:?}: {:?}",
                    findings
                        .iter()
                        .map(|d| (d.span.start, &d.message))
                        .collect::<Vec<_>>()
                ));
            }
        };
        // Remove the last ” of the paragraph: its “ must be reported.
        if let Some(close) = paragraph.rfind('”')
            && let Some(open) = paragraph[..close].rfind('“')
        {
            let mutated = format!(
                "{}{}",
                &paragraph[..close],
                &paragraph[close + '”'.len_utf8()..]
            );
            check(mutated, open, "removed ”");
        }
        // Remove the last ) that closes a ( in the paragraph: the ( must be reported.
        if let Some(close) = paragraph.rfind(')') {
            let inner = &paragraph[..close];
            let open = inner.rfind('(').filter(|&o| !inner[o + 1..].contains(')'));
            if let Some(open) = open {
                let mutated = format!("{}{}", &paragraph[..close], &paragraph[close + 1..]);
                check(mutated, open, "removed )");
            }
        }
        // Insert a stray ) after the paragraph's fourth word, outside any bracket or quotation.
        let mut spaces = paragraph.match_indices(' ').map(|(i, _)| i);
        if let Some(space) = spaces.nth(3) {
            let before = &paragraph[..space];
            let nested =
                before.matches(['(', '[', '“']).count() != before.matches([')', ']', '”']).count();
            if !nested {
                let mutated = format!("{} ){}", &paragraph[..space], &paragraph[space..]);
                check(mutated, space + 1, "stray )");
            }
        }
    }
    (cases, hits, misses)
}

#[test]
fn damage_to_a_real_paragraph_is_found_at_the_right_place() {
    let source = common::read_fixture("clauses/A_RES_80_007.txt");
    // A hand-picked case first, in the whole document: the resolution quotes an agenda item.
    let title = "“Nuclear security”";
    let open = source
        .find(title)
        .expect("A/RES/80/7 quotes its agenda items");
    let close = open + title.len() - '”'.len_utf8();
    let without_close = format!("{}{}", &source[..close], &source[close + '”'.len_utf8()..]);
    let found = delimiter_findings(&without_close);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].span, TextRange::new(open, open + '“'.len_utf8()));
    assert!(
        found[0].message.starts_with("Opening “ has no closing ”"),
        "{}",
        found[0].message
    );

    let stray = format!("{}”{}", &source[..open - 1], &source[open - 1..]);
    let found = delimiter_findings(&stray);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].span.start, open - 1);
    assert_eq!(
        found[0].message,
        "Closing ” has no opening “ or „ before it in its paragraph"
    );

    let (cases, hits, misses) = mutate_and_check(&source);
    assert!(cases >= 15, "only {cases} cases");
    assert_eq!(hits, cases, "{misses:#?}");
}

/// The same damage done to every paragraph of the corpus: the recall of the checker on real
/// prose. Printed with `--nocapture`.
#[test]
fn damage_across_the_corpus_is_found() {
    let files = common::corpus_files();
    if files.is_empty() {
        return;
    }
    let (mut cases, mut hits) = (0, 0);
    let mut misses = Vec::new();
    for path in &files {
        let source = std::fs::read_to_string(path).expect("corpus file");
        let (c, h, m) = mutate_and_check(&source);
        cases += c;
        hits += h;
        misses.extend(m.into_iter().map(|m| format!("{}: {m}", path.display())));
    }
    eprintln!("unbalanced-delimiter recall on damaged corpus paragraphs: {hits}/{cases}");
    assert!(cases > 1000, "only {cases} cases");
    assert!(
        hits * 1000 >= cases * 995,
        "{hits}/{cases} found; first misses: {:#?}",
        &misses[..misses.len().min(10)]
    );
}

/// Every fix of a clauses finding stays next to its finding, and applying them all converges.
#[test]
fn fixes_converge_and_touch_nothing_else() {
    for name in FIXTURES {
        let source = common::read_fixture(name);
        let (doc, found) = clauses_findings(&source);
        for d in &found {
            let paragraph = doc
                .blocks()
                .iter()
                .find(|b| b.span.contains_range(d.span))
                .map_or(d.span, |b| b.span);
            for fix in &d.fixes {
                for edit in &fix.edits {
                    let local = match d.rule {
                        // Renumbering edits other labels: each edit replaces one label value.
                        "enumeration-gap" => edit.span.len() <= 7,
                        // Removing a whole stray paragraph takes its separator with it.
                        "unbalanced-delimiter" if edit.replacement.is_empty() => {
                            edit.span.start + 2 >= d.span.start.min(paragraph.start)
                                && edit.span.end <= d.span.end + 2
                                || edit.span.contains_range(paragraph)
                        }
                        _ => {
                            paragraph.start <= edit.span.start
                                && edit.span.end <= paragraph.end
                                && edit.replacement.chars().count() <= 10
                        }
                    };
                    assert!(
                        local,
                        "{name}: fix {:?} of {:?} reaches too far",
                        fix, d.message
                    );
                }
            }
        }
        let outcome = fix_document(
            &source,
            DocumentKind::Plain,
            &clauses_settings(),
            Applicability::Unsafe,
        );
        assert!(outcome.converged, "{name}");
        assert!(
            outcome
                .remaining
                .iter()
                .filter(|d| is_clauses(d))
                .all(|d| d.best_fix(Applicability::Unsafe).is_none()),
            "{name}: {:?}",
            outcome.remaining
        );
        // Character by character, the only changes are inside (or right next to) the spans the
        // first round of fixes edits.
        let edited: Vec<TextRange> = found
            .iter()
            .filter_map(|d| d.best_fix(Applicability::Unsafe))
            .flat_map(|f| f.edits.iter().map(|e| e.span))
            .collect();
        let byte_of: Vec<usize> = source
            .char_indices()
            .map(|(i, _)| i)
            .chain([source.len()])
            .collect();
        let diff = similar::TextDiff::from_chars(source.as_str(), outcome.text.as_str());
        for op in diff.ops() {
            let old = op.old_range();
            if op.tag() == similar::DiffTag::Equal {
                continue;
            }
            let changed = TextRange::new(byte_of[old.start], byte_of[old.end]);
            assert!(
                edited
                    .iter()
                    .any(|e| e.start <= changed.start + 2 && changed.end <= e.end + 2),
                "{name}: unexpected change at {changed}: {:?}",
                &source[changed.start.saturating_sub(20)..(changed.end + 20).min(source.len())]
            );
        }
    }
}

fn sherpa() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("sherpa").expect("binary is built");
    cmd.env_remove("NO_COLOR").env_remove("GITHUB_STEP_SUMMARY");
    cmd
}

/// The command line exposes the family: listing, documentation, findings and fixes.
#[test]
fn command_line_lists_explains_reports_and_fixes() {
    let output = sherpa().args(["rules"]).output().unwrap();
    let listing = String::from_utf8(output.stdout).unwrap();
    for rule in RULES.iter().filter(|r| r.family == Family::Clauses) {
        assert!(listing.contains(rule.name), "{listing}");
        let output = sherpa().args(["explain", rule.name]).output().unwrap();
        let doc = String::from_utf8(output.stdout).unwrap();
        assert!(doc.contains("## Fix safety"), "{doc}");
    }

    let dir = tempfile::tempdir().unwrap();
    let draft = dir.path().join("chair.txt");
    std::fs::write(
        &draft,
        common::read_fixture("clauses/chairs-statement-2022-05-19.txt"),
    )
    .unwrap();
    let output = sherpa()
        .current_dir(dir.path())
        .args([
            "check",
            "--select",
            "clauses",
            "--format",
            "json",
            "chair.txt",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let findings: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = findings.as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["rule"], "unbalanced-delimiter");
    assert_eq!(findings[0]["range"]["start"]["line"], 15);
    assert_eq!(findings[0]["fixes"][0]["applicability"], "unsafe");

    // `--fix` alone leaves the unsafe removal for a human; `--unsafe-fixes` applies it.
    let before = std::fs::read_to_string(&draft).unwrap();
    sherpa()
        .current_dir(dir.path())
        .args(["check", "--select", "clauses", "--fix", "chair.txt"])
        .output()
        .unwrap();
    assert_eq!(std::fs::read_to_string(&draft).unwrap(), before);
    let output = sherpa()
        .current_dir(dir.path())
        .args([
            "check",
            "--select",
            "clauses",
            "--fix",
            "--unsafe-fixes",
            "chair.txt",
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(
        std::fs::read_to_string(&draft).unwrap(),
        before.replace("Development.” We take note", "Development. We take note")
    );
}

mod no_panics {
    use proptest::prelude::*;
    use sherpa::rules::{Check, Context, Family, RULES};
    use sherpa::{Document, DocumentKind};

    /// Text made of the pieces the clauses rules react to, in any order.
    fn drafts() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            "“",
            "”",
            "‘",
            "’",
            "\"",
            "'",
            "«",
            "»",
            "„",
            "‚",
            "‹",
            "›",
            "「",
            "」",
            "『",
            "』",
            "<",
            ">",
            " ",
            " ",
            " ",
            "\n",
            "\n\n",
            "a)",
            "(b)",
            "ii)",
            "1.",
            "2.",
            "4.",
            "(c)",
            "iv.",
            "A.",
            ";",
            ",",
            ".",
            ":",
            "Russia",
            "s",
            "neither",
            "nor",
            "or",
            "either",
            "and",
            "both",
            "as well as",
            "not only",
            "also",
            "between",
            "from",
            "2020",
            "–",
            "-",
            "to",
            "on the one hand",
            "whether",
            "Ж",
            "上海",
            "\u{200b}",
            "- ",
            "and ",
            "[Alt 1:",
            "é",
        ]);
        prop::collection::vec(pieces, 0..60).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// The rules are called directly (the engine would catch a panic and hide it), and
        /// every span and edit they produce is inside the text and on character boundaries.
        #[test]
        fn clauses_rules_never_panic_and_stay_on_char_boundaries(
            text in drafts(),
            markdown in any::<bool>(),
        ) {
            let kind = if markdown { DocumentKind::Markdown } else { DocumentKind::Plain };
            let doc = Document::new(text.as_str(), kind);
            let settings = sherpa::Settings::default();
            for &rule in RULES.iter().filter(|r| r.family == Family::Clauses) {
                let Check::Document(check) = rule.check else { continue };
                let mut found = Vec::new();
                check(&Context { doc: &doc, settings: &settings, rule }, &mut found);
                for d in &found {
                    let spans = std::iter::once(d.span)
                        .chain(d.related.iter().map(|r| r.span))
                        .chain(d.fixes.iter().flat_map(|f| f.edits.iter().map(|e| e.span)));
                    for span in spans {
                        prop_assert!(span.start <= span.end && span.end <= text.len(), "{}: {span} in {text:?}", rule.name);
                        prop_assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end), "{}: {span} in {text:?}", rule.name);
                    }
                }
            }
        }

        /// Applying every safe and unsafe clauses fix, round after round, always settles: no
        /// fix undoes another. (A draft with dozens of open brackets needs more rounds than
        /// `fix_document` allows, hence the explicit loop.)
        #[test]
        fn clauses_fixes_settle_on_any_draft(text in drafts()) {
            let mut settings = sherpa::Settings::default();
            settings.select(&["clauses".to_string()]);
            let mut current = text.clone();
            let mut rounds = 0;
            loop {
                let doc = Document::new(current.as_str(), DocumentKind::Plain);
                let found = sherpa::lint(&doc, &settings);
                let (next, applied) =
                    sherpa::fix::apply_fixes(&current, &found, sherpa::Applicability::Unsafe);
                if applied == 0 {
                    break;
                }
                rounds += 1;
                prop_assert!(rounds < 200, "{text:?} keeps changing: {current:?}");
                current = next;
            }
        }
    }
}
