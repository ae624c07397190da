use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::names::normalize::surface;
use crate::names::{self, AcronymStyle, AcronymUse, DefinitionShape};
use crate::rules::acronym_undefined::can_expand_in_place;
use crate::rules::{Check, Context, NoOptions};
use crate::{FastMap, FastSet};

declare_rule! {
    /// ## What it does
    /// Finds an acronym used before the place where the draft introduces it ("… the PGII …"
    /// in paragraph 3, "Partnership for Global Infrastructure and Investment (PGII)" in
    /// paragraph 9). Reports the first early use and points at the definition. Uses in headings
    /// and title lines are not counted: a headline may use what the body introduces.
    ///
    /// ## Why it matters
    /// A reader meets the acronym before its meaning. This happens when paragraphs are moved
    /// during negotiation and the definition stays where it was first written.
    ///
    /// ## Example
    /// ```text
    /// We will scale up the PGII.                                               <- used here
    /// The Partnership for Global Infrastructure and Investment (PGII) ...      <- defined here
    /// ```
    ///
    /// ## Fix safety
    /// "Move the definition to the first use" writes "Long Name (ACR)" at the first use and
    /// leaves the acronym alone where the definition was. It is unsafe: the two sentences may
    /// need rewording.
    pub static RULE {
        name: "acronym-before-definition",
        family: Names,
        severity: Warning,
        enabled: true,
        fix: Sometimes,
        summary: "An acronym is used before the draft introduces it",
        check: Check::Document(check),
        options: NoOptions,
    }
}

fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let analysis = names::analysis(ctx);
    let doc = ctx.doc;
    let text = doc.text();
    // The first use of each acronym that could come too early (uses are in text order).
    let mut first_use: FastMap<&str, &AcronymUse> = FastMap::default();
    for u in analysis.acronyms.iter().filter(|u| {
        u.ignore.is_none()
            && u.definition.is_none()
            && u.style != AcronymStyle::Dotted
            && !analysis.blocks[u.block].heading_like
    }) {
        first_use.entry(&u.key).or_insert(u);
    }
    let mut seen: FastSet<&str> = FastSet::default();
    for definition in &analysis.definitions {
        if !seen.insert(&definition.key) {
            continue;
        }
        let early = first_use
            .get(definition.key.as_str())
            .filter(|u| u.raw.start < definition.whole.start);
        let Some(&first) = early else {
            continue;
        };
        let key = &definition.key;
        let long = surface(definition.long.slice(text));
        let mut diagnostic = Diagnostic::new(
            RULE.name,
            first.raw,
            format!(
                "“{key}” is used here but introduced only at line {} (“{long} ({key})”)",
                doc.line_number(definition.whole.start)
            ),
        )
        .with_related(definition.whole, "introduced here");
        if can_expand_in_place(&analysis, first, text) {
            let at_definition = match definition.shape {
                DefinitionShape::LongFirst => {
                    Edit::replace(definition.whole, definition.acronym.slice(text))
                }
                DefinitionShape::AcronymFirst => Edit::delete(crate::diagnostic::TextRange::new(
                    definition.acronym.end,
                    definition.whole.end,
                )),
            };
            diagnostic = diagnostic.with_fix(Fix::unsafe_(
                "Move the definition to the first use",
                vec![
                    Edit::replace(first.raw, format!("{long} ({key})")),
                    at_definition,
                ],
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

    fn findings(source: &str) -> Vec<(usize, String, String)> {
        let doc = Document::new(source, DocumentKind::Plain);
        lint(&doc, &Settings::default())
            .into_iter()
            .filter(|d| d.rule == "acronym-before-definition")
            .map(|d| {
                (
                    doc.line_number(d.span.start),
                    d.span.slice(source).to_string(),
                    d.related[0].span.slice(source).to_string(),
                )
            })
            .collect()
    }

    const EARLY: &str = "We will scale up the PGII and the MECB.\n\nThe Partnership for Global Infrastructure and Investment (PGII) is ours.\n\nThe Multilateral Energy Coordination Bureau (MECB) opened; the MECB met.\n";

    #[test]
    fn first_early_use_points_at_the_definition() {
        assert_eq!(
            findings(EARLY),
            [
                (
                    1,
                    "PGII".into(),
                    "Partnership for Global Infrastructure and Investment (PGII)".into()
                ),
                (
                    1,
                    "MECB".into(),
                    "Multilateral Energy Coordination Bureau (MECB)".into()
                ),
            ]
        );
    }

    #[test]
    fn headings_may_use_what_the_body_introduces() {
        let text = "G7 Statement on the PGII\n\nThe Partnership for Global Infrastructure and Investment (PGII) is ours.\n";
        assert!(findings(text).is_empty());
    }

    #[test]
    fn fix_moves_the_definition_and_converges() {
        let outcome = fix_converges(RULE.name, EARLY, Applicability::Unsafe);
        assert_eq!(
            outcome.text,
            "We will scale up the Partnership for Global Infrastructure and Investment (PGII) and the Multilateral Energy Coordination Bureau (MECB).\n\nThe PGII is ours.\n\nThe MECB opened; the MECB met.\n"
        );
        assert!(
            outcome
                .remaining
                .iter()
                .all(|d| !d.rule.starts_with("acronym"))
        );
    }
}
