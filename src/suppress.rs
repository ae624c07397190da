//! `<!-- sherpa-disable-next-line RULE -->`, `<!-- sherpa-disable RULE -->` …
//! `<!-- sherpa-enable RULE -->` and `<!-- sherpa-disable-file -->` comments in Markdown.

use crate::diagnostic::Edit;
use crate::document::{Document, DocumentKind};
use crate::line_index::LineIndex;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Directive {
    NextLine,
    Disable,
    Enable,
    DisableFile,
}

#[derive(Clone, Debug)]
struct Comment {
    directive: Directive,
    /// Rule or family names; empty means every rule.
    rules: Vec<String>,
    /// Byte offsets of the comment.
    start: usize,
    end: usize,
}

#[derive(Clone, Debug, Default)]
pub struct Suppressions {
    comments: Vec<Comment>,
}

impl Suppressions {
    /// Record every sherpa comment in an HTML fragment found at `offset`.
    pub fn scan(&mut self, html: &str, offset: usize) {
        let mut rest = html;
        let mut base = offset;
        while let Some(open) = rest.find("<!--") {
            let after_open = &rest[open + 4..];
            let Some(close) = after_open.find("-->") else {
                break;
            };
            let body = after_open[..close].trim();
            let start = base + open;
            let end = start + 4 + close + 3;
            if let Some(comment) = parse_comment(body, start, end) {
                self.comments.push(comment);
            }
            let consumed = open + 4 + close + 3;
            rest = &rest[consumed..];
            base += consumed;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.comments.is_empty()
    }

    /// Whether a finding of `rule` (in `family`) starting at `offset` is switched off.
    pub fn is_suppressed(
        &self,
        rule: &str,
        family: &str,
        offset: usize,
        lines: &LineIndex,
    ) -> bool {
        let names =
            |c: &Comment| c.rules.is_empty() || c.rules.iter().any(|r| r == rule || r == family);
        let line = lines.line_of(offset);
        let mut disabled = false;
        for comment in &self.comments {
            if !names(comment) {
                continue;
            }
            match comment.directive {
                Directive::DisableFile => return true,
                Directive::NextLine if lines.line_of(comment.end.saturating_sub(1)) + 1 == line => {
                    return true;
                }
                Directive::Disable if comment.start <= offset => disabled = true,
                Directive::Enable if comment.start <= offset => disabled = false,
                _ => {}
            }
        }
        disabled
    }
}

/// The edit that silences `rule` on the line holding `offset` with a
/// `<!-- sherpa-disable-next-line RULE -->` comment (Markdown only; plain text has no comments).
/// The comment goes on a line of its own above, with the same indentation, when the line above
/// is blank or the first line; otherwise at the end of the line above, because a comment line
/// inside a paragraph would split it in two.
pub fn disable_next_line_edit(doc: &Document, rule: &str, offset: usize) -> Option<Edit> {
    if doc.kind() != DocumentKind::Markdown {
        return None;
    }
    let source = doc.source();
    let lines = doc.lines();
    let line = lines.line_of(offset.min(source.len()));
    let comment = format!("<!-- sherpa-disable-next-line {rule} -->");
    let line_start = lines.line_start(line);
    let previous = line.checked_sub(1).map(|p| {
        let text = &source[lines.line_start(p)..lines.line_end(p, source)];
        (p, text)
    });
    match previous {
        Some((p, text)) if !text.trim().is_empty() && !is_fence(text) => Some(Edit::insert(
            lines.line_end(p, source),
            format!(" {comment}"),
        )),
        _ => {
            let content = &source[line_start..lines.line_end(line, source)];
            let indent = &content[..content.len() - content.trim_start().len()];
            let break_start = lines.line_end(line, source);
            let line_break = match &source[break_start..lines.line_start(line + 1).max(break_start)]
            {
                "" => "\n",
                other => other,
            };
            Some(Edit::insert(
                line_start,
                format!("{indent}{comment}{line_break}"),
            ))
        }
    }
}

fn is_fence(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with("```") || line.starts_with("~~~")
}

fn parse_comment(body: &str, start: usize, end: usize) -> Option<Comment> {
    let rest = body.strip_prefix("sherpa-")?;
    let (directive, args) = [
        ("disable-next-line", Directive::NextLine),
        ("disable-file", Directive::DisableFile),
        ("disable", Directive::Disable),
        ("enable", Directive::Enable),
    ]
    .into_iter()
    .find_map(|(word, directive)| {
        let args = rest.strip_prefix(word)?;
        (args.is_empty() || args.starts_with(char::is_whitespace)).then_some((directive, args))
    })?;
    let rules = args
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    Some(Comment {
        directive,
        rules,
        start,
        end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suppressions(text: &str) -> (Suppressions, LineIndex) {
        let mut s = Suppressions::default();
        s.scan(text, 0);
        (s, LineIndex::new(text))
    }

    #[test]
    fn next_line_applies_to_the_following_line_only() {
        let text =
            "<!-- sherpa-disable-next-line duplicate-paragraph, other -->\nline one\nline two";
        let (s, lines) = suppressions(text);
        let one = text.find("line one").unwrap();
        let two = text.find("line two").unwrap();
        assert!(s.is_suppressed("duplicate-paragraph", "duplicates", one, &lines));
        assert!(!s.is_suppressed("duplicate-paragraph", "duplicates", two, &lines));
        assert!(!s.is_suppressed("third", "clauses", one, &lines));
    }

    #[test]
    fn disable_enable_ranges_and_families() {
        let text = "a <!-- sherpa-disable clauses --> B <!-- sherpa-enable clauses --> Z";
        let (s, lines) = suppressions(text);
        assert!(!s.is_suppressed("unbalanced-delimiter", "clauses", 0, &lines));
        assert!(s.is_suppressed(
            "unbalanced-delimiter",
            "clauses",
            text.find('B').unwrap(),
            &lines
        ));
        assert!(!s.is_suppressed(
            "unbalanced-delimiter",
            "clauses",
            text.find('Z').unwrap(),
            &lines
        ));
    }

    #[test]
    fn disable_file_without_rules_silences_everything() {
        let (s, lines) = suppressions("<!-- sherpa-disable-file -->");
        assert!(s.is_suppressed("anything", "names", 0, &lines));
    }

    #[test]
    fn unrelated_comments_are_ignored() {
        let (s, _) = suppressions("<!-- sherpa is great --><!-- sherpa-disabled -->");
        assert!(s.is_empty());
    }

    fn disabled(source: &str) -> String {
        let doc = Document::new(source, DocumentKind::Markdown);
        let found = crate::lint::lint(&doc, &crate::config::Settings::default());
        assert_eq!(found.len(), 1, "{source:?}");
        let edit = disable_next_line_edit(&doc, found[0].rule, found[0].span.start).unwrap();
        let fixed = format!(
            "{}{}{}",
            &source[..edit.span.start],
            edit.replacement,
            &source[edit.span.end..]
        );
        let after = Document::new(fixed.as_str(), DocumentKind::Markdown);
        assert!(
            crate::lint::lint(&after, &crate::config::Settings::default()).is_empty(),
            "{fixed:?}"
        );
        fixed
    }

    const PARA: &str = "The Parties will deepen their cooperation in trade and energy.";

    #[test]
    fn disable_comment_goes_on_its_own_line_after_a_blank_line() {
        assert_eq!(
            disabled(&format!("{PARA}\r\n\r\n  {PARA}\r\n")),
            format!(
                "{PARA}\r\n\r\n  <!-- sherpa-disable-next-line duplicate-paragraph -->\r\n  {PARA}\r\n"
            )
        );
        assert_eq!(
            disabled(&format!("{PARA}\n\n{PARA}")),
            format!("{PARA}\n\n<!-- sherpa-disable-next-line duplicate-paragraph -->\n{PARA}")
        );
    }

    #[test]
    fn disable_comment_joins_the_line_above_inside_a_block() {
        assert_eq!(
            disabled(&format!("- {PARA}\n- {PARA}\n")),
            format!("- {PARA} <!-- sherpa-disable-next-line duplicate-paragraph -->\n- {PARA}\n")
        );
    }

    #[test]
    fn plain_text_has_no_disable_comment() {
        let doc = Document::new(format!("{PARA}\n\n{PARA}"), DocumentKind::Plain);
        assert!(disable_next_line_edit(&doc, "duplicate-paragraph", 70).is_none());
    }
}
