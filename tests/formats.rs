//! Report formats, `--output-file`, baselines, `--statistics` and the GitHub job summary, all
//! through the real binary.
//!
//! Snapshots cover every format on the seed draft and on three corpus files (two of which are
//! the same statement published twice). They change when rules are added: review and accept.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

const FORMATS: [&str; 8] = [
    "text", "json", "github", "sarif", "junit", "rdjson", "gitlab", "html",
];

const CORPUS_FIXTURES: [&str; 3] = [
    "tests/fixtures/corpus/2021-07-26-joint-statement-on-cuba.txt",
    "tests/fixtures/corpus/2021-07-26-joint-statement-on-cuba-2.txt",
    "tests/fixtures/corpus/A_RES_80_002.txt",
];

const SEED: &str = "tests/fixtures/seed.txt";

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `sherpa` run from the crate folder (so paths in reports are relative and snapshots do not
/// depend on where the repository is checked out), outside GitHub Actions.
fn sherpa() -> Command {
    let mut cmd = Command::cargo_bin("sherpa").expect("binary built");
    cmd.current_dir(crate_dir())
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("NO_COLOR");
    cmd
}

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let output = sherpa().args(args).output().expect("sherpa runs");
    Run {
        status: output.status.code().expect("exit code"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 errors"),
    }
}

fn check(format: &str, paths: &[&str], extra: &[&str]) -> Run {
    let mut args = vec!["check", "--format", format];
    args.extend_from_slice(extra);
    args.extend_from_slice(paths);
    run(&args)
}

/// The version appears in SARIF and HTML output; keep snapshots release-independent.
fn redact(text: &str) -> String {
    text.replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

fn json_findings(paths: &[&str], extra: &[&str]) -> Vec<Value> {
    let out = check("json", paths, extra);
    serde_json::from_str::<Value>(&out.stdout)
        .expect("json output parses")
        .as_array()
        .expect("array")
        .clone()
}

// ---------------------------------------------------------------------------------------------
// Snapshots

#[test]
fn every_format_on_the_seed_draft() {
    let findings = json_findings(&[SEED], &[]).len();
    assert!(findings > 0, "the seed draft has known findings");
    for format in FORMATS {
        let out = check(format, &[SEED], &[]);
        assert_eq!(
            out.status, 1,
            "{format}: findings fail the run\n{}",
            out.stderr
        );
        insta::assert_snapshot!(format!("seed_{format}"), redact(&out.stdout));
    }
}

#[test]
fn every_format_on_corpus_drafts() {
    for format in FORMATS {
        let out = check(format, &CORPUS_FIXTURES, &[]);
        assert_ne!(out.status, 2, "{format}: {}", out.stderr);
        insta::assert_snapshot!(format!("corpus_{format}"), redact(&out.stdout));
    }
}

#[test]
fn every_format_works_with_zero_findings() {
    // One rule that has nothing to say about this statement keeps the run clean whatever
    // other rules are added later.
    let paths = [CORPUS_FIXTURES[0]];
    let only = ["--select", "duplicate-paragraph"];
    for format in FORMATS {
        let out = check(format, &paths, &only);
        assert_eq!(out.status, 0, "{format}: {}", out.stderr);
        assert!(out.stderr.is_empty(), "{format}: {}", out.stderr);
        let stdout = &out.stdout;
        match format {
            "text" => assert_eq!(stdout, "No findings in 1 file.\n"),
            "json" | "gitlab" => assert_eq!(stdout, "[]\n"),
            "github" => assert_eq!(stdout, ""),
            "sarif" => {
                let log: Value = serde_json::from_str(stdout).unwrap();
                assert_eq!(log["runs"][0]["results"], Value::Array(vec![]));
                assert_sarif_valid(&log);
            }
            "rdjson" => {
                let doc: Value = serde_json::from_str(stdout).unwrap();
                assert_eq!(doc["diagnostics"], Value::Array(vec![]));
            }
            "junit" => {
                assert!(stdout.contains("tests=\"1\" failures=\"0\""), "{stdout}");
                assert!(stdout.contains("<testcase name=\"tests/fixtures/corpus/2021-07-26-joint-statement-on-cuba.txt\" classname=\"sherpa\" file=\"tests/fixtures/corpus/2021-07-26-joint-statement-on-cuba.txt\"/>"));
            }
            "html" => {
                assert!(stdout.contains("No findings in 1 file."));
                assert!(stdout.contains("Nothing to chart"));
                assert!(!stdout.contains("<mark"));
            }
            other => unreachable!("{other}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// SARIF

fn sarif_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(crate_dir().join("tests/schemas/sarif-schema-2.1.0.json"))
            .expect("SARIF schema copied under tests/schemas"),
    )
    .expect("schema parses");
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the official schema compiles")
}

fn assert_sarif_valid(log: &Value) {
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_validates_against_the_official_schema() {
    for paths in [&[SEED][..], &CORPUS_FIXTURES[..]] {
        let out = check("sarif", paths, &[]);
        let log: Value = serde_json::from_str(&out.stdout).expect("SARIF is JSON");
        assert_sarif_valid(&log);
    }
}

#[test]
fn the_schema_check_rejects_broken_sarif() {
    let out = check("sarif", &[SEED], &[]);
    let good: Value = serde_json::from_str(&out.stdout).unwrap();
    let validator = sarif_validator();
    assert!(validator.is_valid(&good));

    let mut wrong_version = good.clone();
    wrong_version["version"] = "2.0.0".into();
    assert!(!validator.is_valid(&wrong_version));

    let mut line_zero = good.clone();
    line_zero["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!validator.is_valid(&line_zero));

    let mut unknown_field = good;
    unknown_field["runs"][0]["results"][0]["fixes"][0]["artifactChanges"][0]["replacement"] =
        Value::Array(vec![]);
    assert!(!validator.is_valid(&unknown_field));
}

#[test]
fn sarif_regions_rules_related_locations_and_fixes_agree_with_the_json_report() {
    let findings = json_findings(&[SEED], &[]);
    let log: Value = serde_json::from_str(&check("sarif", &[SEED], &[]).stdout).unwrap();
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    let source = std::fs::read_to_string(crate_dir().join(SEED)).unwrap();
    for (result, finding) in results.iter().zip(&findings) {
        let rule = &rules[result["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], finding["rule"]);
        assert!(rule["shortDescription"]["text"].as_str().unwrap().len() > 10);
        assert!(rule["fullDescription"]["text"].as_str().unwrap().len() > 10);
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("## Why it matters")
        );

        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], finding["range"]["start"]["line"]);
        assert_eq!(region["startColumn"], finding["range"]["start"]["column"]);
        assert_eq!(region["endLine"], finding["range"]["end"]["line"]);
        assert_eq!(region["endColumn"], finding["range"]["end"]["column"]);
        let (start, end) = (
            finding["span"]["start"].as_u64().unwrap() as usize,
            finding["span"]["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(region["byteOffset"], start);
        assert_eq!(region["byteLength"], end - start);
        assert_eq!(region["charOffset"], source[..start].chars().count());
        assert_eq!(region["charLength"], source[start..end].chars().count());

        // SARIF leaves `relatedLocations` out when a finding has none.
        let related = result["relatedLocations"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        assert_eq!(related.len(), finding["related"].as_array().unwrap().len());
        for (r, f) in related.iter().zip(finding["related"].as_array().unwrap()) {
            let region = &r["physicalLocation"]["region"];
            assert_eq!(region["startLine"], f["range"]["start"]["line"]);
            assert_eq!(region["byteOffset"], f["span"]["start"]);
            assert_eq!(r["message"]["text"], f["message"]);
        }
        let fixes = result["fixes"].as_array().map(Vec::len).unwrap_or(0);
        assert_eq!(fixes, finding["fixes"].as_array().unwrap().len());
        if fixes > 0 {
            let replacement = &result["fixes"][0]["artifactChanges"][0]["replacements"][0];
            assert_eq!(
                replacement["deletedRegion"]["byteOffset"],
                finding["fixes"][0]["edits"][0]["span"]["start"]
            );
            assert_eq!(
                replacement["insertedContent"]["text"],
                finding["fixes"][0]["edits"][0]["replacement"]
            );
        }
    }
    // The seed draft has curly quotes early on: character and byte offsets must differ there.
    assert!(results.iter().any(
        |r| r["locations"][0]["physicalLocation"]["region"]["charOffset"]
            != r["locations"][0]["physicalLocation"]["region"]["byteOffset"]
    ));
}

// ---------------------------------------------------------------------------------------------
// rdjson, gitlab, junit

#[test]
fn rdjson_suggestions_apply_the_preferred_fix() {
    let out = check("rdjson", &[SEED], &[]);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    let diagnostics = doc["diagnostics"].as_array().unwrap();
    let findings = json_findings(&[SEED], &[]);
    assert_eq!(diagnostics.len(), findings.len());
    let source = std::fs::read_to_string(crate_dir().join(SEED)).unwrap();
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(source.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let offset = |p: &Value| {
        line_starts[p["line"].as_u64().unwrap() as usize - 1]
            + p["column"].as_u64().unwrap() as usize
            - 1
    };
    for (d, f) in diagnostics.iter().zip(&findings) {
        assert_eq!(d["code"]["value"], f["rule"]);
        assert_eq!(d["location"]["path"], SEED);
        // Columns are UTF-8 byte columns: they lead back to the byte span.
        assert_eq!(
            offset(&d["location"]["range"]["start"]),
            f["span"]["start"].as_u64().unwrap() as usize
        );
        assert_eq!(
            offset(&d["location"]["range"]["end"]),
            f["span"]["end"].as_u64().unwrap() as usize
        );
        if let Some(edit) = f["fixes"][0]["edits"].as_array().and_then(|e| e.first()) {
            let s = &d["suggestions"][0];
            assert_eq!(
                offset(&s["range"]["start"]),
                edit["span"]["start"].as_u64().unwrap() as usize
            );
            assert_eq!(s["text"], edit["replacement"]);
        }
        assert_eq!(
            d["related_locations"].as_array().map(Vec::len).unwrap_or(0),
            f["related"].as_array().unwrap().len()
        );
    }
}

#[test]
fn gitlab_fingerprints_are_unique_and_survive_edits_above() {
    let dir = tempfile::tempdir().unwrap();
    let draft = dir.path().join("draft.txt");
    let source = common::read_fixture("seed.txt");
    std::fs::write(&draft, &source).unwrap();
    let report = |path: &Path| -> Vec<Value> {
        let out = sherpa()
            .args(["check", "--format", "gitlab", "draft.txt"])
            .current_dir(path.parent().unwrap())
            .output()
            .unwrap();
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    };
    let before = report(&draft);
    assert!(!before.is_empty());
    let mut fingerprints: Vec<&str> = before
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    fingerprints.sort_unstable();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), before.len(), "fingerprints are unique");
    for issue in &before {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(issue[key].is_string(), "{key} missing in {issue}");
        }
        assert_eq!(issue["location"]["path"], "draft.txt");
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
    }

    std::fs::write(&draft, format!("A line added at the top.\n\n{source}")).unwrap();
    let after = report(&draft);
    let lines = |r: &[Value]| {
        r.iter()
            .map(|i| i["location"]["lines"]["begin"].as_u64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_ne!(lines(&before), lines(&after), "the findings moved down");
    let prints = |r: &[Value]| {
        r.iter()
            .map(|i| i["fingerprint"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(prints(&before), prints(&after), "fingerprints did not");
}

#[test]
fn junit_has_one_testcase_per_file_and_one_failure_per_finding() {
    let mut paths = vec![SEED];
    paths.extend(CORPUS_FIXTURES);
    let findings = json_findings(&paths, &[]);
    let out = check("junit", &paths, &[]);
    let xml = &out.stdout;
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert_eq!(xml.matches("<testcase ").count(), paths.len());
    // One failure per finding at or above the default --fail-on (warning); info findings,
    // such as the copies shared by the two Cuba statements, are listed without failing.
    let failing = findings
        .iter()
        .filter(|f| f["severity"] == "warning" || f["severity"] == "error")
        .count();
    assert!(failing < findings.len());
    assert_eq!(xml.matches("<failure ").count(), failing);
    for path in &paths {
        assert!(
            xml.contains(&format!("<testcase name=\"{path}\"")),
            "{path}"
        );
    }
    // Below --fail-on, findings are listed but do not fail their test case.
    let out = check("junit", &[SEED], &["--fail-on", "error"]);
    assert_eq!(out.stdout.matches("<failure ").count(), 0);
    assert!(out.stdout.contains("<system-out>"));
    assert!(out.stdout.contains("failures=\"0\""));
}

// ---------------------------------------------------------------------------------------------
// --output-file, --statistics, GITHUB_STEP_SUMMARY

#[test]
fn output_file_receives_the_report_and_the_exit_status_still_reflects_findings() {
    let dir = tempfile::tempdir().unwrap();
    for format in FORMATS {
        let file = dir.path().join(format!("report.{format}"));
        let file_arg = file.to_str().unwrap();
        let out = check(format, &[SEED], &["--output-file", file_arg]);
        assert_eq!(out.status, 1, "{format}: {}", out.stderr);
        assert_eq!(out.stdout, "", "{format}: nothing on standard output");
        let written = std::fs::read_to_string(&file).unwrap();
        // Text to a file is never colored: same as the plain standard output.
        assert_eq!(written, check(format, &[SEED], &[]).stdout, "{format}");

        let out = check(
            format,
            &[SEED],
            &["--output-file", file_arg, "--fail-on", "never"],
        );
        assert_eq!(out.status, 0, "{format}");
    }
    let out = check(
        "json",
        &[SEED],
        &["--output-file", "/nonexistent-folder/report.json"],
    );
    assert_eq!(out.status, 2);
    assert!(
        out.stderr
            .contains("cannot write /nonexistent-folder/report.json"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_report_written_into_the_linted_folder_is_not_linted_next_time() {
    let dir = tempfile::tempdir().unwrap();
    let draft = crate_dir().join(CORPUS_FIXTURES[0]);
    std::fs::copy(draft, dir.path().join("statement.txt")).unwrap();
    let args = [
        "check",
        "--select",
        "duplicate-paragraph",
        "--output-file",
        "report.txt",
        ".",
    ];
    for _ in 0..2 {
        sherpa()
            .current_dir(dir.path())
            .args(args)
            .assert()
            .success();
        let report = std::fs::read_to_string(dir.path().join("report.txt")).unwrap();
        assert_eq!(report, "No findings in 1 file.\n");
    }
}

#[test]
fn statistics_count_findings_per_rule() {
    let findings = json_findings(&[SEED], &[]);
    let mut expected: std::collections::BTreeMap<String, usize> = Default::default();
    for f in &findings {
        *expected
            .entry(f["rule"].as_str().unwrap().to_string())
            .or_default() += 1;
    }

    let out = check("text", &[SEED], &["--statistics"]);
    assert_eq!(out.status, 1);
    let mut lines = out.stdout.lines();
    assert!(lines.next().unwrap().contains("rule"));
    for (rule, count) in &expected {
        let row = out
            .stdout
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(rule))
            .unwrap();
        assert_eq!(
            row.split_whitespace().next().unwrap(),
            count.to_string(),
            "{row}"
        );
    }
    assert!(
        out.stdout
            .contains(&format!("{} findings in 1 file", findings.len()))
    );

    let out = check("json", &[SEED], &["--statistics"]);
    let stats: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
    let got: std::collections::BTreeMap<String, usize> = stats
        .iter()
        .map(|s| {
            (
                s["rule"].as_str().unwrap().to_string(),
                s["count"].as_u64().unwrap() as usize,
            )
        })
        .collect();
    assert_eq!(got, expected);

    // With --output-file the report goes to the file and the statistics to standard output.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.sarif");
    let out = check(
        "sarif",
        &[SEED],
        &["--statistics", "--output-file", file.to_str().unwrap()],
    );
    assert!(out.stdout.contains("count"));
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(
        log["runs"][0]["results"].as_array().unwrap().len(),
        findings.len()
    );
}

#[test]
fn github_step_summary_gets_a_markdown_table_appended() {
    let findings = json_findings(&[SEED], &[]);
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "# Earlier step\n\n").unwrap();
    for format in ["github", "text"] {
        let out = sherpa()
            .env("GITHUB_STEP_SUMMARY", &summary)
            .args(["check", "--format", format, SEED])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
    }
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.starts_with("# Earlier step\n\n## sherpa\n"), "{text}");
    assert_eq!(
        text.matches("## sherpa").count(),
        2,
        "appended, not replaced"
    );
    assert!(text.contains("| Rule | Severity | Findings | Files | Fixable | What it finds |"));
    let row = text
        .lines()
        .find(|l| l.starts_with("| `duplicate-paragraph` |"))
        .expect("a row for duplicate-paragraph");
    let count = findings
        .iter()
        .filter(|f| f["rule"] == "duplicate-paragraph")
        .count();
    assert!(row.contains(&format!("| warning | {count} | 1 |")), "{row}");
    let first = &findings[0];
    let first_row = format!(
        "| `{SEED}:{}:{}` | `{}` | {} |",
        first["range"]["start"]["line"],
        first["range"]["start"]["column"],
        first["rule"].as_str().unwrap(),
        first["message"].as_str().unwrap().replace('|', "\\|")
    );
    assert!(text.contains(&first_row), "{first_row}\n{text}");

    // Clean runs say so.
    let clean = dir.path().join("clean.md");
    sherpa()
        .env("GITHUB_STEP_SUMMARY", &clean)
        .args([
            "check",
            "--select",
            "duplicate-paragraph",
            CORPUS_FIXTURES[0],
        ])
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(&clean).unwrap(),
        "## sherpa\n\nNo findings in 1 file.\n\n"
    );
}

// ---------------------------------------------------------------------------------------------
// Baselines

/// The seed draft in a temporary folder, with a baseline of today's findings.
fn baselined_seed(extra: &[&str]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let source = common::read_fixture("seed.txt");
    std::fs::write(dir.path().join("draft.txt"), &source).unwrap();
    let mut args = vec!["check", "--write-baseline", "sherpa-baseline.json"];
    args.extend_from_slice(extra);
    args.push("draft.txt");
    let out = sherpa()
        .current_dir(dir.path())
        .args(&args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "writing a baseline accepts today's findings"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("recorded"));
    (dir, source)
}

/// A paragraph of the seed draft that appears only once.
const UNIQUE_PARAGRAPH: &str =
    "The leaders of the countries reaffirmed their commitment to building up the Union State";
const ADDED_ON_TOP: &str = "This note was added above the statement after the baseline was recorded, so every line below it moves down.";

/// Inserts a paragraph at the top and a second copy of a unique paragraph at the end.
fn edit(source: &str) -> (String, usize) {
    let unique = source
        .lines()
        .find(|l| l.starts_with(UNIQUE_PARAGRAPH))
        .expect("paragraph present");
    assert_eq!(source.matches(unique).count(), 1);
    let edited = format!("{ADDED_ON_TOP}\n\n{}\n\n{unique}\n", source.trim_end());
    let new_line = edited.lines().count();
    (edited, new_line)
}

fn check_in(dir: &Path, args: &[&str]) -> (i32, Vec<Value>, String) {
    let out = sherpa().current_dir(dir).args(args).output().unwrap();
    let findings = serde_json::from_slice::<Value>(&out.stdout)
        .map(|v| v.as_array().unwrap().clone())
        .unwrap_or_default();
    (
        out.status.code().unwrap(),
        findings,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn baseline_fails_only_on_the_new_duplicate_after_edits_shift_lines() {
    let only = ["--select", "duplicate-paragraph"];
    let (dir, source) = baselined_seed(&only);
    let args = [
        "check",
        "--format",
        "json",
        "--baseline",
        "sherpa-baseline.json",
        "--select",
        "duplicate-paragraph",
        "draft.txt",
    ];

    // Unchanged: everything is known.
    let (status, findings, _) = check_in(dir.path(), &args);
    assert_eq!((status, findings.len()), (0, 0));

    let (edited, new_line) = edit(&source);
    std::fs::write(dir.path().join("draft.txt"), edited).unwrap();
    let (status, findings, stderr) = check_in(dir.path(), &args);
    assert_eq!(status, 1, "the new finding fails the run: {stderr}");
    assert_eq!(findings.len(), 1, "only the new finding: {findings:#?}");
    assert_eq!(findings[0]["rule"], "duplicate-paragraph");
    assert_eq!(findings[0]["range"]["start"]["line"], new_line);
    assert!(stderr.is_empty(), "{stderr}");

    // Without the baseline all the old findings are still there, on shifted lines.
    let (_, all, _) = check_in(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--select",
            "duplicate-paragraph",
            "draft.txt",
        ],
    );
    let baseline: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("sherpa-baseline.json")).unwrap(),
    )
    .unwrap();
    let recorded: u64 = baseline["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["count"].as_u64().unwrap())
        .sum();
    assert_eq!(all.len() as u64, recorded + 1);

    // The text report says how many were left out.
    let out = sherpa()
        .current_dir(dir.path())
        .args([
            "check",
            "--baseline",
            "sherpa-baseline.json",
            "--select",
            "duplicate-paragraph",
            "draft.txt",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!(
            "1 finding in 1 file (1 fixable with --fix); {recorded} baselined findings not shown"
        )),
        "{text}"
    );
}

#[test]
fn baseline_with_every_rule_reports_nothing_from_untouched_text() {
    let (dir, source) = baselined_seed(&[]);
    let (edited, new_line) = edit(&source);
    std::fs::write(dir.path().join("draft.txt"), edited).unwrap();
    let (status, findings, stderr) = check_in(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--baseline",
            "sherpa-baseline.json",
            "draft.txt",
        ],
    );
    assert_eq!(status, 1, "{stderr}");
    // Whatever rules exist, new findings may only sit in the two edited places.
    for f in &findings {
        let line = f["range"]["start"]["line"].as_u64().unwrap() as usize;
        assert!(
            line == 1 || line == new_line,
            "finding in untouched text: {f:#}"
        );
    }
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == "duplicate-paragraph" && f["range"]["start"]["line"] == new_line)
    );
}

#[test]
fn baseline_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("draft.txt"),
        common::read_fixture("seed.txt"),
    )
    .unwrap();
    let (status, _, stderr) = check_in(
        dir.path(),
        &["check", "--baseline", "missing.json", "draft.txt"],
    );
    assert_eq!(status, 2);
    assert!(
        stderr.contains("cannot read baseline missing.json"),
        "{stderr}"
    );

    std::fs::write(dir.path().join("bad.json"), "{\"findings\": 3}").unwrap();
    let (status, _, stderr) = check_in(
        dir.path(),
        &["check", "--baseline", "bad.json", "draft.txt"],
    );
    assert_eq!(status, 2);
    assert!(
        stderr.contains("bad.json is not a sherpa baseline"),
        "{stderr}"
    );
}

#[test]
fn a_fixed_finding_is_reported_as_gone_from_the_baseline() {
    let only = ["--select", "duplicate-paragraph"];
    let (dir, _) = baselined_seed(&only);
    sherpa()
        .current_dir(dir.path())
        .args([
            "check",
            "--fix",
            "--select",
            "duplicate-paragraph",
            "draft.txt",
        ])
        .assert()
        .success();
    let (status, findings, stderr) = check_in(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--baseline",
            "sherpa-baseline.json",
            "--select",
            "duplicate-paragraph",
            "draft.txt",
        ],
    );
    assert_eq!((status, findings.len()), (0, 0));
    assert!(
        stderr.contains("in the baseline no longer occur; refresh it with --write-baseline"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// HTML in a real browser

/// Debian's Chromium, or the browser named by `SHERPA_CHROMIUM` (a path that is not a file, such
/// as `none`, skips the test).
fn chromium() -> Option<PathBuf> {
    let candidates: Vec<PathBuf> = match std::env::var_os("SHERPA_CHROMIUM") {
        Some(path) => vec![PathBuf::from(path)],
        None => vec![
            "/usr/bin/chromium".into(),
            "/usr/bin/chromium-browser".into(),
        ],
    };
    if let Some(found) = candidates.into_iter().find(|c| c.is_file()) {
        return Some(found);
    }
    // Written to the real stderr, not through the test harness's capture, so the skip shows
    // in a plain `cargo test` run.
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        b"note: chromium not found (apt-get install chromium, or set SHERPA_CHROMIUM); \
          HTML rendering test SKIPPED\n",
    );
    None
}

/// Runs headless Chromium with the flags that work offline, killing it after a minute.
fn run_chromium(browser: &Path, profile: &Path, args: &[String]) -> Vec<u8> {
    let mut child = StdCommand::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--force-color-profile=srgb",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut out).ok();
        out
    });
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium failed: {status}");
            break;
        }
        if started.elapsed() > Duration::from_secs(90) {
            child.kill().ok();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().unwrap()
}

struct Screenshot {
    width: usize,
    height: usize,
    rgb: Vec<[u8; 3]>,
}

fn read_png(path: &Path) -> Screenshot {
    let file = std::io::BufReader::new(std::fs::File::open(path).expect("screenshot written"));
    let mut decoder = png::Decoder::new(file);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut buf).expect("PNG frame");
    let channels = info.color_type.samples();
    let rgb = buf[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|p| match channels {
            1 | 2 => [p[0], p[0], p[0]],
            _ => [p[0], p[1], p[2]],
        })
        .collect();
    Screenshot {
        width: info.width as usize,
        height: info.height as usize,
        rgb,
    }
}

#[test]
fn html_report_renders_in_headless_chromium_with_findings_highlighted() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");
    let mut paths = vec![SEED];
    paths.extend(CORPUS_FIXTURES);
    let findings = json_findings(&paths, &[]);
    let out = check("html", &paths, &["--output-file", report.to_str().unwrap()]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let url = format!("file://{}", report.display());

    // The DOM as the browser built it: one note per finding, highlights and links both ways.
    let dom = String::from_utf8(run_chromium(
        &browser,
        &dir.path().join("profile-dom"),
        &["--dump-dom".to_string(), url.clone()],
    ))
    .unwrap();
    assert!(
        dom.contains("<h1>sherpa report</h1>"),
        "{}",
        &dom[..dom.len().min(500)]
    );
    assert_eq!(
        dom.matches("<div class=\"note ").count()
            - dom.matches("<div class=\"note backlink").count(),
        findings.len()
    );
    for f in &findings {
        let rule = f["rule"].as_str().unwrap();
        assert!(dom.contains(&format!("data-rule=\"{rule}\"")), "{rule}");
        assert!(
            dom.contains(&dom_text(f["message"].as_str().unwrap())),
            "{}",
            f["message"]
        );
    }
    assert!(dom.contains("<mark class=\"warning\""));
    assert!(
        dom.contains("<mark class=\"related\""),
        "first copies are highlighted"
    );
    // The seed's first duplicate (line 23) and its first copy (line 5) link to each other.
    let duplicate = findings
        .iter()
        .position(|f| f["path"] == SEED && f["rule"] == "duplicate-paragraph")
        .expect("the seed has duplicated paragraphs");
    let line = findings[duplicate]["range"]["start"]["line"]
        .as_u64()
        .unwrap();
    // Findings of the seed draft are numbered within it; its article's id numbers the draft.
    let k = duplicate - findings.iter().position(|f| f["path"] == SEED).unwrap();
    let heading = dom
        .find(&format!("<h2>{SEED} "))
        .expect("the seed draft has a section");
    let id_at = dom[..heading].rfind("id=\"d").expect("article id") + "id=\"".len();
    let d = &dom[id_at..id_at + dom[id_at..].find('"').unwrap()];
    let first_copy = findings[duplicate]["related"][0]["range"]["start"]["line"]
        .as_u64()
        .unwrap();
    assert!(
        dom.contains(&format!(
            "first copy: <a href=\"#{d}-L{first_copy}\">line {first_copy}</a>"
        )),
        "duplicate links to its first copy"
    );
    assert!(
        dom.contains(&format!("finding at <a href=\"#{d}-f{k}\">line {line}</a>")),
        "first copy links back"
    );
    assert!(dom.contains(&format!("id=\"{d}-f{k}\"")));
    assert!(dom.contains(&format!("id=\"{d}-L{first_copy}\"")));
    assert!(dom.contains("<svg"), "the chart is inline SVG");
    assert!(
        !dom.contains("src=\"http") && !dom.contains("href=\"http"),
        "no external assets"
    );

    // The picture: not blank, and the highlight colour is really painted.
    let shot = dir.path().join("report.png");
    run_chromium(
        &browser,
        &dir.path().join("profile-shot"),
        &[
            "--window-size=1200,4000".to_string(),
            format!("--screenshot={}", shot.display()),
            url,
        ],
    );
    let png = read_png(&shot);
    assert_eq!((png.width, png.height), (1200, 4000));
    let white = png.rgb.iter().filter(|p| **p == [255, 255, 255]).count();
    let non_white = png.rgb.len() - white;
    assert!(
        non_white * 50 > png.rgb.len(),
        "page is almost blank: {non_white} non-white pixels"
    );
    let mean = |c: usize| png.rgb.iter().map(|p| p[c] as f64).sum::<f64>() / png.rgb.len() as f64;
    let variance = (0..3)
        .map(|c| {
            let m = mean(c);
            png.rgb
                .iter()
                .map(|p| (p[c] as f64 - m).powi(2))
                .sum::<f64>()
                / png.rgb.len() as f64
        })
        .sum::<f64>();
    assert!(
        variance > 100.0,
        "pixel variance {variance} is too low for a page with text"
    );
    let near = |p: &[u8; 3], q: [u8; 3]| p.iter().zip(q).all(|(a, b)| a.abs_diff(b) <= 6);
    // The background colours of error, warning, info and hint highlights in the page's CSS.
    let highlight = [
        [0xff, 0xc9, 0xc9],
        [0xff, 0xe5, 0x8f],
        [0xcf, 0xe6, 0xff],
        [0xe6, 0xe9, 0xed],
    ];
    let highlighted = png
        .rgb
        .iter()
        .filter(|p| highlight.iter().any(|&h| near(p, h)))
        .count();
    eprintln!(
        "screenshot: {non_white} non-white pixels, variance {variance:.0}, {highlighted} highlighted"
    );
    assert!(
        highlighted > 2_000,
        "finding highlights painted: {highlighted} pixels"
    );
}

/// Text as Chromium serializes a text node.
fn dom_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\u{a0}', "&nbsp;")
}
