//! What the audio thread and the inference worker tell each other, and the audio thread's
//! ends of the queues. All `Copy`, sent through wait-free `rtrb` queues, so the audio thread
//! never allocates or waits.

use super::chord_table::ChordTable;
use super::status::Status;
use super::timeline::TakeNote;
use comper_inference::PlannedChord;
use comper_music::{BarPlace, Token};
use rtrb::{Consumer, Producer};
use std::sync::Arc;

/// Audio thread → worker.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ToWorker {
    /// A new session (transport start, seek, free-running start, model change): forget
    /// the history and plan from frame 0, which falls at `first_frame_in_bar` of its bar.
    Start { session: u32, first_frame_in_bar: u32 },
    /// What happened in `frame` of `session`: the chord that sounded and the melody played;
    /// `by_note`: the chord changed because of the note played on the frame; `bar`: where the
    /// frame fell in the host's bar.
    Frame { session: u32, frame: u32, chord: Token, melody: Token, by_note: bool, bar: BarPlace },
    /// `frame` has just begun with `chord` over `melody` (its note so far): the worker
    /// prepares the next frame's chord table from it while this frame plays.
    Begun { session: u32, frame: u32, chord: Token, melody: Token },
    /// A note of the take, for capture.
    Note { session: u32, note: TakeNote },
    /// Playback of `session` stopped (the take may go on if it starts again inside it).
    Stopped { session: u32 },
}

/// Worker → audio thread.
// A table is 270 bytes and the rest a few: boxing it would free memory on the audio thread,
// while the queue's slots are allocated once, when the worker starts.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FromWorker {
    /// One frame of the current plan.
    Chord { session: u32, chord: PlannedChord },
    /// The next frame's chord for each note it may meet (sent before `Planned`).
    Table { session: u32, table: ChordTable },
    /// The plan just sent used every frame before `observed`.
    Planned { session: u32, observed: u32 },
    /// The worker cannot plan on from the running session (another model is loaded, or
    /// reports went missing while it stalled): release the chord and start a new session.
    Restart,
}

/// Queue sizes: a plan is at most 32 frames; a report goes out every frame, with the notes
/// heard in it (a chord change sends at most 12).
pub const TO_WORKER_CAPACITY: usize = 1024;
pub const FROM_WORKER_CAPACITY: usize = 1024;

/// The audio thread's ends of the worker's queues.
pub struct WorkerLink {
    pub to_worker: Producer<ToWorker>,
    pub from_worker: Consumer<FromWorker>,
    pub status: Arc<Status>,
}
