//! Comper's data pipeline: read POP909, Nottingham, MusicXML and Hooktheory-style JSON into
//! one lead-sheet type, split it reproducibly, cache it, report on it, and cut it into
//! training windows.

pub mod chord_symbols;
pub mod corpus;
pub mod import;
pub mod labels;
pub mod plot;
pub mod report;
pub mod split;
pub mod windows;

pub use corpus::{Corpus, SourcePaths};
pub use split::{Manifest, Split};
