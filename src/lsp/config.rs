//! What the editor tells the server (`initializationOptions`, `workspace/didChangeConfiguration`)
//! and the resolved [`Settings`] of each draft (`sherpa.toml` found from its folder, then the
//! editor's rule severities on top).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::config::Settings;
use crate::diagnostic::Severity;
use crate::rules;

pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(100);
/// Longer than this is surely a mistake (milliseconds given as seconds × 1000 × 1000…).
const MAX_DEBOUNCE: Duration = Duration::from_secs(10);

/// Which drafts the cross-draft rules compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrossDraftScope {
    Off,
    /// The drafts open in the editor (default).
    Open,
    /// The open drafts and the other drafts of the workspace folders, read from disk.
    Workspace,
}

/// The editor's settings for sherpa.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientConfig {
    pub debounce: Duration,
    pub cross_draft: CrossDraftScope,
    /// Rule severities over those of `sherpa.toml`; `None` switches a rule off.
    pub rules: BTreeMap<String, Option<Severity>>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            debounce: DEFAULT_DEBOUNCE,
            cross_draft: CrossDraftScope::Open,
            rules: BTreeMap::new(),
        }
    }
}

impl ClientConfig {
    /// Reads the editor's settings: the sherpa object itself or an object holding it under
    /// `sherpa`. Keys missing take their defaults. `None` when `value` holds no sherpa
    /// settings at all (clients send `null` to mean "ask me"); otherwise the problems found,
    /// each skipped.
    ///
    /// ```json
    /// {"debounceMs": 100, "crossDraft": "open", "rules": {"duplicate-paragraph": "error"}}
    /// ```
    pub fn from_json(value: &Value) -> Option<(Self, Vec<String>)> {
        let object = match value.get("sherpa") {
            Some(inner) => inner.as_object()?,
            None => value
                .as_object()
                .filter(|o| KEYS.iter().any(|k| o.contains_key(*k)))?,
        };
        let mut config = ClientConfig::default();
        let mut problems = Vec::new();
        for (key, value) in object {
            match key.as_str() {
                "debounceMs" => match value.as_u64().map(Duration::from_millis) {
                    Some(d) if d <= MAX_DEBOUNCE => config.debounce = d,
                    _ => problems.push(format!(
                        "debounceMs: expected milliseconds between 0 and {}, found {value}",
                        MAX_DEBOUNCE.as_millis()
                    )),
                },
                "crossDraft" => {
                    let scope = value.get("scope").unwrap_or(value);
                    match scope.as_str() {
                        Some("off") => config.cross_draft = CrossDraftScope::Off,
                        Some("open") => config.cross_draft = CrossDraftScope::Open,
                        Some("workspace") => config.cross_draft = CrossDraftScope::Workspace,
                        _ => problems.push(format!(
                            "crossDraft: expected \"off\", \"open\" or \"workspace\", found {value}"
                        )),
                    }
                }
                "rules" => match value.as_object() {
                    Some(rules) => {
                        for (name, value) in rules {
                            match parse_rule(name, value) {
                                Ok(severity) => {
                                    config.rules.insert(name.clone(), severity);
                                }
                                Err(problem) => problems.push(problem),
                            }
                        }
                    }
                    None => problems.push(format!("rules: expected an object, found {value}")),
                },
                // Clients pass their own keys along (trace level, server path): not ours.
                "trace" | "path" | "serverPath" | "enable" => {}
                other => problems.push(format!("unknown setting `{other}`")),
            }
        }
        Some((config, problems))
    }
}

const KEYS: [&str; 3] = ["debounceMs", "crossDraft", "rules"];

fn parse_rule(name: &str, value: &Value) -> Result<Option<Severity>, String> {
    if rules::find(name).is_none() {
        return Err(format!(
            "rules.{name}: unknown rule (see `sherpa rules` for the list)"
        ));
    }
    let level = value.get("severity").unwrap_or(value);
    match level.as_str() {
        Some("off") => Ok(None),
        Some(text) if Severity::parse(text).is_some() => Ok(Severity::parse(text)),
        _ => Err(format!(
            "rules.{name}: expected \"error\", \"warning\", \"info\", \"hint\" or \"off\", found {value}"
        )),
    }
}

/// Settings per folder: the nearest `sherpa.toml`, then the editor's severities.
#[derive(Default)]
pub struct SettingsResolver {
    by_dir: HashMap<PathBuf, Arc<Settings>>,
    /// Folders as given → canonical: a lint job looks its folder up without asking the file
    /// system every time.
    canonical: HashMap<PathBuf, PathBuf>,
    without_dir: Option<Arc<Settings>>,
    overrides: BTreeMap<String, Option<Severity>>,
    /// Configuration errors already shown, so each is shown once.
    reported: HashSet<String>,
}

impl SettingsResolver {
    /// Forgets every resolved configuration (a `sherpa.toml` or the editor's settings changed).
    pub fn reset(&mut self, overrides: BTreeMap<String, Option<Severity>>) {
        self.by_dir.clear();
        self.canonical.clear();
        self.without_dir = None;
        self.overrides = overrides;
        self.reported.clear();
    }

    /// Settings for a draft in `dir` (`None` for an unsaved draft outside any folder), and a
    /// configuration error to show the user the first time it is met. A broken `sherpa.toml`
    /// is reported, and the defaults apply meanwhile.
    pub fn settings_for(&mut self, dir: Option<&Path>) -> (Arc<Settings>, Option<String>) {
        let dir = dir.map(|d| {
            self.canonical
                .entry(d.to_path_buf())
                .or_insert_with(|| std::fs::canonicalize(d).unwrap_or_else(|_| d.to_path_buf()))
                .clone()
        });
        let cached = match &dir {
            Some(dir) => self.by_dir.get(dir),
            None => self.without_dir.as_ref(),
        };
        if let Some(settings) = cached {
            return (settings.clone(), None);
        }
        let (mut settings, error) = match dir.as_deref().and_then(Settings::discover) {
            Some(path) => match Settings::load(&path) {
                Ok(settings) => (settings, None),
                Err(e) => (
                    Settings::default(),
                    Some(format!("{e}; using the defaults")),
                ),
            },
            None => (Settings::default(), None),
        };
        for (name, severity) in &self.overrides {
            settings.set_severity(name, *severity);
        }
        let settings = Arc::new(settings);
        match dir {
            Some(dir) => {
                self.by_dir.insert(dir, settings.clone());
            }
            None => self.without_dir = Some(settings.clone()),
        }
        let error = error.filter(|e| self.reported.insert(e.clone()));
        (settings, error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::duplicate_paragraph;
    use serde_json::json;

    #[test]
    fn editor_settings_are_read_from_either_shape() {
        let inner = json!({"debounceMs": 250, "crossDraft": {"scope": "workspace"},
                           "rules": {"duplicate-paragraph": {"severity": "error"}}});
        for value in [inner.clone(), json!({ "sherpa": inner })] {
            let (config, problems) = ClientConfig::from_json(&value).unwrap();
            assert!(problems.is_empty(), "{problems:?}");
            assert_eq!(config.debounce, Duration::from_millis(250));
            assert_eq!(config.cross_draft, CrossDraftScope::Workspace);
            assert_eq!(config.rules["duplicate-paragraph"], Some(Severity::Error));
        }
        assert!(ClientConfig::from_json(&Value::Null).is_none());
        assert!(ClientConfig::from_json(&json!({"other-tool": {}})).is_none());
        let (config, _) = ClientConfig::from_json(&json!({"sherpa": {}})).unwrap();
        assert_eq!(config, ClientConfig::default());
    }

    #[test]
    fn bad_editor_settings_are_reported_and_skipped() {
        let (config, problems) = ClientConfig::from_json(&json!({
            "debounceMs": -3, "crossDraft": "everywhere", "colour": 1,
            "rules": {"no-such-rule": "error", "duplicate-paragraph": "loud"}
        }))
        .unwrap();
        assert_eq!(config, ClientConfig::default());
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("no-such-rule")));
    }

    #[test]
    fn sherpa_toml_is_found_and_editor_severities_apply_on_top() {
        let dir = tempfile::tempdir().unwrap();
        let drafts = dir.path().join("drafts");
        std::fs::create_dir(&drafts).unwrap();
        std::fs::write(
            dir.path().join("sherpa.toml"),
            "[rules.duplicate-paragraph]\nseverity = \"info\"\n",
        )
        .unwrap();
        let mut resolver = SettingsResolver::default();
        let (settings, error) = resolver.settings_for(Some(&drafts));
        assert!(error.is_none());
        assert_eq!(
            settings.severity(&duplicate_paragraph::RULE),
            Severity::Info
        );
        resolver.reset(BTreeMap::from([("duplicate-paragraph".to_string(), None)]));
        let (settings, _) = resolver.settings_for(Some(&drafts));
        assert!(!settings.is_enabled(&duplicate_paragraph::RULE));
    }

    #[test]
    fn a_broken_sherpa_toml_is_reported_once_and_defaults_apply() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("sherpa.toml"), "[rules.nope]\n").unwrap();
        let mut resolver = SettingsResolver::default();
        let (settings, error) = resolver.settings_for(Some(dir.path()));
        let error = error.unwrap();
        assert!(
            error.contains("sherpa.toml:1") && error.contains("nope"),
            "{error}"
        );
        assert!(settings.is_enabled(&duplicate_paragraph::RULE));
        assert!(resolver.settings_for(Some(dir.path())).1.is_none());
    }
}
