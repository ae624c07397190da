//! Code actions (each finding's fixes, "Disable RULE for this line", fix all) and hover. Edits
//! are the engine's, converted to LSP ranges and never adjusted here.

use std::collections::{HashMap, HashSet};

use similar::{ChangeTag, TextDiff};
use tower_lsp_server::ls_types::{self as lsp, CodeActionKind, CodeActionOrCommand, OneOf, Uri};

use super::analysis::{Linted, Locator, to_lsp};
use super::convert::{self, Encoding, Text};
use super::server::State;
use crate::diagnostic::{Applicability, Diagnostic, Edit, TextRange};
use crate::document::DocumentKind;
use crate::rules::{self, Family};
use crate::{fix, suppress};

pub fn fix_all_kind() -> CodeActionKind {
    CodeActionKind::new("source.fixAll.sherpa")
}

/// What the actions of one request are computed from: the draft's current results.
pub struct Context<'a> {
    pub state: &'a State,
    pub linted: &'a Linted,
    pub cross: &'a [Diagnostic],
    pub encoding: Encoding,
    /// The client takes versioned document edits.
    pub document_changes: bool,
}

pub fn code_actions(ctx: &Context<'_>, params: &lsp::CodeActionParams) -> lsp::CodeActionResponse {
    let linted = ctx.linted;
    let range = convert::text_range(&linted.rope, params.range, ctx.encoding);
    let wanted = |kind: &CodeActionKind| {
        params.context.only.as_ref().is_none_or(|only| {
            only.iter().any(|o| {
                kind.as_str() == o.as_str()
                    || kind
                        .as_str()
                        .strip_prefix(o.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
            })
        })
    };
    let mut actions = Vec::new();
    if wanted(&CodeActionKind::QUICKFIX) {
        let locator = Locator::new(ctx.state, linted, ctx.cross);
        let mut disabled: HashSet<(&str, usize)> = HashSet::new();
        let touched = linted
            .own
            .iter()
            .chain(ctx.cross)
            .filter(|d| d.span.start <= range.end && range.start <= d.span.end);
        for d in touched {
            let diagnostic = to_lsp(d, Text::Rope(&linted.rope), linted, &locator, ctx.encoding);
            for (index, fix) in d.fixes.iter().enumerate() {
                if fix.edits.is_empty() {
                    continue;
                }
                actions.push(action(
                    ctx,
                    fix.title.clone(),
                    CodeActionKind::QUICKFIX,
                    Some(diagnostic.clone()),
                    &fix.edits,
                    index == 0 && fix.applicability == Applicability::Safe,
                ));
            }
            let line = linted.doc.line_number(d.span.start);
            if linted.doc.kind() == DocumentKind::Markdown
                && disabled.insert((d.rule, line))
                && let Some(edit) =
                    suppress::disable_next_line_edit(&linted.doc, d.rule, d.span.start)
            {
                actions.push(action(
                    ctx,
                    format!("Disable {} for this line", d.rule),
                    CodeActionKind::QUICKFIX,
                    Some(diagnostic),
                    &[edit],
                    false,
                ));
            }
        }
    }
    if wanted(&fix_all_kind()) {
        let all: Vec<Diagnostic> = linted.own.iter().chain(ctx.cross).cloned().collect();
        let fixes = fix::select_fixes(linted.doc.source(), &all, Applicability::Safe);
        if !fixes.is_empty() {
            let edits: Vec<Edit> = fixes.iter().flat_map(|f| f.edits.clone()).collect();
            actions.push(action(
                ctx,
                format!(
                    "Fix all safe sherpa findings ({} {})",
                    fixes.len(),
                    if fixes.len() == 1 { "fix" } else { "fixes" }
                ),
                fix_all_kind(),
                None,
                &edits,
                false,
            ));
        }
    }
    actions
}

fn action(
    ctx: &Context<'_>,
    title: String,
    kind: CodeActionKind,
    diagnostic: Option<lsp::Diagnostic>,
    edits: &[Edit],
    preferred: bool,
) -> CodeActionOrCommand {
    CodeActionOrCommand::CodeAction(lsp::CodeAction {
        title,
        kind: Some(kind),
        diagnostics: diagnostic.map(|d| vec![d]),
        edit: Some(workspace_edit(ctx, edits)),
        is_preferred: preferred.then_some(true),
        ..lsp::CodeAction::default()
    })
}

fn workspace_edit(ctx: &Context<'_>, edits: &[Edit]) -> lsp::WorkspaceEdit {
    let text = Text::Rope(&ctx.linted.rope);
    let edits: Vec<lsp::TextEdit> = edits
        .iter()
        .map(|e| lsp::TextEdit::new(text.range(e.span, ctx.encoding), e.replacement.clone()))
        .collect();
    let uri: Uri = ctx.linted.uri.clone();
    if ctx.document_changes {
        lsp::WorkspaceEdit {
            document_changes: Some(lsp::DocumentChanges::Edits(vec![lsp::TextDocumentEdit {
                // The version the edits were computed for: the client refuses them if the
                // draft moved on.
                text_document: lsp::OptionalVersionedTextDocumentIdentifier {
                    uri,
                    version: Some(ctx.linted.version),
                },
                edits: edits.into_iter().map(OneOf::Left).collect(),
            }])),
            ..lsp::WorkspaceEdit::default()
        }
    } else {
        lsp::WorkspaceEdit {
            changes: Some(HashMap::from([(uri, edits)])),
            ..lsp::WorkspaceEdit::default()
        }
    }
}

/// The findings under the cursor: rule, message, what differs from the other copy (for the
/// duplicates family), and the rule's explanation.
pub fn hover(
    state: &State,
    linted: &Linted,
    cross: &[Diagnostic],
    position: lsp::Position,
    encoding: Encoding,
) -> Option<lsp::Hover> {
    let offset = convert::offset(&linted.rope, position, encoding);
    let hits: Vec<&Diagnostic> = linted
        .own
        .iter()
        .chain(cross)
        .filter(|d| d.span.start <= offset && (offset < d.span.end || d.span.is_empty()))
        .collect();
    let first = hits.first()?;
    let locator = Locator::new(state, linted, cross);
    let mut sections = Vec::new();
    for d in &hits {
        let mut section = format!("**{}** ({}): {}", d.rule, d.severity, escape(&d.message));
        let rule = rules::find(d.rule);
        if rule.is_some_and(|r| r.family == Family::Duplicates)
            && let Some(comparison) = compare_with_other_copy(linted, &locator, d)
        {
            section.push_str("\n\n");
            section.push_str(&comparison);
        }
        if let Some(rule) = rule {
            section.push_str("\n\n");
            section.push_str(&rule.documentation());
        }
        sections.push(section);
    }
    Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: sections.join("\n\n---\n\n"),
        }),
        range: Some(Text::Rope(&linted.rope).range(first.span, encoding)),
    })
}

/// The word diff between a duplicate and the copy its first related span points at.
fn compare_with_other_copy(linted: &Linted, locator: &Locator, d: &Diagnostic) -> Option<String> {
    let related = d.related.first()?;
    let (other_source, place) = match &related.path {
        None => (
            linted.doc.source(),
            format!("line {}", linted.doc.line_number(related.span.start)),
        ),
        Some(name) => (locator.source(name)?, format!("`{name}`")),
    };
    let other = slice(other_source, related.span)?;
    let this = slice(linted.doc.source(), d.span)?;
    if other == this {
        return Some(format!("Identical to the other copy ({place})."));
    }
    Some(format!(
        "Differences from the other copy ({place}): ~~removed~~ **added**\n\n> {}",
        word_diff(other, this)
    ))
}

fn slice(text: &str, span: TextRange) -> Option<&str> {
    text.get(span.start..span.end)
}

/// Markdown rendering of a word diff from `old` to `new`: deleted words struck through,
/// inserted words in bold, long unchanged stretches shortened to their ends.
pub fn word_diff(old: &str, new: &str) -> String {
    const KEEP: usize = 6;
    let diff = TextDiff::from_words(old, new);
    let mut runs: Vec<(ChangeTag, String)> = Vec::new();
    for change in diff.iter_all_changes() {
        match runs.last_mut() {
            Some((tag, text)) if *tag == change.tag() => text.push_str(change.value()),
            _ => runs.push((change.tag(), change.value().to_string())),
        }
    }
    let last = runs.len().saturating_sub(1);
    let mut out = String::new();
    for (index, (tag, text)) in runs.iter().enumerate() {
        match tag {
            ChangeTag::Equal => {
                let words: Vec<&str> = text.split_whitespace().collect();
                let lead = if text.starts_with(char::is_whitespace) {
                    " "
                } else {
                    ""
                };
                let trail = if text.ends_with(char::is_whitespace) {
                    " "
                } else {
                    ""
                };
                let head = if index == 0 { 0 } else { KEEP };
                let tail = if index == last { 0 } else { KEEP };
                if words.len() > head + tail + 2 {
                    out.push_str(lead);
                    if head > 0 {
                        out.push_str(&escape(&words[..head].join(" ")));
                        out.push(' ');
                    }
                    out.push('…');
                    if tail > 0 {
                        out.push(' ');
                        out.push_str(&escape(&words[words.len() - tail..].join(" ")));
                    }
                    out.push_str(trail);
                } else {
                    out.push_str(&escape(text));
                }
            }
            ChangeTag::Delete | ChangeTag::Insert => {
                let marker = if *tag == ChangeTag::Delete {
                    "~~"
                } else {
                    "**"
                };
                let trimmed = text.trim();
                if trimmed.is_empty() {
                    continue; // whitespace only
                }
                let lead = &text[..text.len() - text.trim_start().len()];
                let trail = &text[text.trim_end().len()..];
                let follows_change = index > 0 && runs[index - 1].0 != ChangeTag::Equal;
                if lead.is_empty() && follows_change && !out.ends_with(' ') {
                    out.push(' ');
                }
                out.push_str(lead);
                out.push_str(marker);
                out.push_str(&escape(trimmed));
                out.push_str(marker);
                out.push_str(trail);
            }
        }
    }
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '~' | '`' | '[' | ']' | '<' | '>' | '#' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_diff_marks_changed_words_only() {
        assert_eq!(
            word_diff(
                "The Parties will further strengthen coordination.",
                "The Parties will also strengthen coordination."
            ),
            "The Parties will ~~further~~ **also** strengthen coordination."
        );
        assert_eq!(
            word_diff("Russia*s role", "Russia*s new role"),
            "Russia\\*s **new** role"
        );
    }

    #[test]
    fn word_diff_shortens_long_unchanged_stretches() {
        let middle = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen";
        let old = format!("Alpha {middle} omega.");
        let new = format!("Beta {middle} omega!");
        let diff = word_diff(&old, &new);
        assert!(
            diff.starts_with("~~Alpha~~ **Beta** one two three four five six …"),
            "{diff}"
        );
        assert!(
            diff.contains("… ten eleven twelve thirteen fourteen fifteen "),
            "{diff}"
        );
        assert!(!diff.contains("seven"), "{diff}");
    }
}
