//! The engine: run the enabled rules over one draft or a set of drafts.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use rayon::prelude::*;

use crate::FastMap;
use crate::config::Settings;
use crate::diagnostic::{Diagnostic, TextRange};
use crate::document::{Block, BlockKind, Document, DocumentKind};
use crate::names::{self, BlockScan, NamesSettings};
use crate::rules::cross_draft_duplicate::{
    self, DraftParagraphs, FoundCopy, OtherCopy, Participant, SharedFacts,
};
use crate::rules::{
    BlockContext, Check, Context, Family, RULES, RuleMeta, WorkspaceDoc, duplicate_sentence,
    near_duplicate_paragraph, unbalanced_delimiter,
};
use crate::similarity::ParagraphFacts;

/// Findings of the document and block rules for one draft, sorted by position.
pub fn lint(doc: &Document, settings: &Settings) -> Vec<Diagnostic> {
    lint_rules(doc, settings, RULES, None)
}

/// [`lint`], keeping the findings of block rules by block content in `cache` so that only the
/// blocks that changed since the last call are checked again (the language server keeps one
/// cache per open draft), and running the names family on a second thread of rayon's pool.
/// The result is the same as [`lint`]'s.
pub fn lint_cached(
    doc: &Document,
    settings: &Arc<Settings>,
    cache: &mut LintCache,
) -> Vec<Diagnostic> {
    cache.begin(settings);
    // What identifies each block's content, hashed once for every kept part keyed by it
    // (paragraph facts, names scans, block-rule findings).
    let hashes = BlockHash::of_blocks(doc);
    let family_on = |family: Family| {
        RULES
            .iter()
            .any(|rule| rule.family == family && settings.is_enabled(rule))
    };
    // The names rules share one analysis of the whole draft, the longest of the families even
    // from cached block scans: they run beside the others (the language server lints one draft
    // while the editor waits), each family updating its own kept parts. The findings are the
    // same as in sequence.
    let (names_rules, other_rules): (Vec<&'static RuleMeta>, Vec<&'static RuleMeta>) =
        RULES.iter().partition(|rule| rule.family == Family::Names);
    let run = cache.run;
    let mut names_kept = std::mem::take(&mut cache.names);
    let (mut out, names_found) = rayon::join(
        || {
            // Only the duplicates family reads paragraph facts: with it off, none are computed.
            if family_on(Family::Duplicates) {
                cache.provide_paragraph_facts(doc, &hashes);
            }
            if [&near_duplicate_paragraph::RULE, &duplicate_sentence::RULE]
                .into_iter()
                .any(|rule| settings.is_enabled(rule))
            {
                cache.provide_near_duplicates(doc, settings);
            }
            if settings.is_enabled(&unbalanced_delimiter::RULE) {
                cache.provide_delimiters(doc, &hashes);
            }
            lint_rules(doc, settings, &other_rules, Some((&mut *cache, &hashes)))
        },
        || {
            if !family_on(Family::Names) {
                return Vec::new();
            }
            names_kept.provide(doc, settings.names(), &hashes, run);
            lint_names_rules(doc, settings, &names_rules)
        },
    );
    cache.names = names_kept;
    cache.end();
    out.extend(names_found);
    sort(&mut out);
    out
}

/// The names rules of [`lint_cached`]: the analysis they share first, then the rules side by
/// side (the other thread joins in once the other families are done).
fn lint_names_rules(
    doc: &Document,
    settings: &Settings,
    rules: &[&'static RuleMeta],
) -> Vec<Diagnostic> {
    let Some(&first) = rules.iter().find(|rule| settings.is_enabled(rule)) else {
        return Vec::new();
    };
    // A panic here is the rules' to report: each asks for the analysis again, guarded.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        names::analysis(&Context {
            doc,
            settings,
            rule: first,
        })
    }));
    rules
        .par_iter()
        .with_max_len(1)
        .flat_map_iter(|&rule| lint_rules(doc, settings, &[rule], None))
        .collect()
}

/// Findings for several drafts at once: each draft's own rules (in parallel), then the
/// cross-draft rules. `result[i]` belongs to `docs[i]`.
pub fn lint_workspace(docs: &[WorkspaceDoc<'_>]) -> Vec<Vec<Diagnostic>> {
    let mut results: Vec<Vec<Diagnostic>> = docs
        .par_iter()
        .map(|d| {
            let found = lint(d.doc, d.settings);
            // The cross-draft pass needs only the paragraph facts: what the draft's own rules
            // derived goes now, not when every draft has been linted.
            d.doc.release_memo();
            found
        })
        .collect();
    for (result, cross) in results.iter_mut().zip(lint_cross_draft(docs)) {
        result.extend(cross);
        sort(result);
    }
    results
}

/// Only the cross-draft ([`Check::Workspace`]) rules, for callers that keep each draft's own
/// findings and refresh the cross-draft ones when another draft changes. `result[i]` belongs to
/// `docs[i]`.
pub fn lint_cross_draft(docs: &[WorkspaceDoc<'_>]) -> Vec<Vec<Diagnostic>> {
    let mut results: Vec<Vec<Diagnostic>> = vec![Vec::new(); docs.len()];
    for &rule in RULES {
        let Check::Workspace(check) = rule.check else {
            continue;
        };
        if !docs.iter().any(|d| d.settings.is_enabled(rule)) {
            continue;
        }
        let Some(found) = run_guarded(rule, vec![Vec::new(); docs.len()], |found| {
            check(docs, rule, found)
        }) else {
            continue;
        };
        for ((result, found), doc) in results.iter_mut().zip(found).zip(docs) {
            if doc.settings.is_enabled(rule) {
                result.extend(finish(found, doc.doc, doc.settings, rule));
            }
        }
    }
    for result in &mut results {
        sort(result);
    }
    results
}

/// `sherpa check` runs the cross-draft rules without keeping the drafts: while a draft is open
/// it keeps [`cross_draft_part`] (paragraph facts, no text; taken after the draft's own rules
/// run, see [`DraftParagraphs::compact`]); [`find_cross_draft_copies`] then
/// compares those, and only the drafts with copies are read again, for
/// [`cross_draft_findings`]. The results are those of [`lint_workspace`].
/// `cross-draft-duplicate` is the only [`Check::Workspace`] rule (a test holds this), so these
/// name it directly.
pub fn cross_draft_part(
    doc: &Document,
    settings: &Settings,
    shared: &SharedFacts,
) -> Option<DraftParagraphs> {
    settings
        .is_enabled(&cross_draft_duplicate::RULE)
        .then(|| DraftParagraphs::of(doc, settings).compact(shared))
}

/// See [`cross_draft_part`]: the copies among the drafts (empty if the rule panicked).
pub fn find_cross_draft_copies(drafts: &[Participant<'_>]) -> Vec<FoundCopy> {
    run_guarded(&cross_draft_duplicate::RULE, Vec::new(), |copies| {
        *copies = cross_draft_duplicate::find_copies(drafts);
    })
    .unwrap_or_default()
}

/// See [`cross_draft_part`]: the findings of `copies` (all of draft `doc`, each with the other
/// copy it points at), with severities and suppressions applied, sorted.
pub fn cross_draft_findings(
    doc: &Document,
    settings: &Settings,
    copies: &[(FoundCopy, &OtherCopy)],
) -> Vec<Diagnostic> {
    let rule = &cross_draft_duplicate::RULE;
    if !settings.is_enabled(rule) {
        return Vec::new();
    }
    let Some(found) = run_guarded(rule, Vec::new(), |found| {
        found.extend(copies.iter().filter_map(|(copy, other)| {
            cross_draft_duplicate::copy_finding(doc, settings, copy, other)
        }));
    }) else {
        return Vec::new();
    };
    let mut out: Vec<Diagnostic> = finish(found, doc, settings, rule).collect();
    sort(&mut out);
    out
}

/// Whether any registered rule looks across drafts.
pub fn has_cross_draft_rules() -> bool {
    RULES
        .iter()
        .any(|rule| matches!(rule.check, Check::Workspace(_)))
}

fn lint_rules(
    doc: &Document,
    settings: &Settings,
    rules: &[&'static RuleMeta],
    mut cache: Option<(&mut LintCache, &[BlockHash])>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (index, &rule) in rules.iter().enumerate() {
        if !settings.is_enabled(rule) {
            continue;
        }
        let found = match rule.check {
            Check::Document(check) => {
                let ctx = Context {
                    doc,
                    settings,
                    rule,
                };
                match run_guarded(rule, Vec::new(), |found| check(&ctx, found)) {
                    Some(found) => found,
                    None => continue,
                }
            }
            Check::Block(check) | Check::BlockAndNext(check) => {
                let reads_next = matches!(rule.check, Check::BlockAndNext(_));
                let cache = cache
                    .as_mut()
                    .map(|(cache, hashes)| (&mut **cache, *hashes));
                let blocks = BlockRule {
                    rule,
                    index,
                    check,
                    reads_next,
                };
                match check_blocks(doc, settings, &blocks, cache) {
                    Some(found) => found,
                    None => continue,
                }
            }
            Check::Workspace(_) => continue,
        };
        out.extend(finish(found, doc, settings, rule));
    }
    sort(&mut out);
    out
}

/// Runs one rule's check on `found`, catching a panic: one broken rule must not take the others
/// (or the language server) down with it. `None`, with a log line, when the rule panicked.
fn run_guarded<T>(rule: &RuleMeta, mut found: T, check: impl FnOnce(&mut T)) -> Option<T> {
    if catch_unwind(AssertUnwindSafe(|| check(&mut found))).is_err() {
        tracing::error!(rule = rule.name, "rule panicked; its findings are dropped");
        return None;
    }
    Some(found)
}

/// Runs `provide`, a rule's update of what it keeps between runs (`kept`, named `what` in the
/// log), catching a panic: the rule then computes its findings alone, and `kept` starts over.
fn provide_guarded<K: Default>(kept: &mut K, what: &str, provide: impl FnOnce(&mut K)) {
    if catch_unwind(AssertUnwindSafe(|| provide(kept))).is_err() {
        tracing::error!("{what} update panicked; it is rebuilt");
        *kept = K::default();
    }
}

/// A block rule and how its results are cached.
struct BlockRule {
    rule: &'static RuleMeta,
    /// Position in the list of rules run (the same in every run: part of the cache key).
    index: usize,
    check: fn(&BlockContext<'_>, &mut Vec<Diagnostic>),
    /// [`Check::BlockAndNext`]: the next block is read too, and is part of the cache key.
    reads_next: bool,
}

/// Runs a block rule over every block, reusing cached results of blocks seen before. `None`
/// when the rule panicked (its findings for the draft are dropped, as for document rules).
fn check_blocks(
    doc: &Document,
    settings: &Settings,
    rule: &BlockRule,
    mut cache: Option<(&mut LintCache, &[BlockHash])>,
) -> Option<Vec<Diagnostic>> {
    let mut out = Vec::new();
    let blocks = doc.blocks();
    for (at, block) in blocks.iter().enumerate() {
        let next = if rule.reads_next {
            blocks.get(at + 1).copied()
        } else {
            None
        };
        let key = cache.as_ref().map(|(_, hashes)| BlockKey {
            rule: rule.index,
            block: hashes[at],
            next: if rule.reads_next {
                hashes.get(at + 1).copied()
            } else {
                None
            },
            markdown: doc.kind() == DocumentKind::Markdown,
        });
        if let (Some((cache, _)), Some(key)) = (cache.as_mut(), key)
            && cache.reuse(key, block.span.start, &mut out)
        {
            continue;
        }
        let ctx = BlockContext {
            text: doc.text(),
            block: *block,
            next,
            kind: doc.kind(),
            settings,
            rule: rule.rule,
        };
        let check = rule.check;
        let mut found = run_guarded(rule.rule, Vec::new(), |found| check(&ctx, found))?;
        found.retain(|d| {
            let inside = stays_inside(d, block.span);
            if !inside {
                tracing::error!(
                    rule = rule.rule.name,
                    span = %d.span,
                    "block rule reported a span outside its block; finding dropped"
                );
            }
            inside
        });
        if let (Some((cache, _)), Some(key)) = (cache.as_mut(), key) {
            cache.store(key, block.span.start, &found);
        }
        out.extend(found);
    }
    Some(out)
}

pub(crate) fn stays_inside(d: &Diagnostic, block: TextRange) -> bool {
    block.contains_range(d.span)
        && d.related
            .iter()
            .all(|r| r.path.is_some() || block.contains_range(r.span))
        && d.fixes
            .iter()
            .flat_map(|f| &f.edits)
            .all(|e| block.contains_range(e.span))
}

/// Moves every same-draft span of a finding by `delta` bytes (block results are cached relative
/// to their block's start).
pub(crate) fn shift(d: &mut Diagnostic, delta: isize) {
    let move_range = |r: &mut TextRange| {
        r.start = r.start.wrapping_add_signed(delta);
        r.end = r.end.wrapping_add_signed(delta);
    };
    move_range(&mut d.span);
    for related in d.related.iter_mut().filter(|r| r.path.is_none()) {
        move_range(&mut related.span);
    }
    for edit in d.fixes.iter_mut().flat_map(|f| f.edits.iter_mut()) {
        move_range(&mut edit.span);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct BlockKey {
    rule: usize,
    block: BlockHash,
    /// The next block, for rules that read it.
    next: Option<BlockHash>,
    markdown: bool,
}

/// What identifies a block's content for the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct BlockHash {
    /// xxh3-128 of the block's source and of the text rules read (they differ in Markdown).
    source: u128,
    text: u128,
    /// Paragraph, heading, list item…: rules may tell them apart.
    block_kind: u8,
}

impl BlockHash {
    /// The hash of each of the draft's blocks, in order.
    fn of_blocks(doc: &Document) -> Vec<Self> {
        doc.blocks()
            .iter()
            .zip(doc.block_hashes())
            .map(|(block, &source)| Self::new(doc, block, source))
            .collect()
    }

    /// `source`: the hash of the block's source text ([`Document::block_hashes`]).
    fn new(doc: &Document, block: &Block, source: u128) -> Self {
        let text = if doc.kind() == DocumentKind::Markdown {
            xxhash_rust::xxh3::xxh3_128(block.span.slice(doc.text()).as_bytes())
        } else {
            source
        };
        Self {
            source,
            text,
            block_kind: block.kind as u8,
        }
    }
}

/// The facts map's keys are xxh3-128 hashes already: their low bits are the table hash.
#[derive(Clone, Copy, Default)]
struct ContentHashState;

impl std::hash::BuildHasher for ContentHashState {
    type Hasher = ContentHasher;
    fn build_hasher(&self) -> ContentHasher {
        ContentHasher(0)
    }
}

#[derive(Default)]
struct ContentHasher(u64);

impl std::hash::Hasher for ContentHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u128` is expected; anything else is still hashed, if slowly.
        self.0 = xxhash_rust::xxh3::xxh3_64_with_seed(bytes, self.0);
    }
    fn write_u128(&mut self, value: u128) {
        self.0 = value as u64;
    }
}

struct CachedBlock {
    /// Findings with spans relative to the block start.
    found: Vec<Diagnostic>,
    /// The run that last used the entry; entries unused by the latest run are dropped.
    used_in: u64,
}

/// The names analysis's block scans by block kind and the xxh3-128 of the block's text, for
/// the names settings they were made with (part of [`LintCache`], updated on the names rules'
/// thread).
#[derive(Default)]
struct KeptNamesScans {
    settings: Option<Arc<NamesSettings>>,
    scans: FastMap<(BlockKind, u128), (Arc<BlockScan>, u64)>,
}

impl KeptNamesScans {
    /// Gives `doc` the names scans of the blocks seen in earlier runs, scanning only new ones.
    /// `hashes[i]` identifies block `i`'s content; `run` is the cache's current run.
    fn provide(
        &mut self,
        doc: &Document,
        settings: &Arc<NamesSettings>,
        hashes: &[BlockHash],
        run: u64,
    ) {
        if !self
            .settings
            .as_ref()
            .is_some_and(|s| Arc::ptr_eq(s, settings))
        {
            self.scans.clear();
            self.settings = Some(Arc::clone(settings));
        }
        names::block_scans(doc, settings, |index, text, kind| {
            let key = (kind, hashes[index].text);
            let entry = self.scans.entry(key).or_insert_with(|| {
                (
                    Arc::new(BlockScan::new(text, kind, settings.gazetteer())),
                    run,
                )
            });
            entry.1 = run;
            Arc::clone(&entry.0)
        });
    }
}

/// Block-rule findings of one draft by block content (see [`lint_cached`]).
#[derive(Default)]
pub struct LintCache {
    settings: Option<Arc<Settings>>,
    /// Keys are hashes already: a fast hasher (no SipHash) for one lookup per block and rule.
    blocks: FastMap<BlockKey, CachedBlock>,
    /// Paragraph fingerprints by the 128-bit xxh3 of the paragraph's text, with the run that
    /// last used them: a keystroke changes one paragraph, so the others' facts are reused.
    facts: HashMap<u128, (Arc<ParagraphFacts>, u64), ContentHashState>,
    /// The near-duplicate search of the previous version, updated from the paragraphs that
    /// changed.
    near_duplicates: near_duplicate_paragraph::KeptSearch,
    /// The names analysis's block scans.
    names: KeptNamesScans,
    /// `unbalanced-delimiter`'s paragraphs and style evidence by content.
    delimiters: unbalanced_delimiter::Kept,
    run: u64,
    /// Blocks whose findings were reused / computed, over the cache's lifetime.
    pub hits: u64,
    pub misses: u64,
}

impl LintCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// Entries currently kept.
    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    fn begin(&mut self, settings: &Arc<Settings>) {
        // Results depend on the settings (options, severities): other settings, other results.
        if !self
            .settings
            .as_ref()
            .is_some_and(|s| Arc::ptr_eq(s, settings))
        {
            self.blocks.clear();
            self.settings = Some(settings.clone());
        }
        self.run += 1;
    }

    fn end(&mut self) {
        let run = self.run;
        self.blocks.retain(|_, entry| entry.used_in == run);
        self.facts.retain(|_, (_, used_in)| *used_in == run);
        self.names.scans.retain(|_, (_, used_in)| *used_in == run);
    }

    /// Names block scans currently kept.
    pub fn names_scans_len(&self) -> usize {
        self.names.scans.len()
    }

    /// Gives `doc` the facts of the paragraphs seen in earlier runs, computing only new ones.
    /// `hashes[i]` identifies block `i`'s content.
    fn provide_paragraph_facts(&mut self, doc: &Document, hashes: &[BlockHash]) {
        let run = self.run;
        let facts = &mut self.facts;
        doc.provide_paragraph_facts(|index, text| {
            let key = hashes[index].text;
            let entry = facts
                .entry(key)
                .or_insert_with(|| (Arc::new(ParagraphFacts::compute(text)), run));
            entry.1 = run;
            Arc::clone(&entry.0)
        });
    }

    /// Gives `doc` its near-duplicate pairs from the search kept since the previous run. A
    /// panic while updating it leaves the search to the rules (which run guarded) and starts
    /// the kept search over.
    fn provide_near_duplicates(&mut self, doc: &Document, settings: &Settings) {
        let describe = settings.is_enabled(&near_duplicate_paragraph::RULE);
        provide_guarded(&mut self.near_duplicates, "near-duplicate index", |kept| {
            near_duplicate_paragraph::provide(doc, settings, kept, describe)
        });
    }

    /// Gives `doc` the findings of `unbalanced-delimiter`, put together from the paragraphs
    /// kept since the previous run. A panic leaves them to the rule (which runs guarded) and
    /// starts the kept paragraphs over.
    fn provide_delimiters(&mut self, doc: &Document, hashes: &[BlockHash]) {
        let texts: Vec<u128> = hashes.iter().map(|h| h.text).collect();
        provide_guarded(
            &mut self.delimiters,
            "unbalanced-delimiter paragraph",
            |kept| unbalanced_delimiter::provide(doc, &texts, kept),
        );
    }

    /// `unbalanced-delimiter` entries currently kept.
    pub fn delimiters_len(&self) -> usize {
        self.delimiters.len()
    }

    /// Paragraph fingerprints currently kept.
    pub fn facts_len(&self) -> usize {
        self.facts.len()
    }

    fn reuse(&mut self, key: BlockKey, block_start: usize, out: &mut Vec<Diagnostic>) -> bool {
        let Some(entry) = self.blocks.get_mut(&key) else {
            self.misses += 1;
            return false;
        };
        entry.used_in = self.run;
        self.hits += 1;
        out.extend(entry.found.iter().map(|d| {
            let mut d = d.clone();
            shift(&mut d, block_start as isize);
            d
        }));
        true
    }

    fn store(&mut self, key: BlockKey, block_start: usize, found: &[Diagnostic]) {
        let found = found
            .iter()
            .map(|d| {
                let mut d = d.clone();
                shift(&mut d, -(block_start as isize));
                d
            })
            .collect();
        self.blocks.insert(
            key,
            CachedBlock {
                found,
                used_in: self.run,
            },
        );
    }
}

fn finish<'a>(
    found: Vec<Diagnostic>,
    doc: &'a Document,
    settings: &'a Settings,
    rule: &'static RuleMeta,
) -> impl Iterator<Item = Diagnostic> + 'a {
    let severity = settings.severity(rule);
    let suppressions = doc.suppressions();
    found.into_iter().filter_map(move |mut d| {
        if !suppressions.is_empty()
            && suppressions.is_suppressed(
                rule.name,
                rule.family.as_str(),
                d.span.start,
                doc.lines(),
            )
        {
            return None;
        }
        d.severity = severity;
        Some(d)
    })
}

fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (a.span.start, a.span.end, a.rule).cmp(&(b.span.start, b.span.end, b.rule))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Edit, Fix, Severity};
    use crate::rules::{FixAvailability, duplicate_paragraph};
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn the_batch_cross_draft_api_covers_every_workspace_rule() {
        let workspace: Vec<&str> = RULES
            .iter()
            .filter(|r| matches!(r.check, Check::Workspace(_)))
            .map(|r| r.name)
            .collect();
        assert_eq!(workspace, [cross_draft_duplicate::RULE.name]);
    }

    const TWICE: &str = "The Parties will deepen their cooperation in trade and energy.\n\nThe Parties will deepen their cooperation in trade and energy.\n";

    #[test]
    fn configured_severity_is_applied() {
        let settings =
            Settings::from_toml("[rules.duplicate-paragraph]\nseverity = \"error\"\n", None)
                .unwrap();
        let found = lint(&Document::new(TWICE, DocumentKind::Plain), &settings);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Error);
    }

    #[test]
    fn markdown_suppression_comments_are_honoured() {
        let source = format!(
            "{}\n<!-- sherpa-disable-next-line duplicate-paragraph -->\n{}",
            &TWICE[..64],
            &TWICE[64..]
        );
        let doc = Document::new(source, DocumentKind::Markdown);
        assert!(lint(&doc, &Settings::default()).is_empty());
        let unsuppressed = Document::new(TWICE, DocumentKind::Markdown);
        assert_eq!(lint(&unsuppressed, &Settings::default()).len(), 1);
    }

    static PROBE_CALLS: AtomicUsize = AtomicUsize::new(0);

    /// A block rule for the cache tests: flags every "Probe" with a fix that lowercases it.
    /// It borrows a registered name so that settings lookups work.
    static PROBE: RuleMeta = RuleMeta {
        name: duplicate_paragraph::RULE.name,
        family: duplicate_paragraph::RULE.family,
        default_severity: Severity::Warning,
        enabled_by_default: true,
        fix: FixAvailability::Always,
        summary: "test probe",
        doc: "",
        check: Check::Block(probe),
        parse_options: duplicate_paragraph::RULE.parse_options,
    };

    fn probe(ctx: &BlockContext<'_>, out: &mut Vec<Diagnostic>) {
        PROBE_CALLS.fetch_add(1, Ordering::SeqCst);
        let start = ctx.block.span.start;
        for (at, _) in ctx.block_text().match_indices("Probe") {
            let span = TextRange::new(start + at, start + at + 5);
            out.push(
                Diagnostic::new(PROBE.name, span, "probe")
                    .with_related(ctx.block.span, "its block")
                    .with_fix(Fix::safe("lowercase", vec![Edit::replace(span, "probe")])),
            );
        }
    }

    fn probe_run(source: &str, settings: &Arc<Settings>, cache: &mut LintCache) -> usize {
        let doc = Document::new(source, DocumentKind::Plain);
        PROBE_CALLS.store(0, Ordering::SeqCst);
        cache.begin(settings);
        let hashes = BlockHash::of_blocks(&doc);
        let cached = lint_rules(&doc, settings, &[&PROBE], Some((cache, &hashes)));
        cache.end();
        let calls = PROBE_CALLS.load(Ordering::SeqCst);
        assert_eq!(cached, lint_rules(&doc, settings, &[&PROBE], None));
        calls
    }

    #[test]
    fn block_results_are_reused_by_content_and_shifted_to_the_new_position() {
        let settings = Arc::new(Settings::default());
        let mut cache = LintCache::new();
        let text = "One Probe here.\n\nTwo words.\n\nThree Probe Probe.\n";
        assert_eq!(probe_run(text, &settings, &mut cache), 3);
        // Unchanged text: nothing is checked again.
        assert_eq!(probe_run(text, &settings, &mut cache), 0);
        // A paragraph inserted before the others: only it is checked, the others move.
        let edited = format!("New Probe first.\n\n{text}");
        assert_eq!(probe_run(&edited, &settings, &mut cache), 1);
        // One paragraph edited: only it is checked.
        let edited = edited.replace("Two words.", "Two Probe words.");
        assert_eq!(probe_run(&edited, &settings, &mut cache), 1);
        assert_eq!(cache.len(), 4);
        // Other settings: everything again.
        let other = Arc::new(Settings::default());
        assert_eq!(probe_run(&edited, &other, &mut cache), 4);
    }

    #[test]
    fn cached_lint_equals_lint_on_the_seed_draft_under_edits() {
        let seed = include_str!("../tests/fixtures/seed.txt");
        let settings = Arc::new(Settings::default());
        let mut cache = LintCache::new();
        let mut text = seed.to_string();
        for round in 0..5 {
            // A separate draft for the uncached lint: a draft keeps what its rules derived.
            let doc = Document::new(text.clone(), DocumentKind::Plain);
            let fresh = Document::new(text.clone(), DocumentKind::Plain);
            assert_eq!(
                lint_cached(&doc, &settings, &mut cache),
                lint(&fresh, &settings)
            );
            let at = text.len() / (round + 2);
            let at = crate::line_index::floor_char_boundary(&text, at);
            text.insert_str(at, " Probe ");
        }
    }

    #[test]
    fn paragraph_facts_are_reused_by_content_and_only_new_paragraphs_computed() {
        let settings = Arc::new(Settings::default());
        let mut cache = LintCache::new();
        let seed = include_str!("../tests/fixtures/seed.txt");
        let first = Document::new(seed, DocumentKind::Plain);
        lint_cached(&first, &settings, &mut cache);
        let distinct: std::collections::HashSet<&str> =
            first.blocks().iter().map(|b| first.block_text(b)).collect();
        assert_eq!(cache.facts_len(), distinct.len());

        // One paragraph edited: its new facts are computed, every other one is the same Arc.
        let edited = seed.replacen("Belarus", "Belarus and its partners", 1);
        let second = Document::new(edited.clone(), DocumentKind::Plain);
        let found = lint_cached(&second, &settings, &mut cache);
        assert_eq!(
            found,
            lint(&Document::new(edited, DocumentKind::Plain), &settings)
        );
        let reused = first
            .paragraph_facts()
            .iter()
            .filter(|old| {
                second
                    .paragraph_facts()
                    .iter()
                    .any(|new| Arc::ptr_eq(old, new))
            })
            .count();
        assert_eq!(reused, first.blocks().len() - 1);
        // The old paragraph's facts are dropped with the run that no longer used them.
        assert_eq!(cache.facts_len(), distinct.len());
    }

    /// Edits of the kinds a drafter makes, on real drafts rich in names and acronyms: the
    /// cached lint must equal a fresh one after each (names scans and paragraph facts are kept
    /// by block content, the rest recomputed).
    #[test]
    fn cached_lint_equals_lint_under_random_edits_of_real_drafts() {
        let files = [
            include_str!("../tests/fixtures/corpus/2023-05-20-g7-hiroshima-leaders-communique.txt"),
            include_str!(
                "../tests/fixtures/corpus/2024-09-23-u-s-uae-joint-leaders-statement-dynamic-strategic-partners.txt"
            ),
            include_str!("../tests/fixtures/fictional-mecb.txt"),
        ];
        let snippets = [
            "World Health Organisation",
            " (WHO)",
            "the parties",
            "Multilateral Energy Coordination Bureau (MECB)",
            "MECB",
            "\n\n",
            " neither the Union nor",
            "“",
            "PGII",
        ];
        let settings = Arc::new(Settings::default());
        let mut next = crate::test_random(0x9E37_79B9_7F4A_7C15u64);
        for source in files {
            let mut cache = LintCache::new();
            let mut text = source.to_string();
            for _ in 0..12 {
                let doc = Document::new(text.clone(), DocumentKind::Plain);
                let fresh = Document::new(text.clone(), DocumentKind::Plain);
                assert_eq!(
                    lint_cached(&doc, &settings, &mut cache),
                    lint(&fresh, &settings)
                );
                let at = crate::line_index::floor_char_boundary(&text, next(text.len()));
                match next(3) {
                    0 => text.insert_str(at, snippets[next(snippets.len())]),
                    1 => {
                        let end = crate::line_index::floor_char_boundary(
                            &text,
                            (at + next(400)).min(text.len()),
                        );
                        text.replace_range(at..end, "");
                    }
                    _ => {
                        // A paragraph pasted elsewhere.
                        let from = crate::line_index::floor_char_boundary(&text, next(text.len()));
                        let to = crate::line_index::floor_char_boundary(
                            &text,
                            (from + 300).min(text.len()),
                        );
                        let copy = text[from..to].to_string();
                        text.insert_str(at, &copy);
                    }
                }
            }
            assert!(cache.names_scans_len() > 0);
        }
    }

    /// The names searches keep what they found in each block with its scan, under the names
    /// the draft teaches and the organizations it mentions: a paragraph left alone must be
    /// searched again when those change (here a definition added above it, then removed).
    #[test]
    fn kept_names_searches_follow_what_the_rest_of_the_draft_defines() {
        let unchanged = "The World Health Organization met in Geneva.\n\n\
            The Partnership to Accelerate Clean Energy will meet in May.\n\n\
            The parties agreed. The Parties will meet again. The Parties met. The Parties left.\n\n\
            Today the agreement enters into force.\n";
        let defined = "We launch the Partnership for Accelerating Clean Energy (PACE).\n\n";
        let term = "The States concluded a treaty (the “Agreement”).\n\n";
        let settings = Arc::new(Settings::default());
        let mut cache = LintCache::new();
        let texts = [
            unchanged.to_string(),
            format!("{defined}{unchanged}"),
            format!("{term}{defined}{unchanged}"),
            format!("{term}{unchanged}"),
            unchanged.to_string(),
        ];
        let (mut variants, mut terms) = (Vec::new(), Vec::new());
        for text in texts {
            let cached = lint_cached(
                &Document::new(text.clone(), DocumentKind::Plain),
                &settings,
                &mut cache,
            );
            assert_eq!(
                cached,
                lint(&Document::new(text, DocumentKind::Plain), &settings)
            );
            let count = |rule: &str| cached.iter().filter(|d| d.rule == rule).count();
            variants.push(count("org-name-variant"));
            terms.push(count("defined-term-case"));
        }
        // The reworded name is a variant only while the draft defines the partnership, and
        // "agreement" drifts only while the draft defines “the Agreement”.
        assert_eq!(variants, [0, 1, 1, 0, 0]);
        assert_eq!(terms, [1, 1, 2, 2, 1]);
    }

    /// One random edit of a draft's paragraphs, as a drafter makes them: `kind` picks what,
    /// `a` and `b` where.
    fn edit_paragraphs(paragraphs: &mut Vec<String>, kind: usize, a: usize, b: usize) {
        let len = paragraphs.len();
        if len < 2 {
            paragraphs
                .push("The Parties will meet again in Geneva next year to review progress.".into());
            return;
        }
        let (a, b) = (a % len, b % len);
        match kind {
            // A paragraph pasted again elsewhere (an exact copy).
            0 => {
                let copy = paragraphs[a].clone();
                paragraphs.insert(b, copy);
            }
            // A pasted copy with one word changed (a near copy).
            1 => {
                let mut words: Vec<&str> = paragraphs[a].split(' ').collect();
                let at = b % words.len();
                words[at] = "jointly";
                let copy = words.join(" ");
                paragraphs.insert(b, copy);
            }
            // A paragraph deleted.
            2 => {
                paragraphs.remove(a);
            }
            // One word of a paragraph changed, removed or typed into.
            3 => {
                let mut words: Vec<String> = paragraphs[a].split(' ').map(str::to_string).collect();
                let at = b % words.len();
                match b % 3 {
                    0 => words[at] = "further".into(),
                    1 if words.len() > 1 => {
                        words.remove(at);
                    }
                    _ => words[at].push('x'),
                }
                paragraphs[a] = words.join(" ");
            }
            // A sentence of one paragraph pasted at the end of another.
            4 => {
                let sentence = paragraphs[a].split(". ").next().unwrap_or("").to_string();
                paragraphs[b].push(' ');
                paragraphs[b].push_str(&sentence);
                paragraphs[b].push('.');
            }
            // Two paragraphs swapped.
            _ => paragraphs.swap(a, b),
        }
    }

    fn assert_cached_equals_lint(
        paragraphs: &[String],
        settings: &Arc<Settings>,
        cache: &mut LintCache,
    ) {
        let doc = Document::new(paragraphs.join("\n\n"), DocumentKind::Plain);
        let cached = lint_cached(&doc, settings, cache);
        let fresh = lint(
            &Document::new(paragraphs.join("\n\n"), DocumentKind::Plain),
            settings,
        );
        assert_eq!(cached, fresh);
    }

    fn duplicates_family() -> Arc<Settings> {
        let mut settings = Settings::default();
        settings.select(&["duplicates".to_string()]);
        Arc::new(settings)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        /// Random paragraph edits on a real resolution: the cached run (kept paragraph facts,
        /// kept near-duplicate search) always finds exactly what a fresh run finds.
        #[test]
        fn cached_lint_equals_lint_under_random_paragraph_edits(
            edits in proptest::collection::vec((0usize..6, 0usize..1000, 0usize..1000), 1..12),
            threshold in proptest::sample::select(vec!["0.8", "0.6"]),
        ) {
            let mut paragraphs: Vec<String> =
                include_str!("../tests/fixtures/corpus/A_RES_80_039.txt")
                    .split("\n\n")
                    .map(str::to_string)
                    .collect();
            let mut settings = Settings::from_toml(
                &format!("[rules.near-duplicate-paragraph]\nthreshold = {threshold}\n"),
                None,
            )
            .unwrap();
            settings.select(&["duplicates".to_string()]);
            let settings = Arc::new(settings);
            let mut cache = LintCache::new();
            assert_cached_equals_lint(&paragraphs, &settings, &mut cache);
            for (kind, a, b) in edits {
                edit_paragraphs(&mut paragraphs, kind, a, b);
                assert_cached_equals_lint(&paragraphs, &settings, &mut cache);
            }
        }
    }

    #[test]
    fn cached_lint_equals_lint_on_a_long_communique_under_edits() {
        // A long real communiqué with many near copies planted, then edited: the duplicate
        // rules' findings, cached and fresh, stay the same at every step.
        let mut paragraphs: Vec<String> =
            include_str!("../tests/fixtures/corpus/2022-11-16-g20-bali-leaders-declaration.txt")
                .split("\n\n")
                .map(str::to_string)
                .collect();
        let settings = duplicates_family();
        let mut cache = LintCache::new();
        let mut state = 7usize;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 33
        };
        for step in 0..40 {
            let kind = if step < 10 { 1 } else { next() % 6 };
            edit_paragraphs(&mut paragraphs, kind, next(), next());
            assert_cached_equals_lint(&paragraphs, &settings, &mut cache);
        }
        // With every rule on, too.
        let all = Arc::new(Settings::default());
        let mut cache = LintCache::new();
        for _ in 0..3 {
            edit_paragraphs(&mut paragraphs, next() % 6, next(), next());
            assert_cached_equals_lint(&paragraphs, &all, &mut cache);
        }
    }

    /// The clauses family on one draft, cached and fresh, after each edit.
    fn assert_clauses_cached_equal_lint(
        text: &str,
        kind: DocumentKind,
        settings: &Arc<Settings>,
        cache: &mut LintCache,
    ) {
        let cached = lint_cached(&Document::new(text, kind), settings, cache);
        let fresh = lint(&Document::new(text, kind), settings);
        assert_eq!(cached, fresh, "after an edit, the draft being:\n{text}");
    }

    /// `unbalanced-delimiter` put together from kept paragraphs finds what the rule finds alone,
    /// under edits that open and close quotations running over paragraphs, switch the draft's
    /// quotation style („ “ and » « change how every paragraph is read) and move paragraphs.
    #[test]
    fn cached_delimiters_equal_lint_under_quotation_and_style_edits() {
        let mut settings = Settings::default();
        settings.select(&["clauses".to_string()]);
        let settings = Arc::new(settings);
        let base = [
            "The Council recalls “the principle of sovereignty.",
            "“It continues here and ends.” Then more text (with an aside).",
            "(a) First item; (b) second item) and [a bracket.",
            "We welcome the Parties‘ views and Russia‘s proposal.",
            "He said «bonjour» to the ‹Parties› and “left“ early.",
            "> quoted line and a stray > here",
            "Plain paragraph without marks.",
            "”",
            "Another “plain” paragraph with ”turned” marks.",
        ];
        // Each edit applies to the paragraphs as the previous one left them.
        type Edit = fn(&mut Vec<String>);
        let edits: &[Edit] = &[
            // The quotation of the first paragraph closed, then opened again.
            |p| p[0].push('”'),
            |p| {
                p[0].pop();
            },
            // The second paragraph no longer continues it, then does again.
            |p| p[1] = p[1].replacen('“', "", 1),
            |p| p[1].insert(0, '“'),
            // A quotation opened in a plain paragraph runs into the next one.
            |p| p[5].push_str(" “and opens"),
            |p| p[6].insert(0, '“'),
            // „ anywhere: a closing “ elsewhere becomes stray rather than turned.
            |p| p[6].push_str(" „Zitat"),
            |p| p[6] = p[6].replace(" „Zitat", ""),
            // » opening words outnumber «: guillemets read the other way everywhere.
            |p| p[2].push_str(" »Die Zeit« and »Der Spiegel« and »Bild«"),
            // Every quotation switched to „ “.
            |p| {
                for paragraph in p.iter_mut() {
                    *paragraph = paragraph.replace('“', "„").replace('”', "“");
                }
            },
            |p| p.swap(0, 3),
            |p| {
                p.remove(1);
            },
            |p| p.insert(2, "“A whole new quotation".into()),
            |p| p.push("“It ends in the last paragraph".into()),
        ];
        for kind in [DocumentKind::Plain, DocumentKind::Markdown] {
            let mut cache = LintCache::new();
            let mut paragraphs: Vec<String> = base.iter().map(|p| p.to_string()).collect();
            assert_clauses_cached_equal_lint(&paragraphs.join("\n\n"), kind, &settings, &mut cache);
            for edit in edits {
                edit(&mut paragraphs);
                assert_clauses_cached_equal_lint(
                    &paragraphs.join("\n\n"),
                    kind,
                    &settings,
                    &mut cache,
                );
            }
            assert!(cache.delimiters_len() > 0);
        }
    }

    /// Random marks typed into real drafts, the clauses family cached and fresh.
    #[test]
    fn cached_clauses_equal_lint_under_random_mark_edits_of_real_drafts() {
        let files = [
            include_str!("../tests/fixtures/corpus/2022-11-16-g20-bali-leaders-declaration.txt"),
            include_str!("../tests/fixtures/corpus/A_RES_80_048.txt"),
        ];
        let snippets = [
            "“", "”", "\n\n“", "„", "‘", "’", "»", "«", "(", ")", "[", "\n\n", "'", "\"", "<",
            "> ", " (b) ", "\n\n(c) ", "\n\n2. ",
        ];
        let settings = Arc::new(Settings::default());
        let mut next = crate::test_random(0x2545_F491_4F6C_DD1Du64);
        for source in files {
            let mut cache = LintCache::new();
            let mut text = source.to_string();
            for _ in 0..25 {
                assert_clauses_cached_equal_lint(&text, DocumentKind::Plain, &settings, &mut cache);
                let at = crate::line_index::floor_char_boundary(&text, next(text.len()));
                if next(4) == 0 {
                    let end = crate::line_index::floor_char_boundary(
                        &text,
                        (at + next(30)).min(text.len()),
                    );
                    text.replace_range(at..end, "");
                } else {
                    text.insert_str(at, snippets[next(snippets.len())]);
                }
            }
        }
    }

    #[test]
    fn no_paragraph_facts_are_computed_when_the_duplicates_family_is_off() {
        let mut settings = Settings::default();
        settings.ignore(&["duplicates".to_string()]);
        let settings = Arc::new(settings);
        let mut cache = LintCache::new();
        let doc = Document::new(
            include_str!("../tests/fixtures/seed.txt"),
            DocumentKind::Plain,
        );
        lint_cached(&doc, &settings, &mut cache);
        assert_eq!(cache.facts_len(), 0);
    }
}
