//! Report writers. Each takes the whole run's results; positions come from each file's line index.

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;

use serde::Serialize;

use crate::diagnostic::{Applicability, Diagnostic, Severity, TextRange};
use crate::document::Document;
use crate::text::normalize_into;

pub mod github;
pub mod gitlab;
pub mod html;
pub mod json;
pub mod junit;
pub mod rdjson;
pub mod sarif;
pub mod summary;
pub mod text;
mod view;

pub use view::SourceView;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Human-readable snippets with the offending text underlined.
    Text,
    /// A JSON array, one object per finding (stable contract).
    Json,
    /// GitHub Actions workflow commands (annotations on pull requests).
    Github,
    /// SARIF 2.1.0 (GitHub code scanning and other static-analysis viewers).
    Sarif,
    /// JUnit XML: one test case per file, one failure per finding.
    Junit,
    /// Reviewdog Diagnostic Format (rdjson), with fixes as suggestions.
    Rdjson,
    /// GitLab Code Quality report (Code Climate JSON).
    Gitlab,
    /// A self-contained HTML page: the drafts with their findings highlighted.
    Html,
}

pub struct FileResult {
    /// As given on the command line, or joined for walked files.
    pub path: Arc<str>,
    /// The lines of the draft that the report needs.
    pub doc: SourceView,
    pub diagnostics: Vec<Diagnostic>,
    /// [`content_fingerprint`] of each finding, computed while the draft was open.
    pub fingerprints: Vec<u64>,
}

impl FileResult {
    /// A draft's results keeping its whole source (every report format can be written).
    pub fn new(path: Arc<str>, doc: &Document, diagnostics: Vec<Diagnostic>) -> Self {
        Self::with_view(path, SourceView::full(doc), doc, diagnostics)
    }

    /// A draft's results keeping only the lines its findings touch: enough for every format but
    /// `html`, which shows whole drafts.
    pub fn compact(path: Arc<str>, doc: &Document, diagnostics: Vec<Diagnostic>) -> Self {
        Self::with_view(
            path,
            SourceView::for_findings(doc, &diagnostics),
            doc,
            diagnostics,
        )
    }

    fn with_view(
        path: Arc<str>,
        view: SourceView,
        doc: &Document,
        diagnostics: Vec<Diagnostic>,
    ) -> Self {
        let fingerprints = diagnostics
            .iter()
            .map(|d| content_fingerprint(doc, d))
            .collect();
        Self {
            path,
            doc: view,
            diagnostics,
            fingerprints,
        }
    }

    /// Adds findings found later (by the cross-draft rules), `doc` being the same draft read
    /// again: they take their place in position order, and their lines are kept.
    pub fn add_findings(&mut self, doc: &Document, found: Vec<Diagnostic>) {
        if found.is_empty() {
            return;
        }
        self.doc.extend(doc, &found, &[]);
        let mut all: Vec<(Diagnostic, u64)> = std::mem::take(&mut self.diagnostics)
            .into_iter()
            .zip(std::mem::take(&mut self.fingerprints))
            .collect();
        all.extend(found.into_iter().map(|d| {
            let fingerprint = content_fingerprint(doc, &d);
            (d, fingerprint)
        }));
        // Stable, with the engine's order: the findings of a draft sorted by position and rule.
        all.sort_by(|(a, _), (b, _)| {
            (a.span.start, a.span.end, a.rule).cmp(&(b.span.start, b.span.end, b.rule))
        });
        (self.diagnostics, self.fingerprints) = all.into_iter().unzip();
    }
}

pub struct Report {
    pub files: Vec<FileResult>,
    by_path: HashMap<Arc<str>, usize>,
    /// Files read in the run, with or without findings.
    pub files_checked: usize,
    /// Findings left out because `--baseline` already records them.
    pub baselined: usize,
    /// Lowest severity that fails the run (`--fail-on`); `None` for `--fail-on never`.
    pub fail_threshold: Option<Severity>,
}

impl Report {
    pub fn new(files: Vec<FileResult>, files_checked: usize) -> Self {
        let by_path = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.path.clone(), i))
            .collect();
        Self {
            files,
            by_path,
            files_checked,
            baselined: 0,
            fail_threshold: Some(Severity::Warning),
        }
    }

    /// Whether a finding makes the run fail under `--fail-on`.
    pub fn fails(&self, d: &Diagnostic) -> bool {
        self.fail_threshold.is_some_and(|t| d.severity >= t)
    }

    pub fn file_index(&self, path: &str) -> Option<usize> {
        self.by_path.get(path).copied()
    }

    /// Counts per rule, most frequent first (ties by rule name).
    pub fn rule_statistics(&self) -> Vec<RuleStatistics> {
        let mut by_rule: HashMap<&'static str, RuleStatistics> = HashMap::new();
        let mut last_file: HashMap<&'static str, usize> = HashMap::new();
        for (index, file) in self.files.iter().enumerate() {
            for d in &file.diagnostics {
                let entry = by_rule.entry(d.rule).or_insert(RuleStatistics {
                    rule: d.rule,
                    severity: d.severity,
                    count: 0,
                    files: 0,
                    fixable: 0,
                });
                entry.count += 1;
                entry.severity = entry.severity.max(d.severity);
                if d.best_fix(Applicability::Safe).is_some() {
                    entry.fixable += 1;
                }
                if last_file.insert(d.rule, index) != Some(index) {
                    entry.files += 1;
                }
            }
        }
        let mut stats: Vec<RuleStatistics> = by_rule.into_values().collect();
        stats.sort_by(|a, b| b.count.cmp(&a.count).then(a.rule.cmp(b.rule)));
        stats
    }

    /// Content fingerprints of every finding, in the order of [`Report::findings`].
    pub fn fingerprints(&self) -> Vec<Fingerprint> {
        let mut seen: HashMap<(&str, u64), usize> = HashMap::new();
        self.files
            .iter()
            .flat_map(|f| f.fingerprints.iter().map(move |&content| (f, content)))
            .map(|(file, content)| {
                let occurrence = seen.entry((&file.path, content)).or_insert(0);
                let fingerprint = Fingerprint {
                    content,
                    occurrence: *occurrence,
                };
                *occurrence += 1;
                fingerprint
            })
            .collect()
    }

    pub fn doc(&self, path: &str) -> Option<&SourceView> {
        self.by_path.get(path).map(|&i| &self.files[i].doc)
    }

    pub fn findings(&self) -> impl Iterator<Item = (&FileResult, &Diagnostic)> {
        self.files
            .iter()
            .flat_map(|f| f.diagnostics.iter().map(move |d| (f, d)))
    }

    pub fn finding_count(&self) -> usize {
        self.files.iter().map(|f| f.diagnostics.len()).sum()
    }
}

/// Findings of one rule in a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleStatistics {
    pub rule: &'static str,
    /// The highest severity among the rule's findings (configuration may differ per folder).
    pub severity: Severity,
    pub count: usize,
    pub files: usize,
    /// Findings with a safe fix (`--fix` applies them).
    pub fixable: usize,
}

/// Identifies a finding across edits elsewhere in its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fingerprint {
    /// Rule + normalized enclosing paragraph + normalized finding text; see [`content_fingerprint`].
    pub content: u64,
    /// How many earlier findings of the same file share `content` (a paragraph pasted three times).
    pub occurrence: usize,
}

impl Fingerprint {
    pub fn content_hex(&self) -> String {
        format!("{:016x}", self.content)
    }
}

/// Fixed so fingerprints are the same on every machine and in every release that keeps `v1`.
pub const FINGERPRINT_SEED: u64 = 0x7368_6572_7061_0001;

/// Hash of the rule, the normalized text of the paragraph holding the finding and the normalized
/// text of the finding itself. Line numbers and offsets are left out, so the fingerprint
/// survives edits elsewhere in the file; case, whitespace and quote style are folded.
pub fn content_fingerprint(doc: &Document, d: &Diagnostic) -> u64 {
    let text = doc.text();
    let context = enclosing_block(doc, d.span);
    let mut key = String::with_capacity(context.len() + d.span.len() + d.rule.len() + 2);
    let mut normalized = String::new();
    key.push_str(d.rule);
    key.push('\0');
    normalize_into(slice_lossy(text, context), &mut normalized);
    key.push_str(&normalized);
    key.push('\0');
    normalize_into(slice_lossy(text, d.span), &mut normalized);
    key.push_str(&normalized);
    xxhash_rust::xxh3::xxh3_64_with_seed(key.as_bytes(), FINGERPRINT_SEED)
}

/// The block (paragraph, heading, list item...) containing `span`, or the whole lines it covers
/// when it crosses blocks or lies outside every block.
pub fn enclosing_block(doc: &Document, span: TextRange) -> TextRange {
    let blocks = doc.blocks();
    let after = blocks.partition_point(|b| b.span.start <= span.start);
    if let Some(block) = after.checked_sub(1).map(|i| blocks[i])
        && block.span.start <= span.start
        && span.end <= block.span.end
    {
        return block.span;
    }
    let lines = doc.lines();
    let source = doc.source();
    let first = lines.line_of(span.start.min(source.len()));
    let last = lines.line_of(span.end.min(source.len()));
    TextRange::new(
        lines.line_start(first),
        lines.line_end(last, source).max(span.end.min(source.len())),
    )
}

/// `span` of `text`, clamped to the text and to character boundaries (never panics).
pub fn slice_lossy(text: &str, span: TextRange) -> &str {
    let start = crate::line_index::floor_char_boundary(text, span.start);
    let end = crate::line_index::floor_char_boundary(text, span.end).max(start);
    &text[start..end]
}

/// A path as written in reports that other tools match against repository files: forward
/// slashes, no leading `./`.
pub fn portable_path(path: &str) -> String {
    let mut path = path.replace('\\', "/");
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.trim_start_matches('/').to_string();
    }
    path
}

pub fn write(
    format: OutputFormat,
    report: &Report,
    out: &mut dyn Write,
    color: bool,
) -> io::Result<()> {
    match format {
        OutputFormat::Text => text::write(report, out, color),
        OutputFormat::Json => json::write(report, out),
        OutputFormat::Github => github::write(report, out),
        OutputFormat::Sarif => sarif::write(report, out),
        OutputFormat::Junit => junit::write(report, out),
        OutputFormat::Rdjson => rdjson::write(report, out),
        OutputFormat::Gitlab => gitlab::write(report, out),
        OutputFormat::Html => html::write(report, out),
    }
}

/// Pretty JSON and a final line break; I/O errors keep their kind (a closed pipe stays quiet).
pub fn write_json<T: Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(|e| match e.io_error_kind() {
        Some(kind) => io::Error::new(kind, e),
        None => io::Error::other(e),
    })?;
    writeln!(out)
}

/// One-based line and column (columns in Unicode scalar values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Range {
    pub start: Position,
    pub end: Position,
}

pub fn range(doc: &SourceView, span: TextRange) -> Range {
    let position = |offset| {
        let lc = doc.line_col(offset);
        Position {
            line: lc.line + 1,
            column: lc.column + 1,
        }
    };
    Range {
        start: position(span.start),
        end: position(span.end),
    }
}
