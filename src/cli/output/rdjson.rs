//! `--format rdjson`: the Reviewdog Diagnostic Format (`reviewdog -f=rdjson`).
//!
//! Columns are 1-based UTF-8 byte counts, as the format defines them. Each fix becomes one
//! suggestion that replaces the fix's whole extent, so a fix made of several edits is still
//! offered (and applied by a reviewer) as one change; the preferred fix comes first.

use std::io::{self, Write};

use serde::Serialize;

use super::{Report, SourceView, portable_path};
use crate::diagnostic::{Fix, Severity, TextRange};

#[derive(Serialize)]
struct DiagnosticResult<'a> {
    source: Source,
    diagnostics: Vec<RdDiagnostic<'a>>,
}

#[derive(Serialize)]
struct Source {
    name: &'static str,
}

#[derive(Serialize)]
struct RdDiagnostic<'a> {
    message: &'a str,
    location: Location,
    severity: &'static str,
    code: Code,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suggestions: Vec<Suggestion>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation<'a>>,
}

#[derive(Serialize)]
struct Location {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    range: Option<Range>,
}

#[derive(Serialize)]
struct RelatedLocation<'a> {
    message: &'a str,
    location: Location,
}

#[derive(Serialize)]
struct Code {
    value: &'static str,
}

#[derive(Serialize)]
struct Suggestion {
    range: Range,
    text: String,
}

#[derive(Clone, Copy, Serialize)]
struct Range {
    start: Position,
    end: Position,
}

#[derive(Clone, Copy, Serialize)]
struct Position {
    line: usize,
    column: usize,
}

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let diagnostics = report
        .findings()
        .map(|(file, d)| RdDiagnostic {
            message: &d.message,
            location: Location {
                path: portable_path(&file.path),
                range: Some(byte_range(&file.doc, d.span)),
            },
            severity: severity(d.severity),
            code: Code { value: d.rule },
            suggestions: d
                .fixes
                .iter()
                .filter_map(|fix| suggestion(&file.doc, fix))
                .collect(),
            related_locations: d
                .related
                .iter()
                .map(|r| {
                    let path = r.path.as_deref().unwrap_or(&file.path);
                    RelatedLocation {
                        message: &r.message,
                        location: Location {
                            path: portable_path(path),
                            range: report.doc(path).map(|doc| byte_range(doc, r.span)),
                        },
                    }
                })
                .collect(),
        })
        .collect();
    let result = DiagnosticResult {
        source: Source { name: "sherpa" },
        diagnostics,
    };
    super::write_json(out, &result)
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "ERROR",
        Severity::Warning => "WARNING",
        Severity::Info | Severity::Hint => "INFO",
    }
}

/// The fix as one replacement of its extent: the text between its edits is kept as it is.
fn suggestion(doc: &SourceView, fix: &Fix) -> Option<Suggestion> {
    let extent = fix.extent()?;
    if extent.end > doc.len() {
        return None;
    }
    let mut text = String::new();
    let mut at = extent.start;
    for edit in &fix.edits {
        if edit.span.start < at {
            return None; // overlapping edits: not a well-formed fix, offer nothing
        }
        text.push_str(doc.slice(TextRange::new(at, edit.span.start))?);
        text.push_str(&edit.replacement);
        at = edit.span.end;
    }
    Some(Suggestion {
        range: byte_range(doc, extent),
        text,
    })
}

fn byte_range(doc: &SourceView, span: TextRange) -> Range {
    let position = |offset: usize| {
        let offset = doc.floor_char_boundary(offset);
        let line = doc.line_of(offset);
        Position {
            line: line + 1,
            column: offset - doc.line_start(line) + 1,
        }
    };
    Range {
        start: position(span.start),
        end: position(span.end),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Edit;
    use crate::document::{Document, DocumentKind};

    #[test]
    fn columns_count_utf8_bytes() {
        let doc = Document::new("a𐐀b\nx", DocumentKind::Plain);
        let b = doc.source().find('b').unwrap();
        let r = byte_range(&SourceView::full(&doc), TextRange::new(b, b + 1));
        assert_eq!((r.start.line, r.start.column, r.end.column), (1, 6, 7));
    }

    #[test]
    fn a_fix_of_several_edits_becomes_one_suggestion_over_its_extent() {
        let doc = Document::new("(one two three", DocumentKind::Plain);
        let fix = Fix::safe(
            "Balance",
            vec![
                Edit::insert(14, ")"),
                Edit::replace(TextRange::new(1, 4), "ONE"),
            ],
        );
        let s = suggestion(&SourceView::full(&doc), &fix).unwrap();
        assert_eq!(s.text, "ONE two three)");
        assert_eq!((s.range.start.column, s.range.end.column), (2, 15));
    }
}
