//! The audio thread: transport → 16th-note frames, the live melody → frame tokens, and the
//! planned chords → notes on exact samples. Fixed-size state only: no allocation, lock,
//! I/O or inference here, and no waiting except in a render (see [`Render`]). Talks to the
//! worker only through [`crate::link`].

mod bars;
mod block_info;
mod chord_notes;
mod clock;
mod melody;
mod melody_thru;
mod pace;
mod plan;
mod rhythm;
mod scheduler;
mod sent;

pub use block_info::{BlockInfo, Render};
pub use chord_notes::{NoteSink, Touch};
pub use melody_thru::MelodyThru;
pub use pace::RenderPace;
pub use rhythm::Rhythm;
pub use scheduler::{IDLE_BEATS, Scheduler, Settings};

#[cfg(test)]
mod scheduler_fuzz;
#[cfg(test)]
mod scheduler_tests;
#[cfg(test)]
pub(crate) mod test_rig;
