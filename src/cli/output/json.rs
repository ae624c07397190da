//! `--format json`: the stable contract, one object per finding.

use std::io::{self, Write};

use serde::Serialize;

use super::{Range, Report, range};
use crate::diagnostic::{Applicability, Severity, TextRange};

#[derive(Serialize)]
struct JsonFinding<'a> {
    path: &'a str,
    rule: &'a str,
    severity: Severity,
    message: &'a str,
    span: TextRange,
    range: Range,
    related: Vec<JsonRelated<'a>>,
    fixes: Vec<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    path: &'a str,
    span: TextRange,
    #[serde(skip_serializing_if = "Option::is_none")]
    range: Option<Range>,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    title: &'a str,
    applicability: Applicability,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    span: TextRange,
    range: Range,
    replacement: &'a str,
}

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let findings: Vec<JsonFinding<'_>> = report
        .findings()
        .map(|(file, d)| JsonFinding {
            path: &file.path,
            rule: d.rule,
            severity: d.severity,
            message: &d.message,
            span: d.span,
            range: range(&file.doc, d.span),
            related: d
                .related
                .iter()
                .map(|r| {
                    let path = r.path.as_deref().unwrap_or(&file.path);
                    JsonRelated {
                        path,
                        span: r.span,
                        range: report.doc(path).map(|doc| range(doc, r.span)),
                        message: &r.message,
                    }
                })
                .collect(),
            fixes: d
                .fixes
                .iter()
                .map(|f| JsonFix {
                    title: &f.title,
                    applicability: f.applicability,
                    edits: f
                        .edits
                        .iter()
                        .map(|e| JsonEdit {
                            span: e.span,
                            range: range(&file.doc, e.span),
                            replacement: &e.replacement,
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    super::write_json(out, &findings)
}
