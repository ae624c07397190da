//! Report writers: the time each `--format` takes to write a report that is already linted.
//!
//! Two reports: the whole corpus with the seed draft (few findings, much text: what a CI run
//! over a folder of drafts looks like), and a dense one made of the seed draft's own paragraphs
//! repeated in a fixed shuffled order (about 2 MB and one finding per paragraph), which is the
//! worst case for writers that do work per finding. Throughput is in bytes of drafts.
//!
//! Run: `cargo bench --bench formats`. Without `../shared/corpus` (or `SHERPA_CORPUS`) only the
//! dense report is measured.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sherpa::cli::output::{self, FileResult, OutputFormat, Report};
use sherpa::{Document, DocumentKind, Settings, lint};

const FORMATS: [(&str, OutputFormat); 8] = [
    ("text", OutputFormat::Text),
    ("json", OutputFormat::Json),
    ("github", OutputFormat::Github),
    ("sarif", OutputFormat::Sarif),
    ("junit", OutputFormat::Junit),
    ("rdjson", OutputFormat::Rdjson),
    ("gitlab", OutputFormat::Gitlab),
    ("html", OutputFormat::Html),
];

fn linted(files: Vec<(String, String)>) -> Report {
    let settings = Settings::default();
    let results: Vec<FileResult> = files
        .into_iter()
        .map(|(path, text)| {
            let doc = Document::new(text, DocumentKind::from_path(path.as_ref()));
            let diagnostics = lint(&doc, &settings);
            FileResult::new(Arc::from(path), &doc, diagnostics)
        })
        .collect();
    let count = results.len();
    Report::new(results, count)
}

fn seed() -> String {
    std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed.txt"),
    )
    .expect("seed draft")
}

fn corpus_report() -> Option<Report> {
    let dir = std::env::var_os("SHERPA_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    if !dir.is_dir() {
        eprintln!(
            "corpus not found at {}: corpus report not measured",
            dir.display()
        );
        return None;
    }
    let mut files = vec![("seed.txt".to_string(), seed())];
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).ok()?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "txt") {
                files.push((
                    path.display().to_string(),
                    std::fs::read_to_string(&path).ok()?,
                ));
            }
        }
    }
    files.sort();
    Some(linted(files))
}

/// The seed draft's paragraphs, 6,000 of them in an order fixed by a small LCG.
fn dense_report() -> Report {
    let seed = seed();
    let paragraphs: Vec<&str> = seed.lines().filter(|l| l.len() > 80).collect();
    let mut state: u64 = 0x5eed;
    let mut text = String::new();
    for _ in 0..6_000 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        text.push_str(paragraphs[(state >> 33) as usize % paragraphs.len()]);
        text.push_str("\n\n");
    }
    linted(vec![("dense.txt".to_string(), text)])
}

fn bench_report(c: &mut Criterion, name: &str, report: &Report) {
    let bytes: usize = report.files.iter().map(|f| f.doc.len()).sum();
    eprintln!(
        "{name}: {} files, {:.1} MB, {} findings",
        report.files.len(),
        bytes as f64 / 1e6,
        report.finding_count()
    );
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(bytes as u64));
    group.measurement_time(Duration::from_secs(4));
    group.sample_size(20);
    let mut out = Vec::with_capacity(32 << 20);
    for (format, value) in FORMATS {
        group.bench_function(format, |b| {
            b.iter(|| {
                out.clear();
                output::write(value, report, &mut out, false).expect("written to memory");
                out.len()
            })
        });
    }
    group.finish();
}

fn formats(c: &mut Criterion) {
    if let Some(report) = corpus_report() {
        bench_report(c, "formats_corpus", &report);
    }
    bench_report(c, "formats_dense", &dense_report());
}

criterion_group!(benches, formats);
criterion_main!(benches);
