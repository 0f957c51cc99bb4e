//! The inference worker: a thread each plugin instance owns. It loads the model (off the
//! audio thread), keeps the policy's state in step with what was really played, and sends
//! the audio thread a fresh plan after every frame. Fed and drained through `rtrb` queues.

mod latency;
mod messages;
mod status;
mod thread;
mod timeline;

pub use messages::{FromWorker, ToWorker};
pub use status::{Rendering, Status};
pub use thread::Worker;
pub use timeline::{PlayedFrame, Timeline};
