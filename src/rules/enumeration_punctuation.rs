use crate::clauses::enumeration::{Run, Scope, shared_runs};
use crate::clauses::lexis;
use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Edit, Fix, TextRange};
use crate::document::{BlockKind, Document};
use crate::rules::{Check, Context, NoOptions};

declare_rule! {
    /// ## What it does
    /// Compares how the items of one enumeration end: labelled paragraphs ("(a) …;", "1. …;"),
    /// list items, and inline runs ("(a) …; (b) …; and (c) …"). When most items end with ";"
    /// (or ",", or "." or no mark at all) and one ends otherwise, that item is reported. When the
    /// items end with ";" or "," and the last one does too although the sentence ends there,
    /// the last item is reported: it should end with ".".
    ///
    /// Items ending with ":" introduce sub-items and are not compared; a final "and" or "or"
    /// after the mark ("…; and") is ignored. Only clear majorities count: at least three items
    /// before the last, two thirds of them alike. The last item is only checked when the list
    /// is not nested in an outer enumeration and the next paragraph starts a new sentence.
    ///
    /// ## Why it matters
    /// UN and treaty style end every item but the last with a semicolon and the last with a
    /// full stop. A comma or a missing mark in a long list is how an item pasted from another
    /// draft shows; readers of operative text notice it.
    ///
    /// ## Example
    /// ```text
    /// (a) To take measures;
    /// (b) To seek advice,        <- ends with "," while the other items end with ";"
    /// (c) To cooperate;
    /// (d) To report back.
    /// ```
    ///
    /// ## Fix safety
    /// "Use the list's punctuation" is unsafe: it replaces (or adds) the item's final mark, which
    /// changes nothing else, but the odd item may be the one that is right.
    pub static RULE {
        name: "enumeration-punctuation",
        family: Clauses,
        severity: Hint,
        enabled: true,
        fix: Always,
        summary: "An item of an enumeration ends with other punctuation than its siblings",
        check: Check::Document(check),
        options: NoOptions,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ending {
    Semicolon,
    Comma,
    Period,
    Colon,
    /// No mark: a letter, a digit or a closing bracket.
    Bare,
    /// "!" or "?": never compared.
    Other,
}

impl Ending {
    fn mark(self) -> &'static str {
        match self {
            Ending::Semicolon => ";",
            Ending::Comma => ",",
            Ending::Period => ".",
            Ending::Colon => ":",
            Ending::Bare => "",
            Ending::Other => "?",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Ending::Semicolon => "“;”",
            Ending::Comma => "“,”",
            Ending::Period => "“.”",
            Ending::Colon => "“:”",
            Ending::Bare => "no punctuation",
            Ending::Other => "“?” or “!”",
        }
    }
}

/// One item's text and how it ends.
#[derive(Clone, Copy, Debug)]
struct Item {
    /// The item's last mark, or an empty range where it would go.
    mark: TextRange,
    ending: Ending,
}

struct Enumeration {
    items: Vec<Item>,
    /// Whether the last item may be checked: a list that is not nested and is followed by a
    /// new sentence.
    last_is_final: bool,
}

fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let doc = ctx.doc;
    let text = doc.text();
    let runs = shared_runs(doc);
    let mut labelled_blocks = vec![false; doc.blocks().len()];
    for run in runs.iter().filter(|r| r.scope == Scope::Blocks) {
        for item in &run.items {
            labelled_blocks[item.block] = true;
        }
    }
    let mut enumerations = Vec::new();
    for run in runs.iter() {
        match run.scope {
            Scope::Blocks => enumerations.push(block_enumeration(doc, run, &labelled_blocks)),
            Scope::Inline(block) => enumerations.push(inline_enumeration(doc, run, block)),
        }
    }
    bullet_enumerations(doc, &labelled_blocks, &mut enumerations);
    for enumeration in &enumerations {
        check_enumeration(text, enumeration, out);
    }
}

fn block_enumeration(doc: &Document, run: &Run, labelled: &[bool]) -> Enumeration {
    let text = doc.text();
    let items = run
        .items
        .iter()
        .map(|item| ending(text, doc.blocks()[item.block].span))
        .collect();
    let first = run.items[0].block;
    let last = run.items[run.items.len() - 1].block;
    Enumeration {
        items,
        last_is_final: is_final(doc, first, last, labelled),
    }
}

/// A list whose lead-in is not itself a labelled item, and after which comes a new sentence
/// (or nothing).
fn is_final(doc: &Document, first: usize, last: usize, labelled: &[bool]) -> bool {
    let text = doc.text();
    let nested =
        first > 0 && (labelled[first - 1] || doc.blocks()[first - 1].kind == BlockKind::ListItem);
    let next = doc.blocks().get(last + 1);
    // The next paragraph must be a sentence of its own: capitalised and closed by a full stop
    // ("Requesting …;" after "(h) …;" is an item whose label was lost).
    let continues = next.is_some_and(|b| {
        labelled[last + 1]
            || b.kind == BlockKind::ListItem
            || !b.span.slice(text).starts_with(|c: char| c.is_uppercase())
            || !matches!(ending(text, b.span).ending, Ending::Period | Ending::Other)
    });
    !nested && !continues
}

fn inline_enumeration(doc: &Document, run: &Run, block: usize) -> Enumeration {
    let text = doc.text();
    let block_end = doc.blocks()[block].span.end;
    let items = run
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let end = run
                .items
                .get(i + 1)
                .map_or(block_end, |next| next.label.span.start);
            ending(text, TextRange::new(item.label.span.end, end))
        })
        .collect();
    // The last item of an inline run runs on to the end of the paragraph: never checked.
    Enumeration {
        items,
        last_is_final: false,
    }
}

/// Runs of consecutive list items at the same indentation that carry no label of their own.
fn bullet_enumerations(doc: &Document, labelled: &[bool], out: &mut Vec<Enumeration>) {
    let text = doc.text();
    let blocks = doc.blocks();
    let column = |start: usize| start - text[..start].rfind('\n').map_or(0, |p| p + 1);
    let mut i = 0;
    while i < blocks.len() {
        if blocks[i].kind != BlockKind::ListItem || labelled[i] {
            i += 1;
            continue;
        }
        let indent = column(blocks[i].span.start);
        let mut j = i + 1;
        while j < blocks.len()
            && blocks[j].kind == BlockKind::ListItem
            && !labelled[j]
            && column(blocks[j].span.start) == indent
        {
            j += 1;
        }
        split_nested(doc, i, j, labelled, out);
        i = j;
    }
}

/// Zero-width characters web pages leave around text ("technology.\u{200b}").
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}'
    )
}

/// Bullets at one indentation may hold a flattened sub-list: an item ending with ":" opens
/// one, which runs to the next item ending with "." (the sub-list's last item). Each sub-list
/// is compared on its own, and so are the outer items.
fn split_nested(
    doc: &Document,
    from: usize,
    to: usize,
    labelled: &[bool],
    out: &mut Vec<Enumeration>,
) {
    let text = doc.text();
    let blocks = doc.blocks();
    let mut outer = Vec::new();
    let mut b = from;
    while b < to {
        let item = ending(text, blocks[b].span);
        outer.push(item);
        b += 1;
        if item.ending != Ending::Colon {
            continue;
        }
        let sub_start = b;
        while b < to {
            let sub = ending(text, blocks[b].span).ending;
            b += 1;
            if sub == Ending::Period {
                break;
            }
        }
        if b > sub_start {
            out.push(Enumeration {
                items: (sub_start..b)
                    .map(|x| ending(text, blocks[x].span))
                    .collect(),
                last_is_final: false,
            });
        }
    }
    out.push(Enumeration {
        items: outer,
        last_is_final: is_final(doc, from, to - 1, labelled),
    });
}

/// How the text of `span` ends, ignoring a final "and"/"or" and closing quotes or brackets
/// after the mark.
fn ending(text: &str, span: TextRange) -> Item {
    let trim = |s: &str| {
        s.trim_end_matches(|c: char| c.is_whitespace() || is_invisible(c))
            .len()
    };
    let mut slice = span.slice(text);
    slice = &slice[..trim(slice)];
    // A footnote number after the mark ("resolution 79/7;1", "2024/25; 4") belongs to the mark.
    let digits = slice.len() - slice.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if (1..=3).contains(&digits) {
        let before = slice[..slice.len() - digits].trim_end_matches(' ');
        if before.ends_with([';', ',', '.', ':']) {
            slice = before;
        }
    }
    for conjunction in ["and/or", "and", "or"] {
        let Some(cut) = slice.len().checked_sub(conjunction.len()) else {
            continue;
        };
        if slice.is_char_boundary(cut)
            && lexis::is(&slice[cut..], conjunction)
            && slice[..cut].ends_with(char::is_whitespace)
        {
            slice = &slice[..trim(&slice[..cut])];
            break;
        }
    }
    let end = span.start + slice.len();
    let mut chars = slice.char_indices().rev();
    let Some((last_at, last)) = chars.next() else {
        return Item {
            mark: TextRange::empty(end),
            ending: Ending::Other,
        };
    };
    let classify = |c: char| match c {
        ';' => Some(Ending::Semicolon),
        ',' => Some(Ending::Comma),
        '.' | '…' => Some(Ending::Period),
        ':' => Some(Ending::Colon),
        '!' | '?' => Some(Ending::Other),
        _ => None,
    };
    if let Some(ending) = classify(last) {
        return Item {
            mark: TextRange::new(span.start + last_at, end),
            ending,
        };
    }
    if matches!(last, '”' | '’' | '"' | '\'' | '»' | ')' | ']')
        && let Some((before_at, before)) = chars.next()
        && let Some(ending) = classify(before)
    {
        return Item {
            mark: TextRange::new(span.start + before_at, span.start + last_at),
            ending,
        };
    }
    Item {
        mark: TextRange::empty(end),
        ending: Ending::Bare,
    }
}

fn check_enumeration(text: &str, enumeration: &Enumeration, out: &mut Vec<Diagnostic>) {
    let Some((last, rest)) = enumeration.items.split_last() else {
        return;
    };
    let compared: Vec<&Item> = rest
        .iter()
        .filter(|i| !matches!(i.ending, Ending::Colon | Ending::Other))
        .collect();
    if compared.len() < 3 {
        return;
    }
    let count = |e: Ending| compared.iter().filter(|i| i.ending == e).count();
    let Some(majority) = [
        Ending::Semicolon,
        Ending::Comma,
        Ending::Period,
        Ending::Bare,
    ]
    .into_iter()
    .find(|&e| count(e) * 3 >= compared.len() * 2) else {
        return;
    };
    let majority_count = count(majority);
    for item in compared.iter().filter(|i| i.ending != majority) {
        // A full sentence among fragments is a matter of style, not a slip.
        if majority == Ending::Bare && item.ending == Ending::Period {
            continue;
        }
        out.push(
            Diagnostic::new(
                RULE.name,
                report_span(text, item),
                format!(
                    "Item ends with {} while {majority_count} of the {} items before the last end with {}",
                    item.ending.describe(),
                    compared.len(),
                    majority.describe()
                ),
            )
            .with_fix(replace_mark(item, majority)),
        );
    }
    if enumeration.last_is_final
        && matches!(majority, Ending::Semicolon | Ending::Comma)
        && last.ending == majority
    {
        out.push(
            Diagnostic::new(
                RULE.name,
                report_span(text, last),
                format!(
                    "The last item ends with {} although the enumeration ends here: expected “.”",
                    majority.describe()
                ),
            )
            .with_fix(replace_mark(last, Ending::Period)),
        );
    }
}

/// The mark itself, or the last character of the item when it has none.
fn report_span(text: &str, item: &Item) -> TextRange {
    if item.mark.is_empty() {
        let start = text[..item.mark.start]
            .char_indices()
            .next_back()
            .map_or(item.mark.start, |(i, _)| i);
        TextRange::new(start, item.mark.start)
    } else {
        item.mark
    }
}

fn replace_mark(item: &Item, ending: Ending) -> Fix {
    let title = if item.mark.is_empty() {
        format!("Add “{}”", ending.mark())
    } else {
        format!("Use “{}” like the other items", ending.mark())
    };
    Fix::unsafe_(title, vec![Edit::replace(item.mark, ending.mark())])
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;
    use crate::diagnostic::Applicability;
    use crate::document::{Document, DocumentKind};
    use crate::fix::fix_document;
    use crate::lint::lint;

    fn findings_in(source: &str, kind: DocumentKind) -> Vec<(String, String)> {
        let doc = Document::new(source, kind);
        lint(&doc, &Settings::default())
            .into_iter()
            .filter(|d| d.rule == "enumeration-punctuation")
            .map(|d| {
                let line_start = source[..d.span.start].rfind('\n').map_or(0, |p| p + 1);
                (
                    format!(
                        "{}⟦{}⟧",
                        &source[line_start..d.span.start],
                        d.span.slice(source)
                    ),
                    d.message,
                )
            })
            .collect()
    }

    fn findings(source: &str) -> Vec<(String, String)> {
        findings_in(source, DocumentKind::Plain)
    }

    fn flagged(source: &str) -> Vec<String> {
        findings(source).into_iter().map(|f| f.0).collect()
    }

    fn clean(source: &str) {
        let found = findings(source);
        assert!(found.is_empty(), "{source:?} → {found:?}");
    }

    const LIST: &str = "The Council decides:\n\n(a) To take measures;\n\n(b) To seek advice,\n\n(c) To cooperate;\n\n(d) To share data; and\n\n(e) To report back.\n\nIt remains seized of the matter.\n";

    #[test]
    fn an_item_that_ends_otherwise_is_reported() {
        assert_eq!(
            findings(LIST),
            [(
                "(b) To seek advice⟦,⟧".to_string(),
                "Item ends with “,” while 3 of the 4 items before the last end with “;”"
                    .to_string()
            )]
        );
        assert_eq!(
            flagged("Areas:\n\n- trade;\n\n- energy;\n\n- health\n\n- space;\n\n- oceans.\n"),
            ["- healt⟦h⟧"]
        );
    }

    #[test]
    fn the_last_item_should_close_the_sentence() {
        assert_eq!(
            findings(
                "Leaders agreed to:\n\n- trade;\n\n- energy;\n\n- health;\n\n- oceans;\n\nThe next summit is in May.\n"
            ),
            [(
                "- oceans⟦;⟧".to_string(),
                "The last item ends with “;” although the enumeration ends here: expected “.”"
                    .to_string()
            )]
        );
        // Nested in a numbered paragraph that goes on: the ";" is right.
        clean(
            "1. Decides:\n\n(a) x;\n\n(b) y;\n\n(c) z;\n\n(d) w;\n\n2. Requests the Secretary-General to report.\n",
        );
        // The sentence continues after the list.
        clean("We will:\n\n- trade;\n\n- build;\n\n- share;\n\n- meet;\n\nand report back.\n");
        // The next paragraph is another item that lost its label.
        clean(
            "Decides:\n\n(a) x;\n\n(b) y;\n\n(c) z;\n\n(d) w;\n\nRequesting the Office to act;\n\n2. Notes it.\n",
        );
    }

    #[test]
    fn footnote_numbers_and_invisible_characters_are_ignored() {
        clean(
            "1. Takes note of the report;1\n\n2. Welcomes it; 4\n\n3. Notes it;\n\n4. Decides it;\u{200b}\n\n5. Ends.\n",
        );
    }

    #[test]
    fn flattened_sub_lists_are_compared_on_their_own() {
        clean(
            "- We cooperate.\n\n- We trade.\n\n- We note these deals:\n\n- Purchases of corn;\n\n- Purchases of gas; and\n\n- Aircraft.\n\n- We meet.\n\n- We part.\n",
        );
        assert_eq!(
            flagged(
                "- We cooperate.\n\n- We trade\n\n- We note these deals:\n\n- Purchases of corn;\n\n- Purchases of gas; and\n\n- Aircraft.\n\n- We meet.\n\n- We part.\n"
            ),
            ["- We trad⟦e⟧"]
        );
    }

    #[test]
    fn consistent_and_unclear_lists_are_left_alone() {
        clean(LIST.replace("advice,", "advice;").as_str());
        clean("(a) x;\n\n(b) y,\n\n(c) z.\n");
        clean("- Trade\n\n- Energy\n\n- A full sentence here.\n\n- Health\n\n- Oceans\n");
        clean("1. Decides:\n\n(a) x;\n\n2. Requests y;\n\n3. Invites z;\n\n4. Decides w.\n");
    }

    #[test]
    fn inline_enumerations_and_markdown_lists() {
        assert_eq!(
            flagged("We will (a) trade; (b) build; (c) share, (d) meet; and (e) report back."),
            ["We will (a) trade; (b) build; (c) share⟦,⟧"]
        );
        let found = findings_in(
            "Steps:\n\n1. Trade;\n2. Energy;\n3. Health\n4. Space;\n5. Oceans.\n",
            DocumentKind::Markdown,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "3. Healt⟦h⟧");
    }

    #[test]
    fn fix_converges_and_touches_only_the_mark() {
        let outcome = fix_document(
            LIST,
            DocumentKind::Plain,
            &Settings::default(),
            Applicability::Unsafe,
        );
        assert!(outcome.converged);
        assert_eq!(outcome.text, LIST.replace("advice,", "advice;"));
        let source = "Leaders agreed to:\n\n- trade;\n\n- energy;\n\n- health\n\n- space;\n\n- oceans;\n\nThe next summit is in May.\n";
        let outcome = fix_document(
            source,
            DocumentKind::Plain,
            &Settings::default(),
            Applicability::Unsafe,
        );
        assert_eq!(
            outcome.text,
            source
                .replace("health\n", "health;\n")
                .replace("oceans;", "oceans.")
        );
        assert!(
            outcome
                .remaining
                .iter()
                .all(|d| d.rule != "enumeration-punctuation")
        );
    }
}
