//! Scale of the duplicates family at 10k, 100k and 1M paragraphs of realistic text, on one core.
//!
//! Paragraphs come from a word-pair (Markov) model of the corpus (`../shared/corpus`, or
//! `SHERPA_CORPUS`): each word is followed by a word that follows it somewhere in the corpus, and
//! paragraph lengths are those of real paragraphs. Shingles are word pairs, so the generated
//! text has exactly the shingle statistics of real communiqués ("of the", "United Nations"
//! everywhere), yet a million paragraphs do not repeat the corpus's few thousand paragraphs
//! over and over as sampling would. 2% are planted near copies (1-3 words changed) and 1% exact
//! copies of earlier ones. Without the corpus a Zipf-distributed synthetic vocabulary stands in.
//!
//! Before criterion's timings, one pass per size prints wall time, CPU time and peak heap growth
//! (a counting allocator) as a table, then the growth ratios between sizes and the `TABLE` lines
//! `docs/performance.md` takes its numbers from. `SHERPA_BENCH_SIZES=10000,100000` limits the
//! sizes (`SHERPA_BENCH_QUICK=1` stops at 100k).
//!
//! Groups:
//! - `index`: per-paragraph facts (shingles, MinHash) + LSH search + exact verification.
//! - `draft`: `lint` of one draft with the duplicates family only (fresh document each time,
//!   so cached facts are recomputed).
//! - `workspace`: `cross-draft-duplicate` over drafts of 100 paragraphs each.

use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "support/paragraphs.rs"]
mod paragraphs;
#[path = "support/mod.rs"]
mod support;

use criterion::{BatchSize, BenchmarkId, Criterion};
use paragraphs::{generate, load_source};
use sherpa::rules::WorkspaceDoc;
use sherpa::similarity::{ParagraphFacts, best_earlier_matches};
use sherpa::{Document, DocumentKind, Settings, lint, lint_workspace};

#[global_allocator]
static ALLOCATOR: support::CountingAllocator = support::CountingAllocator;

/// CPU time of this thread in seconds (Linux; 10 ms resolution): wall time on a shared machine
/// also counts the other programs running.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

struct Measured {
    wall: Duration,
    cpu: Option<f64>,
    peak: usize,
}

impl Measured {
    fn cells(&self) -> String {
        let cpu = self.cpu.map_or("n/a".to_string(), |c| format!("{c:.2}"));
        format!(
            "{:.3} | {cpu} | {:.0}",
            self.wall.as_secs_f64(),
            mb(self.peak)
        )
    }
}

/// Wall time, CPU time and peak heap growth of one run of `work`.
fn measure<T>(work: impl FnOnce() -> T) -> (Measured, T) {
    let cpu = thread_cpu_seconds();
    let start = Instant::now();
    let (peak, result) = support::peak_heap_of(work);
    let wall = start.elapsed();
    let cpu = cpu.zip(thread_cpu_seconds()).map(|(a, b)| b - a);
    (Measured { wall, cpu, peak }, result)
}

fn duplicates_only() -> Settings {
    let mut settings = Settings::default();
    settings.select(&["duplicates".to_string()]);
    settings
}

fn cross_draft_only() -> Settings {
    let mut settings = Settings::default();
    settings.select(&["cross-draft-duplicate".to_string()]);
    settings
}

/// The index alone: facts for every paragraph, then the near-duplicate search.
fn run_index(paragraphs: &[String]) -> usize {
    let facts: Vec<ParagraphFacts> = paragraphs
        .iter()
        .map(|p| ParagraphFacts::compute(p))
        .collect();
    let mut seen = std::collections::HashSet::with_capacity(facts.len());
    let distinct: Vec<&ParagraphFacts> = facts.iter().filter(|f| seen.insert(f.exact)).collect();
    best_earlier_matches(&distinct, 0.8, |_, _| true)
        .iter()
        .filter(|m| m.is_some())
        .count()
        + (facts.len() - distinct.len())
}

fn draft(paragraphs: &[String]) -> Document {
    Document::new(paragraphs.join("\n\n"), DocumentKind::Plain)
}

const PARAGRAPHS_PER_FILE: usize = 100;

fn workspace_docs(paragraphs: &[String]) -> Vec<(Arc<str>, Document)> {
    paragraphs
        .chunks(PARAGRAPHS_PER_FILE)
        .enumerate()
        .map(|(i, chunk)| (Arc::from(format!("drafts/{i:06}.txt")), draft(chunk)))
        .collect()
}

fn run_workspace(docs: &[(Arc<str>, Document)], settings: &Settings) -> usize {
    let workspace: Vec<WorkspaceDoc<'_>> = docs
        .iter()
        .map(|(path, doc)| WorkspaceDoc {
            path: path.clone(),
            doc,
            settings,
        })
        .collect();
    lint_workspace(&workspace).iter().map(Vec::len).sum()
}

fn sizes() -> Vec<usize> {
    std::env::var("SHERPA_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| {
            if std::env::var("SHERPA_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0") {
                vec![10_000, 100_000]
            } else {
                vec![10_000, 100_000, 1_000_000]
            }
        })
}

/// Growth between consecutive sizes: near-linear means the time ratio stays close to the size
/// ratio (the target: 1M paragraphs no more than 12x the time of 100k). CPU time is the steadier
/// figure on a shared machine.
fn print_growth(rows: &[(usize, [Measured; 3])]) {
    for pair in rows.windows(2) {
        let ((small, a), (large, b)) = (&pair[0], &pair[1]);
        let cells: Vec<String> = ["index", "draft", "workspace"]
            .iter()
            .zip(a.iter().zip(b))
            .map(|(name, (a, b))| {
                let wall = b.wall.as_secs_f64() / a.wall.as_secs_f64();
                let cpu = match (a.cpu, b.cpu) {
                    (Some(x), Some(y)) if x > 0.0 => format!("{:.1}x", y / x),
                    _ => "n/a".into(),
                };
                format!("{name} {wall:.1}x wall, {cpu} CPU")
            })
            .collect();
        println!(
            "growth {} -> {} paragraphs ({:.0}x): {}",
            small,
            large,
            *large as f64 / *small as f64,
            cells.join("; ")
        );
    }
    let table = |n: usize| rows.iter().find(|(size, _)| *size == n).map(|(_, m)| m);
    for n in [10_000, 100_000, 1_000_000] {
        if let Some([index, draft, _]) = table(n) {
            let cpu = |m: &Measured| m.cpu.map_or("n/a".into(), |c| format!("{c:.2} s"));
            println!(
                "TABLE | near-duplicates, {n} paragraphs, one core: index / draft wall (CPU), peak heap | {:.3} s ({}) / {:.3} s ({}), {:.0} MB / {:.0} MB",
                index.wall.as_secs_f64(),
                cpu(index),
                draft.wall.as_secs_f64(),
                cpu(draft),
                mb(index.peak),
                mb(draft.peak)
            );
        }
    }
    if let (Some([a, c, _]), Some([b, d, _])) = (table(100_000), table(1_000_000)) {
        let cpu_ratio = |small: &Measured, large: &Measured| match (small.cpu, large.cpu) {
            (Some(x), Some(y)) if x > 0.0 => format!("{:.1}x", y / x),
            _ => "n/a".into(),
        };
        println!(
            "TABLE | near-duplicates, 1M / 100k paragraphs time ratio (target <= 12x) | index {:.1}x wall ({} CPU), draft {:.1}x wall ({} CPU)",
            b.wall.as_secs_f64() / a.wall.as_secs_f64(),
            cpu_ratio(a, b),
            d.wall.as_secs_f64() / c.wall.as_secs_f64(),
            cpu_ratio(c, d)
        );
    }
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn main() {
    // One core, as the targets say; lint_workspace would otherwise use every core.
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()
        .expect("rayon pool");
    let source = load_source();
    eprintln!(
        "text: word-pair model of {} ({} distinct words)",
        if source.from_corpus {
            "the corpus"
        } else {
            "a synthetic Zipf vocabulary (corpus not found)"
        },
        source.words.len()
    );
    let sizes = sizes();
    let inputs: Vec<Vec<String>> = sizes.iter().map(|&n| generate(&source, n)).collect();

    let settings = duplicates_only();
    let cross = cross_draft_only();
    println!(
        "| paragraphs | text MB | index wall s | index CPU s | index peak MB | draft wall s | draft CPU s | draft peak MB | workspace wall s | workspace CPU s | workspace peak MB | copies found |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut rows: Vec<(usize, [Measured; 3])> = Vec::new();
    for paragraphs in &inputs {
        let bytes: usize = paragraphs.iter().map(|p| p.len() + 2).sum();
        let (index, found) = measure(|| run_index(paragraphs));
        let doc = draft(paragraphs);
        let (draft_run, _) = measure(|| lint(&doc, &settings).len());
        drop(doc);
        let docs = workspace_docs(paragraphs);
        let (workspace, _) = measure(|| run_workspace(&docs, &cross));
        drop(docs);
        println!(
            "| {} | {:.1} | {} | {} | {} | {} |",
            paragraphs.len(),
            mb(bytes),
            index.cells(),
            draft_run.cells(),
            workspace.cells(),
            found
        );
        rows.push((paragraphs.len(), [index, draft_run, workspace]));
    }
    print_growth(&rows);

    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    // A million paragraphs take seconds a run (minutes for criterion's samples): the table
    // above measures them once; criterion repeats only the smaller sizes.
    let criterion_inputs: Vec<&Vec<String>> =
        inputs.iter().filter(|p| p.len() <= 100_000).collect();
    let mut group = criterion.benchmark_group("index");
    for &paragraphs in &criterion_inputs {
        group.sample_size(10);
        group.bench_with_input(
            BenchmarkId::from_parameter(paragraphs.len()),
            paragraphs,
            |b, p| b.iter(|| run_index(p)),
        );
    }
    group.finish();
    let mut group = criterion.benchmark_group("draft");
    for &paragraphs in &criterion_inputs {
        group.sample_size(10);
        group.bench_with_input(
            BenchmarkId::from_parameter(paragraphs.len()),
            paragraphs,
            |b, p| {
                b.iter_batched(
                    || draft(p),
                    |doc| lint(&doc, &settings).len(),
                    BatchSize::LargeInput,
                )
            },
        );
    }
    group.finish();
    let mut group = criterion.benchmark_group("workspace");
    for &paragraphs in &criterion_inputs {
        group.sample_size(10);
        group.bench_with_input(
            BenchmarkId::from_parameter(paragraphs.len()),
            paragraphs,
            |b, p| {
                b.iter_batched(
                    || workspace_docs(p),
                    |docs| run_workspace(&docs, &cross),
                    BatchSize::LargeInput,
                )
            },
        );
    }
    group.finish();
    criterion.final_summary();
}
