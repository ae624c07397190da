//! Drafts of any size built from real text, for the benches and `examples/edit_cost.rs`: the
//! source taken again as often as needed, each later pass reworded so that the passes are not
//! copies of each other.

/// `size` bytes of source text starting `skip` bytes in, cut at a line. When the source is
/// shorter, it is used again; with `distinct`, each later pass rewords its paragraphs (every
/// other lowercase word of four letters or more replaced by another word of the source, see
/// [`reword`]) so the passes are neither duplicates nor near-duplicates of each other (a 10 MB
/// draft made of one 3 MB text pasted three times is a draft of thousands of duplicate
/// findings, measured separately).
pub fn draft_of(source: &str, size: usize, skip: usize, distinct: bool) -> String {
    let vocabulary = if distinct {
        lowercase_words(source)
    } else {
        Vec::new()
    };
    let mut out = String::with_capacity(size + 4096);
    let mut at = skip % source.len();
    let mut pass = 0;
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
        if pass > 0 && distinct {
            reword(piece, pass, &vocabulary, &mut out);
        } else {
            out.push_str(piece);
        }
        at = 0;
        pass += 1;
    }
    out
}

/// Plain lowercase words (ASCII letters only, four or more): replacing one by another changes
/// no acronym, name, number, delimiter or list marker, only the word pairs that duplicate
/// detection compares.
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
/// the pass: about a quarter of the words change, so a reworded paragraph shares about half its
/// word pairs with the original (similarity about 0.5, well under the 0.8 threshold).
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

/// Where the benches and examples type: at the first space past the middle of the draft (in
/// the middle of a paragraph).
pub fn edit_offset(text: &str) -> usize {
    let middle = text.len() / 2;
    match text[middle..].find(' ') {
        Some(space) => middle + space,
        None => floor(text, middle),
    }
}

pub fn floor(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}
