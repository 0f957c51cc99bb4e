//! A test rig for the scheduler: a worker that answers synchronously between blocks with a
//! scripted plan, and a recorder of the notes the audio thread sends.

use super::chord_notes::tests::Recorder;
use super::{BlockInfo, Render, Scheduler, Settings, Touch};
use crate::link::{ChordTable, FromWorker, Status, TakeNote, ToWorker, WorkerLink};
use comper_inference::PlannedChord;
use comper_music::{BarPlace, ChordId, Meter, Token, TokenKind};
use rtrb::{Consumer, Producer, RingBuffer};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Samples per frame at the rig's default 120 BPM and 48 kHz.
pub const FRAME: u64 = 6_000;
/// The channel and velocity the rig plays its melody with.
pub const MELODY_CHANNEL: u8 = 0;
pub const MELODY_VELOCITY: f32 = 0.6;

/// Plans a new chord every beat (C, F, G, C, …) after the listen period, held in between,
/// `ahead` frames ahead, answering synchronously between blocks.
pub struct ScriptedWorker {
    from_audio: Consumer<ToWorker>,
    to_audio: Producer<FromWorker>,
    session: u32,
    observed: u32,
    pub ahead: u32,
    /// Answer each frame's start with the next frame's chord table, as the real worker does
    /// when the chords hear the note: an onset of key `k` gets the major triad on `k`'s pitch
    /// class, anything else the scripted chord.
    pub tables: bool,
    pub starts: usize,
    pub reports: Vec<(u32, Token, Token)>,
    /// Where each reported frame fell in its bar.
    pub bars: Vec<BarPlace>,
    /// The notes of the take told for capture.
    pub notes: Vec<TakeNote>,
    /// The frames reported as changed by their note.
    pub by_note: Vec<u32>,
}

impl ScriptedWorker {
    pub fn chord(frame: u32) -> Token {
        let roots = [0, 5, 7, 0];
        let id = ChordId::from_index(roots[(frame / 4 % 4) as usize] * 15).unwrap();
        if frame.is_multiple_of(4) { Token::chord_on(id) } else { Token::chord_hold(id) }
    }

    /// Tell the audio thread, as the real worker does, that another model is now loaded.
    pub fn change_model(&mut self) {
        self.to_audio.push(FromWorker::Restart).unwrap();
    }

    fn new(from_audio: Consumer<ToWorker>, to_audio: Producer<FromWorker>) -> ScriptedWorker {
        ScriptedWorker {
            from_audio,
            to_audio,
            session: 0,
            observed: 0,
            ahead: 8,
            tables: false,
            starts: 0,
            reports: Vec::new(),
            bars: Vec::new(),
            notes: Vec::new(),
            by_note: Vec::new(),
        }
    }

    /// The chord the scripted table gives an onset of `key`.
    pub fn heard(key: u8) -> Token {
        Token::chord_on(ChordId::from_index(usize::from(key % 12) * 15).unwrap())
    }

    /// The scripted table of `frame` after `melody`.
    fn table(&self, frame: u32, melody: Token) -> ChordTable {
        ChordTable::new(frame, melody, |melody| match melody.kind() {
            TokenKind::NoteOn(key) => Self::heard(key),
            _ => Self::chord(frame),
        })
    }

    /// Take the audio thread's messages and, if any came, send the plan from what it has heard.
    fn serve(&mut self) {
        let mut heard = false;
        while let Ok(message) = self.from_audio.pop() {
            heard = true;
            match message {
                ToWorker::Start { session, .. } => {
                    (self.session, self.observed) = (session, 0);
                    self.starts += 1;
                }
                ToWorker::Frame { session, frame, chord, melody, by_note, bar } if session == self.session => {
                    self.reports.push((frame, chord, melody));
                    self.bars.push(bar);
                    if by_note {
                        self.by_note.push(frame);
                    }
                    self.observed = frame + 1;
                }
                ToWorker::Begun { session, frame, melody, .. } if session == self.session && self.tables => {
                    let table = self.table(frame + 1, melody);
                    self.to_audio.push(FromWorker::Table { session, table }).unwrap();
                }
                ToWorker::Note { session, note } if session == self.session => self.notes.push(note),
                ToWorker::Frame { .. } | ToWorker::Begun { .. } | ToWorker::Note { .. } | ToWorker::Stopped { .. } => {}
            }
        }
        if !heard {
            return;
        }
        for frame in self.observed..self.observed + self.ahead {
            let chord = PlannedChord { frame, token: Self::chord(frame), committed: true };
            self.to_audio.push(FromWorker::Chord { session: self.session, chord }).unwrap();
        }
        if self.tables {
            // As the real worker's plan does, the table of the frame after the last report
            // comes last, live already older than the one its frame's start asked for.
            let after = self.reports.last().map_or(Token::SILENCE, |r| r.2);
            let table = self.table(self.observed, after);
            self.to_audio.push(FromWorker::Table { session: self.session, table }).unwrap();
        }
        self.to_audio.push(FromWorker::Planned { session: self.session, observed: self.observed }).unwrap();
    }
}

pub struct Rig {
    pub scheduler: Scheduler,
    pub link: WorkerLink,
    pub worker: ScriptedWorker,
    pub settings: Settings,
    pub sink: Recorder,
    pub sample_rate: f32,
    pub tempo: f64,
    pub render: Render,
    /// The host's time signature (none: the host gives none).
    pub meter: Option<Meter>,
    /// Absolute sample of the next block, and the recorded events' absolute samples.
    pub now: u64,
    pub events: Vec<(u64, bool, u8, u8)>,
}

impl Rig {
    /// A rig at 48 kHz and 120 BPM, listening `listen_beats` before the first chord.
    pub fn new(listen_beats: u32) -> Rig {
        let (to_worker, from_audio) = RingBuffer::new(4096);
        let (to_audio, from_worker) = RingBuffer::new(4096);
        let status = Arc::new(Status::default());
        status.ready.store(true, Ordering::Release);
        status.applied_generation.store(0, Ordering::Release);
        let settings = Settings {
            touch: Touch::default(),
            listen_frames: listen_beats * 4,
            free_run: false,
            free_tempo: 120.0,
            bypass: false,
            model_generation: 0,
            seed: 1,
            react_window_ms: 0.0,
        };
        Rig {
            scheduler: Scheduler::default(),
            link: WorkerLink { to_worker, from_worker, status },
            worker: ScriptedWorker::new(from_audio, to_audio),
            settings,
            sink: Recorder::default(),
            sample_rate: 48_000.0,
            tempo: 120.0,
            render: Render::Live,
            meter: None,
            now: 0,
            events: Vec::new(),
        }
    }

    /// One block of `samples` with melody events `(offset, on, key)`; `position` is the
    /// host's beat position (None: transport stopped).
    pub fn block(
        &mut self,
        samples: u32,
        position: Option<f64>,
        loop_beats: Option<(f64, f64)>,
        melody: &[(u32, bool, u8)],
    ) {
        let info = BlockInfo {
            samples,
            sample_rate: self.sample_rate,
            playing: position.is_some(),
            tempo: Some(self.tempo),
            position_beats: position,
            loop_beats,
            meter: self.meter,
            // As nice-plug works it out from the meter when a host gives no bar start.
            bar_start_beats: self.meter.zip(position).map(|(meter, beats)| {
                let bar = meter.beats_per_bar();
                (beats / bar).floor() * bar
            }),
            render: self.render,
        };
        self.sink.events.clear();
        self.scheduler.begin_block(&info, &self.settings, &mut self.sink, &mut self.link);
        for &(offset, on, key) in melody {
            self.scheduler.advance_to(offset, &self.settings, &mut self.sink, &mut self.link);
            if on {
                let played = (MELODY_CHANNEL, key, MELODY_VELOCITY);
                self.scheduler.melody_on(offset, played, &self.settings, &mut self.sink, &mut self.link);
            } else {
                self.scheduler.melody_off(offset, MELODY_CHANNEL, key, &mut self.link);
            }
        }
        self.scheduler.end_block(&info, &self.settings, &mut self.sink, &mut self.link);
        let mut last = 0;
        for &(offset, on, channel, key) in &self.sink.events {
            assert!(offset < samples.max(1) && offset >= last, "events in order and inside the block");
            last = offset;
            self.events.push((self.now + u64::from(offset), on, channel, key));
        }
        self.now += u64::from(samples);
        self.worker.serve();
    }

    /// Play `blocks` blocks of `size` samples from the current position, transport running.
    pub fn play(&mut self, size: u32, blocks: usize) {
        for _ in 0..blocks {
            let beats = self.now as f64 * self.tempo / 60.0 / f64::from(self.sample_rate);
            self.block(size, Some(beats), None, &[]);
        }
    }

    /// [`play`](Self::play) with the scripted worker on a thread of its own, as the real
    /// worker runs, so a render can wait for it; after `stuck_after` blocks it answers nothing
    /// more.
    pub fn play_with_worker_thread(&mut self, size: u32, blocks: usize, stuck_after: usize) {
        let (_, unheard) = RingBuffer::new(1);
        let (unread, _) = RingBuffer::new(1);
        let mut worker = std::mem::replace(&mut self.worker, ScriptedWorker::new(unheard, unread));
        let (stop, stuck) = (AtomicBool::new(false), AtomicBool::new(false));
        self.worker = std::thread::scope(|scope| {
            let serving = scope.spawn(|| {
                while !stop.load(Ordering::Acquire) {
                    if !stuck.load(Ordering::Acquire) {
                        worker.serve();
                    }
                    std::thread::sleep(Duration::from_micros(50));
                }
                worker
            });
            self.play(size, stuck_after.min(blocks));
            stuck.store(true, Ordering::Release);
            self.play(size, blocks.saturating_sub(stuck_after));
            stop.store(true, Ordering::Release);
            serving.join().unwrap()
        });
    }

    /// Play `blocks` blocks of `size` samples, transport running, with melody events
    /// `(sample, on, key)` at absolute samples.
    pub fn play_melody(&mut self, size: u32, blocks: usize, melody: &[(u64, bool, u8)]) {
        for _ in 0..blocks {
            let beats = self.now as f64 * self.tempo / 60.0 / f64::from(self.sample_rate);
            let end = self.now + u64::from(size);
            let events: Vec<(u32, bool, u8)> = melody
                .iter()
                .filter(|e| (self.now..end).contains(&e.0))
                .map(|&(sample, on, key)| ((sample - self.now) as u32, on, key))
                .collect();
            self.block(size, Some(beats), None, &events);
        }
    }

    /// Keys sounding after every event so far.
    pub fn sounding(&self) -> Vec<(u8, u8)> {
        Recorder {
            events: self.events.iter().map(|&(t, on, c, k)| (t as u32, on, c, k)).collect(),
            ..Recorder::default()
        }
        .sounding()
    }
}
