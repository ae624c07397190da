//! Whole-pipeline throughput over the real corpus on ONE thread, per check family and with every
//! default rule, and the peak heap memory of one pass.
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

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use support::{Draft, mb, ms};

/// Counts live heap bytes and their high-water mark, for the peak memory of one pass.
struct CountingAllocator;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            if new_size > layout.size() {
                let grown = new_size - layout.size();
                let now = CURRENT.fetch_add(grown, Ordering::Relaxed) + grown;
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Heap bytes allocated by `work` beyond what was live before it, at their highest.
fn peak_heap_of<T>(work: impl FnOnce() -> T) -> (usize, T) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let result = work();
    (PEAK.load(Ordering::Relaxed) - base, result)
}

/// The rows of the table, in the order docs/performance.md lists them.
const SELECTIONS: [&str; 4] = ["duplicates", "names", "clauses", "all"];

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
