//! Paragraphs of realistic text in any number, for `benches/duplicates.rs` and
//! `examples/near_duplicates.rs` (included with `#[path]`): a word-pair (Markov) model of the
//! corpus, with planted near and exact copies.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;

/// splitmix64: a fixed-seed generator, so every run benchmarks the same text.
pub struct Random(pub u64);

impl Random {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A word-pair (Markov) model of real text: which words follow which, how long paragraphs are.
/// Generated paragraphs have the word-pair statistics of the corpus, which is what shingles
/// see, without repeating corpus paragraphs as sampling them would at a million paragraphs.
pub struct Source {
    pub words: Vec<String>,
    /// For each word, the words that follow it in the corpus, as often as they do.
    successors: Vec<Vec<u32>>,
    /// First words of real paragraphs.
    starts: Vec<u32>,
    /// Word counts of real paragraphs.
    lengths: Vec<usize>,
    pub from_corpus: bool,
}

impl Source {
    fn from_paragraphs(paragraphs: &[Vec<&str>], from_corpus: bool) -> Self {
        let mut ids: HashMap<&str, u32> = HashMap::new();
        let mut words: Vec<String> = Vec::new();
        let mut successors: Vec<Vec<u32>> = Vec::new();
        let mut starts = Vec::new();
        let mut lengths = Vec::new();
        for paragraph in paragraphs {
            let mut previous: Option<u32> = None;
            for word in paragraph {
                let id = *ids.entry(word).or_insert_with(|| {
                    words.push(word.to_string());
                    successors.push(Vec::new());
                    (words.len() - 1) as u32
                });
                match previous {
                    Some(p) => successors[p as usize].push(id),
                    None => starts.push(id),
                }
                previous = Some(id);
            }
            lengths.push(paragraph.len());
        }
        Self {
            words,
            successors,
            starts,
            lengths,
            from_corpus,
        }
    }

    pub fn paragraph(&self, random: &mut Random) -> String {
        let length = self.lengths[random.below(self.lengths.len())];
        let mut word = self.starts[random.below(self.starts.len())];
        let mut out = self.words[word as usize].clone();
        for _ in 1..length {
            let next = &self.successors[word as usize];
            word = if next.is_empty() {
                self.starts[random.below(self.starts.len())]
            } else {
                next[random.below(next.len())]
            };
            out.push(' ');
            out.push_str(&self.words[word as usize]);
        }
        out
    }

    pub fn any_word(&self, random: &mut Random) -> &str {
        &self.words[random.below(self.words.len())]
    }
}

fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("SHERPA_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    dir.is_dir().then_some(dir)
}

pub fn load_source() -> Source {
    let mut texts = Vec::new();
    if let Some(dir) = corpus_dir() {
        let mut stack = vec![dir];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "txt") {
                    texts.push(std::fs::read_to_string(&path).unwrap_or_default());
                }
            }
        }
    }
    let paragraphs: Vec<Vec<&str>> = texts
        .iter()
        .flat_map(|t| t.lines())
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .filter(|words| words.len() >= 12)
        .collect();
    if paragraphs.len() >= 100 {
        return Source::from_paragraphs(&paragraphs, true);
    }
    synthetic_source()
}

/// Zipf-distributed made-up words in paragraphs of 20-120 words.
fn synthetic_source() -> Source {
    let syllables = [
        "ka", "ro", "mi", "tan", "sel", "vo", "dri", "um", "pa", "le", "quo", "nis", "ter", "al",
    ];
    let mut random = Random(7);
    let words: Vec<String> = (0..5000)
        .map(|_| {
            (0..2 + random.below(3))
                .map(|_| syllables[random.below(syllables.len())])
                .collect()
        })
        .collect();
    // Rank r appears about 5000 / r times.
    let occurrences: Vec<&str> = words
        .iter()
        .enumerate()
        .flat_map(|(rank, w)| std::iter::repeat_n(w.as_str(), 5000 / (rank + 1) + 1))
        .collect();
    let paragraphs: Vec<Vec<&str>> = (0..5000)
        .map(|_| {
            (0..20 + random.below(100))
                .map(|_| occurrences[random.below(occurrences.len())])
                .collect()
        })
        .collect();
    Source::from_paragraphs(&paragraphs, false)
}

pub fn generate(source: &Source, count: usize) -> Vec<String> {
    let mut random = Random(count as u64);
    let mut out: Vec<String> = Vec::with_capacity(count);
    for _ in 0..count {
        let roll = random.below(100);
        if roll < 3 && !out.is_empty() {
            let earlier = out[random.below(out.len())].clone();
            if roll == 0 {
                out.push(earlier);
            } else {
                let mut words: Vec<&str> = earlier.split(' ').collect();
                for _ in 0..1 + random.below(3) {
                    let at = random.below(words.len());
                    words[at] = source.any_word(&mut random);
                }
                out.push(words.join(" "));
            }
            continue;
        }
        out.push(source.paragraph(&mut random));
    }
    out
}
