//! Single-thread throughput of the lint pipeline over a folder of drafts, per rule, per family
//! and with every default rule on: the quick companion of `benches/pipeline.rs`, and the program
//! to run under a profiler.
//!
//! ```text
//! cargo run --release --example throughput                 # ../shared/corpus, 2 s per row
//! cargo run --release --example throughput -- --only all  # one row: every default rule
//! perf record -g target/release/examples/throughput --only all --seconds 10
//! ```

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sherpa::rules::{Family, RULES};
use sherpa::{Document, DocumentKind, Settings, lint};

fn main() {
    let mut root = std::env::var_os("SHERPA_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let mut only: Option<String> = None;
    let mut seconds = 2.0f64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--only" => only = args.next(),
            "--seconds" => seconds = args.next().and_then(|s| s.parse().ok()).unwrap_or(2.0),
            _ => root = PathBuf::from(arg),
        }
    }
    let mut files = Vec::new();
    for entry in sherpa::config::draft_walker(&root).flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "txt" || e == "md")
            && !path.file_stem().is_some_and(|s| {
                s.to_string_lossy()
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '-')
            })
            && let Ok(text) = std::fs::read_to_string(path)
        {
            files.push((DocumentKind::from_path(path), text));
        }
    }
    if files.is_empty() {
        eprintln!("no drafts under {}: nothing to measure", root.display());
        return;
    }
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    println!(
        "{} files, {:.2} MB, single thread, {seconds} s per row",
        files.len(),
        bytes as f64 / 1e6
    );

    let mut rows: Vec<(String, Vec<String>)> = vec![("all".into(), vec!["all".into()])];
    rows.push(("(document only)".into(), vec![]));
    for family in Family::ALL {
        rows.push((family.as_str().into(), vec![family.as_str().into()]));
    }
    for rule in RULES {
        rows.push((rule.name.into(), vec![rule.name.into()]));
    }
    for (label, select) in rows {
        if only.as_deref().is_some_and(|o| o != label) {
            continue;
        }
        let mut settings = Settings::default();
        settings.select(&select);
        let budget = Duration::from_secs_f64(seconds);
        let start = Instant::now();
        let mut rounds = 0u32;
        let mut findings = 0;
        while start.elapsed() < budget || rounds == 0 {
            findings = 0;
            for (kind, text) in &files {
                let doc = Document::new(text.as_str(), *kind);
                findings += lint(&doc, &settings).len();
            }
            rounds += 1;
        }
        let per_round = start.elapsed().as_secs_f64() / rounds as f64;
        println!(
            "{label:<28} {:>8.1} MB/s {:>8.2} ms/corpus {findings:>6} findings",
            bytes as f64 / 1e6 / per_round,
            per_round * 1e3
        );
    }
}
