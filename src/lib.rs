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
pub mod rules;
pub mod similarity;
pub mod suppress;
pub mod text;

pub use config::Settings;
pub use diagnostic::{Applicability, Diagnostic, Edit, Fix, Related, Severity, TextRange};
pub use document::{Document, DocumentKind};
pub use lint::{lint, lint_workspace};
