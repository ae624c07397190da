//! Noise review for the names rules: findings per rule per 10,000 words over a folder of drafts
//! (default `../shared/corpus`), and with `--show RULE` every finding of that rule.
//!
//! ```text
//! cargo run --release --example names_stats -- [DIR] [--show RULE]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sherpa::rules::{Family, RULES};
use sherpa::text::word_count;
use sherpa::{Document, DocumentKind, Settings, TextRange, lint};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let mut show: Option<String> = None;
    while let Some(arg) = args.next() {
        if arg == "--show" {
            show = args.next();
        } else {
            dir = PathBuf::from(arg);
        }
    }
    let mut files = Vec::new();
    collect(&dir, &mut files);
    files.sort();
    let settings = Settings::default();
    let mut words = 0usize;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut files_with: BTreeMap<&str, usize> = BTreeMap::new();
    for path in &files {
        let Ok(source) = std::fs::read_to_string(path) else {
            continue;
        };
        let doc = Document::new(source, DocumentKind::from_path(path));
        words += word_count(doc.text(), TextRange::new(0, doc.text().len()));
        let found = lint(&doc, &settings);
        let mut seen_here: Vec<&str> = Vec::new();
        for d in &found {
            *counts.entry(d.rule).or_default() += 1;
            if !seen_here.contains(&d.rule) {
                seen_here.push(d.rule);
                *files_with.entry(d.rule).or_default() += 1;
            }
            if show.as_deref() == Some(d.rule) {
                let relative = path.strip_prefix(&dir).unwrap_or(path);
                let line_start = doc.lines().line_start(doc.lines().line_of(d.span.start));
                let context_start = floor(
                    doc.source(),
                    d.span.start.saturating_sub(60).max(line_start),
                );
                let context_end = ceil(doc.source(), (d.span.end + 40).min(doc.source().len()));
                let context = doc.source()[context_start..context_end].replace('\n', " ⏎ ");
                println!(
                    "{}:{}: {}\n    …{}…",
                    relative.display(),
                    doc.line_number(d.span.start),
                    d.message,
                    context
                );
            }
        }
    }
    println!(
        "{} files, {} words; findings per 10,000 words (files with findings):",
        files.len(),
        words
    );
    for rule in RULES.iter().filter(|r| r.family == Family::Names) {
        let n = counts.get(rule.name).copied().unwrap_or(0);
        println!(
            "  {:28} {:6} findings  {:7.2} /10k words  ({} files)",
            rule.name,
            n,
            n as f64 * 10_000.0 / words.max(1) as f64,
            files_with.get(rule.name).copied().unwrap_or(0)
        );
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "txt") {
            out.push(path);
        }
    }
}

fn floor(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}
