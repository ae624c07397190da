//! The one diagnostic model every rule produces and every front end (CLI, LSP) converts.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A half-open range of UTF-8 byte offsets into a document's text.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct TextRange {
    pub start: usize,
    pub end: usize,
}

impl TextRange {
    pub const fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end);
        Self { start, end }
    }

    pub const fn empty(at: usize) -> Self {
        Self { start: at, end: at }
    }

    /// The same range `offset` bytes further on (a block's range placed in its draft).
    pub const fn shifted(self, offset: usize) -> Self {
        Self::new(self.start + offset, self.end + offset)
    }

    pub const fn len(self) -> usize {
        self.end - self.start
    }

    pub const fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub fn contains_range(self, other: TextRange) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    pub fn overlaps(self, other: TextRange) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn slice(self, text: &str) -> &str {
        &text[self.start..self.end]
    }
}

impl fmt::Display for TextRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Hint,
    Info,
    Warning,
    Error,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Error,
        Severity::Warning,
        Severity::Info,
        Severity::Hint,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Hint => "hint",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a fix may be applied without a human looking at it.
/// Ordered from least to most trusted, so `applicability >= threshold` selects fixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Applicability {
    /// Shown to the user as a suggestion; never applied by `--fix`.
    #[serde(rename = "display-only")]
    DisplayOnly,
    /// Applied only with `--unsafe-fixes`: it may change meaning or lose text.
    #[serde(rename = "unsafe")]
    Unsafe,
    /// Applied by `--fix`: no text or meaning is lost.
    #[serde(rename = "safe")]
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::DisplayOnly => "display-only",
            Applicability::Unsafe => "unsafe",
            Applicability::Safe => "safe",
        }
    }
}

/// Replace `span` with `replacement` (an empty replacement deletes, an empty span inserts).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Edit {
    pub span: TextRange,
    pub replacement: String,
}

impl Edit {
    pub fn delete(span: TextRange) -> Self {
        Self {
            span,
            replacement: String::new(),
        }
    }

    pub fn replace(span: TextRange, replacement: impl Into<String>) -> Self {
        Self {
            span,
            replacement: replacement.into(),
        }
    }

    pub fn insert(at: usize, text: impl Into<String>) -> Self {
        Self {
            span: TextRange::empty(at),
            replacement: text.into(),
        }
    }
}

/// A set of edits applied together, or not at all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub title: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn new(title: impl Into<String>, applicability: Applicability, edits: Vec<Edit>) -> Self {
        let mut edits = edits;
        edits.sort_by_key(|e| (e.span.start, e.span.end));
        Self {
            title: title.into(),
            applicability,
            edits,
        }
    }

    pub fn safe(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Self::new(title, Applicability::Safe, edits)
    }

    pub fn unsafe_(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Self::new(title, Applicability::Unsafe, edits)
    }

    pub fn display_only(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Self::new(title, Applicability::DisplayOnly, edits)
    }

    /// The smallest range covering every edit.
    pub fn extent(&self) -> Option<TextRange> {
        let start = self.edits.iter().map(|e| e.span.start).min()?;
        let end = self.edits.iter().map(|e| e.span.end).max()?;
        Some(TextRange::new(start, end))
    }
}

/// Another place that explains a finding: the first copy of a duplicate, the other definition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Related {
    /// `None` means the same document as the finding.
    pub path: Option<Arc<str>>,
    pub span: TextRange,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// The stable kebab-case rule name, e.g. `duplicate-paragraph`.
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub span: TextRange,
    pub related: Vec<Related>,
    /// Preferred fix first.
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    /// A finding with the rule's default severity; the engine applies configured severities.
    pub fn new(rule: &'static str, span: TextRange, message: impl Into<String>) -> Self {
        let severity = crate::rules::find(rule)
            .map(|r| r.default_severity)
            .unwrap_or(Severity::Warning);
        Self {
            rule,
            severity,
            message: message.into(),
            span,
            related: Vec::new(),
            fixes: Vec::new(),
        }
    }

    pub fn with_related(mut self, span: TextRange, message: impl Into<String>) -> Self {
        self.related.push(Related {
            path: None,
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_related_in(
        mut self,
        path: Arc<str>,
        span: TextRange,
        message: impl Into<String>,
    ) -> Self {
        self.related.push(Related {
            path: Some(path),
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fixes.push(fix);
        self
    }

    pub fn best_fix(&self, threshold: Applicability) -> Option<&Fix> {
        self.fixes
            .iter()
            .find(|f| f.applicability >= threshold && f.applicability != Applicability::DisplayOnly)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applicability_orders_from_display_only_to_safe() {
        assert!(Applicability::Safe > Applicability::Unsafe);
        assert!(Applicability::Unsafe > Applicability::DisplayOnly);
    }

    #[test]
    fn fix_sorts_its_edits_and_reports_extent() {
        let fix = Fix::safe(
            "t",
            vec![Edit::delete(TextRange::new(10, 12)), Edit::insert(3, "x")],
        );
        assert_eq!(fix.edits[0].span.start, 3);
        assert_eq!(fix.extent(), Some(TextRange::new(3, 12)));
    }

    #[test]
    fn severity_parses_its_own_names() {
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
        }
        assert_eq!(Severity::parse("fatal"), None);
    }
}
