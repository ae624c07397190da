//! `--format sarif`: SARIF 2.1.0, as read by GitHub code scanning and other viewers.
//!
//! Regions carry both 1-based line/column (columns in Unicode code points, declared by
//! `columnKind`) and offsets: `charOffset`/`charLength` in characters, as the standard defines
//! them, and `byteOffset`/`byteLength` in UTF-8 bytes, the engine's own unit.

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;

use super::{Report, SourceView, portable_path, range};
use crate::diagnostic::{Applicability, Diagnostic, Severity, TextRange};
use crate::document::DocumentKind;
use crate::rules::{RULES, RuleMeta};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// Relative paths are relative to the folder sherpa ran in: the repository root in CI.
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    artifacts: Vec<Artifact>,
    results: Vec<SarifResult<'a>>,
    column_kind: &'static str,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: String,
    short_description: Text,
    full_description: Text,
    help: MarkdownText,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct MarkdownText {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    enabled: bool,
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Artifact {
    location: ArtifactLocation,
    length: usize,
    mime_type: &'static str,
    encoding: &'static str,
}

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: [Location<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location<'a>>,
    partial_fingerprints: HashMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<TextRef<'a>>,
}

#[derive(Serialize)]
struct TextRef<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    char_offset: usize,
    char_length: usize,
    byte_offset: usize,
    byte_length: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix<'a> {
    description: Text,
    artifact_changes: [ArtifactChange<'a>; 1],
    properties: FixProperties,
}

#[derive(Serialize)]
struct FixProperties {
    applicability: Applicability,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: Region,
    inserted_content: TextRef<'a>,
}

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [build_run(report)],
    };
    super::write_json(out, &log)
}

fn build_run(report: &Report) -> Run<'_> {
    let artifacts = report
        .files
        .iter()
        .enumerate()
        .map(|(index, f)| {
            Artifact {
                location: artifact_location(&f.path, None),
                length: f.doc.len(),
                mime_type: match f.doc.kind() {
                    DocumentKind::Markdown => "text/markdown",
                    DocumentKind::Plain => "text/plain",
                },
                encoding: "utf-8",
            }
            .with_index(index)
        })
        .collect();
    let region_in = |path: &str, span: TextRange| {
        let index = report.file_index(path)?;
        Some(region(&report.files[index].doc, span))
    };
    let results = report
        .findings()
        .zip(report.fingerprints())
        .map(|((file, d), fingerprint)| {
            let index = report.file_index(&file.path);
            let location = Location {
                id: None,
                physical_location: PhysicalLocation {
                    artifact_location: artifact_location(&file.path, index),
                    region: region_in(&file.path, d.span),
                },
                message: None,
            };
            let related_locations = d
                .related
                .iter()
                .zip(1..)
                .map(|(r, id)| {
                    let path = r.path.as_deref().unwrap_or(&file.path);
                    Location {
                        id: Some(id),
                        physical_location: PhysicalLocation {
                            artifact_location: artifact_location(path, report.file_index(path)),
                            region: region_in(path, r.span),
                        },
                        message: Some(TextRef { text: &r.message }),
                    }
                })
                .collect();
            let fixes = d
                .fixes
                .iter()
                .map(|fix| SarifFix {
                    description: Text {
                        text: fix.title.clone(),
                    },
                    artifact_changes: [ArtifactChange {
                        artifact_location: artifact_location(&file.path, index),
                        replacements: fix
                            .edits
                            .iter()
                            .filter_map(|e| {
                                Some(Replacement {
                                    deleted_region: region_in(&file.path, e.span)?,
                                    inserted_content: TextRef {
                                        text: &e.replacement,
                                    },
                                })
                            })
                            .collect(),
                    }],
                    properties: FixProperties {
                        applicability: fix.applicability,
                    },
                })
                .collect();
            SarifResult {
                rule_id: d.rule,
                rule_index: crate::rules::index_of(d.rule),
                level: level(d.severity),
                message: Text { text: message(d) },
                locations: [location],
                related_locations,
                partial_fingerprints: HashMap::from([(
                    "sherpaContent/v1",
                    format!("{}:{}", fingerprint.content_hex(), fingerprint.occurrence),
                )]),
                fixes,
            }
        })
        .collect();
    Run {
        tool: Tool {
            driver: Driver {
                name: "sherpa",
                version: env!("CARGO_PKG_VERSION"),
                semantic_version: env!("CARGO_PKG_VERSION"),
                rules: RULES.iter().map(|r| descriptor(r)).collect(),
            },
        },
        artifacts,
        results,
        column_kind: "unicodeCodePoints",
    }
}

impl Artifact {
    fn with_index(mut self, index: usize) -> Self {
        self.location.index = Some(index);
        self
    }
}

/// The message with a SARIF embedded link to each related location (`[first copy](1)`), which
/// viewers such as GitHub code scanning turn into links; literal brackets are escaped.
fn message(d: &Diagnostic) -> String {
    let mut text = escape_message(&d.message);
    for (related, id) in d.related.iter().zip(1..) {
        text.push_str(&format!(" ([{}]({id}))", escape_message(&related.message)));
    }
    text
}

fn escape_message(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
    }
}

fn descriptor(rule: &RuleMeta) -> ReportingDescriptor {
    let documentation = rule.documentation();
    ReportingDescriptor {
        id: rule.name,
        name: pascal_case(rule.name),
        short_description: Text {
            text: rule.summary.to_string(),
        },
        full_description: Text {
            text: section(&documentation, "What it does")
                .unwrap_or_else(|| rule.summary.to_string()),
        },
        help: MarkdownText {
            text: documentation.clone(),
            markdown: documentation,
        },
        default_configuration: Configuration {
            enabled: rule.enabled_by_default,
            level: level(rule.default_severity),
        },
        properties: RuleProperties {
            tags: vec![rule.family.as_str()],
        },
    }
}

/// `duplicate-paragraph` → `DuplicateParagraph`: SARIF's `name` is an identifier-like label.
fn pascal_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

/// The text of a `## Title` section of a rule's documentation, joined into one paragraph.
fn section(documentation: &str, title: &str) -> Option<String> {
    let heading = format!("## {title}");
    let mut lines = documentation.lines().skip_while(|l| l.trim() != heading);
    lines.next()?;
    let body: Vec<&str> = lines
        .take_while(|l| !l.starts_with("## "))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    (!body.is_empty()).then(|| body.join(" "))
}

fn artifact_location(path: &str, index: Option<usize>) -> ArtifactLocation {
    let portable = portable_path(path);
    if portable.starts_with('/') {
        ArtifactLocation {
            uri: format!("file://{}", encode_uri_path(&portable)),
            uri_base_id: None,
            index,
        }
    } else {
        ArtifactLocation {
            uri: encode_uri_path(&portable),
            uri_base_id: Some(SRCROOT),
            index,
        }
    }
}

/// Percent-encodes everything but unreserved characters and `/` (RFC 3986), byte by byte.
fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn region(doc: &SourceView, span: TextRange) -> Region {
    let r = range(doc, span);
    let char_offset = doc.char_offset(span.start);
    let char_end = doc.char_offset(span.end);
    let source_len = doc.len();
    let byte_offset = span.start.min(source_len);
    Region {
        start_line: r.start.line,
        start_column: r.start.column,
        end_line: r.end.line,
        end_column: r.end.column,
        char_offset,
        char_length: char_end - char_offset,
        byte_offset,
        byte_length: span.end.min(source_len) - byte_offset,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Document;

    #[test]
    fn uris_are_percent_encoded_and_relative_paths_use_srcroot() {
        let relative = artifact_location("./drafts/G7 communiqué.md", None);
        assert_eq!(relative.uri, "drafts/G7%20communiqu%C3%A9.md");
        assert_eq!(relative.uri_base_id, Some(SRCROOT));
        let absolute = artifact_location("/tmp/a b.txt", Some(2));
        assert_eq!(absolute.uri, "file:///tmp/a%20b.txt");
        assert_eq!(absolute.uri_base_id, None);
    }

    #[test]
    fn regions_count_characters_and_bytes_separately() {
        let doc = Document::new("“Quoted” text\nsecond line", DocumentKind::Plain);
        let start = doc.source().find("second").unwrap();
        let span = TextRange::new(start, start + "second".len());
        let r = region(&SourceView::full(&doc), span);
        assert_eq!((r.start_line, r.start_column, r.end_column), (2, 1, 7));
        assert_eq!(r.byte_offset, start);
        // The two curly quotes are three bytes each but one character each.
        assert_eq!(r.char_offset, start - 4);
        assert_eq!((r.char_length, r.byte_length), (6, 6));
    }

    #[test]
    fn messages_link_related_locations_and_escape_brackets() {
        let d = Diagnostic::new(
            "duplicate-paragraph",
            TextRange::new(0, 1),
            "Unclosed [ here",
        )
        .with_related(TextRange::new(2, 3), "first copy");
        assert_eq!(message(&d), "Unclosed \\[ here ([first copy](1))");
    }

    #[test]
    fn rule_names_and_descriptions_come_from_the_documentation() {
        assert_eq!(pascal_case("duplicate-paragraph"), "DuplicateParagraph");
        let doc = "## What it does\nFinds a thing\nacross lines.\n\n## Why it matters\nBecause.";
        assert_eq!(
            section(doc, "What it does").as_deref(),
            Some("Finds a thing across lines.")
        );
        assert_eq!(section(doc, "Example"), None);
    }
}
