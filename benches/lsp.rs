//! Language-server latency and memory, measured through the real binary over stdio.
//!
//! - Time from a one-character `didChange` to the `publishDiagnostics` of that version, with the
//!   debounce set to 0 (so it is excluded), on drafts of 10 KB, 100 KB, 1 MB and 10 MB built
//!   from the corpus: median and p99.
//! - Where that time goes, measured in-process on the same text and edit: rope to string,
//!   parsing the draft into blocks, running the rules with the lint cache warm (as the server
//!   does); the server's CPU time per edit beyond their sum is the server's own cost.
//! - Resident memory of the server with ten 100 KB drafts open.
//!
//! Run with `cargo bench --bench lsp` (`SHERPA_BENCH_QUICK=1`: a quarter of the edits; the
//! output ends with the `TABLE` lines docs/performance.md takes its numbers from). Reads `../shared/corpus` (or `SHERPA_CORPUS`); without it,
//! the seed draft repeated stands in (and the numbers say so).

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "support/drafts.rs"]
mod drafts;
#[path = "../tests/common/lsp_client.rs"]
mod lsp_client;
#[path = "support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use lsp_client::{Client, Encoding, capabilities, file_uri, position};
use serde_json::json;
use sherpa::lint::{LintCache, lint_cached};
use sherpa::{Document, DocumentKind, Settings};

fn corpus_text() -> (String, &'static str) {
    let files = common::corpus_files();
    if files.is_empty() {
        return (
            common::read_fixture("seed.txt"),
            "the seed draft (corpus absent)",
        );
    }
    let mut text = String::new();
    for file in files {
        text.push_str(&std::fs::read_to_string(file).expect("corpus file"));
        text.push_str("\n\n");
    }
    (text, "the corpus")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

async fn start() -> Client {
    let mut client = Client::spawn(&[("SHERPA_LOG", "error")]);
    client
        .initialize(capabilities(&[Encoding::Utf16]), json!({"debounceMs": 0}))
        .await;
    client
}

/// CPU time (user + system) the process used so far.
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces): state is field 3, utime 14.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().ok()? + fields[12].parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

struct Measured {
    samples: Vec<Duration>,
    findings: usize,
    /// Findings per rule, most frequent first.
    by_rule: Vec<(String, usize)>,
    /// Server CPU time per edit: immune to waiting for a core on a busy machine.
    cpu_per_edit: Option<Duration>,
}

/// Latency of one-character edits in the middle of a draft of `text`.
async fn edit_latency(text: &str, rounds: usize) -> Measured {
    let dir = tempfile::tempdir().unwrap();
    let uri = file_uri(&dir.path().join("draft.txt"));
    let client = start().await;
    client.open(&uri, "plaintext", 1, text);
    let diagnostics = client.diagnostics_for_version(&uri, 1).await;
    let findings = diagnostics.len();
    let mut by_rule: std::collections::BTreeMap<String, usize> = Default::default();
    for diagnostic in &diagnostics {
        *by_rule
            .entry(diagnostic["code"].as_str().unwrap_or("?").to_string())
            .or_default() += 1;
    }
    let mut by_rule: Vec<(String, usize)> = by_rule.into_iter().collect();
    by_rule.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    // Typing in the middle of a paragraph, then taking it back: the text keeps its size.
    let at = drafts::edit_offset(text);
    let place = position(text, at, Encoding::Utf16);
    let pid = client.pid().unwrap();
    let cpu_before = cpu_time(pid);
    let after =
        json!({"line": place["line"], "character": place["character"].as_u64().unwrap() + 1});
    let mut samples = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let version = round as i64 + 2;
        let change = if round % 2 == 0 {
            json!([{"range": {"start": place, "end": place}, "text": "x"}])
        } else {
            json!([{"range": {"start": place, "end": after}, "text": ""}])
        };
        let sent = Instant::now();
        client.change(&uri, version, change);
        let (arrived, _) = client
            .wait_for("publication", |inbox| {
                inbox.notifications.iter().rev().find_map(|(t, n)| {
                    (n["method"] == "textDocument/publishDiagnostics"
                        && n["params"]["version"] == version)
                        .then_some((*t, ()))
                })
            })
            .await;
        samples.push(arrived.duration_since(sent));
    }
    let cpu_per_edit = cpu_time(pid)
        .zip(cpu_before)
        .map(|(after, before)| (after - before) / rounds as u32);
    client.shutdown_and_exit().await;
    Measured {
        samples,
        findings,
        by_rule,
        cpu_per_edit,
    }
}

/// The engine's share of an edit, in-process on the same text and the same edit as the server
/// (a character typed at `at`, then removed), with the lint cache warm as in the server: the
/// fastest of several runs (the least disturbed by other work on the machine).
fn breakdown(text: &str, at: usize) -> (Duration, Duration, Duration) {
    let settings = Arc::new(Settings::default());
    let mut cache = LintCache::new();
    let mut edited = text.to_string();
    lint_cached(
        &Document::new(text, DocumentKind::Plain),
        &settings,
        &mut cache,
    );
    let runs = if text.len() > 4 << 20 { 6 } else { 20 };
    let (mut to_string, mut parse, mut rules) = (Duration::MAX, Duration::MAX, Duration::MAX);
    for round in 0..runs {
        if round % 2 == 0 {
            edited.insert(at, 'x');
        } else {
            edited.remove(at);
        }
        let rope = ropey::Rope::from_str(&edited);
        let t = Instant::now();
        let owned = rope.to_string();
        to_string = to_string.min(t.elapsed());
        let t = Instant::now();
        let doc = Document::new(owned, DocumentKind::Plain);
        parse = parse.min(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(lint_cached(&doc, &settings, &mut cache));
        rules = rules.min(t.elapsed());
    }
    (to_string, parse, rules)
}

fn resident_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (source, origin) = corpus_text();
    println!(
        "sherpa lsp benchmark: drafts built from {origin} ({} KB)",
        source.len() / 1024
    );
    support::print_machine();
    println!(
        "{:>15} {:>9} {:>6} {:>10} {:>10} {:>10} {:>9} | engine alone: {:>9} {:>9} {:>9}",
        "draft",
        "findings",
        "edits",
        "median",
        "p99",
        "max",
        "cpu/edit",
        "to_string",
        "parse",
        "rules"
    );
    let quick = std::env::var("SHERPA_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let mut table: Vec<String> = Vec::new();
    let mut findings_by_rule: Vec<String> = Vec::new();
    for (label, size, rounds, distinct) in [
        ("10 KB", 10 * 1024, 400usize, true),
        ("100 KB", 100 * 1024, 400, true),
        ("1 MB", 1024 * 1024, 150, true),
        ("10 MB", 10 * 1024 * 1024, 30, true),
        ("10 MB pasted", 10 * 1024 * 1024, 20, false),
    ] {
        // `SHERPA_BENCH_SIZES="1 MB,10 MB"` runs only those.
        if std::env::var("SHERPA_BENCH_SIZES")
            .is_ok_and(|only| !only.split(',').any(|s| s.trim() == label))
        {
            continue;
        }
        let rounds = if quick { rounds.div_ceil(4) } else { rounds };
        let text = drafts::draft_of(&source, size, 0, distinct);
        let mut measured = edit_latency(&text, rounds).await;
        measured.samples.sort();
        let samples = &measured.samples;
        let (to_string, parse, rules) = breakdown(&text, drafts::edit_offset(&text));
        println!(
            "{label:>15} {:>9} {rounds:>6} {:>10} {:>10} {:>10} {:>9} | {:>23} {:>9} {:>9}",
            measured.findings,
            ms(percentile(samples, 0.5)),
            ms(percentile(samples, 0.99)),
            ms(*samples.last().unwrap()),
            measured.cpu_per_edit.map_or("?".to_string(), ms),
            ms(to_string),
            ms(parse),
            ms(rules)
        );
        table.push(format!(
            "TABLE | lsp one-character edit, {label} draft: didChange to publish, median (p99) | {} ({})",
            ms(percentile(samples, 0.5)),
            ms(percentile(samples, 0.99))
        ));
        let listed: Vec<String> = measured
            .by_rule
            .iter()
            .map(|(rule, n)| format!("{rule} {n}"))
            .collect();
        findings_by_rule.push(format!("  {label}: {}", listed.join(", ")));
    }
    println!("findings by rule:");
    for line in findings_by_rule {
        println!("{line}");
    }

    // Memory: ten different 100 KB drafts open and linted.
    let dir = tempfile::tempdir().unwrap();
    let client = start().await;
    let pid = client.pid().expect("a child process");
    let before = resident_kb(pid, "VmRSS:").unwrap_or(0);
    let mut uris = Vec::new();
    for i in 0..10 {
        let text = drafts::draft_of(&source, 100 * 1024, i * 300 * 1024 + 1, true);
        let uri = file_uri(&dir.path().join(format!("draft-{i}.txt")));
        client.open(&uri, "plaintext", 1, &text);
        uris.push(uri);
    }
    for uri in &uris {
        client.diagnostics_for_version(uri, 1).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rss = resident_kb(pid, "VmRSS:").unwrap_or(0);
    let peak = resident_kb(pid, "VmHWM:").unwrap_or(0);
    println!(
        "memory with ten 100 KB drafts open: {:.1} MB resident (peak {:.1} MB; {:.1} MB before opening)",
        rss as f64 / 1024.0,
        peak as f64 / 1024.0,
        before as f64 / 1024.0
    );
    client.shutdown_and_exit().await;
    table.push(format!(
        "TABLE | lsp memory, ten 100 KB drafts open: resident (peak) | {:.1} MB ({:.1} MB)",
        rss as f64 / 1024.0,
        peak as f64 / 1024.0
    ));
    println!("\nFor docs/performance.md, in the order of its table:");
    for line in table {
        println!("{line}");
    }
}
