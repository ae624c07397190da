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
//! ```
//!
//! The second argument picks one row: `all`, `duplicates` or a rule name.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sherpa::lint::{LintCache, lint_cached};
use sherpa::rules::RULES;
use sherpa::{Document, DocumentKind, Settings};

fn main() {
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
    let vocabulary = lowercase_words(&corpus);
    let mut source = corpus.clone();
    let mut pass = 1;
    while source.len() < size && !corpus.is_empty() {
        reword(&corpus, pass, &vocabulary, &mut source);
        pass += 1;
    }
    let mut cut = size.min(source.len());
    while !source.is_char_boundary(cut) {
        cut -= 1;
    }
    source.truncate(cut);
    // An edit in the middle of a paragraph: after the first space past the middle.
    let middle = source[source.len() / 2..]
        .find(' ')
        .map_or(0, |i| i + source.len() / 2);
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

/// Plain lowercase words (ASCII letters only, four or more): replacing one by another changes
/// no acronym, name, number or delimiter, only the word pairs duplicate detection compares.
fn is_plain_word(word: &str) -> bool {
    word.len() >= 4 && word.bytes().all(|b| b.is_ascii_lowercase())
}

fn lowercase_words(source: &str) -> Vec<&str> {
    let mut words: Vec<&str> = source
        .split_whitespace()
        .filter(|w| is_plain_word(w))
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// `text` with every other plain word replaced by a word of `vocabulary` chosen by the word and
/// the pass (as in `benches/lsp.rs`): a reworded paragraph is no near copy of the original.
fn reword(text: &str, pass: usize, vocabulary: &[&str], out: &mut String) {
    let mut plain = 0usize;
    let mut rest = text;
    while !rest.is_empty() {
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (word, tail) = rest.split_at(word_end);
        let space_end = tail
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(tail.len());
        let (space, tail) = tail.split_at(space_end);
        if is_plain_word(word) && !vocabulary.is_empty() {
            plain += 1;
            if plain.is_multiple_of(2) {
                // FNV-1a: a fixed, portable choice of replacement.
                let hash = word.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
                });
                let pick = (hash as usize).wrapping_add(pass * 7919) % vocabulary.len();
                out.push_str(vocabulary[pick]);
            } else {
                out.push_str(word);
            }
        } else {
            out.push_str(word);
        }
        out.push_str(space);
        rest = tail;
    }
}
