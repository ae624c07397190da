//! `cross-draft-duplicate` over a folder of real drafts, through the library and the binary.
//! The folder holds the two "Chair's Statement: Roadmap for Global Food Security" releases of
//! the corpus (the second differs only in its list of endorsing countries), the Carbis Bay G7
//! communiqué and UN resolution 80/19.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use assert_cmd::Command;
use serde_json::Value;
use sherpa::rules::WorkspaceDoc;
use sherpa::{Document, DocumentKind, Settings, lint_workspace};

const FIRST: &str =
    "2022-05-19-chairs-statement-roadmap-for-global-food-security-call-to-action.txt";
const SECOND: &str =
    "2022-06-24-chairs-statement-roadmap-for-global-food-security-call-to-action-2.txt";

/// The drafts folder copied to a writable temporary folder.
fn drafts() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(common::fixture("drafts")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    dir
}

/// Lines 9 to 43 of the second release: every body paragraph, all identical to the first's.
fn expected_lines() -> Vec<usize> {
    (9..=43).step_by(2).collect()
}

#[test]
fn library_reports_the_later_release_against_the_earlier_one() {
    let dir = common::fixture("drafts");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    // Reverse order on purpose: the finding goes to the later path, whatever the input order.
    names.sort();
    names.reverse();
    let docs: Vec<Document> = names
        .iter()
        .map(|n| {
            Document::new(
                std::fs::read_to_string(dir.join(n)).unwrap(),
                DocumentKind::Plain,
            )
        })
        .collect();
    let settings = Settings::default();
    let workspace: Vec<WorkspaceDoc<'_>> = names
        .iter()
        .zip(&docs)
        .map(|(name, doc)| WorkspaceDoc {
            path: Arc::from(name.as_str()),
            doc,
            settings: &settings,
        })
        .collect();
    let results = lint_workspace(&workspace);
    let mut found = Vec::new();
    for ((name, doc), diagnostics) in names.iter().zip(&docs).zip(&results) {
        for d in diagnostics
            .iter()
            .filter(|d| d.rule == "cross-draft-duplicate")
        {
            let related = &d.related[0];
            assert_eq!(related.path.as_deref(), Some(FIRST));
            let first = &docs[names.iter().position(|n| n == FIRST).unwrap()];
            assert_eq!(
                related.span.slice(first.text()),
                d.span.slice(doc.text()),
                "the related span is the same paragraph"
            );
            assert_eq!(
                d.message,
                format!(
                    "Paragraph also appears in {FIRST}:{}",
                    first.line_number(related.span.start)
                )
            );
            found.push((name.as_str(), doc.line_number(d.span.start)));
        }
    }
    found.sort();
    let expected: Vec<(&str, usize)> = expected_lines().into_iter().map(|l| (SECOND, l)).collect();
    assert_eq!(found, expected);
}

fn sherpa() -> Command {
    Command::cargo_bin("sherpa").unwrap()
}

fn json_findings(output: &[u8]) -> Vec<Value> {
    serde_json::from_slice::<Vec<Value>>(output).expect("JSON output")
}

fn file_name(path: &Value) -> String {
    Path::new(path.as_str().unwrap())
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string()
}

#[test]
fn binary_reports_cross_draft_copies_with_related_locations() {
    let dir = drafts();
    let output = sherpa()
        .args(["check", "--format", "json", "--select", "duplicates"])
        .arg(dir.path())
        .output()
        .unwrap();
    // Everything is info by default: not a failure at the default --fail-on warning.
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let findings = json_findings(&output.stdout);
    let cross: Vec<&Value> = findings
        .iter()
        .filter(|f| f["rule"] == "cross-draft-duplicate")
        .collect();
    let lines: Vec<usize> = cross
        .iter()
        .map(|f| {
            assert_eq!(file_name(&f["path"]), SECOND);
            assert_eq!(f["severity"], "info");
            assert_eq!(file_name(&f["related"][0]["path"]), FIRST);
            assert_eq!(
                f["related"][0]["range"]["start"]["line"],
                f["range"]["start"]["line"]
            );
            assert_eq!(f["fixes"][0]["applicability"], "display-only");
            f["range"]["start"]["line"].as_u64().unwrap() as usize
        })
        .collect();
    assert_eq!(lines, expected_lines());
    // The other duplicates finding in the folder: the G7 communiqué's repeated sentence.
    let others: Vec<(String, String)> = findings
        .iter()
        .filter(|f| f["rule"] != "cross-draft-duplicate")
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                file_name(&f["path"]),
            )
        })
        .collect();
    assert_eq!(
        others,
        [(
            "duplicate-sentence".to_string(),
            "2021-06-13-carbis-bay-g7-summit-communique.txt".to_string()
        )]
    );

    let failing = sherpa()
        .args([
            "check",
            "--select",
            "cross-draft-duplicate",
            "--fail-on",
            "info",
            "--color",
            "never",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(failing.status.code(), Some(1));
    let text = String::from_utf8(failing.stdout).unwrap();
    let first: PathBuf = dir.path().join(FIRST);
    assert!(
        text.contains(&format!("other copy: {}:9:1", first.display())),
        "{text}"
    );
    assert!(text.contains("18 findings in 1 file"), "{text}");
}

#[test]
fn fixing_never_deletes_a_copy_because_of_another_file() {
    let dir = drafts();
    let before = std::fs::read(dir.path().join(SECOND)).unwrap();
    sherpa()
        .args([
            "check",
            "--fix",
            "--unsafe-fixes",
            "--select",
            "cross-draft-duplicate",
        ])
        .arg(dir.path())
        .assert()
        .code(0);
    assert_eq!(std::fs::read(dir.path().join(SECOND)).unwrap(), before);
}

#[test]
fn configured_allow_patterns_and_max_files_silence_boilerplate() {
    let dir = drafts();
    let config = dir.path().join("sherpa.toml");
    // Two paragraphs of the release mention the roadmap by name.
    std::fs::write(
        &config,
        "[rules.cross-draft-duplicate]\nallow = [\"roadmap for global food security\"]\n",
    )
    .unwrap();
    let output = sherpa()
        .args([
            "check",
            "--format",
            "json",
            "--select",
            "cross-draft-duplicate",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let allowed = json_findings(&output.stdout);
    let mentioning = std::fs::read_to_string(dir.path().join(SECOND))
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(i, line)| {
            expected_lines().contains(&(i + 1))
                && line
                    .to_lowercase()
                    .contains("roadmap for global food security")
        })
        .count();
    assert!(mentioning > 0);
    assert_eq!(allowed.len(), expected_lines().len() - mentioning);

    // Two copies are more than one file allows.
    std::fs::write(&config, "[rules.cross-draft-duplicate]\nmax-files = 1\n").unwrap();
    let output = sherpa()
        .args([
            "check",
            "--format",
            "json",
            "--select",
            "cross-draft-duplicate",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(json_findings(&output.stdout).is_empty());

    std::fs::write(
        &config,
        "[rules.cross-draft-duplicate]\nallow = [\"(unclosed\"]\n",
    )
    .unwrap();
    let output = sherpa()
        .args(["check", "--select", "cross-draft-duplicate"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8(output.stderr).unwrap();
    assert!(
        error.contains("sherpa.toml:1:") && error.contains("allow pattern `(unclosed`"),
        "{error}"
    );
}
