//! The real binary, end to end: output formats, exit statuses, fixes and bad input.

mod common;

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use common::{fixture, read_fixture};

fn sherpa() -> Command {
    let mut cmd = Command::cargo_bin("sherpa").expect("binary is built");
    cmd.env_remove("NO_COLOR").env_remove("GITHUB_STEP_SUMMARY");
    cmd
}

/// Copy fixtures into a fresh folder so tests can write and paths are short and stable.
fn workdir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, contents) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }
    dir
}

fn stdout_of(cmd: &mut Command) -> (String, String, i32) {
    let output = cmd.output().unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
        output.status.code().unwrap_or(-1),
    )
}

fn seed_dir() -> tempfile::TempDir {
    workdir(&[("seed.txt", &read_fixture("seed.txt"))])
}

#[test]
fn seed_text_output() {
    let dir = seed_dir();
    let (stdout, _, code) = stdout_of(sherpa().current_dir(dir.path()).args([
        "check",
        "--select",
        "duplicate-paragraph",
        "seed.txt",
    ]));
    assert_eq!(code, 1);
    assert!(
        stdout.ends_with("16 findings in 1 file (16 fixable with --fix)\n"),
        "{stdout}"
    );
    insta::assert_snapshot!("seed_text", stdout);
}

#[test]
fn seed_json_output_follows_the_contract() {
    let dir = seed_dir();
    let (stdout, _, code) = stdout_of(sherpa().current_dir(dir.path()).args([
        "check",
        "--select",
        "duplicate-paragraph",
        "--format",
        "json",
        "seed.txt",
    ]));
    assert_eq!(code, 1);
    let findings: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let findings = findings.as_array().unwrap();
    let lines: Vec<u64> = findings
        .iter()
        .map(|f| f["range"]["start"]["line"].as_u64().unwrap())
        .collect();
    let expected: Vec<u64> = [23, 24].into_iter().chain(33..=39).chain(41..=47).collect();
    assert_eq!(lines, expected);
    let text = read_fixture("seed.txt");
    for finding in findings {
        // The span and the range describe the same text, and the related span is an equal copy.
        let (start, end) = (
            finding["span"]["start"].as_u64().unwrap() as usize,
            finding["span"]["end"].as_u64().unwrap() as usize,
        );
        let related = &finding["related"][0];
        let (rs, re) = (
            related["span"]["start"].as_u64().unwrap() as usize,
            related["span"]["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(text[start..end], text[rs..re]);
        assert_eq!(finding["range"]["start"]["column"], 1);
        assert_eq!(finding["fixes"][0]["applicability"], "safe");
    }
    insta::assert_snapshot!("seed_json", stdout);
}

#[test]
fn seed_github_output() {
    let dir = seed_dir();
    let (stdout, _, _) = stdout_of(sherpa().current_dir(dir.path()).args([
        "check",
        "--select",
        "duplicate-paragraph",
        "--format",
        "github",
        "seed.txt",
    ]));
    assert_eq!(stdout.lines().count(), 16);
    insta::assert_snapshot!("seed_github", stdout);
}

#[test]
fn fix_removes_the_copies_and_keeps_everything_else_in_order() {
    let dir = seed_dir();
    let path = dir.path().join("seed.txt");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    }
    let (_, stderr, code) = stdout_of(sherpa().current_dir(dir.path()).args([
        "check",
        "--select",
        "duplicate-paragraph",
        "--fix",
        "seed.txt",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("Fixed 16 findings in 1 file."), "{stderr}");
    let fixed = fs::read_to_string(&path).unwrap();
    let original = read_fixture("seed.txt");
    let paragraphs: Vec<&str> = fixed.lines().filter(|l| !l.trim().is_empty()).collect();
    // 22 unique paragraphs in their original order, then the stray `<` (not this rule's business).
    assert_eq!(paragraphs.len(), 23);
    assert_eq!(*paragraphs.last().unwrap(), "<");
    let mut unique: Vec<&str> = Vec::new();
    for line in original.lines().filter(|l| !l.trim().is_empty()) {
        if !unique.contains(&line) {
            unique.push(line);
        }
    }
    assert_eq!(paragraphs, unique);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
    }
    // Linting again finds nothing to fix.
    let (stdout, _, code) = stdout_of(sherpa().current_dir(dir.path()).args([
        "check",
        "--select",
        "duplicate-paragraph",
        "seed.txt",
    ]));
    assert_eq!(code, 0);
    assert_eq!(stdout, "No findings in 1 file.\n");
}

#[test]
fn diff_prints_the_fix_and_writes_nothing() {
    let dir = seed_dir();
    let (stdout, _, _) = stdout_of(sherpa().current_dir(dir.path()).args([
        "check",
        "--select",
        "duplicate-paragraph",
        "--diff",
        "seed.txt",
    ]));
    assert!(
        stdout.starts_with("--- a/seed.txt\n+++ b/seed.txt\n"),
        "{stdout}"
    );
    let removed = stdout
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---") && l.len() > 1)
        .count();
    assert_eq!(removed, 16, "{stdout}");
    assert!(
        !stdout
            .lines()
            .any(|l| l.starts_with('+') && !l.starts_with("+++")),
        "fixes only delete: {stdout}"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("seed.txt")).unwrap(),
        read_fixture("seed.txt")
    );
}

#[test]
fn stdin_is_linted_under_its_given_name() {
    let (stdout, _, code) = stdout_of(
        sherpa()
            .args([
                "check",
                "--select",
                "duplicate-paragraph",
                "--format",
                "json",
                "--stdin-filename",
                "drafts/x.txt",
                "-",
            ])
            .write_stdin(read_fixture("seed.txt")),
    );
    assert_eq!(code, 1);
    let findings: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(findings.as_array().unwrap().len(), 16);
    assert_eq!(findings[0]["path"], "drafts/x.txt");
}

#[test]
fn exit_status_follows_fail_on() {
    let dir = seed_dir();
    let run = |fail_on: &str| {
        sherpa()
            .current_dir(dir.path())
            .args([
                "check",
                "--select",
                "duplicate-paragraph",
                "--format",
                "json",
                "--fail-on",
                fail_on,
                "seed.txt",
            ])
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(run("warning"), Some(1));
    assert_eq!(run("error"), Some(0));
    assert_eq!(run("never"), Some(0));
}

#[test]
fn rules_and_explain_describe_the_registry() {
    let (stdout, _, code) = stdout_of(sherpa().args(["rules"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("duplicate-paragraph") && stdout.contains("duplicates"));
    let (stdout, _, code) = stdout_of(sherpa().args(["explain", "duplicate-paragraph"]));
    assert_eq!(code, 0);
    for section in [
        "## What it does",
        "## Why it matters",
        "## Example",
        "## Fix safety",
    ] {
        assert!(stdout.contains(section), "{stdout}");
    }
    let (_, stderr, code) = stdout_of(sherpa().args(["explain", "no-such-rule"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("no-such-rule"));
    let (_, stderr, code) = stdout_of(sherpa().args(["check", "--select", "nonsense", "."]));
    assert_eq!(code, 2);
    assert!(stderr.contains("nonsense"));
}

#[test]
fn config_is_discovered_from_the_file_and_can_turn_rules_off_or_up() {
    let seed = read_fixture("seed.txt");
    let dir = workdir(&[
        (
            "strict/sherpa.toml",
            "[rules.duplicate-paragraph]\nseverity = \"error\"\n",
        ),
        ("strict/a.txt", &seed),
        (
            "quiet/.sherpa.toml",
            "[rules.duplicate-paragraph]\nseverity = \"off\"\n",
        ),
        ("quiet/b.txt", &seed),
    ]);
    // The two folders hold the same draft, which the cross-draft rule rightly reports too.
    let (stdout, _, _) = stdout_of(sherpa().current_dir(dir.path()).args([
        "check",
        "--select",
        "duplicates",
        "--ignore",
        "cross-draft-duplicate",
        "--format",
        "json",
        ".",
    ]));
    let findings: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let findings = findings.as_array().unwrap();
    assert!(!findings.is_empty());
    assert!(
        findings
            .iter()
            .all(|f| f["path"] == "./strict/a.txt" && f["severity"] == "error"),
        "{stdout}"
    );
}

#[test]
fn broken_config_stops_with_file_line_and_key() {
    let dir = workdir(&[
        (
            "sherpa.toml",
            "[rules.duplicate-paragraph]\nmin-wordz = 4\n",
        ),
        ("a.txt", "Text.\n"),
    ]);
    let (_, stderr, code) = stdout_of(sherpa().current_dir(dir.path()).args(["check", "a.txt"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("sherpa.toml:1:") && stderr.contains("min-wordz"),
        "{stderr}"
    );
    let (_, stderr, code) = stdout_of(sherpa().current_dir(dir.path()).args([
        "check",
        "--config",
        "missing.toml",
        "a.txt",
    ]));
    assert_eq!(code, 2);
    assert!(stderr.contains("missing.toml"), "{stderr}");
}

#[test]
fn walking_honours_extensions_gitignore_and_sherpaignore() {
    let seed = read_fixture("seed.txt");
    // In Markdown, lines without blank lines between them are one paragraph: separate them.
    let seed_markdown = seed.lines().collect::<Vec<_>>().join("\n\n");
    let dir = workdir(&[
        ("drafts/a.txt", &seed),
        ("drafts/b.md", &seed_markdown),
        ("drafts/notes.rst", &seed),
        ("drafts/old/c.txt", &seed),
        ("drafts/.sherpaignore", "old/\n"),
        (".gitignore", "build/\n"),
        ("build/d.txt", &seed),
    ]);
    let (stdout, _, _) = stdout_of(sherpa().current_dir(dir.path()).args([
        "check",
        "--select",
        "duplicate-paragraph",
        "--format",
        "json",
        ".",
    ]));
    let findings: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let mut paths: Vec<String> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    paths.dedup();
    assert_eq!(paths, ["./drafts/a.txt", "./drafts/b.md"]);
}

#[test]
fn markdown_code_and_suppressed_paragraphs_are_not_findings() {
    let para =
        "The Parties reaffirmed their commitment to the purposes and principles of the Charter.";
    let source = format!(
        "# Draft\n\n{para}\n\n```\n{para}\n```\n\n<!-- sherpa-disable-next-line duplicate-paragraph -->\n{para}\n\n> {para}\n"
    );
    let dir = workdir(&[("draft.md", &source)]);
    let (stdout, _, _) = stdout_of(sherpa().current_dir(dir.path()).args([
        "check",
        "--select",
        "duplicate-paragraph",
        "--format",
        "json",
        "draft.md",
    ]));
    let findings: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let lines: Vec<u64> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["range"]["start"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [12], "only the quoted copy is reported: {stdout}");
}

#[test]
fn bad_files_are_reported_and_the_run_goes_on() {
    let dir = workdir(&[
        ("empty.txt", ""),
        ("blank.txt", " \n\n\t\r\n"),
        ("good.txt", &read_fixture("seed.txt")),
    ]);
    fs::write(dir.path().join("latin1.txt"), b"Caf\xe9 au lait\n").unwrap();
    fs::write(dir.path().join("binary.txt"), b"PK\x03\x04\x00\x00binary").unwrap();
    let (stdout, stderr, code) = stdout_of(sherpa().current_dir(dir.path()).args([
        "check",
        "--select",
        "duplicate-paragraph",
        "--format",
        "json",
        ".",
        "missing.txt",
    ]));
    assert_eq!(code, 2, "an unreadable file makes the run fail: {stderr}");
    assert!(stderr.contains("latin1.txt: not valid UTF-8"), "{stderr}");
    assert!(
        stderr.contains("binary.txt: skipped, contains NUL bytes"),
        "{stderr}"
    );
    assert!(
        stderr.contains("missing.txt: no such file or directory"),
        "{stderr}"
    );
    let findings: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        findings.as_array().unwrap().len(),
        16,
        "the good file is still linted"
    );
}

#[test]
fn a_fifty_megabyte_draft_is_linted_in_one_pass() {
    // Distinct paragraphs plus one duplicate at the very end: no quadratic work, no lost finding.
    let mut text = String::with_capacity(51 << 20);
    let mut n = 0u64;
    while text.len() < 50 << 20 {
        n += 1;
        text.push_str(&format!(
            "Paragraph {n}: the Ministers reaffirmed their commitment ({n}) to the “rules-based” order and agreed to meet again in {}.\n\n",
            2000 + n % 500
        ));
    }
    text.push_str("Paragraph 7: the Ministers reaffirmed their commitment (7) to the “rules-based” order and agreed to meet again in 2007.\n");
    let dir = workdir(&[]);
    fs::write(dir.path().join("big.txt"), &text).unwrap();
    let (stdout, stderr, code) = stdout_of(sherpa().current_dir(dir.path()).args([
        "check",
        "--select",
        "duplicate-paragraph",
        "--format",
        "json",
        "big.txt",
    ]));
    assert_eq!(code, 1, "{stderr}");
    let findings: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(findings.as_array().unwrap().len(), 1);
    assert_eq!(findings[0]["related"][0]["range"]["start"]["line"], 13);
}

#[test]
fn explicit_files_are_linted_whatever_their_extension() {
    let dir = workdir(&[("notes.rst", &read_fixture("seed.txt"))]);
    assert!(Path::new(&fixture("seed.txt")).exists());
    let (stdout, _, _) = stdout_of(sherpa().current_dir(dir.path()).args([
        "check",
        "--select",
        "duplicate-paragraph",
        "--format",
        "json",
        "notes.rst",
    ]));
    let findings: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(findings.as_array().unwrap().len(), 16);
}
