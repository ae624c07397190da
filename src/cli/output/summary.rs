//! Counts per rule: `--statistics` (text or JSON) and the Markdown job summary written to
//! `GITHUB_STEP_SUMMARY` in GitHub Actions.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Report, RuleStatistics, portable_path, range};
use crate::rules;

/// Findings listed one by one in the job summary; the per-rule table always covers all of them.
const SUMMARY_FINDINGS_LIMIT: usize = 50;

pub fn write_statistics_text(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let stats = report.rule_statistics();
    if stats.is_empty() {
        return writeln!(out, "{}", super::text::summary(report));
    }
    let width = stats.iter().map(|s| s.rule.len()).max().unwrap_or(4).max(4);
    writeln!(
        out,
        "{:>6}  {:<width$}  {:<8}  {:>5}  {:>7}",
        "count", "rule", "severity", "files", "fixable"
    )?;
    for s in &stats {
        writeln!(
            out,
            "{:>6}  {:<width$}  {:<8}  {:>5}  {:>7}",
            s.count,
            s.rule,
            s.severity.as_str(),
            s.files,
            s.fixable
        )?;
    }
    writeln!(out, "{}", super::text::summary(report))
}

pub fn write_statistics_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let stats: Vec<RuleStatistics> = report.rule_statistics();
    super::write_json(out, &stats)
}

/// The Markdown appended to `$GITHUB_STEP_SUMMARY`: a headline, a table per rule, and the first
/// findings with their places.
pub fn step_summary(report: &Report) -> String {
    let mut md = String::from("## sherpa\n\n");
    let _ = writeln!(md, "{}", super::text::summary(report));
    md.push('\n');
    let stats = report.rule_statistics();
    if stats.is_empty() {
        return md;
    }
    md.push_str("| Rule | Severity | Findings | Files | Fixable | What it finds |\n");
    md.push_str("| --- | --- | ---: | ---: | ---: | --- |\n");
    for s in &stats {
        let what = rules::find(s.rule).map(|r| r.summary).unwrap_or("");
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | {} | {} |",
            s.rule,
            s.severity.as_str(),
            s.count,
            s.files,
            s.fixable,
            cell(what)
        );
    }
    md.push_str("\n<details><summary>Findings</summary>\n\n");
    md.push_str("| Place | Rule | Message |\n| --- | --- | --- |\n");
    for (file, d) in report.findings().take(SUMMARY_FINDINGS_LIMIT) {
        let r = range(&file.doc, d.span);
        let _ = writeln!(
            md,
            "| `{}:{}:{}` | `{}` | {} |",
            cell(&portable_path(&file.path)),
            r.start.line,
            r.start.column,
            d.rule,
            cell(&d.message)
        );
    }
    let total = report.finding_count();
    if total > SUMMARY_FINDINGS_LIMIT {
        let _ = writeln!(
            md,
            "\n…and {} more; see the job log or the uploaded report.",
            total - SUMMARY_FINDINGS_LIMIT
        );
    }
    md.push_str("\n</details>\n\n");
    md
}

/// A Markdown table cell: pipes escaped, line breaks folded.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_pipes_and_fold_lines() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }
}
