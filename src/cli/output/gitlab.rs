//! `--format gitlab`: a GitLab Code Quality report (a JSON array of Code Climate issues).
//!
//! GitLab compares the reports of a merge request's base and head by `fingerprint`, so each
//! fingerprint is unique in the report and stable across edits elsewhere in the file: it hashes
//! the path, the finding's content fingerprint and its occurrence number, never a line number.

use std::io::{self, Write};

use serde::Serialize;

use super::{Report, portable_path, range};
use crate::diagnostic::Severity;

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: &'static str,
    description: &'a str,
    categories: [&'static str; 1],
    severity: &'static str,
    fingerprint: String,
    location: Location,
    engine_name: &'static str,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let issues: Vec<Issue<'_>> = report
        .findings()
        .zip(report.fingerprints())
        .map(|((file, d), fingerprint)| {
            let path = portable_path(&file.path);
            let r = range(&file.doc, d.span);
            let key = format!(
                "{path}\0{}\0{}",
                fingerprint.content_hex(),
                fingerprint.occurrence
            );
            Issue {
                kind: "issue",
                check_name: d.rule,
                description: &d.message,
                categories: ["Style"],
                severity: severity(d.severity),
                fingerprint: format!(
                    "{:032x}",
                    xxhash_rust::xxh3::xxh3_128_with_seed(key.as_bytes(), super::FINGERPRINT_SEED)
                ),
                location: Location {
                    path,
                    lines: Lines {
                        begin: r.start.line,
                        end: r.end.line,
                    },
                },
                engine_name: "sherpa",
            }
        })
        .collect();
    super::write_json(out, &issues)
}

/// GitLab's scale is info < minor < major < critical < blocker.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info | Severity::Hint => "info",
    }
}
