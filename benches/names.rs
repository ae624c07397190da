//! Whole-pipeline throughput (parse + every rule) over the real corpus, with and without the
//! names family, so the cost of the names checks is visible:
//!
//! ```text
//! cargo bench --bench names
//! ```
//!
//! The corpus is read from `SHERPA_CORPUS` or `../shared/corpus`; without it, from the copies in
//! `tests/fixtures/corpus`.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sherpa::{Document, DocumentKind, Settings, lint};

fn corpus() -> Vec<String> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::var_os("SHERPA_CORPUS")
        .map(PathBuf::from)
        .filter(|d| d.is_dir())
        .or_else(|| Some(manifest.join("../shared/corpus")).filter(|d| d.is_dir()))
        .unwrap_or_else(|| manifest.join("tests/fixtures/corpus"));
    let mut files = Vec::new();
    collect(&dir, &mut files);
    files.sort();
    eprintln!("names bench: {} files from {}", files.len(), dir.display());
    files
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "txt") {
            out.push(path);
        }
    }
}

fn pipeline(texts: &[String], settings: &Settings) -> usize {
    texts
        .iter()
        .map(|text| {
            let doc = Document::new(text.as_str(), DocumentKind::Plain);
            lint(&doc, settings).len()
        })
        .sum()
}

fn bench(c: &mut Criterion) {
    let texts = corpus();
    let bytes: usize = texts.iter().map(String::len).sum();
    let with_names = Settings::default();
    let mut without_names = Settings::default();
    without_names.ignore(&["names".to_string()]);
    let mut names_only = Settings::default();
    names_only.select(&["names".to_string()]);
    // Build the gazetteer automata before timing: they are built once per process.
    pipeline(&texts[..1], &with_names);

    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(20);
    group.bench_function("all rules", |b| {
        b.iter(|| pipeline(black_box(&texts), &with_names))
    });
    group.bench_function("without names", |b| {
        b.iter(|| pipeline(black_box(&texts), &without_names))
    });
    group.bench_function("names only", |b| {
        b.iter(|| pipeline(black_box(&texts), &names_only))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
