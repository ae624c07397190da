use sherpa::text::sentences;
use sherpa::{Document, DocumentKind};
fn main() {
    let mut stack = vec![std::path::PathBuf::from("/work/shared/corpus")];
    let mut files = vec![];
    while let Some(d) = stack.pop() { for e in std::fs::read_dir(d).unwrap() { let p = e.unwrap().path(); if p.is_dir() { stack.push(p) } else if p.extension().is_some_and(|e| e=="txt") { files.push(p) } } }
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let doc = Document::new(text.as_str(), DocumentKind::Plain);
        for b in doc.blocks() {
            let ss = sentences(doc.text(), b.span);
            for w in ss.windows(2) {
                let s = w[0].slice(doc.text());
                let last = s.rsplit(' ').next().unwrap();
                if last.len() <= 6 || last.chars().filter(|c| *c=='.').count() >= 2 {
                    println!("{}\t{}", last, &w[1].slice(doc.text()).chars().take(30).collect::<String>());
                }
            }
        }
    }
}
