//! `--format text`: rustc-style snippets (annotate-snippets), then a one-line summary.

use std::io::{self, Write};

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::{Report, SourceView, range};
use crate::diagnostic::{Applicability, Diagnostic, Severity, TextRange};

pub fn write(report: &Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    for (file, d) in report.findings() {
        let rendered = render(&renderer, report, &file.path, &file.doc, d);
        writeln!(out, "{rendered}\n")?;
    }
    writeln!(out, "{}", summary(report))
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
        Severity::Hint => Level::NOTE.with_name("hint"),
    }
}

fn render(
    renderer: &Renderer,
    report: &Report,
    path: &str,
    doc: &SourceView,
    d: &Diagnostic,
) -> String {
    let first_line = doc.line_of(d.span.start);
    let last_line = doc.line_of(d.span.end);
    let start = doc.line_start(first_line);
    let end = doc.line_end(last_line).max(d.span.end);
    let lines = doc
        .slice(TextRange::new(start, end))
        .expect("the lines of a finding are kept");
    let snippet = Snippet::source(lines)
        .line_start(first_line + 1)
        .path(path)
        .annotation(AnnotationKind::Primary.span(d.span.start - start..d.span.end - start));
    let mut group = level(d.severity)
        .primary_title(d.message.as_str())
        .id(d.rule)
        .element(snippet);
    for related in &d.related {
        let related_path = related.path.as_deref().unwrap_or(path);
        let place = match report.doc(related_path) {
            Some(other) => {
                let r = range(other, related.span);
                format!("{related_path}:{}:{}", r.start.line, r.start.column)
            }
            None => related_path.to_string(),
        };
        group = group.element(Level::NOTE.message(format!("{}: {place}", related.message)));
    }
    if let Some(fix) = d.fixes.first() {
        let how = match fix.applicability {
            Applicability::Safe => "safe fix, applied by --fix",
            Applicability::Unsafe => "unsafe fix, applied by --fix --unsafe-fixes",
            Applicability::DisplayOnly => "suggestion, never applied automatically",
        };
        group = group.element(Level::HELP.message(format!("{} ({how})", fix.title)));
    }
    let report: [Group<'_>; 1] = [group];
    renderer.render(&report)
}

pub fn summary(report: &Report) -> String {
    let count = report.finding_count();
    let checked = report.files_checked;
    let baselined = match report.baselined {
        0 => String::new(),
        n => format!(
            "; {n} baselined {} not shown",
            plural(n, "finding", "findings")
        ),
    };
    if count == 0 {
        return format!(
            "No findings in {checked} {}{baselined}.",
            plural(checked, "file", "files")
        );
    }
    let files = report
        .files
        .iter()
        .filter(|f| !f.diagnostics.is_empty())
        .count();
    let safe = report
        .findings()
        .filter(|(_, d)| d.best_fix(Applicability::Safe).is_some())
        .count();
    let unsafe_only = report
        .findings()
        .filter(|(_, d)| {
            d.best_fix(Applicability::Safe).is_none() && d.best_fix(Applicability::Unsafe).is_some()
        })
        .count();
    let mut line = format!(
        "{count} {} in {files} {}",
        plural(count, "finding", "findings"),
        plural(files, "file", "files")
    );
    match (safe, unsafe_only) {
        (0, 0) => {}
        (safe, 0) => line.push_str(&format!(" ({safe} fixable with --fix)")),
        (0, u) => line.push_str(&format!(" ({u} fixable with --fix --unsafe-fixes)")),
        (safe, u) => line.push_str(&format!(
            " ({safe} fixable with --fix, {u} more with --unsafe-fixes)"
        )),
    }
    line.push_str(&baselined);
    line
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}
