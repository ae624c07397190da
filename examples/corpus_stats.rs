//! Findings per rule over a folder of real drafts, for noise reviews.
//!
//! ```text
//! cargo run --example corpus_stats                    # ../shared/corpus, every rule on
//! cargo run --example corpus_stats -- --show unbalanced-delimiter,enumeration-gap
//! cargo run --example corpus_stats -- --defaults --exclude seed path/to/drafts
//! ```
//!
//! Every rule runs (default-off rules included) unless `--defaults` is given. The table gives,
//! per rule, the findings, the files they are in and the rate per 10,000 words, overall and per
//! top-level folder (files named in capitals, such as `PROVENANCE.md`, are skipped as notes
//! about the corpus). `--show RULES` prints each finding of those rules (comma-separated names,
//! family names or `all`) with its line and the text around it, to be read by a human.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use sherpa::rules::{RULES, WorkspaceDoc};
use sherpa::text::word_count;
use sherpa::{Document, DocumentKind, Settings, TextRange, lint_workspace};

struct Args {
    root: PathBuf,
    show: Vec<String>,
    defaults: bool,
    exclude: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        root: std::env::var_os("SHERPA_CORPUS")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")),
        show: Vec::new(),
        defaults: false,
        exclude: Vec::new(),
    };
    let mut raw = std::env::args().skip(1);
    while let Some(arg) = raw.next() {
        match arg.as_str() {
            "--show" => {
                let value = raw.next().ok_or("--show needs rule names")?;
                args.show.extend(value.split(',').map(str::to_string));
            }
            "--exclude" => {
                let value = raw.next().ok_or("--exclude needs a path fragment")?;
                args.exclude.push(value);
            }
            "--defaults" => args.defaults = true,
            "-h" | "--help" => {
                return Err(
                    "usage: corpus_stats [--show RULES] [--defaults] [--exclude FRAGMENT] [DIR]"
                        .into(),
                );
            }
            _ if arg.starts_with('-') => return Err(format!("unknown option {arg}")),
            _ => args.root = PathBuf::from(arg),
        }
    }
    Ok(args)
}

fn drafts(root: &Path, exclude: &[String]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "txt" || e == "md" || e == "markdown")
                && !is_corpus_documentation(&path)
            {
                files.push(path);
            }
        }
    }
    files.retain(|p| {
        !exclude
            .iter()
            .any(|x| p.to_string_lossy().contains(x.as_str()))
    });
    files.sort();
    files
}

/// `PROVENANCE.md`, `README.md`: notes about a corpus, not drafts.
fn is_corpus_documentation(path: &Path) -> bool {
    path.file_stem()
        .and_then(|s| s.to_str())
        .is_some_and(|stem| {
            stem.chars()
                .all(|c| c.is_ascii_uppercase() || c == '_' || c == '-')
        })
}

fn selected(name: &str, show: &[String]) -> bool {
    let family = RULES
        .iter()
        .find(|r| r.name == name)
        .map(|r| r.family.as_str());
    show.iter()
        .any(|s| s == name || s == "all" || Some(s.as_str()) == family)
}

/// The line around a finding, with the finding between ⟦ ⟧ and long lines cut to ~160 chars.
fn excerpt(text: &str, span: TextRange) -> String {
    let line_start = text[..span.start].rfind('\n').map_or(0, |p| p + 1);
    let line_end = text[span.end..]
        .find('\n')
        .map_or(text.len(), |p| span.end + p);
    let mut from = line_start;
    while span.start - from > 90 {
        from += text[from..].chars().next().map_or(1, char::len_utf8);
    }
    let mut to = line_end.max(span.end);
    while to - span.end > 70 {
        to -= text[..to].chars().next_back().map_or(1, char::len_utf8);
    }
    let end = span.end.min(to);
    format!(
        "{}{}⟦{}⟧{}{}",
        if from > line_start { "…" } else { "" },
        &text[from..span.start],
        &text[span.start..end],
        &text[end..to],
        if to < line_end { "…" } else { "" }
    )
}

fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let files = drafts(&args.root, &args.exclude);
    if files.is_empty() {
        eprintln!("no .txt or .md drafts under {}", args.root.display());
        std::process::exit(2);
    }
    let mut settings = Settings::default();
    if !args.defaults {
        for rule in RULES {
            settings.set_severity(rule.name, Some(rule.default_severity));
        }
    }
    let docs: Vec<(PathBuf, Document)> = files
        .par_iter()
        .filter_map(|path| {
            let source = std::fs::read_to_string(path).ok()?;
            Some((
                path.clone(),
                Document::new(source, DocumentKind::from_path(path)),
            ))
        })
        .collect();
    let workspace: Vec<WorkspaceDoc<'_>> = docs
        .iter()
        .map(|(path, doc)| WorkspaceDoc {
            path: Arc::from(path.to_string_lossy().as_ref()),
            doc,
            settings: &settings,
        })
        .collect();
    let results = lint_workspace(&workspace);

    let folder_of = |path: &Path| {
        path.strip_prefix(&args.root)
            .ok()
            .and_then(|p| p.components().next())
            .filter(|_| path.parent() != Some(args.root.as_path()))
            .map_or_else(
                || ".".to_string(),
                |c| c.as_os_str().to_string_lossy().into_owned(),
            )
    };
    let mut words_by_folder: BTreeMap<String, usize> = BTreeMap::new();
    let mut total_words = 0usize;
    // rule → folder → (findings, files)
    let mut counts: BTreeMap<&str, BTreeMap<String, (usize, usize)>> = BTreeMap::new();
    for rule in RULES {
        counts.insert(rule.name, BTreeMap::new());
    }
    for ((path, doc), found) in docs.iter().zip(&results) {
        let words = word_count(doc.text(), TextRange::new(0, doc.text().len()));
        total_words += words;
        let folder = folder_of(path);
        *words_by_folder.entry(folder.clone()).or_default() += words;
        let mut seen_rules: Vec<&str> = Vec::new();
        for diagnostic in found {
            let entry = counts
                .entry(diagnostic.rule)
                .or_default()
                .entry(folder.clone())
                .or_default();
            entry.0 += 1;
            if !seen_rules.contains(&diagnostic.rule) {
                seen_rules.push(diagnostic.rule);
                entry.1 += 1;
            }
            if selected(diagnostic.rule, &args.show) {
                let relative = path.strip_prefix(&args.root).unwrap_or(path);
                println!(
                    "{}:{}: [{}] {}\n    {}",
                    relative.display(),
                    doc.line_number(diagnostic.span.start),
                    diagnostic.rule,
                    diagnostic.message,
                    excerpt(doc.source(), diagnostic.span)
                );
            }
        }
    }

    let per_10k = |n: usize, words: usize| n as f64 * 10_000.0 / words.max(1) as f64;
    println!(
        "\n{} drafts, {} words under {}",
        docs.len(),
        total_words,
        args.root.display()
    );
    println!(
        "{:<32} {:>8} {:>6} {:>9}   per folder (findings, per 10k words)",
        "rule", "findings", "files", "per 10k"
    );
    for (rule, folders) in &counts {
        let findings: usize = folders.values().map(|v| v.0).sum();
        let files: usize = folders.values().map(|v| v.1).sum();
        let breakdown: Vec<String> = folders
            .iter()
            .map(|(folder, (n, _))| {
                format!(
                    "{folder}: {n} ({:.2})",
                    per_10k(*n, words_by_folder[folder])
                )
            })
            .collect();
        println!(
            "{rule:<32} {findings:>8} {files:>6} {:>9.2}   {}",
            per_10k(findings, total_words),
            breakdown.join(", ")
        );
    }
}
