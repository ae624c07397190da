//! `--format junit`: JUnit XML for CI test-report views (GitLab, Jenkins, Azure, ...).
//!
//! One test case per file checked; each finding that fails the run under `--fail-on` is a
//! `<failure>` of its file, and findings below that threshold are listed in `<system-out>` so a
//! file does not show as failed while the run passes.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Report, range};
use crate::diagnostic::Diagnostic;

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let failed_files = report
        .files
        .iter()
        .filter(|f| f.diagnostics.iter().any(|d| report.fails(d)))
        .count();
    let tests = report.files.len();
    let mut xml = String::new();
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"sherpa\" tests=\"{tests}\" failures=\"{failed_files}\" errors=\"0\">"
    );
    let _ = writeln!(
        xml,
        "  <testsuite name=\"sherpa\" tests=\"{tests}\" failures=\"{failed_files}\" errors=\"0\" skipped=\"0\">"
    );
    for file in &report.files {
        let path = escape(&file.path);
        let (failing, passing): (Vec<&Diagnostic>, Vec<&Diagnostic>) =
            file.diagnostics.iter().partition(|d| report.fails(d));
        if file.diagnostics.is_empty() {
            let _ = writeln!(
                xml,
                "    <testcase name=\"{path}\" classname=\"sherpa\" file=\"{path}\"/>"
            );
            continue;
        }
        let _ = writeln!(
            xml,
            "    <testcase name=\"{path}\" classname=\"sherpa\" file=\"{path}\">"
        );
        for d in failing {
            let r = range(&file.doc, d.span);
            let _ = writeln!(
                xml,
                "      <failure type=\"{}\" message=\"{}:{}: {}\">{}</failure>",
                escape(d.rule),
                r.start.line,
                r.start.column,
                escape(&d.message),
                escape_text(&details(report, &file.path, d)),
            );
        }
        if !passing.is_empty() {
            xml.push_str("      <system-out>");
            for d in passing {
                xml.push_str(&escape_text(&details(report, &file.path, d)));
                xml.push('\n');
            }
            xml.push_str("</system-out>\n");
        }
        xml.push_str("    </testcase>\n");
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    out.write_all(xml.as_bytes())
}

/// `path:line:col: severity[rule] message`, then the related places and the preferred fix.
fn details(report: &Report, path: &str, d: &Diagnostic) -> String {
    let doc = report.doc(path).expect("finding of a reported file");
    let r = range(doc, d.span);
    let mut text = format!(
        "{path}:{}:{}: {}[{}] {}",
        r.start.line, r.start.column, d.severity, d.rule, d.message
    );
    for related in &d.related {
        let related_path = related.path.as_deref().unwrap_or(path);
        match report.doc(related_path) {
            Some(other) => {
                let rr = range(other, related.span);
                let _ = write!(
                    text,
                    "\n  {}: {related_path}:{}:{}",
                    related.message, rr.start.line, rr.start.column
                );
            }
            None => {
                let _ = write!(text, "\n  {}: {related_path}", related.message);
            }
        }
    }
    if let Some(fix) = d.fixes.first() {
        let _ = write!(
            text,
            "\n  fix ({}): {}",
            fix.applicability.as_str(),
            fix.title
        );
    }
    text
}

/// XML attribute escaping: line breaks are written as references so parsers keep them.
fn escape(text: &str) -> String {
    escape_xml(text, true)
}

/// XML text escaping, keeping line breaks readable.
fn escape_text(text: &str) -> String {
    escape_xml(text, false)
}

/// Characters XML 1.0 forbids are replaced by U+FFFD.
fn escape_xml(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' if attribute => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_forbidden_characters() {
        assert_eq!(
            escape("a<b & \"c\" 'd'\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;\u{FFFD}"
        );
        assert_eq!(escape("two\nlines"), "two&#10;lines");
        assert_eq!(escape_text("two\nlines"), "two\nlines");
    }
}
