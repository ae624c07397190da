use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Edit, Fix, TextRange};
use crate::rules::{Check, Context, NoOptions};

declare_rule! {
    /// ## What it does
    /// Reports square-bracketed text left in a draft — "[Alt 1: …]", "[consider/encourage]",
    /// "[date]", "[…]" — which in negotiation marks text that is not agreed yet, so a final
    /// text cannot ship with it. Off by default: turn it on for negotiating drafts.
    ///
    /// Brackets that are not negotiation marks are left alone: footnote references (`[^3]`,
    /// `[12]`), editorial changes inside quotations ("[W]e", "[the Parties]" within “ ”),
    /// "[sic]", and the UN masthead lines "[on the report of the First Committee (A/80/L.6)]"
    /// and "[without reference to a Main Committee (…)]". Brackets that do not close are left to
    /// `unbalanced-delimiter`.
    ///
    /// ## Why it matters
    /// Square brackets are how negotiators keep alternatives and disputed words visible until
    /// the last session. A bracket that survives into the adopted text means the text was
    /// published before it was agreed, or that an agreement was never written down.
    ///
    /// ## Example
    /// ```text
    /// 5. [Encourages/Calls upon] Member States to [consider] joining the initiative;
    ///    ^ bracketed text is not agreed   ^ bracketed text is not agreed
    /// ```
    ///
    /// ## Fix safety
    /// All fixes are display-only, because choosing the agreed text is the negotiators' call:
    /// "Keep “…”" for each alternative of "[a/b]", and otherwise "Keep the text" (drop the
    /// brackets) and "Drop the text" (delete it with its brackets).
    ///
    /// ## Options
    /// None; enable with `[rules.unagreed-text] severity = "warning"` (or "error" to block a
    /// final text in CI).
    pub static RULE {
        name: "unagreed-text",
        family: Clauses,
        severity: Warning,
        enabled: false,
        fix: Always,
        summary: "Square-bracketed (not yet agreed) text is left in the draft",
        check: Check::Document(check),
        options: NoOptions,
    }
}

fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let doc = ctx.doc;
    let text = doc.text();
    for block in doc.blocks() {
        let slice = block.span.slice(text);
        if !slice.contains('[') {
            continue;
        }
        let mut depth = 0usize;
        let mut open_at = 0usize;
        for (i, c) in slice.char_indices() {
            match c {
                '[' => {
                    if depth == 0 {
                        open_at = i;
                    }
                    depth += 1;
                }
                ']' if depth > 0 => {
                    depth -= 1;
                    if depth == 0 {
                        let span =
                            TextRange::new(block.span.start + open_at, block.span.start + i + 1);
                        if is_negotiation_bracket(text, block.span.start, span) {
                            out.push(diagnostic(text, span));
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// Whether `[…]` at `span` marks unagreed text rather than a reference or an editorial change.
fn is_negotiation_bracket(text: &str, paragraph_start: usize, span: TextRange) -> bool {
    let inner = &text[span.start + 1..span.end - 1];
    let trimmed = inner.trim();
    // Footnotes and citations: "[^3]", "[12]", "[1, 4–6]".
    if trimmed.starts_with('^')
        || (!trimmed.is_empty()
            && trimmed
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ',' | ' ' | '-' | '–')))
    {
        return false;
    }
    if trimmed.eq_ignore_ascii_case("sic") {
        return false;
    }
    // UN masthead: "[on the report of the First Committee (A/80/534)]".
    let lower_start = |prefix: &str| {
        trimmed.len() >= prefix.len()
            && trimmed.is_char_boundary(prefix.len())
            && trimmed[..prefix.len()].eq_ignore_ascii_case(prefix)
    };
    if lower_start("on the report of") || lower_start("without reference to") {
        return false;
    }
    // "[W]e", "[t]he": a letter changed for a quotation.
    let glued = text[span.end..].starts_with(char::is_alphabetic);
    if glued && trimmed.chars().count() <= 2 {
        return false;
    }
    !inside_quotation(&text[paragraph_start..span.start])
}

/// Whether a quotation opened earlier in the paragraph is still open: editorial brackets.
fn inside_quotation(before: &str) -> bool {
    let mut depth = 0i32;
    let mut straight = false;
    for c in before.chars() {
        match c {
            '“' | '«' | '„' => depth += 1,
            '”' | '»' => depth -= 1,
            '"' => straight = !straight,
            _ => {}
        }
    }
    depth > 0 || straight
}

fn diagnostic(text: &str, span: TextRange) -> Diagnostic {
    let inner = &text[span.start + 1..span.end - 1];
    let shown: String = if inner.chars().count() > 60 {
        inner.chars().take(57).chain("…".chars()).collect()
    } else {
        inner.to_string()
    };
    let message = if inner.trim().is_empty() {
        "Empty brackets [ ]: a placeholder is left in the draft".to_string()
    } else {
        format!("Bracketed text “[{shown}]” is not agreed: resolve it before the text is final")
    };
    let mut diagnostic = Diagnostic::new(RULE.name, span, message);
    let alternatives: Vec<&str> = inner.split('/').map(str::trim).collect();
    let simple_alternatives = (2..=4).contains(&alternatives.len())
        && alternatives
            .iter()
            .all(|a| !a.is_empty() && a.split_whitespace().count() <= 3);
    if simple_alternatives {
        for alternative in alternatives {
            diagnostic = diagnostic.with_fix(Fix::display_only(
                format!("Keep “{alternative}”"),
                vec![Edit::replace(span, alternative)],
            ));
        }
        return diagnostic;
    }
    if !inner.trim().is_empty() {
        diagnostic = diagnostic.with_fix(Fix::display_only(
            "Keep the text (remove the brackets)",
            vec![
                Edit::delete(TextRange::new(span.start, span.start + 1)),
                Edit::delete(TextRange::new(span.end - 1, span.end)),
            ],
        ));
    }
    // Dropping the text takes one neighbouring space with it.
    let drop = if text[span.end..].starts_with(' ') {
        TextRange::new(span.start, span.end + 1)
    } else if text[..span.start].ends_with(' ') {
        TextRange::new(span.start - 1, span.end)
    } else {
        span
    };
    diagnostic.with_fix(Fix::display_only(
        "Drop the text (delete it with its brackets)",
        vec![Edit::delete(drop)],
    ))
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;
    use crate::diagnostic::{Applicability, Diagnostic, Fix};
    use crate::document::{Document, DocumentKind};
    use crate::fix::apply_fixes;
    use crate::lint::lint;

    fn enabled() -> Settings {
        Settings::from_toml("[rules.unagreed-text]\nseverity = \"warning\"\n", None).unwrap()
    }

    fn found(source: &str) -> Vec<Diagnostic> {
        let doc = Document::new(source, DocumentKind::Plain);
        lint(&doc, &enabled())
            .into_iter()
            .filter(|d| d.rule == "unagreed-text")
            .collect()
    }

    fn flagged(source: &str) -> Vec<&str> {
        found(source)
            .into_iter()
            .map(|d| &source[d.span.start..d.span.end])
            .collect()
    }

    #[test]
    fn off_by_default() {
        let doc = Document::new("We [consider/encourage] it.", DocumentKind::Plain);
        assert!(
            lint(&doc, &Settings::default())
                .iter()
                .all(|d| d.rule != "unagreed-text")
        );
    }

    #[test]
    fn negotiation_brackets_are_reported() {
        let source = "5. [Encourages/Calls upon] Member States to [consider] joining [Alt 1: the initiative [by 2030]] [ ].";
        assert_eq!(
            flagged(source),
            [
                "[Encourages/Calls upon]",
                "[consider]",
                "[Alt 1: the initiative [by 2030]]",
                "[ ]"
            ]
        );
        assert_eq!(
            found("We [consider/encourage] it.")[0].message,
            "Bracketed text “[consider/encourage]” is not agreed: resolve it before the text is final"
        );
    }

    #[test]
    fn references_and_editorial_brackets_are_not() {
        assert!(flagged("[on the report of the First Committee (A/80/L.6)]").is_empty());
        assert!(
            flagged("[without reference to a Main Committee (A/80/L.1 and A/80/L.1/Add.1)]")
                .is_empty()
        );
        assert!(flagged("the Treaty[^3] and the Convention [12] [sic]").is_empty());
        assert!(flagged("He said: “[W]e will support [the Parties] fully.”").is_empty());
        assert!(flagged("Unclosed [bracket here.").is_empty());
    }

    #[test]
    fn fixes_offer_each_alternative_and_are_display_only() {
        let source = "We [consider/encourage] it and [strongly] support it.";
        let diagnostics = found(source);
        let titles: Vec<Vec<&str>> = diagnostics
            .iter()
            .map(|d| d.fixes.iter().map(|f| f.title.as_str()).collect())
            .collect();
        assert_eq!(
            titles,
            [
                vec!["Keep “consider”", "Keep “encourage”"],
                vec![
                    "Keep the text (remove the brackets)",
                    "Drop the text (delete it with its brackets)"
                ]
            ]
        );
        assert_eq!(
            apply_fixes(source, &diagnostics, Applicability::Unsafe).1,
            0
        );
        assert!(
            diagnostics
                .iter()
                .flat_map(|d| &d.fixes)
                .all(|f| f.applicability == Applicability::DisplayOnly)
        );
        // What each suggestion would do when a human picks it.
        let apply = |fix: &Fix| {
            let mut out = source.to_string();
            for edit in fix.edits.iter().rev() {
                out.replace_range(edit.span.start..edit.span.end, &edit.replacement);
            }
            out
        };
        assert_eq!(
            apply(&diagnostics[0].fixes[1]),
            "We encourage it and [strongly] support it."
        );
        assert_eq!(
            apply(&diagnostics[1].fixes[0]),
            "We [consider/encourage] it and strongly support it."
        );
        assert_eq!(
            apply(&diagnostics[1].fixes[1]),
            "We [consider/encourage] it and support it."
        );
    }
}
