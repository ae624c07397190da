//! One `Settings` per configuration file, found by walking up from each linted file and cached
//! per folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::config::{ConfigError, Settings};

/// Command-line adjustments applied on top of every configuration.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

pub struct ConfigResolver {
    fixed: Option<Arc<Settings>>,
    overrides: Overrides,
    by_dir: Mutex<HashMap<PathBuf, Result<Arc<Settings>, ConfigError>>>,
    default: Arc<Settings>,
}

impl ConfigResolver {
    /// `explicit` is `--config PATH`: when given it applies to every file.
    pub fn new(explicit: Option<&Path>, overrides: Overrides) -> Result<Self, ConfigError> {
        let fixed = match explicit {
            Some(path) => Some(Arc::new(Self::adjust(Settings::load(path)?, &overrides))),
            None => None,
        };
        let default = Arc::new(Self::adjust(Settings::default(), &overrides));
        Ok(Self {
            fixed,
            overrides,
            by_dir: Mutex::new(HashMap::new()),
            default,
        })
    }

    fn adjust(mut settings: Settings, overrides: &Overrides) -> Settings {
        if !overrides.select.is_empty() {
            settings.select(&overrides.select);
        }
        settings.ignore(&overrides.ignore);
        settings
    }

    pub fn settings_for(&self, file: &Path) -> Result<Arc<Settings>, ConfigError> {
        if let Some(fixed) = &self.fixed {
            return Ok(fixed.clone());
        }
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
        let mut cache = self.by_dir.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = cache.get(&dir) {
            return found.clone();
        }
        let resolved = match Settings::discover(&dir) {
            Some(path) => Settings::load(&path).map(|s| Arc::new(Self::adjust(s, &self.overrides))),
            None => Ok(self.default.clone()),
        };
        cache.insert(dir, resolved.clone());
        resolved
    }
}
