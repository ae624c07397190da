//! What the names rules know about one draft: where organizations are named, which acronyms are
//! used, and which the draft defines. Computed once per draft and shared by the five rules.

use std::cell::RefCell;
use std::sync::{Arc, OnceLock};

use super::config::NamesSettings;
use super::gazetteer::{
    AcronymHit, BitFilter, Form, Gazetteer, LOOSE_MIN_WORDS, NameHit, OrgId, PhraseMatcher,
};
use super::normalize::{self, HARD, Stream, Token};
use crate::diagnostic::TextRange;
use crate::document::{BlockKind, Document};
use crate::range_index::RangeIndex;
use crate::text::words;
use crate::{FastMap, FastSet};

/// An organization as this draft knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    /// In the gazetteer (built in or configured).
    Org(OrgId),
    /// Unknown to the gazetteer, defined by the draft ("Long Name (ACR)"): index into
    /// [`Analysis::learned`].
    Learned(usize),
}

#[derive(Clone, Debug)]
pub struct BlockFacts {
    pub span: TextRange,
    /// All capitals (a shouted heading) or a block quotation: not checked.
    pub skipped: bool,
    /// A heading, a title line or a short list item without sentence punctuation.
    pub heading_like: bool,
}

/// An organization named in full (not by acronym).
#[derive(Clone, Debug)]
pub struct Mention {
    pub raw: TextRange,
    pub entity: Entity,
    /// The gazetteer form it is a spelling of; `None` for loose matches (word order, changed
    /// function words) and for learned names.
    pub form: Option<Form>,
    pub block: usize,
    /// Inside a quotation of another text, a shouted heading or a block quote.
    pub ignored: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AcronymStyle {
    Plain,
    /// "U.N." for UN.
    Dotted,
    /// "NGOs" for NGO.
    Plural,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ignore {
    RomanNumeral,
    Unit,
    /// Part of a document symbol such as A/RES/80/4 or GC(69)/RES/10.
    Symbol,
    /// Inside a quotation of another text.
    Quoted,
    /// In a shouted heading or a block quote.
    Skipped,
}

#[derive(Clone, Debug)]
pub struct AcronymUse {
    /// As written, dots and plural "s" included, possessive excluded.
    pub raw: TextRange,
    /// Singular, undotted: the key definitions and uses are matched on.
    pub key: String,
    pub style: AcronymStyle,
    pub possessive: bool,
    pub block: usize,
    /// The gazetteer organization that owns the key, if any.
    pub owner: Option<OrgId>,
    pub ignore: Option<Ignore>,
    /// Set when this occurrence is the acronym of a definition.
    pub definition: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefinitionShape {
    /// "Long Name (ACR)"
    LongFirst,
    /// "ACR (Long Name)"
    AcronymFirst,
}

#[derive(Clone, Debug)]
pub struct Definition {
    pub key: String,
    pub acronym: TextRange,
    pub long: TextRange,
    /// The whole definition: "Long Name (ACR)" or "ACR (Long Name)", parentheses included.
    pub whole: TextRange,
    pub shape: DefinitionShape,
    /// Normalized long form.
    pub long_key: String,
    pub entity: Entity,
    pub block: usize,
}

/// The first learned name (index into [`Analysis::learned`]) of each acronym, long form and
/// loose key.
#[derive(Default)]
struct LearnedIndex {
    by_key: FastMap<String, usize>,
    by_long_key: FastMap<String, usize>,
    by_loose: FastMap<String, usize>,
}

impl LearnedIndex {
    fn add(&mut self, index: usize, key: &str, long_key: &str, loose: Option<String>) {
        self.by_key.entry(key.to_string()).or_insert(index);
        self.by_long_key
            .entry(long_key.to_string())
            .or_insert(index);
        if let Some(loose) = loose {
            self.by_loose.entry(loose).or_insert(index);
        }
    }

    /// The first learned name sharing the acronym, the long form or the loose key.
    fn first(&self, key: &str, long_key: &str, loose: Option<&str>) -> Option<usize> {
        [
            self.by_key.get(key),
            self.by_long_key.get(long_key),
            loose.and_then(|l| self.by_loose.get(l)),
        ]
        .into_iter()
        .flatten()
        .copied()
        .min()
    }
}

/// An organization the gazetteer does not know, defined by the draft.
#[derive(Clone, Debug)]
pub struct Learned {
    pub key: String,
    /// The long form of its first definition, as written.
    pub name: String,
    pub long_key: String,
    pub first_definition: usize,
    /// Defined in title case, so a name ("Multilateral Energy Coordination Bureau (MECB)") and
    /// not a term ("artificial intelligence (AI)"): only names are checked for variants.
    pub is_name: bool,
}

#[derive(Debug)]
pub struct Analysis {
    settings: Arc<NamesSettings>,
    pub blocks: Vec<BlockFacts>,
    pub stream: Stream,
    /// Sorted by position.
    pub mentions: Vec<Mention>,
    /// Sorted by position.
    pub acronyms: Vec<AcronymUse>,
    /// Sorted by position.
    pub definitions: Vec<Definition>,
    pub learned: Vec<Learned>,
    /// What each defined acronym means in this draft (its first definition).
    pub meanings: FastMap<String, Entity>,
    /// Quotations of other texts (quoted spans of four words or more); sorted by position and
    /// apart (one quotation closes before the next opens).
    pub quotations: Vec<TextRange>,
    /// Where each block's words start in [`Analysis::stream`]'s text.
    block_text_starts: Vec<usize>,
    /// The scans the language server keeps across edits: they also keep, for each block, what
    /// the draft-wide searches found in it (see [`ScanMemo`]).
    kept_scans: Option<Arc<BlockScans>>,
    /// `mentions` indexed for the rules' questions about every acronym use (built on first
    /// use).
    mention_ranges: OnceLock<RangeIndex>,
}

impl Analysis {
    pub fn is_for(&self, settings: &Arc<NamesSettings>) -> bool {
        Arc::ptr_eq(&self.settings, settings)
    }

    pub fn settings(&self) -> &NamesSettings {
        &self.settings
    }

    pub fn gazetteer(&self) -> &Gazetteer {
        self.settings.gazetteer()
    }

    /// The organization an acronym stands for in this draft: its own definition first, then
    /// the gazetteer.
    pub fn meaning(&self, key: &str) -> Option<Entity> {
        self.meanings
            .get(key)
            .copied()
            .or_else(|| self.gazetteer().acronym_owner(key).map(Entity::Org))
    }

    /// The accepted name of an entity: the gazetteer's, or the draft's first definition.
    pub fn display_name(&self, entity: Entity) -> &str {
        match entity {
            Entity::Org(id) => &self.gazetteer().org(id).name,
            Entity::Learned(i) => &self.learned[i].name,
        }
    }

    /// The analysis of a draft, every block scanned afresh (each scan dropped once used).
    pub fn new(doc: &Document, settings: Arc<NamesSettings>) -> Self {
        let gazetteer = settings.gazetteer();
        // Each scan is dropped once its block is put in the analysis, before the next block
        // is scanned: the next scan writes in its buffers instead of allocating its own.
        let spare = RefCell::new(Stream::default());
        let scans = doc.blocks().iter().map(|block| RecycledScan {
            scan: BlockScan::with_buffers(
                doc.block_text(block),
                block.kind,
                gazetteer,
                spare.take(),
            ),
            spare: &spare,
        });
        Self::from_scans(doc, Arc::clone(&settings), scans, None)
    }

    /// The analysis of a draft from scans kept across edits: the draft-wide searches reuse
    /// what they found in each block whose context is unchanged.
    pub fn from_kept_scans(
        doc: &Document,
        settings: Arc<NamesSettings>,
        scans: Arc<BlockScans>,
    ) -> Self {
        Self::from_scans(doc, settings, &scans.scans, Some(Arc::clone(&scans)))
    }

    /// The analysis of a draft from its blocks' scans (the `i`th is the scan of block `i`):
    /// what the blocks say by themselves put end to end, then what depends on the whole draft
    /// (the context of each acronym, the draft's definitions, the names it teaches).
    fn from_scans<S: AsRef<BlockScan>>(
        doc: &Document,
        settings: Arc<NamesSettings>,
        scans: impl IntoIterator<Item = S>,
        kept_scans: Option<Arc<BlockScans>>,
    ) -> Self {
        let text = doc.text();
        // With kept scans, what the draft-wide vectors will hold is known: each is sized once,
        // since growing one copies what it holds (megabytes in a long draft).
        let total = |count: fn(&BlockScan) -> usize| {
            kept_scans
                .as_ref()
                .map(|kept| kept.scans.iter().map(|scan| count(scan)).sum::<usize>())
        };
        let mut name_hits: Vec<NameHit> =
            Vec::with_capacity(total(|scan| scan.names.len()).unwrap_or(0));
        let mut definitions: Vec<BlockDefinition> =
            Vec::with_capacity(total(|scan| scan.definitions.len()).unwrap_or(0));
        let mut stream = Stream::default();
        stream.text.reserve(
            total(|scan| scan.stream.text.len()).unwrap_or(text.len() + doc.blocks().len()),
        );
        stream
            .tokens
            .reserve(total(|scan| scan.stream.tokens.len()).unwrap_or(text.len() / 6));
        let mut analysis = Analysis {
            settings,
            blocks: Vec::with_capacity(doc.blocks().len()),
            stream,
            mentions: Vec::new(),
            acronyms: Vec::with_capacity(total(|scan| scan.uses.len()).unwrap_or(0)),
            definitions: Vec::new(),
            learned: Vec::new(),
            meanings: FastMap::default(),
            quotations: Vec::with_capacity(total(|scan| scan.quotations.len()).unwrap_or(0)),
            block_text_starts: Vec::with_capacity(doc.blocks().len()),
            kept_scans,
            mention_ranges: OnceLock::new(),
        };
        for (index, (block, scan)) in doc.blocks().iter().zip(scans).enumerate() {
            let scan = scan.as_ref();
            let base = block.span.start;
            analysis.blocks.push(BlockFacts {
                span: block.span,
                skipped: scan.skipped,
                heading_like: scan.heading_like[usize::from(index == 0)],
            });
            analysis
                .quotations
                .extend(scan.quotations.iter().map(|&q| q.shifted(base)));
            let use_base = analysis.acronyms.len();
            definitions.extend(scan.definitions.iter().map(|d| BlockDefinition {
                use_index: d.use_index + use_base,
                found: d.found.clone().map(|f| f.shifted(base)),
                reads_earlier: d.reads_earlier,
            }));
            let token_base = analysis.stream.tokens.len();
            analysis.block_text_starts.push(analysis.stream.text.len());
            analysis.stream.append(&scan.stream, base);
            analysis
                .acronyms
                .extend(scan.uses.iter().map(|u| AcronymUse {
                    raw: u.raw.shifted(base),
                    block: index,
                    ..u.clone()
                }));
            name_hits.extend(scan.names.iter().map(|hit| NameHit {
                raw: hit.raw.shifted(base),
                tokens: (hit.tokens.0 + token_base, hit.tokens.1 + token_base),
                ..*hit
            }));
        }
        analysis.find_definitions(text, name_hits, definitions);
        analysis.find_mentions(text);
        analysis
    }

    /// Whether a mention of an organization contains `range`.
    pub fn in_mention(&self, range: TextRange) -> bool {
        self.mention_ranges().any_contains(range)
    }

    /// Whether a mention of an organization overlaps `range`.
    pub fn overlaps_mention(&self, range: TextRange) -> bool {
        self.mention_ranges().any_overlaps(range)
    }

    fn mention_ranges(&self) -> &RangeIndex {
        self.mention_ranges
            .get_or_init(|| RangeIndex::new(self.mentions.iter().map(|m| m.raw)))
    }

    /// Whether one of [`Analysis::quotations`] contains `range` (not empty). They are sorted and
    /// apart: only the first ending after its start can.
    pub fn is_quoted(&self, range: TextRange) -> bool {
        is_quoted_in(&self.quotations, range)
    }

    fn block_of(&self, offset: usize) -> usize {
        self.blocks
            .partition_point(|b| b.span.end < offset)
            .min(self.blocks.len().saturating_sub(1))
    }

    /// `name_hits`: every gazetteer name in the draft, needed to read "Group of Seven (G7)",
    /// where initials do not help. `candidates`: the blocks' own reading of the uses next to
    /// brackets (global offsets), in the order of the uses.
    fn find_definitions(
        &mut self,
        text: &str,
        name_hits: Vec<NameHit>,
        candidates: Vec<BlockDefinition>,
    ) {
        let gazetteer = self.settings.gazetteer();
        let mut definitions: Vec<Definition> = Vec::new();
        // Parallel to `definitions`: the loose key of each long form.
        let mut loose_keys: Vec<Option<String>> = Vec::new();
        // The long forms defined so far for each acronym (looked up at every use), each text
        // once: the same words compare the same.
        let mut longs_by_key: FastMap<String, (Vec<EarlierLong>, FastSet<&str>)> =
            FastMap::default();
        let mut candidates = candidates.into_iter().peekable();
        for use_index in 0..self.acronyms.len() {
            // No brackets beside it, or not a use that defines (see [`block_definitions`]): not
            // a definition, whatever the rest of the draft says.
            let Some(candidate) = candidates.next_if(|c| c.use_index == use_index) else {
                continue;
            };
            let u = &self.acronyms[use_index];
            let earlier = longs_by_key
                .get(&u.key)
                .map_or(&[][..], |(longs, _)| longs.as_slice());
            let found = if candidate.reads_earlier && !earlier.is_empty() {
                let block = self.blocks[u.block].span;
                long_first(gazetteer, text, block, u, &name_hits, earlier, &mut false)
                    .or_else(|| acronym_first(text, block, u))
                    .map(|found| FoundDefinition::new(text, found))
            } else {
                candidate.found
            };
            if let Some(found) = found {
                let (longs, seen) = longs_by_key.entry(u.key.clone()).or_default();
                if seen.insert(found.long.slice(text)) {
                    longs.push(EarlierLong::new(found.long));
                }
                definitions.push(Definition {
                    key: u.key.clone(),
                    acronym: u.raw,
                    long: found.long,
                    whole: found.whole,
                    shape: found.shape,
                    long_key: found.long_key,
                    entity: Entity::Learned(usize::MAX),
                    block: u.block,
                });
                loose_keys.push(found.loose);
                self.acronyms[use_index].definition = Some(definitions.len() - 1);
            }
        }
        // Resolve each definition to an organization, learning the ones the gazetteer lacks.
        // A definition is of the first learned name with the same acronym, the same long form
        // or the same loose key: the first learned name of each, looked up by hash (a long draft
        // defines thousands of acronyms).
        let mut learned_by = LearnedIndex::default();
        for (index, l) in self.learned.iter().enumerate() {
            let loose = normalize::loose_key_of_phrase(&l.long_key, LOOSE_MIN_WORDS);
            learned_by.add(index, &l.key, &l.long_key, loose);
        }
        for (index, (def, loose)) in definitions.iter_mut().zip(loose_keys).enumerate() {
            let entity = if let Some((org, _)) = gazetteer.exact(&def.long_key) {
                Entity::Org(org)
            } else if let Some(org) = loose.as_deref().and_then(|k| gazetteer.loose(k)) {
                Entity::Org(org)
            } else if let Some(learned) =
                learned_by.first(&def.key, &def.long_key, loose.as_deref())
            {
                Entity::Learned(learned)
            } else {
                learned_by.add(self.learned.len(), &def.key, &def.long_key, loose);
                self.learned.push(Learned {
                    key: def.key.clone(),
                    name: normalize::surface(def.long.slice(text)),
                    long_key: def.long_key.clone(),
                    first_definition: index,
                    is_name: is_title_case(def.long.slice(text)),
                });
                Entity::Learned(self.learned.len() - 1)
            };
            def.entity = entity;
            self.meanings.entry(def.key.clone()).or_insert(entity);
        }
        self.definitions = definitions;
        self.mentions = name_hits
            .into_iter()
            .filter(|hit| starts_capitalized(hit.raw.slice(text)))
            .map(|hit| Mention {
                raw: hit.raw,
                entity: Entity::Org(hit.org),
                form: Some(hit.form),
                block: 0,
                ignored: false,
            })
            .collect();
    }

    /// Every occurrence of `patterns` (normalized phrases) in the draft's words, as
    /// [`PhraseMatcher`] finds them in [`Analysis::stream`] (offsets there), never across blocks.
    /// With scans kept across edits, each block's matches are kept with its scan for this set of
    /// patterns, so after an edit only the blocks it changed are searched again.
    pub fn find_phrases(&self, patterns: &[&str]) -> Vec<(usize, usize, usize)> {
        if patterns.is_empty() {
            return Vec::new();
        }
        let Some(kept) = &self.kept_scans else {
            return self.find_phrases_in_draft(&PhraseMatcher::new(patterns));
        };
        let key = phrases_fingerprint(patterns);
        let found: Vec<Option<KeptPhrases>> = kept
            .scans
            .iter()
            .map(|scan| scan.memo().phrases(key))
            .collect();
        let missing = found.iter().filter(|f| f.is_none()).count();
        // The matcher is built once and kept with the matches it found.
        let mut matcher = found
            .iter()
            .flatten()
            .map(|kept| kept.matcher.clone())
            .next();
        if missing > 0 && missing * 4 >= found.len() {
            // Most blocks are new to these patterns (a name was just defined, the draft just
            // opened): one search of the draft, shared out to the blocks.
            let matcher = matcher.unwrap_or_else(|| Arc::new(PhraseMatcher::new(patterns)));
            let all = self.find_phrases_in_draft(&matcher);
            let mut rest = &all[..];
            for (index, scan) in kept.scans.iter().enumerate() {
                let base = self.block_text_starts[index];
                let in_block = rest.partition_point(|hit| hit.0 < self.block_text_end(index));
                let hits = rest[..in_block]
                    .iter()
                    .map(|&(start, end, pattern)| PhraseHit::new(start - base, end - base, pattern))
                    .collect();
                scan.memo().keep_phrases(key, hits, Arc::clone(&matcher));
                rest = &rest[in_block..];
            }
            return all;
        }
        let mut all = Vec::new();
        for (index, (scan, found)) in kept.scans.iter().zip(found).enumerate() {
            let hits = match found {
                Some(kept) => kept.hits,
                None => {
                    let matcher =
                        matcher.get_or_insert_with(|| Arc::new(PhraseMatcher::new(patterns)));
                    let stream = &scan.stream;
                    let hits: Arc<[PhraseHit]> = matcher
                        .find(stream, |start, end| stream.on_boundaries(start, end))
                        .into_iter()
                        .map(|(start, end, pattern)| PhraseHit::new(start, end, pattern))
                        .collect();
                    scan.memo()
                        .keep_phrases(key, Arc::clone(&hits), Arc::clone(matcher));
                    hits
                }
            };
            let base = self.block_text_starts[index];
            all.extend(hits.iter().map(|hit| {
                (
                    hit.start as usize + base,
                    hit.end as usize + base,
                    hit.pattern as usize,
                )
            }));
        }
        all
    }

    /// [`Analysis::find_phrases`] in one search of the whole stream.
    fn find_phrases_in_draft(&self, matcher: &PhraseMatcher) -> Vec<(usize, usize, usize)> {
        let stream = &self.stream;
        let in_one_block = |start: usize, end: usize| {
            stream.on_boundaries(start, end)
                && self.block_of_text(start) == self.block_of_text(end - 1)
        };
        matcher.find(stream, in_one_block)
    }

    /// The block whose words hold offset `at` of the stream's text.
    fn block_of_text(&self, at: usize) -> usize {
        self.block_text_starts
            .partition_point(|&start| start <= at)
            .saturating_sub(1)
    }

    fn block_text_end(&self, index: usize) -> usize {
        self.block_text_starts
            .get(index + 1)
            .copied()
            .unwrap_or(self.stream.text.len())
    }

    fn find_mentions(&mut self, text: &str) {
        let mut mentions = std::mem::take(&mut self.mentions);
        let mut taken = Taken::new(mentions.iter().map(|m| m.raw));
        // Names the draft taught us, wherever they recur.
        if !self.learned.is_empty() {
            let patterns: Vec<&str> = self.learned.iter().map(|l| l.long_key.as_str()).collect();
            for (start, end, pattern) in self.find_phrases(&patterns) {
                let Some((_, _, raw)) = self.stream.raw_range(start, end) else {
                    continue;
                };
                if !self.learned[pattern].is_name
                    || !is_title_case(raw.slice(text))
                    || taken.overlaps(raw)
                {
                    continue;
                }
                taken.insert(raw);
                mentions.push(Mention {
                    raw,
                    entity: Entity::Learned(pattern),
                    form: None,
                    block: 0,
                    ignored: false,
                });
            }
        }
        // Every definition's long form is a mention of what it defines.
        for def in &self.definitions {
            let is_name = match def.entity {
                Entity::Org(_) => true,
                Entity::Learned(i) => {
                    self.learned[i].is_name && is_title_case(def.long.slice(text))
                }
            };
            if is_name && !taken.overlaps(def.long) {
                taken.insert(def.long);
                mentions.push(Mention {
                    raw: def.long,
                    entity: def.entity,
                    form: None,
                    block: 0,
                    ignored: false,
                });
            }
        }
        self.find_loose_mentions(&mut mentions, &mut taken);
        mentions.sort_by_key(|m| (m.raw.start, m.raw.end));
        for m in &mut mentions {
            m.block = self.block_of(m.raw.start);
        }
        for m in &mut mentions {
            m.ignored = self.blocks[m.block].skipped || self.is_quoted(m.raw);
        }
        self.mentions = mentions;
    }

    /// Names of organizations this draft mentions, written with their words in another order,
    /// other function words or another inflection ("Partnership to Accelerate Clean Energy").
    fn find_loose_mentions(&self, mentions: &mut Vec<Mention>, taken: &mut Taken) {
        let gazetteer = self.settings.gazetteer();
        let mut present: FastSet<Entity> = mentions.iter().map(|m| m.entity).collect();
        present.extend(self.definitions.iter().map(|d| d.entity));
        present.extend(
            self.acronyms
                .iter()
                .filter(|u| u.ignore.is_none())
                .filter_map(|u| self.meaning(&u.key)),
        );
        let mut search = LooseSearch::default();
        for &entity in &present {
            match entity {
                // Computed with the gazetteer, not for each draft.
                Entity::Org(id) => {
                    for key in gazetteer.loose_keys(id) {
                        search.add(key.clone(), entity);
                    }
                }
                Entity::Learned(i) if self.learned[i].is_name => {
                    if let Some(key) =
                        normalize::loose_key_of_phrase(&self.learned[i].long_key, LOOSE_MIN_WORDS)
                    {
                        search.add(key, entity);
                    }
                }
                Entity::Learned(_) => {}
            }
        }
        if search.targets.is_empty() {
            return;
        }
        // Each run of words is read greedily, left to right: at each word, the first window
        // size (in `search.sizes` order) naming an organization and overlapping no other
        // mention is taken, and the next window starts after it.
        let mut run = u64::MAX;
        let mut next_start = 0;
        for candidate in self.loose_candidates(&search) {
            if candidate.run != run {
                run = candidate.run;
                next_start = 0;
            }
            if candidate.start < next_start || taken.overlaps(candidate.raw) {
                continue;
            }
            taken.insert(candidate.raw);
            mentions.push(Mention {
                raw: candidate.raw,
                entity: candidate.entity,
                form: None,
                block: 0,
                ignored: false,
            });
            next_start = candidate.start + candidate.size;
        }
    }

    /// Every window of the draft's runs of capitalized words that is a loose name of
    /// `search` (draft offsets), whatever other mentions claim; with scans kept across edits,
    /// kept with each block's scan for this search.
    fn loose_candidates(&self, search: &LooseSearch) -> Vec<LooseCandidate> {
        // A window can only match if every content word's stem occurs in some target.
        let stems = StemSet::new(search.targets.keys().flat_map(|k| k.split(' ')));
        let Some(kept) = &self.kept_scans else {
            let mut all = Vec::new();
            search.candidates(&stems, &self.stream, &mut all);
            return all;
        };
        let key = search.fingerprint();
        let mut all = Vec::new();
        for (index, scan) in kept.scans.iter().enumerate() {
            let found = scan.memo().loose(key);
            let found = found.unwrap_or_else(|| {
                let mut found = Vec::new();
                search.candidates(&stems, &scan.stream, &mut found);
                let found: Arc<[LooseCandidate]> = found.into();
                scan.memo().keep_loose(key, Arc::clone(&found));
                found
            });
            let base = self.blocks[index].span.start;
            all.extend(found.iter().map(|c| LooseCandidate {
                run: c.run | (index as u64) << 32,
                raw: c.raw.shifted(base),
                ..*c
            }));
        }
        all
    }
}

/// The loose names of the organizations a draft mentions, and how to find them.
#[derive(Default)]
struct LooseSearch {
    targets: FastMap<String, Entity>,
    /// The window sizes to try, in the order they are tried.
    sizes: Vec<usize>,
}

impl LooseSearch {
    fn add(&mut self, key: String, entity: Entity) {
        let size = key.split(' ').count();
        if !self.sizes.contains(&size) {
            self.sizes.push(size);
        }
        self.targets.insert(key, entity);
    }

    /// Equal for equal searches, whatever order the targets were added in.
    fn fingerprint(&self) -> u64 {
        let mut targets: Vec<(&String, &Entity)> = self.targets.iter().collect();
        targets.sort_unstable();
        let mut hasher = xxhash_rust::xxh3::Xxh3Default::new();
        for size in &self.sizes {
            hasher.update(&(*size as u64).to_le_bytes());
        }
        for (key, entity) in targets {
            let (kind, value) = match *entity {
                Entity::Org(id) => (0u8, id),
                Entity::Learned(i) => (1u8, i),
            };
            hasher.update(&[0xFF, kind]);
            hasher.update(&(value as u64).to_le_bytes());
            hasher.update(key.as_bytes());
        }
        hasher.digest()
    }

    /// The candidates in `stream` (runs numbered from 0), in reading order. `stems`: the
    /// words of the targets.
    fn candidates(&self, stems: &StemSet<'_>, stream: &Stream, out: &mut Vec<LooseCandidate>) {
        let tokens = &stream.tokens;
        let token_text = |i: usize| &stream.text[tokens[i].start as usize..tokens[i].end as usize];
        // Reused for every run and window: most runs are one or two words, and allocating for
        // each was a third of this pass.
        let mut content: Vec<usize> = Vec::new();
        let mut window_stems: Vec<&str> = Vec::new();
        let mut key = String::new();
        let mut run = 0;
        let mut i = 0;
        while i < tokens.len() {
            // Most words are lower case, and no run starts at one.
            if !tokens[i].capitalized() {
                i += 1;
                continue;
            }
            // A run of capitalized words and the function words between them.
            content.clear();
            let mut j = i;
            while j < tokens.len() {
                let capitalized = tokens[j].capitalized();
                // Most words are lower case and outside any run: decided without reading them.
                if !capitalized && content.is_empty() {
                    break;
                }
                let word = token_text(j);
                let function = normalize::is_function_word(word);
                if function && !content.is_empty() {
                    // Allowed inside, not at the start.
                } else if capitalized && !function && stems.contains(normalize::stem(word)) {
                    content.push(j);
                } else {
                    break;
                }
                let gap = stream.text.as_bytes().get(tokens[j].end as usize).copied();
                j += 1;
                if gap == Some(HARD as u8) {
                    break;
                }
            }
            let next = j.max(i + 1);
            for start in 0..content.len() {
                for &size in &self.sizes {
                    if start + size > content.len() {
                        continue;
                    }
                    let window = &content[start..start + size];
                    if !normalize::loose_key_into(
                        window.iter().map(|&t| token_text(t)),
                        1,
                        &mut window_stems,
                        &mut key,
                    ) {
                        continue;
                    }
                    let Some(&entity) = self.targets.get(key.as_str()) else {
                        continue;
                    };
                    out.push(LooseCandidate {
                        run,
                        start: start as u32,
                        size: size as u32,
                        raw: TextRange::new(
                            tokens[window[0]].word_start(),
                            tokens[window[size - 1]].raw().end,
                        ),
                        entity,
                    });
                }
            }
            if !content.is_empty() {
                run += 1;
            }
            i = next;
        }
    }
}

/// The words of a loose search's targets. Most capitalized words of a draft are in none, and
/// are told so by one bit (from their first bytes and length) without hashing them.
struct StemSet<'a> {
    words: FastSet<&'a str>,
    bits: BitFilter<{ STEM_BITS / 64 }>,
}

const STEM_BITS: usize = 1 << 12;

impl<'a> StemSet<'a> {
    fn new(words: impl Iterator<Item = &'a str>) -> Self {
        let words: FastSet<&str> = words.collect();
        let mut bits = BitFilter::new();
        for word in &words {
            bits.insert(Self::bit(word));
        }
        Self { words, bits }
    }

    #[inline]
    fn bit(word: &str) -> usize {
        let value = u64::from(normalize::head(word.as_bytes())) | ((word.len() as u64) << 32);
        (value.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 52) as usize % STEM_BITS
    }

    #[inline]
    fn contains(&self, word: &str) -> bool {
        self.bits.contains(Self::bit(word)) && self.words.contains(word)
    }
}

/// A window of a run of capitalized words that is a loose name: the `start`th content word of
/// run `run`, `size` content words long.
#[derive(Clone, Copy, Debug)]
struct LooseCandidate {
    run: u64,
    start: u32,
    size: u32,
    raw: TextRange,
    entity: Entity,
}

/// A match of [`Analysis::find_phrases`] in one block: offsets in the block's stream.
#[derive(Clone, Copy, Debug)]
struct PhraseHit {
    start: u32,
    end: u32,
    pattern: u32,
}

impl PhraseHit {
    fn new(start: usize, end: usize, pattern: usize) -> Self {
        Self {
            start: start as u32,
            end: end as u32,
            pattern: pattern as u32,
        }
    }
}

/// A block's matches of one pattern list, and the matcher that found them (shared by every
/// block, so the next edit's search of a changed block need not build it again).
#[derive(Clone)]
struct KeptPhrases {
    hits: Arc<[PhraseHit]>,
    matcher: Arc<PhraseMatcher>,
}

impl std::fmt::Debug for KeptPhrases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeptPhrases")
            .field("hits", &self.hits)
            .finish_non_exhaustive()
    }
}

/// Equal for equal pattern lists.
fn phrases_fingerprint(patterns: &[&str]) -> u64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3Default::new();
    for pattern in patterns {
        // 0xFF never occurs in UTF-8: patterns cannot run into each other.
        hasher.update(pattern.as_bytes());
        hasher.update(&[0xFF]);
    }
    hasher.digest()
}

/// What the draft-wide searches found in one block, kept with its scan: they depend on the
/// rest of the draft only through their patterns (the names it teaches, its defined terms, the
/// organizations it mentions), so each is kept under the fingerprint of those.
#[derive(Debug, Default)]
struct ScanMemo {
    /// Matches of the most recent pattern lists, oldest first.
    phrases: Vec<(u64, KeptPhrases)>,
    loose: Option<(u64, Arc<[LooseCandidate]>)>,
}

/// Pattern lists whose matches a block keeps: the learned names and the defined terms are
/// searched in every run, and one edit can change either.
const KEPT_PHRASE_LISTS: usize = 4;

impl ScanMemo {
    fn phrases(&self, key: u64) -> Option<KeptPhrases> {
        self.phrases
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, kept)| kept.clone())
    }

    fn keep_phrases(&mut self, key: u64, hits: Arc<[PhraseHit]>, matcher: Arc<PhraseMatcher>) {
        self.phrases.retain(|(k, _)| *k != key);
        if self.phrases.len() == KEPT_PHRASE_LISTS {
            self.phrases.remove(0);
        }
        self.phrases.push((key, KeptPhrases { hits, matcher }));
    }

    fn loose(&self, key: u64) -> Option<Arc<[LooseCandidate]>> {
        self.loose
            .as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, found)| Arc::clone(found))
    }

    fn keep_loose(&mut self, key: u64, found: Arc<[LooseCandidate]>) {
        self.loose = Some((key, found));
    }
}

/// What the names analysis reads off one block by itself: a function of the block's text and
/// kind alone, offsets relative to the block's start. The language server keeps scans by block
/// content, so an edit scans one block again, not the draft.
#[derive(Debug)]
pub struct BlockScan {
    skipped: bool,
    /// Heading-like as any block / as the draft's first block (its title).
    heading_like: [bool; 2],
    quotations: Vec<TextRange>,
    stream: Stream,
    /// Sorted by position; `block` is 0; `ignore` is final (see [`classify_acronyms`]).
    uses: Vec<AcronymUse>,
    names: Vec<NameHit>,
    /// What the brackets beside each use say by themselves, for the uses that have any.
    definitions: Vec<BlockDefinition>,
    memo: std::sync::Mutex<ScanMemo>,
}

/// A use of an acronym (index `use_index` into [`BlockScan::uses`]) next to brackets, read from
/// its block alone: the definition found ("Long Name (ACR)", "ACR (Long Name)"), with its
/// normalized and loose keys. When the initials do not spell the words before the brackets, an
/// earlier long form of the same acronym, reworded, may ("Coordination Office (MECB)" after
/// "Coordination Bureau (MECB)"): `reads_earlier` says the draft must decide.
#[derive(Clone, Debug)]
struct BlockDefinition {
    use_index: usize,
    found: Option<FoundDefinition>,
    reads_earlier: bool,
}

#[derive(Clone, Debug)]
struct FoundDefinition {
    long: TextRange,
    whole: TextRange,
    shape: DefinitionShape,
    long_key: String,
    loose: Option<String>,
}

impl FoundDefinition {
    fn new(text: &str, (long, whole, shape): (TextRange, TextRange, DefinitionShape)) -> Self {
        let long_key = normalize::normalize_phrase(long.slice(text));
        let loose = normalize::loose_key_of_phrase(&long_key, LOOSE_MIN_WORDS);
        Self {
            long,
            whole,
            shape,
            long_key,
            loose,
        }
    }

    fn shifted(mut self, base: usize) -> Self {
        self.long = self.long.shifted(base);
        self.whole = self.whole.shifted(base);
        self
    }
}

/// Whether one of `quotations` (sorted and apart: one closes before the next opens) contains
/// `range` (not empty): only the first ending after its start can.
fn is_quoted_in(quotations: &[TextRange], range: TextRange) -> bool {
    let i = quotations.partition_point(|q| q.end <= range.start);
    quotations.get(i).is_some_and(|q| q.contains_range(range))
}

/// What an acronym's surroundings say about it (`text` is its block, `uses` the block's uses):
/// in a shouted block or a block quote, a numeral, a unit, part of a document symbol, inside a
/// quotation, a family name, an address. Each reads the acronym's own block only, so it is
/// done once per block scan and kept across edits.
fn classify_acronyms(
    text: &str,
    uses: &mut [AcronymUse],
    skipped: bool,
    quotations: &[TextRange],
    gazetteer: &Gazetteer,
) {
    for u in uses.iter_mut() {
        u.ignore = u.ignore.or_else(|| {
            if skipped {
                Some(Ignore::Skipped)
            } else if u.owner.is_none() && is_roman_numeral(&u.key) {
                Some(Ignore::RomanNumeral)
            } else if gazetteer.units.contains(&u.key) {
                Some(Ignore::Unit)
            } else if in_document_symbol(text, u.raw) {
                Some(Ignore::Symbol)
            } else {
                None
            }
        });
        if u.ignore.is_none() && is_quoted_in(quotations, u.raw) {
            u.ignore = Some(Ignore::Quoted);
        }
        if u.ignore.is_none() && u.owner.is_none() && is_family_name(text, u.raw) {
            u.ignore = Some(Ignore::Skipped);
        }
        if u.ignore.is_none() && in_address(text, u.raw) {
            u.ignore = Some(Ignore::Symbol);
        }
    }
}

/// The [`BlockDefinition`]s of one block (the whole of `text`), for the uses that can define:
/// not dotted, and not a numeral, a unit or part of a symbol (`uses` classified already).
fn block_definitions(
    text: &str,
    uses: &[AcronymUse],
    names: &[NameHit],
    gazetteer: &Gazetteer,
) -> Vec<BlockDefinition> {
    let block = TextRange::new(0, text.len());
    let mut out = Vec::new();
    for (use_index, u) in uses.iter().enumerate() {
        if u.style == AcronymStyle::Dotted
            || matches!(
                u.ignore,
                Some(Ignore::Symbol | Ignore::RomanNumeral | Ignore::Unit)
            )
        {
            continue;
        }
        let mut reads_earlier = false;
        let found = long_first(gazetteer, text, block, u, names, &[], &mut reads_earlier)
            .or_else(|| acronym_first(text, block, u));
        if found.is_some() || reads_earlier {
            out.push(BlockDefinition {
                use_index,
                found: found.map(|found| FoundDefinition::new(text, found)),
                reads_earlier,
            });
        }
    }
    out
}

/// A scan made in batch whose word stream goes back to `spare` when it is dropped, for the
/// next scan to write in its buffers.
struct RecycledScan<'s> {
    scan: BlockScan,
    spare: &'s RefCell<Stream>,
}

impl AsRef<BlockScan> for RecycledScan<'_> {
    fn as_ref(&self) -> &BlockScan {
        &self.scan
    }
}

impl Drop for RecycledScan<'_> {
    fn drop(&mut self) {
        self.spare.replace(std::mem::take(&mut self.scan.stream));
    }
}

impl BlockScan {
    pub fn new(text: &str, kind: BlockKind, gazetteer: &Gazetteer) -> Self {
        Self::with_buffers(text, kind, gazetteer, Stream::default())
    }

    /// [`BlockScan::new`], its word stream written in the buffers of `stream` (whatever it
    /// holds is dropped).
    fn with_buffers(
        text: &str,
        kind: BlockKind,
        gazetteer: &Gazetteer,
        mut stream: Stream,
    ) -> Self {
        let span = TextRange::new(0, text.len());
        stream.text.clear();
        stream.blocks.clear();
        // Sized once: growing it word by word was a tenth of the scan. Too small, a new one
        // rather than growing it (which would copy what it held). (The text is written in its
        // buffer, or one of its own, and moved in.)
        let capacity = text.len() / 5 + 1;
        if stream.tokens.capacity() < capacity {
            stream.tokens = Vec::with_capacity(capacity);
        }
        stream.tokens.clear();
        stream.push_block(text, span);
        let mut quotations = Vec::new();
        find_quotations(text, span, &mut quotations);
        let notable = normalize::notable_tokens(&stream.tokens);
        let mut uses = block_acronyms(text, &stream, &notable, gazetteer);
        let names = gazetteer.find_names(&stream);
        let skipped = kind == BlockKind::Quote || is_shouted(text);
        classify_acronyms(text, &mut uses, skipped, &quotations, gazetteer);
        let definitions = block_definitions(text, &uses, &names, gazetteer);
        let heading = kind == BlockKind::Heading;
        let (anywhere, first) = looks_like_heading(text);
        Self {
            skipped,
            heading_like: [heading || anywhere, heading || first],
            quotations,
            stream,
            uses,
            names,
            definitions,
            memo: std::sync::Mutex::default(),
        }
    }

    fn memo(&self) -> std::sync::MutexGuard<'_, ScanMemo> {
        // What is kept is only ever replaced whole: a panic elsewhere cannot leave it half done.
        self.memo
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl AsRef<BlockScan> for BlockScan {
    fn as_ref(&self) -> &BlockScan {
        self
    }
}

/// The [`BlockScan`]s of a draft's blocks, in order, for one names configuration.
#[derive(Debug)]
pub struct BlockScans {
    settings: Arc<NamesSettings>,
    pub scans: Vec<Arc<BlockScan>>,
}

impl BlockScans {
    /// `scan(block index, text, kind)` gives the scan of each block (computed, or kept from
    /// before).
    pub fn new(
        doc: &Document,
        settings: &Arc<NamesSettings>,
        mut scan: impl FnMut(usize, &str, BlockKind) -> Arc<BlockScan>,
    ) -> Self {
        let scans = doc
            .blocks()
            .iter()
            .enumerate()
            .map(|(index, block)| scan(index, doc.block_text(block), block.kind))
            .collect();
        Self {
            settings: Arc::clone(settings),
            scans,
        }
    }

    pub fn is_for(&self, settings: &Arc<NamesSettings>) -> bool {
        Arc::ptr_eq(&self.settings, settings)
    }
}

/// The acronyms of one block (the whole of `text`), sorted by position; `block` is 0 until the
/// draft is put together. `notable`: the stream's [`normalize::notable_tokens`], the only words
/// an acronym can be or begin.
fn block_acronyms(
    text: &str,
    stream: &Stream,
    notable: &[u32],
    gazetteer: &Gazetteer,
) -> Vec<AcronymUse> {
    let span = TextRange::new(0, text.len());
    let mut hits: Vec<AcronymHit> = Vec::new();
    let mut uses: Vec<AcronymUse> = Vec::new();
    gazetteer.find_acronyms_in_block(text, span, &stream.tokens, notable, &mut hits);
    for hit in &hits {
        let written = hit.raw.slice(text);
        // A configured dotted form ("U.N.") is the same acronym as "UN".
        let dotted = written.contains('.');
        uses.push(AcronymUse {
            raw: hit.raw,
            possessive: possessive_after(text, hit.raw),
            key: if dotted {
                written.replace('.', "")
            } else {
                written.replace('’', "'")
            },
            style: if dotted {
                AcronymStyle::Dotted
            } else {
                AcronymStyle::Plain
            },
            block: 0,
            owner: Some(hit.org),
            ignore: None,
            definition: None,
        });
    }
    let mut skip_until = span.start;
    let mut next_hit = 0;
    // The parts of a hyphenated word, reused from one candidate word to the next.
    let mut parts: Vec<TextRange> = Vec::new();
    for token in notable.iter().map(|&i| &stream.tokens[i as usize]) {
        let word = token.word();
        if word.start < skip_until {
            continue;
        }
        // Most words are not acronyms: only capitals after the first letter, a digit
        // or a dotted initial make one worth looking at (all of them notable).
        if !may_be_acronym(token) {
            continue;
        }
        if let Some((raw, key)) = dotted_acronym(text, word.start, span.end) {
            skip_until = raw.end;
            if let Some(owner) = gazetteer.acronym_owner(&key) {
                uses.push(AcronymUse {
                    raw,
                    possessive: false,
                    key,
                    style: AcronymStyle::Dotted,
                    block: 0,
                    owner: Some(owner),
                    ignore: None,
                    definition: None,
                });
            }
            continue;
        }
        while next_hit < hits.len() && hits[next_hit].raw.end <= word.start {
            next_hit += 1;
        }
        if hits.get(next_hit).is_some_and(|h| h.raw.overlaps(word)) {
            continue;
        }
        let whole = word.slice(text);
        let (base_end, possessive) = match ["’s", "'s"]
            .iter()
            .find(|s| whole.len() > s.len() + 1 && whole.ends_with(*s))
        {
            Some(s) => (word.end - s.len(), true),
            None => (word.end, false),
        };
        let base = TextRange::new(word.start, base_end);
        let base_text = base.slice(text);
        if gazetteer.well_known_terms.contains(base_text) || gazetteer.units.contains(base_text) {
            // "COVID-19", "SARS-CoV-2": known as a whole, not part by part.
            if is_acronym_like(base_text.split('-').next().unwrap_or("")) {
                uses.push(AcronymUse {
                    raw: base,
                    possessive,
                    key: base_text.to_string(),
                    style: AcronymStyle::Plain,
                    block: 0,
                    owner: None,
                    ignore: gazetteer.units.contains(base_text).then_some(Ignore::Unit),
                    definition: None,
                });
            }
            continue;
        }
        parts.clear();
        let mut offset = base.start;
        for part in base_text.split(['-', '‐', '‑']) {
            parts.push(TextRange::new(offset, offset + part.len()));
            offset += part.len() + part_separator_len(text, offset + part.len(), base.end);
        }
        let part_text = |i: usize| parts[i].slice(text);
        // "INDUS-X", "CAFTA-DR", "AN-IUU": a hyphenated acronym is one acronym.
        if parts.len() > 1
            && (0..parts.len())
                .all(|i| is_single_capital(part_text(i)) || is_acronym_like(part_text(i)))
            && !(0..parts.len()).any(|i| part_text(i).starts_with(|c: char| c.is_ascii_digit()))
        {
            uses.push(AcronymUse {
                raw: base,
                possessive,
                key: base_text.to_string(),
                style: AcronymStyle::Plain,
                block: 0,
                owner: gazetteer.acronym_owner(base_text),
                ignore: None,
                definition: None,
            });
            continue;
        }
        for (i, &range) in parts.iter().enumerate() {
            let part = range.slice(text);
            let (key, style) = match plural_base(part) {
                Some(singular) => (singular, AcronymStyle::Plural),
                None if is_acronym_like(part) => (part, AcronymStyle::Plain),
                None => continue,
            };
            // "MQ-9B", "EC-M-33/DEC.1", "ES-11/1", "FR4978", "USD70": designations,
            // symbols and codes.
            let designation = parts[i + 1..]
                .iter()
                .any(|next| next.slice(text).starts_with(|c: char| c.is_ascii_digit()))
                || is_code(part, &gazetteer.units);
            uses.push(AcronymUse {
                raw: range,
                possessive: possessive && range.end == base.end,
                key: key.to_string(),
                style,
                block: 0,
                owner: gazetteer.acronym_owner(key),
                ignore: designation.then_some(Ignore::Symbol),
                definition: None,
            });
        }
    }
    // "WE, the Leaders", "REAFFIRMING our commitment", "FACT SHEET: …", "WASHINGTON –":
    // capitals that open a block in the manner of a heading, not acronyms.
    let mut shouted = shouted_runs(text, &stream.tokens, notable, gazetteer);
    shouted.extend(lead_in(text, span, stream.block_words(0), gazetteer));
    for run in shouted {
        for u in uses.iter_mut().filter(|u| run.contains_range(u.raw)) {
            u.ignore.get_or_insert(Ignore::Skipped);
        }
    }
    uses.sort_by_key(|u| (u.raw.start, u.raw.end));
    uses.dedup_by_key(|u| u.raw);
    uses
}

/// The draft ranges already claimed by mentions, which never overlap one another: whether a
/// new range overlaps one is a lookup, not a scan of every mention (a long draft has
/// thousands).
struct Taken {
    /// The ranges given to [`Taken::new`], by start (for one start, the last given).
    first: Vec<(usize, usize)>,
    /// Ranges inserted since, by start; at a start in `first` too, this one counts.
    end_by_start: std::collections::BTreeMap<usize, usize>,
}

impl Taken {
    /// The ranges of `given` taken: sorted once, since a draft's gazetteer mentions are many and
    /// the later insertions few.
    fn new(given: impl Iterator<Item = TextRange>) -> Self {
        let mut first: Vec<(usize, usize)> = given.map(|r| (r.start, r.end)).collect();
        // Stable, and the last of each start kept: as inserting them one by one would leave it.
        first.sort_by_key(|&(start, _)| start);
        first.reverse();
        first.dedup_by_key(|&mut (start, _)| start);
        first.reverse();
        Self {
            first,
            end_by_start: std::collections::BTreeMap::new(),
        }
    }

    fn insert(&mut self, range: TextRange) {
        self.end_by_start.insert(range.start, range.end);
    }

    /// [`TextRange::overlaps`] with any range taken: since they are disjoint, only the last
    /// one starting before `range` ends can.
    fn overlaps(&self, range: TextRange) -> bool {
        let inserted = self.end_by_start.range(..range.end).next_back();
        let before = self.first.partition_point(|&(start, _)| start < range.end);
        let given = before.checked_sub(1).map(|i| &self.first[i]);
        let last = match (inserted, given) {
            (Some((&start, &end)), Some(&(given_start, _))) if start >= given_start => (start, end),
            (_, Some(&given)) => given,
            (Some((&start, &end)), None) => (start, end),
            (None, None) => return false,
        };
        TextRange::new(last.0, last.1).overlaps(range)
    }
}

/// Every word but function words capitalized: "Women, Peace and Security".
fn is_title_case(s: &str) -> bool {
    words(s, TextRange::new(0, s.len())).all(|w| {
        let w = w.slice(s);
        starts_capitalized(w) || normalize::is_function_word_any_case(w)
    })
}

fn starts_capitalized(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
}

/// A word that reads as an acronym: capitals (and digits) dominate, e.g. "CSTO", "G7",
/// "AfDB", "COP28"; not "Paris", "McCain" or "2030".
pub fn is_acronym_like(word: &str) -> bool {
    let mut chars = word.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if !(first.is_uppercase() || first.is_ascii_digit()) {
        return false;
    }
    let (mut upper, mut lower, mut digits) = (0, 0, 0);
    for c in word.chars() {
        if c.is_uppercase() {
            upper += 1;
        } else if c.is_lowercase() {
            lower += 1;
        } else if c.is_ascii_digit() {
            digits += 1;
        } else if !c.is_alphanumeric() {
            return false;
        }
    }
    (upper >= 2 || (upper == 1 && digits >= 1 && first.is_uppercase()))
        && lower <= upper / 2 + usize::from(upper >= 2)
}

/// "NGOs" → "NGO": a plural of an all-capital acronym.
fn plural_base(word: &str) -> Option<&str> {
    let base = word.strip_suffix('s')?;
    (base.chars().count() >= 2
        && base.chars().all(|c| c.is_uppercase() || c.is_ascii_digit())
        && base.chars().next().is_some_and(char::is_uppercase))
    .then_some(base)
}

/// A cheap first look: "CSTO", "G7", "kWh", "U.N" (its "U"), "COVID-19"; not "Parties".
fn may_be_acronym(token: &Token) -> bool {
    token.has(Token::FIRST_DIGIT)
        || token.has(Token::MORE_CAPS)
        || (token.has(Token::FIRST_UPPER) && token.has(Token::SINGLE))
}

fn is_single_capital(word: &str) -> bool {
    let mut chars = word.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if c.is_uppercase())
}

/// Flight numbers and amounts: "FR4978", "USD70", "A320", "150GW".
fn is_code(word: &str, units: &FastSet<String>) -> bool {
    let letters_at = word
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(word.len());
    if letters_at > 0 && units.contains(&word[letters_at..]) {
        return true;
    }
    let digits_at = word
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(word.len());
    let (prefix, suffix) = word.split_at(digits_at);
    !suffix.is_empty()
        && suffix.chars().all(|c| c.is_ascii_digit())
        && (units.contains(prefix) || (suffix.len() >= 3 && prefix.chars().count() <= 3))
}

/// The capitals a block opens with when they are a heading-style lead-in, not acronyms:
/// unknown all-capital words, after any numbering, followed by ":", ",", a dash, a lower-case
/// word or nothing.
fn lead_in(
    text: &str,
    block: TextRange,
    block_words: impl Iterator<Item = TextRange>,
    gazetteer: &Gazetteer,
) -> Option<TextRange> {
    let shouted = |w: &str| {
        w.chars().count() >= 2
            && w.chars().all(|c| c.is_alphabetic() && c.is_uppercase())
            && gazetteer.acronym_owner(w).is_none()
            && !gazetteer.well_known_terms.contains(w)
    };
    let mut all = block_words.skip_while(|w| w.slice(text).chars().all(|c| c.is_ascii_digit()));
    let first = all.next().filter(|w| shouted(w.slice(text)))?;
    let mut last = first;
    for word in all {
        if text[last.end..word.start].trim().is_empty() && shouted(word.slice(text)) {
            last = word;
        } else {
            break;
        }
    }
    let after = &text[last.end..block.end];
    let next = after.trim_start();
    // Acronyms are rarely seven letters long; an opening word in capitals that long is a lead-in.
    let follows = next.is_empty()
        || (first == last && first.slice(text).chars().count() >= 7)
        || after.starts_with([':', ','])
        || (after.len() > next.len() && next.starts_with(['–', '—', '-']))
        || next.starts_with(char::is_lowercase);
    follows.then(|| TextRange::new(first.start, last.end))
}

/// Runs of capitalized words inside a block that are shouting, not acronyms: "A. TOWARD A MORE
/// SECURE AND STABLE WORLD", "HMS QUEEN ELIZABETH", "RED FLAG". Three or more words in
/// capitals, or two when one of them is a longer word sherpa does not know as an acronym.
/// `notable`: the block's [`normalize::notable_tokens`]; every word in capitals is one, and
/// any other word ends a run.
fn shouted_runs(
    text: &str,
    tokens: &[Token],
    notable: &[u32],
    gazetteer: &Gazetteer,
) -> Vec<TextRange> {
    let mut runs = Vec::new();
    let mut run: Vec<TextRange> = Vec::new();
    let flush = |run: &mut Vec<TextRange>, runs: &mut Vec<TextRange>| {
        if run.is_empty() {
            return;
        }
        let long = |w: &&TextRange| w.slice(text).chars().count() >= 2;
        let words = run.iter().filter(long);
        let count = words.clone().count();
        let unknown_long_word = words.clone().any(|w| {
            let w = w.slice(text);
            w.chars().count() >= 4
                && w.chars().all(char::is_alphabetic)
                && gazetteer.acronym_owner(w).is_none()
                && !gazetteer.well_known_terms.contains(w)
        });
        if count >= 3 || (count == 2 && unknown_long_word) {
            runs.push(TextRange::new(run[0].start, run[run.len() - 1].end));
        }
        run.clear();
    };
    let mut last_index: Option<usize> = None;
    for index in notable.iter().map(|&i| i as usize) {
        // A plain lower-case word between the last notable word and this one ended the run.
        if last_index.is_some_and(|last| last + 1 != index) {
            flush(&mut run, &mut runs);
        }
        last_index = Some(index);
        let token = &tokens[index];
        let word = token.word();
        // Capitals only (a possessive "’s" aside): decided from the token's shape.
        let caps = token.capitalized() && token.has(Token::ALPHA) && !token.has(Token::LOWER);
        // Looked at only where it decides something: a word in capitals after others.
        let joined = || {
            let previous_end = index.checked_sub(1).map(|i| tokens[i].word().end);
            previous_end.is_none_or(|end| {
                text[end..word.start]
                    .chars()
                    .all(|c| c.is_whitespace() || matches!(c, '.' | '-' | '‐' | '’' | '\''))
            })
        };
        if !(caps && (run.is_empty() || joined())) && !run.is_empty() {
            flush(&mut run, &mut runs);
        }
        if caps {
            run.push(word);
        }
    }
    flush(&mut run, &mut runs);
    runs
}

/// "Prime Minister of Japan KISHIDA Fumio", "Lt General MU Nair": a family name in capitals
/// between a title and a given name.
fn is_family_name(text: &str, raw: TextRange) -> bool {
    const TITLES: &[&str] = &[
        "Minister",
        "President",
        "General",
        "Secretary",
        "Ambassador",
        "Governor",
        "Chair",
        "Chairman",
        "Chairperson",
        "Excellency",
        "Mr",
        "Ms",
        "Mrs",
        "Dr",
        "Prof",
        "Japan",
        "Senator",
        "Director",
        "Commissioner",
        "Admiral",
        "Colonel",
    ];
    let before = text[..raw.start].trim_end().trim_end_matches('.');
    let previous = before
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    let after = &text[raw.end..];
    let next = after.trim_start();
    let next_word: String = next.chars().take_while(|c| c.is_alphabetic()).collect();
    let given_name_follows = after.len() > next.len()
        && next_word.chars().next().is_some_and(char::is_uppercase)
        && next_word.chars().skip(1).any(char::is_lowercase);
    // Acronyms are rarely pronounceable words of five letters or more: "HAYASHI", "KISHIDA".
    let word = raw.slice(text);
    let vowels = word.chars().filter(|c| "AEIOUY".contains(*c)).count();
    let name_like = word.chars().count() >= 5 && vowels * 5 >= word.chars().count() * 2;
    let after_capitalized = previous.chars().next().is_some_and(char::is_uppercase);
    given_name_follows && (TITLES.contains(&previous) || (name_like && after_capitalized))
}

/// "SCA-Press@state.gov", "https://www.UN.org": capitals inside an address are not acronyms.
fn in_address(text: &str, raw: TextRange) -> bool {
    let start = text[..raw.start]
        .char_indices()
        .rfind(|(_, c)| c.is_whitespace())
        .map_or(0, |(p, c)| p + c.len_utf8());
    let end = text[raw.end..]
        .find(char::is_whitespace)
        .map_or(text.len(), |p| raw.end + p);
    let chunk = &text[start..end];
    chunk.contains('@') || chunk.contains("://") || chunk.contains("www.")
}

fn possessive_after(text: &str, raw: TextRange) -> bool {
    let rest = &text[raw.end..];
    rest.starts_with("’s") || rest.starts_with("'s")
}

fn part_separator_len(text: &str, at: usize, end: usize) -> usize {
    if at >= end {
        return 0;
    }
    text[at..].chars().next().map_or(0, char::len_utf8)
}

/// "U.N." or "U.S.A.": single capitals each followed by a dot, at least two. `start` is the
/// start of a word, so the first capital stands alone.
fn dotted_acronym(text: &str, start: usize, end: usize) -> Option<(TextRange, String)> {
    let mut pos = start;
    let mut key = String::new();
    while pos < end {
        let mut chars = text[pos..end].chars();
        match (chars.next(), chars.next()) {
            (Some(c), Some('.')) if c.is_uppercase() => {
                key.push(c);
                pos += c.len_utf8() + 1;
            }
            _ => break,
        }
    }
    (key.chars().count() >= 2).then(|| (TextRange::new(start, pos), key))
}

fn is_roman_numeral(word: &str) -> bool {
    let value = |c: char| match c {
        'I' => 1,
        'V' => 5,
        'X' => 10,
        'L' => 50,
        'C' => 100,
        'D' => 500,
        'M' => 1000,
        _ => 0,
    };
    let values: Vec<u32> = word.chars().map(value).collect();
    if values.is_empty() || values.contains(&0) {
        return false;
    }
    let mut total = 0i64;
    for (i, &v) in values.iter().enumerate() {
        if values.get(i + 1).is_some_and(|&next| next > v) {
            total -= i64::from(v);
        } else {
            total += i64::from(v);
        }
    }
    // Only the canonical spelling of its value: "IIII" and "IC" are not numerals.
    (1..4000).contains(&total) && to_roman(total as u32) == word
}

fn to_roman(mut n: u32) -> String {
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (value, numeral) in TABLE {
        while n >= value {
            out.push_str(numeral);
            n -= value;
        }
    }
    out
}

/// A/RES/80/4, A/CONF.231/3, GC(69)/RES/10, E/CN.4: capitals glued to slashes, dots or
/// brackets are parts of a document symbol, not acronyms.
fn in_document_symbol(text: &str, raw: TextRange) -> bool {
    let before = text[..raw.start].chars().next_back();
    let mut after = text[raw.end..].chars();
    let next = after.next();
    let next2 = after.next();
    // "53/77 AA of 4 December 1998": the letter suffix of a resolution number.
    let after_resolution_number = text[..raw.start]
        .strip_suffix(' ')
        .and_then(|t| t.rsplit(' ').next())
        .is_some_and(|t| t.contains('/') && t.chars().all(|c| c.is_ascii_digit() || c == '/'));
    after_resolution_number
        || matches!(before, Some('/' | '\\'))
        || (matches!(before, Some('.')) && text[..raw.start].len() >= 2 && {
            let b = text[..raw.start - 1].chars().next_back();
            b.is_some_and(|c| c.is_alphanumeric())
        })
        || matches!(next, Some('/' | '('))
        || (next == Some('.') && next2.is_some_and(|c| c.is_alphanumeric()))
}

/// Mostly capitals: a shouted heading such as "G7 LEADERS' STATEMENT".
fn is_shouted(block: &str) -> bool {
    let (mut upper, mut lower) = (0usize, 0usize);
    for c in block.chars() {
        if c.is_uppercase() {
            upper += 1;
        } else if c.is_lowercase() {
            lower += 1;
            // Ordinary prose: decided long before the end of the block.
            if lower > 20 && lower * 10 > upper {
                return false;
            }
        }
    }
    upper >= 5 && lower * 10 <= upper
}

/// Whether a block looks like a heading anywhere in a draft (a short line without sentence
/// punctuation), and as the draft's first block (its title, however long, when it does not end
/// like a sentence).
fn looks_like_heading(block: &str) -> (bool, bool) {
    let trimmed = block.trim_end();
    let ends_sentence = trimmed
        .chars()
        .next_back()
        .is_some_and(|c| matches!(c, '.' | ';' | ':' | '!' | '?' | ',' | '”' | '"' | '»'));
    let short = || trimmed.split_whitespace().nth(16).is_none();
    (!ends_sentence && short(), !ends_sentence)
}

/// Quoted spans of four words or more inside a block: quotations of other texts.
fn find_quotations(text: &str, block: TextRange, out: &mut Vec<TextRange>) {
    let slice = block.slice(text);
    let mut open: Option<(usize, char)> = None;
    // Only quotation marks matter: '"' and the lead bytes of “ ” (E2) and « » (C2).
    let marks = memchr::memchr3_iter(b'"', 0xE2, 0xC2, slice.as_bytes());
    for (i, c) in marks.filter_map(|i| slice[i..].chars().next().map(|c| (i, c))) {
        match (open, c) {
            (None, '“' | '"' | '«') => open = Some((i, c)),
            (Some((start, opener)), '”' | '"' | '»')
                if (opener == '"') == (c == '"') && (opener == '«') == (c == '»') =>
            {
                let range = TextRange::new(block.start + start, block.start + i + c.len_utf8());
                if words(text, range).take(4).count() == 4 {
                    out.push(range);
                }
                open = None;
            }
            _ => {}
        }
    }
}

/// Schwartz–Hearst: the shortest phrase ending `window` whose letters spell `acronym` in order,
/// its first letter starting a word. Returns the byte offset in `window` where it starts.
fn schwartz_hearst(window: &str, acronym: &str) -> Option<usize> {
    let long: Vec<(usize, char)> = window.char_indices().collect();
    let short: Vec<char> = acronym
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    if short.is_empty() || long.is_empty() {
        return None;
    }
    let mut l = long.len() as isize - 1;
    for s in (0..short.len()).rev() {
        let c = short[s];
        loop {
            if l < 0 {
                return None;
            }
            let (_, lc) = long[l as usize];
            let matches = lc.to_lowercase().eq(std::iter::once(c));
            let at_word_start = l == 0 || !long[l as usize - 1].1.is_alphanumeric();
            if matches && (s > 0 || at_word_start) {
                break;
            }
            l -= 1;
        }
        l -= 1;
    }
    let start = (l + 1) as usize;
    Some(long[start].0)
}

/// "Long Name (ACR)": the acronym alone inside brackets, a long form spelled by the words before.
fn long_first(
    gazetteer: &Gazetteer,
    text: &str,
    block: TextRange,
    u: &AcronymUse,
    name_hits: &[super::gazetteer::NameHit],
    earlier: &[EarlierLong],
    reads_earlier: &mut bool,
) -> Option<(TextRange, TextRange, DefinitionShape)> {
    let (open, close) = enclosing_brackets(text, block, u.raw)?;
    let before = text[block.start..open].trim_end();
    let long_end = block.start + before.len();
    if before.is_empty() {
        return None;
    }
    let whole_end = close + 1;
    // A gazetteer name right before the bracket is the long form ("Group of Seven (G7)").
    let at = name_hits.partition_point(|h| h.raw.end < long_end);
    if let Some(hit) = name_hits.get(at).filter(|h| {
        h.raw.end == long_end
            && (gazetteer.acronym_owner(&u.key) == Some(h.org)
                || schwartz_hearst(h.raw.slice(text), &u.key) == Some(0))
    }) {
        return Some((
            hit.raw,
            TextRange::new(hit.raw.start, whole_end),
            DefinitionShape::LongFirst,
        ));
    }
    let letters: Vec<char> = u.key.chars().filter(|c| c.is_alphanumeric()).collect();
    let max_content = (letters.len() + 5).min(letters.len() * 2).max(2);
    // The words before the bracket, within the current clause, with at most `max_content`
    // content words (function words do not count: "Treaty of Amity and Cooperation in …").
    let mut window: Vec<TextRange> = Vec::new();
    let mut content = 0;
    let mut boundary = long_end;
    for word in words_backwards(text, block.start, long_end) {
        let gap = &text[word.end..boundary];
        if !window.is_empty()
            && gap.contains(['(', ')', ';', ':', '.', '“', '”', '"'])
            && !(gap.trim() == "." && ends_with_initial(word.slice(text)))
        {
            break;
        }
        if !normalize::is_function_word_any_case(word.slice(text)) {
            content += 1;
            if content > max_content {
                break;
            }
        }
        window.push(word);
        boundary = word.start;
    }
    window.reverse();
    let first = window.first()?.start;
    // Word initials first; Schwartz–Hearst when letters come from inside words ("ASEAN").
    let start = initials_start(text, &window, &letters)
        .or_else(|| {
            *reads_earlier = true;
            reworded_start(text, &window, earlier)
        })
        .or_else(|| {
            let mut start = first + schwartz_hearst(&text[first..long_end], &u.key)?;
            // "Office of the Prosecutor General of Ukraine (OPG)": the shortest spelling starts at
            // "of"; a long form starts with a content word, the nearest one with that initial.
            let at = window.iter().position(|w| w.start == start)?;
            if normalize::is_function_word_any_case(window[at].slice(text)) {
                let initial = letters.first()?;
                let better = window[..at].iter().rev().find(|w| {
                    let w = w.slice(text);
                    !normalize::is_function_word_any_case(w)
                        && w.chars().next().is_some_and(|c| same_letter(c, *initial))
                })?;
                start = better.start;
            }
            words(text, TextRange::new(start, long_end))
                .nth(1)
                .is_some()
                .then_some(start)
        })?;
    let long = TextRange::new(start, long_end);
    Some((
        long,
        TextRange::new(start, whole_end),
        DefinitionShape::LongFirst,
    ))
}

/// "Multilateral Energy Coordination Office (MECB)" after "Multilateral Energy Coordination
/// Bureau (MECB)": the tail of `window` that is an earlier long form of the same acronym with one
/// content word changed. Such a definition no longer spells the acronym, but it is one.
fn reworded_start(text: &str, window: &[TextRange], earlier: &[EarlierLong]) -> Option<usize> {
    if earlier.is_empty() {
        return None;
    }
    let window_content: Vec<(usize, String)> = window
        .iter()
        .map(|w| (w.start, w.slice(text)))
        .filter(|(_, w)| !normalize::is_function_word_any_case(w))
        .map(|(start, w)| (start, content_stem(w)))
        .collect();
    earlier.iter().find_map(|long| {
        let known = long.stems(text);
        if known.len() < 3 || window_content.len() < known.len() {
            return None;
        }
        let tail = &window_content[window_content.len() - known.len()..];
        let differing = tail.iter().zip(known).filter(|((_, a), b)| a != *b).count();
        (differing == 1 && tail[0].1 == known[0]).then_some(tail[0].0)
    })
}

/// How [`reworded_start`] compares words: normalized and stemmed.
fn content_stem(word: &str) -> String {
    normalize::stem(&normalize::normalize_phrase(word)).to_string()
}

/// A long form the draft gave an acronym before, as [`reworded_start`] compares it: its content
/// words stemmed, worked out the first time it is compared (a draft that defines one acronym
/// many times compares each definition with all those before).
struct EarlierLong {
    long: TextRange,
    stems: std::cell::OnceCell<Vec<String>>,
}

impl EarlierLong {
    fn new(long: TextRange) -> Self {
        Self {
            long,
            stems: std::cell::OnceCell::new(),
        }
    }

    fn stems(&self, text: &str) -> &[String] {
        self.stems.get_or_init(|| {
            let long = self.long.slice(text);
            words(long, TextRange::new(0, long.len()))
                .map(|w| w.slice(long))
                .filter(|w| !normalize::is_function_word_any_case(w))
                .map(content_stem)
                .collect()
        })
    }
}

/// The shortest tail of `window` whose words spell `letters` by their initials.
fn initials_start(text: &str, window: &[TextRange], letters: &[char]) -> Option<usize> {
    let words: Vec<&str> = window.iter().map(|w| w.slice(text)).collect();
    (0..words.len())
        .rev()
        .filter(|&s| !normalize::is_function_word_any_case(words[s]))
        .find(|&s| spells(&words[s..], letters))
        .map(|s| window[s].start)
}

/// Whether `words` spell `letters`: each content word gives its initial (and, for "African
/// Development Bank" → "AfDB", letters the acronym writes in lower case or the word writes in
/// capitals); function words may give theirs or be skipped. Every word must be used.
fn spells(words: &[&str], letters: &[char]) -> bool {
    spells_exactly(words, letters) || {
        // "COP28", "MC12", "IDA21": a trailing number counts the meeting, not a word.
        let trimmed = letters
            .iter()
            .rposition(|c| !c.is_ascii_digit())
            .map_or(0, |p| p + 1);
        trimmed < letters.len() && trimmed >= 2 && spells_exactly(words, &letters[..trimmed])
    }
}

fn spells_exactly(words: &[&str], letters: &[char]) -> bool {
    let Some((word, rest)) = words.split_first() else {
        return letters.is_empty();
    };
    let lower = word.to_lowercase();
    // Function words, and the "S" of "U.S.", may give their initial or be skipped.
    let skippable = normalize::is_function_word(&lower) || word.chars().count() == 1;
    if skippable && spells_exactly(rest, letters) {
        return true;
    }
    let Some((&first, more)) = letters.split_first() else {
        return false;
    };
    // A digit stands for a number word or a homophone: "N4G" (Nutrition for Growth), "4IR".
    if let Some(d) = first.to_digit(10) {
        return NUMBER_WORDS[d as usize]
            .iter()
            .any(|n| lower.starts_with(n))
            && spells_exactly(rest, more);
    }
    let mut chars = word.chars();
    if !chars.next().is_some_and(|c| same_letter(c, first)) {
        return false;
    }
    if spells_exactly(rest, more) {
        return true;
    }
    // Letters from inside the word, in order.
    let mut remaining = more;
    let mut previous = ' ';
    for c in chars {
        let Some((&next, after)) = remaining.split_first() else {
            break;
        };
        let strong = c.is_uppercase() || matches!(previous, '-' | '‐');
        if same_letter(c, next) && (strong || next.is_lowercase()) {
            remaining = after;
            if spells_exactly(rest, remaining) {
                return true;
            }
        }
        previous = c;
    }
    false
}

const NUMBER_WORDS: [&[&str]; 10] = [
    &["zero"],
    &["one", "first"],
    &["two", "second", "to"],
    &["three", "third"],
    &["four", "for"],
    &["five", "fifth"],
    &["six"],
    &["seven"],
    &["eight"],
    &["nine", "ninth"],
];

fn same_letter(a: char, b: char) -> bool {
    a == b || a.to_lowercase().eq(b.to_lowercase())
}

/// "U" or "Japan-U" (of "Japan-U.S."): the dot after it abbreviates, it does not end a clause.
fn ends_with_initial(word: &str) -> bool {
    let last = word.rsplit(['-', '‐']).next().unwrap_or(word);
    is_single_capital(last)
}

/// "ACR (Long Name)": the acronym right before a bracket whose content it abbreviates.
fn acronym_first(
    text: &str,
    block: TextRange,
    u: &AcronymUse,
) -> Option<(TextRange, TextRange, DefinitionShape)> {
    let rest = &text[u.raw.end..block.end];
    let trimmed = rest.trim_start();
    if !trimmed.starts_with('(') || rest.len() == trimmed.len() {
        return None;
    }
    let open = u.raw.end + (rest.len() - trimmed.len());
    let close = open + trimmed.find(')')?;
    let inner = &text[open + 1..close];
    if inner.contains('(') {
        return None;
    }
    let is_filler = |c: char| c.is_whitespace() || matches!(c, '“' | '”' | '"' | '‘' | '’');
    let content = inner.trim_matches(is_filler);
    let content_start = open + 1 + (inner.len() - inner.trim_start_matches(is_filler).len());
    let content_words: Vec<&str> = words(content, TextRange::new(0, content.len()))
        .map(|w| w.slice(content))
        .collect();
    let letter_count = u.key.chars().filter(|c| c.is_alphanumeric()).count();
    // "NALS (NALS XI)" repeats the acronym; it does not expand it.
    if content_words.len() < 2
        || content_words.len() > letter_count * 2 + 3
        || !starts_capitalized(content)
        || content_words.iter().any(|w| *w == u.key)
    {
        return None;
    }
    // The acronym's letters must spell the whole content, from its first word.
    let letters: Vec<char> = u.key.chars().filter(|c| c.is_alphanumeric()).collect();
    if !spells(&content_words, &letters) && schwartz_hearst(content, &u.key) != Some(0) {
        return None;
    }
    Some((
        TextRange::new(content_start, content_start + content.len()),
        TextRange::new(u.raw.start, close + 1),
        DefinitionShape::AcronymFirst,
    ))
}

/// The brackets around `range` when nothing but quotes and spaces stand between them.
fn enclosing_brackets(text: &str, block: TextRange, range: TextRange) -> Option<(usize, usize)> {
    let is_filler = |c: char| c.is_whitespace() || matches!(c, '“' | '”' | '"' | '‘' | '’' | '\'');
    let mut before = text[block.start..range.start].trim_end_matches(is_filler);
    // "(the JAG)"
    if let Some(rest) = before
        .strip_suffix("the")
        .filter(|r| r.ends_with(['(', ' ']))
    {
        before = rest.trim_end_matches(is_filler);
    }
    if !before.ends_with('(') {
        return None;
    }
    let open = block.start + before.len() - 1;
    let after = &text[range.end..block.end];
    let trimmed = after.trim_start_matches(is_filler);
    if !trimmed.starts_with(')') {
        return None;
    }
    let close = range.end + (after.len() - trimmed.len());
    Some((open, close))
}

/// The words of `text[start..end]`, last first. They are split a few hundred bytes at a time,
/// at spaces (which no word crosses), so that reading a few words back from the end of a long
/// block does not split the whole block.
fn words_backwards(text: &str, start: usize, end: usize) -> impl Iterator<Item = TextRange> {
    // Most long forms are a few words: a short chunk is usually the only one split.
    const CHUNK: usize = 128;
    let mut chunk_end = end;
    let mut chunk: Vec<TextRange> = Vec::new();
    std::iter::from_fn(move || {
        while chunk.is_empty() {
            if chunk_end <= start {
                return None;
            }
            let target = chunk_end.saturating_sub(CHUNK).max(start);
            let chunk_start = text.as_bytes()[target..chunk_end]
                .iter()
                .position(|&b| b == b' ')
                .map_or(start, |p| target + p);
            let chunk_start = if target == start { start } else { chunk_start };
            chunk.extend(words(text, TextRange::new(chunk_start, chunk_end)));
            chunk_end = chunk_start;
        }
        chunk.pop()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::DocumentKind;

    fn analyze(text: &str) -> (Document, Analysis) {
        let doc = Document::new(text, DocumentKind::Plain);
        let analysis = Analysis::new(&doc, Arc::new(NamesSettings::default()));
        (doc, analysis)
    }

    fn keys(analysis: &Analysis, text: &str) -> Vec<String> {
        analysis
            .acronyms
            .iter()
            .filter(|u| u.ignore.is_none())
            .map(|u| format!("{}={}", u.raw.slice(text), u.key))
            .collect()
    }

    proptest::proptest! {
        /// Split at spaces a chunk at a time, the words read backwards are those of the whole
        /// range, reversed (and a chunk smaller than the text is exercised).
        #[test]
        fn words_backwards_reads_every_word_of_the_range_last_first(
            text in "([a-zA-Z’'-]{1,12}|[ ,.()]{1,3}|é|\n){0,300}",
            from in 0usize..40,
        ) {
            let start = (0..=from.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let mut expected: Vec<TextRange> =
                words(&text, TextRange::new(start, text.len())).collect();
            expected.reverse();
            let backwards: Vec<TextRange> = words_backwards(&text, start, text.len()).collect();
            proptest::prop_assert_eq!(backwards, expected);
        }

        /// `Taken` answers as a map filled one range at a time would, the given ranges first
        /// (in any order, several at one start), then insertions, then queries.
        #[test]
        fn taken_answers_as_ranges_inserted_one_by_one(
            given in proptest::collection::vec((0usize..200, 1usize..12), 0..40),
            inserted in proptest::collection::vec((0usize..200, 1usize..12), 0..20),
            queries in proptest::collection::vec((0usize..210, 1usize..12), 1..40),
        ) {
            let range = |(start, len): (usize, usize)| TextRange::new(start, start + len);
            let mut reference = std::collections::BTreeMap::new();
            for &r in given.iter().chain(&inserted) {
                let r = range(r);
                reference.insert(r.start, r.end);
            }
            let mut taken = Taken::new(given.iter().map(|&r| range(r)));
            for &r in &inserted {
                taken.insert(range(r));
            }
            for &q in &queries {
                let q = range(q);
                let expected = reference
                    .range(..q.end)
                    .next_back()
                    .is_some_and(|(&start, &end)| TextRange::new(start, end).overlaps(q));
                proptest::prop_assert_eq!(taken.overlaps(q), expected, "query {:?}", q);
            }
        }
    }

    #[test]
    fn function_words_in_any_case() {
        for word in [
            "of",
            "The",
            "AND",
            "Between",
            "towards",
            "Ünder",
            "Organization",
            "x",
        ] {
            assert_eq!(
                normalize::is_function_word_any_case(word),
                normalize::is_function_word(&word.to_lowercase()),
                "{word}"
            );
        }
    }

    #[test]
    fn acronym_shapes() {
        assert!(is_acronym_like("CSTO"));
        assert!(is_acronym_like("G7"));
        assert!(is_acronym_like("AfDB"));
        assert!(is_acronym_like("COP28"));
        assert!(is_acronym_like("ECtHR"));
        assert!(!is_acronym_like("Paris"));
        assert!(!is_acronym_like("McCain"));
        assert!(!is_acronym_like("2030"));
        assert!(!is_acronym_like("A"));
        assert!(!is_acronym_like("iPhone"));
    }

    #[test]
    fn roman_numerals() {
        for r in ["II", "III", "IV", "VII", "XIV", "XXI", "XLVIII", "MCMXC"] {
            assert!(is_roman_numeral(r), "{r}");
        }
        for r in ["IIII", "VV", "IC", "LDC", "CSTO", "MIM"] {
            assert!(!is_roman_numeral(r), "{r}");
        }
    }

    #[test]
    fn uses_skip_numerals_symbols_units_and_find_plurals_and_dots() {
        let text = "Under Chapter VII and A/RES/80/4 and GC(69)/RES/10, 30 GW of NGOs, the CSTO’s \
                    U.N. role and the COVID-19 response. SCO-CSTO";
        let (_, analysis) = analyze(text);
        assert_eq!(
            keys(&analysis, text),
            [
                "NGOs=NGO",
                "CSTO=CSTO",
                "U.N.=UN",
                "COVID-19=COVID-19",
                "SCO=SCO",
                "CSTO=CSTO"
            ]
        );
        assert!(analysis.acronyms[4].possessive || analysis.acronyms.iter().any(|u| u.possessive));
    }

    #[test]
    fn definitions_in_both_shapes_and_by_name() {
        let text = "The Partnership for Global Infrastructure and Investment (PGII) and the Group \
                    of Seven (G7) met. MECB (Multilateral Energy Coordination Bureau) works.";
        let (_, analysis) = analyze(text);
        let found: Vec<(&str, &str, &str)> = analysis
            .definitions
            .iter()
            .map(|d| (d.key.as_str(), d.long.slice(text), d.whole.slice(text)))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "PGII",
                    "Partnership for Global Infrastructure and Investment",
                    "Partnership for Global Infrastructure and Investment (PGII)"
                ),
                ("G7", "Group of Seven", "Group of Seven (G7)"),
                (
                    "MECB",
                    "Multilateral Energy Coordination Bureau",
                    "MECB (Multilateral Energy Coordination Bureau)"
                ),
            ]
        );
        assert!(matches!(analysis.meaning("MECB"), Some(Entity::Learned(0))));
    }

    #[test]
    fn a_draft_definition_overrides_the_gazetteer() {
        let text = "The Partnership for Accelerating Clean Energy (PACE) supports PACE projects.";
        let (_, analysis) = analyze(text);
        let entity = analysis.meaning("PACE").unwrap();
        assert_eq!(
            analysis.display_name(entity),
            "Partnership for Accelerating Clean Energy"
        );
        let text = "The Pacific Energy Bureau Alliance (PACE) supports PACE projects.";
        let (_, analysis) = analyze(text);
        let entity = analysis.meaning("PACE").unwrap();
        assert_eq!(
            analysis.display_name(entity),
            "Pacific Energy Bureau Alliance"
        );
    }

    #[test]
    fn schwartz_hearst_finds_the_shortest_long_form() {
        let window = "the U.S.-UAE Partnership for Accelerating Clean Energy";
        let start = schwartz_hearst(window, "PACE").unwrap();
        assert_eq!(
            &window[start..],
            "Partnership for Accelerating Clean Energy"
        );
        assert_eq!(schwartz_hearst("Group of Seven", "G7"), None);
    }

    /// The analysis of `doc` as `sherpa check` builds it (one pass, block scans in reused
    /// buffers) and as the language server does (from block scans kept one by one).
    fn batch_and_kept_analyses(doc: &Document) -> (Analysis, Analysis) {
        let settings = Arc::new(NamesSettings::default());
        let gazetteer = settings.gazetteer();
        let scans = Arc::new(BlockScans::new(doc, &settings, |_, text, kind| {
            Arc::new(BlockScan::new(text, kind, gazetteer))
        }));
        let batch = Analysis::new(doc, Arc::clone(&settings));
        let kept = Analysis::from_kept_scans(doc, settings, scans);
        (batch, kept)
    }

    /// In batch, each block's scan writes in the buffers of the one before: what it finds is
    /// what a scan of its own finds, in blocks shorter and longer than the one before.
    #[test]
    fn scans_in_reused_buffers_equal_scans_of_their_own() {
        let text = "The Shanghai Cooperation Organization (SCO) and the CSTO met in Minsk on the \
                    Union State of Belarus and Russia, with the EAEU, the CIS and the World \
                    Health Organisation present.\n\nSCO.\n\nA. TOWARD A MORE SECURE WORLD\n\n\
                    The Partnership for Accelerating Clean Energy (PACE) met the NGOs of the \
                    U.N. and the WHO’s experts in Geneva, and the Partnership to Accelerate \
                    Clean Energy grew.\n\nIt did.\n";
        let doc = Document::new(text, DocumentKind::Plain);
        let (reused, own) = batch_and_kept_analyses(&doc);
        assert!(reused.stream.blocks.len() >= 5);
        assert_eq!(reused.stream.text, own.stream.text);
        assert_eq!(reused.stream.tokens, own.stream.tokens);
        assert_eq!(reused.stream.blocks, own.stream.blocks);
        let debug = |analysis: &Analysis| {
            format!(
                "{:?} {:?} {:?} {:?} {:?}",
                analysis.blocks,
                analysis.acronyms,
                analysis.mentions,
                analysis.definitions,
                analysis.quotations
            )
        };
        assert_eq!(debug(&reused), debug(&own));
    }

    /// A name never runs from one paragraph into the next, whether the draft is searched in
    /// one pass or block by block with kept scans (as the language server does).
    #[test]
    fn phrases_are_found_within_one_block_in_both_searches() {
        let text = "Talks in St.\n\nPetersburg Forum opened. The St. Petersburg Forum met.\n";
        let doc = Document::new(text, DocumentKind::Plain);
        let (fresh, kept) = batch_and_kept_analyses(&doc);
        // Two patterns and twenty (once searched in different ways).
        let fillers: Vec<String> = (0..18).map(|i| format!("unheard of name {i}")).collect();
        for many in [false, true] {
            let mut patterns = vec!["st|petersburg forum", "forum"];
            if many {
                patterns.extend(fillers.iter().map(String::as_str));
            }
            let written = |analysis: &Analysis| -> Vec<&str> {
                let found = analysis.find_phrases(&patterns);
                // Searched twice: the second time from what the scans kept.
                assert_eq!(found, analysis.find_phrases(&patterns));
                found
                    .iter()
                    .map(|&(start, end, _)| analysis.stream.raw_range(start, end).unwrap().2)
                    .map(|raw| raw.slice(text))
                    .collect()
            };
            let expected = ["Forum", "St. Petersburg Forum"];
            assert_eq!(written(&fresh), expected);
            assert_eq!(written(&kept), expected);
        }
    }

    #[test]
    fn loose_mentions_find_reworded_names_of_present_organizations() {
        let text = "The Partnership for Accelerating Clean Energy (PACE) began.\n\nThe Partnership to Accelerate Clean Energy grew.";
        let (_, analysis) = analyze(text);
        let found: Vec<&str> = analysis
            .mentions
            .iter()
            .map(|m| m.raw.slice(text))
            .collect();
        assert_eq!(
            found,
            [
                "Partnership for Accelerating Clean Energy",
                "Partnership to Accelerate Clean Energy"
            ]
        );
        assert_eq!(analysis.mentions[0].entity, analysis.mentions[1].entity);
    }

    #[test]
    fn quotations_and_shouted_headings_are_ignored() {
        let text = "G7 LEADERS’ STATEMENT ON THE CSTO\n\nHe said “the CSTO will act now together” today.\n\nThe CSTO met.";
        let (_, analysis) = analyze(text);
        let ignores: Vec<Option<Ignore>> = analysis
            .acronyms
            .iter()
            .filter(|u| u.key == "CSTO")
            .map(|u| u.ignore)
            .collect();
        assert_eq!(ignores, [Some(Ignore::Skipped), Some(Ignore::Quoted), None]);
    }
}
