//! Where a one-character edit's time goes in the language server's engine path, per stage and
//! per rule, on a draft of a given size built from the corpus (the rope and the lint cache warm,
//! as in the server). The companion of `benches/lsp.rs`, and the program to profile.
//!
//! ```text
//! cargo run --release --example edit_cost -- 1000000      # a 1 MB draft
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sherpa::rules::RULES;
use sherpa::lint::{LintCache, lint_cached};
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
    let mut source = String::new();
    for entry in sherpa::config::draft_walker(&root).flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "txt")
            && let Ok(text) = std::fs::read_to_string(path)
        {
            source.push_str(&text);
            source.push_str("\n\n");
        }
        if source.len() >= size {
            break;
        }
    }
    let mut cut = size.min(source.len());
    while !source.is_char_boundary(cut) {
        cut -= 1;
    }
    source.truncate(cut);
    // An edit in the middle of a paragraph: after the first space past the middle.
    let middle = source[source.len() / 2..].find(' ').map_or(0, |i| i + source.len() / 2);
    let mut rows: Vec<(String, Vec<String>)> = vec![("all".into(), vec!["all".into()])];
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
        let mut edited = source.clone();
        let mut toggle = false;
        let time = best(&mut || {
            edited = source.clone();
            if toggle {
                edited.insert(middle, 'x');
            }
            toggle = !toggle;
            let doc = Document::new(edited.clone(), DocumentKind::Plain);
            std::hint::black_box(lint_cached(&doc, &settings, &mut cache));
        });
        println!("{label:>28} {time:?} (Document::new + lint_cached)");
    }
}
