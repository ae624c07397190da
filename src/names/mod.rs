//! Organization names and acronyms: the gazetteer, the draft's own definitions, and the facts
//! the `names` rules share (computed once per draft).

pub mod analysis;
pub mod config;
pub mod gazetteer;
pub mod normalize;

use std::sync::Arc;

pub use analysis::{
    AcronymStyle, AcronymUse, Analysis, BlockScan, BlockScans, Definition, DefinitionShape, Entity,
    Ignore, Mention,
};
pub use config::{NamesSettings, Prefer};

use crate::document::{BlockKind, Document};
use crate::rules::Context;

/// The names facts of the draft being checked, shared by the five names rules.
pub fn analysis(ctx: &Context<'_>) -> Arc<Analysis> {
    let settings = ctx.settings.names();
    ctx.doc.memo(
        |analysis: &Analysis| analysis.is_for(settings),
        || {
            // The language server's lint cache provides the scans of blocks it saw before;
            // otherwise each block is scanned here and its scan dropped once put in.
            match ctx.doc.memoized::<BlockScans>() {
                Some(scans) if scans.is_for(settings) => {
                    Analysis::from_kept_scans(ctx.doc, Arc::clone(settings), scans)
                }
                _ => Analysis::new(ctx.doc, Arc::clone(settings)),
            }
        },
    )
}

/// The scans of a draft's blocks for `settings`: kept with the draft once computed, each from
/// `scan(block index, text, kind)` (which may reuse one kept by block content).
pub fn block_scans(
    doc: &Document,
    settings: &Arc<NamesSettings>,
    scan: impl FnMut(usize, &str, BlockKind) -> Arc<BlockScan>,
) -> Arc<BlockScans> {
    doc.memo(
        |scans: &BlockScans| scans.is_for(settings),
        || BlockScans::new(doc, settings, scan),
    )
}
