use std::borrow::Cow;

use crate::FastMap;
use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Edit, Fix, TextRange};
use crate::names::gazetteer::Form;
use crate::names::normalize::{surface, surface_cow};
use crate::names::{self, AcronymStyle, Analysis, Entity, Prefer};
use crate::rules::{Check, Context, NoOptions};

declare_rule! {
    /// ## What it does
    /// Finds an organization written in more than one form in the same draft: spelling
    /// ("Organisation"/"Organization", "Co-operation"/"Cooperation", "Programme"/"Program"),
    /// case ("European union"), punctuation ("U.N." and "UN"), or word order and changed
    /// function words in a name ("Partnership to Accelerate Clean Energy" and "Partnership for
    /// Accelerating Clean Energy"). Organizations come from the built-in gazetteer (about 480
    /// bodies), from `[organizations]` in `sherpa.toml`, and from the draft's own definitions
    /// ("Multilateral Energy Coordination Bureau (MECB)"), so a body sherpa has never heard of is
    /// checked once the draft defines it.
    ///
    /// A draft that writes one form throughout is not reported, even if that form is not the
    /// organization's own. Official alternative names ("UN Security Council") and short forms
    /// ("the Council", "the Union") are not variants. Shouted headings, block quotes and
    /// quotations of other texts are not checked.
    ///
    /// Which form wins is set by `prefer` in `[organizations]`: `canonical` (the default) uses the
    /// organization's own spelling where sherpa knows it and the draft's most frequent form
    /// otherwise; `majority` always uses the draft's most frequent form.
    ///
    /// ## Why it matters
    /// An organization spelled two ways in one communiqué ("World Health Organization" in one
    /// paragraph, "World Health Organisation" in the next, as in the 2021 Carbis Bay G7
    /// communiqué) shows the text was pasted together and not read as a whole.
    ///
    /// ## Example
    /// ```text
    /// We support the World Health Organization and its reform.
    /// The World Health Organisation must be sustainably financed.   <- variant
    /// ```
    ///
    /// ## Fix safety
    /// "Write the preferred form" replaces the variant, and only the variant, with the preferred
    /// form. It is safe when there is one preferred form (the organization's own spelling, or a
    /// clear majority); unsafe when the draft's forms are tied and the earliest one was chosen.
    pub static RULE {
        name: "org-name-variant",
        family: Names,
        severity: Warning,
        enabled: true,
        fix: Always,
        summary: "An organization is written in more than one form in the same draft",
        check: Check::Document(check),
        options: NoOptions,
    }
}

/// Occurrences that must be written alike: one accepted form of one organization.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Group<'t> {
    Form(Entity, Form),
    /// A name without a gazetteer form: learned names, and loose variants of the canonical name.
    Name(Entity),
    Acronym(Entity, &'t str),
}

struct Occurrence<'t> {
    span: TextRange,
    /// Borrowed from the draft when it is written as its surface already.
    surface: Cow<'t, str>,
    /// A dotted acronym whose final dot may also end the sentence.
    ends_with_dot: bool,
}

fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let analysis = names::analysis(ctx);
    let doc = ctx.doc;
    let text = doc.text();
    let mut groups: FastMap<Group<'_>, Vec<Occurrence<'_>>> = FastMap::default();
    let mut order: Vec<Group<'_>> = Vec::new();
    for mention in analysis.mentions.iter().filter(|m| !m.ignored) {
        let group = match (mention.entity, mention.form) {
            (entity @ Entity::Org(_), Some(form)) => Group::Form(entity, form),
            (Entity::Org(id), None) => Group::Form(Entity::Org(id), Form::Name),
            (entity, _) => Group::Name(entity),
        };
        let mut written = surface_cow(mention.raw.slice(text));
        // Title-case headings capitalize "And" and "Of": not a spelling of their own.
        if analysis.blocks[mention.block].heading_like
            && let Some(accepted) = accepted(&analysis, &group)
            && only_more_capitals(&written, &accepted)
        {
            written = Cow::Owned(accepted);
        }
        push(
            &mut groups,
            &mut order,
            group,
            Occurrence {
                span: mention.raw,
                surface: written,
                ends_with_dot: false,
            },
        );
    }
    for acronym in analysis.acronyms.iter().filter(|u| {
        u.ignore.is_none() && matches!(u.style, AcronymStyle::Plain | AcronymStyle::Dotted)
    }) {
        let Some(entity) = analysis.meaning(&acronym.key) else {
            continue;
        };
        push(
            &mut groups,
            &mut order,
            Group::Acronym(entity, &acronym.key),
            Occurrence {
                span: acronym.raw,
                surface: Cow::Borrowed(acronym.raw.slice(text)),
                ends_with_dot: acronym.style == AcronymStyle::Dotted,
            },
        );
    }

    let prefer = analysis.settings().prefer;
    for group in order {
        let occurrences = &groups[&group];
        let mut counts: Vec<(&str, usize, usize)> = Vec::new(); // surface, count, first index
        for (index, occurrence) in occurrences.iter().enumerate() {
            match counts.iter_mut().find(|(s, _, _)| *s == occurrence.surface) {
                Some(entry) => entry.1 += 1,
                None => counts.push((&occurrence.surface, 1, index)),
            }
        }
        if counts.len() < 2 {
            continue;
        }
        let accepted = accepted(&analysis, &group);
        let max = counts.iter().map(|c| c.1).max().unwrap_or(0);
        let leaders: Vec<&(&str, usize, usize)> = counts.iter().filter(|c| c.1 == max).collect();
        let (preferred, reason, safe) = match (&accepted, prefer) {
            (Some(accepted), Prefer::Canonical) => (accepted.clone(), Reason::OwnSpelling, true),
            (Some(accepted), Prefer::Majority) if leaders.iter().any(|l| l.0 == accepted) => {
                (accepted.clone(), Reason::Majority(max), true)
            }
            _ => (
                leaders[0].0.to_string(),
                Reason::Majority(max),
                leaders.len() == 1,
            ),
        };
        let preferred_at = occurrences.iter().find(|o| o.surface == preferred);
        for occurrence in occurrences.iter().filter(|o| o.surface != preferred) {
            let others: Vec<&Occurrence> = counts
                .iter()
                .filter(|c| c.0 != occurrence.surface)
                .map(|c| &occurrences[c.2])
                .collect();
            let message = match (preferred_at, reason) {
                (Some(at), Reason::OwnSpelling) => format!(
                    "“{}” is written “{}” at line {}, the organization’s own spelling",
                    occurrence.surface,
                    preferred,
                    doc.line_number(at.span.start)
                ),
                (Some(at), Reason::Majority(n)) => format!(
                    "“{}” is written “{}” at line {} ({} time{} in this draft)",
                    occurrence.surface,
                    preferred,
                    doc.line_number(at.span.start),
                    n,
                    if n == 1 { "" } else { "s" }
                ),
                (None, _) => format!(
                    "“{}” and “{}” name the same organization; its own spelling is “{}”",
                    occurrence.surface, others[0].surface, preferred
                ),
            };
            let mut diagnostic = Diagnostic::new(RULE.name, occurrence.span, message);
            for other in others.iter().take(3) {
                diagnostic = diagnostic
                    .with_related(other.span, format!("written “{}” here", other.surface));
            }
            let (replacement, fix_is_safe) = replacement(text, occurrence, &preferred, ctx);
            let title = format!("Write “{preferred}”");
            let edits = vec![Edit::replace(occurrence.span, replacement)];
            diagnostic = diagnostic.with_fix(if safe && fix_is_safe {
                Fix::safe(title, edits)
            } else {
                Fix::unsafe_(title, edits)
            });
            out.push(diagnostic);
        }
    }
}

/// Adds an occurrence to its group, keeping the groups in order of first occurrence.
fn push<'a>(
    groups: &mut FastMap<Group<'a>, Vec<Occurrence<'a>>>,
    order: &mut Vec<Group<'a>>,
    group: Group<'a>,
    occurrence: Occurrence<'a>,
) {
    let list = groups.entry(group.clone()).or_default();
    if list.is_empty() {
        order.push(group);
    }
    list.push(occurrence);
}

/// "Food And Agriculture Organization" for "Food and Agriculture Organization": the same
/// letters with some capitalized, as title-case headings write them.
fn only_more_capitals(written: &str, accepted: &str) -> bool {
    written.len() == accepted.len()
        && written
            .chars()
            .zip(accepted.chars())
            .all(|(w, a)| w == a || (a.is_lowercase() && w.to_lowercase().eq(std::iter::once(a))))
}

#[derive(Clone, Copy)]
enum Reason {
    OwnSpelling,
    Majority(usize),
}

/// The spelling the gazetteer (or configuration) gives a group, if it knows one.
fn accepted(analysis: &Analysis, group: &Group) -> Option<String> {
    match group {
        Group::Form(Entity::Org(id), form) => {
            Some(surface(analysis.gazetteer().form_text(*id, *form)))
        }
        Group::Acronym(Entity::Org(id), key) => {
            // A configured house style may prefer a dotted form ("U.N.").
            let org = analysis.gazetteer().org(*id);
            Some(
                org.acronyms
                    .iter()
                    .find(|a| a.replace('.', "") == *key && a.contains('.'))
                    .cloned()
                    .unwrap_or_else(|| key.to_string()),
            )
        }
        Group::Acronym(_, key) => Some(key.to_string()),
        _ => None,
    }
}

/// The text that replaces a variant, and whether doing so is certain. A dotted acronym's last
/// dot may also end its sentence ("…at the U.N. The next day…"): kept when the block ends there,
/// and the fix is unsafe when a capitalized word follows.
fn replacement(
    text: &str,
    occurrence: &Occurrence,
    preferred: &str,
    ctx: &Context<'_>,
) -> (String, bool) {
    if !occurrence.ends_with_dot || preferred.ends_with('.') {
        return (preferred.to_string(), true);
    }
    let rest = &text[occurrence.span.end..];
    let block_end = ctx
        .doc
        .blocks()
        .iter()
        .find(|b| b.span.contains_range(occurrence.span))
        .map_or(text.len(), |b| b.span.end);
    if occurrence.span.end >= block_end {
        return (format!("{preferred}."), true);
    }
    let next = rest.trim_start().chars().next();
    let space_follows = rest.starts_with(char::is_whitespace);
    if space_follows && next.is_some_and(char::is_uppercase) {
        (preferred.to_string(), false)
    } else {
        (preferred.to_string(), true)
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

    fn findings_with(source: &str, settings: &Settings) -> Vec<(usize, String, String)> {
        let doc = Document::new(source, DocumentKind::Plain);
        lint(&doc, settings)
            .into_iter()
            .filter(|d| d.rule == "org-name-variant")
            .map(|d| {
                (
                    doc.line_number(d.span.start),
                    d.span.slice(source).to_string(),
                    d.fixes[0].edits[0].replacement.clone(),
                )
            })
            .collect()
    }

    fn findings(source: &str) -> Vec<(usize, String, String)> {
        findings_with(source, &Settings::default())
    }

    #[test]
    fn spelling_variant_is_fixed_to_the_organizations_own_spelling() {
        let text = "We support the World Health Organization.\n\nThe World Health Organisation needs funds.\n";
        assert_eq!(
            findings(text),
            [(
                3,
                "World Health Organisation".into(),
                "World Health Organization".into()
            )]
        );
    }

    #[test]
    fn one_consistent_form_is_not_reported() {
        let text = "The World Health Organisation met.\n\nThe World Health Organisation agreed.\n";
        assert!(findings(text).is_empty());
    }

    #[test]
    fn case_drift_is_a_variant_but_generic_lower_case_phrases_are_not_names() {
        let text = "The European Union acts.\n\nThe European union agrees.\n\nThe global energy community and the Energy Community met.\n";
        assert_eq!(
            findings(text),
            [(3, "European union".into(), "European Union".into())]
        );
    }

    #[test]
    fn aliases_and_short_forms_are_not_variants() {
        let text = "The United Nations Security Council met. The UN Security Council and the Council agreed.\n";
        assert!(findings(text).is_empty());
    }

    #[test]
    fn dotted_acronym_is_a_punctuation_variant() {
        let text =
            "The UN agreed.\n\nThe U.N. Secretary-General and the UN met.\n\nWe thank the U.N.\n";
        let found = findings(text);
        assert_eq!(
            found,
            [
                (3, "U.N.".into(), "UN".into()),
                (5, "U.N.".into(), "UN.".into())
            ]
        );
    }

    #[test]
    fn reworded_defined_name_is_a_variant_of_the_learned_one() {
        let text = "The Multilateral Energy Coordination Bureau (MECB) opened.\n\nThe Multilateral Energy Coordination Bureau met.\n\nThe Multilateral Coordination Energy Bureau closed.\n";
        assert_eq!(
            findings(text),
            [(
                5,
                "Multilateral Coordination Energy Bureau".into(),
                "Multilateral Energy Coordination Bureau".into()
            )]
        );
    }

    #[test]
    fn majority_preference_follows_the_draft() {
        let settings =
            Settings::from_toml("[organizations]\nprefer = \"majority\"\n", None).unwrap();
        let text = "The World Health Organisation met.\n\nThe World Health Organisation agreed.\n\nThe World Health Organization left.\n";
        assert_eq!(
            findings_with(text, &settings),
            [(
                5,
                "World Health Organization".into(),
                "World Health Organisation".into()
            )]
        );
        assert_eq!(findings(text).len(), 2);
    }

    #[test]
    fn house_spelling_from_configuration_wins() {
        let settings = Settings::from_toml(
            "[[organizations.org]]\nname = \"World Health Organisation\"\n",
            None,
        )
        .unwrap();
        let text = "The World Health Organisation met.\n\nThe World Health Organization agreed.\n";
        assert_eq!(
            findings_with(text, &settings),
            [(
                3,
                "World Health Organization".into(),
                "World Health Organisation".into()
            )]
        );
    }

    #[test]
    fn a_dotted_house_style_is_preferred_when_configured() {
        let settings = Settings::from_toml(
            "[[organizations.org]]\nname = \"United Nations\"\nacronyms = [\"U.N.\", \"UN\"]\n",
            None,
        )
        .unwrap();
        let text = "The U.N. agreed.\n\nThe UN met, and the U.N. left.\n";
        assert_eq!(
            findings_with(text, &settings),
            [(3, "UN".into(), "U.N.".into())]
        );
    }

    #[test]
    fn fixes_converge_and_touch_only_the_names() {
        let text = "The Organisation for Economic Co-operation and Development (OECD) met.\n\nThe Organization for Economic Cooperation and Development agreed, with the World Trade Organization.\n\nThe World Trade Organisation’s rules apply.\n";
        let outcome = fix_converges(RULE.name, text, Applicability::Safe);
        assert_eq!(
            outcome.text,
            "The Organisation for Economic Co-operation and Development (OECD) met.\n\nThe Organisation for Economic Co-operation and Development agreed, with the World Trade Organization.\n\nThe World Trade Organization’s rules apply.\n"
        );
    }
}
