//! `sherpa check` lints each draft and drops it, keeping only the lines its findings touch and
//! paragraph facts for the cross-draft rules. These tests hold the binary's report to the
//! in-memory engine (`lint_workspace` over every draft at once) on real drafts: the same
//! findings, messages, spans and positions, including cross-draft copies whose two files are
//! read again, a Markdown draft and standard input.

mod common;

use std::fs;
use std::path::Path;
use std::sync::Arc;

use assert_cmd::Command;
use serde_json::{Value, json};
use sherpa::rules::WorkspaceDoc;
use sherpa::{Document, DocumentKind, Settings, lint_workspace};

fn sherpa() -> Command {
    let mut cmd = Command::cargo_bin("sherpa").expect("binary is built");
    cmd.env_remove("NO_COLOR").env_remove("GITHUB_STEP_SUMMARY");
    cmd
}

const FIRST: &str =
    "2022-05-19-chairs-statement-roadmap-for-global-food-security-call-to-action.txt";

/// The drafts fixture (two near-identical Chair's Statements, a G7 communiqué, a UN
/// resolution) plus a Markdown note and a plain draft that copy paragraphs of the first
/// statement, one word changed in one of them, with Windows line breaks in the other.
fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in fs::read_dir(common::fixture("drafts")).unwrap() {
        let path = entry.unwrap().path();
        fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    let first = fs::read_to_string(dir.path().join(FIRST)).unwrap();
    let long: Vec<&str> = first
        .split("\n\n")
        .filter(|p| p.split_whitespace().count() >= 20)
        .collect();
    assert!(long.len() >= 3, "the statement has long paragraphs");
    let changed = long[1].replacen(" the ", " a ", 1);
    assert_ne!(changed, long[1]);
    fs::write(
        dir.path().join("note.md"),
        format!(
            "---\ntitle: Note\n---\n# Note on the roadmap\n\n- {}\n\nAn own paragraph of the note, short.\n\n{changed}\n",
            long[0]
        ),
    )
    .unwrap();
    fs::write(
        dir.path().join("z-copy.txt"),
        format!("Opening of the copy.\r\n\r\n{}\r\n", long[2]),
    )
    .unwrap();
    dir
}

/// One finding as `--format json` writes it, computed from the in-memory engine.
fn expected_json(dir: &Path, stdin: Option<(&str, &str)>) -> Vec<Value> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().to_string())
        .collect();
    names.sort();
    let mut texts: Vec<(String, String)> = names
        .into_iter()
        .map(|name| {
            let text = fs::read_to_string(&name).unwrap();
            (name, text)
        })
        .collect();
    if let Some((name, text)) = stdin {
        texts.push((name.to_string(), text.to_string()));
    }
    let docs: Vec<Document> = texts
        .iter()
        .map(|(name, text)| Document::new(text.as_str(), DocumentKind::from_path(Path::new(name))))
        .collect();
    let settings = Settings::default();
    let workspace: Vec<WorkspaceDoc<'_>> = texts
        .iter()
        .zip(&docs)
        .map(|((name, _), doc)| WorkspaceDoc {
            path: Arc::from(name.as_str()),
            doc,
            settings: &settings,
        })
        .collect();
    let results = lint_workspace(&workspace);
    let position = |doc: &Document, offset: usize| {
        let lc = doc.lines().line_col(offset, doc.source());
        json!({"line": lc.line + 1, "column": lc.column + 1})
    };
    let range = |doc: &Document, span: sherpa::TextRange| json!({"start": position(doc, span.start), "end": position(doc, span.end)});
    let mut out = Vec::new();
    for (((name, _), doc), found) in texts.iter().zip(&docs).zip(results) {
        for d in found {
            let related: Vec<Value> = d
                .related
                .iter()
                .map(|r| {
                    let path = r.path.as_deref().unwrap_or(name);
                    let index = texts.iter().position(|(n, _)| n == path).unwrap();
                    json!({
                        "path": path,
                        "span": r.span,
                        "range": range(&docs[index], r.span),
                        "message": r.message,
                    })
                })
                .collect();
            let fixes: Vec<Value> = d
                .fixes
                .iter()
                .map(|f| {
                    json!({
                        "title": f.title,
                        "applicability": f.applicability,
                        "edits": f.edits.iter().map(|e| json!({
                            "span": e.span,
                            "range": range(doc, e.span),
                            "replacement": e.replacement,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            out.push(json!({
                "path": name,
                "rule": d.rule,
                "severity": d.severity,
                "message": d.message,
                "span": d.span,
                "range": range(doc, d.span),
                "related": related,
                "fixes": fixes,
            }));
        }
    }
    out
}

fn cross_draft(findings: &[Value]) -> Vec<&Value> {
    findings
        .iter()
        .filter(|f| f["rule"] == "cross-draft-duplicate")
        .collect()
}

#[test]
fn the_report_equals_the_in_memory_engine_on_every_finding() {
    let dir = folder();
    let output = sherpa()
        .args(["check", "--format", "json", "--fail-on", "never"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let found: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    let expected = expected_json(dir.path(), None);
    assert_eq!(found, expected);

    // The copies this test planted are among them, with the near copy worded.
    let cross = cross_draft(&found);
    let in_file = |name: &str| {
        cross
            .iter()
            .filter(|f| f["path"].as_str().unwrap().ends_with(name))
            .count()
    };
    assert_eq!(in_file("note.md"), 2, "{cross:#?}");
    assert_eq!(in_file("z-copy.txt"), 1);
    assert!(
        cross
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("→ \"a\"")),
        "{cross:#?}"
    );
}

#[test]
fn standard_input_takes_part_in_cross_draft_copies() {
    let dir = folder();
    let first = fs::read_to_string(dir.path().join(FIRST)).unwrap();
    let paragraph = first
        .split("\n\n")
        .find(|p| p.split_whitespace().count() >= 20)
        .unwrap();
    let piped = format!(
        "A pasted paragraph follows.\n\n{}\n",
        paragraph.replacen(" and ", " or ", 1)
    );
    let output = sherpa()
        .args(["check", "--format", "json", "--fail-on", "never"])
        .args(["--stdin-filename", "zz-pasted.txt", "-"])
        .arg(dir.path())
        .write_stdin(piped.clone())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let found: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        found,
        expected_json(dir.path(), Some(("zz-pasted.txt", piped.as_str())))
    );
    let pasted: Vec<&Value> = cross_draft(&found)
        .into_iter()
        .filter(|f| f["path"] == "zz-pasted.txt")
        .collect();
    assert_eq!(pasted.len(), 1, "{found:#?}");
    assert!(
        pasted[0]["message"]
            .as_str()
            .unwrap()
            .contains("\"and\" → \"or\""),
        "{pasted:#?}"
    );
}

#[test]
fn text_report_shows_the_copied_paragraph_and_where_the_other_copy_is() {
    let dir = folder();
    let output = sherpa()
        .args([
            "check",
            "--format",
            "text",
            "--color",
            "never",
            "--fail-on",
            "never",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let copy = fs::read_to_string(dir.path().join("z-copy.txt")).unwrap();
    // Long lines are shortened in the middle: their start is shown.
    let start: String = copy
        .split("\r\n")
        .nth(2)
        .unwrap()
        .chars()
        .take(40)
        .collect();
    let at = text
        .find(&format!("3 | {start}"))
        .expect("the snippet of the copy is its paragraph, line 3");
    let after = &text[at..];
    let note = after
        .find("other copy: ")
        .expect("a note on the other copy");
    assert!(after[note..].starts_with(&format!(
        "other copy: {}:",
        dir.path().join(FIRST).display()
    )));
}
