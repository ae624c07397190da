//! The rule registry: one table, one line per rule.

use std::any::Any;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::config::Settings;
use crate::diagnostic::{Diagnostic, Severity};
use crate::document::{Block, Document, DocumentKind};

pub mod acronym_before_definition;
pub mod acronym_redefined;
pub mod acronym_undefined;
pub mod cross_draft_duplicate;
pub mod defined_term_case;
pub mod duplicate_paragraph;
pub mod duplicate_sentence;
pub mod enumeration_gap;
pub mod enumeration_punctuation;
pub mod near_duplicate_paragraph;
pub mod org_name_variant;
pub mod unagreed_text;
pub mod unbalanced_correlative;
pub mod unbalanced_delimiter;

/// Every rule sherpa knows, in the order `sherpa rules` lists them.
pub static RULES: &[&RuleMeta] = &[
    &duplicate_paragraph::RULE,
    &near_duplicate_paragraph::RULE,
    &duplicate_sentence::RULE,
    &cross_draft_duplicate::RULE,
    &org_name_variant::RULE,
    &acronym_undefined::RULE,
    &acronym_before_definition::RULE,
    &acronym_redefined::RULE,
    &defined_term_case::RULE,
    &unbalanced_delimiter::RULE,
    &unbalanced_correlative::RULE,
    &enumeration_gap::RULE,
    &enumeration_punctuation::RULE,
    &unagreed_text::RULE,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    Duplicates,
    Names,
    Clauses,
}

impl Family {
    pub const ALL: [Family; 3] = [Family::Duplicates, Family::Names, Family::Clauses];

    pub fn as_str(self) -> &'static str {
        match self {
            Family::Duplicates => "duplicates",
            Family::Names => "names",
            Family::Clauses => "clauses",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixAvailability {
    None,
    Sometimes,
    Always,
}

impl FixAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::None => "none",
            FixAvailability::Sometimes => "sometimes",
            FixAvailability::Always => "always",
        }
    }
}

/// What a rule looks at.
#[derive(Clone, Copy)]
pub enum Check {
    /// One draft at a time.
    Document(fn(&Context<'_>, &mut Vec<Diagnostic>)),
    /// One block (paragraph, heading, list item…) at a time, independently of the rest of the
    /// draft: the findings of a block depend only on its own text, so the language server keeps
    /// them by content hash and re-checks only the blocks an edit touched. The check reads
    /// `ctx.text` only inside `ctx.block.span`, and every span it reports (finding, related,
    /// fix edits) lies inside that span; the engine drops findings that do not.
    Block(fn(&BlockContext<'_>, &mut Vec<Diagnostic>)),
    /// A [`Check::Block`] rule that may also read the block after its own (`ctx.next`), e.g. for
    /// a phrase answered in the next sentence, which may open the next paragraph. Results are
    /// kept by the content of both blocks; spans still lie inside the rule's own block.
    BlockAndNext(fn(&BlockContext<'_>, &mut Vec<Diagnostic>)),
    /// All drafts of one run together (cross-draft rules); `out[i]` receives findings of `docs[i]`.
    Workspace(fn(&[WorkspaceDoc<'_>], &RuleMeta, &mut [Vec<Diagnostic>])),
}

pub struct RuleMeta {
    /// Stable kebab-case name used in configuration, suppressions and output.
    pub name: &'static str,
    pub family: Family,
    pub default_severity: Severity,
    pub enabled_by_default: bool,
    pub fix: FixAvailability,
    /// One line for listings.
    pub summary: &'static str,
    /// The rule's doc comment: What it does / Why it matters / Example / Fix safety.
    pub doc: &'static str,
    pub check: Check,
    /// Validates the rule's `[rules.NAME]` options (all but `severity`) and keeps them typed.
    pub parse_options: fn(toml::Table) -> Result<Arc<dyn Any + Send + Sync>, String>,
}

impl std::fmt::Debug for RuleMeta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleMeta")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl RuleMeta {
    /// The documentation as written, without the doc-comment indentation.
    pub fn documentation(&self) -> String {
        self.doc
            .lines()
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Rule options: a serde struct with `deny_unknown_fields` and defaults for every field.
pub fn parse_options<T: DeserializeOwned + Send + Sync + 'static>(
    table: toml::Table,
) -> Result<Arc<dyn Any + Send + Sync>, String> {
    let options: T = toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| e.message().to_string())?;
    Ok(Arc::new(options))
}

/// Options of a rule that takes none (only `severity`).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoOptions {}

pub fn find(name: &str) -> Option<&'static RuleMeta> {
    RULES.iter().copied().find(|r| r.name == name)
}

pub fn index_of(name: &str) -> Option<usize> {
    RULES.iter().position(|r| r.name == name)
}

/// What a document rule sees.
pub struct Context<'a> {
    pub doc: &'a Document,
    pub settings: &'a Settings,
    pub rule: &'static RuleMeta,
}

impl Context<'_> {
    pub fn options<T: 'static>(&self) -> &T {
        self.settings.options::<T>(self.rule)
    }
}

/// What a block rule sees: one block of a draft.
pub struct BlockContext<'a> {
    /// The draft's text as the rules read it (see [`Document::text`]); offsets are absolute, so
    /// the usual helpers work: `words(ctx.text, ctx.block.span)`.
    pub text: &'a str,
    pub block: Block,
    /// The block after `block` in the draft, for [`Check::BlockAndNext`] rules (always `None`
    /// for [`Check::Block`] rules).
    pub next: Option<Block>,
    pub kind: DocumentKind,
    pub settings: &'a Settings,
    pub rule: &'static RuleMeta,
}

impl BlockContext<'_> {
    pub fn options<T: 'static>(&self) -> &T {
        self.settings.options::<T>(self.rule)
    }

    /// The block's own text.
    pub fn block_text(&self) -> &str {
        self.block.span.slice(self.text)
    }
}

/// One draft of a workspace run.
pub struct WorkspaceDoc<'a> {
    pub path: Arc<str>,
    pub doc: &'a Document,
    pub settings: &'a Settings,
}

/// Declares a rule: its doc comment becomes the text `sherpa explain` prints.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis static $ident:ident {
            name: $name:literal,
            family: $family:ident,
            severity: $severity:ident,
            enabled: $enabled:literal,
            fix: $fix:ident,
            summary: $summary:literal,
            check: $check:expr,
            options: $options:ty $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        $vis static $ident: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
            name: $name,
            family: $crate::rules::Family::$family,
            default_severity: $crate::diagnostic::Severity::$severity,
            enabled_by_default: $enabled,
            fix: $crate::rules::FixAvailability::$fix,
            summary: $summary,
            doc: concat!($($doc, "\n"),*),
            check: $check,
            parse_options: $crate::rules::parse_options::<$options>,
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for rule in RULES {
            assert!(seen.insert(rule.name), "duplicate rule name {}", rule.name);
            assert!(
                rule.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                rule.name
            );
            let doc = rule.documentation();
            for section in [
                "## What it does",
                "## Why it matters",
                "## Example",
                "## Fix safety",
            ] {
                assert!(doc.contains(section), "{} lacks {section}", rule.name);
            }
            assert!(
                (rule.parse_options)(toml::Table::new()).is_ok(),
                "{} has no default options",
                rule.name
            );
        }
    }
}

/// What the rules' own tests share.
#[cfg(test)]
pub(crate) mod testing {
    use crate::config::Settings;
    use crate::diagnostic::Applicability;
    use crate::document::DocumentKind;
    use crate::fix::{FixOutcome, fix_document};

    /// Applies every fix up to `threshold` to a plain-text draft with the default settings, as
    /// `sherpa check --fix` does, and checks what every fix test owes: the text converges and
    /// `rule` finds nothing left. The outcome is returned for the test's own expectations.
    pub fn fix_converges(rule: &str, source: &str, threshold: Applicability) -> FixOutcome {
        let outcome = fix_document(source, DocumentKind::Plain, &Settings::default(), threshold);
        assert!(outcome.converged, "fixes for {rule} did not converge");
        let left: Vec<_> = outcome
            .remaining
            .iter()
            .filter(|d| d.rule == rule)
            .collect();
        assert!(
            left.is_empty(),
            "{rule} still finds {left:?} in {:?}",
            outcome.text
        );
        outcome
    }
}
