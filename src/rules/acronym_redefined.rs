use crate::FastMap;
use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Edit, Fix, TextRange};
use crate::names::normalize::surface;
use crate::names::{self, Definition, DefinitionShape};
use crate::rules::{Check, Context, NoOptions};

declare_rule! {
    /// ## What it does
    /// Finds an acronym the draft introduces more than once, or introduces with two different
    /// expansions ("Partnership for Global Infrastructure Investment (PGII)" in one paragraph,
    /// "Partnership for Global Infrastructure and Investment (PGII)" in another, as in the 2023
    /// Hiroshima G7 communiqué). The finding is on the later definition and points at the first.
    /// A title or heading that introduces an acronym the body introduces again the same way is
    /// not reported: headlines are read on their own.
    ///
    /// ## Why it matters
    /// Two expansions leave the reader unsure whether one body or two is meant; a repeated
    /// definition is a sign that sections were drafted separately and never reconciled.
    ///
    /// ## Example
    /// ```text
    /// … the Partnership for Accelerating Clean Energy (PACE) …      <- first definition
    /// … the Partnership to Accelerate Clean Energy (PACE) …         <- redefined, other words
    /// ```
    ///
    /// ## Fix safety
    /// When both definitions expand the acronym the same way, "Drop the repeated definition"
    /// removes the later " (ACR)" (or " (Long Name)") and keeps the words around it; it is unsafe
    /// because a long document may repeat definitions on purpose (an annex read on its own).
    /// Two different expansions have no automatic fix: `org-name-variant` offers the spelling.
    pub static RULE {
        name: "acronym-redefined",
        family: Names,
        severity: Warning,
        enabled: true,
        fix: Sometimes,
        summary: "An acronym is introduced more than once, or with different expansions",
        check: Check::Document(check),
        options: NoOptions,
    }
}

fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let analysis = names::analysis(ctx);
    let doc = ctx.doc;
    let text = doc.text();
    let mut first_of: FastMap<&str, &Definition> = FastMap::default();
    for definition in &analysis.definitions {
        let Some(first) = first_of.get(definition.key.as_str()).copied() else {
            first_of.insert(&definition.key, definition);
            continue;
        };
        let key = &definition.key;
        let first_line = doc.line_number(first.whole.start);
        let same = first.long_key == definition.long_key;
        // A title may introduce what the body introduces again: headlines are read apart.
        let in_heading = |d: &Definition| analysis.blocks[d.block].heading_like;
        if same && (in_heading(first) || in_heading(definition)) {
            continue;
        }
        let message = if same {
            format!("“{key}” is introduced again; it was introduced at line {first_line}")
        } else {
            format!(
                "“{key}” is introduced again as “{}”; at line {first_line} it is “{}”",
                surface(definition.long.slice(text)),
                surface(first.long.slice(text))
            )
        };
        let mut diagnostic = Diagnostic::new(RULE.name, definition.whole, message)
            .with_related(first.whole, "first introduced here");
        if same {
            let repeated = match definition.shape {
                DefinitionShape::LongFirst => {
                    TextRange::new(definition.long.end, definition.whole.end)
                }
                DefinitionShape::AcronymFirst => {
                    TextRange::new(definition.acronym.end, definition.whole.end)
                }
            };
            diagnostic = diagnostic.with_fix(Fix::unsafe_(
                "Drop the repeated definition",
                vec![Edit::delete(repeated)],
            ));
        }
        out.push(diagnostic);
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::config::Settings;
    use crate::diagnostic::Applicability;
    use crate::document::{Document, DocumentKind};
    use crate::lint::lint;
    use crate::rules::testing::fix_converges;

    fn findings(source: &str) -> Vec<(usize, String, usize, String)> {
        let doc = Document::new(source, DocumentKind::Plain);
        lint(&doc, &Settings::default())
            .into_iter()
            .filter(|d| d.rule == "acronym-redefined")
            .map(|d| {
                (
                    doc.line_number(d.span.start),
                    d.span.slice(source).to_string(),
                    doc.line_number(d.related[0].span.start),
                    d.message,
                )
            })
            .collect()
    }

    #[test]
    fn different_expansions_point_at_both_definitions() {
        let text = "The Partnership for Global Infrastructure Investment (PGII) grows.\n\nThe Partnership for Global Infrastructure and Investment (PGII) delivers.\n";
        let found = findings(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, 3);
        assert_eq!(
            found[0].1,
            "Partnership for Global Infrastructure and Investment (PGII)"
        );
        assert_eq!(found[0].2, 1);
        assert!(
            found[0].3.contains("Infrastructure Investment"),
            "{}",
            found[0].3
        );
    }

    #[test]
    fn a_single_definition_is_fine() {
        let text = "The Multilateral Energy Coordination Bureau (MECB) met. The MECB agreed.\n";
        assert!(findings(text).is_empty());
    }

    #[test]
    fn repeated_identical_definition_is_dropped_by_the_fix() {
        let text = "The Multilateral Energy Coordination Bureau (MECB) met.\n\nThe Multilateral Energy Coordination Bureau (MECB) agreed; the MECB left.\n";
        assert_eq!(findings(text).len(), 1);
        let outcome = fix_converges(RULE.name, text, Applicability::Unsafe);
        assert_eq!(
            outcome.text,
            "The Multilateral Energy Coordination Bureau (MECB) met.\n\nThe Multilateral Energy Coordination Bureau agreed; the MECB left.\n"
        );
    }
}
