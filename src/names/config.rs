//! The `[organizations]` table of `sherpa.toml`: the user's own organizations, house spellings
//! and well-known acronyms, validated when the configuration is loaded.
//!
//! ```toml
//! [organizations]
//! prefer = "canonical"          # or "majority": which written form wins in org-name-variant
//! well-known = ["SADC", "OSCE"] # acronyms your readers know: never asked to be introduced
//! expand = ["APEC"]             # built-in well-known acronyms your house style still introduces
//!
//! [[organizations.org]]         # a new organization, or a built-in one in your house spelling
//! name = "Multilateral Energy Coordination Bureau"
//! acronyms = ["MECB"]
//! aliases = ["Energy Coordination Bureau"]
//! short = ["the Bureau"]
//! well-known = false
//! ```

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::Deserialize;

use super::gazetteer::{BUILTIN, Gazetteer, OrgEntry};
use super::normalize::normalize_phrase;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Prefer {
    /// The gazetteer's (or configuration's) spelling where known, else the draft's majority.
    #[default]
    Canonical,
    /// The form the draft uses most.
    Majority,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
struct OrganizationsTable {
    prefer: Prefer,
    well_known: Vec<String>,
    expand: Vec<String>,
    org: Vec<toml::Spanned<UserOrg>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserOrg {
    name: String,
    #[serde(default)]
    acronyms: Vec<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    short: Vec<String>,
    #[serde(default, alias = "well-known")]
    well_known: Option<bool>,
    #[serde(default)]
    ambiguous: Vec<String>,
}

/// Only the `[organizations]` table; the rest of the file is validated elsewhere.
#[derive(Deserialize)]
struct FileView {
    #[serde(default)]
    organizations: Option<OrganizationsTable>,
}

/// A problem in `[organizations]`, at a byte offset of the configuration text when known.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigProblem {
    pub offset: Option<usize>,
    pub message: String,
}

/// What the names rules read from the configuration.
#[derive(Debug, Default)]
pub struct NamesSettings {
    pub prefer: Prefer,
    well_known: HashSet<String>,
    expand: HashSet<String>,
    /// The built-in gazetteer merged with the user's entries; `None` means the built-in one.
    custom: Option<Arc<Gazetteer>>,
}

impl NamesSettings {
    pub fn gazetteer(&self) -> &Gazetteer {
        self.custom.as_deref().unwrap_or(&BUILTIN)
    }

    /// Whether an acronym (case-exact, singular) needs no introduction.
    pub fn is_well_known(&self, acronym: &str, owner_well_known: bool) -> bool {
        if self.expand.contains(acronym) {
            return false;
        }
        let known =
            |a: &str| self.well_known.contains(a) || self.gazetteer().well_known_terms.contains(a);
        // "COP28", "SDG4": the letters carry the meaning, the number only counts.
        let letters = acronym.trim_end_matches(|c: char| c.is_ascii_digit());
        owner_well_known || known(acronym) || (letters.len() >= 2 && known(letters))
    }

    /// Reads `[organizations]` from the whole configuration text.
    pub fn from_config_text(text: &str) -> Result<Self, ConfigProblem> {
        let view: FileView = toml::from_str(text).map_err(|e| ConfigProblem {
            offset: e.span().map(|s| s.start),
            message: format!("organizations: {}", e.message().trim()),
        })?;
        match view.organizations {
            None => Ok(Self::default()),
            Some(table) => Self::from_table(table),
        }
    }

    fn from_table(table: OrganizationsTable) -> Result<Self, ConfigProblem> {
        let problem = |offset: Option<usize>, message: String| ConfigProblem {
            offset,
            message: format!("organizations: {message}"),
        };
        for (key, list) in [("well-known", &table.well_known), ("expand", &table.expand)] {
            if let Some(bad) = list.iter().find(|a| a.trim().is_empty() || a.trim() != *a) {
                return Err(problem(
                    None,
                    format!("{key}: {bad:?} is not an acronym (empty or padded with spaces)"),
                ));
            }
        }
        let custom = if table.org.is_empty() {
            None
        } else {
            Some(Arc::new(merge(table.org, &problem)?))
        };
        Ok(Self {
            prefer: table.prefer,
            well_known: table.well_known.into_iter().collect(),
            expand: table.expand.into_iter().collect(),
            custom,
        })
    }
}

/// The built-in entries with the user's merged in: an entry whose name is a built-in name or
/// alias (in any spelling) replaces that entry's name with the user's spelling and adds to it;
/// any other entry is new. An acronym the user gives to an entry is taken from every other.
fn merge(
    user: Vec<toml::Spanned<UserOrg>>,
    problem: &dyn Fn(Option<usize>, String) -> ConfigProblem,
) -> Result<Gazetteer, ConfigProblem> {
    let mut entries = Gazetteer::builtin_entries();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for (index, entry) in entries.iter().enumerate() {
        for written in std::iter::once(&entry.name).chain(&entry.aliases) {
            by_key.insert(normalize_phrase(written), index);
        }
    }
    let mut user_keys: HashMap<String, String> = HashMap::new();
    let mut claimed: Vec<(String, usize)> = Vec::new();
    for spanned in user {
        let offset = Some(spanned.span().start);
        let org = spanned.into_inner();
        let name = org.name.trim().to_string();
        let key = normalize_phrase(&name);
        if key.is_empty() {
            return Err(problem(offset, "org: `name` must not be empty".into()));
        }
        if let Some(previous) = user_keys.insert(key.clone(), name.clone()) {
            return Err(problem(
                offset,
                format!("org: {name:?} is listed twice (also as {previous:?})"),
            ));
        }
        for (field, list) in [
            ("acronyms", &org.acronyms),
            ("aliases", &org.aliases),
            ("short", &org.short),
        ] {
            if list.iter().any(|a| a.trim().is_empty()) {
                return Err(problem(
                    offset,
                    format!("org {name:?}: `{field}` has an empty entry"),
                ));
            }
        }
        if let Some(bad) = org.ambiguous.iter().find(|a| !org.acronyms.contains(a)) {
            return Err(problem(
                offset,
                format!("org {name:?}: ambiguous acronym {bad:?} is not in `acronyms`"),
            ));
        }
        let index = match by_key.get(&key) {
            Some(&index) => {
                let existing = &mut entries[index];
                if existing.name != name {
                    // The old spelling stays accepted only if it was a different name.
                    let old = std::mem::replace(&mut existing.name, name.clone());
                    existing.aliases.retain(|a| normalize_phrase(a) != key);
                    if normalize_phrase(&old) != key {
                        existing.aliases.push(old);
                    }
                }
                if !org.acronyms.is_empty() {
                    existing.acronyms = org.acronyms.clone();
                    existing.ambiguous = org.ambiguous.clone();
                }
                for alias in org.aliases {
                    if !existing.aliases.contains(&alias) {
                        existing.aliases.push(alias);
                    }
                }
                for short in org.short {
                    if !existing.short.contains(&short) {
                        existing.short.push(short);
                    }
                }
                if let Some(well_known) = org.well_known {
                    existing.well_known = well_known;
                }
                index
            }
            None => {
                entries.push(OrgEntry {
                    name,
                    acronyms: org.acronyms.clone(),
                    aliases: org.aliases,
                    short: org.short,
                    well_known: org.well_known.unwrap_or(false),
                    ambiguous: org.ambiguous,
                });
                let index = entries.len() - 1;
                for written in std::iter::once(&entries[index].name).chain(&entries[index].aliases)
                {
                    by_key.insert(normalize_phrase(written), index);
                }
                index
            }
        };
        claimed.extend(org.acronyms.into_iter().map(|a| (a, index)));
    }
    for (acronym, owner) in &claimed {
        for (index, entry) in entries.iter_mut().enumerate() {
            if index != *owner {
                entry.acronyms.retain(|a| a != acronym);
                entry.ambiguous.retain(|a| a != acronym);
            }
        }
    }
    Ok(Gazetteer::build(entries, Gazetteer::builtin_terms()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<NamesSettings, ConfigProblem> {
        NamesSettings::from_config_text(text)
    }

    #[test]
    fn no_table_means_the_builtin_gazetteer() {
        let settings = parse("[files]\nextensions = [\"md\"]\n").unwrap();
        assert!(settings.custom.is_none());
        assert_eq!(settings.prefer, Prefer::Canonical);
        assert!(settings.is_well_known("NATO", true));
        assert!(settings.is_well_known("COVID-19", false));
        assert!(!settings.is_well_known("CSTO", false));
    }

    #[test]
    fn well_known_and_expand_adjust_the_built_in_lists() {
        let settings =
            parse("[organizations]\nwell-known = [\"CSTO\"]\nexpand = [\"NATO\"]\n").unwrap();
        assert!(settings.is_well_known("CSTO", false));
        assert!(!settings.is_well_known("NATO", true));
    }

    #[test]
    fn user_entries_add_organizations_and_take_acronyms() {
        let settings = parse(
            "[organizations]\nprefer = \"majority\"\n\n[[organizations.org]]\n\
             name = \"Partnership for Accelerating Clean Energy\"\nacronyms = [\"PACE\"]\n\n\
             [[organizations.org]]\nname = \"Multilateral Energy Coordination Bureau\"\n\
             acronyms = [\"MECB\"]\nwell-known = true\n",
        )
        .unwrap();
        assert_eq!(settings.prefer, Prefer::Majority);
        let gazetteer = settings.gazetteer();
        let pace = gazetteer.acronym_owner("PACE").unwrap();
        assert_eq!(
            gazetteer.org(pace).name,
            "Partnership for Accelerating Clean Energy"
        );
        let council = gazetteer
            .exact(&normalize_phrase(
                "Parliamentary Assembly of the Council of Europe",
            ))
            .unwrap()
            .0;
        assert!(gazetteer.org(council).acronyms.is_empty());
        let mecb = gazetteer.acronym_owner("MECB").unwrap();
        assert!(gazetteer.org(mecb).well_known);
    }

    #[test]
    fn a_house_spelling_replaces_the_canonical_name() {
        let settings = parse(
            "[[organizations.org]]\nname = \"World Health Organisation\"\n\n\
             [[organizations.org]]\nname = \"UN Security Council\"\n",
        )
        .unwrap();
        let gazetteer = settings.gazetteer();
        let who = gazetteer.acronym_owner("WHO").unwrap();
        assert_eq!(gazetteer.org(who).name, "World Health Organisation");
        assert_eq!(gazetteer.org(who).acronyms[0], "WHO");
        let unsc = gazetteer.acronym_owner("UNSC").unwrap();
        assert_eq!(gazetteer.org(unsc).name, "UN Security Council");
        assert!(
            gazetteer
                .org(unsc)
                .aliases
                .contains(&"United Nations Security Council".to_string())
        );
    }

    #[test]
    fn problems_name_the_key_and_where_it_is() {
        let text = "[organizations]\nprefer = \"canonical\"\n\n[[organizations.org]]\nname = \"X Bureau\"\nacronym = [\"XB\"]\n";
        let err = parse(text).unwrap_err();
        assert!(err.message.contains("acronym"), "{}", err.message);
        assert!(err.message.starts_with("organizations:"), "{}", err.message);
        let line = text[..err.offset.unwrap()].matches('\n').count() + 1;
        assert!((4..=6).contains(&line), "line {line}");

        let err = parse("[organizations]\nprefer = \"loudest\"\n").unwrap_err();
        assert!(err.message.contains("loudest"), "{}", err.message);

        let err = parse("[organizations]\nwellknown = [\"X\"]\n").unwrap_err();
        assert!(err.message.contains("wellknown"), "{}", err.message);

        let text = "[[organizations.org]]\nname = \"Alpha Co-operation Organisation\"\n\n[[organizations.org]]\nname = \"Alpha Cooperation Organization\"\n";
        let err = parse(text).unwrap_err();
        assert!(err.message.contains("listed twice"), "{}", err.message);
        assert_eq!(text[..err.offset.unwrap()].matches('\n').count() + 1, 4);

        let err = parse("[[organizations.org]]\nname = \"  \"\n").unwrap_err();
        assert!(err.message.contains("name"), "{}", err.message);
    }
}
