//! Comper's evaluation (`docs/method.md` §5): each checkpoint accompanies held-out melodies online,
//! as the plugin does, and what it played is scored with the seed paper's metrics:
//! harmony (note-in-chord), diversity (Vendi over the frozen contrastive chord encoder,
//! chord entropy, unique chords), rhythm (change rate, chord-length entropy, silence,
//! synchronisation with the melody) and adaptation to a tritone jump in the melody.
//!
//! The metric modules are pure functions of frame tracks. [`evaluation`] is the whole
//! recipe `cargo xtask eval` runs: it plays the [`songs`] with the [`checkpoints`] through
//! the [`runner`], [`report`] gathers one row per system, [`per_song`] one row per song and system,
//! [`paired`] compares systems song by song with bootstrap intervals, [`plots`] draws them;
//! [`coadaptation`] plays the policies against the learned melody agent; [`listening`] sums
//! up blind listening tests. For listening, [`render`] writes each take as MIDI and audio,
//! [`chart`] names its chords bar by bar, and [`html`] gathers it all in one page.

pub mod adaptation;
pub mod bootstrap;
pub mod chart;
pub mod checkpoints;
pub mod coadaptation;
pub mod diversity;
pub mod evaluation;
pub mod harmony;
pub mod html;
pub mod listening;
pub mod paired;
pub mod per_song;
pub mod plots;
pub mod render;
pub mod report;
pub mod rhythm;
pub mod runner;
pub mod songs;

pub use comper_music::token::{sounding_chord, sounding_pitch};

/// Shannon entropy (nats) of a histogram of counts.
pub fn entropy(counts: impl IntoIterator<Item = usize>) -> f64 {
    let counts: Vec<usize> = counts.into_iter().filter(|&c| c > 0).collect();
    let total = counts.iter().sum::<usize>() as f64;
    counts.iter().map(|&c| c as f64 / total).map(|p| -p * p.ln()).sum()
}
