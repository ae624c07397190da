//! Throughput of the clauses rules over the real corpus (`../shared/corpus`, or `SHERPA_CORPUS`;
//! the test fixtures when it is absent): each rule alone, the five together, and the whole
//! pipeline (parsing the draft plus every rule on by default).
//!
//! ```text
//! cargo bench --bench clauses
//! ```

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sherpa::rules::{Family, RULES};
use sherpa::{Document, DocumentKind, Settings, lint};

fn corpus() -> Vec<String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = std::env::var_os("SHERPA_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../shared/corpus"));
    let root = if root.is_dir() {
        root
    } else {
        eprintln!(
            "corpus not found at {}: using tests/fixtures",
            root.display()
        );
        manifest.join("tests/fixtures")
    };
    let mut texts = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "txt") {
                texts.push(std::fs::read_to_string(&path).expect("readable draft"));
            }
        }
    }
    texts
}

fn only(names: &[&str]) -> Settings {
    let mut settings = Settings::default();
    for name in names {
        let rule = sherpa::rules::find(name).expect("registered rule");
        settings.set_severity(name, Some(rule.default_severity));
    }
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    settings.select(&names);
    settings
}

fn bench(c: &mut Criterion) {
    let texts = corpus();
    let bytes: usize = texts.iter().map(String::len).sum();
    let docs: Vec<Document> = texts
        .iter()
        .map(|t| Document::new(t.as_str(), DocumentKind::Plain))
        .collect();
    let clauses: Vec<&str> = RULES
        .iter()
        .filter(|r| r.family == Family::Clauses)
        .map(|r| r.name)
        .collect();

    let mut group = c.benchmark_group("clauses");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(4));
    for &name in &clauses {
        let settings = only(&[name]);
        group.bench_function(name, |b| {
            b.iter(|| {
                for doc in &docs {
                    black_box(lint(doc, &settings));
                }
            })
        });
    }
    let settings = only(&clauses);
    group.bench_function("all clauses rules", |b| {
        b.iter(|| {
            for doc in &docs {
                black_box(lint(doc, &settings));
            }
        })
    });
    let defaults = Settings::default();
    group.bench_function("whole pipeline (parse + default rules)", |b| {
        b.iter(|| {
            for text in &texts {
                let doc = Document::new(text.as_str(), DocumentKind::Plain);
                black_box(lint(&doc, &defaults));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
