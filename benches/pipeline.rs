//! Whole-pipeline throughput over the real corpus on ONE thread, per check family, with every
//! default rule and with all but the names family (what it costs), and the peak heap of one pass.
//!
//! "Pipeline" is what `sherpa check` does between reading the files and writing the report:
//! parse every draft, run each draft's own rules, then the cross-draft rules
//! (`lint_workspace`), here inside a one-thread rayon pool. The files are those `sherpa check`
//! lints in the corpus folder. The `sherpa check` binary (all cores, start-up included) is
//! measured by `benches/check.rs`.
//!
//! Output, in this order: a summary table (median wall of several passes, MB/s, findings, peak
//! heap), the `TABLE` lines docs/performance.md takes its numbers from, then criterion's own
//! statistics (group `pipeline`, `Throughput::BytesDecimal`, so criterion prints MB/s too).
//!
//! Run: `cargo bench --bench pipeline` (`-- --quick` for criterion's quick mode;
//! `SHERPA_BENCH_QUICK=1` makes the summary take fewer passes). The corpus is read from
//! `../shared/corpus` or `SHERPA_CORPUS`; without it the benchmark says so and measures nothing.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use support::{Draft, mb, ms, peak_heap_of};

/// Counts live heap bytes and their high-water mark, for the peak memory of one pass.
#[global_allocator]
static ALLOCATOR: support::CountingAllocator = support::CountingAllocator;

/// The rows of the table, in the order docs/performance.md lists them.
const SELECTIONS: [&str; 5] = ["duplicates", "names", "clauses", "all", "all but names"];

fn summary(drafts: &[Draft], pool: &rayon::ThreadPool) {
    let bytes = support::total_bytes(drafts);
    let largest = drafts.iter().map(|d| d.text.len()).max().unwrap_or(0);
    let passes = if support::quick() { 5 } else { 21 };
    println!(
        "pipeline, single thread: {} files, {:.2} MB (largest file {:.0} KB), median of {passes} passes",
        drafts.len(),
        mb(bytes),
        largest as f64 / 1e3
    );
    println!(
        "| selection | wall ms per pass | MB/s | CPU ms per pass | MB/s by CPU | findings | peak heap MB |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut table = Vec::new();
    for selection in SELECTIONS {
        let settings = support::selected(selection);
        let (median, cpu, findings) = pool.install(|| {
            let before = support::thread_cpu();
            let (median, findings) =
                support::median_of(passes, || support::run_pipeline(drafts, &settings));
            // median_of makes one warm-up call before the timed ones.
            let cpu = before
                .zip(support::thread_cpu())
                .map(|(a, b)| (b - a) / (passes as u32 + 1));
            (median, cpu, findings)
        });
        let (peak, _) = peak_heap_of(|| pool.install(|| support::run_pipeline(drafts, &settings)));
        let cpu_ms = cpu.map_or("n/a".into(), |c| format!("{:.0}", ms(c)));
        let cpu_rate = cpu.map_or("n/a".into(), |c| {
            format!("{:.1}", mb(bytes) / c.as_secs_f64())
        });
        let wall_rate = mb(bytes) / median.as_secs_f64();
        println!(
            "| {selection} | {:.2} | {wall_rate:.1} | {cpu_ms} | {cpu_rate} | {findings} | {:.1} |",
            ms(median),
            mb(peak)
        );
        table.push(format!(
            "TABLE | pipeline one thread, corpus, {selection} | {wall_rate:.1} MB/s wall, {cpu_rate} MB/s CPU, peak heap {:.1} MB",
            mb(peak)
        ));
    }
    println!(
        "(MB = 10^6 bytes; CPU: thread CPU time per pass, 10 ms ticks; peak heap: allocated during \
         one pass above the loaded text, which is not counted)"
    );
    println!("\nFor docs/performance.md, in the order of its table:");
    for line in table {
        println!("{line}");
    }
}

fn main() {
    support::print_machine();
    let Some(dir) = support::corpus_dir() else {
        return;
    };
    let drafts = support::load_drafts(&dir);
    if drafts.is_empty() {
        println!("no drafts under {}: nothing to measure", dir.display());
        return;
    }
    let pool = support::single_thread_pool();
    summary(&drafts, &pool);

    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let mut group = criterion.benchmark_group("pipeline");
    // A pass takes 20-300 ms: 20 samples fit the measurement time.
    group.sample_size(20);
    group.throughput(Throughput::BytesDecimal(
        support::total_bytes(&drafts) as u64
    ));
    for selection in SELECTIONS {
        let settings = support::selected(selection);
        group.bench_with_input(
            BenchmarkId::new("single_thread", selection),
            &settings,
            |b, settings| b.iter(|| pool.install(|| support::run_pipeline(&drafts, settings))),
        );
    }
    group.finish();
    criterion.final_summary();
}
