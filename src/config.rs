//! `sherpa.toml` / `.sherpa.toml`: discovery, parsing (unknown keys are errors) and the resolved
//! [`Settings`] the engine reads.

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::diagnostic::Severity;
use crate::names::NamesSettings;
use crate::rules::{self, Family, RULES, RuleMeta};

pub const CONFIG_FILE_NAMES: [&str; 2] = ["sherpa.toml", ".sherpa.toml"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: Option<PathBuf>,
    /// One-based line of the offending key, when known.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, self.line) {
            (Some(path), Some(line)) => write!(f, "{}:{line}: {}", path.display(), self.message),
            (Some(path), None) => write!(f, "{}: {}", path.display(), self.message),
            (None, Some(line)) => write!(f, "line {line}: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    files: RawFiles,
    #[serde(default)]
    rules: BTreeMap<String, toml::Spanned<toml::Table>>,
    /// Reserved for the organization-names checks: validated by them.
    #[serde(default)]
    organizations: Option<toml::Spanned<toml::Table>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawFiles {
    extensions: Option<Vec<String>>,
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
}

#[derive(Clone)]
pub struct RuleSettings {
    pub enabled: bool,
    pub severity: Severity,
    options: Arc<dyn Any + Send + Sync>,
}

/// Which files a directory walk lints.
#[derive(Clone, Debug)]
pub struct FileSettings {
    pub extensions: Vec<String>,
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
    /// Globs are relative to the folder of the configuration file.
    root: Option<PathBuf>,
}

impl Default for FileSettings {
    fn default() -> Self {
        Self {
            extensions: vec!["md".into(), "markdown".into(), "txt".into()],
            include: None,
            exclude: None,
            root: None,
        }
    }
}

impl FileSettings {
    pub fn has_lintable_extension(&self, path: &Path) -> bool {
        path.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|ext| self.extensions.iter().any(|x| x.eq_ignore_ascii_case(ext)))
    }

    /// Whether include/exclude globs let this path through.
    pub fn is_included(&self, path: &Path) -> bool {
        let relative = match &self.root {
            Some(root) => path.strip_prefix(root).unwrap_or(path),
            None => path,
        };
        let relative = relative.strip_prefix("./").unwrap_or(relative);
        if self.exclude.as_ref().is_some_and(|g| g.is_match(relative)) {
            return false;
        }
        self.include.as_ref().is_none_or(|g| g.is_match(relative))
    }
}

/// Resolved configuration: one entry per rule of [`RULES`], in the same order.
#[derive(Clone)]
pub struct Settings {
    pub path: Option<PathBuf>,
    rules: Vec<RuleSettings>,
    pub files: FileSettings,
    pub organizations: toml::Table,
    /// `[organizations]`, typed and validated at load time (the gazetteer merged once).
    names: Arc<NamesSettings>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("path", &self.path)
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

impl Default for Settings {
    fn default() -> Self {
        let rules = RULES
            .iter()
            .map(|rule| RuleSettings {
                enabled: rule.enabled_by_default,
                severity: rule.default_severity,
                options: (rule.parse_options)(toml::Table::new())
                    .expect("default options always parse"),
            })
            .collect();
        Self {
            path: None,
            rules,
            files: FileSettings::default(),
            organizations: toml::Table::new(),
            names: Arc::new(NamesSettings::default()),
        }
    }
}

impl Settings {
    pub fn from_toml(text: &str, path: Option<&Path>) -> Result<Self, ConfigError> {
        let error = |line: Option<usize>, message: String| ConfigError {
            path: path.map(Path::to_path_buf),
            line,
            message,
        };
        let line_of =
            |offset: usize| Some(text[..offset.min(text.len())].matches('\n').count() + 1);
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            error(
                e.span().and_then(|s| line_of(s.start)),
                e.message().trim().to_string(),
            )
        })?;
        let mut settings = Settings {
            path: path.map(Path::to_path_buf),
            ..Settings::default()
        };

        for (name, table) in raw.rules {
            let line = line_of(table.span().start);
            let index = rules::index_of(&name).ok_or_else(|| {
                error(
                    line,
                    format!("unknown rule `{name}` in [rules] (see `sherpa rules` for the list)"),
                )
            })?;
            let rule = RULES[index];
            let mut table = table.into_inner();
            if let Some(value) = table.remove("severity") {
                match value.as_str() {
                    Some("off") => settings.rules[index].enabled = false,
                    Some(level) if Severity::parse(level).is_some() => {
                        settings.rules[index].enabled = true;
                        settings.rules[index].severity = Severity::parse(level).unwrap();
                    }
                    _ => {
                        return Err(error(
                            line,
                            format!(
                                "rules.{name}.severity: expected \"error\", \"warning\", \"info\", \"hint\" or \"off\", found {value}"
                            ),
                        ));
                    }
                }
            }
            settings.rules[index].options = (rule.parse_options)(table)
                .map_err(|message| error(line, format!("rules.{name}: {message}")))?;
        }

        let root = path.and_then(Path::parent).map(Path::to_path_buf);
        let build = |globs: &[String], key: &str| -> Result<Option<GlobSet>, ConfigError> {
            if globs.is_empty() {
                return Ok(None);
            }
            let mut builder = GlobSetBuilder::new();
            for glob in globs {
                let glob = Glob::new(glob).map_err(|e| error(None, format!("files.{key}: {e}")))?;
                builder.add(glob);
            }
            builder
                .build()
                .map(Some)
                .map_err(|e| error(None, format!("files.{key}: {e}")))
        };
        settings.files.include = build(&raw.files.include, "include")?;
        settings.files.exclude = build(&raw.files.exclude, "exclude")?;
        settings.files.root = root;
        if let Some(extensions) = raw.files.extensions {
            settings.files.extensions = extensions
                .into_iter()
                .map(|e| e.trim_start_matches('.').to_string())
                .collect();
        }
        if let Some(organizations) = raw.organizations {
            settings.organizations = organizations.into_inner();
            let names = NamesSettings::from_config_text(text)
                .map_err(|p| error(p.offset.and_then(line_of), p.message))?;
            settings.names = Arc::new(names);
        }
        Ok(settings)
    }

    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: Some(path.to_path_buf()),
            line: None,
            message: format!("cannot read configuration: {e}"),
        })?;
        Self::from_toml(&text, Some(path))
    }

    /// The nearest `sherpa.toml` or `.sherpa.toml` in `dir` or its ancestors.
    pub fn discover(dir: &Path) -> Option<PathBuf> {
        dir.ancestors().find_map(|d| {
            CONFIG_FILE_NAMES
                .iter()
                .map(|n| d.join(n))
                .find(|p| p.is_file())
        })
    }

    /// What the names rules read from `[organizations]`.
    pub fn names(&self) -> &Arc<NamesSettings> {
        &self.names
    }

    pub fn rule(&self, rule: &RuleMeta) -> &RuleSettings {
        let index = rules::index_of(rule.name).expect("rule is registered");
        &self.rules[index]
    }

    pub fn is_enabled(&self, rule: &RuleMeta) -> bool {
        self.rule(rule).enabled
    }

    pub fn severity(&self, rule: &RuleMeta) -> Severity {
        self.rule(rule).severity
    }

    pub fn options<T: 'static>(&self, rule: &RuleMeta) -> &T {
        self.rule(rule)
            .options
            .downcast_ref::<T>()
            .expect("options type matches the rule's declaration")
    }

    pub fn set_severity(&mut self, name: &str, severity: Option<Severity>) -> bool {
        let Some(index) = rules::index_of(name) else {
            return false;
        };
        match severity {
            Some(severity) => {
                self.rules[index].enabled = true;
                self.rules[index].severity = severity;
            }
            None => self.rules[index].enabled = false,
        }
        true
    }

    /// `--select`: only the named rules or families run (default-off rules named here run too).
    pub fn select(&mut self, names: &[String]) {
        for (index, rule) in RULES.iter().enumerate() {
            let named = names.iter().any(|n| matches_rule(n, rule));
            let explicitly = names.iter().any(|n| n == rule.name);
            self.rules[index].enabled = named && (self.rules[index].enabled || explicitly);
        }
    }

    /// `--ignore`: the named rules or families do not run.
    pub fn ignore(&mut self, names: &[String]) {
        for (index, rule) in RULES.iter().enumerate() {
            if names.iter().any(|n| matches_rule(n, rule)) {
                self.rules[index].enabled = false;
            }
        }
    }
}

/// Walk a folder the way every sherpa front end does: `.gitignore` (also outside a git
/// repository), `.sherpaignore`, hidden files skipped, paths in sorted order.
pub fn draft_walker(root: &Path) -> ignore::Walk {
    ignore::WalkBuilder::new(root)
        .add_custom_ignore_filename(".sherpaignore")
        .require_git(false)
        .sort_by_file_path(|a, b| a.cmp(b))
        .build()
}

fn matches_rule(name: &str, rule: &RuleMeta) -> bool {
    name == rule.name || name == rule.family.as_str() || name == "all"
}

/// Names accepted by `--select`/`--ignore`: rule names, family names and `all`.
pub fn is_known_selector(name: &str) -> bool {
    name == "all" || rules::find(name).is_some() || Family::ALL.iter().any(|f| f.as_str() == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::duplicate_paragraph;

    #[test]
    fn empty_config_gives_defaults() {
        let settings = Settings::from_toml("", None).unwrap();
        assert!(settings.is_enabled(&duplicate_paragraph::RULE));
        assert_eq!(
            settings
                .options::<duplicate_paragraph::Options>(&duplicate_paragraph::RULE)
                .min_words,
            6
        );
    }

    #[test]
    fn rule_severity_and_options_are_read() {
        let settings = Settings::from_toml(
            "[rules.duplicate-paragraph]\nseverity = \"error\"\nmin-words = 3\n",
            None,
        )
        .unwrap();
        assert_eq!(
            settings.severity(&duplicate_paragraph::RULE),
            Severity::Error
        );
        assert_eq!(
            settings
                .options::<duplicate_paragraph::Options>(&duplicate_paragraph::RULE)
                .min_words,
            3
        );
        let off =
            Settings::from_toml("[rules.duplicate-paragraph]\nseverity = \"off\"\n", None).unwrap();
        assert!(!off.is_enabled(&duplicate_paragraph::RULE));
    }

    #[test]
    fn unknown_keys_name_file_line_and_key() {
        let path = Path::new("drafts/sherpa.toml");
        let err = Settings::from_toml(
            "[files]\nextensions = [\"md\"]\n\n[rules.duplicate-paragraph]\nmin-word = 3\n",
            Some(path),
        )
        .unwrap_err();
        assert_eq!(err.line, Some(4));
        assert!(
            err.to_string()
                .starts_with("drafts/sherpa.toml:4: rules.duplicate-paragraph:"),
            "{err}"
        );
        assert!(err.message.contains("min-word"), "{err}");

        let err = Settings::from_toml("[colours]\nx = 1\n", Some(path)).unwrap_err();
        assert_eq!(err.line, Some(1));
        assert!(err.message.contains("colours"), "{err}");

        let err = Settings::from_toml("[rules.no-such-rule]\n", None).unwrap_err();
        assert!(err.message.contains("no-such-rule"));

        let err = Settings::from_toml("[rules.duplicate-paragraph]\nseverity = \"loud\"\n", None)
            .unwrap_err();
        assert!(err.message.contains("loud"));

        let err = Settings::from_toml("[rules.duplicate-paragraph]\nmin-words = \"six\"\n", None)
            .unwrap_err();
        assert!(
            err.to_string().contains("rules.duplicate-paragraph") && err.message.contains("six"),
            "{err}"
        );

        assert!(Settings::from_toml("this is = = not toml", None).is_err());
    }

    #[test]
    fn organizations_problems_name_file_line_and_key() {
        let path = Path::new("drafts/sherpa.toml");
        let err = Settings::from_toml(
            "[files]\nextensions = [\"md\"]\n\n[organizations]\nprefer = \"canonical\"\nwell_known = [\"X\"]\n",
            Some(path),
        )
        .unwrap_err();
        assert_eq!(err.line, Some(6), "{err}");
        assert!(
            err.to_string()
                .starts_with("drafts/sherpa.toml:6: organizations:"),
            "{err}"
        );
        assert!(err.message.contains("well_known"), "{err}");

        let settings = Settings::from_toml(
            "[organizations]\nprefer = \"majority\"\nwell-known = [\"CSTO\"]\n",
            None,
        )
        .unwrap();
        assert_eq!(settings.names().prefer, crate::names::Prefer::Majority);
        assert!(settings.names().is_well_known("CSTO", false));
    }

    #[test]
    fn include_and_exclude_globs_are_relative_to_the_config() {
        let settings = Settings::from_toml(
            "[files]\nexclude = [\"archive/**\"]\n",
            Some(Path::new("/w/sherpa.toml")),
        )
        .unwrap();
        assert!(!settings.files.is_included(Path::new("/w/archive/old.md")));
        assert!(settings.files.is_included(Path::new("/w/drafts/new.md")));
    }

    #[test]
    fn select_and_ignore_accept_families() {
        let mut settings = Settings::default();
        settings.ignore(&["duplicates".to_string()]);
        assert!(!settings.is_enabled(&duplicate_paragraph::RULE));
        settings.select(&["duplicate-paragraph".to_string()]);
        assert!(settings.is_enabled(&duplicate_paragraph::RULE));
        assert!(is_known_selector("clauses") && !is_known_selector("nope"));
    }
}
