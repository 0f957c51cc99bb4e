//! The worker thread's loop and its model loading.

use super::latency::Timed;
use crate::capture;
use crate::link::{
    ChordTable, FROM_WORKER_CAPACITY, FromWorker, Rendering, Status, TO_WORKER_CAPACITY, TakeNote, ToWorker, WorkerLink,
};
use crate::params::ComperParams;
use crate::resources;
use comper_inference::{InferenceError, ModelCard, OnnxPolicy, PlannedChord, Planner, environment, find_library};
use comper_music::Part;
use nice_plug::{nice_error, nice_log, nice_warn};
use rtrb::{Consumer, Producer, RingBuffer};
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long the worker sleeps when there is nothing to do.
const IDLE_SLEEP: Duration = Duration::from_micros(500);
/// How often the worker looks at the model choice (a changed choice is taken at once).
const MODEL_CHECK: Duration = Duration::from_millis(250);
/// The longest wait between two tries of a model that failed to load: each failure doubles
/// the wait, so a broken model is not reloaded 4 times a second forever.
const LONGEST_RETRY: Duration = Duration::from_secs(30);

type Engine = Planner<Timed<OnnxPolicy>>;

/// When the worker last looked at the model choice, and how long until it looks again.
struct ModelCheck {
    last: Option<Instant>,
    wait: Duration,
}

/// The running worker; dropping it stops and joins the thread.
pub struct Worker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Start the worker, publishing to `status`; returns it and the audio thread's ends of its
    /// queues.
    pub fn spawn(params: Arc<ComperParams>, status: Arc<Status>) -> std::io::Result<(Worker, WorkerLink)> {
        let (to_worker, from_audio) = RingBuffer::new(TO_WORKER_CAPACITY);
        let (to_audio, from_worker) = RingBuffer::new(FROM_WORKER_CAPACITY);
        let stop = Arc::new(AtomicBool::new(false));
        let mut state = Loop {
            params,
            status: status.clone(),
            from_audio,
            to_audio,
            engine: None,
            session: None,
            first_frame_in_bar: 0,
            orphaned: false,
            abandoned: None,
            rendering: Rendering::Live,
            render_stalls: 0,
        };
        let stopping = stop.clone();
        let thread = std::thread::Builder::new().name("comper-worker".into()).spawn(move || state.run(&stopping))?;
        let worker = Worker { stop, thread: Some(thread) };
        Ok((worker, WorkerLink { to_worker, from_worker, status }))
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct Loop {
    params: Arc<ComperParams>,
    status: Arc<Status>,
    from_audio: Consumer<ToWorker>,
    to_audio: Producer<FromWorker>,
    /// The loaded model's planner and the model choice it was loaded for.
    engine: Option<(Engine, String)>,
    session: Option<u32>,
    /// Where the session's frame 0 falls in its bar.
    first_frame_in_bar: u32,
    /// Messages arrived while there was no model: the audio thread's session has history
    /// the model never saw.
    orphaned: bool,
    /// The last session this worker asked the audio thread to abandon.
    abandoned: Option<u32>,
    /// How the host ran the blocks, and the render stalls, as last logged.
    rendering: Rendering,
    render_stalls: u64,
}

impl Loop {
    /// The worker's life. A panic inside one turn (a bug, or a fault in the runtime) is
    /// caught: the model is dropped as after a failed step, the window says so, and the next
    /// model check loads it again, so the host and the music go on.
    fn run(&mut self, stop: &AtomicBool) {
        let mut check = ModelCheck { last: None, wait: MODEL_CHECK };
        while !stop.load(Ordering::Acquire) {
            self.status.beat();
            let turn = std::panic::catch_unwind(AssertUnwindSafe(|| self.turn(&mut check)));
            match turn {
                Ok(true) => {}
                Ok(false) => std::thread::sleep(IDLE_SLEEP),
                Err(panic) => {
                    let why = panic_message(panic.as_ref());
                    self.fail(format!("the inference worker failed ({why}); Comper reloads the model"));
                }
            }
        }
    }

    /// Check the model choice when due, then serve the audio thread; false if idle.
    fn turn(&mut self, check: &mut ModelCheck) -> bool {
        #[cfg(test)]
        if tests::PANIC_NEXT_TURN.swap(false, Ordering::AcqRel) {
            panic!("injected fault");
        }
        let generation = self.params.model.generation();
        let changed = !self.status.has_applied(generation);
        if changed || check.last.is_none_or(|at| at.elapsed() >= check.wait) {
            let playing = self.ensure_model(&self.params.model.path());
            self.status.applied_generation.store(generation, Ordering::Release);
            check.wait = if playing || changed { MODEL_CHECK } else { (check.wait * 2).min(LONGEST_RETRY) };
            check.last = Some(Instant::now());
        }
        self.log_rendering();
        self.serve()
    }

    /// Say in the log when a render starts or ends, and what a stuck worker cost one (the
    /// audio thread cannot log).
    fn log_rendering(&mut self) {
        let rendering = self.status.rendering();
        if rendering != std::mem::replace(&mut self.rendering, rendering) {
            nice_log!("Comper: {}", rendering.describe().as_deref().unwrap_or("playing live"));
        }
        let stalls = self.status.render_stalls.load(Ordering::Relaxed);
        if stalls != std::mem::replace(&mut self.render_stalls, stalls)
            && let Some(stall) = self.status.render_stall()
        {
            nice_warn!("Comper: {stall}");
        }
    }

    /// Load the chosen model if it is not the one running (or the last load failed); false
    /// if loading failed. A chosen folder that is not on this machine (a project made on
    /// another) plays the default instead, and the window says so.
    fn ensure_model(&mut self, chosen: &str) -> bool {
        if self.engine.as_ref().is_some_and(|(_, loaded)| loaded == chosen) {
            return true;
        }
        let had_model = self.engine.is_some();
        let seed = self.params.seed.value() as u64;
        let (loaded, note) = match load(chosen, seed, &self.status) {
            Err(_) if !chosen.is_empty() && !Path::new(chosen).exists() => {
                let note = format!("the model {chosen} is not on this machine, so Comper plays the default");
                (load("", seed, &self.status), Some(note))
            }
            loaded => (loaded, None),
        };
        match loaded {
            Ok(engine) => {
                let card = engine.model().model.card();
                let name = format!("{} {}", card.name, card.version);
                nice_log!("Comper: playing {name}");
                if let Some(note) = &note {
                    nice_warn!("Comper: {note}");
                }
                self.status.set_model(name);
                self.status.set_problem(note);
                self.engine = Some((engine, chosen.to_string()));
                self.status.ready.store(true, Ordering::Release);
                // The running take, played on by the model it had or by none yet (a model
                // still loading when the host started), goes on with this one.
                let running = self.session.take();
                if running.is_some_and(|session| self.hand_over(session)) {
                    self.orphaned = false;
                    return true;
                }
                // A session this worker missed the start of, or one it cannot carry over:
                // start over.
                if had_model || std::mem::take(&mut self.orphaned) {
                    self.restart(running);
                }
                true
            }
            Err(problem) => {
                let problem = match note {
                    Some(note) => format!("{note}, which failed: {problem}"),
                    None => problem,
                };
                if self.status.problem().as_deref() != Some(problem.as_str()) {
                    nice_error!("Comper: {problem}");
                }
                self.status.set_problem(Some(problem));
                if !had_model {
                    self.status.ready.store(false, Ordering::Release);
                }
                false
            }
        }
    }

    /// Carry the running take over to a newly loaded model: replay what was played into it, so
    /// it plans on from the frame the audio thread is at, with no restart and no new listening.
    /// False when the timeline no longer holds the take from its first frame.
    fn hand_over(&mut self, session: u32) -> bool {
        let timeline = self.status.timeline();
        let Some((engine, _)) = self.engine.as_mut() else { return false };
        if timeline.session() != Some(session) || timeline.first_frame() != 0 {
            return false;
        }
        let replay = engine.start(self.params.seed.value() as u64, self.first_frame_in_bar);
        match replay.and_then(|()| timeline.played_since(0).try_for_each(|f| engine.observe(f.chord, f.melody))) {
            Ok(()) => {
                self.session = Some(session);
                match self.plan() {
                    Ok(plan) => plan.into_iter().for_each(|plan| self.send(plan)),
                    Err(e) => self.fail(e.to_string()),
                }
                true
            }
            Err(e) => {
                self.fail(e.to_string());
                false
            }
        }
    }

    /// Handle the audio thread's messages, planning after each frame; false if idle.
    ///
    /// A plan after *every* frame, even when frames come in a burst (a render, a worker that
    /// was busy), keeps the chords a function of what was played, not of when the worker
    /// looked: each plan keeps the committed chords of the one before, and the sampler gives
    /// every frame's plan the same numbers in every render. Only the last plan goes to the
    /// audio thread.
    fn serve(&mut self) -> bool {
        let mut latest = None;
        while let Ok(message) = self.from_audio.pop() {
            let Some((engine, _)) = self.engine.as_mut() else {
                self.follow_without_model(message);
                continue;
            };
            let result = match message {
                ToWorker::Start { session, first_frame_in_bar } => {
                    let started = engine.start(self.params.seed.value() as u64, first_frame_in_bar);
                    self.follow_start(session, first_frame_in_bar);
                    started
                }
                ToWorker::Frame { session, frame, chord, melody, by_note, bar } if Some(session) == self.session => {
                    if frame != engine.next_frame() {
                        // Reports went missing (the queue filled while this worker stalled):
                        // the model can no longer hear the take whole, so it starts over.
                        if frame > engine.next_frame() {
                            self.restart(Some(session));
                        }
                        continue;
                    }
                    self.status.update_timeline(|t| t.record(frame, chord, melody, by_note, bar));
                    engine.observe(chord, melody)
                }
                ToWorker::Begun { session, frame, chord, melody } => {
                    let settings = self.params.plan_settings();
                    if Some(session) == self.session && frame == engine.next_frame() && settings.react.is_some() {
                        let result = engine.conditional_after(&settings, chord, melody);
                        match result {
                            Ok(conditional) => {
                                let table = ChordTable::of(&conditional, melody);
                                self.status.update_timeline(|t| t.set_if_held(table.frame, table.if_held()));
                                let _ = self.to_audio.push(FromWorker::Table { session, table });
                            }
                            Err(e) => {
                                self.fail(e.to_string());
                                return true;
                            }
                        }
                    }
                    continue;
                }
                // A session whose start went missing.
                ToWorker::Frame { session, .. } => {
                    self.restart(Some(session));
                    continue;
                }
                ToWorker::Note { session, note } => {
                    self.keep_note(session, note);
                    continue;
                }
                ToWorker::Stopped { session } => {
                    self.stopped(session);
                    continue;
                }
            };
            match result.and_then(|()| self.plan()) {
                Ok(plan) => latest = plan,
                Err(e) => {
                    self.fail(e.to_string());
                    return true;
                }
            }
        }
        let served = latest.is_some();
        if let Some(plan) = latest {
            self.send(plan);
        }
        served
    }

    /// Ask the audio thread to abandon `session` and start a new one: once per session, since
    /// its reports already on their way must not ask again.
    fn restart(&mut self, session: Option<u32>) {
        if session.is_none() || session != self.abandoned {
            let _ = self.to_audio.push(FromWorker::Restart);
            self.abandoned = session;
        }
    }

    /// The audio thread started `session`: the worker and the window's timeline follow it.
    fn follow_start(&mut self, session: u32, first_frame_in_bar: u32) {
        (self.session, self.first_frame_in_bar) = (Some(session), first_frame_in_bar);
        self.status.update_timeline(|t| t.start(session));
    }

    /// Keep the take of a session played while no model is loaded, so the model can take it
    /// over when it comes (see [`hand_over`](Self::hand_over)).
    fn follow_without_model(&mut self, message: ToWorker) {
        self.orphaned = true;
        match message {
            ToWorker::Start { session, first_frame_in_bar } => self.follow_start(session, first_frame_in_bar),
            ToWorker::Frame { session, frame, chord, melody, by_note, bar } if Some(session) == self.session => {
                self.status.update_timeline(|t| t.record(frame, chord, melody, by_note, bar));
            }
            ToWorker::Note { session, note } => self.keep_note(session, note),
            ToWorker::Stopped { session } => self.stopped(session),
            ToWorker::Frame { .. } | ToWorker::Begun { .. } => {}
        }
    }

    /// Playback stopped: with `Save takes` on, the take so far goes into the capture folder
    /// (a failure is shown as the last fault; nothing is overwritten).
    fn stopped(&self, session: u32) {
        if Some(session) != self.session || !self.params.save_takes.value() {
            return;
        }
        let saved = capture::folder(&self.params)
            .ok_or_else(|| capture::NO_HOME.to_string())
            .and_then(|folder| capture::save(&self.status, u32::MAX, &folder));
        if let Err(why) = saved {
            self.status.set_fault(format!("could not save the take: {why}"));
        }
    }

    /// A note of the running take goes into the timeline, for capture.
    fn keep_note(&self, session: u32, note: TakeNote) {
        if Some(session) == self.session {
            self.status.update_timeline(|t| t.record_note(note));
        }
    }

    /// Plan from what the engine has observed (none without a model or a session), and
    /// when the chords hear their frame's note, the next frame's chord for every note.
    fn plan(&mut self) -> Result<Option<Plan>, InferenceError> {
        let settings = self.params.plan_settings();
        let (Some((engine, _)), Some(_)) = (self.engine.as_mut(), self.session) else { return Ok(None) };
        let chords = engine.plan(&settings)?;
        let table = match settings.react {
            Some(_) => Some(ChordTable::of(&engine.conditional(&settings)?, engine.last_melody())),
            None => None,
        };
        Ok(Some(Plan { chords, table, listen: settings.listen }))
    }

    /// Send `plan` to the audio thread and show it in the window.
    fn send(&mut self, plan: Plan) {
        let (Some((engine, _)), Some(session)) = (self.engine.as_ref(), self.session) else { return };
        self.status.update_timeline(|t| t.set_plan(&plan.chords, plan.listen));
        if let Some(table) = &plan.table {
            self.status.update_timeline(|t| t.set_if_held(table.frame, table.if_held()));
        }
        for chord in plan.chords {
            let _ = self.to_audio.push(FromWorker::Chord { session, chord });
        }
        if let Some(table) = plan.table {
            let _ = self.to_audio.push(FromWorker::Table { session, table });
        }
        let observed = engine.next_frame();
        let _ = self.to_audio.push(FromWorker::Planned { session, observed });
        let timed = engine.model();
        if let (Some(p50), Some(p99)) = (timed.quantile_ms(0.5), timed.quantile_ms(0.99)) {
            self.status.step_p50_ms.store(p50, Ordering::Relaxed);
            self.status.step_p99_ms.store(p99, Ordering::Relaxed);
        }
    }

    /// Inference failed mid-session: drop the model (the committed plan plays out, then the
    /// last chord holds) and let the next model check reload it.
    fn fail(&mut self, problem: String) {
        nice_error!("Comper: {problem}");
        self.status.set_fault(problem.clone());
        self.status.set_problem(Some(problem));
        self.status.ready.store(false, Ordering::Release);
        self.engine = None;
        self.session = None;
    }
}

/// What the worker sends after a frame.
struct Plan {
    chords: Vec<PlannedChord>,
    table: Option<ChordTable>,
    /// The listening frames it was planned with (the timeline counts in with them).
    listen: u32,
}

/// What a caught panic said.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string())
}

/// Find the runtime (telling `status` whether it was found) and the model, check the card,
/// and start a planner.
fn load(chosen: &str, seed: u64, status: &Status) -> Result<Engine, String> {
    let runtime = find_library(resources::library().as_deref()).map_err(|e| e.to_string());
    let environment = runtime.and_then(|library| environment(&library).map_err(|e| e.to_string()));
    status.runtime_found.store(environment.is_ok(), Ordering::Release);
    let environment = environment?;
    let model = resources::model(chosen).ok_or_else(|| {
        "no model: the bundled models folder is missing; reinstall Comper or choose a model folder".to_string()
    })?;
    let (onnx, card_path) = resources::model_files(&model);
    let card = ModelCard::load(&card_path).map_err(|e| format!("model card {}: {e}", card_path.display()))?;
    // `ModelCard::load` has checked the card against this build; a melody agent is refused here.
    card.check_plays(Part::Chords).map_err(|e| format!("model {} cannot be played: {e}", model.display()))?;
    let window = card.window;
    let policy = OnnxPolicy::load(environment, Path::new(&onnx), card).map_err(|e| e.to_string())?;
    Planner::new(Timed::new(policy), window, seed).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Makes the worker's next turn panic.
    pub(super) static PANIC_NEXT_TURN: AtomicBool = AtomicBool::new(false);

    /// Wait for `done`, up to a minute (the panic hook may symbolize a backtrace first).
    fn eventually(done: impl Fn() -> bool) -> bool {
        let since = Instant::now();
        while !done() && since.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(5));
        }
        done()
    }

    #[test]
    fn a_panicking_worker_says_so_and_keeps_serving() {
        let params = Arc::new(ComperParams::default());
        params.model.choose("/nonexistent/model".into());
        let status = Arc::new(Status::default());
        let (_worker, _link) = Worker::spawn(params.clone(), status.clone()).unwrap();
        assert!(eventually(|| status.has_applied(params.model.generation())));
        PANIC_NEXT_TURN.store(true, Ordering::Release);
        assert!(eventually(|| status.last_fault().is_some_and(|p| p.contains("injected fault"))));
        let beat = status.heartbeat();
        assert!(eventually(|| status.heartbeat() > beat), "the worker lives on");
        params.model.choose("/another/missing/model".into());
        assert!(eventually(|| status.has_applied(params.model.generation())), "and still takes new choices");
        assert!(!status.is_ready());
    }
}
