//! What the audio thread and the inference worker tell each other. All `Copy`, sent
//! through wait-free `rtrb` queues, so the audio thread never allocates or waits.

use comper_inference::PlannedChord;
use comper_music::Token;

/// Audio thread → worker.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ToWorker {
    /// A new session (transport start, seek, free-running start, model change): forget
    /// the history and plan from frame 0.
    Start { session: u32 },
    /// What happened in `frame` of `session`: the chord that sounded and the melody played.
    Frame { session: u32, frame: u32, chord: Token, melody: Token },
}

/// Worker → audio thread.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FromWorker {
    /// One frame of the current plan.
    Chord { session: u32, chord: PlannedChord },
    /// The plan just sent used every frame before `observed`.
    Planned { session: u32, observed: u32 },
    /// Another model is now loaded: release the chord and start a new session.
    ModelChanged,
}

/// Queue sizes: a plan is at most 32 frames, and a report goes out every frame.
pub const TO_WORKER_CAPACITY: usize = 256;
pub const FROM_WORKER_CAPACITY: usize = 1024;
