//! sherpa: a linter for communiqués, joint statements and resolutions.
//!
//! The engine is pure: text in, [`Diagnostic`]s with byte spans out. The command line (`cli`)
//! and the language server (`lsp`) are thin edges over it.

pub mod clauses;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod document;
pub mod fix;
pub mod line_index;
pub mod lint;
pub mod lsp;
pub mod markdown;
pub mod names;
pub mod plain;
pub mod range_index;
pub mod rules;
pub mod similarity;
pub mod suppress;
pub mod text;

pub use config::Settings;
pub use diagnostic::{Applicability, Diagnostic, Edit, Fix, Related, Severity, TextRange};
pub use document::{Document, DocumentKind};
pub use lint::{lint, lint_workspace};

/// Maps and sets of the engine's hot paths, keyed by short strings, hashes or offsets: foldhash
/// (fixed seed) costs a fraction of SipHash on such keys, and iterates in the same order in
/// every run.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;
pub type FastSet<T> = std::collections::HashSet<T, foldhash::fast::FixedState>;

/// A repeatable stream of pseudo-random numbers for tests (xorshift64): each call gives one
/// below its bound.
#[cfg(test)]
pub(crate) fn test_random(mut seed: u64) -> impl FnMut(usize) -> usize {
    move |bound: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % bound as u64) as usize
    }
}

/// The corpus of real drafts for unit tests: `SHERPA_CORPUS`, else `../shared/corpus` beside the
/// crate; `None` (the test says it skipped) when absent.
#[cfg(test)]
pub(crate) fn test_corpus_dir() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("SHERPA_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
        });
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("note: corpus not found at {}; test skipped", dir.display());
        None
    }
}
