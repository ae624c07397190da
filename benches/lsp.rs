//! Language-server latency and memory, measured through the real binary over stdio.
//!
//! - Time from a one-character `didChange` to the `publishDiagnostics` of that version, with the
//!   debounce set to 0 (so it is excluded), on drafts of 10 KB, 100 KB, 1 MB and 10 MB built
//!   from the corpus: median and p99.
//! - Where that time goes, measured in-process on the same text: rope to string, parsing the
//!   draft into blocks, running the rules.
//! - Resident memory of the server with ten 100 KB drafts open.
//!
//! Run with `cargo bench --bench lsp`. Reads `../shared/corpus` (or `SHERPA_CORPUS`); without it,
//! the seed draft repeated stands in (and the numbers say so).

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/common/lsp_client.rs"]
mod lsp_client;

use std::time::{Duration, Instant};

use lsp_client::{Client, Encoding, capabilities, file_uri, position};
use serde_json::json;
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

/// `size` bytes of source text starting `skip` bytes in, repeated if needed, cut at a line.
fn draft_of(source: &str, size: usize, skip: usize) -> String {
    let mut out = String::with_capacity(size + 4096);
    let mut at = skip % source.len();
    while out.len() < size {
        let rest = &source[floor(source, at)..];
        let take = rest.len().min(size - out.len());
        let piece = &rest[..floor(rest, take)];
        let piece = match piece.rfind('\n') {
            Some(end) if piece.len() < rest.len() => &piece[..=end],
            _ => piece,
        };
        if piece.is_empty() {
            break;
        }
        out.push_str(piece);
        at = 0;
    }
    out
}

fn floor(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

async fn start() -> Client {
    let mut client = Client::spawn(&[("SHERPA_LOG", "error")]);
    client
        .initialize(capabilities(&[Encoding::Utf16]), json!({"debounceMs": 0}))
        .await;
    client
}

/// Latency of one-character edits in the middle of a draft of `text`.
async fn edit_latency(text: &str, rounds: usize) -> (Vec<Duration>, usize) {
    let dir = tempfile::tempdir().unwrap();
    let uri = file_uri(&dir.path().join("draft.txt"));
    let mut client = start().await;
    client.open(&uri, "plaintext", 1, text);
    let findings = client.diagnostics_for_version(&uri, 1).await.len();
    // Typing in the middle of a paragraph, then taking it back: the text keeps its size.
    let middle = text.len() / 2;
    let at = match text[middle..].find(' ') {
        Some(space) => middle + space,
        None => floor(text, middle),
    };
    let place = position(text, at, Encoding::Utf16);
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
    client.shutdown_and_exit().await;
    (samples, findings)
}

/// The engine's share of an edit, in-process on the same text.
fn breakdown(text: &str) -> (Duration, Duration, Duration) {
    let rope = ropey::Rope::from_str(text);
    let settings = Settings::default();
    let runs = 5;
    let (mut to_string, mut parse, mut rules) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    for _ in 0..runs {
        let t = Instant::now();
        let owned = rope.to_string();
        to_string += t.elapsed();
        let t = Instant::now();
        let doc = Document::new(owned, DocumentKind::Plain);
        parse += t.elapsed();
        let t = Instant::now();
        std::hint::black_box(sherpa::lint(&doc, &settings));
        rules += t.elapsed();
    }
    (to_string / runs, parse / runs, rules / runs)
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
    println!(
        "{:>8} {:>9} {:>7} {:>11} {:>11} {:>11} | in-process: {:>10} {:>10} {:>10}",
        "draft", "findings", "edits", "median", "p99", "max", "to_string", "parse", "rules"
    );
    for (label, size, rounds) in [
        ("10 KB", 10 * 1024, 400),
        ("100 KB", 100 * 1024, 400),
        ("1 MB", 1024 * 1024, 150),
        ("10 MB", 10 * 1024 * 1024, 30),
    ] {
        // `SHERPA_BENCH_SIZES="1 MB,10 MB"` runs only those.
        if std::env::var("SHERPA_BENCH_SIZES")
            .is_ok_and(|only| !only.split(',').any(|s| s.trim() == label))
        {
            continue;
        }
        let text = draft_of(&source, size, 0);
        let (mut samples, findings) = edit_latency(&text, rounds).await;
        samples.sort();
        let (to_string, parse, rules) = breakdown(&text);
        println!(
            "{label:>8} {findings:>9} {rounds:>7} {:>11} {:>11} {:>11} | {:>21} {:>10} {:>10}",
            ms(percentile(&samples, 0.5)),
            ms(percentile(&samples, 0.99)),
            ms(*samples.last().unwrap()),
            ms(to_string),
            ms(parse),
            ms(rules)
        );
    }

    // Memory: ten different 100 KB drafts open and linted.
    let dir = tempfile::tempdir().unwrap();
    let mut client = start().await;
    let pid = client.pid().expect("a child process");
    let before = resident_kb(pid, "VmRSS:").unwrap_or(0);
    let mut uris = Vec::new();
    for i in 0..10 {
        let text = draft_of(&source, 100 * 1024, i * 300 * 1024 + 1);
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
}
