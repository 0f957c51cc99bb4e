//! Comper's music domain, shared by the plugin and the toolchain.
//!
//! Everything here is plain data and pure functions: no file or device I/O, no plugin framework, no training
//! library. The plugin uses it to voice and name chords; the toolchain uses it to import,
//! tokenize and evaluate.
//!
//! - [`pitch`]: pitch classes and MIDI pitches.
//! - [`chord`]: chord qualities and chords (root + quality).
//! - [`vocab`]: the fixed chord vocabulary (12 roots × qualities) and chord ids.
//! - [`lead_sheet`]: the canonical lead-sheet type every importer produces.
//! - [`meter`]: time signatures, and the bars and beats they put on the frame grid.
//! - [`token`]: the frame token layout shared by melody and chords.
//! - [`frames`]: lead sheet ↔ 16th-note frame tracks, and the interleaved model stream.
//! - [`spans`]: the chord and note events of a track.
//! - [`voicing`]: chord symbol → MIDI keys.
//! - [`take`]: melody and chords as a MIDI file with chord-name markers.
//! - [`listening`]: a blind listening test's log (trials, takes, votes).
//! - [`metrics`]: harmony, changes per bar and distinct chords of a take, one rule each.
//! - [`spelling`]: the key the notes fit, and pitch and chord names as that key spells them.

pub mod chord;
pub mod frames;
pub mod lead_sheet;
pub mod listening;
pub mod meter;
pub mod metrics;
pub mod pitch;
pub mod spans;
pub mod spelling;
pub mod take;
pub mod token;
pub mod vocab;
pub mod voicing;

pub use chord::{Chord, Quality};
pub use frames::{FRAMES_PER_BEAT, FrameTracks, LONGEST_SONG_BEATS, Part};
pub use lead_sheet::{ChordEvent, Key, LeadSheet, Mode, Note, Source};
pub use meter::{BarPlace, Meter};
pub use pitch::PitchClass;
pub use take::Take;
pub use token::{Token, TokenKind};
pub use vocab::ChordId;
pub use voicing::{VoicedChord, Voicing};
