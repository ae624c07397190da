//! Organization names and acronyms: the gazetteer, the draft's own definitions, and the facts
//! the `names` rules share (computed once per draft).

pub mod analysis;
pub mod config;
pub mod gazetteer;
pub mod normalize;

use std::sync::Arc;

pub use analysis::{
    AcronymStyle, AcronymUse, Analysis, Definition, DefinitionShape, Entity, Ignore, Mention,
};
pub use config::{NamesSettings, Prefer};

use crate::rules::Context;

/// Maps and sets keyed by short strings and looked up per word: foldhash (fixed seed) costs a
/// fraction of SipHash on such keys, and iterates in the same order in every run.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;
pub type FastSet<T> = std::collections::HashSet<T, foldhash::fast::FixedState>;

/// The names facts of the draft being checked, shared by the five names rules.
pub fn analysis(ctx: &Context<'_>) -> Arc<Analysis> {
    let settings = ctx.settings.names();
    ctx.doc.memo(
        |analysis: &Analysis| analysis.is_for(settings),
        || Analysis::new(ctx.doc, Arc::clone(settings)),
    )
}
