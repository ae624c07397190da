//! Applying fixes: sort edits, skip overlapping fixes, re-lint until the text stops changing.

use crate::config::Settings;
use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::document::{Document, DocumentKind};
use crate::lint::lint;

/// How many lint-and-fix rounds before giving up on convergence.
pub const MAX_ROUNDS: usize = 10;

/// Apply the best fix at or above `threshold` of each finding, once. Fixes whose edits overlap an
/// earlier accepted fix are skipped (a later round may apply them). Returns the new text and the
/// number of fixes applied.
pub fn apply_fixes(
    source: &str,
    diagnostics: &[Diagnostic],
    threshold: Applicability,
) -> (String, usize) {
    let fixes = select_fixes(source, diagnostics, threshold);
    let mut out = String::with_capacity(source.len());
    let mut cursor = 0usize;
    for edit in fixes.iter().flat_map(|f| &f.edits) {
        out.push_str(&source[cursor..edit.span.start]);
        out.push_str(&edit.replacement);
        cursor = edit.span.end;
    }
    out.push_str(&source[cursor..]);
    (out, fixes.len())
}

/// The fixes one round of [`apply_fixes`] applies, in text order: the best fix at or above
/// `threshold` of each finding, minus duplicates, fixes with edits off character boundaries, and
/// fixes overlapping an earlier one. Their edits never overlap, so they can be applied together
/// to `source` (the language server sends them as one workspace edit).
pub fn select_fixes<'a>(
    source: &str,
    diagnostics: &'a [Diagnostic],
    threshold: Applicability,
) -> Vec<&'a Fix> {
    let mut fixes: Vec<&Fix> = diagnostics
        .iter()
        .filter_map(|d| d.best_fix(threshold))
        .collect();
    fixes.sort_by_key(|f| f.extent().map(|r| (r.start, r.end)));
    fixes.dedup_by(|a, b| a.edits == b.edits);

    let mut selected = Vec::with_capacity(fixes.len());
    let mut cursor = 0usize;
    for fix in fixes {
        let Some(first) = fix.edits.first() else {
            continue;
        };
        let valid = fix.edits.iter().all(|e| {
            e.span.end <= source.len()
                && source.is_char_boundary(e.span.start)
                && source.is_char_boundary(e.span.end)
        });
        let disjoint = fix
            .edits
            .windows(2)
            .all(|w| w[0].span.end <= w[1].span.start);
        // An insertion exactly at the cursor would be ambiguous with the previous fix's edit.
        let after_cursor = first.span.start > cursor
            || (first.span.start == cursor && (selected.is_empty() || !first.span.is_empty()));
        if !valid || !disjoint || !after_cursor {
            continue;
        }
        cursor = fix.edits.last().map_or(cursor, |e| e.span.end);
        selected.push(fix);
    }
    selected
}

#[derive(Debug)]
pub struct FixOutcome {
    pub text: String,
    pub applied: usize,
    /// False when the text was still changing after [`MAX_ROUNDS`] rounds.
    pub converged: bool,
    /// Findings left in the final text.
    pub remaining: Vec<Diagnostic>,
}

/// Lint, fix, and lint again until no fix applies.
pub fn fix_document(
    source: &str,
    kind: DocumentKind,
    settings: &Settings,
    threshold: Applicability,
) -> FixOutcome {
    let mut text = source.to_string();
    let mut applied = 0;
    for _ in 0..MAX_ROUNDS {
        let doc = Document::new(text, kind);
        let diagnostics = lint(&doc, settings);
        let (next, count) = apply_fixes(doc.source(), &diagnostics, threshold);
        if count == 0 {
            return FixOutcome {
                text: doc.into_source(),
                applied,
                converged: true,
                remaining: diagnostics,
            };
        }
        applied += count;
        text = next;
    }
    let doc = Document::new(text, kind);
    let remaining = lint(&doc, settings);
    let converged = remaining.iter().all(|d| d.best_fix(threshold).is_none());
    FixOutcome {
        text: doc.into_source(),
        applied,
        converged,
        remaining,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Edit, TextRange};

    fn diag(fix: Fix) -> Diagnostic {
        Diagnostic::new("duplicate-paragraph", TextRange::new(0, 0), "m").with_fix(fix)
    }

    #[test]
    fn overlapping_fixes_are_skipped_and_order_is_by_position() {
        let text = "abcdefgh";
        let diags = [
            diag(Fix::safe(
                "late",
                vec![Edit::replace(TextRange::new(6, 8), "GH")],
            )),
            diag(Fix::safe(
                "early",
                vec![Edit::replace(TextRange::new(0, 3), "ABC")],
            )),
            diag(Fix::safe(
                "overlaps early",
                vec![Edit::delete(TextRange::new(2, 5))],
            )),
        ];
        assert_eq!(
            apply_fixes(text, &diags, Applicability::Safe),
            ("ABCdefGH".to_string(), 2)
        );
    }

    #[test]
    fn unsafe_and_display_only_fixes_need_their_threshold() {
        let diags = [
            diag(Fix::unsafe_("u", vec![Edit::delete(TextRange::new(0, 1))])),
            diag(Fix::display_only(
                "d",
                vec![Edit::delete(TextRange::new(2, 3))],
            )),
        ];
        assert_eq!(apply_fixes("abc", &diags, Applicability::Safe).1, 0);
        assert_eq!(
            apply_fixes("abc", &diags, Applicability::Unsafe),
            ("bc".to_string(), 1)
        );
    }

    #[test]
    fn identical_fixes_from_two_findings_apply_once() {
        let fix = Fix::safe("x", vec![Edit::insert(1, "!")]);
        assert_eq!(
            apply_fixes("ab", &[diag(fix.clone()), diag(fix)], Applicability::Safe),
            ("a!b".to_string(), 1)
        );
    }

    #[test]
    fn edits_off_char_boundaries_are_refused() {
        let diags = [diag(Fix::safe(
            "bad",
            vec![Edit::delete(TextRange::new(1, 2))],
        ))];
        assert_eq!(apply_fixes("Ж", &diags, Applicability::Safe).1, 0);
    }

    #[test]
    fn fixing_converges_and_removes_every_copy() {
        let para = "The Parties will deepen their cooperation in trade and energy.";
        let text = format!("{para}\n\nUnique paragraph number one is here.\n\n{para}\n\n{para}\n");
        let outcome = fix_document(
            &text,
            DocumentKind::Plain,
            &Settings::default(),
            Applicability::Safe,
        );
        assert!(outcome.converged);
        assert_eq!(outcome.applied, 2);
        assert_eq!(
            outcome.text,
            format!("{para}\n\nUnique paragraph number one is here.\n")
        );
        assert!(outcome.remaining.is_empty());
    }
}
