//! Drafts of the workspace folders that are not open in the editor, read from disk for the
//! cross-draft rules (`crossDraft: "workspace"`), and the names drafts go by.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use tower_lsp_server::ls_types::Uri;

use crate::config::Settings;
use crate::document::{Document, DocumentKind};

/// More files than this in the workspace folders: the scan stops there (and says so).
pub const MAX_FILES: usize = 5_000;
/// Larger files are left out of the scan.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

pub struct ScannedDraft {
    pub path: PathBuf,
    pub uri: Uri,
    pub name: Arc<str>,
    pub doc: Arc<Document>,
    pub settings: Arc<Settings>,
}

/// What a draft is called in findings of other drafts: its path relative to the workspace
/// folder holding it, its absolute path, or (unsaved drafts) its URI.
pub fn draft_name(uri: &Uri, path: Option<&Path>, roots: &[PathBuf]) -> Arc<str> {
    match path {
        Some(path) => roots
            .iter()
            .find_map(|root| path.strip_prefix(root).ok())
            .unwrap_or(path)
            .to_string_lossy()
            .into(),
        None => uri.as_str().into(),
    }
}

/// The file path of a `file:` URI.
pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    if !uri.scheme().as_str().eq_ignore_ascii_case("file") {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned())
}

/// Markdown for the `markdown` language and Markdown file names, plain text otherwise.
pub fn draft_kind(language_id: &str, path: Option<&Path>, uri: &Uri) -> DocumentKind {
    if language_id.eq_ignore_ascii_case("markdown") {
        return DocumentKind::Markdown;
    }
    match path {
        Some(path) => DocumentKind::from_path(path),
        None => DocumentKind::from_path(Path::new(uri.path().as_str())),
    }
}

/// Reads every draft of the workspace folders (as `sherpa check` would pick them: `.gitignore`,
/// `.sherpaignore`, extensions and include/exclude globs of the nearest `sherpa.toml`).
/// Returns the drafts and notes for the log (files skipped, limits reached).
/// `settings_for` gives the settings of a folder (the caller's resolver, locked only for that).
pub fn scan(
    roots: &[PathBuf],
    mut settings_for: impl FnMut(Option<&Path>) -> Arc<Settings>,
) -> (Vec<Arc<ScannedDraft>>, Vec<String>) {
    let mut notes = Vec::new();
    let mut candidates: Vec<(PathBuf, Arc<Settings>)> = Vec::new();
    'roots: for root in roots {
        for entry in crate::config::draft_walker(root) {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    notes.push(e.to_string());
                    continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let path = entry.path();
            let settings = settings_for(path.parent());
            if !settings.files.has_lintable_extension(path) || !settings.files.is_included(path) {
                continue;
            }
            if entry.metadata().is_ok_and(|m| m.len() > MAX_FILE_BYTES) {
                notes.push(format!(
                    "{}: larger than {} MB, left out of the workspace scan",
                    path.display(),
                    MAX_FILE_BYTES / (1024 * 1024)
                ));
                continue;
            }
            if candidates.len() == MAX_FILES {
                notes.push(format!(
                    "workspace scan stopped after {MAX_FILES} files; cross-draft findings cover those"
                ));
                break 'roots;
            }
            candidates.push((path.to_path_buf(), settings));
        }
    }
    let read: Vec<Result<Arc<ScannedDraft>, String>> = candidates
        .into_par_iter()
        .map(|(path, settings)| read_draft(&path, settings, roots))
        .collect();
    let mut drafts = Vec::new();
    for result in read {
        match result {
            Ok(draft) => drafts.push(draft),
            Err(note) => notes.push(note),
        }
    }
    (drafts, notes)
}

/// Reads one draft from disk (after a watched-file change, or during a scan).
pub fn read_draft(
    path: &Path,
    settings: Arc<Settings>,
    roots: &[PathBuf],
) -> Result<Arc<ScannedDraft>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if memchr::memchr(0, &bytes).is_some() {
        return Err(format!("{}: contains NUL bytes, skipped", path.display()));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("{}: not valid UTF-8, skipped", path.display()))?;
    let uri = Uri::from_file_path(path)
        .ok_or_else(|| format!("{}: cannot be named by a URI", path.display()))?;
    Ok(Arc::new(ScannedDraft {
        name: draft_name(&uri, Some(path), roots),
        uri,
        path: path.to_path_buf(),
        doc: Arc::new(Document::new(text, DocumentKind::from_path(path))),
        settings,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lsp::config::SettingsResolver;

    #[test]
    fn drafts_are_named_relative_to_their_workspace_folder() {
        let roots = [PathBuf::from("/w/one"), PathBuf::from("/w/two")];
        let uri: Uri = "file:///w/two/drafts/a.md".parse().unwrap();
        let path = file_path(&uri).unwrap();
        assert_eq!(&*draft_name(&uri, Some(&path), &roots), "drafts/a.md");
        let outside: Uri = "file:///elsewhere/b.txt".parse().unwrap();
        let path = file_path(&outside).unwrap();
        assert_eq!(
            &*draft_name(&outside, Some(&path), &roots),
            "/elsewhere/b.txt"
        );
        let untitled: Uri = "untitled:Untitled-1".parse().unwrap();
        assert!(file_path(&untitled).is_none());
        assert_eq!(&*draft_name(&untitled, None, &roots), "untitled:Untitled-1");
    }

    #[test]
    fn kind_follows_language_then_extension() {
        let uri: Uri = "file:///w/a.txt".parse().unwrap();
        let path = file_path(&uri).unwrap();
        assert_eq!(
            draft_kind("markdown", Some(&path), &uri),
            DocumentKind::Markdown
        );
        assert_eq!(
            draft_kind("plaintext", Some(&path), &uri),
            DocumentKind::Plain
        );
        let md: Uri = "untitled:notes.md".parse().unwrap();
        assert_eq!(draft_kind("", None, &md), DocumentKind::Markdown);
    }

    #[test]
    fn scan_reads_lintable_drafts_and_honours_ignore_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        std::fs::write(root.join("a.md"), "First draft paragraph here.\n").unwrap();
        std::fs::write(root.join("b.txt"), "Second draft.\n").unwrap();
        std::fs::write(root.join("c.rs"), "fn main() {}\n").unwrap();
        std::fs::write(root.join("bad.txt"), [0xff, 0xfe]).unwrap();
        std::fs::create_dir(root.join("old")).unwrap();
        std::fs::write(root.join("old/d.md"), "Archived.\n").unwrap();
        std::fs::write(root.join(".sherpaignore"), "old/\n").unwrap();
        let mut resolver = SettingsResolver::default();
        let (drafts, notes) = scan(std::slice::from_ref(&root), |dir| {
            resolver.settings_for(dir).0
        });
        let names: Vec<&str> = drafts.iter().map(|d| &*d.name).collect();
        assert_eq!(names, ["a.md", "b.txt"]);
        assert!(notes.iter().any(|n| n.contains("bad.txt")), "{notes:?}");
        assert_eq!(drafts[0].doc.kind(), DocumentKind::Markdown);
    }
}
