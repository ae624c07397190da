//! Report writers. Each takes the whole run's results; positions come from each file's line index.

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;

use serde::Serialize;

use crate::diagnostic::{Diagnostic, TextRange};
use crate::document::Document;

pub mod github;
pub mod json;
pub mod text;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Human-readable snippets with the offending text underlined.
    Text,
    /// A JSON array, one object per finding (stable contract).
    Json,
    /// GitHub Actions workflow commands (annotations on pull requests).
    Github,
}

pub struct FileResult {
    /// As given on the command line, or joined for walked files.
    pub path: Arc<str>,
    pub doc: Document,
    pub diagnostics: Vec<Diagnostic>,
}

pub struct Report {
    pub files: Vec<FileResult>,
    by_path: HashMap<Arc<str>, usize>,
    /// Files read in the run, with or without findings.
    pub files_checked: usize,
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
        }
    }

    pub fn doc(&self, path: &str) -> Option<&Document> {
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
    }
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

pub fn range(doc: &Document, span: TextRange) -> Range {
    let position = |offset| {
        let lc = doc.lines().line_col(offset, doc.source());
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
