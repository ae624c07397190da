//! The engine: run the enabled rules over one draft or a set of drafts.

use std::panic::{AssertUnwindSafe, catch_unwind};

use rayon::prelude::*;

use crate::config::Settings;
use crate::diagnostic::Diagnostic;
use crate::document::Document;
use crate::rules::{Check, Context, RULES, RuleMeta, WorkspaceDoc};

/// Findings of the document rules for one draft, sorted by position.
pub fn lint(doc: &Document, settings: &Settings) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for &rule in RULES {
        let Check::Document(check) = rule.check else {
            continue;
        };
        if !settings.is_enabled(rule) {
            continue;
        }
        let ctx = Context {
            doc,
            settings,
            rule,
        };
        let mut found = Vec::new();
        // One broken rule must not take the others (or the language server) down with it.
        if catch_unwind(AssertUnwindSafe(|| check(&ctx, &mut found))).is_err() {
            tracing::error!(
                rule = rule.name,
                "rule panicked; its findings for this draft are dropped"
            );
            continue;
        }
        out.extend(finish(found, doc, settings, rule));
    }
    sort(&mut out);
    out
}

/// Findings for several drafts at once: each draft's own rules (in parallel), then the
/// cross-draft rules. `result[i]` belongs to `docs[i]`.
pub fn lint_workspace(docs: &[WorkspaceDoc<'_>]) -> Vec<Vec<Diagnostic>> {
    let mut results: Vec<Vec<Diagnostic>> =
        docs.par_iter().map(|d| lint(d.doc, d.settings)).collect();
    for &rule in RULES {
        let Check::Workspace(check) = rule.check else {
            continue;
        };
        let mut found: Vec<Vec<Diagnostic>> = vec![Vec::new(); docs.len()];
        if catch_unwind(AssertUnwindSafe(|| check(docs, rule, &mut found))).is_err() {
            tracing::error!(
                rule = rule.name,
                "rule panicked; its cross-draft findings are dropped"
            );
            continue;
        }
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
    use crate::diagnostic::Severity;
    use crate::document::DocumentKind;

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
}
