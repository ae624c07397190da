//! Which files a `sherpa check` run lints: explicit files always, directories walked with the
//! `ignore` crate (`.gitignore`, `.sherpaignore`, hidden files skipped) and filtered by extension
//! and the include/exclude globs of the nearest configuration.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::configs::ConfigResolver;

pub struct Walked {
    pub files: Vec<PathBuf>,
    /// Paths that do not exist or could not be walked: message per path.
    pub errors: Vec<String>,
}

pub fn collect(paths: &[PathBuf], configs: &ConfigResolver) -> Walked {
    let mut files = BTreeSet::new();
    let mut errors = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Err(e) => errors.push(format!("{}: {}", path.display(), io_message(&e))),
            Ok(meta) if meta.is_file() => {
                files.insert(path.clone());
            }
            Ok(_) => walk_dir(path, configs, &mut files, &mut errors),
        }
    }
    Walked {
        files: files.into_iter().collect(),
        errors,
    }
}

fn walk_dir(
    root: &Path,
    configs: &ConfigResolver,
    files: &mut BTreeSet<PathBuf>,
    errors: &mut Vec<String>,
) {
    for entry in crate::config::draft_walker(root) {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                errors.push(e.to_string());
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        // A broken configuration is reported when the file is linted; here it only filters.
        let keep = match configs.settings_for(path) {
            Ok(settings) => {
                settings.files.has_lintable_extension(path) && settings.files.is_included(path)
            }
            Err(_) => crate::config::FileSettings::default().has_lintable_extension(path),
        };
        if keep {
            files.insert(path.to_path_buf());
        }
    }
}

pub fn io_message(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    }
}
