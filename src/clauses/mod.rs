//! Scanning helpers shared by the `clauses` rules (`unbalanced-delimiter`,
//! `unbalanced-correlative`, `enumeration-gap`, `enumeration-punctuation`, `unagreed-text`).

pub mod enumeration;
pub mod labels;
pub mod lexis;
