//! Where a one-character edit's time goes in the language server's engine path, per stage and
//! per rule, on a draft of a given size built from the corpus (the rope and the lint cache warm,
//! as in the server). The companion of `benches/lsp.rs`, and the program to profile.
//!
//! ```text
//! cargo run --release --example edit_cost -- 1000000      # a 1 MB draft, every rule
//! cargo run --release --example edit_cost -- 1000000 org-name-variant
//! # instructions per edit, whatever else the machine does (the cache-filling run excluded):
//! valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*one_edit*' \
//!     target/profiling/examples/edit_cost 1000000 all
//! cargo run --release --example edit_cost -- 10000000 duplicates   # 10 MB, one row
//! # every rule on one thread, so the toggle sees the names rules too (they run beside the others):
//! SHERPA_ONE_THREAD=1 valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*one_edit*' \
//!     target/profiling/examples/edit_cost 100000 all
//! ```
//!
//! The second argument picks one row: `all`, `duplicates` or a rule name.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sherpa::lint::{LintCache, lint_cached};
use sherpa::rules::RULES;
use sherpa::{Document, DocumentKind, Settings};

#[path = "../benches/support/drafts.rs"]
mod drafts;

fn main() {
    // `SHERPA_ONE_THREAD=1`: everything on one rayon worker (`rayon::join` inside the lint runs
    // both halves there), so a profiler toggled on `one_edit` sees the names rules too.
    if std::env::var_os("SHERPA_ONE_THREAD").is_some() {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build();
        pool.expect("a one-thread pool").install(measure);
    } else {
        measure();
    }
}

fn measure() {
    let size: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1 << 20);
    let only = std::env::args().nth(2);
    let root = std::env::var_os("SHERPA_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let mut corpus = String::new();
    for entry in sherpa::config::draft_walker(&root).flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "txt")
            && let Ok(text) = std::fs::read_to_string(path)
        {
            corpus.push_str(&text);
            corpus.push_str("\n\n");
        }
        if corpus.len() >= size {
            break;
        }
    }
    // A draft larger than the corpus takes it again, reworded as `benches/lsp.rs` does (every
    // other plain lowercase word replaced), so the passes are not copies of each other.
    let source = drafts::draft_of(&corpus, size, 0, true);
    // An edit in the middle of a paragraph, where the lsp bench makes it.
    let middle = drafts::edit_offset(&source);
    let mut rows: Vec<(String, Vec<String>)> = vec![
        ("all".into(), vec!["all".into()]),
        ("duplicates".into(), vec!["duplicates".into()]),
    ];
    for rule in RULES {
        rows.push((rule.name.into(), vec![rule.name.into()]));
    }
    println!("draft of {} bytes; edit at {middle}", source.len());
    let rope = ropey::Rope::from_str(&source);
    let best = |f: &mut dyn FnMut()| {
        let mut best = Duration::MAX;
        for _ in 0..7 {
            let t = Instant::now();
            f();
            best = best.min(t.elapsed());
        }
        best
    };
    println!(
        "rope to string {:?}",
        best(&mut || drop(std::hint::black_box(rope.to_string())))
    );
    println!(
        "Document::new {:?}",
        best(&mut || drop(Document::new(source.clone(), DocumentKind::Plain)))
    );
    for (label, select) in rows {
        if only.as_deref().is_some_and(|o| o != label) {
            continue;
        }
        let mut settings = Settings::default();
        settings.select(&select);
        let settings = Arc::new(settings);
        let mut cache = LintCache::new();
        // The first run fills the cache, as opening the draft does in the server.
        lint_version(&source, None, &settings, &mut cache);
        let mut toggle = false;
        let mut findings = 0;
        let time = best(&mut || {
            toggle = !toggle;
            findings = one_edit(&source, toggle.then_some(middle), &settings, &mut cache);
        });
        println!("{label:>28} {time:?} (Document::new + lint_cached), {findings} findings");
    }
}

/// One measured edit (a separate function so that callgrind can collect only these).
#[inline(never)]
fn one_edit(
    source: &str,
    insert: Option<usize>,
    settings: &Arc<Settings>,
    cache: &mut LintCache,
) -> usize {
    lint_version(source, insert, settings, cache)
}

/// The server's work for one version of the draft: `source`, with an "x" inserted at `insert`.
#[inline(never)]
fn lint_version(
    source: &str,
    insert: Option<usize>,
    settings: &Arc<Settings>,
    cache: &mut LintCache,
) -> usize {
    let mut text = source.to_string();
    if let Some(at) = insert {
        text.insert(at, 'x');
    }
    let doc = Document::new(text, DocumentKind::Plain);
    std::hint::black_box(lint_cached(&doc, settings, cache)).len()
}
