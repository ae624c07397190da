use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::names::analysis::is_acronym_like;
use crate::names::normalize::surface;
use crate::names::{self, AcronymStyle, AcronymUse, Analysis, Entity, Mention};
use crate::rules::{Check, Context, NoOptions};
use crate::{FastMap, FastSet};

declare_rule! {
    /// ## What it does
    /// Finds an acronym the draft uses but never introduces ("Long Name (ACR)" or
    /// "ACR (Long Name)") and that is not well known. Well known are the acronyms the gazetteer
    /// marks so (UN, EU, NATO, G7, G20, BRICS…), a short list of abbreviations every reader
    /// knows (US, UK, COVID-19, GDP…), and whatever `[organizations] well-known` adds. A draft
    /// that names an organization in full but never writes its acronym after the name ("the
    /// Shanghai Cooperation Organization" … "the SCO") has not introduced the acronym.
    ///
    /// Roman numerals, units, document symbols (A/RES/80/4, A/80/L.6), shouted headings, block
    /// quotes and quotations of other texts are not acronym uses. One finding per acronym, at its
    /// first use.
    ///
    /// ## Why it matters
    /// A communiqué is read by people outside the negotiating room. "The CSTO", "the EAEU" and
    /// "the CIS" are obvious to their drafters and opaque to most readers; an acronym introduced
    /// once costs a few words.
    ///
    /// ## Example
    /// ```text
    /// The Heads of State recognize the leading role of the CSTO.   <- never introduced
    /// ```
    ///
    /// ## Fix safety
    /// When sherpa knows the organization, "Introduce the acronym" writes "Collective Security
    /// Treaty Organization (CSTO)" at the first use, using the draft's own spelling of the name if
    /// it has one. It is unsafe: the first use may sit in a sentence that reads badly expanded.
    /// For acronyms several bodies share (PACE, GEF, SPC, ICC…) it is display-only.
    pub static RULE {
        name: "acronym-undefined",
        family: Names,
        severity: Warning,
        enabled: true,
        fix: Sometimes,
        summary: "An acronym is used but never introduced and is not well known",
        check: Check::Document(check),
        options: NoOptions,
    }
}

fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let analysis = names::analysis(ctx);
    let doc = ctx.doc;
    let text = doc.text();
    let defined: FastSet<&str> = analysis
        .definitions
        .iter()
        .map(|d| d.key.as_str())
        .collect();
    let mut uses: FastMap<&str, Vec<&AcronymUse>> = FastMap::default();
    let mut order: Vec<&str> = Vec::new();
    for u in analysis
        .acronyms
        .iter()
        .filter(|u| u.ignore.is_none() && u.style != AcronymStyle::Dotted && u.definition.is_none())
    {
        // "SDG4", "MC13", "CBD15": numbered instances of "SDG", "MC", "CBD"; introducing
        // either form is enough, and they are reported together.
        let group = numbered_family(&u.key);
        if defined.contains(u.key.as_str()) || defined.contains(group) || !is_acronym_like(&u.key) {
            continue;
        }
        // "G5" in "G5 Sahel": part of a name, not an acronym of its own.
        if u.owner.is_none() && analysis.in_mention(u.raw) {
            continue;
        }
        let owner_well_known = u
            .owner
            .is_some_and(|id| analysis.gazetteer().org(id).well_known);
        if analysis.settings().is_well_known(&u.key, owner_well_known) {
            continue;
        }
        let list = uses.entry(group).or_default();
        if list.is_empty() {
            order.push(group);
        }
        list.push(u);
    }
    // Each organization's mentions, in text order (gathered once: a long draft names hundreds
    // of organizations and reports many acronyms).
    let mut mentions_of: Option<FastMap<Entity, Vec<&Mention>>> = None;
    for key in order {
        let list = &uses[key];
        let first = list[0];
        let count = list.len();
        let times = if count == 1 {
            "once".to_string()
        } else {
            format!("{count} times")
        };
        let owner = first
            .owner
            .filter(|_| first.key == key)
            .or_else(|| analysis.gazetteer().acronym_owner(key));
        let Some(id) = owner else {
            out.push(Diagnostic::new(
                RULE.name,
                first.raw,
                format!(
                    "“{key}” is used {times} but never introduced: spell it out at its first use"
                ),
            ));
            continue;
        };
        let org = analysis.gazetteer().org(id);
        let entity = Entity::Org(id);
        let mentions_of = mentions_of.get_or_insert_with(|| {
            let mut by_entity: FastMap<Entity, Vec<&Mention>> = FastMap::default();
            for m in analysis.mentions.iter().filter(|m| !m.ignored) {
                by_entity.entry(m.entity).or_default().push(m);
            }
            by_entity
        });
        let named = named_in_draft(mentions_of.get(&entity).map_or(&[], Vec::as_slice), text);
        let expansion = named
            .as_ref()
            .map_or_else(|| surface(&org.name), |(s, _)| s.clone());
        let message = match &named {
            Some((_, at)) => format!(
                "“{key}” is used {times} but never introduced; the draft names the {} at line {} without “({key})”",
                strip_article(&expansion),
                doc.line_number(*at)
            ),
            None => format!(
                "“{key}” is used {times} but never introduced; it stands for the {}",
                strip_article(&expansion)
            ),
        };
        let mut diagnostic = Diagnostic::new(RULE.name, first.raw, message);
        if let Some((_, at)) = &named {
            // Mentions are in text order: the first that starts there.
            let first_at = analysis.mentions.partition_point(|m| m.raw.start < *at);
            if let Some(m) = analysis
                .mentions
                .get(first_at)
                .filter(|m| m.raw.start == *at)
            {
                diagnostic = diagnostic.with_related(m.raw, "named in full here");
            }
        }
        if first.key == key && can_expand_in_place(&analysis, first, text) {
            let title = format!("Introduce the acronym: “{expansion} ({key})”");
            let edits = vec![Edit::replace(first.raw, format!("{expansion} ({key})"))];
            diagnostic = diagnostic.with_fix(if org.ambiguous.iter().any(|a| a == key) {
                Fix::display_only(title, edits)
            } else {
                Fix::unsafe_(title, edits)
            });
        }
        out.push(diagnostic);
    }
}

/// The acronym a numbered one belongs to: "SDG" for "SDG4", "COP" for "COP28"; itself when the
/// letters alone would be a single capital ("G7").
fn numbered_family(key: &str) -> &str {
    let letters = key.trim_end_matches(|c: char| c.is_ascii_digit());
    if letters.len() >= 2 && letters.len() < key.len() {
        letters
    } else {
        key
    }
}

/// The most frequent full name among an organization's `mentions` (those not ignored, in text
/// order) and where it first appears.
fn named_in_draft(mentions: &[&Mention], text: &str) -> Option<(String, usize)> {
    let mut counts: Vec<(String, usize, usize)> = Vec::new();
    for m in mentions {
        let written = surface(m.raw.slice(text));
        match counts.iter_mut().find(|c| c.0 == written) {
            Some(c) => c.1 += 1,
            None => counts.push((written, 1, m.raw.start)),
        }
    }
    let max = counts.iter().map(|c| c.1).max()?;
    counts
        .into_iter()
        .find(|c| c.1 == max)
        .map(|(written, _, at)| (written, at))
}

/// Expanding in place only reads well for a plain use standing as a word of its own: not a
/// plural ("NGOs"), a possessive ("CSTO’s"), part of a hyphenated compound ("SCO-led") or of
/// another organization's name.
pub(crate) fn can_expand_in_place(analysis: &Analysis, u: &AcronymUse, text: &str) -> bool {
    let before = text[..u.raw.start].chars().next_back();
    let after = text[u.raw.end..].chars().next();
    let hyphen = |c: Option<char>| matches!(c, Some('-' | '‐' | '‑'));
    u.style == AcronymStyle::Plain
        && !u.possessive
        && !hyphen(before)
        && !hyphen(after)
        && !analysis.overlaps_mention(u.raw)
}

fn strip_article(name: &str) -> &str {
    name.strip_prefix("the ").unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::config::Settings;
    use crate::diagnostic::Applicability;
    use crate::document::{Document, DocumentKind};
    use crate::lint::lint;
    use crate::rules::testing::fix_converges;

    fn findings_with(source: &str, settings: &Settings) -> Vec<(usize, String)> {
        let doc = Document::new(source, DocumentKind::Plain);
        lint(&doc, settings)
            .into_iter()
            .filter(|d| d.rule == "acronym-undefined")
            .map(|d| {
                (
                    doc.line_number(d.span.start),
                    d.span.slice(source).to_string(),
                )
            })
            .collect()
    }

    fn findings(source: &str) -> Vec<(usize, String)> {
        findings_with(source, &Settings::default())
    }

    #[test]
    fn unknown_and_known_acronyms_are_reported_once_at_first_use() {
        let text = "The CSTO met the XYZW.\n\nThe CSTO agreed, and so did the XYZW.\n";
        assert_eq!(
            findings(text),
            [(1, "CSTO".to_string()), (1, "XYZW".to_string())]
        );
    }

    #[test]
    fn defined_and_well_known_acronyms_are_not_reported() {
        let text = "The Collective Security Treaty Organization (CSTO) met the UN, NATO, the EU, \
                    the G7 and the U.S. on COVID-19 and the GDP of NGOs.\n\nThe CSTO agreed.\n";
        assert!(findings(text).is_empty(), "{:?}", findings(text));
    }

    #[test]
    fn numerals_symbols_units_headings_and_quotations_are_not_uses() {
        let text = "G7 LEADERS’ STATEMENT ON THE CSTO\n\nUnder Chapter VII, see A/RES/80/4 and \
                    A/CONF.231/3; 30 GW installed. He said “the CSTO will act now” today.\n";
        assert!(findings(text).is_empty(), "{:?}", findings(text));
    }

    #[test]
    fn configured_well_known_acronyms_are_accepted_and_expand_overrides() {
        let settings = Settings::from_toml(
            "[organizations]\nwell-known = [\"CSTO\"]\nexpand = [\"NATO\"]\n",
            None,
        )
        .unwrap();
        assert_eq!(
            findings_with("The CSTO and NATO met.\n", &settings),
            [(1, "NATO".to_string())]
        );
    }

    #[test]
    fn fix_expands_the_first_use_with_the_drafts_own_spelling() {
        let text = "Belarus and Russia view the Shanghai Cooperation Organization as a basis.\n\nThey develop cooperation within the SCO and the CSTO.\n";
        let outcome = fix_converges(RULE.name, text, Applicability::Unsafe);
        assert_eq!(
            outcome.text,
            "Belarus and Russia view the Shanghai Cooperation Organization as a basis.\n\nThey develop cooperation within the Shanghai Cooperation Organization (SCO) and the Collective Security Treaty Organization (CSTO).\n"
        );
    }

    #[test]
    fn ambiguous_acronyms_get_a_display_only_fix() {
        let doc = Document::new("The PACE met.\n", DocumentKind::Plain);
        let found: Vec<_> = lint(&doc, &Settings::default())
            .into_iter()
            .filter(|d| d.rule == "acronym-undefined")
            .collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].fixes[0].applicability, Applicability::DisplayOnly);
    }
}
