//! What the worker and the audio thread publish for the window, the log and the tests:
//! atomics the audio thread can write without waiting, and text and the timeline that the
//! others share.

use super::timeline::Timeline;
use atomic_float::{AtomicF32, AtomicF64};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::time::Duration;

// The audio thread's rules for renders (`realtime` applies them), here because the window
// and the log state them.

/// A host's lead over the wall clock above this is a render, not a live host's buffering
/// (the deepest live buffers, such as a DAW's anticipative processing, stay well below it).
pub const RENDER_LEAD: Duration = Duration::from_secs(1);
/// How long a render waits for a worker that answers nothing (no plan, no model) before it
/// goes on without it; it waits again once the worker answers. This bounds what a stuck
/// worker costs a bounce: the chords it did not plan, and this much time.
pub const STALL_LIMIT: Duration = Duration::from_secs(10);

/// How the host runs the blocks, as the window and the log tell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rendering {
    Live,
    /// The host said it renders offline.
    Flagged,
    /// The host did not say so, but runs faster than real time.
    Detected,
}

impl Rendering {
    /// What it means for the chords, in the musician's words (none while live).
    pub fn describe(self) -> Option<String> {
        match self {
            Rendering::Live => None,
            Rendering::Flagged => Some("rendering offline: every chord waits for the model".into()),
            Rendering::Detected => Some(format!(
                "rendering faster than real time (over {} s ahead of the clock): chords wait for the model",
                RENDER_LEAD.as_secs()
            )),
        }
    }
}

pub struct Status {
    /// The generation of the model choice the worker last tried to load (`u64::MAX`: none yet).
    pub applied_generation: AtomicU64,
    /// The ONNX Runtime library was found and loaded.
    pub runtime_found: AtomicBool,
    /// A model is loaded and the worker is planning.
    pub ready: AtomicBool,
    /// Counts the worker's turns: the window tells a stalled worker from a quiet one.
    pub heartbeat: AtomicU64,
    /// Frames whose chord the worker had not planned in time (the last chord was held).
    pub misses: AtomicU64,
    /// Policy step latency over the recent steps, in milliseconds.
    pub step_p50_ms: AtomicF32,
    pub step_p99_ms: AtomicF32,
    /// What the worker runs ("Online MLE 1.0"), or the problem that stops it, with what to
    /// do about it. Never touched by the audio thread.
    pub model: Mutex<String>,
    pub problem: Mutex<Option<String>>,
    /// The last fault mid-session (a failed step, a caught panic): it stays on show after
    /// the worker recovers, so a musician who looked away still learns what happened.
    pub last_fault: Mutex<Option<String>>,
    /// The take so far and the plan ahead, kept by the worker for the window and capture.
    pub timeline: Mutex<Timeline>,
    /// The tempo the audio thread plays at (the host's, or the free-running one), in BPM.
    pub tempo: AtomicF64,
    /// How the host runs the blocks ([`Rendering`] as a number, for the audio thread).
    rendering: AtomicU8,
    /// Renders that went on without chords after waiting [`STALL_LIMIT`] for a worker that
    /// answered nothing.
    pub render_stalls: AtomicU64,
    /// The musician asked for a new take; the audio thread takes the request.
    new_take: AtomicBool,
}

impl Default for Status {
    fn default() -> Self {
        Status {
            applied_generation: AtomicU64::new(u64::MAX),
            runtime_found: AtomicBool::default(),
            ready: AtomicBool::default(),
            heartbeat: AtomicU64::default(),
            misses: AtomicU64::default(),
            step_p50_ms: AtomicF32::default(),
            step_p99_ms: AtomicF32::default(),
            model: Mutex::default(),
            problem: Mutex::default(),
            last_fault: Mutex::default(),
            timeline: Mutex::default(),
            tempo: AtomicF64::new(120.0),
            rendering: AtomicU8::new(Rendering::Live as u8),
            render_stalls: AtomicU64::default(),
            new_take: AtomicBool::default(),
        }
    }
}

impl Status {
    /// Whether the worker has tried to load the model of this choice generation.
    pub fn has_applied(&self, generation: u64) -> bool {
        self.applied_generation.load(Ordering::Acquire) == generation
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    pub fn heartbeat(&self) -> u64 {
        self.heartbeat.load(Ordering::Acquire)
    }

    pub(crate) fn beat(&self) {
        self.heartbeat.fetch_add(1, Ordering::AcqRel);
    }

    /// Audio thread: how the host runs this block.
    pub fn set_rendering(&self, rendering: Rendering) {
        self.rendering.store(rendering as u8, Ordering::Relaxed);
    }

    pub fn rendering(&self) -> Rendering {
        match self.rendering.load(Ordering::Relaxed) {
            1 => Rendering::Flagged,
            2 => Rendering::Detected,
            _ => Rendering::Live,
        }
    }

    /// Audio thread: a render gave up waiting for a silent worker.
    pub fn count_render_stall(&self) {
        self.render_stalls.fetch_add(1, Ordering::Relaxed);
    }

    /// What a render lost to a stuck worker, with what to do about it.
    pub fn render_stall(&self) -> Option<String> {
        let stalls = self.render_stalls.load(Ordering::Relaxed);
        (stalls > 0).then(|| {
            format!(
                "a render went on without chords after the model answered nothing for {} s ({stalls}×): \
                 render again; if it repeats, reload the model",
                STALL_LIMIT.as_secs()
            )
        })
    }

    /// The window: start the next take fresh, even where the host plays on inside this one.
    pub fn request_new_take(&self) {
        self.new_take.store(true, Ordering::Release);
    }

    /// Audio thread: whether a new take was asked for since it last looked.
    pub fn take_new_take_request(&self) -> bool {
        self.new_take.swap(false, Ordering::AcqRel)
    }

    pub fn count_miss(&self) {
        self.misses.fetch_add(1, Ordering::Relaxed);
    }

    /// The problem to show, if any.
    pub fn problem(&self) -> Option<String> {
        self.problem.lock().ok().and_then(|p| p.clone())
    }

    pub fn last_fault(&self) -> Option<String> {
        self.last_fault.lock().ok().and_then(|p| p.clone())
    }

    pub(crate) fn set_fault(&self, fault: String) {
        if let Ok(mut slot) = self.last_fault.lock() {
            *slot = Some(fault);
        }
    }

    pub(crate) fn set_problem(&self, problem: Option<String>) {
        if let Ok(mut slot) = self.problem.lock() {
            *slot = problem;
        }
    }

    /// A copy of the timeline (the worker holds the lock only to update it).
    pub fn timeline(&self) -> Timeline {
        self.timeline.lock().map(|t| t.clone()).unwrap_or_default()
    }

    pub(crate) fn update_timeline(&self, update: impl FnOnce(&mut Timeline)) {
        if let Ok(mut timeline) = self.timeline.lock() {
            update(&mut timeline);
        }
    }

    pub(crate) fn set_model(&self, name: String) {
        if let Ok(mut slot) = self.model.lock() {
            *slot = name;
        }
    }
}
