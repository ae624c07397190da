//! Markdown → blocks with pulldown-cmark. Only prose is linted: code (fenced, indented, inline),
//! HTML, front matter and link destinations are blanked out of the text the rules read.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::diagnostic::TextRange;
use crate::document::{Block, BlockKind};
use crate::suppress::Suppressions;

pub struct Parsed {
    pub masked: String,
    pub blocks: Vec<Block>,
    pub suppressions: Suppressions,
}

struct Frame {
    container: Container,
    /// First and last prose byte seen directly in this frame.
    prose: Option<TextRange>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Container {
    Paragraph,
    Heading,
    Item,
    TableCell,
    BlockQuote,
    /// Code blocks, front matter and anything else whose text is never prose.
    Opaque,
    Other,
}

pub fn parse(source: &str) -> Parsed {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS;
    let mut masked: Vec<u8> = source
        .bytes()
        .map(|b| if b == b'\n' || b == b'\r' { b } else { b' ' })
        .collect();
    let mut blocks = Vec::new();
    let mut suppressions = Suppressions::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut opaque_depth = 0usize;

    for (event, range) in Parser::new_ext(source, options).into_offset_iter() {
        match event {
            Event::Start(tag) => {
                let container = match tag {
                    Tag::Paragraph => Container::Paragraph,
                    Tag::Heading { .. } => Container::Heading,
                    Tag::Item => Container::Item,
                    Tag::TableCell => Container::TableCell,
                    Tag::BlockQuote(_) => Container::BlockQuote,
                    Tag::CodeBlock(_) | Tag::MetadataBlock(_) | Tag::HtmlBlock => Container::Opaque,
                    _ => Container::Other,
                };
                if container == Container::Opaque {
                    opaque_depth += 1;
                }
                stack.push(Frame {
                    container,
                    prose: None,
                });
            }
            Event::End(tag_end) => {
                let Some(frame) = stack.pop() else { continue };
                if frame.container == Container::Opaque {
                    opaque_depth -= 1;
                }
                if matches!(
                    tag_end,
                    TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::TableCell
                ) && let Some(span) = frame.prose
                {
                    let kind = block_kind(frame.container, &stack);
                    blocks.push(Block { kind, span });
                }
            }
            Event::Text(_) if opaque_depth == 0 => {
                masked[range.clone()].copy_from_slice(&source.as_bytes()[range.clone()]);
                let span = TextRange::new(range.start, range.end);
                if let Some(frame) = stack.iter_mut().rev().find(|f| {
                    matches!(
                        f.container,
                        Container::Paragraph
                            | Container::Heading
                            | Container::Item
                            | Container::TableCell
                    )
                }) {
                    frame.prose = Some(match frame.prose {
                        Some(prev) => TextRange::new(prev.start, span.end),
                        None => span,
                    });
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => suppressions.scan(&html, range.start),
            _ => {}
        }
    }
    blocks.sort_by_key(|b| b.span.start);
    let masked = String::from_utf8(masked)
        .unwrap_or_else(|_| unreachable!("only whole characters are copied"));
    Parsed {
        masked,
        blocks,
        suppressions,
    }
}

fn block_kind(container: Container, ancestors: &[Frame]) -> BlockKind {
    match container {
        Container::Heading => BlockKind::Heading,
        Container::Item => BlockKind::ListItem,
        Container::TableCell => BlockKind::TableCell,
        _ => match ancestors
            .iter()
            .rev()
            .find(|f| matches!(f.container, Container::Item | Container::BlockQuote))
        {
            Some(Frame {
                container: Container::Item,
                ..
            }) => BlockKind::ListItem,
            Some(_) => BlockKind::Quote,
            None => BlockKind::Paragraph,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks_of(source: &str) -> Vec<(BlockKind, String)> {
        let parsed = parse(source);
        parsed
            .blocks
            .iter()
            .map(|b| (b.kind, b.span.slice(&parsed.masked).to_string()))
            .collect()
    }

    #[test]
    fn headings_paragraphs_items_and_quotes_become_blocks() {
        let blocks =
            blocks_of("# Title\n\nA paragraph.\n\n- tight item\n- other\n\n> quoted text\n");
        let kinds: Vec<BlockKind> = blocks.iter().map(|b| b.0).collect();
        assert_eq!(
            kinds,
            [
                BlockKind::Heading,
                BlockKind::Paragraph,
                BlockKind::ListItem,
                BlockKind::ListItem,
                BlockKind::Quote
            ]
        );
        assert_eq!(blocks[4].1, "quoted text");
    }

    #[test]
    fn code_html_front_matter_and_links_are_never_prose() {
        let source = "---\ntitle: “x\n---\n\nSee [the text](http://x.org/(a)) and `code (` here.\n\n```\nfn (\n```\n\n<div>(</div>\n";
        let parsed = parse(source);
        assert_eq!(parsed.masked.len(), source.len());
        assert!(!parsed.masked.contains('('), "masked: {:?}", parsed.masked);
        assert!(!parsed.masked.contains('“'));
        assert!(parsed.masked.contains("the text"));
        assert_eq!(parsed.blocks.len(), 1);
    }

    #[test]
    fn block_offsets_point_into_the_source() {
        let source = "Intro line.\n\n* **Bold** start of item\n";
        let parsed = parse(source);
        let item = parsed.blocks[1];
        assert_eq!(item.span.slice(source), "Bold** start of item");
    }
}
