//! What the audio thread and the worker share: the messages, the queues' ends, and what both
//! publish. It depends on neither, so `realtime` and `worker` depend on it and not on each
//! other.

mod chord_table;
mod messages;
mod status;
mod timeline;

pub use chord_table::ChordTable;
pub(crate) use messages::{FROM_WORKER_CAPACITY, TO_WORKER_CAPACITY};
pub use messages::{FromWorker, ToWorker, WorkerLink};
pub use status::{RENDER_LEAD, Rendering, STALL_LIMIT, Status};
pub use timeline::{PlayedFrame, TakeNote, Timeline};
