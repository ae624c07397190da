//! Helpers shared by the benchmarks (included with `#[path]`; each bench uses a part of them).
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sherpa::config::FileSettings;
use sherpa::rules::WorkspaceDoc;
use sherpa::{Document, DocumentKind, Settings, lint_workspace};

/// The shared corpus (`../shared/corpus`, or `SHERPA_CORPUS`), or a note saying why there is
/// nothing to measure.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("SHERPA_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    if dir.is_dir() {
        Some(dir)
    } else {
        println!(
            "corpus not found at {} (set SHERPA_CORPUS): nothing to measure",
            dir.display()
        );
        None
    }
}

/// `SHERPA_BENCH_QUICK=1`: smaller inputs and fewer runs, for a first look.
pub fn quick() -> bool {
    std::env::var("SHERPA_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// One draft as `sherpa check` would read it.
pub struct Draft {
    pub path: Arc<str>,
    pub kind: DocumentKind,
    pub text: String,
}

/// The files `sherpa check ROOT` lints (same walk, same default extensions), in its order.
pub fn load_drafts(root: &Path) -> Vec<Draft> {
    let files = FileSettings::default();
    let mut drafts = Vec::new();
    for entry in sherpa::config::draft_walker(root).flatten() {
        let path = entry.path();
        if !entry.file_type().is_some_and(|t| t.is_file()) || !files.has_lintable_extension(path) {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(path) {
            drafts.push(Draft {
                path: Arc::from(path.to_string_lossy().as_ref()),
                kind: DocumentKind::from_path(path),
                text,
            });
        }
    }
    drafts
}

pub fn total_bytes(drafts: &[Draft]) -> usize {
    drafts.iter().map(|d| d.text.len()).sum()
}

/// The whole pipeline on the calling thread's rayon pool: parse every draft, each draft's own
/// rules, then the cross-draft rules (what `sherpa check` does between reading and writing).
/// Returns the number of findings.
pub fn run_pipeline(drafts: &[Draft], settings: &Settings) -> usize {
    let docs: Vec<Document> = drafts
        .iter()
        .map(|d| Document::new(d.text.as_str(), d.kind))
        .collect();
    let workspace: Vec<WorkspaceDoc<'_>> = drafts
        .iter()
        .zip(&docs)
        .map(|(draft, doc)| WorkspaceDoc {
            path: draft.path.clone(),
            doc,
            settings,
        })
        .collect();
    lint_workspace(&workspace).iter().map(Vec::len).sum()
}

/// Default settings restricted to `selection` (`"all"`, a family or a rule name).
pub fn selected(selection: &str) -> Settings {
    let mut settings = Settings::default();
    match selection.strip_prefix("all but ") {
        // What one family costs the whole pipeline: all default rules with it and without it.
        Some(family) => settings.ignore(&[family.to_string()]),
        None => settings.select(&[selection.to_string()]),
    }
    settings
}

/// A rayon pool of one thread: `pool.install(|| ...)` measures single-thread throughput.
pub fn single_thread_pool() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread rayon pool")
}

pub fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

pub fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

/// Median wall time of `runs` calls of `work` (after one warm-up call), and its last result.
pub fn median_of<T>(runs: usize, mut work: impl FnMut() -> T) -> (Duration, T) {
    let mut result = work();
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        result = work();
        samples.push(start.elapsed());
    }
    (median(&mut samples), result)
}

/// CPU time of the calling thread so far (Linux, 10 ms ticks): on a shared machine, wall time
/// also counts the time spent waiting for a core.
pub fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Cores, model and load: the numbers mean little without them.
pub fn print_machine() {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "machine: {} cores ({model}), load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}

/// One finished child process: wall time from spawn to exit, and its own peak resident set.
pub struct ChildRun {
    pub wall: Duration,
    pub status: ExitStatus,
    /// `ru_maxrss` of the measured program alone (KiB).
    pub max_rss_kb: u64,
    /// User + system CPU time of the measured program (all its threads).
    pub cpu: Duration,
    pub stdout: Vec<u8>,
}

const MEASURE_FLAG: &str = "--measure-child";

/// Runs `command` to completion (stdin and stderr closed, stdout captured when `capture`,
/// discarded otherwise) and measures its wall time and peak resident memory.
///
/// Linux carries a process's peak RSS across `fork` and `exec`: a program started straight
/// from this benchmark, which holds the corpus and more, would report at least the benchmark's
/// own size. So the command is started by a fresh copy of this executable in a small
/// "measure" mode ([`serve_measure_child`]), which spawns it, reaps it with `wait4` (the usage
/// of that child alone) and reports on its standard error.
pub fn run_child(command: &Command, capture: bool) -> std::io::Result<ChildRun> {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;

    let mut helper = Command::new(std::env::current_exe()?);
    helper.arg(MEASURE_FLAG).arg(command.get_program());
    helper.args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => helper.env(key, value),
            None => helper.env_remove(key),
        };
    }
    helper
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .stdout(if capture {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    let mut child = helper.spawn()?;
    let mut stdout = Vec::new();
    if let Some(mut out) = child.stdout.take() {
        out.read_to_end(&mut stdout)?;
    }
    let mut report = String::new();
    if let Some(mut err) = child.stderr.take() {
        err.read_to_string(&mut report)?;
    }
    child.wait()?;
    let fields: Vec<i64> = report
        .lines()
        .find_map(|l| l.strip_prefix("measured "))
        .map(|l| l.split(' ').filter_map(|f| f.parse().ok()).collect())
        .unwrap_or_default();
    let [wall_ns, max_rss_kb, raw_status, cpu_ns] = fields[..] else {
        return Err(std::io::Error::other(format!(
            "measuring {command:?} failed: {report}"
        )));
    };
    Ok(ChildRun {
        wall: Duration::from_nanos(wall_ns as u64),
        status: ExitStatus::from_raw(raw_status as i32),
        max_rss_kb: max_rss_kb as u64,
        cpu: Duration::from_nanos(cpu_ns as u64),
        stdout,
    })
}

/// Call first thing in `main` of a bench that uses [`run_child`]: in measure mode, runs the
/// command given on the command line (standard output passed through), prints
/// `measured WALL_NS MAXRSS_KB STATUS CPU_NS` on standard error and exits.
pub fn serve_measure_child() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_none_or(|a| a != MEASURE_FLAG) || args.len() < 3 {
        return;
    }
    let start = Instant::now();
    let child = Command::new(&args[2])
        .args(&args[3..])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let child = match child {
        Ok(child) => child,
        Err(e) => {
            eprintln!("cannot start {:?}: {e}", args[2]);
            std::process::exit(2);
        }
    };
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = loop {
        // SAFETY: a plain system call on our own child, which nothing else waits for.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == -1 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        break r;
    };
    let wall = start.elapsed();
    if reaped != pid {
        eprintln!("wait4 failed: {}", std::io::Error::last_os_error());
        std::process::exit(2);
    }
    let seconds = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    let cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    eprintln!(
        "measured {} {} {status} {}",
        wall.as_nanos(),
        usage.ru_maxrss,
        cpu.as_nanos()
    );
    std::process::exit(0);
}

/// `rg` on the PATH (or at /usr/bin/rg), if installed; `SHERPA_BENCH_RG=PATH` picks another
/// (a path that is not a file, e.g. `none`, means without ripgrep).
pub fn ripgrep() -> Option<PathBuf> {
    if let Some(chosen) = std::env::var_os("SHERPA_BENCH_RG") {
        return Some(PathBuf::from(chosen)).filter(|p| p.is_file());
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("rg"))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| Some(PathBuf::from("/usr/bin/rg")).filter(|p| p.is_file()))
}

/// Counts live heap bytes and their peak. A bench opts in with
/// `#[global_allocator] static ALLOCATOR: support::CountingAllocator = support::CountingAllocator;`.
pub struct CountingAllocator;

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

/// Heap bytes allocated by `work` beyond what was live before it, at their highest (with
/// [`CountingAllocator`] as the global allocator).
pub fn peak_heap_of<T>(work: impl FnOnce() -> T) -> (usize, T) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let result = work();
    (PEAK.load(Ordering::Relaxed) - base, result)
}
