//! The take so far, as the window draws it and capture writes it: every frame the audio
//! thread reported (the melody and the chord that sounded), the worker's current plan, and the
//! take's live note-in-chord ratio. Kept by the worker, which may allocate; the window reads
//! it behind a mutex the audio thread never touches.

use comper_inference::PlannedChord;
use comper_music::metrics::FRAMES_PER_BAR;
use comper_music::spelling::Spelling;
use comper_music::token::{note_in_chord, sounding_chord, sounding_pitch};
use comper_music::{ChordId, FRAMES_PER_BEAT, FrameTracks, Take, Token, Voicing};
use std::collections::VecDeque;

/// Frames kept: the last 128 bars of 4/4 (capture exports at most this much).
pub const MAX_FRAMES: usize = 128 * 4 * FRAMES_PER_BEAT;

#[derive(Clone, Debug, Default)]
pub struct Timeline {
    /// The session the frames belong to; a new session starts a new take.
    session: Option<u32>,
    /// The session frame of the oldest kept frame.
    first: u32,
    melody: VecDeque<Token>,
    chords: VecDeque<Token>,
    /// Per kept frame: its chord changed because of the note played on it.
    by_note: VecDeque<bool>,
    plan: Vec<PlannedChord>,
    /// The next frame's chord if the melody goes on as it is, from the worker's table.
    if_held: Option<(u32, Token)>,
    listen_frames: u32,
    hits: u32,
    counted: u32,
}

/// One reported frame, for drawing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlayedFrame {
    pub frame: u32,
    pub melody: Token,
    pub chord: Token,
    /// The chord changed because of the note played on this frame.
    pub by_note: bool,
}

impl Timeline {
    /// A new session: forget the previous take.
    pub fn start(&mut self, session: u32) {
        *self = Timeline { session: Some(session), listen_frames: self.listen_frames, ..Timeline::default() };
    }

    /// What sounded in `frame` of the current session (frames arrive in order), and whether
    /// the note played on it changed the chord.
    pub fn record(&mut self, frame: u32, chord: Token, melody: Token, by_note: bool) {
        if self.session.is_none() || frame != self.next_frame() {
            return;
        }
        if self.melody.len() == MAX_FRAMES {
            self.melody.pop_front();
            self.chords.pop_front();
            self.by_note.pop_front();
            self.first += 1;
        }
        self.melody.push_back(melody);
        self.chords.push_back(chord);
        self.by_note.push_back(by_note);
        if let Some(hit) = note_in_chord(melody, chord) {
            self.counted += 1;
            self.hits += u32::from(hit);
        }
    }

    /// The plan just sent to the audio thread, and the listen setting it was made with.
    pub fn set_plan(&mut self, plan: &[PlannedChord], listen_frames: u32) {
        self.plan.clear();
        self.plan.extend_from_slice(plan);
        self.listen_frames = listen_frames;
    }

    /// The chord `frame` will sound if the melody goes on as it is.
    pub fn set_if_held(&mut self, frame: u32, chord: Token) {
        self.if_held = Some((frame, chord));
    }

    /// The next frame's chord if the melody goes on as it is (none before the worker said,
    /// or once that frame has passed).
    pub fn if_held(&self) -> Option<ChordId> {
        self.if_held.filter(|&(frame, _)| frame >= self.next_frame()).and_then(|(_, chord)| sounding_chord(chord))
    }

    /// The session the take belongs to.
    pub fn session(&self) -> Option<u32> {
        self.session
    }

    /// The oldest frame kept (0 until the take outgrows [`MAX_FRAMES`]).
    pub fn first_frame(&self) -> u32 {
        self.first
    }

    /// The next frame the take expects.
    pub fn next_frame(&self) -> u32 {
        self.first + self.melody.len() as u32
    }

    /// The key of the last two bars of melody (`None` while they are silent): chords are
    /// named in it.
    pub fn key(&self) -> Option<Spelling> {
        let recent = || self.melody.iter().rev().take(2 * FRAMES_PER_BAR);
        recent().any(|&t| sounding_pitch(t).is_some()).then(|| Spelling::of_melody(recent()))
    }

    /// The played frames from `from` on (clipped to what is kept).
    pub fn played_since(&self, from: u32) -> impl Iterator<Item = PlayedFrame> + '_ {
        let skip = from.saturating_sub(self.first) as usize;
        let frames = self.melody.iter().zip(&self.chords).zip(&self.by_note);
        frames.enumerate().skip(skip).map(|(i, ((&melody, &chord), &by_note))| PlayedFrame {
            frame: self.first + i as u32,
            melody,
            chord,
            by_note,
        })
    }

    /// The upcoming frames of the plan.
    pub fn plan(&self) -> &[PlannedChord] {
        &self.plan
    }

    /// The chord sounding in the last reported frame.
    pub fn current_chord(&self) -> Option<ChordId> {
        self.chords.back().copied().and_then(sounding_chord)
    }

    /// Whole beats Comper still listens before it plays, while it listens.
    pub fn count_in_beats(&self) -> Option<u32> {
        let heard = self.next_frame();
        (self.session.is_some() && heard < self.listen_frames)
            .then(|| (self.listen_frames - heard).div_ceil(FRAMES_PER_BEAT as u32))
    }

    /// The take's note-in-chord ratio so far (`None` before a frame had both).
    pub fn harmony(&self) -> Option<f32> {
        (self.counted > 0).then(|| self.hits as f32 / self.counted as f32)
    }

    /// At least the last `bars` bars as a MIDI take, from a bar line (bars of 4/4 counted
    /// from the session's start) that is still kept.
    pub fn capture(&self, bars: u32, tempo: f64, voicing: Voicing, velocity: f32) -> Take {
        let bar = FRAMES_PER_BAR as u32;
        let back = self.next_frame().saturating_sub(bars * bar) / bar * bar;
        let from = back.max(self.first.div_ceil(bar) * bar);
        let tracks = self.tracks_since(from);
        Take::from_frames(&tracks.melody, &tracks.chords, tempo, voicing, velocity)
    }

    /// The melody and chord tracks played from frame `from` on (clipped to what is kept).
    pub fn tracks_since(&self, from: u32) -> FrameTracks {
        let (melody, chords) = self.played_since(from).map(|f| (f.melody, f.chord)).unzip();
        FrameTracks { melody, chords }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use comper_music::{Chord, PitchClass, Quality};

    fn c_major() -> ChordId {
        ChordId::of(Chord::new(PitchClass::new(0), Quality::Major))
    }

    #[test]
    fn records_in_order_and_scores_the_take() {
        let mut timeline = Timeline::default();
        timeline.record(0, Token::chord_on(c_major()), Token::note_on(60), false);
        assert_eq!(timeline.next_frame(), 0, "nothing is kept before a session starts");
        timeline.start(7);
        timeline.record(0, Token::chord_on(c_major()), Token::note_on(60), false);
        timeline.record(1, Token::chord_hold(c_major()), Token::note_on(61), true);
        timeline.record(5, Token::chord_hold(c_major()), Token::note_on(62), false);
        assert_eq!(timeline.next_frame(), 2, "a frame out of order is ignored");
        assert_eq!(timeline.harmony(), Some(0.5));
        assert_eq!(timeline.current_chord(), Some(c_major()));
        assert_eq!(timeline.played_since(1).map(|f| (f.frame, f.by_note)).collect::<Vec<_>>(), [(1, true)]);
    }

    #[test]
    fn hears_the_key_of_the_last_two_bars() {
        let mut timeline = Timeline::default();
        timeline.start(1);
        assert_eq!(timeline.key(), None, "no melody, no key");
        // Two bars in C major, then two in F major with its B♭.
        let c = [60, 62, 64, 65, 67, 69, 71, 72];
        let f = [65, 67, 69, 70, 72, 74, 76, 77];
        for (frame, key) in c.iter().chain(&f).flat_map(|&k| [k; 4]).enumerate() {
            timeline.record(frame as u32, Token::SILENCE, Token::note_on(key), false);
        }
        assert_eq!(timeline.key().map(|k| k.name()).as_deref(), Some("F major / D minor"));
    }

    #[test]
    fn shows_the_next_chord_if_the_melody_holds_until_that_frame_is_played() {
        let mut timeline = Timeline::default();
        timeline.start(1);
        timeline.set_if_held(1, Token::chord_on(c_major()));
        timeline.record(0, Token::SILENCE, Token::note_on(60), false);
        assert_eq!(timeline.if_held(), Some(c_major()));
        timeline.record(1, Token::chord_on(c_major()), Token::note_hold(60), false);
        assert_eq!(timeline.if_held(), None, "that frame has passed");
    }

    #[test]
    fn counts_in_while_listening() {
        let mut timeline = Timeline::default();
        timeline.set_plan(&[], 8 * FRAMES_PER_BEAT as u32);
        timeline.start(1);
        assert_eq!(timeline.count_in_beats(), Some(8));
        for f in 0..5 {
            timeline.record(f, Token::SILENCE, Token::SILENCE, false);
        }
        assert_eq!(timeline.count_in_beats(), Some(7));
    }

    #[test]
    fn keeps_a_bounded_history_and_captures_whole_bars() {
        let mut timeline = Timeline::default();
        timeline.start(1);
        let total = MAX_FRAMES as u32 + 40;
        for f in 0..total {
            timeline.record(f, Token::chord_on(c_major()), Token::note_on(60), false);
        }
        assert_eq!(timeline.played_since(0).count(), MAX_FRAMES);
        let take = timeline.capture(2, 120.0, Voicing::default(), 0.7);
        // Two bars back from the end is frame total − 32, inside the bar that starts at total − 40.
        assert_eq!(take.markers.len(), 40);
        assert_eq!(take.markers[0].0, 0.0);
    }
}
