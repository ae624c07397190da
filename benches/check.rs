//! The `sherpa check` binary as users run it (`--format json --fail-on never`, release build,
//! start-up and JSON writing included), compared with ripgrep in the same run:
//!
//! 1. Over the corpus on all cores: wall time (median of N runs) and peak resident memory of the
//!    child (`wait4`'s `ru_maxrss`), beside a one-small-file run (the fixed start-up cost).
//! 2. ripgrep on the same bytes (`rg -c -F --no-ignore LITERAL` over the same folder, limited to
//!    the extensions sherpa lints): `rg -j1` against the in-process single-thread pipeline and
//!    against `sherpa check` with `RAYON_NUM_THREADS=1`; `rg` on all cores against
//!    `sherpa check` on all cores. The ratios are the "within 10x of ripgrep" target.
//! 3. Over about 100 MB of drafts generated from the corpus (rounds of the same package: each
//!    corpus draft copied again and again under a new name, one word changed in every fifth
//!    paragraph): MB/s on all cores, peak memory against the largest file, the findings per
//!    rule (`cross-draft-duplicate` fires between rounds), and the same with
//!    `--ignore cross-draft-duplicate`; ripgrep on the same folder, one thread and all cores,
//!    against `sherpa check` with `RAYON_NUM_THREADS=1` (start-up is negligible at that size).
//!
//! The output ends with the lines `docs/performance.md` takes its table from, prefixed `TABLE`.
//!
//! Run: `cargo bench --bench check`. `SHERPA_BENCH_QUICK=1`: 20 MB of drafts, fewer runs;
//! `SHERPA_BENCH_DRAFT_MB=N`: N MB of drafts; `SHERPA_BENCH_BIN=PATH`: bench another build of
//! `sherpa` (to compare under the same load). Reads `../shared/corpus` or `SHERPA_CORPUS`;
//! without it, or without `rg`, says so and skips that part.

#[path = "support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use support::{ChildRun, Draft, mb, ms};

/// A literal that occurs in most communiqués; what ripgrep searches for.
const LITERAL: &str = "United Nations";

/// Words the generated rounds put in place of one word of a paragraph.
const SUBSTITUTES: [&str; 8] = [
    "further", "also", "jointly", "fully", "firmly", "strongly", "again", "duly",
];

/// The release `sherpa`, or `SHERPA_BENCH_BIN` (another build to compare with, run under the
/// same load).
fn binary() -> &'static str {
    static BINARY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BINARY.get_or_init(|| {
        std::env::var("SHERPA_BENCH_BIN")
            .ok()
            .filter(|b| !b.is_empty())
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_sherpa").to_string())
    })
}

/// `sherpa check --format json --fail-on never [extra] PATH`.
fn check_command(path: &Path, extra: &[&str], single_thread: bool) -> Command {
    let mut command = Command::new(binary());
    command
        .args(["check", "--format", "json", "--fail-on", "never"])
        .args(extra)
        .arg(path);
    if single_thread {
        command.env("RAYON_NUM_THREADS", "1");
    }
    command
}

fn rg_command(rg: &Path, path: &Path, single_thread: bool) -> Command {
    let mut command = Command::new(rg);
    command.args(["-c", "-F", "--no-ignore"]);
    for glob in ["*.txt", "*.md", "*.markdown"] {
        command.args(["-g", glob]);
    }
    if single_thread {
        command.arg("-j1");
    }
    command.arg(LITERAL).arg(path);
    command
}

/// Several runs of a command: median and spread of the wall time, the largest peak RSS.
struct Runs {
    median: Duration,
    min: Duration,
    max: Duration,
    max_rss_kb: u64,
    /// Median CPU time (user + system, all threads): steadier than wall on a busy machine.
    cpu: Duration,
    count: usize,
}

impl Runs {
    fn describe(&self) -> String {
        format!(
            "median {:.1} ms (min {:.1}, max {:.1}, {} runs), CPU {:.1} ms, peak RSS {:.1} MB",
            ms(self.median),
            ms(self.min),
            ms(self.max),
            self.count,
            ms(self.cpu),
            self.max_rss_kb as f64 / 1024.0
        )
    }
}

/// One warm-up run (its output kept, for the findings), then `runs` timed runs.
fn measure(
    runs: usize,
    mut command: impl FnMut() -> Command,
    ok: impl Fn(&ChildRun) -> bool,
) -> Option<(Runs, ChildRun)> {
    let first = match support::run_child(&command(), true) {
        Ok(run) if ok(&run) => run,
        Ok(run) => {
            println!("  command failed ({}): {:?}", run.status, command());
            return None;
        }
        Err(e) => {
            println!("  could not run {:?}: {e}", command());
            return None;
        }
    };
    let mut samples = Vec::with_capacity(runs);
    let mut cpu = Vec::with_capacity(runs);
    let mut max_rss_kb = first.max_rss_kb;
    for _ in 0..runs.max(1) {
        let run = support::run_child(&command(), false).ok()?;
        if !ok(&run) {
            println!("  command failed ({}): {:?}", run.status, command());
            return None;
        }
        max_rss_kb = max_rss_kb.max(run.max_rss_kb);
        samples.push(run.wall);
        cpu.push(run.cpu);
    }
    let median = support::median(&mut samples);
    let cpu = support::median(&mut cpu);
    Some((
        Runs {
            median,
            min: samples[0],
            max: *samples.last().unwrap(),
            max_rss_kb,
            cpu,
            count: samples.len(),
        },
        first,
    ))
}

fn sherpa_ok(run: &ChildRun) -> bool {
    run.status.success()
}

/// rg exits 1 when nothing matched: still a full scan, but say so.
fn rg_ok(run: &ChildRun) -> bool {
    matches!(run.status.code(), Some(0 | 1))
}

/// Findings per rule in a JSON report, most frequent first.
fn findings_by_rule(json: &[u8]) -> (usize, Vec<(String, usize)>) {
    let findings: Vec<serde_json::Value> = serde_json::from_slice(json).unwrap_or_default();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for finding in &findings {
        if let Some(rule) = finding["rule"].as_str() {
            *counts.entry(rule.to_string()).or_default() += 1;
        }
    }
    let mut counts: Vec<(String, usize)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    (findings.len(), counts)
}

fn print_findings(json: &[u8]) -> usize {
    let (total, counts) = findings_by_rule(json);
    let listed: Vec<String> = counts.iter().map(|(r, n)| format!("{r} {n}")).collect();
    println!("  findings: {total} ({})", listed.join(", "));
    total
}

/// Rounds of the corpus's drafts until `target` bytes: round `r` holds every `.txt` draft again
/// as `round-RR/<folder>/<name>-rRR.txt`, one word replaced in every fifth paragraph (which
/// paragraphs and which word move with the round), as successive negotiation rounds would be.
/// Returns the number of files, their bytes and the largest file.
fn generate_drafts(
    corpus: &[Draft],
    root: &Path,
    out: &Path,
    target: usize,
) -> (usize, usize, usize) {
    let sources: Vec<(PathBuf, &str)> = corpus
        .iter()
        .filter(|d| d.path.ends_with(".txt"))
        .map(|d| {
            let relative = Path::new(d.path.as_ref())
                .strip_prefix(root)
                .unwrap_or(Path::new(d.path.as_ref()))
                .to_path_buf();
            (relative, d.text.as_str())
        })
        .collect();
    let (mut files, mut bytes, mut largest) = (0, 0, 0);
    let mut round = 1;
    while bytes < target && !sources.is_empty() {
        for (relative, text) in &sources {
            if bytes >= target {
                break;
            }
            let stem = relative.file_stem().unwrap_or_default().to_string_lossy();
            let path = out
                .join(format!("round-{round:02}"))
                .join(relative.parent().unwrap_or(Path::new("")))
                .join(format!("{stem}-r{round:02}.txt"));
            let mut draft = String::with_capacity(text.len() + 64);
            for (index, line) in text.split_inclusive('\n').enumerate() {
                let words: Vec<&str> = line.split(' ').collect();
                if (index + round) % 5 != 0 || words.len() < 8 {
                    draft.push_str(line);
                    continue;
                }
                // Not the last word, which carries the line break.
                let at = (round * 7 + index) % (words.len() - 1);
                let substitute = SUBSTITUTES[(round + index) % SUBSTITUTES.len()];
                for (i, word) in words.iter().enumerate() {
                    if i > 0 {
                        draft.push(' ');
                    }
                    draft.push_str(if i == at { substitute } else { word });
                }
            }
            std::fs::create_dir_all(path.parent().unwrap()).expect("drafts folder");
            std::fs::write(&path, &draft).expect("write a draft");
            files += 1;
            bytes += draft.len();
            largest = largest.max(draft.len());
        }
        round += 1;
    }
    (files, bytes, largest)
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

fn main() {
    support::serve_measure_child();
    support::print_machine();
    println!("binary: {}", binary());
    let Some(corpus) = support::corpus_dir() else {
        return;
    };
    let quick = support::quick();
    let runs = if quick { 5 } else { 21 };
    let drafts = support::load_drafts(&corpus);
    let bytes = support::total_bytes(&drafts);
    let largest = drafts.iter().map(|d| d.text.len()).max().unwrap_or(0);
    let mut table: Vec<String> = Vec::new();

    // 1. The corpus, all cores.
    println!(
        "\n1. sherpa check over the corpus: {} files, {:.2} MB, largest file {:.0} KB",
        drafts.len(),
        mb(bytes),
        largest as f64 / 1e3
    );
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let small = scratch.path().join("small.txt");
    std::fs::write(&small, "We reaffirm our commitment to the Charter.\n").unwrap();
    let startup = measure(runs, || check_command(&small, &[], false), sherpa_ok);
    if let Some((startup, _)) = &startup {
        println!("  one small file (start-up): {}", startup.describe());
    }
    let Some((all_cores, report)) = measure(runs, || check_command(&corpus, &[], false), sherpa_ok)
    else {
        return;
    };
    println!("  all cores: {}", all_cores.describe());
    print_findings(&report.stdout);
    let base_rss_kb = startup.as_ref().map_or(0, |(s, _)| s.max_rss_kb);
    table.push(format!(
        "TABLE | sherpa check, corpus, all cores, wall median (CPU) | {:.1} ms ({:.1} ms CPU; one small file {})",
        ms(all_cores.median),
        ms(all_cores.cpu),
        startup.as_ref().map_or("n/a".into(), |(s, _)| format!("{:.1} ms", ms(s.median)))
    ));
    table.push(format!(
        "TABLE | sherpa check, corpus, peak RSS / largest file | {:.1} MB / {:.0} KB = {:.0}x ({:.1} MB above a one-small-file run = {:.1}x)",
        all_cores.max_rss_kb as f64 / 1024.0,
        largest as f64 / 1e3,
        all_cores.max_rss_kb as f64 * 1024.0 / largest as f64,
        all_cores.max_rss_kb.saturating_sub(base_rss_kb) as f64 / 1024.0,
        all_cores.max_rss_kb.saturating_sub(base_rss_kb) as f64 * 1024.0 / largest as f64,
    ));

    // 2. ripgrep on the same bytes.
    println!("\n2. ripgrep on the same files (`rg -c -F --no-ignore \"{LITERAL}\"`)");
    let pool = support::single_thread_pool();
    let settings = support::selected("all");
    let (pipeline, findings) =
        pool.install(|| support::median_of(runs, || support::run_pipeline(&drafts, &settings)));
    println!(
        "  pipeline in-process, one thread: median {:.1} ms ({:.1} MB/s, {findings} findings)",
        ms(pipeline),
        mb(bytes) / pipeline.as_secs_f64()
    );
    let single = measure(runs, || check_command(&corpus, &[], true), sherpa_ok);
    if let Some((single, _)) = &single {
        println!("  sherpa check, RAYON_NUM_THREADS=1: {}", single.describe());
    }
    match support::ripgrep() {
        None => {
            println!("  rg not found (install ripgrep): comparison skipped");
            // Keep the table's rows in place.
            table.push(
                "TABLE | corpus: pipeline one thread / rg -j1 | skipped: rg not found".into(),
            );
        }
        Some(rg) => {
            let rg_single = measure(runs, || rg_command(&rg, &corpus, true), rg_ok);
            let rg_all = measure(runs, || rg_command(&rg, &corpus, false), rg_ok);
            if let (Some((rg_single, _)), Some((rg_all, _))) = (rg_single, rg_all) {
                println!("  rg -j1: {}", rg_single.describe());
                println!("  rg, all cores: {}", rg_all.describe());
                println!(
                    "  ratios: pipeline (1 thread) / rg -j1 = {:.1}x; sherpa check (1 thread) / rg -j1 = {}; sherpa check / rg, all cores = {:.1}x",
                    ratio(pipeline, rg_single.median),
                    single.as_ref().map_or("n/a".into(), |(s, _)| format!(
                        "{:.1}x",
                        ratio(s.median, rg_single.median)
                    )),
                    ratio(all_cores.median, rg_all.median)
                );
                table.push(format!(
                    "TABLE | corpus: pipeline one thread / rg -j1 (process, start-up included) | {:.1} ms / {:.1} ms = {:.1}x",
                    ms(pipeline),
                    ms(rg_single.median),
                    ratio(pipeline, rg_single.median)
                ));
            }
        }
    }

    // The 100 MB one-thread comparison belongs with the corpus one in the table.
    let ripgrep_rows_end = table.len();

    // 3. About 100 MB of drafts.
    let target_mb: usize = std::env::var("SHERPA_BENCH_DRAFT_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if quick { 20 } else { 100 });
    let big_runs = if quick { 1 } else { 3 };
    let out = scratch.path().join("drafts");
    let started = Instant::now();
    let (files, big_bytes, big_largest) =
        generate_drafts(&drafts, &corpus, &out, target_mb * 1_000_000);
    println!(
        "\n3. sherpa check over {files} generated drafts, {:.1} MB, largest file {:.0} KB (generated in {:.1} s)",
        mb(big_bytes),
        big_largest as f64 / 1e3,
        started.elapsed().as_secs_f64()
    );
    let mut rg_big = None;
    let rg = support::ripgrep();
    if rg.is_none() {
        table.push(format!(
            "TABLE | {:.0} MB of drafts: sherpa check one thread / rg -j1 | skipped: rg not found",
            mb(big_bytes)
        ));
    }
    if let Some(rg) = rg {
        let rg_single = measure(big_runs, || rg_command(&rg, &out, true), rg_ok);
        rg_big = measure(big_runs, || rg_command(&rg, &out, false), rg_ok).map(|(r, _)| r);
        if let (Some((rg_single, _)), Some(rg_all)) = (&rg_single, &rg_big) {
            println!(
                "  rg -j1: {} ({:.0} MB/s)",
                rg_single.describe(),
                mb(big_bytes) / rg_single.median.as_secs_f64()
            );
            println!(
                "  rg, all cores: {} ({:.0} MB/s)",
                rg_all.describe(),
                mb(big_bytes) / rg_all.median.as_secs_f64()
            );
            // Start-up is negligible here: the fairer "within 10x of ripgrep" comparison.
            if let Some((single, _)) =
                measure(big_runs, || check_command(&out, &[], true), sherpa_ok)
            {
                println!(
                    "  sherpa check, RAYON_NUM_THREADS=1: {} ({:.1} MB/s), {:.1}x rg -j1",
                    single.describe(),
                    mb(big_bytes) / single.median.as_secs_f64(),
                    ratio(single.median, rg_single.median)
                );
                table.insert(
                    ripgrep_rows_end,
                    format!(
                        "TABLE | {:.0} MB of drafts: sherpa check one thread / rg -j1 | {:.1} s / {:.0} ms = {:.0}x",
                        mb(big_bytes),
                        single.median.as_secs_f64(),
                        ms(rg_single.median),
                        ratio(single.median, rg_single.median)
                    ),
                );
            }
        }
    }
    for (label, extra) in [
        ("all default rules", &[][..]),
        (
            "--ignore cross-draft-duplicate",
            &["--ignore", "cross-draft-duplicate"][..],
        ),
    ] {
        let Some((big, report)) =
            measure(big_runs, || check_command(&out, extra, false), sherpa_ok)
        else {
            continue;
        };
        let throughput = mb(big_bytes) / big.median.as_secs_f64();
        println!(
            "  {label}, all cores: {} ({throughput:.1} MB/s)",
            big.describe()
        );
        print_findings(&report.stdout);
        let vs_rg = rg_big.as_ref().map_or(String::new(), |rg| {
            format!(", {:.1}x rg all cores", ratio(big.median, rg.median))
        });
        table.push(format!(
            "TABLE | sherpa check, {:.0} MB of drafts, all cores, {label} | {:.1} s, {throughput:.1} MB/s{vs_rg} ({:.1} s CPU)",
            mb(big_bytes),
            big.median.as_secs_f64(),
            big.cpu.as_secs_f64(),
        ));
        table.push(format!(
            "TABLE | sherpa check, {:.0} MB of drafts, {label}, peak RSS / largest file | {:.1} MB / {:.0} KB = {:.0}x ({:.2}x the input)",
            mb(big_bytes),
            big.max_rss_kb as f64 / 1024.0,
            big_largest as f64 / 1e3,
            big.max_rss_kb as f64 * 1024.0 / big_largest as f64,
            big.max_rss_kb as f64 * 1024.0 / big_bytes as f64,
        ));
    }

    println!("\nFor docs/performance.md, in the order of its table:");
    for line in table {
        println!("{line}");
    }
}
