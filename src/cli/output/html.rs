//! `--format html`: one self-contained page (inline CSS and SVG, no script, no external asset)
//! that a press office can forward: a chart of findings per rule, then each draft's text with
//! its findings highlighted in place, a note under each line that has findings, and links both
//! ways between a duplicate and its other copy.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Report, portable_path, range};
use crate::diagnostic::{Diagnostic, Severity, TextRange};
use crate::line_index::floor_char_boundary;
use crate::rules;

const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 72rem; padding: 1.5rem; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: #1f2328; background: #ffffff; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; border-bottom: 1px solid #d0d7de; padding-bottom: .25rem; }
code { font: 13px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
a { color: #0550ae; }
.headline { font-size: 1.05rem; margin: 0 0 1rem; }
.legend span { margin-right: 1rem; white-space: nowrap; }
.swatch { display: inline-block; width: .9em; height: .9em; border-radius: 2px; vertical-align: -1px; margin-right: .3em; }
table.files { border-collapse: collapse; margin: .5rem 0; }
table.files th, table.files td { border: 1px solid #d0d7de; padding: .2rem .6rem; text-align: left; }
table.files td.n { text-align: right; }
.clean { color: #57606a; }
.draft { margin-top: 1.5rem; }
.text { border: 1px solid #d0d7de; border-radius: 6px; padding: .5rem 0; background: #fcfcfd; }
.line { display: flex; align-items: baseline; }
.line:target { background: #fff8c5; }
.ln { flex: 0 0 3.5rem; text-align: right; padding-right: .8rem; color: #8c959f; text-decoration: none; font: 12px ui-monospace, monospace; user-select: none; }
.tx { flex: 1; white-space: pre-wrap; overflow-wrap: anywhere; padding-right: 1rem; min-height: 1.5em; }
mark { color: inherit; border-radius: 2px; padding: 0 1px; }
mark.error { background: #ffc9c9; border-bottom: 2px solid #cf222e; }
mark.warning { background: #ffe58f; border-bottom: 2px solid #bf8700; }
mark.info { background: #cfe6ff; border-bottom: 2px solid #0969da; }
mark.hint { background: #e6e9ed; border-bottom: 2px dotted #57606a; }
mark.related { background: #dafbe1; border-bottom: 2px dashed #1a7f37; }
mark.point::after { content: "\2038"; color: #cf222e; font-weight: bold; }
.notes { margin: .15rem 1rem .5rem 3.5rem; }
.note { margin: .2rem 0; padding: .3rem .6rem; border-left: 4px solid #bf8700; background: #fff; border-radius: 0 4px 4px 0; font-size: 14px; }
.note.error { border-color: #cf222e; }
.note.info { border-color: #0969da; }
.note.hint { border-color: #57606a; }
.note.backlink { border-color: #1a7f37; background: #f6fff8; }
.note:target { outline: 2px solid #0969da; }
.sev { font-weight: 600; text-transform: uppercase; font-size: 11px; letter-spacing: .04em; margin-right: .4rem; }
.fix { color: #57606a; }
.chart text { font: 13px ui-monospace, Menlo, Consolas, monospace; fill: #1f2328; }
@media print { .line:target, .note:target { background: none; outline: none; } }
"#;

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut html = String::with_capacity(
        4096 + report
            .files
            .iter()
            .filter(|f| !f.diagnostics.is_empty())
            .map(|f| f.doc.len() * 2)
            .sum::<usize>(),
    );
    let headline = super::text::summary(report);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"sherpa {}\">\n<title>sherpa report: {}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&headline)
    );
    html.push_str("<header>\n<h1>sherpa report</h1>\n");
    let _ = writeln!(
        html,
        "<p class=\"headline\" id=\"headline\">{}</p>",
        escape(&headline)
    );
    html.push_str("</header>\n");
    chart(report, &mut html);
    file_table(report, &mut html);
    let backlinks = backlinks(report);
    html.push_str("<main>\n");
    for (index, file) in report.files.iter().enumerate() {
        if file.diagnostics.is_empty() && backlinks[index].is_empty() {
            continue;
        }
        draft(report, index, &backlinks[index], &mut html);
    }
    html.push_str("</main>\n</body>\n</html>\n");
    out.write_all(html.as_bytes())
}

fn severity_class(severity: Severity) -> &'static str {
    severity.as_str()
}

fn bar_color(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "#cf222e",
        Severity::Warning => "#d4a72c",
        Severity::Info => "#0969da",
        Severity::Hint => "#8c959f",
    }
}

/// Horizontal bars, one per rule, as inline SVG.
fn chart(report: &Report, html: &mut String) {
    let stats = report.rule_statistics();
    html.push_str("<section class=\"chart\" id=\"chart\">\n<h2>Findings by rule</h2>\n");
    if stats.is_empty() {
        html.push_str("<p class=\"clean\">Nothing to chart: no findings.</p>\n</section>\n");
        return;
    }
    const ROW: usize = 26;
    const BAR_MAX: usize = 420;
    let label_width = stats.iter().map(|s| s.rule.len()).max().unwrap_or(0) * 8 + 16;
    let max = stats.iter().map(|s| s.count).max().unwrap_or(1).max(1);
    let width = label_width + BAR_MAX + 70;
    let height = stats.len() * ROW + 8;
    let _ = writeln!(
        html,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"chart-title\" \
         width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">\n\
         <title id=\"chart-title\">Findings per rule</title>"
    );
    for (row, s) in stats.iter().enumerate() {
        let y = row * ROW + 4;
        let bar = (s.count * BAR_MAX).div_ceil(max).max(2);
        let summary = rules::find(s.rule).map(|r| r.summary).unwrap_or("");
        let _ = writeln!(
            html,
            "<g class=\"bar\" data-rule=\"{rule}\" data-count=\"{count}\"><title>{rule}: {count} \
             ({severity}) – {summary}</title>\
             <text x=\"0\" y=\"{ty}\">{rule}</text>\
             <rect x=\"{label_width}\" y=\"{y}\" width=\"{bar}\" height=\"18\" rx=\"2\" fill=\"{color}\"/>\
             <text x=\"{cx}\" y=\"{ty}\">{count}</text></g>",
            rule = escape(s.rule),
            count = s.count,
            severity = s.severity.as_str(),
            summary = escape(summary),
            ty = y + 14,
            color = bar_color(s.severity),
            cx = label_width + bar + 6,
        );
    }
    html.push_str("</svg>\n<p class=\"legend\">");
    for severity in Severity::ALL {
        let _ = write!(
            html,
            "<span><span class=\"swatch\" style=\"background:{}\"></span>{}</span>",
            bar_color(severity),
            severity.as_str()
        );
    }
    html.push_str("</p>\n</section>\n");
}

fn file_table(report: &Report, html: &mut String) {
    html.push_str("<section id=\"files\">\n<h2>Drafts</h2>\n");
    let with_findings: Vec<(usize, &super::FileResult)> = report
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.diagnostics.is_empty())
        .collect();
    if !with_findings.is_empty() {
        html.push_str(
            "<table class=\"files\">\n<tr><th>Draft</th><th>Findings</th>\
             <th>Errors</th><th>Warnings</th><th>Info and hints</th></tr>\n",
        );
        for (index, file) in &with_findings {
            let count = |pred: &dyn Fn(Severity) -> bool| {
                file.diagnostics.iter().filter(|d| pred(d.severity)).count()
            };
            let _ = writeln!(
                html,
                "<tr><td><a href=\"#d{index}\">{}</a></td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                escape(&file.path),
                file.diagnostics.len(),
                count(&|s| s == Severity::Error),
                count(&|s| s == Severity::Warning),
                count(&|s| s <= Severity::Info),
            );
        }
        html.push_str("</table>\n");
    }
    let clean: Vec<&str> = report
        .files
        .iter()
        .filter(|f| f.diagnostics.is_empty())
        .map(|f| &*f.path)
        .collect();
    if !clean.is_empty() {
        let _ = write!(
            html,
            "<p class=\"clean\">No findings in {} {}: ",
            clean.len(),
            if clean.len() == 1 { "draft" } else { "drafts" }
        );
        for (i, path) in clean.iter().enumerate() {
            if i > 0 {
                html.push_str(", ");
            }
            let _ = write!(html, "<code>{}</code>", escape(path));
        }
        html.push_str(".</p>\n");
    }
    html.push_str("</section>\n");
}

/// A note shown at the place a finding points to (the first copy of a duplicate), linking back
/// to the finding.
struct Backlink {
    span: TextRange,
    message: String,
    from_file: usize,
    from_finding: usize,
    from_line: usize,
    rule: &'static str,
}

fn backlinks(report: &Report) -> Vec<Vec<Backlink>> {
    let mut out: Vec<Vec<Backlink>> = report.files.iter().map(|_| Vec::new()).collect();
    for (from_file, file) in report.files.iter().enumerate() {
        for (from_finding, d) in file.diagnostics.iter().enumerate() {
            for related in &d.related {
                let path = related.path.as_deref().unwrap_or(&file.path);
                let Some(target) = report.file_index(path) else {
                    continue;
                };
                out[target].push(Backlink {
                    span: related.span,
                    message: related.message.clone(),
                    from_file,
                    from_finding,
                    from_line: file.doc.line_number(d.span.start),
                    rule: d.rule,
                });
            }
        }
    }
    out
}

/// What a highlighted stretch of text belongs to.
#[derive(Clone, Copy)]
enum MarkKind {
    Finding(usize),
    Related(usize),
}

#[derive(Clone, Copy)]
struct Mark {
    span: TextRange,
    kind: MarkKind,
}

fn draft(report: &Report, index: usize, backlinks: &[Backlink], html: &mut String) {
    let file = &report.files[index];
    let doc = &file.doc;
    let source = doc.full_text();
    let clamp = |offset: usize| floor_char_boundary(source, offset);
    let mut marks: Vec<Mark> = file
        .diagnostics
        .iter()
        .enumerate()
        .map(|(k, d)| Mark {
            span: TextRange::new(
                clamp(d.span.start),
                clamp(d.span.end).max(clamp(d.span.start)),
            ),
            kind: MarkKind::Finding(k),
        })
        .chain(backlinks.iter().enumerate().map(|(k, b)| Mark {
            span: TextRange::new(
                clamp(b.span.start),
                clamp(b.span.end).max(clamp(b.span.start)),
            ),
            kind: MarkKind::Related(k),
        }))
        .collect();
    marks.sort_by_key(|m| (m.span.start, m.span.end));
    let (empty, ranged): (Vec<Mark>, Vec<Mark>) =
        marks.into_iter().partition(|m| m.span.is_empty());
    let mut cuts: Vec<usize> = ranged
        .iter()
        .flat_map(|m| [m.span.start, m.span.end])
        .collect();
    cuts.sort_unstable();
    cuts.dedup();

    // Notes go under the line where the finding (or the related place) ends.
    let note_line = |span: TextRange| {
        let last = if span.is_empty() {
            span.start
        } else {
            clamp(span.end - 1)
        };
        doc.line_of(last.min(source.len()))
    };
    let mut notes: Vec<(usize, String)> = Vec::new();
    for (k, d) in file.diagnostics.iter().enumerate() {
        notes.push((note_line(d.span), finding_note(report, index, k, d)));
    }
    for b in backlinks {
        notes.push((note_line(b.span), backlink_note(report, index, b)));
    }
    notes.sort_by_key(|(line, _)| *line);

    let count = file.diagnostics.len();
    let _ = writeln!(
        html,
        "<article class=\"draft\" id=\"d{index}\">\n<h2>{} <small class=\"clean\">{count} {}</small></h2>\n\
         <div class=\"text\">",
        escape(&file.path),
        if count == 1 { "finding" } else { "findings" }
    );
    let line_count = doc.line_count();
    let mut next_mark = 0;
    let mut active: Vec<Mark> = Vec::new();
    let mut next_empty = 0;
    let mut next_note = 0;
    for line in 0..line_count {
        let start = doc.line_start(line);
        if line > 0 && start >= source.len() && line + 1 == line_count {
            break; // the empty "line" after a final line break
        }
        let end = doc.line_end(line);
        let number = line + 1;
        let _ = write!(
            html,
            "<div class=\"line\" id=\"d{index}-L{number}\"><a class=\"ln\" href=\"#d{index}-L{number}\">{number}</a><span class=\"tx\">"
        );
        let first_cut = cuts.partition_point(|&c| c <= start);
        let last_cut = cuts.partition_point(|&c| c < end);
        let bounds = std::iter::once(start)
            .chain(cuts[first_cut..last_cut].iter().copied())
            .chain(std::iter::once(end));
        let mut from = start;
        for to in bounds.skip(1) {
            while next_empty < empty.len() && empty[next_empty].span.start <= from {
                point(report, index, backlinks, empty[next_empty], html);
                next_empty += 1;
            }
            while next_mark < ranged.len() && ranged[next_mark].span.start <= from {
                active.push(ranged[next_mark]);
                next_mark += 1;
            }
            active.retain(|m| m.span.end > from);
            segment(report, index, backlinks, &active, &source[from..to], html);
            from = to;
        }
        // Insertion points at the end of the line or inside its line break.
        let next_start = if line + 1 < line_count {
            doc.line_start(line + 1)
        } else {
            usize::MAX
        };
        while next_empty < empty.len() && empty[next_empty].span.start < next_start {
            point(report, index, backlinks, empty[next_empty], html);
            next_empty += 1;
        }
        html.push_str("</span></div>\n");
        if next_note < notes.len() && notes[next_note].0 <= line {
            html.push_str("<div class=\"notes\">");
            while next_note < notes.len() && notes[next_note].0 <= line {
                html.push_str(&notes[next_note].1);
                next_note += 1;
            }
            html.push_str("</div>\n");
        }
    }
    html.push_str("</div>\n</article>\n");
}

fn mark_title(report: &Report, index: usize, backlinks: &[Backlink], mark: Mark) -> String {
    match mark.kind {
        MarkKind::Finding(k) => {
            let d = &report.files[index].diagnostics[k];
            format!("{}: {}", d.rule, d.message)
        }
        MarkKind::Related(k) => {
            let b = &backlinks[k];
            format!("{} (see line {})", b.message, b.from_line)
        }
    }
}

fn mark_severity(report: &Report, index: usize, mark: Mark) -> Option<Severity> {
    match mark.kind {
        MarkKind::Finding(k) => Some(report.files[index].diagnostics[k].severity),
        MarkKind::Related(_) => None,
    }
}

/// Text covered by the `active` marks, highlighted as the most severe of them.
fn segment(
    report: &Report,
    index: usize,
    backlinks: &[Backlink],
    active: &[Mark],
    text: &str,
    html: &mut String,
) {
    if text.is_empty() {
        return;
    }
    if active.is_empty() {
        html.push_str(&escape(text));
        return;
    }
    let class = active
        .iter()
        .filter_map(|&m| mark_severity(report, index, m))
        .max()
        .map(severity_class)
        .unwrap_or("related");
    let title: Vec<String> = active
        .iter()
        .map(|&m| mark_title(report, index, backlinks, m))
        .collect();
    let _ = write!(
        html,
        "<mark class=\"{class}\" title=\"{}\">{}</mark>",
        escape(&title.join("\n")),
        escape(text)
    );
}

/// A finding at an insertion point (no text to highlight): a caret.
fn point(report: &Report, index: usize, backlinks: &[Backlink], mark: Mark, html: &mut String) {
    let class = mark_severity(report, index, mark)
        .map(severity_class)
        .unwrap_or("related");
    let _ = write!(
        html,
        "<mark class=\"point {class}\" title=\"{}\"></mark>",
        escape(&mark_title(report, index, backlinks, mark))
    );
}

fn place_link(report: &Report, path: &str, span: TextRange, current: usize) -> String {
    match report.file_index(path) {
        Some(target) => {
            let line = report.files[target].doc.line_number(span.start);
            let label = if target == current {
                format!("line {line}")
            } else {
                format!("{} line {line}", portable_path(path))
            };
            format!("<a href=\"#d{target}-L{line}\">{}</a>", escape(&label))
        }
        None => format!("<code>{}</code>", escape(path)),
    }
}

fn finding_note(report: &Report, index: usize, k: usize, d: &Diagnostic) -> String {
    let file = &report.files[index];
    let r = range(&file.doc, d.span);
    let mut note = format!(
        "<div class=\"note {sev}\" id=\"d{index}-f{k}\" data-rule=\"{rule}\">\
         <span class=\"sev\">{sev}</span><code>{rule}</code> \
         <a href=\"#d{index}-L{line}\">line {line}</a>: {message}",
        sev = d.severity.as_str(),
        rule = escape(d.rule),
        line = r.start.line,
        message = escape(&d.message),
    );
    for related in &d.related {
        let path = related.path.as_deref().unwrap_or(&file.path);
        let _ = write!(
            note,
            " · {}: {}",
            escape(&related.message),
            place_link(report, path, related.span, index)
        );
    }
    if let Some(fix) = d.fixes.first() {
        let _ = write!(
            note,
            "<br><span class=\"fix\">Fix ({}): {}</span>",
            fix.applicability.as_str(),
            escape(&fix.title)
        );
    }
    note.push_str("</div>");
    note
}

fn backlink_note(report: &Report, index: usize, b: &Backlink) -> String {
    let from = &report.files[b.from_file];
    let label = if b.from_file == index {
        format!("line {}", b.from_line)
    } else {
        format!("{} line {}", portable_path(&from.path), b.from_line)
    };
    format!(
        "<div class=\"note backlink\" data-rule=\"{rule}\"><span class=\"sev\">{message}</span>\
         for the <code>{rule}</code> finding at <a href=\"#d{file}-f{finding}\">{label}</a></div>",
        rule = escape(b.rule),
        message = escape(&b.message),
        file = b.from_file,
        finding = b.from_finding,
        label = escape(&label),
    )
}

/// HTML text and attribute escaping.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::output::FileResult;
    use crate::document::{Document, DocumentKind};

    fn render(source: &str, diagnostics: Vec<Diagnostic>) -> String {
        let report = Report::new(
            vec![FileResult::new(
                "a.txt".into(),
                &Document::new(source, DocumentKind::Plain),
                diagnostics,
            )],
            1,
        );
        let mut out = Vec::new();
        write(&report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn overlapping_findings_split_into_segments_without_losing_text() {
        let source = "alpha beta gamma\n";
        let html = render(
            source,
            vec![
                Diagnostic::new("duplicate-paragraph", TextRange::new(0, 10), "first"),
                Diagnostic::new("duplicate-paragraph", TextRange::new(6, 16), "second"),
            ],
        );
        assert!(html.contains(
            "<mark class=\"warning\" title=\"duplicate-paragraph: first\">alpha </mark>"
        ));
        assert!(html.contains(
            "title=\"duplicate-paragraph: first\nduplicate-paragraph: second\">beta</mark>"
        ));
        assert!(html.contains("title=\"duplicate-paragraph: second\"> gamma</mark>"));
    }

    #[test]
    fn insertion_points_and_markup_in_the_text_are_rendered_safely() {
        let source = "Text with <b> and (open\n";
        let at = source.find('\n').unwrap();
        let html = render(
            source,
            vec![Diagnostic::new(
                "duplicate-paragraph",
                TextRange::empty(at),
                "missing )",
            )],
        );
        assert!(html.contains("Text with &lt;b&gt; and (open<mark class=\"point warning\""));
        assert!(!html.contains("<b>"));
    }

    #[test]
    fn a_related_place_links_back_to_its_finding() {
        let source = "Same paragraph text here.\n\nSame paragraph text here.\n";
        let html = render(
            source,
            vec![
                Diagnostic::new("duplicate-paragraph", TextRange::new(27, 52), "dup")
                    .with_related(TextRange::new(0, 25), "first copy"),
            ],
        );
        assert!(html.contains("first copy: <a href=\"#d0-L1\">line 1</a>"));
        assert!(html.contains("finding at <a href=\"#d0-f0\">line 3</a>"));
        assert!(html.contains("<mark class=\"related\""));
    }
}
