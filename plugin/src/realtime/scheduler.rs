//! The audio thread's conductor: puts the live melody on the host's frame grid, reports
//! every finished frame to the worker, and plays the planned chord at every frame boundary
//! on its exact sample.
//!
//! Nothing here allocates, locks or waits (in real time; see [`Render`]).
//!
//! **Clocks.** While the host plays, frames follow its beat position and a session starts on
//! the next beat. While it is stopped and free-running is on, Comper keeps its own clock at
//! the host's tempo (or the tempo parameter): the first note played is beat 0 of a session,
//! which ends after [`IDLE_BEATS`] without melody.
//!
//! **Takes.** A session is one take: the model hears it whole, once. Starting again inside
//! the take (a loop wrapping around, a seek back, stop and play from a place it has played,
//! up to a bar past the furthest) keeps the session going: its frames run on, so the model
//! keeps what it heard and does not listen again. A jump away from the take, free-running, a
//! model change the worker cannot carry over (see `worker::thread`) and the musician's
//! `New take` start a new session. Every discontinuity releases the sounding chord first.

use super::bars::Bars;
use super::block_info::{BlockInfo, Render, playable_tempo};
use super::chord_notes::{ChordNotes, NoteSink, Touch};
use super::clock::{BlockClock, next_beat_frame, next_frame};
use super::melody::MelodyQuantizer;
use super::plan::PlanRing;
use crate::link::{ChordTable, FromWorker, STALL_LIMIT, Status, TakeNote, ToWorker, WorkerLink};
use comper_music::token::sounding_chord;
use comper_music::{BarPlace, ChordId, FRAMES_PER_BEAT, Part, Token, TokenKind};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use std::time::{Duration, Instant};

/// Beats without melody after which a free-running session ends.
pub const IDLE_BEATS: f64 = 8.0;
/// The tempo when neither the host nor the free-run tempo gives one that can be played.
const DEFAULT_TEMPO: f64 = 120.0;
/// A host position further than this from where the last block ended is a jump.
const JUMP_TOLERANCE_BEATS: f64 = 1.0 / 64.0;
/// The most a humanized strike's velocity moves (±25% at full humanize).
const HUMANIZE_RANGE: f32 = 0.25;
/// How long one look at the worker's queue sleeps while a render waits.
const WAIT_STEP: Duration = Duration::from_micros(20);

/// The parameters the scheduler reads each block.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    pub touch: Touch,
    pub listen_frames: u32,
    pub free_run: bool,
    pub free_tempo: f64,
    pub bypass: bool,
    /// The generation of the model choice (see `params::ModelChoice`).
    pub model_generation: u64,
    /// Seeds the humanizer, so a seed gives the same take every time.
    pub seed: u64,
    /// How long a chord that hears its frame's note waits for a note played just after the
    /// frame's boundary (0: it chooses with what was played by the boundary).
    pub react_window_ms: f64,
}

/// A frame's strike waiting for the note that chooses it.
#[derive(Clone, Copy, Debug)]
struct Waiting {
    table: ChordTable,
    /// The frame position (on the clock) where it stops waiting and plays what the melody holds.
    until: f64,
}

/// The most of a frame a strike waits for its note: later notes belong to the next frame.
const LONGEST_REACT_WINDOW: f64 = 0.5;

/// How a frame's chord is chosen at its boundary.
// On the audio thread's stack: boxing the table would allocate there.
#[allow(clippy::large_enum_variant)]
enum Chosen {
    Now(Token),
    /// By the frame's note, from the worker's table.
    ByTheNote(ChordTable),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Off,
    Host,
    Free,
}

pub struct Scheduler {
    mode: Mode,
    session: u32,
    in_session: bool,
    /// Absolute frame (on the current clock) of the session's frame 0.
    origin: i64,
    /// Absolute frame of the next boundary to play.
    next_boundary: i64,
    clock: BlockClock,
    /// The bar lines on the clock.
    bars: Bars,
    /// Host mode: where the last block ended; Free mode: the clock's position.
    continue_at: Option<f64>,
    /// Host mode: the host positions (beats) the take has played, from where it started to
    /// the furthest block end; a return inside them goes on with it.
    take_beats: Option<(f64, f64)>,
    last_melody_beats: f64,
    melody: MelodyQuantizer,
    notes: ChordNotes,
    /// The chord token of the frame being played, as the model sees it (rhythm aside).
    playing: Token,
    /// The frame being played changed its chord because of its note (reported with it).
    by_note: bool,
    /// The model's chord of the frame being played (it may be silent between rhythm strikes).
    current: Option<ChordId>,
    /// Frames since the chord was last struck.
    rung: u32,
    /// The melody's last key, for keeping chords under it.
    melody_key: Option<u8>,
    /// Varies strike velocities when humanizing; reseeded at every session's start.
    humanizer: ChaCha8Rng,
    plan: PlanRing,
    /// The next frame's chord for each note, when the model hears the note of its frame.
    table: Option<ChordTable>,
    /// The melody token of the last finished frame.
    last_melody: Token,
    /// A strike waiting for its frame's note, within the react window.
    waiting: Option<Waiting>,
    /// The react window in frames at the block's tempo and rate.
    react_window: f64,
    /// Frames of this session the worker has planned from.
    worker_observed: Option<u32>,
    restart_requested: bool,
    /// How much longer this block may wait for the worker.
    wait_budget: Duration,
    /// Time spent waiting since the worker last answered.
    unanswered: Duration,
    /// A render waited [`STALL_LIMIT`] for a silent worker: no more waiting until it answers.
    gave_up: bool,
}

impl Default for Scheduler {
    fn default() -> Self {
        Scheduler {
            mode: Mode::Off,
            session: 0,
            in_session: false,
            origin: 0,
            next_boundary: 0,
            clock: BlockClock::new(0.0, 120.0, 48_000.0, 0),
            bars: Bars::default(),
            continue_at: None,
            take_beats: None,
            last_melody_beats: 0.0,
            melody: MelodyQuantizer::default(),
            notes: ChordNotes::default(),
            playing: Token::SILENCE,
            by_note: false,
            current: None,
            rung: 0,
            melody_key: None,
            humanizer: ChaCha8Rng::seed_from_u64(0),
            plan: PlanRing::default(),
            table: None,
            last_melody: Token::SILENCE,
            waiting: None,
            react_window: 0.0,
            worker_observed: None,
            restart_requested: false,
            wait_budget: Duration::ZERO,
            unanswered: Duration::ZERO,
            gave_up: false,
        }
    }
}

impl Scheduler {
    /// Forget the session: the host has just (re)activated or reset the plugin. What sounded
    /// is still owed its note-offs, sent first in the next block: a host that resets does not
    /// always silence the instrument after Comper.
    pub fn reset(&mut self) {
        let (session, notes) = (self.session, self.notes.owed_after_reset());
        *self = Scheduler { session, notes, ..Scheduler::default() };
    }

    /// True when no chord note sounds and no note-off is owed.
    pub fn is_silent(&self) -> bool {
        self.notes.is_silent()
    }

    /// Start a block: follow the transport, release what must stop, retry refused note-offs.
    pub fn begin_block(
        &mut self,
        info: &BlockInfo,
        settings: &Settings,
        sink: &mut impl NoteSink,
        link: &mut WorkerLink,
    ) {
        self.clock = self.clock.following();
        self.notes.retry_unsent(sink);
        link.status.set_rendering(info.render.into());
        self.wait_budget = match info.render {
            Render::Live => Duration::ZERO,
            Render::Offline => STALL_LIMIT,
            Render::Ahead(budget) => budget,
        };
        // A render waits for the chosen model instead of playing bars without it.
        let generation = settings.model_generation;
        self.wait_for_worker(link, |_, status| !status.has_applied(generation));
        self.drain(link);
        let timed = info.checked();
        let mode = match timed {
            _ if settings.bypass => Mode::Off,
            None => Mode::Off,
            Some(info) if info.playing && info.position_beats.is_some() => Mode::Host,
            Some(_) if settings.free_run => Mode::Free,
            Some(_) => Mode::Off,
        };
        if mode != self.mode {
            let stopped = self.in_session;
            self.end_session(sink);
            self.tell_sent(link);
            if stopped {
                let _ = link.to_worker.push(ToWorker::Stopped { session: self.session });
            }
            self.mode = mode;
            self.continue_at = None;
        }
        let Some(info) = timed else {
            return;
        };
        let tempo = info.tempo.or(playable_tempo(settings.free_tempo)).unwrap_or(DEFAULT_TEMPO);
        match mode {
            Mode::Off => {}
            Mode::Host => {
                let position = info.position_beats.unwrap_or_default();
                self.clock = BlockClock::new(position, tempo, info.sample_rate, info.samples);
                self.bars = Bars::of_host(info.meter, info.bar_start_beats);
                if self.follow_host(position, info.loop_beats, link) {
                    self.notes.release(0, sink);
                    self.playing = Token::SILENCE;
                }
            }
            Mode::Free => {
                let position = self.continue_at.unwrap_or_default();
                self.clock = BlockClock::new(position, tempo, info.sample_rate, info.samples);
                // The free clock's zero is the first note played: bars count from it.
                self.bars = Bars::of_host(info.meter, None);
                if self.in_session && !self.melody.is_holding() && position - self.last_melody_beats > IDLE_BEATS {
                    self.end_session(sink);
                }
            }
        }
        let window = settings.react_window_ms / 1000.0 * f64::from(info.sample_rate) * FRAMES_PER_BEAT as f64
            / self.clock.samples_per_beat;
        self.react_window = if window.is_finite() { window.clamp(0.0, LONGEST_REACT_WINDOW) } else { 0.0 };
        if link.status.take_new_take_request() {
            self.take_beats = None;
            self.restart_requested |= self.in_session;
        }
        if std::mem::take(&mut self.restart_requested) && self.in_session {
            self.notes.release(0, sink);
            let position = self.clock.start_beats;
            self.start_session(next_beat_frame(position), (mode == Mode::Host).then_some(position), link);
        }
        if self.notes.voiced_differently(&settings.touch)
            && let Some(chord) = self.notes.chord()
        {
            self.notes.strike(0, chord, &settings.touch, self.melody_key, sink);
        }
    }

    /// Play every frame boundary, and the end of every react window, before `offset`
    /// (exclusive).
    pub fn advance_to(&mut self, offset: u32, settings: &Settings, sink: &mut impl NoteSink, link: &mut WorkerLink) {
        while self.in_session {
            let boundary = self.clock.offset_of_frame(self.next_boundary);
            let deadline = self.waiting.map_or(i64::MAX, |w| self.clock.offset_of_position(w.until));
            if boundary.min(deadline) >= i64::from(offset) {
                break;
            }
            if deadline <= boundary {
                self.strike_waiting(deadline.max(0) as u32, settings, sink, link);
            } else {
                self.boundary(boundary.max(0) as u32, settings, sink, link);
                self.next_boundary += 1;
            }
        }
        self.tell_sent(link);
    }

    /// A melody note-on at `offset`; in free-running mode it may start a session. A strike
    /// waiting for its frame's note plays now, chosen by it.
    pub fn melody_on(
        &mut self,
        offset: u32,
        (channel, key, velocity): (u8, u8, f32),
        settings: &Settings,
        sink: &mut impl NoteSink,
        link: &mut WorkerLink,
    ) {
        if self.mode == Mode::Free && !self.in_session {
            // The first note is beat 0: shift the free clock so it falls on this sample.
            let shift = f64::from(offset) / self.clock.samples_per_beat;
            self.clock.start_beats = -shift;
            self.start_session(0, None, link);
        }
        if self.in_session {
            let position = self.melody_position(offset);
            self.melody.note_on(position, key);
            self.melody_key = Some(key);
            self.tell_melody(link, TakeNote { at: position, part: Part::Melody, channel, key, velocity, on: true });
            let frame = position.round() as i64;
            if self.waiting.is_some_and(|w| i64::from(w.table.frame) == frame) {
                self.strike_waiting(offset, settings, sink, link);
            }
        }
    }

    /// A melody note about to be forwarded to the instrument on `channel`: a chord tone on its
    /// key makes way (see [`ChordNotes::make_way`]).
    pub fn melody_forwarded(&mut self, offset: u32, channel: u8, key: u8, sink: &mut impl NoteSink) {
        self.notes.make_way(offset, channel, key, sink);
    }

    /// A melody note-off at `offset`.
    pub fn melody_off(&mut self, offset: u32, channel: u8, key: u8, link: &mut WorkerLink) {
        if self.in_session {
            let position = self.melody_position(offset);
            self.melody.note_off(position, key);
            let note = TakeNote { at: position, part: Part::Melody, channel, key, velocity: 0.0, on: false };
            self.tell_melody(link, note);
        }
    }

    /// Tell the worker a melody note of the take, for capture.
    fn tell_melody(&self, link: &mut WorkerLink, note: TakeNote) {
        let _ = link.to_worker.push(ToWorker::Note { session: self.session, note });
    }

    /// Tell the worker the chord notes sent since the last call, placed on the take's frames:
    /// at the end of every `advance_to` (so every block), and before the clock, the origin or
    /// the session changes, so they land where they were heard.
    fn tell_sent(&mut self, link: &mut WorkerLink) {
        let (clock, origin, session) = (self.clock, self.origin as f64, self.session);
        for sent in self.notes.take_sent() {
            let (channel, key, velocity, on) = (sent.channel, sent.key, sent.velocity, sent.on);
            let note = TakeNote {
                at: clock.frame_position(sent.offset) - origin,
                part: Part::Chords,
                channel,
                key,
                velocity,
                on,
            };
            let _ = link.to_worker.push(ToWorker::Note { session, note });
        }
    }

    /// The session frame position of a melody event at `offset`, noting the melody's
    /// activity for the free-running idle timeout.
    fn melody_position(&mut self, offset: u32) -> f64 {
        let position = self.clock.frame_position(offset);
        self.last_melody_beats = position / FRAMES_PER_BEAT as f64;
        position - self.origin as f64
    }

    /// Finish the block: play the remaining boundaries and remember where it ended.
    pub fn end_block(
        &mut self,
        info: &BlockInfo,
        settings: &Settings,
        sink: &mut impl NoteSink,
        link: &mut WorkerLink,
    ) {
        self.advance_to(info.samples, settings, sink, link);
        self.continue_at = match self.mode {
            Mode::Off => None,
            Mode::Host | Mode::Free => Some(self.clock.end_beats()),
        };
        if let Some((_, furthest)) = self.take_beats.as_mut().filter(|_| self.in_session) {
            *furthest = furthest.max(self.clock.end_beats());
        }
    }

    /// Follow the host's position; true if it jumped (the chord must be released). A start
    /// or a jump inside the take, or a loop wrapping around, goes on with the take (see the
    /// module doc); anything else starts a new one on the next beat.
    fn follow_host(&mut self, position: f64, loop_beats: Option<(f64, f64)>, link: &mut WorkerLink) -> bool {
        let (jumped, wrapped) = match self.continue_at {
            None => (false, false),
            Some(expected) if (position - expected).abs() > JUMP_TOLERANCE_BEATS => {
                let wrapped = loop_beats.is_some_and(|(start, end)| {
                    (position - start).abs() <= JUMP_TOLERANCE_BEATS && expected >= end - JUMP_TOLERANCE_BEATS
                });
                (true, wrapped)
            }
            Some(_) => return false,
        };
        let inside = self.take_beats.is_some_and(|(start, furthest)| {
            let bar = self.bars.meter.beats_per_bar();
            (start - JUMP_TOLERANCE_BEATS..=furthest + bar).contains(&position)
        });
        if (jumped && wrapped && self.in_session) || inside {
            self.tell_sent(link);
            self.go_on_from(position);
        } else {
            self.start_session(next_beat_frame(position), Some(position), link);
        }
        jumped
    }

    /// Go on with the take from host position `position`: its frames run on from the first
    /// frame there on the same place in the beat, so the model's beat grid holds.
    fn go_on_from(&mut self, position: f64) {
        if !self.in_session {
            // Played again after a stop: nothing held then is held now.
            self.melody.clear();
            self.in_session = true;
        }
        let played = self.next_boundary - self.origin;
        let next = next_frame(position);
        self.next_boundary = next + (self.next_boundary - next).rem_euclid(FRAMES_PER_BEAT as i64);
        self.origin = self.next_boundary - played;
    }

    /// A new take from absolute frame `origin`; `host_beats`: where the host started it.
    fn start_session(&mut self, origin: i64, host_beats: Option<f64>, link: &mut WorkerLink) {
        self.tell_sent(link);
        self.take_beats = host_beats.map(|beats| (beats, beats));
        self.session = self.session.wrapping_add(1);
        self.in_session = true;
        self.origin = origin;
        self.next_boundary = origin;
        self.melody.clear();
        self.plan.clear();
        self.table = None;
        self.waiting = None;
        self.last_melody = Token::SILENCE;
        self.playing = Token::SILENCE;
        self.by_note = false;
        self.current = None;
        self.melody_key = None;
        self.worker_observed = None;
        let first_frame_in_bar = self.bar_place(0).frame;
        let _ = link.to_worker.push(ToWorker::Start { session: self.session, first_frame_in_bar });
    }

    fn end_session(&mut self, sink: &mut impl NoteSink) {
        self.notes.release(0, sink);
        self.waiting = None;
        self.in_session = false;
        self.playing = Token::SILENCE;
        self.current = None;
    }

    /// Frame boundary `self.next_boundary` at sample `offset`: report the frame that ended,
    /// then play the planned chord of the one that begins.
    fn boundary(&mut self, offset: u32, settings: &Settings, sink: &mut impl NoteSink, link: &mut WorkerLink) {
        let frame = (self.next_boundary - self.origin) as u32;
        if frame > 0 {
            let melody = self.melody.finalize(i64::from(frame) - 1);
            self.last_melody = melody;
            let by_note = std::mem::take(&mut self.by_note);
            let bar = self.bar_place(frame - 1);
            let (session, chord) = (self.session, self.playing);
            let report = ToWorker::Frame { session, frame: frame - 1, chord, melody, by_note, bar };
            let _ = link.to_worker.push(report);
        }
        if frame == 0 {
            self.humanizer = ChaCha8Rng::seed_from_u64(settings.seed);
        }
        match self.chord_for(frame, settings, link) {
            Chosen::ByTheNote(table) => {
                let melody = self.melody.so_far(i64::from(frame));
                let chord = table.chord(melody);
                self.by_note = table.changed_by(melody);
                let rhythm = &settings.touch.rhythm;
                // Without a note yet, the strike waits for a late one only where waiting is
                // silent: the chord would hold on, and the rhythm plays nothing on this frame.
                // So every strike stays on the grid unless a late note makes it.
                let silent_wait = sounding_chord(chord) == self.current
                    && !matches!(chord.kind(), TokenKind::ChordOn(_))
                    && rhythm.rings_for().is_none()
                    && !rhythm.strikes_at(self.bar_place(frame).frame, self.bars.meter);
                if self.react_window > 0.0 && !matches!(melody.kind(), TokenKind::NoteOn(_)) && silent_wait {
                    let until = self.next_boundary as f64 + self.react_window;
                    self.waiting = Some(Waiting { table, until });
                } else {
                    self.strike_frame(frame, chord, offset, settings, sink, link);
                }
            }
            Chosen::Now(token) => self.strike_frame(frame, token, offset, settings, sink, link),
        }
    }

    /// The waiting strike, at `offset`, chosen by what its frame's melody holds by then.
    fn strike_waiting(&mut self, offset: u32, settings: &Settings, sink: &mut impl NoteSink, link: &mut WorkerLink) {
        if let Some(Waiting { table, .. }) = self.waiting.take() {
            let melody = self.melody.so_far(i64::from(table.frame));
            self.by_note = table.changed_by(melody);
            self.strike_frame(table.frame, table.chord(melody), offset, settings, sink, link);
        }
    }

    /// Play `frame`'s chord and tell the worker how the frame began.
    fn strike_frame(
        &mut self,
        frame: u32,
        chord: Token,
        offset: u32,
        settings: &Settings,
        sink: &mut impl NoteSink,
        link: &mut WorkerLink,
    ) {
        self.play(chord, offset, self.bar_place(frame), &settings.touch, sink);
        let melody = self.melody.so_far(i64::from(frame));
        let _ = link.to_worker.push(ToWorker::Begun { session: self.session, frame, chord: self.playing, melody });
    }

    /// Where session frame `frame` falls in its bar.
    fn bar_place(&self, frame: u32) -> BarPlace {
        BarPlace { meter: self.bars.meter, frame: self.bars.frame_in_bar(self.origin + i64::from(frame)) }
    }

    fn chord_for(&mut self, frame: u32, settings: &Settings, link: &mut WorkerLink) -> Chosen {
        if frame < settings.listen_frames {
            return Chosen::Now(Token::SILENCE);
        }
        self.drain(link);
        // A render waits until the worker has planned from every frame before this one.
        let behind = |s: &Self| s.worker_observed.is_none_or(|observed| observed < frame);
        self.wait_for_worker(link, |s, status| status.is_ready() && behind(s));
        if let Some(table) = self.table.filter(|t| t.frame == frame && t.after == self.last_melody) {
            // The chord hears this frame's note: one played at most half a frame early, on
            // the boundary's own sample, or within the react window after it.
            return Chosen::ByTheNote(table);
        }
        Chosen::Now(match self.plan.get(frame) {
            Some(planned) => planned.token,
            None => {
                if link.status.is_ready() {
                    link.status.count_miss();
                }
                self.current.map_or(Token::SILENCE, Token::chord_hold)
            }
        })
    }

    /// Renders only (the block's wait budget is zero live): sleep while `waiting` holds,
    /// taking the worker's messages meanwhile, within the block's budget and [`STALL_LIMIT`].
    fn wait_for_worker(&mut self, link: &mut WorkerLink, waiting: impl Fn(&Self, &Status) -> bool) {
        let mut last = Instant::now();
        while !self.gave_up && !self.wait_budget.is_zero() && waiting(self, &link.status) {
            std::thread::sleep(WAIT_STEP);
            let now = Instant::now();
            let step = now.duration_since(last);
            last = now;
            self.wait_budget = self.wait_budget.saturating_sub(step);
            self.unanswered += step;
            self.drain(link);
            if self.unanswered >= STALL_LIMIT {
                self.gave_up = true;
                link.status.count_render_stall();
            }
        }
        if !waiting(self, &link.status) {
            self.unanswered = Duration::ZERO;
        }
    }

    /// Play a frame's chord token: the model's chord decides what sounds and when it changes,
    /// the rhythm (counted in the bar's meter) adds strikes and releases.
    fn play(&mut self, token: Token, offset: u32, bar: BarPlace, touch: &Touch, sink: &mut impl NoteSink) {
        let chord = sounding_chord(token);
        let changed = chord != self.current || matches!(token.kind(), TokenKind::ChordOn(_));
        self.current = chord;
        let Some(chord) = chord else {
            self.playing = Token::SILENCE;
            self.notes.release(offset, sink);
            return;
        };
        self.playing = if changed { Token::chord_on(chord) } else { Token::chord_hold(chord) };
        // A sustained chord the host refused to start is struck again.
        let unheard = touch.rhythm.rings_for().is_none() && self.notes.chord() != Some(chord);
        if changed || unheard || touch.rhythm.strikes_at(bar.frame, bar.meter) {
            let spread = touch.humanize.clamp(0.0, 1.0) * HUMANIZE_RANGE;
            let velocity = touch.velocity * (1.0 + self.humanizer.random_range(-spread..=spread));
            let touch = Touch { velocity: velocity.clamp(0.01, 1.0), ..*touch };
            self.notes.strike(offset, chord, &touch, self.melody_key, sink);
            self.rung = 0;
        } else {
            self.rung += 1;
            if touch.rhythm.rings_for().is_some_and(|frames| self.rung >= frames) {
                self.notes.release(offset, sink);
            }
        }
    }

    /// Take the worker's messages; any message shows it is alive, so a render waits for it
    /// again.
    fn drain(&mut self, link: &mut WorkerLink) {
        while let Ok(message) = link.from_worker.pop() {
            self.unanswered = Duration::ZERO;
            self.gave_up = false;
            match message {
                FromWorker::Chord { session, chord } if session == self.session => self.plan.insert(chord),
                // Live, frame t's table comes while frame t − 1 plays (the worker makes it
                // when t − 1 begins); the plan the worker sends after each report carries
                // the table of an earlier frame, which must not replace it.
                FromWorker::Table { session, table }
                    if session == self.session && self.table.is_none_or(|held| held.frame <= table.frame) =>
                {
                    self.table = Some(table)
                }
                FromWorker::Planned { session, observed } if session == self.session => {
                    self.worker_observed = Some(observed)
                }
                FromWorker::Restart => self.restart_requested = true,
                _ => {}
            }
        }
    }
}
