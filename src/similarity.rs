//! Paragraph fingerprints and the near-duplicate search shared by the duplicate rules.
//!
//! Every fact here is computed from one paragraph's text alone, so a caller can cache it by
//! content hash and recompute only the paragraphs that changed. Hashes are xxh3 at a fixed seed:
//! std and ahash hashes change between runs, and cached facts must stay comparable.
//!
//! Similarity is the Dice coefficient over word shingles (pairs of consecutive words, case and
//! quote style folded): `2 × shared shingles ÷ (shingles of A + shingles of B)`, counting a
//! shingle as often as it occurs. One changed word in a 40-word paragraph costs two shingles, so
//! such copies score about 0.95; parallel paragraphs that share a frame but differ in substance
//! ("cooperation in trade and energy" / "cooperation in health and education") score low.
//!
//! Candidates come from MinHash with locality-sensitive hashing: a one-permutation MinHash of
//! [`MINHASH_LEN`] values per paragraph (one hash per shingle, empty bins densified), cut into
//! bands; paragraphs that agree on a whole band are compared exactly. The work is linear in the
//! number of paragraphs plus the candidate pairs, which stay few because a band needs several
//! independent agreements.

use std::sync::{LazyLock, OnceLock};

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::FastMap;
use crate::diagnostic::TextRange;
use crate::text::{SentenceSpan, normalize_with_words, sentences_into};

/// The fixed seed of every hash in this module. Changing it invalidates cached facts.
const SEED: u64 = 0x7368_6572_7061_0001;

/// Number of MinHash values per paragraph.
pub const MINHASH_LEN: usize = 128;

/// Probes tried for an empty MinHash bin before falling back to a scan.
const DENSIFY_PROBES: usize = 32;

/// In a bucket of paragraphs that share a band, each is compared with at most this many earlier
/// members: huge buckets (formulaic text) must not turn the search quadratic. A true match that a
/// full bucket hides is still found through the other bands.
const BUCKET_WINDOW: usize = 16;

/// Exact comparisons allowed per paragraph over all bands, so a draft of thousands of
/// formulaic, nearly-alike paragraphs still costs linear time. Real near copies agree on most
/// bands and are met long before the budget runs out.
const COMPARISON_BUDGET: u16 = 96;

/// Facts about one sentence of a paragraph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SentenceFacts {
    /// Byte range relative to the start of the paragraph.
    pub range: TextRange,
    pub words: u32,
    /// xxh3 of the normalized sentence: equal for sentences that repeat verbatim.
    pub hash: u64,
}

/// See [`ParagraphFacts::text_key`].
pub type TextKey = (u64, u32, u32);

/// What the paragraph rules need to know about one paragraph, computed from its text alone.
#[derive(Clone, Debug)]
pub struct ParagraphFacts {
    pub words: u32,
    /// xxh3 of the normalized text (case, whitespace and quote style folded): equal for exact
    /// duplicates in the sense of `duplicate-paragraph`.
    pub exact: u64,
    /// Length in bytes of the normalized text: with `exact` and `words`, what tells two
    /// paragraphs apart without keeping their normalized text.
    pub normalized_len: u32,
    /// Hashed word-pair shingles (32 bits; the k-th repeat of a pair hashed apart so repeats
    /// count), in text order.
    shingles: Box<[u32]>,
    /// The shingles sorted, for the exact similarity: computed on first use, since only
    /// paragraphs that meet a candidate are ever compared exactly.
    sorted_shingles: OnceLock<Box<[u32]>>,
    /// Whether `shingles` are held sorted (copies kept for comparison, see
    /// [`ParagraphFacts::for_comparison`]), and so are their own sorted form.
    shingles_sorted: bool,
    /// One-permutation MinHash of the shingles, densified so every bin holds a value: computed
    /// on first use, since only paragraphs long enough to be near-duplicate candidates need it.
    minhash: OnceLock<Box<[u16; MINHASH_LEN]>>,
    /// The paragraph's sentences, for `duplicate-sentence` (computed in the same pass).
    pub sentences: Box<[SentenceFacts]>,
}

/// Buffers reused from paragraph to paragraph, so computing facts allocates only what it keeps.
#[derive(Default)]
struct Scratch {
    sentences: Vec<TextRange>,
    normalized: Vec<u8>,
    /// Each sentence's span in `normalized` and its word count.
    sentence_spans: Vec<SentenceSpan>,
    /// The shingles' high 32 bits, repeats numbered.
    shingles: Vec<u32>,
    repeats: RepeatTable,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

impl ParagraphFacts {
    /// Facts of one paragraph, from its text (a block's slice of `Document::text()`).
    pub fn compute(text: &str) -> Self {
        SCRATCH.with(|scratch| Self::compute_with(text, &mut scratch.borrow_mut()))
    }

    fn compute_with(text: &str, scratch: &mut Scratch) -> Self {
        let Scratch {
            sentences,
            normalized,
            sentence_spans,
            shingles,
            repeats,
        } = scratch;
        sentences_into(text, TextRange::new(0, text.len()), sentences);

        // One pass over the bytes gives the normalized text (hashed whole and by sentence) and
        // the words, whose folded forms are slices of it; each shingle's repeats are numbered
        // as it is made. Words are at most every other byte, so reserving that many shingles
        // means pushing never grows the buffer, and the repeat table never fills.
        let most_words = text.len() / 2 + 1;
        shingles.clear();
        shingles.reserve(most_words);
        repeats.reset(most_words);
        let mut words_seen = 0u32;
        let mut previous = 0u64;
        let normalized_len =
            normalize_with_words(text, sentences, normalized, sentence_spans, |folded| {
                let hash = xxh3_64_with_seed(folded, SEED);
                if words_seen > 0 {
                    let shingle = repeats.numbered(pair_hash(previous, hash));
                    shingles.push((shingle >> 32) as u32);
                }
                words_seen += 1;
                previous = hash;
            });
        let sentence_facts: Box<[SentenceFacts]> = sentences
            .iter()
            .zip(sentence_spans.iter())
            .map(|(&range, span)| SentenceFacts {
                range,
                words: span.words,
                hash: xxh3_64_with_seed(&normalized[span.start as usize..span.end as usize], SEED),
            })
            .collect();
        let exact = xxh3_64_with_seed(&normalized[..normalized_len], SEED);
        if words_seen == 1 {
            shingles.push((previous >> 32) as u32);
        }

        Self {
            words: words_seen,
            exact,
            normalized_len: normalized_len as u32,
            shingles: shingles.as_slice().into(),
            sorted_shingles: OnceLock::new(),
            shingles_sorted: false,
            minhash: OnceLock::new(),
            sentences: sentence_facts,
        }
    }

    /// The MinHash values. The bin and value bits of a shingle's hash lie in its high 32 bits,
    /// which are what [`ParagraphFacts::shingles`] keeps, so the values are the same as from
    /// the full hashes.
    fn minhash(&self) -> &[u16; MINHASH_LEN] {
        self.minhash.get_or_init(|| {
            let mut values = Box::new([0u16; MINHASH_LEN]);
            one_permutation_minhash(&self.shingles, &mut values);
            values
        })
    }

    fn sorted_shingles(&self) -> &[u32] {
        if self.shingles_sorted {
            return &self.shingles;
        }
        self.sorted_shingles.get_or_init(|| {
            let mut sorted = self.shingles.clone();
            sorted.sort_unstable();
            sorted
        })
    }

    /// What a batch keeps of the paragraph to compare it with other drafts' paragraphs once its
    /// own draft is dropped: the shingles sorted (the comparison reads them as a multiset, so
    /// the exact similarity and the MinHash are the same), the MinHash computed, no sentences.
    /// What the draft's rules already computed (the MinHash, the sorted shingles) is copied,
    /// not computed again.
    pub fn for_comparison(&self) -> ParagraphFacts {
        ParagraphFacts {
            words: self.words,
            exact: self.exact,
            normalized_len: self.normalized_len,
            shingles: self.sorted_shingles().into(),
            sorted_shingles: OnceLock::new(),
            shingles_sorted: true,
            minhash: OnceLock::from(Box::new(*self.minhash())),
            sentences: Box::default(),
        }
    }

    /// A hash of the shingles in text order (foldhash, fixed seed): equal for facts whose
    /// shingles are the same.
    pub fn shingles_fingerprint(&self) -> u64 {
        use std::hash::BuildHasher;
        debug_assert!(
            !self.shingles_sorted,
            "the order of a kept copy's shingles is lost"
        );
        foldhash::quality::FixedState::with_seed(SEED).hash_one(&*self.shingles)
    }

    /// What identifies the normalized text: its 64-bit hash, length and word count. Two
    /// paragraphs with the same key are taken as copies without comparing their texts: a false
    /// match needs an xxh3 collision between paragraphs of the same length and word count (odds
    /// about 2^-64 per pair).
    pub fn text_key(&self) -> TextKey {
        (self.exact, self.normalized_len, self.words)
    }

    /// Dice coefficient over word-pair shingles, exactly (not estimated): 1.0 for the same words
    /// in the same order, 0.0 for nothing in common.
    pub fn similarity(&self, other: &ParagraphFacts) -> f64 {
        let total = self.shingles.len() + other.shingles.len();
        if total == 0 {
            return 1.0;
        }
        2.0 * shared_count(self.sorted_shingles(), other.sorted_shingles()) as f64 / total as f64
    }

    /// Whether the shingle counts alone already rule out `threshold`: Dice can be at most
    /// `2·min ÷ (min + max)`.
    fn lengths_allow(&self, other: &ParagraphFacts, threshold: f64) -> bool {
        let (a, b) = (self.shingles.len(), other.shingles.len());
        let (small, large) = (a.min(b), a.max(b));
        large == 0 || 2.0 * small as f64 >= threshold * (small + large) as f64
    }

    /// The share of MinHash values two paragraphs agree on: an estimate of the Jaccard
    /// similarity of their shingle multisets.
    fn estimated_jaccard(&self, other: &ParagraphFacts) -> f64 {
        let agreeing = self
            .minhash()
            .iter()
            .zip(other.minhash().iter())
            .filter(|(a, b)| a == b)
            .count();
        agreeing as f64 / MINHASH_LEN as f64
    }

    /// The band's values packed (at most four 16-bit values: exact, no hashing needed). The
    /// first value takes the low bits, so four values are packed as they lie in memory (one
    /// load); any one-to-one packing keys the buckets alike.
    fn band_key(&self, band: usize, rows: usize) -> u64 {
        band_key(self.minhash(), band, rows)
    }
}

/// [`ParagraphFacts::band_key`] from the MinHash values themselves. Four rows (the default
/// threshold's) are read as one fixed-size group, without a loop over the rows.
#[inline]
fn band_key(values: &[u16; MINHASH_LEN], band: usize, rows: usize) -> u64 {
    if rows == 4 {
        let group: [u16; 4] = values[band * 4..band * 4 + 4]
            .try_into()
            .expect("four values");
        return u64::from(group[0])
            | u64::from(group[1]) << 16
            | u64::from(group[2]) << 32
            | u64::from(group[3]) << 48;
    }
    values[band * rows..(band + 1) * rows]
        .iter()
        .rev()
        .fold(0u64, |packed, &value| (packed << 16) | u64::from(value))
}

/// Combines two hashes (of words, or of a shingle and its repeat number) into one: an
/// asymmetric mix finished with murmur3's avalanche, far cheaper than hashing 16 bytes and just
/// as well spread, since both inputs are already xxh3 outputs.
fn pair_hash(first: u64, second: u64) -> u64 {
    let mut h = first.rotate_left(29) ^ second.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ SEED;
    h ^= h >> 33;
    h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^= h >> 33;
    h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    h ^ (h >> 33)
}

/// Makes the k-th repeat of a shingle a distinct value, so sets of values count repeats
/// (multiset similarity with set machinery): the reference, with a plain map, for the
/// open-addressing [`RepeatTable`] that numbers them as shingles are made.
#[cfg(test)]
fn number_repeats(shingles: &mut [u64]) {
    let mut seen = std::collections::HashMap::new();
    for shingle in shingles.iter_mut() {
        let count = seen.entry(*shingle).or_insert(0u32);
        if *count > 0 {
            let numbered = pair_hash(*shingle, u64::from(*count));
            *count += 1;
            *shingle = numbered;
        } else {
            *count = 1;
        }
    }
}

impl RepeatTable {
    /// Empties the table for at most `members` shingles. Slots stamped with an older
    /// generation count as empty, so nothing is cleared.
    fn reset(&mut self, members: usize) {
        let capacity = (members * 2).next_power_of_two().max(16);
        if self.slots.len() < capacity {
            self.slots.resize(capacity, RepeatSlot::default());
        }
        if next_generation(&mut self.generation) {
            self.slots.fill(RepeatSlot::default());
        }
        self.mask = capacity - 1;
    }

    /// The shingle itself the first time it is met, hashed with its repeat number after.
    #[inline]
    fn numbered(&mut self, shingle: u64) -> u64 {
        // The hashes are uniform: their low bits pick the slot.
        let mut index = shingle as usize & self.mask;
        loop {
            let slot = &mut self.slots[index];
            if slot.generation != self.generation {
                *slot = RepeatSlot {
                    key: shingle,
                    count: 1,
                    generation: self.generation,
                };
                return shingle;
            }
            if slot.key == shingle {
                let count = slot.count;
                slot.count = count + 1;
                return pair_hash(shingle, u64::from(count));
            }
            index = (index + 1) & self.mask;
        }
    }
}

/// Counts each shingle met so far in a paragraph (open addressing), reused from paragraph to
/// paragraph: see [`number_repeats`].
#[derive(Default)]
struct RepeatTable {
    slots: Vec<RepeatSlot>,
    generation: u32,
    mask: usize,
}

/// Moves a table whose slots are stamped with the generation that wrote them (older stamps
/// count as empty) to its next generation. Returns true when the count wrapped: every stamp
/// could then look current, so the caller clears its slots (once in four billion resets).
fn next_generation(generation: &mut u32) -> bool {
    *generation = generation.wrapping_add(1);
    if *generation == 0 {
        *generation = 1;
        return true;
    }
    false
}

/// One shingle and how often it was met, valid only if written in the table's current
/// generation (older slots are empty).
#[derive(Clone, Copy, Default)]
struct RepeatSlot {
    key: u64,
    count: u32,
    generation: u32,
}

/// For empty bin `i`, the bins to borrow from, in order: the same fixed sequence for every
/// paragraph, so two paragraphs agree on a densified bin with the probability they agree on a
/// filled one ("optimal densification", Shrivastava 2017).
static PROBES: LazyLock<Box<[[u8; DENSIFY_PROBES]; MINHASH_LEN]>> = LazyLock::new(|| {
    let mut table = Box::new([[0u8; DENSIFY_PROBES]; MINHASH_LEN]);
    for (bin, probes) in table.iter_mut().enumerate() {
        for (attempt, probe) in probes.iter_mut().enumerate() {
            let h = xxh3_64_with_seed(&[bin as u8, attempt as u8], SEED);
            *probe = (h % MINHASH_LEN as u64) as u8;
        }
    }
    table
});

/// MinHash of the shingles' high 32 bits (see [`ParagraphFacts::minhash`]). Densification
/// visits only the empty bins (a bit mask of the filled ones).
fn one_permutation_minhash(shingles: &[u32], values: &mut [u16; MINHASH_LEN]) {
    const BIN_BITS: u32 = MINHASH_LEN.trailing_zeros();
    const _: () = assert!(
        MINHASH_LEN.is_multiple_of(64),
        "the filled bins are whole u64 masks"
    );
    if shingles.is_empty() {
        values.fill(0);
        return;
    }
    values.fill(u16::MAX);
    // Which bins are filled, as flags for the probes and as a mask to visit the empty ones.
    // The flags are indexed by a probe's byte: 256 of them (bins stop at MINHASH_LEN), so the
    // probe loop needs no bounds check.
    let mut filled = [false; 256];
    let mut filled_mask = [0u64; MINHASH_LEN / 64];
    for &h in shingles {
        let bin = (h >> (32 - BIN_BITS)) as usize;
        // The 16 bits below the bin number.
        let value = (h >> (16 - BIN_BITS)) as u16;
        filled[bin] = true;
        filled_mask[bin / 64] |= 1 << (bin % 64);
        values[bin] = values[bin].min(value);
    }
    let source = *values;
    let probes = &*PROBES;
    for (word, &mask) in filled_mask.iter().enumerate() {
        let mut empty = !mask;
        while empty != 0 {
            let bin = word * 64 + empty.trailing_zeros() as usize;
            empty &= empty - 1;
            values[bin] = source[borrowed_bin(bin, &filled, probes)];
        }
    }
}

/// The filled bin an empty `bin` takes its value from: its first filled probe, else the next
/// filled bin clockwise.
fn borrowed_bin(
    bin: usize,
    filled: &[bool; 256],
    probes: &[[u8; DENSIFY_PROBES]; MINHASH_LEN],
) -> usize {
    probes[bin]
        .iter()
        .find(|&&p| filled[usize::from(p)])
        .map(|&p| usize::from(p))
        .unwrap_or_else(|| {
            (1..MINHASH_LEN)
                .map(|step| (bin + step) % MINHASH_LEN)
                .find(|&p| filled[p])
                .expect("a paragraph with shingles fills a bin")
        })
}

fn shared_count(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared
}

/// A verified match: `other` indexes the slice given to [`best_earlier_matches`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Match {
    pub other: usize,
    pub similarity: f64,
}

/// How far below the threshold's Jaccard a MinHash estimate may fall before the exact
/// comparison is skipped: four standard deviations of the estimate for a pair exactly at the
/// threshold. A short paragraph fills fewer bins than [`MINHASH_LEN`] with independent values,
/// so its estimate is noisier and the margin wider.
fn estimate_margin(threshold: f64, a: &ParagraphFacts, b: &ParagraphFacts) -> f64 {
    let samples = a.shingles.len().min(b.shingles.len()).clamp(1, MINHASH_LEN) as f64;
    let j = jaccard(threshold);
    4.0 * (j * (1.0 - j) / samples).sqrt()
}

/// Dice `t` over multisets is Jaccard `t / (2 - t)`, which MinHash bins agree on.
fn jaccard(dice: f64) -> f64 {
    (dice / (2.0 - dice)).clamp(0.0, 1.0)
}

/// Rows per band for a similarity threshold: as many as keep the chance of missing a pair at
/// exactly the threshold under 0.5% (more rows means fewer chance candidates).
pub fn rows_per_band(threshold: f64) -> usize {
    let jaccard = jaccard(threshold);
    (1..=4)
        .rev()
        .find(|&rows| {
            let bands = (MINHASH_LEN / rows) as i32;
            1.0 - (1.0 - jaccard.powi(rows as i32)).powi(bands) >= 0.995
        })
        .unwrap_or(1)
}

/// For each item, the most similar earlier item (lower index) with similarity at or above
/// `threshold` among the pairs `accept(earlier, later)` allows; ties go to the earliest.
/// Near-linear: candidates come from MinHash bands, and each candidate is verified exactly.
pub fn best_earlier_matches(
    items: &[&ParagraphFacts],
    threshold: f64,
    accept: impl Fn(usize, usize) -> bool,
) -> Vec<Option<Match>> {
    let mut best: Vec<Option<Match>> = vec![None; items.len()];
    if items.len() < 2 {
        return best;
    }
    let mut budget: Vec<u16> = vec![COMPARISON_BUDGET; items.len()];
    let rows = rows_per_band(threshold);
    let bands = MINHASH_LEN / rows;
    // Each band's keys are first split by their top bits into partitions of a few thousand
    // paragraphs (a counting sort, so each partition keeps paragraph order), and each partition
    // gets a hash table that stays in cache: one table for a million paragraphs would not.
    let partition_bits = (items.len() / PARTITION_SIZE)
        .next_power_of_two()
        .trailing_zeros();
    let partitions = 1usize << partition_bits;
    // Keys are mixed once as they are read (a one-to-one map, so buckets are the same): the
    // top bits pick the partition, the bits below them the slot.
    let partition_of = |mixed: u64| {
        if partition_bits == 0 {
            0
        } else {
            (mixed >> (64 - partition_bits)) as usize
        }
    };
    let mut keyed: Vec<(u64, u32)> = Vec::with_capacity(items.len());
    let mut partitioned: Vec<(u64, u32)> =
        vec![(0, 0); if partitions > 1 { items.len() } else { 0 }];
    let mut starts = vec![0usize; partitions + 1];
    let mut next = starts.clone();
    let mut table = BandTable::default();
    // Each item's MinHash, reached once rather than through its facts at every band.
    let minhashes: Vec<&[u16; MINHASH_LEN]> = items.iter().map(|facts| facts.minhash()).collect();
    for band in 0..bands {
        keyed.clear();
        keyed.extend(
            minhashes
                .iter()
                .enumerate()
                .map(|(index, values)| (mix(band_key(values, band, rows)), index as u32)),
        );
        // One partition (drafts of fewer than PARTITION_SIZE paragraphs) needs no sort.
        let ordered: &[(u64, u32)] = if partitions == 1 {
            starts[1] = keyed.len();
            &keyed
        } else {
            starts.fill(0);
            for &(key, _) in &keyed {
                starts[partition_of(key) + 1] += 1;
            }
            for p in 0..partitions {
                starts[p + 1] += starts[p];
            }
            next.copy_from_slice(&starts);
            for &(key, index) in &keyed {
                let p = partition_of(key);
                partitioned[next[p]] = (key, index);
                next[p] += 1;
            }
            &partitioned
        };
        for p in 0..partitions {
            let members = &ordered[starts[p]..starts[p + 1]];
            table.reset(members.len());
            for (position, &(key, later)) in members.iter().enumerate() {
                let later = later as usize;
                // Earlier paragraphs with the same band, most recent first.
                let mut earlier = table.insert(key, position as u32);
                let mut window = BUCKET_WINDOW;
                while let Some(other) = earlier {
                    if window == 0 || budget[later] == 0 {
                        break;
                    }
                    window -= 1;
                    let other_index = members[other as usize].1 as usize;
                    if consider(items, threshold, &accept, other_index, later, &mut best) {
                        budget[later] -= 1;
                    }
                    earlier = table.older(other);
                }
            }
        }
    }
    best
}

/// Paragraphs per partition of a band: small enough for its hash table to stay in cache.
const PARTITION_SIZE: usize = 2048;

/// Fibonacci hashing: spreads packed MinHash values over table slots and partitions.
fn mix(key: u64) -> u64 {
    key.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Buckets of one partition of a band: an open-addressing table from band key to the latest
/// member with it, and for each member the previous one in its bucket (positions within the
/// partition).
#[derive(Default)]
struct BandTable {
    buckets: Vec<Bucket>,
    older: Vec<u32>,
    /// Buckets written under another generation are empty: a reset clears nothing.
    generation: u32,
    mask: usize,
}

#[derive(Clone, Copy, Default)]
struct Bucket {
    key: u64,
    head: u32,
    generation: u32,
}

const NONE: u32 = u32::MAX;

impl BandTable {
    /// Empties the table and sizes it for `members` (buffers only grow).
    fn reset(&mut self, members: usize) {
        let capacity = (members * 2).next_power_of_two().max(16);
        if self.buckets.len() < capacity {
            self.buckets.resize(capacity, Bucket::default());
        }
        if self.older.len() < members {
            self.older.resize(members, NONE);
        }
        if next_generation(&mut self.generation) {
            self.buckets.fill(Bucket::default());
        }
        self.mask = capacity - 1;
    }

    /// Adds member `item` to the bucket of `key` (a mixed band key); returns the previous
    /// latest member.
    fn insert(&mut self, key: u64, item: u32) -> Option<u32> {
        // Bits below the partition bits, which are the same for every key here.
        let mut slot = (key >> 24) as usize & self.mask;
        loop {
            let bucket = &mut self.buckets[slot];
            if bucket.generation != self.generation {
                *bucket = Bucket {
                    key,
                    head: item,
                    generation: self.generation,
                };
                self.older[item as usize] = NONE;
                return None;
            }
            if bucket.key == key {
                let head = bucket.head;
                bucket.head = item;
                self.older[item as usize] = head;
                return Some(head);
            }
            slot = (slot + 1) & self.mask;
        }
    }

    fn older(&self, item: u32) -> Option<u32> {
        let older = self.older[item as usize];
        (older != NONE).then_some(older)
    }
}

fn consider(
    items: &[&ParagraphFacts],
    threshold: f64,
    accept: &impl Fn(usize, usize) -> bool,
    earlier: usize,
    later: usize,
    best: &mut [Option<Match>],
) -> bool {
    consider_pair(
        items[earlier],
        items[later],
        earlier,
        threshold,
        || accept(earlier, later),
        &mut best[later],
    )
}

/// One candidate pair: `earlier` (at index `earlier_index`) against `later`, whose best match so
/// far is `best`. Whether the pair counts against the later paragraph's comparison budget.
fn consider_pair(
    a: &ParagraphFacts,
    b: &ParagraphFacts,
    earlier_index: usize,
    threshold: f64,
    accept: impl FnOnce() -> bool,
    best: &mut Option<Match>,
) -> bool {
    let earlier = earlier_index;
    if let Some(current) = *best
        && (current.other == earlier || (current.similarity == 1.0 && current.other < earlier))
    {
        return false;
    }
    if !a.lengths_allow(b, threshold) || !accept() {
        return false;
    }
    // Chance candidates (one band agreeing by luck) agree on few other bins: skip the exact
    // comparison when the MinHash estimate is far below the threshold.
    if a.estimated_jaccard(b) < jaccard(threshold) - estimate_margin(threshold, a, b) {
        return true;
    }
    let similarity = a.similarity(b);
    if similarity < threshold {
        return true;
    }
    let better = match *best {
        None => true,
        Some(current) => {
            similarity > current.similarity
                || (similarity == current.similarity && earlier < current.other)
        }
    };
    if better {
        *best = Some(Match {
            other: earlier,
            similarity,
        });
    }
    true
}

/// [`best_earlier_matches`] kept between versions of one draft (the language server re-runs it
/// at every keystroke): the band buckets live on, and a new version only removes the items that
/// went, adds the ones that came and re-verifies the items whose candidates changed, so an edit
/// costs in proportion to what it changed (plus a pointer comparison per item).
///
/// Exactly [`best_earlier_matches`] with `accept` always true: an item's best match depends only
/// on its own facts and, in each band, on the [`BUCKET_WINDOW`] latest earlier items of its
/// bucket, so only items with an added or removed item among those are searched again.
/// Items are recognized by `Arc` identity (the lint cache hands out one `Arc` per distinct
/// paragraph text).
#[derive(Default)]
pub struct IncrementalMatches {
    threshold: f64,
    bands: usize,
    rows: usize,
    /// The items of the latest search, in order, as slot numbers.
    order: Vec<u32>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    /// Per slot and band (`slot * bands + band`): the previous and next member of its bucket in
    /// item order.
    previous: Vec<u32>,
    next: Vec<u32>,
    /// Per band: the latest member of each bucket.
    latest: Vec<FastMap<u64, u32>>,
    /// Slots to search again, and the update that last marked each (by slot).
    dirty: Vec<u32>,
    marked_in: Vec<u64>,
    update: u64,
}

struct Slot {
    facts: Option<std::sync::Arc<ParagraphFacts>>,
    /// Index in the latest search's items.
    position: u32,
    /// Best earlier match: its slot and similarity.
    best: Option<(u32, f64)>,
}

impl IncrementalMatches {
    pub fn new() -> Self {
        Self::default()
    }

    /// Items currently indexed.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Forgets everything (the next update indexes every item).
    pub fn clear(&mut self) {
        self.order.clear();
        self.slots.clear();
        self.free.clear();
        self.previous.clear();
        self.next.clear();
        self.latest.clear();
        self.dirty.clear();
        self.marked_in.clear();
        self.bands = 0;
    }

    /// `best_earlier_matches(items, threshold, |_, _| true)`, updated from the previous call.
    pub fn update(
        &mut self,
        items: &[std::sync::Arc<ParagraphFacts>],
        threshold: f64,
    ) -> Vec<Option<Match>> {
        if self.bands == 0 || self.threshold != threshold {
            self.clear();
            self.threshold = threshold;
            self.rows = rows_per_band(threshold);
            self.bands = MINHASH_LEN / self.rows;
            self.latest = (0..self.bands).map(|_| FastMap::default()).collect();
        }
        self.update += 1;
        self.dirty.clear();

        let same = |slot: u32, item: &std::sync::Arc<ParagraphFacts>| {
            self.slots[slot as usize]
                .facts
                .as_ref()
                .is_some_and(|f| std::sync::Arc::ptr_eq(f, item))
        };
        let old_len = self.order.len();
        let prefix = self
            .order
            .iter()
            .zip(items)
            .take_while(|&(&slot, item)| same(slot, item))
            .count();
        let suffix = self.order[prefix..]
            .iter()
            .rev()
            .zip(items[prefix..].iter().rev())
            .take_while(|&(&slot, item)| same(slot, item))
            .count();

        if prefix == 0 && suffix == 0 && old_len > 0 {
            // Nothing kept: starting over is cheaper than unlinking every item.
            let (threshold, rows, bands) = (self.threshold, self.rows, self.bands);
            self.clear();
            self.threshold = threshold;
            self.rows = rows;
            self.bands = bands;
            self.latest = (0..bands).map(|_| FastMap::default()).collect();
        }
        let old_len = self.order.len();
        let removed: Vec<u32> = self.order[prefix..old_len - suffix].to_vec();
        for &slot in &removed {
            self.unlink(slot);
        }
        let added: Vec<u32> = items[prefix..items.len() - suffix]
            .iter()
            .map(|item| self.allocate(item))
            .collect();
        let tail = self.order.split_off(old_len - suffix);
        self.order.truncate(prefix);
        self.order.extend_from_slice(&added);
        self.order.extend_from_slice(&tail);
        for (position, &slot) in self.order.iter().enumerate().skip(prefix) {
            self.slots[slot as usize].position = position as u32;
        }
        for &slot in &added {
            self.link(slot);
        }
        for &slot in &removed {
            self.slots[slot as usize].facts = None;
            self.free.push(slot);
        }
        let dirty = std::mem::take(&mut self.dirty);
        for &slot in &dirty {
            if self.slots[slot as usize].facts.is_some() {
                self.slots[slot as usize].best = self.search(slot);
            }
        }
        self.dirty = dirty;
        self.order
            .iter()
            .map(|&slot| {
                self.slots[slot as usize]
                    .best
                    .map(|(other, similarity)| Match {
                        other: self.slots[other as usize].position as usize,
                        similarity,
                    })
            })
            .collect()
    }

    fn allocate(&mut self, item: &std::sync::Arc<ParagraphFacts>) -> u32 {
        let slot = Slot {
            facts: Some(std::sync::Arc::clone(item)),
            position: 0,
            best: None,
        };
        match self.free.pop() {
            Some(free) => {
                self.slots[free as usize] = slot;
                free
            }
            None => {
                self.slots.push(slot);
                self.marked_in.push(0);
                self.previous.resize(self.slots.len() * self.bands, NONE);
                self.next.resize(self.slots.len() * self.bands, NONE);
                (self.slots.len() - 1) as u32
            }
        }
    }

    fn mark(&mut self, slot: u32) {
        if self.marked_in[slot as usize] != self.update {
            self.marked_in[slot as usize] = self.update;
            self.dirty.push(slot);
        }
    }

    /// Marks the members of a band's bucket whose window can reach back to `from` (the
    /// [`BUCKET_WINDOW`] next members after it).
    fn mark_window_after(&mut self, from: u32, band: usize) {
        let mut member = self.next[from as usize * self.bands + band];
        for _ in 0..BUCKET_WINDOW {
            if member == NONE {
                break;
            }
            self.mark(member);
            member = self.next[member as usize * self.bands + band];
        }
    }

    fn band_key(&self, slot: u32, band: usize) -> u64 {
        self.slots[slot as usize]
            .facts
            .as_ref()
            .expect("indexed slot")
            .band_key(band, self.rows)
    }

    /// Takes a (still positioned) slot out of every bucket, marking the members that saw it.
    fn unlink(&mut self, slot: u32) {
        for band in 0..self.bands {
            self.mark_window_after(slot, band);
            let at = slot as usize * self.bands + band;
            let (previous, next) = (self.previous[at], self.next[at]);
            if previous != NONE {
                self.next[previous as usize * self.bands + band] = next;
            }
            if next != NONE {
                self.previous[next as usize * self.bands + band] = previous;
            } else {
                let key = self.band_key(slot, band);
                if previous == NONE {
                    self.latest[band].remove(&key);
                } else {
                    self.latest[band].insert(key, previous);
                }
            }
            self.previous[at] = NONE;
            self.next[at] = NONE;
        }
    }

    /// Puts a positioned slot into its bucket of every band, in item order, marking it and the
    /// members that will see it.
    fn link(&mut self, slot: u32) {
        self.mark(slot);
        let position = self.slots[slot as usize].position;
        for band in 0..self.bands {
            let key = self.band_key(slot, band);
            let at = slot as usize * self.bands + band;
            let latest = self.latest[band].get(&key).copied();
            // Walk back from the latest member to the last one before `slot`.
            let (mut previous, mut next) = (latest.unwrap_or(NONE), NONE);
            while previous != NONE && self.slots[previous as usize].position > position {
                next = previous;
                previous = self.previous[previous as usize * self.bands + band];
            }
            self.previous[at] = previous;
            self.next[at] = next;
            if previous != NONE {
                self.next[previous as usize * self.bands + band] = slot;
            }
            if next != NONE {
                self.previous[next as usize * self.bands + band] = slot;
            } else {
                self.latest[band].insert(key, slot);
            }
            self.mark_window_after(slot, band);
        }
    }

    /// The best earlier match of one slot, exactly as [`best_earlier_matches`] finds it.
    fn search(&self, slot: u32) -> Option<(u32, f64)> {
        let later = self.slots[slot as usize]
            .facts
            .as_deref()
            .expect("indexed slot");
        let mut best: Option<Match> = None;
        let mut budget = COMPARISON_BUDGET;
        for band in 0..self.bands {
            let mut window = BUCKET_WINDOW;
            let mut earlier = self.previous[slot as usize * self.bands + band];
            while earlier != NONE {
                if window == 0 || budget == 0 {
                    break;
                }
                window -= 1;
                let other = &self.slots[earlier as usize];
                let facts = other.facts.as_deref().expect("indexed slot");
                if consider_pair(
                    facts,
                    later,
                    other.position as usize,
                    self.threshold,
                    || true,
                    &mut best,
                ) {
                    budget -= 1;
                }
                earlier = self.previous[earlier as usize * self.bands + band];
            }
        }
        best.map(|m| (self.order[m.other], m.similarity))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{sentences, words};

    /// Sentence facts computed the plain way, sentence by sentence: the reference for the
    /// single pass in [`ParagraphFacts::compute`].
    fn reference_sentence_facts(text: &str) -> Vec<SentenceFacts> {
        sentences(text, TextRange::new(0, text.len()))
            .into_iter()
            .map(|range| SentenceFacts {
                range,
                words: words(text, range).count() as u32,
                hash: xxh3_64_with_seed(crate::text::normalize(range.slice(text)).as_bytes(), SEED),
            })
            .collect()
    }

    /// A word's hash with case, apostrophe and hyphen style folded, without allocating for the
    /// common all-lowercase ASCII word.
    pub(super) fn word_hash(word: &str, buffer: &mut String) -> u64 {
        if word
            .bytes()
            .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
        {
            return xxh3_64_with_seed(word.as_bytes(), SEED);
        }
        buffer.clear();
        for c in word.chars() {
            match c {
                '’' | '‘' | '‛' | '`' => buffer.push('\''),
                '‐' | '‑' => buffer.push('-'),
                c if c.is_ascii() => buffer.push(c.to_ascii_lowercase()),
                c => buffer.extend(c.to_lowercase()),
            }
        }
        xxh3_64_with_seed(buffer.as_bytes(), SEED)
    }

    /// Facts computed the plain way, in separate passes (sentences, normalization, words):
    /// the reference for the single pass in [`ParagraphFacts::compute`].
    fn reference_facts(text: &str) -> (u32, u64, u32, Vec<u32>, Vec<SentenceFacts>) {
        let whole = TextRange::new(0, text.len());
        let normalized = crate::text::normalize(text);
        let mut word = String::new();
        let hashes: Vec<u64> = words(text, whole)
            .map(|range| word_hash(range.slice(text), &mut word))
            .collect();
        let mut shingles: Vec<u64> = hashes.windows(2).map(|w| pair_hash(w[0], w[1])).collect();
        if hashes.len() == 1 {
            shingles.push(hashes[0]);
        }
        number_repeats(&mut shingles);
        (
            hashes.len() as u32,
            xxh3_64_with_seed(normalized.as_bytes(), SEED),
            normalized.len() as u32,
            shingles.iter().map(|&h| (h >> 32) as u32).collect(),
            reference_sentence_facts(text),
        )
    }

    fn one_pass_facts(text: &str) -> (u32, u64, u32, Vec<u32>, Vec<SentenceFacts>) {
        let facts = ParagraphFacts::compute(text);
        (
            facts.words,
            facts.exact,
            facts.normalized_len,
            facts.shingles.to_vec(),
            facts.sentences.to_vec(),
        )
    }

    /// The MinHash as first written, bin by bin: the reference for the bit-mask version.
    fn reference_minhash(shingles: &[u32], values: &mut [u16; MINHASH_LEN]) {
        const BIN_BITS: u32 = MINHASH_LEN.trailing_zeros();
        values.fill(u16::MAX);
        let mut filled = [false; MINHASH_LEN];
        let mut filled_count = 0;
        for &h in shingles {
            let bin = (h >> (32 - BIN_BITS)) as usize;
            // The 16 bits below the bin number.
            let value = (h >> (16 - BIN_BITS)) as u16;
            if !filled[bin] {
                filled[bin] = true;
                filled_count += 1;
                values[bin] = value;
            } else if value < values[bin] {
                values[bin] = value;
            }
        }
        if shingles.is_empty() {
            values.fill(0);
            return;
        }
        if filled_count == MINHASH_LEN {
            return;
        }
        let source = *values;
        let probes = &*PROBES;
        for bin in 0..MINHASH_LEN {
            if filled[bin] {
                continue;
            }
            // Its first filled probe, else the next filled bin clockwise.
            let borrowed = probes[bin]
                .iter()
                .map(|&p| p as usize)
                .find(|&p| filled[p])
                .unwrap_or_else(|| {
                    (1..MINHASH_LEN)
                        .map(|step| (bin + step) % MINHASH_LEN)
                        .find(|&p| filled[p])
                        .expect("a paragraph with shingles fills a bin")
                });
            values[bin] = source[borrowed];
        }
    }

    proptest::proptest! {
        /// The four-row shortcut packs a band as the general fold over its rows does.
        #[test]
        fn band_keys_equal_the_fold_over_rows(values in proptest::collection::vec(proptest::num::u16::ANY, MINHASH_LEN)) {
            let values: [u16; MINHASH_LEN] = values.try_into().expect("MINHASH_LEN values");
            for rows in 1..=4 {
                for band in 0..MINHASH_LEN / rows {
                    let folded = values[band * rows..(band + 1) * rows]
                        .iter()
                        .rev()
                        .fold(0u64, |packed, &value| (packed << 16) | u64::from(value));
                    proptest::prop_assert_eq!(band_key(&values, band, rows), folded);
                }
            }
        }
    }

    proptest::proptest! {
        /// Paragraphs from one shingle to several hundred: empty bins many or none, probes
        /// that find a filled bin and the clockwise fallback.
        #[test]
        fn minhash_equals_the_bin_by_bin_reference(
            shingles in proptest::collection::vec(proptest::num::u32::ANY, 0..400),
            narrow in 0u32..3,
        ) {
            // Narrowed hashes crowd a few bins, so most probes miss and fall back.
            let shingles: Vec<u32> = shingles
                .iter()
                .map(|&h| match narrow {
                    0 => h,
                    n => (h % (3 * n)) << 25 | (h & 0x01FF_FFFF),
                })
                .collect();
            let mut fast = [0u16; MINHASH_LEN];
            let mut reference = [0u16; MINHASH_LEN];
            one_permutation_minhash(&shingles, &mut fast);
            reference_minhash(&shingles, &mut reference);
            proptest::prop_assert_eq!(fast, reference);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Every byte class the one pass tells apart: ASCII words, joiners inner and not,
        /// whitespace runs and controls, backticks and NUL, quotes and dashes the normalizer
        /// folds, non-ASCII letters (some whose lower case is longer), wide spaces, sentence
        /// marks and abbreviations.
        #[test]
        fn one_pass_facts_equal_the_separate_passes(
            text in "([A-Za-z0-9]{1,12}|[ \t\n\r\u{0b}\u{0c}]{1,3}|[-'`.,;:!?()\\[\\]\"\u{0}\u{1}\u{1f}]|U\\.S\\.|e\\.g\\.|Mr\\.|[“”‘’‛‚«»‹›…—–‒‐‑]|[ÄÖßİȺЖжДд中文😀K]|[\u{a0}\u{2003}\u{3000}]){0,80}"
        ) {
            proptest::prop_assert_eq!(one_pass_facts(&text), reference_facts(&text));
        }
    }

    #[test]
    fn one_pass_facts_on_real_drafts_equal_the_separate_passes() {
        for draft in [
            include_str!("../tests/fixtures/corpus/A_RES_80_039.txt"),
            include_str!("../tests/fixtures/corpus/2021-06-13-carbis-bay-g7-summit-communique.txt"),
        ] {
            for paragraph in draft.split("\n\n") {
                assert_eq!(
                    one_pass_facts(paragraph),
                    reference_facts(paragraph),
                    "{paragraph:?}"
                );
            }
        }
    }

    #[test]
    fn copies_kept_for_comparison_compare_as_the_originals() {
        let draft =
            include_str!("../tests/fixtures/corpus/2021-06-13-carbis-bay-g7-summit-communique.txt");
        let mut texts: Vec<String> = draft
            .split("\n\n")
            .filter(|p| p.split_whitespace().count() >= 12)
            .take(40)
            .map(str::to_string)
            .collect();
        // Near copies, so some pairs are above any threshold.
        let near: Vec<String> = texts
            .iter()
            .take(10)
            .map(|t| t.replacen(" the ", " a ", 1))
            .collect();
        texts.extend(near);
        let originals: Vec<ParagraphFacts> = texts.iter().map(|t| facts(t)).collect();
        // Some originals with their caches filled first, as the draft's rules leave them.
        for pair in originals.chunks(2) {
            if let [a, b] = pair {
                a.similarity(b);
            }
        }
        let kept: Vec<ParagraphFacts> = originals.iter().map(|f| f.for_comparison()).collect();
        let rows = rows_per_band(0.8);
        for (a, ka) in originals.iter().zip(&kept) {
            assert_eq!(ka.text_key(), a.text_key());
            assert!(ka.sentences.is_empty());
            for band in 0..MINHASH_LEN / rows {
                assert_eq!(ka.band_key(band, rows), a.band_key(band, rows));
            }
            for (b, kb) in originals.iter().zip(&kept) {
                assert_eq!(ka.similarity(b), a.similarity(b));
                assert_eq!(ka.similarity(kb), a.similarity(b));
                assert_eq!(ka.estimated_jaccard(kb), a.estimated_jaccard(b));
                assert_eq!(ka.lengths_allow(kb, 0.8), a.lengths_allow(b, 0.8));
                assert_eq!(
                    a.shingles_fingerprint() == b.shingles_fingerprint(),
                    a.similarity(b) == 1.0
                );
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn one_pass_sentence_facts_match_the_sentence_by_sentence_ones(
            text in "([A-Za-z]{1,6}|[ \t\n]{1,3}|[.!?,;:]|U\\.S\\.|e\\.g\\.|[“”’«»…—-]|[ЖжДд中文😀]|\u{a0}){0,60}"
        ) {
            let facts = ParagraphFacts::compute(&text);
            proptest::prop_assert_eq!(facts.sentences.to_vec(), reference_sentence_facts(&text));
            let mut whole = String::new();
            crate::text::normalize_into(&text, &mut whole);
            proptest::prop_assert_eq!(facts.exact, xxh3_64_with_seed(whole.as_bytes(), SEED));
        }
    }

    #[test]
    fn sentence_facts_on_corpus_paragraphs_match_the_reference() {
        for text in [
            BASE,
            "The U.S. and the U.N. agreed. Mr. Smith, e.g. the Chair, spoke!  Then   “they” left…  And so on",
            "Ещё одно предложение. 中文句子。 Emoji 😀 here. Last one",
        ] {
            assert_eq!(
                ParagraphFacts::compute(text).sentences.to_vec(),
                reference_sentence_facts(text)
            );
        }
    }

    const BASE: &str = "The Leaders reaffirmed their commitment to further strengthen the partnership between their countries, including by jointly expanding trade, investment and people-to-people ties, and by deepening cooperation on climate, health and critical technologies in the years ahead.";

    const PINNED_EXACT: u64 = 12_571_353_218_536_892_598;

    fn facts(text: &str) -> ParagraphFacts {
        ParagraphFacts::compute(text)
    }

    /// All pairs, compared exactly: the reference the index must agree with.
    fn brute_force(items: &[&ParagraphFacts], threshold: f64) -> Vec<Option<usize>> {
        (0..items.len())
            .map(|later| {
                let mut best: Option<(usize, f64)> = None;
                for earlier in 0..later {
                    let s = items[earlier].similarity(items[later]);
                    if s >= threshold && best.is_none_or(|(_, b)| s > b) {
                        best = Some((earlier, s));
                    }
                }
                best.map(|(i, _)| i)
            })
            .collect()
    }

    #[test]
    fn identical_text_has_similarity_one_and_unrelated_text_near_zero() {
        let a = facts(BASE);
        assert_eq!(a.similarity(&facts(BASE)), 1.0);
        let other = facts(
            "Ministers discussed the humanitarian situation in the Sahel and called for unhindered access for aid workers across the region.",
        );
        assert!(a.similarity(&other) < 0.1, "{}", a.similarity(&other));
    }

    #[test]
    fn case_quotes_and_apostrophes_do_not_change_shingles() {
        let a = facts("The Union’s “shared” vision of co‑operation endures today");
        let b = facts("the union's \"shared\" VISION of co-operation endures today");
        assert_eq!(a.similarity(&b), 1.0);
        assert_eq!(a.exact, b.exact);
    }

    #[test]
    fn one_substituted_word_costs_two_shingles() {
        let changed = BASE.replace("further", "also");
        let a = facts(BASE);
        let b = facts(&changed);
        let n = a.shingles.len() as f64;
        assert_eq!(a.similarity(&b), 2.0 * (n - 2.0) / (2.0 * n));
        assert!(a.similarity(&b) > 0.9);
        assert_ne!(a.exact, b.exact);
    }

    #[test]
    fn repeated_shingles_count_as_often_as_they_occur() {
        let once = facts("of the people of the world");
        let twice = facts("of the people of the world of the");
        // "of the" occurs twice vs three times: the third occurrence is not shared.
        let shared = shared_count(once.sorted_shingles(), twice.sorted_shingles());
        assert_eq!(shared, once.shingles.len());
        assert!(once.similarity(&twice) < 1.0);
    }

    #[test]
    fn parallel_paragraphs_with_different_substance_stay_below_the_default() {
        let a = facts(
            "The Parties will deepen their cooperation in trade and energy over the coming year.",
        );
        let b = facts(
            "The Parties will deepen their cooperation in health and education over the coming year.",
        );
        assert!(a.similarity(&b) < 0.8, "{}", a.similarity(&b));
    }

    #[test]
    fn facts_depend_only_on_the_paragraph_text() {
        let a = facts(BASE);
        let b = facts(BASE);
        assert_eq!(a.minhash(), b.minhash());
        assert_eq!(a.shingles, b.shingles);
        assert_eq!(a.exact, b.exact);
        // Fixed seed: the same value on every run and machine (std hashers would differ), so
        // facts cached by an earlier run stay comparable. Changing the seed must fail here.
        assert_eq!(facts("The Parties agree.").exact, PINNED_EXACT);
    }

    #[test]
    fn sentences_are_recorded_with_relative_ranges_and_hashes() {
        let text = "The U.S. and the U.N. agreed. The Parties will meet again soon.";
        let found = facts(text).sentences;
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].range.slice(text), "The U.S. and the U.N. agreed.");
        assert_eq!(found[1].words, 6);
        let again = facts("Preamble here. The parties will  meet again soon.").sentences;
        assert_eq!(again[1].hash, found[1].hash);
    }

    #[test]
    fn reused_buffers_do_not_leak_between_paragraphs() {
        let long = facts(BASE);
        let _ = facts("Short one.");
        let single = facts("Word");
        assert_eq!(single.words, 1);
        assert_eq!(single.shingles.len(), 1);
        assert_eq!(facts(BASE).shingles, long.shingles);
        assert_eq!(facts("").words, 0);
    }

    #[test]
    fn rows_per_band_follow_the_threshold() {
        assert_eq!(rows_per_band(0.8), 4);
        assert!(rows_per_band(0.6) < 4);
        assert_eq!(rows_per_band(0.1), 1);
    }

    #[test]
    fn index_finds_the_best_earlier_copy_and_respects_the_threshold() {
        let texts = [
            BASE.to_string(),
            "Ministers discussed the humanitarian situation in the Sahel and called for unhindered access for aid workers across the whole region, now.".to_string(),
            BASE.replace("further", "also"),
            BASE.replace("jointly ", "").replace("critical", "emerging"),
            "A short unrelated closing paragraph about the next meeting date.".to_string(),
        ];
        let all: Vec<ParagraphFacts> = texts.iter().map(|t| facts(t)).collect();
        let items: Vec<&ParagraphFacts> = all.iter().collect();
        let found = best_earlier_matches(&items, 0.8, |_, _| true);
        assert_eq!(found[0], None);
        assert_eq!(found[1], None);
        assert_eq!(found[2].map(|m| m.other), Some(0));
        // Closer to the original than to the other variant.
        let third = found[3].expect("variant found");
        assert_eq!(third.other, 0);
        assert!(third.similarity >= 0.8 && third.similarity < 1.0);
        assert_eq!(found[4], None);
        // A threshold above every pair finds nothing; `accept` can veto pairs.
        assert!(
            best_earlier_matches(&items, 0.99, |_, _| true)
                .iter()
                .all(Option::is_none)
        );
        let vetoed = best_earlier_matches(&items, 0.8, |earlier, _| earlier != 0);
        assert_eq!(vetoed[2], None);
        assert_eq!(vetoed[3].map(|m| m.other), Some(2));
    }

    /// Paragraphs of a real draft, for the incremental search tests.
    fn corpus_paragraphs() -> Vec<String> {
        include_str!("../tests/fixtures/corpus/A_RES_80_039.txt")
            .split("\n\n")
            .chain(
                include_str!(
                    "../tests/fixtures/corpus/2021-06-13-carbis-bay-g7-summit-communique.txt"
                )
                .split("\n\n"),
            )
            .map(|p| p.trim().to_string())
            .filter(|p| p.split_whitespace().count() >= 12)
            .collect()
    }

    /// A copy of `text` with `changes` words replaced, chosen by `seed`.
    fn perturbed(text: &str, seed: usize, changes: usize) -> String {
        let mut words: Vec<&str> = text.split(' ').collect();
        let replacements = ["also", "notably", "fully", "jointly", "regional", "global"];
        for k in 0..changes {
            let at = (seed * 7 + k * 13) % words.len();
            words[at] = replacements[(seed + k) % replacements.len()];
        }
        words.join(" ")
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// Random edits to a real draft's paragraphs (inserted near copies, deletions, moved
        /// and replaced paragraphs, changed words): the kept search always equals a search
        /// from scratch.
        #[test]
        fn incremental_matches_equal_a_search_from_scratch(
            edits in proptest::collection::vec((0usize..6, 0usize..10_000, 0usize..10_000, 1usize..4), 1..24),
            threshold in proptest::sample::select(vec![0.6, 0.8, 0.9]),
        ) {
            let pool = corpus_paragraphs();
            let mut items: Vec<std::sync::Arc<ParagraphFacts>> = pool[..60]
                .iter()
                .map(|t| std::sync::Arc::new(facts(t)))
                .collect();
            // Some near copies from the start.
            for k in 0..6 {
                let source = &pool[k * 5];
                items.insert(k * 9 + 3, std::sync::Arc::new(facts(&perturbed(source, k, 1 + k % 3))));
            }
            let mut index = IncrementalMatches::new();
            for (kind, a, b, changes) in edits {
                let len = items.len().max(1);
                match kind {
                    // A near copy of one paragraph inserted somewhere.
                    0 => {
                        let text = perturbed(&pool[a % pool.len()], b, changes);
                        items.insert(b % (items.len() + 1), std::sync::Arc::new(facts(&text)));
                    }
                    // A paragraph deleted.
                    1 if !items.is_empty() => {
                        items.remove(a % len);
                    }
                    // One paragraph's words changed (a new Arc, as the cache makes for new text).
                    2 if !items.is_empty() => {
                        let text = perturbed(&pool[(a + b) % pool.len()], a, changes);
                        items[a % len] = std::sync::Arc::new(facts(&text));
                    }
                    // A run of paragraphs moved.
                    3 if items.len() > 4 => {
                        let start = a % (items.len() - 2);
                        let run: Vec<_> = items.drain(start..start + 2).collect();
                        let at = b % (items.len() + 1);
                        items.splice(at..at, run);
                    }
                    // A fresh paragraph of the draft pasted in.
                    4 => {
                        let text = &pool[a % pool.len()];
                        items.insert(b % (items.len() + 1), std::sync::Arc::new(facts(text)));
                    }
                    // Nothing changed.
                    _ => {}
                }
                let kept = index.update(&items, threshold);
                let refs: Vec<&ParagraphFacts> = items.iter().map(|f| &**f).collect();
                let scratch = best_earlier_matches(&refs, threshold, |_, _| true);
                proptest::prop_assert_eq!(kept, scratch);
                proptest::prop_assert_eq!(index.len(), items.len());
            }
            // Another threshold starts over and still agrees.
            let refs: Vec<&ParagraphFacts> = items.iter().map(|f| &**f).collect();
            proptest::prop_assert_eq!(
                index.update(&items, 0.7),
                best_earlier_matches(&refs, 0.7, |_, _| true)
            );
        }
    }

    #[test]
    fn incremental_matches_follow_formulaic_buckets_past_the_window() {
        // Many nearly alike paragraphs fill buckets far beyond the window and the budget: the
        // kept search must still agree when one in the middle changes or goes.
        let base = BASE;
        let mut items: Vec<std::sync::Arc<ParagraphFacts>> = (0..120)
            .map(|k| std::sync::Arc::new(facts(&perturbed(base, k, 1 + k % 2))))
            .collect();
        let mut index = IncrementalMatches::new();
        let check = |index: &mut IncrementalMatches, items: &[std::sync::Arc<ParagraphFacts>]| {
            let refs: Vec<&ParagraphFacts> = items.iter().map(|f| &**f).collect();
            assert_eq!(
                index.update(items, 0.8),
                best_earlier_matches(&refs, 0.8, |_, _| true)
            );
        };
        check(&mut index, &items);
        items.remove(40);
        check(&mut index, &items);
        items[70] = std::sync::Arc::new(facts(&perturbed(base, 999, 3)));
        check(&mut index, &items);
        items.insert(10, std::sync::Arc::new(facts(base)));
        check(&mut index, &items);
        items.truncate(30);
        check(&mut index, &items);
        items.clear();
        check(&mut index, &items);
        assert!(index.is_empty());
    }

    #[test]
    fn planted_copies_are_found_among_thousands_of_paragraphs() {
        // Enough paragraphs for the band tables to be partitioned.
        let mut next = crate::test_random(42);
        let vocabulary: Vec<String> = (0..800).map(|i| format!("w{i}")).collect();
        let mut texts: Vec<String> = (0..6000)
            .map(|_| {
                let len = 15 + next(40);
                (0..len)
                    .map(|_| vocabulary[next(800)].as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let mut planted = Vec::new();
        for k in 0..60 {
            let source = next(texts.len());
            let mut words: Vec<String> = texts[source].split(' ').map(str::to_string).collect();
            let at = next(words.len());
            words[at] = format!("changed{k}");
            planted.push((source, texts.len()));
            texts.push(words.join(" "));
        }
        let all: Vec<ParagraphFacts> = texts.iter().map(|t| facts(t)).collect();
        let items: Vec<&ParagraphFacts> = all.iter().collect();
        assert!(items.len() > 2 * PARTITION_SIZE);
        let found = best_earlier_matches(&items, 0.8, |_, _| true);
        for (source, copy) in planted {
            let m = found[copy].unwrap_or_else(|| panic!("copy {copy} of {source} missed"));
            assert!(
                items[m.other].similarity(items[copy]) >= items[source].similarity(items[copy])
            );
        }
        // Random paragraphs are not near copies of each other.
        assert_eq!(found.iter().filter(|m| m.is_some()).count(), 60);
    }

    #[test]
    fn index_agrees_with_all_pairs_on_perturbed_paragraphs() {
        // Deterministic perturbations of a few real-looking paragraphs: copies with 1-4 words
        // changed must be found exactly as an all-pairs comparison finds them.
        let bases = [
            BASE,
            "We call on all United Nations Member States, international organizations, the private sector, and civil society and academia to urgently support the emergency response to address humanitarian needs and to focus on building resilient and sustainable food systems.",
            "Recalling its resolution 79/7 of 2 December 2024 and all its previous resolutions on the question, and taking note of the report of the Secretary-General on the implementation of those resolutions in the reporting period.",
        ];
        let replacements = ["also", "notably", "fully", "jointly", "regional", "global"];
        let mut texts = Vec::new();
        for (b, base) in bases.iter().enumerate() {
            texts.push(base.to_string());
            let words: Vec<&str> = base.split(' ').collect();
            for variant in 0..6 {
                let mut changed = words.clone();
                for k in 0..=(variant % 4) {
                    let at = (7 * (variant + 1) + 11 * k + b) % changed.len();
                    changed[at] = replacements[(variant + k) % replacements.len()];
                }
                texts.push(changed.join(" "));
            }
        }
        let all: Vec<ParagraphFacts> = texts.iter().map(|t| facts(t)).collect();
        let items: Vec<&ParagraphFacts> = all.iter().collect();
        for threshold in [0.6, 0.7, 0.8, 0.9] {
            let fast: Vec<Option<usize>> = best_earlier_matches(&items, threshold, |_, _| true)
                .into_iter()
                .map(|m| m.map(|m| m.other))
                .collect();
            let reference = brute_force(&items, threshold);
            assert!(
                reference.iter().any(Option::is_some),
                "no pair at {threshold}"
            );
            // Same paragraphs found; ties between equally similar copies may pick either.
            for (i, (f, r)) in fast.iter().zip(&reference).enumerate() {
                assert_eq!(f.is_some(), r.is_some(), "item {i} at {threshold}");
                if let (Some(f), Some(r)) = (f, r) {
                    let (sf, sr) = (
                        items[*f].similarity(items[i]),
                        items[*r].similarity(items[i]),
                    );
                    assert_eq!(sf, sr, "item {i} at {threshold}");
                }
            }
        }
    }
}
