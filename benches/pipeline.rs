//! Whole-pipeline throughput over the real corpus (single thread), and the wall time of
//! `sherpa check --format json` over the whole corpus (the release binary, start-up included).
//!
//! Run: `cargo bench --bench pipeline`. The corpus is read from `../shared/corpus` or
//! `SHERPA_CORPUS`; without it the benchmark says so and measures nothing.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sherpa::{Document, DocumentKind, Settings, lint};

fn corpus() -> Option<(PathBuf, Vec<(DocumentKind, String)>)> {
    let dir = std::env::var_os("SHERPA_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    if !dir.is_dir() {
        eprintln!("corpus not found at {}: nothing to measure", dir.display());
        return None;
    }
    let mut files = Vec::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).ok()?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "txt" || e == "md") {
                files.push((
                    DocumentKind::from_path(&path),
                    std::fs::read_to_string(&path).ok()?,
                ));
            }
        }
    }
    Some((dir, files))
}

fn pipeline(c: &mut Criterion) {
    let Some((dir, files)) = corpus() else { return };
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let settings = Settings::default();

    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("corpus_all_rules_single_thread", |b| {
        b.iter(|| {
            let mut findings = 0;
            for (kind, text) in &files {
                let doc = Document::new(text.as_str(), *kind);
                findings += lint(&doc, &settings).len();
            }
            findings
        })
    });
    group.finish();

    let binary = env!("CARGO_BIN_EXE_sherpa");
    let mut group = c.benchmark_group("cli");
    group.sample_size(20);
    group.bench_function("check_corpus_json_wall", |b| {
        b.iter(|| {
            let status = Command::new(binary)
                .args(["check", "--format", "json", "--fail-on", "never"])
                .arg(&dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("sherpa runs");
            assert!(status.success());
        })
    });
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
