//! CPU cost of the names rules, one by one and together (for profiling with `perf`):
//! `cargo run --release --example names_profile -- FOLDER [RULE|family ...]`.
use sherpa::{Document, DocumentKind, Settings, lint};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("folder");
    let select: Vec<String> = args.collect();
    let mut files = Vec::new();
    collect(std::path::Path::new(&dir), &mut files);
    let texts: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let mut settings = Settings::default();
    if !select.is_empty() {
        settings.select(&select);
    }
    let rounds = 5;
    let start = std::time::Instant::now();
    let mut findings = 0;
    for _ in 0..rounds {
        for text in &texts {
            let doc = Document::new(text.as_str(), DocumentKind::Plain);
            findings += lint(&doc, &settings).len();
        }
    }
    println!(
        "{:?} per round, {} findings",
        start.elapsed() / rounds,
        findings / rounds as usize
    );
}

fn collect(d: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(d).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out)
        } else if p.extension().is_some_and(|e| e == "txt") {
            out.push(p)
        }
    }
}
