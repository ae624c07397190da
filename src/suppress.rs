//! `<!-- sherpa-disable-next-line RULE -->`, `<!-- sherpa-disable RULE -->` …
//! `<!-- sherpa-enable RULE -->` and `<!-- sherpa-disable-file -->` comments in Markdown.

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
                Directive::NextLine => {
                    if lines.line_of(comment.end.saturating_sub(1)) + 1 == line {
                        return true;
                    }
                }
                Directive::Disable if comment.start <= offset => disabled = true,
                Directive::Enable if comment.start <= offset => disabled = false,
                _ => {}
            }
        }
        disabled
    }
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
}
