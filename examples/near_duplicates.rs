//! One run of the `duplicates` bench's "draft" case: a draft of N generated paragraphs
//! (`benches/support/paragraphs.rs`, the bench's own text) linted once with the duplicates
//! family on one thread. The program to profile near-duplicate detection at scale:
//!
//! ```text
//! cargo build --profile profiling --example near_duplicates
//! valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*lint_draft_once*' \
//!     target/profiling/examples/near_duplicates 30000
//! ```
//!
//! The argument is the number of paragraphs (default 100,000); generating them and parsing the
//! draft stay outside `lint_draft_once`, as they stay outside the bench's timing.

#[path = "../benches/support/paragraphs.rs"]
mod paragraphs;

use std::time::Instant;

use sherpa::{Document, DocumentKind, Settings, lint};

#[inline(never)]
fn lint_draft_once(doc: &Document, settings: &Settings) -> usize {
    lint(doc, settings).len()
}

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()
        .expect("rayon pool");
    let source = paragraphs::load_source();
    let text = paragraphs::generate(&source, count).join("\n\n");
    let doc = Document::new(text, DocumentKind::Plain);
    let mut settings = Settings::default();
    settings.select(&["duplicates".to_string()]);
    let start = Instant::now();
    let findings = lint_draft_once(&doc, &settings);
    println!(
        "{count} paragraphs: {findings} findings in {:.3} s",
        start.elapsed().as_secs_f64()
    );
}
