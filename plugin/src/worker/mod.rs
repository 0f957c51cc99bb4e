//! The inference worker: a thread each plugin instance owns. It loads the model (off the
//! audio thread), keeps the policy's state in step with what was really played, and sends
//! the audio thread a fresh plan after every frame. Fed and drained through the `rtrb`
//! queues of [`crate::link`].

mod latency;
mod thread;

pub use thread::Worker;
