use crate::clauses::enumeration::{Run, Scope, shared_runs};
use crate::clauses::labels::{Frame, Reading, render, render_value};
use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Edit, Fix, TextRange};
use crate::rules::{Check, Context, NoOptions};

declare_rule! {
    /// ## What it does
    /// Follows the labels that start paragraphs and list items — (a) (b) (c), a) b) c), (i)
    /// (ii) (iii) and other roman numerals, 1. 2. 3., 1) 2) 3), A. B. C. — and the inline runs
    /// "(a) … (b) …" inside one paragraph, and reports a label that skips, repeats or goes back
    /// in its sequence. A new list that starts again at (a), (i), A or 1 is legitimate, and each
    /// style is followed on its own, so sub-items "(a)" inside numbered paragraphs do not break
    /// the numbering.
    ///
    /// Letters that are also roman numerals ("(i)", "(v)", "(x)") are read the way that
    /// continues the sequence. References are not enumerations: "paragraph 5 (c)",
    /// "subparagraphs (a) and (c)", "two (2) years", "(A/80/L.6)" are left alone, and an inline
    /// run must start at its first label.
    ///
    /// ## Why it matters
    /// Paragraphs are added and deleted up to the last minute of a negotiation; a list that
    /// jumps from (b) to (d) is then quoted by its labels in other documents for years.
    ///
    /// ## Example
    /// ```text
    /// (a) To take measures;
    /// (b) To seek advice;
    /// (d) To report back.      <- (d) follows (b): (c) is missing
    /// ```
    ///
    /// ## Fix safety
    /// "Renumber the rest of the sequence" is unsafe: it relabels this item and every later
    /// item of the same sequence, and other paragraphs or documents may cite the old labels.
    pub static RULE {
        name: "enumeration-gap",
        family: Clauses,
        severity: Warning,
        enabled: true,
        fix: Always,
        summary: "A list label skips, repeats or goes back in its sequence",
        check: Check::Document(check),
        options: NoOptions,
    }
}

fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let doc = ctx.doc;
    let text = doc.text();
    for run in shared_runs(doc).iter() {
        let mut last = run.items[0].reading.value;
        for (position, item) in run.items.iter().enumerate().skip(1) {
            let value = item.reading.value;
            if value == last + 1 {
                last = value;
                continue;
            }
            // "11, We are …" or "24.We welcome …" between 10. and 12.: the label is there but
            // mistyped, which explains the gap better than a missing paragraph.
            if run.scope == Scope::Blocks && value == last + 2 {
                let expected = run.reading(last + 1);
                let between = run.items[position - 1].block + 1..item.block;
                if let Some((span, proper)) = between
                    .filter_map(|b| {
                        malformed_label(text, doc.blocks()[b].span, expected, item.label.frame)
                    })
                    .next()
                {
                    let written = span.slice(text);
                    let (message, title) = if proper.ends_with(' ') {
                        (
                            format!(
                                "Label {written} is glued to its text: expected a space after it"
                            ),
                            format!("Insert a space after {written}"),
                        )
                    } else {
                        (
                            format!("Malformed label {written}: expected {proper}"),
                            format!("Write the label as {proper}"),
                        )
                    };
                    out.push(
                        Diagnostic::new(RULE.name, span, message)
                            .with_fix(Fix::unsafe_(title, vec![Edit::replace(span, proper)])),
                    );
                    last = value;
                    continue;
                }
            }
            let label = item.label.span.slice(text);
            let previous = run.items[position - 1].label.span.slice(text);
            let expected = render(run.reading(last + 1), item.label.frame);
            let message = if value == last {
                format!("{label} repeats the previous label: expected {expected}")
            } else if value > last + 1 {
                let until = render(run.reading(value - 1), item.label.frame);
                let missing = match value - last {
                    2 => format!("{expected} is missing"),
                    3 => format!("{expected} and {until} are missing"),
                    _ => format!("{expected} to {until} are missing"),
                };
                format!("{label} follows {previous}: {missing}")
            } else {
                format!("{label} follows {previous}: out of order, expected {expected}")
            };
            let where_ = match run.scope {
                Scope::Blocks => "the list",
                Scope::Inline(_) => "the enumeration in this paragraph",
            };
            let mut diagnostic = Diagnostic::new(RULE.name, item.label.span, message).with_related(
                run.items[position - 1].label.span,
                format!("previous label of {where_}"),
            );
            // "… Means of implementation. 14. We reaffirm …": the missing items are inside an
            // earlier paragraph, whose breaks were lost; renumbering would be wrong.
            let lost_break = match run.scope {
                Scope::Blocks if value > last + 1 => {
                    let searched = run.items[position - 1].block..item.block;
                    find_inline_label(doc, searched, &expected)
                }
                _ => None,
            };
            if let Some(at) = lost_break {
                diagnostic.message.push_str(&format!(
                    "; {expected} appears inside the paragraph at line {}: a lost paragraph break?",
                    doc.line_number(at)
                ));
                diagnostic = diagnostic
                    .with_related(
                        TextRange::new(at, at + expected.len()),
                        format!("{expected} inside a paragraph"),
                    )
                    .with_fix(Fix::display_only(
                        format!("Start a new paragraph at {expected}"),
                        vec![Edit::replace(TextRange::new(at - 1, at), "\n\n")],
                    ));
            } else {
                diagnostic = diagnostic.with_fix(Fix::unsafe_(
                    "Renumber the rest of the sequence",
                    renumber(run, position, last + 1),
                ));
            }
            out.push(diagnostic);
            last = last.max(value);
        }
    }
}

/// The first place in `blocks` where `label` ("2.") stands inside a paragraph after a space and
/// before a capitalised word, as a paragraph label whose paragraph break was lost.
fn find_inline_label(
    doc: &crate::document::Document,
    blocks: std::ops::Range<usize>,
    label: &str,
) -> Option<usize> {
    let text = doc.text();
    let needle = format!(" {label} ");
    doc.blocks()[blocks].iter().find_map(|block| {
        let slice = block.span.slice(text);
        slice.match_indices(&needle).find_map(|(i, _)| {
            let after = &slice[i + needle.len()..];
            // UN texts glue footnote numbers to the full stop: "Development.2 2. We".
            let sentence_before = slice[..i]
                .trim_end()
                .trim_end_matches(|c: char| c.is_ascii_digit())
                .ends_with(['.', ';', ':', '”']);
            (sentence_before && after.starts_with(char::is_uppercase))
                .then_some(block.span.start + i + 1)
        })
    })
}

/// A paragraph that starts with the expected label written wrongly: "11, We", "24.We", "(c We".
/// Returns the span of the mistyped label and the label as it should be written.
fn malformed_label(
    text: &str,
    block: TextRange,
    expected: Reading,
    frame: Frame,
) -> Option<(TextRange, String)> {
    let value = render_value(expected);
    let proper = render(expected, frame);
    let slice = block.slice(text);
    let opening = if frame == Frame::Parens { "(" } else { "" };
    let rest = slice.strip_prefix(opening)?.strip_prefix(value.as_str())?;
    let mark_at = block.start + opening.len() + value.len();
    let mut chars = rest.chars();
    let (mark, next) = (chars.next()?, chars.next());
    let frame_char = if frame == Frame::Period { '.' } else { ')' };
    if mark == frame_char && next.is_some_and(char::is_alphabetic) {
        // "24.We": the label lacks its space.
        return Some((
            TextRange::new(block.start, mark_at + 1),
            format!("{proper} "),
        ));
    }
    if matches!(mark, ',' | ';' | ':') && next == Some(' ') {
        return Some((TextRange::new(block.start, mark_at + 1), proper));
    }
    None
}

/// Relabels items `from..` of the run as `first`, `first + 1`, …, keeping each label's frame.
fn renumber(run: &Run, from: usize, first: u32) -> Vec<Edit> {
    run.items[from..]
        .iter()
        .zip(first..)
        .filter(|(item, value)| item.reading.value != *value)
        .map(|(item, value)| {
            let reading = Reading {
                counter: run.counter,
                value,
            };
            Edit::replace(item.label.value_span, render_value(reading))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::config::Settings;
    use crate::diagnostic::Applicability;
    use crate::document::{Document, DocumentKind};
    use crate::fix::fix_document;
    use crate::lint::lint;
    use crate::rules::testing::fix_converges;

    fn findings(source: &str) -> Vec<(String, String)> {
        let doc = Document::new(source, DocumentKind::Plain);
        lint(&doc, &Settings::default())
            .into_iter()
            .filter(|d| d.rule == "enumeration-gap")
            .map(|d| (d.span.slice(source).to_string(), d.message))
            .collect()
    }

    fn messages(source: &str) -> Vec<String> {
        findings(source).into_iter().map(|f| f.1).collect()
    }

    fn clean(source: &str) {
        let found = findings(source);
        assert!(found.is_empty(), "{source:?} → {found:?}");
    }

    #[test]
    fn skipped_repeated_and_out_of_order_labels() {
        assert_eq!(
            findings("(a) To take measures;\n\n(b) To seek advice;\n\n(d) To report.\n"),
            [(
                "(d)".to_string(),
                "(d) follows (b): (c) is missing".to_string()
            )]
        );
        assert_eq!(
            messages("1. One.\n\n2. Two.\n\n2. Again.\n\n3. Three.\n"),
            ["2. repeats the previous label: expected 3."]
        );
        assert_eq!(
            messages("a) one;\n\nc) three;\n\nb) two.\n"),
            [
                "c) follows a): b) is missing",
                "b) follows c): out of order, expected d)"
            ]
        );
        assert_eq!(
            messages("I. One\n\nII. Two\n\nV. Five\n"),
            ["V. follows II.: III. and IV. are missing"]
        );
    }

    #[test]
    fn mistyped_labels_are_reported_as_such() {
        assert_eq!(
            findings("10. Ten.\n\n11, We are determined.\n\n12. Twelve.\n"),
            [(
                "11,".to_string(),
                "Malformed label 11,: expected 11.".to_string()
            )]
        );
        assert_eq!(
            findings("23. Ocean.\n\n24.We welcome it.\n\n25. Energy.\n"),
            [(
                "24.".to_string(),
                "Label 24. is glued to its text: expected a space after it".to_string()
            )]
        );
        let outcome = fix_document(
            "10. Ten.\n\n11, Eleven.\n\n12. Twelve.\n\n13.Thirteen.\n\n14. End.\n",
            DocumentKind::Plain,
            &Settings::default(),
            Applicability::Unsafe,
        );
        assert_eq!(
            outcome.text,
            "10. Ten.\n\n11. Eleven.\n\n12. Twelve.\n\n13. Thirteen.\n\n14. End.\n"
        );
    }

    #[test]
    fn labels_inside_a_paragraph_point_to_a_lost_break() {
        let source = "1. We met. 2. We agreed on the text. 3. We left.\n\n4. We return.\n";
        assert_eq!(
            messages(source),
            [
                "4. follows 1.: 2. and 3. are missing; 2. appears inside the paragraph at line 1: a lost paragraph break?"
            ]
        );
        let outcome = fix_document(
            source,
            DocumentKind::Plain,
            &Settings::default(),
            Applicability::Unsafe,
        );
        assert_eq!(outcome.text, source, "splitting paragraphs is display-only");
    }

    #[test]
    fn labels_followed_by_invisible_spaces_count() {
        clean("13. \u{200b}The Union.\n\n14.\u{200b} The Union.\n\n15. \u{200b}The Union.\n");
    }

    #[test]
    fn numbered_sections_with_numbered_paragraphs() {
        clean(
            "1. Investment\n\n1. One.\n\n2. Two.\n\n2. Tariffs\n\n1. One.\n\n3. Energy\n\n1. One.\n",
        );
    }

    #[test]
    fn roman_numerals_and_letters_are_told_apart() {
        clean("(h) eight;\n\n(i) nine;\n\n(j) ten.\n");
        clean("(i) one;\n\n(ii) two;\n\n(iii) three;\n\n(iv) four;\n\n(v) five;\n\n(vi) six.\n");
        clean("(y) x;\n\n(z) x;\n\n(aa) x;\n\n(bb) x.\n");
        assert_eq!(
            messages("(i) one;\n\n(ii) two;\n\n(iv) four.\n"),
            ["(iv) follows (ii): (iii) is missing"]
        );
    }

    #[test]
    fn nested_lists_and_new_lists_restart() {
        clean(
            "1. Decides:\n\n(a) x;\n\n(b) y;\n\n2. Requests:\n\n(a) z;\n\n(i) p;\n\n(ii) q;\n\n(b) w;\n\n3. Decides to remain seized.\n",
        );
        clean("A. Trade\n\n1. One.\n\n2. Two.\n\nB. Energy\n\n1. One.\n\n2. Two.\n");
    }

    #[test]
    fn inline_enumerations() {
        assert_eq!(
            findings("The Parties will: (a) build x; (b) keep y; and (d) meet."),
            [(
                "(d)".to_string(),
                "(d) follows (b): (c) is missing".to_string()
            )]
        );
        clean("The areas are: 1) maritime cooperation, 2) connectivity, 3) the 2030 Agenda.");
        clean("Priorities include i) the Fund, ii) the Vision and iii) a G7 initiative.");
        // References, not enumerations.
        clean("As set out in paragraph 5 (a) and paragraph 7 (c), and subparagraphs (a) and (d).");
        clean("Agenda item 99 (f) General and complete disarmament.");
        clean("For one (1) year and three (3) months.");
        clean("[on the report of the First Committee (A/80/L.6)]");
    }

    #[test]
    fn renumbering_fix_converges_and_touches_only_labels() {
        let source = "(a) To take measures;\n\n(b) To seek advice (see (d) below);\n\n(d) To report;\n\n(e) To close.\n";
        let outcome = fix_converges(RULE.name, source, Applicability::Unsafe);
        assert_eq!(
            outcome.text,
            "(a) To take measures;\n\n(b) To seek advice (see (d) below);\n\n(c) To report;\n\n(d) To close.\n"
        );
    }
}
