use std::sync::{Arc, Mutex};

use crate::FastMap;
use crate::clauses::labels::{is_enumerator_close, label_at};
use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Edit, Fix, TextRange};
use crate::document::Document;
use crate::lint::{shift, stays_inside};
use crate::rules::{Check, Context, NoOptions};
use crate::text::sentences;

declare_rule! {
    /// ## What it does
    /// Finds opening marks without their closing mark, closing marks without an opening one, and
    /// marks closed in the wrong order, in every script a communiqué may quote: “ ” and ‘ ’,
    /// straight " and ' (paired by position), « » (with or without inner spaces, and the
    /// German » « order), „ “ and ‚ ‘ (German, Russian), ‹ ›, 「 」 『 』, ( ) [ ] { }, and stray
    /// < > in the text (HTML debris). It also reports a left quote used as an apostrophe
    /// ("Russia‘s") and a quote mark turned the wrong way.
    ///
    /// The rules of the trade are followed: apostrophes are not quotes (Russia’s, States’, ’90s,
    /// rock ’n’ roll); enumerators such as "a)", "ii)", "1)" close nothing; a quotation running
    /// over several paragraphs repeats its opening mark at each paragraph and closes only at the
    /// end; brackets must close within their paragraph. The finding sits on the mark without a
    /// partner and says what was expected.
    ///
    /// ## Why it matters
    /// A quotation that never closes or a bracket closed twice survives many rounds of
    /// negotiation because people read for meaning, not structure, and it is the first thing a
    /// reader of the published text notices.
    ///
    /// ## Example
    /// ```text
    /// In this regard, we recall the AU theme of the year 2022: Strengthening Resilience in
    /// Nutrition and Food Security on the African Continent.” We take note of …
    ///                                                         ^ closing ” has no opening “
    /// We recall further restrictive measures on Russia‘s economy.
    ///                                                 ^ left quote used as an apostrophe
    /// ```
    ///
    /// ## Fix safety
    /// Replacing a left quote used as an apostrophe with ’ is safe. Removing a stray mark and
    /// turning a quote mark the right way are unsafe: the mark may instead lack a partner
    /// elsewhere. Inserting a missing closing mark at the end of the clause or sentence is
    /// display-only, since only the author knows where the quotation or aside ends; it is
    /// unsafe when the place is obvious (a short aside with no other punctuation before the end
    /// of its sentence, or a mark that must close before an enclosing one).
    pub static RULE {
        name: "unbalanced-delimiter",
        family: Clauses,
        severity: Warning,
        enabled: true,
        fix: Always,
        summary: "A quotation mark or bracket has no partner, or marks are closed in the wrong order",
        check: Check::Document(check),
        options: NoOptions,
    }
}

/// A kind of paired mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pair {
    Paren,
    Square,
    Curly,
    Corner,
    WhiteCorner,
    FullwidthParen,
    Lenticular,
    Angle,
    /// “ … ”
    Double,
    /// „ … “ (German, Russian) or „ … ” (Polish, Hungarian)
    LowDouble,
    /// ” … ” (Swedish, Finnish)
    RightDouble,
    /// ‘ … ’
    Single,
    /// ‚ … ‘ (German) or ‚ … ’
    LowSingle,
    /// « … » (or » … « where the draft uses that order)
    Guillemet,
    /// ‹ … ›
    SingleGuillemet,
    /// " … "
    StraightDouble,
    /// ' … '
    StraightSingle,
}

impl Pair {
    fn is_quote(self) -> bool {
        !matches!(
            self,
            Pair::Paren
                | Pair::Square
                | Pair::Curly
                | Pair::Corner
                | Pair::WhiteCorner
                | Pair::FullwidthParen
                | Pair::Lenticular
                | Pair::Angle
        )
    }

    fn closer(self, style: Style) -> char {
        match self {
            Pair::Paren => ')',
            Pair::Square => ']',
            Pair::Curly => '}',
            Pair::Corner => '」',
            Pair::WhiteCorner => '』',
            Pair::FullwidthParen => '）',
            Pair::Lenticular => '】',
            Pair::Angle => '>',
            Pair::Double | Pair::RightDouble => '”',
            Pair::LowDouble => '“',
            Pair::Single => '’',
            Pair::LowSingle => '‘',
            Pair::Guillemet if style.reversed_guillemets => '«',
            Pair::Guillemet => '»',
            Pair::SingleGuillemet if style.reversed_guillemets => '‹',
            Pair::SingleGuillemet => '›',
            Pair::StraightDouble => '"',
            Pair::StraightSingle => '\'',
        }
    }
}

/// Conventions read once per draft.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
struct Style {
    /// » opens and « closes (German, Danish book typography).
    reversed_guillemets: bool,
    /// The draft uses “ or „, so a ” in opening position is a mark turned the wrong way rather
    /// than Swedish ” … ” quoting.
    uses_left_double: bool,
    /// The draft quotes with „ … “, so a “ closing nothing is a stray closing mark.
    uses_low_double: bool,
}

impl Style {
    fn detect(text: &str) -> Self {
        StyleEvidence::of(text, TextRange::new(0, text.len())).style()
    }
}

/// What one stretch of a draft says about its [`Style`]: the style of the whole draft is that
/// of its stretches put together.
#[derive(Clone, Copy, Debug, Default)]
struct StyleEvidence {
    low_double: bool,
    left_double: bool,
    /// » and « opening a word ("»Die Zeit«" against "«Это»").
    right_guillemet_opens: usize,
    left_guillemet_opens: usize,
}

impl StyleEvidence {
    /// The marks that start inside `range`, read in `text` (a mark at either end of the range
    /// looks at the characters beside it).
    fn of(text: &str, range: TextRange) -> Self {
        use memchr::memmem::{find, find_iter};
        let bytes = &text.as_bytes()[range.start..range.end];
        let opens = |mark: &str, spaced: bool| {
            find_iter(bytes, mark.as_bytes())
                .filter(|&i| {
                    let i = range.start + i;
                    let prev = text[..i].chars().next_back();
                    let rest = &text[i + mark.len()..];
                    let next = rest.chars().next();
                    left_flank(prev)
                        && (next.is_some_and(char::is_alphanumeric)
                            || (spaced
                                && next == Some(' ')
                                && rest[1..].chars().next().is_some_and(char::is_alphanumeric)))
                })
                .count()
        };
        let guillemets = memchr::memchr(0xC2, bytes).is_some();
        StyleEvidence {
            low_double: find(bytes, "„".as_bytes()).is_some(),
            left_double: find(bytes, "“".as_bytes()).is_some(),
            right_guillemet_opens: if guillemets { opens("»", false) } else { 0 },
            left_guillemet_opens: if guillemets { opens("«", true) } else { 0 },
        }
    }

    fn add(&mut self, other: StyleEvidence) {
        self.low_double |= other.low_double;
        self.left_double |= other.left_double;
        self.right_guillemet_opens += other.right_guillemet_opens;
        self.left_guillemet_opens += other.left_guillemet_opens;
    }

    fn style(self) -> Style {
        Style {
            reversed_guillemets: self.right_guillemet_opens > self.left_guillemet_opens,
            uses_left_double: self.low_double || self.left_double,
            uses_low_double: self.low_double,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Open {
    pair: Pair,
    at: usize,
    /// The mark as written (for messages).
    mark: char,
    block: usize,
}

#[derive(Debug)]
enum Problem {
    /// An opening mark never closed: at the end of its paragraph (`before` is `None`) or before
    /// an enclosing mark closes (`before` is that mark). `last_block` is the last paragraph a
    /// continued quotation reached.
    Unclosed {
        open: Open,
        before: Option<(usize, char)>,
        last_block: usize,
    },
    /// A closing mark with nothing to close.
    Stray { at: usize, mark: char, block: usize },
    /// A quote mark turned the wrong way: “ closing or ” opening.
    WrongDirection {
        at: usize,
        mark: char,
        expected: char,
    },
    /// ‘ used as an apostrophe: "Russia‘s", "(IEA)‘s", "‘90s".
    LeftQuoteApostrophe { at: usize },
}

impl Problem {
    /// `open`, still open at the end of paragraph `last_block`.
    fn unclosed_at_end(open: Open, last_block: usize) -> Self {
        Problem::Unclosed {
            open,
            before: None,
            last_block,
        }
    }

    fn position(&self) -> usize {
        match self {
            Problem::Unclosed { open, .. } => open.at,
            Problem::Stray { at, .. }
            | Problem::WrongDirection { at, .. }
            | Problem::LeftQuoteApostrophe { at } => *at,
        }
    }
}

/// Bytes that can start a mark this rule looks at (ASCII marks and the lead bytes of the
/// Unicode ones), so the scan skips everything else with one table lookup.
static INTERESTING: [bool; 256] = {
    let mut table = [false; 256];
    let ascii = b"()[]{}<>\"'";
    let mut i = 0;
    while i < ascii.len() {
        table[ascii[i] as usize] = true;
        i += 1;
    }
    table[0xC2] = true; // « »
    table[0xE2] = true; // “ ” ‘ ’ „ ‚ ‹ ›
    table[0xE3] = true; // 「 」 『 』 【 】
    table[0xEF] = true; // （ ）
    table
};

/// The first byte at or after `from` (before `end`) that can start a mark, else `end`.
/// Marks are rare, so the text is tested sixteen bytes at a time with compares the compiler
/// turns into vector instructions; only a chunk holding a mark is looked at byte by byte.
fn next_interesting(bytes: &[u8], mut from: usize, end: usize) -> usize {
    const CHUNK: usize = 16;
    while from + CHUNK <= end {
        let chunk: &[u8; CHUNK] = bytes[from..from + CHUNK].try_into().unwrap();
        let mut hits = 0u8;
        for &b in chunk {
            hits |= u8::from(
                (b == b'(')
                    | (b == b')')
                    | (b == b'[')
                    | (b == b']')
                    | (b == b'{')
                    | (b == b'}')
                    | (b == b'<')
                    | (b == b'>')
                    | (b == b'"')
                    | (b == b'\'')
                    | (b == 0xC2)
                    | (b == 0xE2)
                    | (b == 0xE3)
                    | (b == 0xEF),
            );
        }
        if hits != 0
            && let Some(at) = chunk.iter().position(|&b| INTERESTING[b as usize])
        {
            return from + at;
        }
        from += CHUNK;
    }
    while from < end && !INTERESTING[bytes[from] as usize] {
        from += 1;
    }
    from
}

fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let doc = ctx.doc;
    if let Some(found) = doc.memoized::<Provided>().and_then(|p| p.take()) {
        out.extend(found);
        return;
    }
    let style = Style::detect(doc.text());
    for problem in find_problems(doc, style) {
        out.push(diagnostic(doc, style, problem));
    }
}

/// The findings [`provide`] put together for a draft, taken by the rule's check.
struct Provided(Mutex<Option<Vec<Diagnostic>>>);

impl Provided {
    fn take(&self) -> Option<Vec<Diagnostic>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// What one paragraph gives when no quotation is carried into it: everything the rule finds in
/// it reads only its text, the draft's style and whether its first line starts with it.
struct BlockOutcome {
    /// Findings, spans relative to the block's start.
    found: Vec<Diagnostic>,
    /// Quotations open at its end (`at` relative to the block's start), carried on.
    open: Vec<Open>,
    /// The findings of `open` when the next paragraph does not continue them.
    unclosed: Vec<Diagnostic>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct OutcomeKey {
    /// xxh3-128 of the block's text.
    text: u128,
    style: Style,
    /// Nothing but spaces before the block on its first line (a "> " there is a quoting
    /// marker, not a stray bracket).
    starts_line: bool,
}

/// The characters beside a block that the style evidence of its edge marks reads.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct EvidenceKey {
    text: u128,
    before: Option<char>,
    after: [Option<char>; 2],
}

/// What the rule keeps of a draft between versions (the language server's lint cache): the
/// style evidence and the outcome of each paragraph by content, so that an edit reads again
/// only the paragraphs it touched and those a quotation carries into.
#[derive(Default)]
pub struct Kept {
    evidence: FastMap<EvidenceKey, (StyleEvidence, u64)>,
    outcomes: FastMap<OutcomeKey, (Arc<BlockOutcome>, u64)>,
    run: u64,
}

impl Kept {
    /// Entries kept (style evidence and paragraph outcomes).
    pub fn len(&self) -> usize {
        self.evidence.len() + self.outcomes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn style(&mut self, doc: &Document, hashes: &[u128]) -> Style {
        let text = doc.text();
        let run = self.run;
        let mut evidence = StyleEvidence::default();
        // Text outside every block (blank lines, masked markup) is read each time: it is short.
        let gap = |from: usize, to: usize, evidence: &mut StyleEvidence| {
            if from < to
                && text.as_bytes()[from..to]
                    .iter()
                    .any(|&b| b == 0xC2 || b == 0xE2)
            {
                evidence.add(StyleEvidence::of(text, TextRange::new(from, to)));
            }
        };
        let mut covered_to = 0;
        for (block, &hash) in doc.blocks().iter().zip(hashes) {
            let span = block.span;
            if span.start < covered_to {
                // Nested in a block already read: only what sticks out is new.
                gap(covered_to, span.end, &mut evidence);
                covered_to = covered_to.max(span.end);
                continue;
            }
            gap(covered_to, span.start, &mut evidence);
            covered_to = span.end;
            let mut after = text[span.end..].chars();
            let key = EvidenceKey {
                text: hash,
                before: text[..span.start].chars().next_back(),
                after: [after.next(), after.next()],
            };
            let entry = self
                .evidence
                .entry(key)
                .or_insert_with(|| (StyleEvidence::of(text, span), run));
            entry.1 = run;
            evidence.add(entry.0);
        }
        gap(covered_to, text.len(), &mut evidence);
        evidence.style()
    }
}

/// Puts the rule's findings for `doc` together from the paragraphs kept in `kept`, reading only
/// new paragraphs and those a quotation from the paragraph before runs into, and leaves them for
/// the rule's check: the same findings as it computes alone. `hashes[i]` is the xxh3-128 of
/// block `i`'s text.
pub fn provide(doc: &Document, hashes: &[u128], kept: &mut Kept) {
    kept.run += 1;
    let run = kept.run;
    let style = kept.style(doc, hashes);
    let text = doc.text();
    let mut scanner = Scanner::new(text, style);
    let mut found = Vec::new();
    let mut carried: Vec<Open> = Vec::new();
    // The findings of `carried` if not continued, when it comes from a kept outcome.
    let mut carried_unclosed: Option<(Arc<BlockOutcome>, usize)> = None;
    let mut carried_to = 0usize;
    let mut previous_end = 0usize;
    let mut problems = Vec::new();
    let report_carried = |carried: &mut Vec<Open>,
                          carried_unclosed: &Option<(Arc<BlockOutcome>, usize)>,
                          carried_to: usize,
                          found: &mut Vec<Diagnostic>| {
        match carried_unclosed {
            Some((outcome, start)) => found.extend(shifted(&outcome.unclosed, *start as isize)),
            None => found.extend(
                carried
                    .iter()
                    .map(|&open| unclosed_at_end(doc, style, open, carried_to)),
            ),
        }
        carried.clear();
    };
    for (index, block) in doc.blocks().iter().enumerate() {
        let Some((span, ends_carried)) = reading(text, block.span, &mut previous_end, &carried)
        else {
            continue;
        };
        if ends_carried {
            report_carried(&mut carried, &carried_unclosed, carried_to, &mut found);
        }
        carried_to = index;
        if !carried.is_empty() {
            // A quotation runs on into this paragraph: read it with the quotation open.
            scanner.read_block(block.span, span, index, &mut carried, &mut problems);
            found.extend(problems.drain(..).map(|p| diagnostic(doc, style, p)));
            carried_unclosed = None;
            continue;
        }
        let line_start = text[..span.start].rfind('\n').map_or(0, |p| p + 1);
        let key = OutcomeKey {
            text: hashes[index],
            style,
            starts_line: text[line_start..span.start].trim().is_empty(),
        };
        let outcome = match kept.outcomes.get_mut(&key) {
            Some((outcome, used_in)) => {
                *used_in = run;
                Arc::clone(outcome)
            }
            None => {
                let outcome = Arc::new(block_outcome(doc, style, &mut scanner, index));
                // A finding reaching out of its block (a stray mark that is the whole
                // paragraph is removed with its blank lines) depends on more than the block.
                if keeps_to_block(&outcome, span) {
                    kept.outcomes.insert(key, (Arc::clone(&outcome), run));
                }
                outcome
            }
        };
        found.extend(shifted(&outcome.found, span.start as isize));
        carried.extend(outcome.open.iter().map(|&open| Open {
            at: open.at + span.start,
            block: index,
            ..open
        }));
        carried_unclosed = Some((outcome, span.start));
    }
    report_carried(&mut carried, &carried_unclosed, carried_to, &mut found);
    // The order of `find_problems`: by position, ties in the order found.
    found.sort_by_key(|d| d.span.start);
    kept.evidence.retain(|_, (_, used_in)| *used_in == run);
    kept.outcomes.retain(|_, (_, used_in)| *used_in == run);
    doc.memo(|_: &Provided| false, || Provided(Mutex::new(Some(found))));
}

/// The findings and open quotations of block `index` read with nothing carried into it, with
/// spans relative to the block's start.
fn block_outcome(
    doc: &Document,
    style: Style,
    scanner: &mut Scanner,
    index: usize,
) -> BlockOutcome {
    let span = doc.blocks()[index].span;
    let mut problems = Vec::new();
    let mut open = Vec::new();
    scanner.read_block(span, span, index, &mut open, &mut problems);
    let start = -(span.start as isize);
    let found: Vec<Diagnostic> = problems
        .into_iter()
        .map(|p| diagnostic(doc, style, p))
        .collect();
    let unclosed: Vec<Diagnostic> = open
        .iter()
        .map(|&open| unclosed_at_end(doc, style, open, index))
        .collect();
    BlockOutcome {
        found: shifted(&found, start),
        open: open
            .into_iter()
            .map(|open| Open {
                at: open.at - span.start,
                ..open
            })
            .collect(),
        unclosed: shifted(&unclosed, start),
    }
}

/// Whether everything `outcome` reports lies in its block, which spans `span`, and depends on
/// nothing around it.
fn keeps_to_block(outcome: &BlockOutcome, span: TextRange) -> bool {
    let relative = TextRange::new(0, span.len());
    let whole_block_edit = outcome
        .found
        .iter()
        .chain(&outcome.unclosed)
        .flat_map(|d| &d.fixes)
        .flat_map(|f| &f.edits)
        .any(|e| e.span == relative);
    !whole_block_edit
        && outcome
            .found
            .iter()
            .chain(&outcome.unclosed)
            .all(|d| stays_inside(d, relative))
}

fn shifted(found: &[Diagnostic], delta: isize) -> Vec<Diagnostic> {
    found
        .iter()
        .map(|d| {
            let mut d = d.clone();
            shift(&mut d, delta);
            d
        })
        .collect()
}

/// The finding for `open`, left open at the end of paragraph `last_block`.
fn unclosed_at_end(doc: &Document, style: Style, open: Open, last_block: usize) -> Diagnostic {
    diagnostic(doc, style, Problem::unclosed_at_end(open, last_block))
}

/// What of `block` to read: `None` for a block nested in one already read (up to
/// `previous_end`, moved past this one); otherwise its span, starting after the mark that
/// continues the first quotation `carried` open from the previous paragraph, and whether the
/// carried quotations end unclosed instead (no such mark).
fn reading(
    text: &str,
    block: TextRange,
    previous_end: &mut usize,
    carried: &[Open],
) -> Option<(TextRange, bool)> {
    if block.start < *previous_end {
        return None;
    }
    *previous_end = block.end;
    let Some(first) = carried.first() else {
        return Some((block, false));
    };
    Some(match continuation_mark(text, block, first.mark) {
        Some(after) => (TextRange::new(after, block.end), false),
        None => (block, true),
    })
}

fn find_problems(doc: &Document, style: Style) -> Vec<Problem> {
    let text = doc.text();
    let mut problems = Vec::new();
    let mut scanner = Scanner::new(text, style);
    // Quotations left open by the previous paragraph.
    let mut carried: Vec<Open> = Vec::new();
    let mut carried_to = 0usize;
    let mut previous_end = 0usize;
    for (index, block) in doc.blocks().iter().enumerate() {
        let Some((span, ends_carried)) = reading(text, block.span, &mut previous_end, &carried)
        else {
            continue;
        };
        if ends_carried {
            report_unclosed(&mut carried, carried_to, &mut problems);
        }
        scanner.read_block(block.span, span, index, &mut carried, &mut problems);
        carried_to = index;
    }
    report_unclosed(&mut carried, carried_to, &mut problems);
    problems.sort_by_key(Problem::position);
    problems
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str, style: Style) -> Self {
        Scanner {
            text,
            style,
            enumerators_close: true,
            used_enumerator_close: false,
            stack: Vec::new(),
            angles: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Reads block `index` (whose whole span is `block_span`) from `span` on, with the
    /// quotations `carried` open from the paragraphs before it: appends its problems to
    /// `problems` and leaves in `carried` the quotations still open at its end.
    fn read_block(
        &mut self,
        block_span: TextRange,
        span: TextRange,
        index: usize,
        carried: &mut Vec<Open>,
        problems: &mut Vec<Problem>,
    ) {
        let text = self.text;
        // First reading: an enumerator-shaped ")" closes an open "(" ("(Part I)"). If that
        // leaves problems, read again with enumerators closing nothing ("(i) x, ii) y)") and
        // keep the reading with fewer problems.
        self.scan(span, index, carried, true);
        if !self.problems.is_empty() && self.used_enumerator_close {
            let first = std::mem::take(&mut self.problems);
            let first_stack = std::mem::take(&mut self.stack);
            self.scan(span, index, carried, false);
            if self.problems.len() >= first.len() {
                self.problems = first;
                self.stack = first_stack;
            }
        }
        problems.append(&mut self.problems);
        carried.clear();
        // Brackets close within their paragraph, and so do quotations opened inside them; only
        // quotations opened outside every bracket may continue in the next paragraph.
        let first_bracket = self
            .stack
            .iter()
            .position(|o| !o.pair.is_quote())
            .unwrap_or(self.stack.len());
        for open in self.stack.drain(first_bracket..) {
            problems.push(Problem::unclosed_at_end(open, index));
        }
        // A ‘ left open between two capitalised words is the ʻokina of a Polynesian name
        // ("Siaosi ‘Ofakivahafolau Sovaleni"), not a quotation.
        self.stack.retain(|o| {
            !(matches!(o.pair, Pair::Single | Pair::StraightSingle)
                && o.block == index
                && is_okina_in_name(text, o.at, block_span))
        });
        carried.append(&mut self.stack);
        for open in self.angles.drain(..) {
            problems.push(Problem::unclosed_at_end(open, index));
        }
    }
}

fn report_unclosed(carried: &mut Vec<Open>, last_block: usize, problems: &mut Vec<Problem>) {
    for open in carried.drain(..) {
        problems.push(Problem::unclosed_at_end(open, last_block));
    }
}

/// Whether the ‘ or ' at `at` starts a capitalised word right after another capitalised word.
fn is_okina_in_name(text: &str, at: usize, span: TextRange) -> bool {
    let mark_len = text[at..].chars().next().map_or(1, char::len_utf8);
    let after = text[at + mark_len..span.end].chars().next();
    let before = text[span.start..at].strip_suffix(' ').unwrap_or("");
    let previous_word = before
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    after.is_some_and(char::is_uppercase)
        && previous_word.chars().next().is_some_and(char::is_uppercase)
}

/// Where the text of a paragraph resumes when it opens with `mark` (the convention for a
/// quotation continued over several paragraphs), after any bullet or enumeration label.
fn continuation_mark(text: &str, span: TextRange, mark: char) -> Option<usize> {
    let mut at = span.start;
    let slice = span.slice(text);
    for bullet in ["- ", "• ", "* ", "– "] {
        if slice.starts_with(bullet) {
            at += bullet.len();
            break;
        }
    }
    if let Some(label) = label_at(text, at, span.end, true) {
        at = label.span.end;
    }
    let rest = &text[at..span.end];
    let trimmed = rest.trim_start();
    at += rest.len() - trimmed.len();
    trimmed.starts_with(mark).then(|| at + mark.len_utf8())
}

struct Scanner<'a> {
    text: &'a str,
    style: Style,
    enumerators_close: bool,
    used_enumerator_close: bool,
    stack: Vec<Open>,
    angles: Vec<Open>,
    problems: Vec<Problem>,
}

/// Where a mark stands between its neighbours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flank {
    /// After a space or an opening mark, before a word: “word
    Opening,
    /// After a word, before a space or punctuation: word”
    Closing,
    /// Between two words: Russia’s
    Inner,
    /// Between spaces or punctuation on both sides.
    Isolated,
}

fn left_flank(prev: Option<char>) -> bool {
    match prev {
        None => true,
        Some(c) => {
            c.is_whitespace()
                || matches!(
                    c,
                    '(' | '['
                        | '{'
                        | '“'
                        | '‘'
                        | '«'
                        | '»'
                        | '„'
                        | '‚'
                        | '‹'
                        | '—'
                        | '–'
                        | '-'
                        | '/'
                        | '「'
                        | '『'
                        | '（'
                        | '【'
                        | '"'
                        | '\''
                )
        }
    }
}

fn right_flank(next: Option<char>) -> bool {
    match next {
        None => true,
        Some(c) => {
            c.is_whitespace()
                || matches!(
                    c,
                    '.' | ','
                        | ';'
                        | ':'
                        | '!'
                        | '?'
                        | ')'
                        | ']'
                        | '}'
                        | '”'
                        | '’'
                        | '»'
                        | '«'
                        | '›'
                        | '—'
                        | '–'
                        | '-'
                        | '…'
                        | '/'
                        | '」'
                        | '』'
                        | '）'
                        | '】'
                        | '"'
                        | '\''
                )
        }
    }
}

fn flank(prev: Option<char>, next: Option<char>) -> Flank {
    match (left_flank(prev), right_flank(next)) {
        (true, false) => Flank::Opening,
        (false, true) => Flank::Closing,
        (false, false) => Flank::Inner,
        (true, true) => Flank::Isolated,
    }
}

/// Letters after a left quote that make it an apostrophe: "Russia‘s", "don‘t", "we‘ll".
fn is_contraction_suffix(rest: &str) -> bool {
    let letters = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
    let tail_ok = rest[letters..]
        .chars()
        .next()
        .is_none_or(|c| !c.is_alphanumeric());
    tail_ok
        && ["s", "t", "d", "ll", "re", "ve", "m"]
            .iter()
            .any(|suffix| rest[..letters].eq_ignore_ascii_case(suffix))
}

/// "‘90s", "'90s", "’20": an elided year, not a quotation.
fn is_elided_year(rest: &str) -> bool {
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    digits == 2
        && rest[digits..]
            .chars()
            .next()
            .is_none_or(|c| c == 's' || !c.is_alphanumeric())
}

const QUOTE_ELISIONS: &[&str] = &["tis", "twas", "em", "n", "cause", "til"];

fn is_elision_word(rest: &str) -> bool {
    let letters = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
    let word = &rest[..letters];
    QUOTE_ELISIONS.iter().any(|w| w.eq_ignore_ascii_case(word))
        && rest[letters..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric())
}

impl Scanner<'_> {
    fn scan(&mut self, span: TextRange, block: usize, carried: &[Open], enumerators_close: bool) {
        self.enumerators_close = enumerators_close;
        self.used_enumerator_close = false;
        self.stack.clear();
        self.stack.extend_from_slice(carried);
        self.angles.clear();
        self.problems.clear();
        let text = self.text;
        let bytes = text.as_bytes();
        let mut i = span.start;
        while i < span.end {
            i = next_interesting(bytes, i, span.end);
            if i >= span.end {
                break;
            }
            let Some(c) = text[i..span.end].chars().next() else {
                break;
            };
            let len = c.len_utf8();
            let prev = text[span.start..i].chars().next_back();
            let next = text[i + len..span.end].chars().next();
            i += self.mark(c, i, span, block, prev, next).max(len);
        }
    }

    /// Handles the character `c` at `at`; returns how many bytes were consumed.
    fn mark(
        &mut self,
        c: char,
        at: usize,
        span: TextRange,
        block: usize,
        prev: Option<char>,
        next: Option<char>,
    ) -> usize {
        let open = |pair| Open {
            pair,
            at,
            mark: c,
            block,
        };
        let len = c.len_utf8();
        let rest = &self.text[at + len..span.end];
        let position = flank(prev, next);
        let reversed = self.style.reversed_guillemets;
        match c {
            '(' => self.stack.push(open(Pair::Paren)),
            '[' => self.stack.push(open(Pair::Square)),
            '{' => self.stack.push(open(Pair::Curly)),
            '「' => self.stack.push(open(Pair::Corner)),
            '『' => self.stack.push(open(Pair::WhiteCorner)),
            '（' => self.stack.push(open(Pair::FullwidthParen)),
            '【' => self.stack.push(open(Pair::Lenticular)),
            ')' => {
                if is_enumerator_close(self.text, at, span.start) {
                    if self.enumerators_close && self.innermost(&[Pair::Paren]).is_some() {
                        self.used_enumerator_close = true;
                        self.close(&[Pair::Paren], at, c, block);
                    }
                } else {
                    self.close(&[Pair::Paren], at, c, block);
                }
            }
            ']' => self.close(&[Pair::Square], at, c, block),
            '}' => self.close(&[Pair::Curly], at, c, block),
            '」' => self.close(&[Pair::Corner], at, c, block),
            '』' => self.close(&[Pair::WhiteCorner], at, c, block),
            '）' => self.close(&[Pair::FullwidthParen], at, c, block),
            '】' => self.close(&[Pair::Lenticular], at, c, block),
            '<' | '>' => self.angle(c, at, span, block, prev, next),
            '„' => self.stack.push(open(Pair::LowDouble)),
            '“' => {
                if self.innermost_quote() == Some(Pair::LowDouble) && position != Flank::Opening {
                    self.close(&[Pair::LowDouble], at, c, block);
                } else if position == Flank::Closing && self.innermost_quote() == Some(Pair::Double)
                {
                    self.problems.push(Problem::WrongDirection {
                        at,
                        mark: c,
                        expected: '”',
                    });
                    self.close(&[Pair::Double], at, c, block);
                } else if position == Flank::Closing
                    && self.style.uses_low_double
                    && self.innermost(&[Pair::Double, Pair::LowDouble]).is_none()
                {
                    self.problems.push(Problem::Stray { at, mark: c, block });
                } else {
                    self.stack.push(open(Pair::Double));
                }
            }
            '”' => {
                let doubles = [Pair::Double, Pair::LowDouble, Pair::RightDouble];
                let open_double = self.innermost(&doubles).is_some();
                if position == Flank::Opening && !open_double {
                    if self.style.uses_left_double {
                        self.problems.push(Problem::WrongDirection {
                            at,
                            mark: c,
                            expected: '“',
                        });
                        self.stack.push(open(Pair::Double));
                    } else {
                        self.stack.push(open(Pair::RightDouble));
                    }
                } else if open_double {
                    self.close(&doubles, at, c, block);
                } else if self.innermost(&[Pair::StraightDouble]).is_some() {
                    // Mixed styles ("text”) are a matter of style, not balance.
                    self.close(&[Pair::StraightDouble], at, c, block);
                } else {
                    self.problems.push(Problem::Stray { at, mark: c, block });
                }
            }
            // Followed by a space it is a comma look-alike, not a quotation mark.
            '‚' if next.is_some_and(char::is_alphanumeric) => {
                self.stack.push(open(Pair::LowSingle));
            }
            '‘' => self.left_single(at, block, prev, next, rest, position),
            '’' => {
                if position == Flank::Opening
                    && rest.starts_with("n’")
                    && right_flank(rest[4..].chars().next())
                {
                    return len + "n’".len(); // rock ’n’ roll
                }
                if matches!(position, Flank::Closing | Flank::Isolated)
                    && matches!(
                        self.stack.last().map(|o| o.pair),
                        Some(Pair::Single | Pair::LowSingle)
                    )
                {
                    self.close(&[Pair::Single, Pair::LowSingle], at, c, block);
                }
                // Otherwise an apostrophe: Russia’s, States’, ’90s.
            }
            '«' | '‹' | '»' | '›' => {
                let (single, opens) = match c {
                    '«' => (false, !reversed),
                    '»' => (false, reversed),
                    '‹' => (true, !reversed),
                    _ => (true, reversed),
                };
                let pair = if single {
                    Pair::SingleGuillemet
                } else {
                    Pair::Guillemet
                };
                if opens {
                    self.stack.push(open(pair));
                } else {
                    self.close(&[pair], at, c, block);
                }
            }
            '"' => {
                let is_open = self.innermost(&[Pair::StraightDouble]).is_some();
                if is_open && position != Flank::Opening {
                    self.close(&[Pair::StraightDouble], at, c, block);
                } else if is_open || position != Flank::Closing {
                    self.stack.push(open(Pair::StraightDouble));
                } else if !prev.is_some_and(|p| p.is_ascii_digit()) {
                    self.problems.push(Problem::Stray { at, mark: c, block });
                }
                // A closing-position " after a digit is an inch or seconds mark.
            }
            '\'' => match position {
                Flank::Inner => {} // don't, Belarus's
                Flank::Opening => {
                    if rest.starts_with("n'") && right_flank(rest[2..].chars().next()) {
                        return len + 2;
                    }
                    if !is_elided_year(rest) && !is_elision_word(rest) {
                        self.stack.push(open(Pair::StraightSingle));
                    }
                }
                Flank::Closing | Flank::Isolated => {
                    if self.stack.last().map(|o| o.pair) == Some(Pair::StraightSingle) {
                        self.close(&[Pair::StraightSingle], at, c, block);
                    }
                    // Otherwise an apostrophe (Belarus') or a prime (5').
                }
            },
            _ => {}
        }
        len
    }

    fn left_single(
        &mut self,
        at: usize,
        block: usize,
        prev: Option<char>,
        next: Option<char>,
        rest: &str,
        position: Flank,
    ) {
        let c = '‘';
        if self.innermost_quote() == Some(Pair::LowSingle) && position != Flank::Opening {
            self.close(&[Pair::LowSingle], at, c, block);
            return;
        }
        let after_word = prev.is_some_and(|p| p.is_alphanumeric() || matches!(p, ')' | ']'));
        if after_word && next.is_some_and(char::is_alphabetic) {
            if is_contraction_suffix(rest) {
                self.problems.push(Problem::LeftQuoteApostrophe { at });
            }
            // Otherwise a letter such as the Hawaiian ʻokina (Hawai‘i): not a quotation mark.
            return;
        }
        if position == Flank::Opening && is_elided_year(rest) {
            self.problems.push(Problem::LeftQuoteApostrophe { at });
            return;
        }
        if position == Flank::Closing {
            if self.innermost_quote() == Some(Pair::Single) {
                self.problems.push(Problem::WrongDirection {
                    at,
                    mark: c,
                    expected: '’',
                });
                self.close(&[Pair::Single], at, c, block);
                return;
            }
            if matches!(prev, Some('s' | 'S')) {
                // "the Parties‘ views": a plural possessive written with the wrong mark.
                self.problems.push(Problem::LeftQuoteApostrophe { at });
                return;
            }
        }
        self.stack.push(Open {
            pair: Pair::Single,
            at,
            mark: c,
            block,
        });
    }

    fn angle(
        &mut self,
        c: char,
        at: usize,
        span: TextRange,
        block: usize,
        prev: Option<char>,
        next: Option<char>,
    ) {
        let arrow = |x: Option<char>| matches!(x, Some('-' | '=' | '<' | '>'));
        if arrow(prev) || arrow(next) {
            return; // <=, ->, <<, =>
        }
        let after = self.text[at + 1..span.end].trim_start();
        let before = self.text[span.start..at].trim_end();
        let next_word = after.chars().next();
        if next_word.is_some_and(|n| {
            n.is_ascii_digit() || matches!(n, '$' | '€' | '£' | '¥' | '%' | '+' | '±' | '.')
        }) {
            return; // "< 5 per cent", ">2°C"
        }
        let spaced = prev.is_some_and(char::is_whitespace) && next.is_some_and(char::is_whitespace);
        if spaced && !after.is_empty() && !before.is_empty() {
            return; // "x < y": an operator between two terms
        }
        if c == '<' {
            self.angles.push(Open {
                pair: Pair::Angle,
                at,
                mark: c,
                block,
            });
        } else if self.angles.pop().is_none() {
            // A quoting marker at the start of a line ("> text") is not a bracket.
            let line_start = self.text[..at].rfind('\n').map_or(0, |p| p + 1);
            if self.text[line_start..at].trim().is_empty() && next == Some(' ') {
                return;
            }
            self.problems.push(Problem::Stray { at, mark: c, block });
        }
    }

    /// Index in the stack of the innermost open mark of one of `pairs`.
    fn innermost(&self, pairs: &[Pair]) -> Option<usize> {
        self.stack.iter().rposition(|o| pairs.contains(&o.pair))
    }

    fn innermost_quote(&self) -> Option<Pair> {
        self.stack
            .iter()
            .rev()
            .find(|o| o.pair.is_quote())
            .map(|o| o.pair)
    }

    /// Closes the innermost open mark of `pairs`: marks opened after it and still open are
    /// reported as not closed before this one; with nothing to close, the mark is stray.
    fn close(&mut self, pairs: &[Pair], at: usize, mark: char, block: usize) {
        match self.innermost(pairs) {
            Some(index) => {
                for open in self.stack.drain(index + 1..) {
                    self.problems.push(Problem::Unclosed {
                        open,
                        before: Some((at, mark)),
                        last_block: block,
                    });
                }
                self.stack.pop();
            }
            None => self.problems.push(Problem::Stray { at, mark, block }),
        }
    }
}

fn char_span(text: &str, at: usize) -> TextRange {
    let len = text[at..].chars().next().map_or(1, char::len_utf8);
    TextRange::new(at, at + len)
}

fn opener_of(mark: char, style: Style) -> &'static str {
    match mark {
        ')' => "(",
        ']' => "[",
        '}' => "{",
        '」' => "「",
        '』' => "『",
        '）' => "（",
        '】' => "【",
        '>' => "<",
        '”' => "“ or „",
        '“' => "„",
        '’' => "‘",
        '‘' => "‚",
        '»' | '«' if style.reversed_guillemets => "»",
        '»' | '«' => "«",
        '›' | '‹' if style.reversed_guillemets => "›",
        '›' | '‹' => "‹",
        '"' => "\"",
        _ => "opening mark",
    }
}

fn diagnostic(doc: &Document, style: Style, problem: Problem) -> Diagnostic {
    let text = doc.text();
    match problem {
        Problem::Unclosed {
            open,
            before,
            last_block,
        } => {
            let span = char_span(text, open.at);
            let closer = open.pair.closer(style);
            if open.pair == Pair::Angle {
                return Diagnostic::new(
                    RULE.name,
                    span,
                    "Stray < has no closing >: left-over markup?",
                )
                .with_fix(Fix::unsafe_(
                    "Remove the stray <",
                    remove_mark(doc, span, open.block),
                ));
            }
            let message = match before {
                Some((_, enclosing)) => format!(
                    "Opening {} is not closed before {enclosing}: expected {closer}",
                    open.mark
                ),
                None if last_block != open.block => format!(
                    "Opening {} is never closed: the quotation runs on to line {} without a closing {closer}",
                    open.mark,
                    doc.line_number(doc.blocks()[last_block].span.start)
                ),
                None if open.pair.is_quote() => format!(
                    "Opening {} has no closing {closer} in its paragraph (a quotation that continues repeats {} at the start of the next paragraph)",
                    open.mark, open.mark
                ),
                None => format!(
                    "Opening {} is never closed: expected {closer} before the end of the paragraph",
                    open.mark
                ),
            };
            let mut diagnostic = Diagnostic::new(RULE.name, span, message);
            if let Some((enclosing_at, enclosing)) = before {
                diagnostic = diagnostic.with_related(
                    char_span(text, enclosing_at),
                    format!("{enclosing} closes here"),
                );
            } else if last_block != open.block {
                diagnostic = diagnostic.with_related(
                    doc.blocks()[last_block].span,
                    "the quotation's last paragraph",
                );
            }
            let (insert_at, obvious) = closing_position(doc, &open, before, last_block);
            let title = format!("Insert the missing {closer}");
            let edits = vec![Edit::insert(insert_at, closer.to_string())];
            diagnostic.with_fix(if obvious {
                Fix::unsafe_(title, edits)
            } else {
                Fix::display_only(title, edits)
            })
        }
        Problem::Stray { at, mark, block } => {
            let span = char_span(text, at);
            Diagnostic::new(
                RULE.name,
                span,
                format!(
                    "Closing {mark} has no opening {} before it in its paragraph",
                    opener_of(mark, style)
                ),
            )
            .with_fix(Fix::unsafe_(
                format!("Remove the stray {mark}"),
                remove_mark(doc, span, block),
            ))
        }
        Problem::WrongDirection { at, mark, expected } => {
            let span = char_span(text, at);
            let role = if matches!(expected, '”' | '’') {
                "closing"
            } else {
                "opening"
            };
            Diagnostic::new(
                RULE.name,
                span,
                format!("{mark} is turned the wrong way: expected the {role} mark {expected}"),
            )
            .with_fix(Fix::unsafe_(
                format!("Replace {mark} with {expected}"),
                vec![Edit::replace(span, expected.to_string())],
            ))
        }
        Problem::LeftQuoteApostrophe { at } => {
            let span = char_span(text, at);
            Diagnostic::new(
                RULE.name,
                span,
                "Left quote ‘ used as an apostrophe: expected ’",
            )
            .with_fix(Fix::safe(
                "Replace ‘ with the apostrophe ’",
                vec![Edit::replace(span, "’")],
            ))
        }
    }
}

/// Deletes a stray mark: the whole paragraph when the mark is all there is, otherwise the mark
/// and one of the spaces around it when it stands between two spaces.
fn remove_mark(doc: &Document, span: TextRange, block: usize) -> Vec<Edit> {
    let text = doc.text();
    let block = doc.blocks()[block];
    if block.span == span {
        return vec![Edit::delete(doc.removal_span(&block))];
    }
    let space_before = text[..span.start].ends_with(' ');
    let space_after = text[span.end..].starts_with(' ');
    let line_start = span.start == block.span.start;
    let range = if space_after && (space_before || line_start) {
        TextRange::new(span.start, span.end + 1)
    } else if space_before && span.end == block.span.end {
        TextRange::new(span.start - 1, span.end)
    } else {
        span
    };
    vec![Edit::delete(range)]
}

/// Where the missing closing mark of `open` belongs, and whether that place is obvious.
fn closing_position(
    doc: &Document,
    open: &Open,
    before: Option<(usize, char)>,
    last_block: usize,
) -> (usize, bool) {
    let text = doc.text();
    let terminal = |c: char| matches!(c, '.' | '!' | '?' | ';' | ':' | ',');
    if let Some((enclosing_at, _)) = before {
        let end = text[..enclosing_at].trim_end().len().max(open.at + 1);
        let inside = &text[open.at..end];
        return (end, !open.pair.is_quote() && is_short_plain_aside(inside));
    }
    if last_block != open.block {
        let span = doc.blocks()[last_block].span;
        return (span.end, false);
    }
    let block = doc.blocks()[open.block];
    let sentence = sentences(text, block.span)
        .into_iter()
        .find(|s| s.start <= open.at && open.at < s.end)
        .unwrap_or(block.span);
    let slice = &text[open.at..sentence.end];
    let body = slice.trim_end_matches(terminal);
    let whole_sentence_quoted = open.pair.is_quote() && open.at == sentence.start;
    let end = if whole_sentence_quoted {
        sentence.end
    } else {
        open.at + body.len()
    };
    let obvious =
        !open.pair.is_quote() && is_short_plain_aside(&text[open.at..open.at + body.len()]);
    (end, obvious)
}

/// "(AU": an opening bracket and a few words with no punctuation or other marks of their own.
fn is_short_plain_aside(inside: &str) -> bool {
    let mut chars = inside.chars();
    chars.next();
    let body = chars.as_str();
    let words = body.split_whitespace().count();
    (1..=6).contains(&words)
        && !body.contains(|c: char| {
            c.is_ascii_punctuation() && c != '\'' && c != '-' && c != '/'
                || matches!(
                    c,
                    '“' | '”'
                        | '‘'
                        | '«'
                        | '»'
                        | '„'
                        | '‚'
                        | '‹'
                        | '›'
                        | '「'
                        | '」'
                        | '『'
                        | '』'
                        | '（'
                        | '）'
                        | '【'
                        | '】'
                        | '…'
                )
        })
}

#[cfg(test)]
mod tests {
    use super::{INTERESTING, next_interesting};
    use crate::config::Settings;
    use crate::diagnostic::Applicability;
    use crate::document::{Document, DocumentKind};
    use crate::fix::fix_document;
    use crate::lint::lint;

    #[test]
    fn chunked_skip_stops_exactly_where_the_table_says() {
        // Every byte value, alone in a chunk of filler and at every place in it.
        for value in 0..=255u8 {
            for place in 0..40 {
                let mut bytes = vec![b'a'; 40];
                bytes[place] = value;
                let expected = if INTERESTING[value as usize] {
                    place
                } else {
                    40
                };
                assert_eq!(next_interesting(&bytes, 0, 40), expected, "byte {value:#x}");
            }
        }
        // Mixed text from any start to any end: the first interesting byte, as a plain loop.
        let text = "Заявление (см. «текст») — the “Parties’” [ref] {x} <b> 'a' \"q\" 中文（注）"
            .as_bytes();
        for from in 0..text.len() {
            for end in from..=text.len() {
                let naive = (from..end)
                    .find(|&i| INTERESTING[text[i] as usize])
                    .unwrap_or(end);
                assert_eq!(next_interesting(text, from, end), naive);
            }
        }
    }

    /// (the source with the flagged span in ⟦ ⟧, message) for each finding.
    fn findings(source: &str) -> Vec<(String, String)> {
        findings_in(source, DocumentKind::Plain)
    }

    fn findings_in(source: &str, kind: DocumentKind) -> Vec<(String, String)> {
        let doc = Document::new(source, kind);
        lint(&doc, &Settings::default())
            .into_iter()
            .filter(|d| d.rule == "unbalanced-delimiter")
            .map(|d| {
                let marked = format!(
                    "{}⟦{}⟧{}",
                    &source[..d.span.start],
                    d.span.slice(source),
                    &source[d.span.end..]
                );
                (marked, d.message)
            })
            .collect()
    }

    fn marks(source: &str) -> Vec<String> {
        findings(source).into_iter().map(|(at, _)| at).collect()
    }

    fn clean(source: &str) {
        let found = findings(source);
        assert!(found.is_empty(), "{source:?} → {found:?}");
    }

    #[test]
    fn english_quotes_and_apostrophes() {
        clean("Russia’s war, the States’ policy, the ’90s and rock ’n’ roll.");
        clean("We launch a ‘Strategic Energy Dialogue’, led by the “United States’ envoy”.");
        clean("The ‘States’ policy’ and the Parties’ ‘last mile’ delivery.");
        clean("She said: “We call it the ‘Fund’.” Then she left.");
        assert_eq!(
            marks("the AU theme of the year 2022: Strengthening Development.” We take note."),
            ["the AU theme of the year 2022: Strengthening Development.⟦”⟧ We take note."]
        );
        assert_eq!(
            marks("We welcome the “Global Alliance for Food Security. Next sentence."),
            ["We welcome the ⟦“⟧Global Alliance for Food Security. Next sentence."]
        );
    }

    #[test]
    fn left_quote_used_as_an_apostrophe() {
        assert_eq!(
            findings("measures on Russia‘s economy and the (IEA)‘s report, the ‘90s."),
            [
                (
                    "measures on Russia⟦‘⟧s economy and the (IEA)‘s report, the ‘90s.".to_string(),
                    "Left quote ‘ used as an apostrophe: expected ’".to_string()
                ),
                (
                    "measures on Russia‘s economy and the (IEA)⟦‘⟧s report, the ‘90s.".to_string(),
                    "Left quote ‘ used as an apostrophe: expected ’".to_string()
                ),
                (
                    "measures on Russia‘s economy and the (IEA)‘s report, the ⟦‘⟧90s.".to_string(),
                    "Left quote ‘ used as an apostrophe: expected ’".to_string()
                ),
            ]
        );
        clean("the islands of Hawai‘i and O‘ahu");
        clean("Prime Minister Siaosi ‘Ofakivahafolau Sovaleni of Tonga");
        clean("Prime Minister Siaosi 'Ofakivahafolau Sovaleni of Tonga");
        assert_eq!(
            marks("We launched the ‘Fund for recovery."),
            ["We launched the ⟦‘⟧Fund for recovery."]
        );
    }

    #[test]
    fn wrong_direction_quotes() {
        assert_eq!(
            findings("the “Fund“ is new.")[0].1,
            "“ is turned the wrong way: expected the closing mark ”"
        );
        assert_eq!(
            findings("The “Bank” and the ”Fund” are new."),
            [(
                "The “Bank” and the ⟦”⟧Fund” are new.".to_string(),
                "” is turned the wrong way: expected the opening mark “".to_string()
            )]
        );
        // A draft with no “ at all quotes Swedish style: ” … ”.
        clean("Hon sa ”ja” och gick.");
    }

    #[test]
    fn german_russian_and_french_quotes() {
        clean("Er sagte: „Das ist gut.“ Dann ging er.");
        clean("Sie nannte es ‚klein‘ und „fein“.");
        clean("Он сказал: «Это „хорошо“».");
        clean("Il a dit « c’est bien » et « voilà ».");
        clean("Er las »Die Zeit« und ›Der Spiegel‹ gern.");
        clean("Polska: „tekst” i dalej.");
        assert_eq!(
            marks("Er sagte: „Das ist gut. Dann ging er."),
            ["Er sagte: ⟦„⟧Das ist gut. Dann ging er."]
        );
        assert_eq!(
            findings("Er sagte: „Gut.“ Das ist gut.“ Dann ging er."),
            [(
                "Er sagte: „Gut.“ Das ist gut.⟦“⟧ Dann ging er.".to_string(),
                "Closing “ has no opening „ before it in its paragraph".to_string()
            )]
        );
        assert_eq!(
            marks("Il a dit « c’est bien et voilà."),
            ["Il a dit ⟦«⟧ c’est bien et voilà."]
        );
        assert_eq!(
            marks("Он сказал: Это хорошо»."),
            ["Он сказал: Это хорошо⟦»⟧."]
        );
    }

    #[test]
    fn cjk_brackets() {
        clean("「上海合作組織」と『声明』を採択した。");
        assert_eq!(
            marks("「上海合作組織と声明を採択した。"),
            ["⟦「⟧上海合作組織と声明を採択した。"]
        );
        assert_eq!(marks("上海合作組織」と声明"), ["上海合作組織⟦」⟧と声明"]);
        assert_eq!(
            marks("「上海『合作」組織』"),
            ["「上海⟦『⟧合作」組織』", "「上海『合作」組織⟦』⟧"]
        );
        clean("会议（北京）通过了【决议】。");
    }

    #[test]
    fn brackets_nest_and_close_within_their_paragraph() {
        clean("The Council (see resolution 2231 (2015) [annex {B}]) decided.");
        assert_eq!(
            marks("The African Union (AU. Next."),
            ["The African Union ⟦(⟧AU. Next."]
        );
        assert_eq!(marks("The Union (AU)) met."), ["The Union (AU)⟦)⟧ met."]);
        assert_eq!(
            findings("The (see [annex) text] here.")
                .into_iter()
                .map(|f| f.1)
                .collect::<Vec<_>>(),
            [
                "Opening [ is not closed before ): expected ]",
                "Closing ] has no opening [ before it in its paragraph"
            ]
        );
        // A bracket left open at the end of a paragraph does not close in the next one.
        assert_eq!(
            marks("Text (first\n\nsecond) text."),
            [
                "Text ⟦(⟧first\n\nsecond) text.",
                "Text (first\n\nsecond⟦)⟧ text."
            ]
        );
    }

    #[test]
    fn enumerators_close_nothing() {
        clean("The areas are: 1) maritime cooperation, 2) connectivity, 3) the 2030 Agenda.");
        clean("Priorities include i) the Fund, ii) the Vision for Crops and iii) a G7 initiative.");
        clean("a) first item;");
        clean("The texts (NPT/CONF.2010/50 (Vol. I) and NPT/CONF.1995/32 (Part I)) apply.");
        clean("Work (including i) health, ii) energy) continues.");
        clean("[on the report of the First Committee (A/80/L.6)]");
        clean("(a) To take measures; (b) To seek advice (see para. 5 (c)).");
    }

    #[test]
    fn straight_quotes_pair_by_position() {
        clean("He said \"yes\" and \"no\", a 12\" screen and Belarus' role in the '90s.");
        clean("Il a dit 'oui' et 'non'.");
        assert_eq!(
            marks("He said \"yes and left."),
            ["He said ⟦\"⟧yes and left."]
        );
        assert_eq!(
            marks("He said yes\" and left."),
            ["He said yes⟦\"⟧ and left."]
        );
        assert_eq!(
            marks("He said 'yes and left."),
            ["He said ⟦'⟧yes and left."]
        );
    }

    #[test]
    fn stray_angle_brackets() {
        assert_eq!(marks("Text.\n\n<"), ["Text.\n\n⟦<⟧"]);
        clean("the <b>bold</b> text");
        assert_eq!(marks("a broken tag</p here."), ["a broken tag⟦<⟧/p here."]);
        assert_eq!(marks("debris p> here."), ["debris p⟦>⟧ here."]);
        clean("emissions < 5 per cent, >2°C, A -> B, x <= y, a < b");
        clean("> quoted line in an e-mail");
    }

    #[test]
    fn quotations_over_several_paragraphs_repeat_the_opening_mark() {
        clean(
            "“The first paragraph of the quotation.\n\n“The second paragraph.\n\n“The last one.”\n",
        );
        clean("- “First item of the quote\n\n- “and its end.”\n");
        let found = findings("“The first paragraph.\n\n“The second paragraph.\n\nPlain text.\n");
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].0,
            "⟦“⟧The first paragraph.\n\n“The second paragraph.\n\nPlain text.\n"
        );
        assert!(found[0].1.contains("runs on to line 3"), "{}", found[0].1);
        assert_eq!(
            marks("“The first paragraph.\n\nPlain text here.\n"),
            ["⟦“⟧The first paragraph.\n\nPlain text here.\n"]
        );
    }

    #[test]
    fn markdown_code_and_markup_are_not_checked() {
        let source = "# Title\n\nSee `f(x` and [the link](http://x.org/(a)) here.\n\n```\n(\n```\n\n<div>“</div>\n";
        let found = findings_in(source, DocumentKind::Markdown);
        assert!(found.is_empty(), "{found:?}");
        let source = "Some *emphasis (with a bracket* only.\n";
        assert_eq!(findings_in(source, DocumentKind::Markdown).len(), 1);
    }

    fn fixed(source: &str, threshold: Applicability) -> String {
        // This rule's fixes alone: other families' (expanding "AU") are not under test here.
        let mut settings = Settings::default();
        settings.select(&["unbalanced-delimiter".to_string()]);
        let outcome = fix_document(source, DocumentKind::Plain, &settings, threshold);
        assert!(outcome.converged);
        assert!(
            outcome
                .remaining
                .iter()
                .filter(|d| d.rule == "unbalanced-delimiter")
                .all(|d| d.best_fix(threshold).is_none()),
            "{:?}",
            outcome.remaining
        );
        outcome.text
    }

    #[test]
    fn fixes_touch_only_the_mark() {
        assert_eq!(
            fixed("Measures on Russia‘s economy.\n", Applicability::Safe),
            "Measures on Russia’s economy.\n"
        );
        assert_eq!(
            fixed(
                "Food Security.” We take note.\n\nNext (AU.\n\n<",
                Applicability::Unsafe
            ),
            "Food Security. We take note.\n\nNext (AU)."
        );
        assert_eq!(
            fixed(
                "A stray ) here and a “Fund“ there.\n",
                Applicability::Unsafe
            ),
            "A stray here and a “Fund” there.\n"
        );
        // Display-only: only a human knows where the quotation ends.
        assert_eq!(
            fixed(
                "We welcome the “Global Alliance, and more. Next.\n",
                Applicability::Unsafe
            ),
            "We welcome the “Global Alliance, and more. Next.\n"
        );
    }
}
