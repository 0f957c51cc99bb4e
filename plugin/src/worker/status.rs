//! What the worker and the audio thread publish for the window, the log and the tests:
//! atomics the audio thread can write without waiting, and text the others share.

use atomic_float::AtomicF32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

pub struct Status {
    /// The worker has not finished its first model load yet.
    pub loading: AtomicBool,
    /// A model is loaded and the worker is planning.
    pub ready: AtomicBool,
    /// Frames whose chord the worker had not planned in time (the last chord was held).
    pub misses: AtomicU64,
    /// Policy step latency over the recent steps, in milliseconds.
    pub step_p50_ms: AtomicF32,
    pub step_p99_ms: AtomicF32,
    /// What the worker runs ("Online MLE 1.0"), or the problem that stops it, with what to
    /// do about it. Never touched by the audio thread.
    pub model: Mutex<String>,
    pub problem: Mutex<Option<String>>,
}

impl Default for Status {
    fn default() -> Self {
        Status {
            loading: AtomicBool::new(true),
            ready: AtomicBool::default(),
            misses: AtomicU64::default(),
            step_p50_ms: AtomicF32::default(),
            step_p99_ms: AtomicF32::default(),
            model: Mutex::default(),
            problem: Mutex::default(),
        }
    }
}

impl Status {
    pub fn is_loading(&self) -> bool {
        self.loading.load(Ordering::Acquire)
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    pub fn count_miss(&self) {
        self.misses.fetch_add(1, Ordering::Relaxed);
    }

    /// The problem to show, if any.
    pub fn problem(&self) -> Option<String> {
        self.problem.lock().ok().and_then(|p| p.clone())
    }

    pub(crate) fn set_problem(&self, problem: Option<String>) {
        if let Ok(mut slot) = self.problem.lock() {
            *slot = problem;
        }
    }

    pub(crate) fn set_model(&self, name: String) {
        if let Ok(mut slot) = self.model.lock() {
            *slot = name;
        }
    }
}
