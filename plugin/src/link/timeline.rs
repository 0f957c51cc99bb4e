//! The take so far, as the window draws it and capture writes it: every frame the audio
//! thread reported (the melody and the chord that sounded), the notes heard in them (chord
//! tones as sent, the melody as played), the worker's current plan, and the take's live
//! note-in-chord ratio. Kept by the worker, which may allocate; the window reads
//! it behind a mutex the audio thread never touches.

use comper_inference::PlannedChord;
use comper_music::spelling::{HEARD_FRAMES, Spelling};
use comper_music::take::TakeEvent;
use comper_music::token::{note_in_chord, sounding_chord};
use comper_music::{BarPlace, ChordId, FRAMES_PER_BEAT, FrameTracks, Meter, Part, Take, Token};
use std::collections::VecDeque;

/// Frames kept: the last 128 bars of 4/4 (capture exports at most this much).
pub const MAX_FRAMES: usize = 128 * 4 * FRAMES_PER_BEAT;
/// Notes kept: far more than those frames hold at the densest rhythm and melody.
const MAX_NOTES: usize = 32 * MAX_FRAMES;

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
    /// Per kept frame: where it fell in the host's bar.
    bars: VecDeque<BarPlace>,
    /// The notes heard, in the order they were told.
    notes: VecDeque<TakeNote>,
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

/// A note of a take as it was heard: a chord tone as it went out to the host, or a melody
/// note as it came in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TakeNote {
    /// Where it fell, in (fractional) frames from the session's frame 0.
    pub at: f64,
    pub part: Part,
    pub channel: u8,
    pub key: u8,
    /// 0 for a note-off.
    pub velocity: f32,
    pub on: bool,
}

impl Timeline {
    /// A new session: forget the previous take.
    pub fn start(&mut self, session: u32) {
        *self = Timeline { session: Some(session), listen_frames: self.listen_frames, ..Timeline::default() };
    }

    /// What sounded in `frame` of the current session (frames arrive in order), whether
    /// the note played on it changed the chord, and where it fell in its bar.
    pub fn record(&mut self, frame: u32, chord: Token, melody: Token, by_note: bool, bar: BarPlace) {
        if self.session.is_none() || frame != self.next_frame() {
            return;
        }
        if self.melody.len() == MAX_FRAMES {
            self.melody.pop_front();
            self.chords.pop_front();
            self.by_note.pop_front();
            self.bars.pop_front();
            self.first += 1;
            while self.notes.front().is_some_and(|n| n.at < f64::from(self.first)) {
                self.notes.pop_front();
            }
        }
        self.melody.push_back(melody);
        self.chords.push_back(chord);
        self.by_note.push_back(by_note);
        self.bars.push_back(bar);
        if let Some(hit) = note_in_chord(melody, chord) {
            self.counted += 1;
            self.hits += u32::from(hit);
        }
    }

    /// A note heard in the current session (chord tones as sent, the melody as played).
    pub fn record_note(&mut self, note: TakeNote) {
        if self.session.is_none() {
            return;
        }
        if self.notes.len() == MAX_NOTES {
            self.notes.pop_front();
        }
        self.notes.push_back(note);
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

    /// The next chord change the plan holds after the frame playing now, and the frames until
    /// it: the window's "F in 2 beats". A plan that only silences or holds the chord has none.
    pub fn next_change(&self) -> Option<(ChordId, u32)> {
        let now = self.next_frame();
        let playing = self.plan.iter().find(|c| c.frame == now).map(|c| sounding_chord(c.token));
        let current = playing.unwrap_or(self.current_chord());
        self.plan.iter().filter(|c| c.frame > now).find_map(|c| {
            sounding_chord(c.token).filter(|&chord| Some(chord) != current).map(|chord| (chord, c.frame - now))
        })
    }

    /// The keys sounding now, per part: chord tones as sent, the melody as played.
    pub fn sounding_keys(&self, part: Part) -> Vec<u8> {
        let mut sounding = Sounding::default();
        for note in self.notes.iter().filter(|n| n.part == part) {
            sounding.follow(note);
        }
        sounding.0.iter().map(|&(_, key, _)| key).collect()
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
        Spelling::heard(self.melody.iter().rev().take(HEARD_FRAMES))
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

    /// Where `frame` falls in its bar: as reported, or counted from the nearest reported frame
    /// in its meter (4/4 from the session's start before any).
    pub fn bar_place(&self, frame: u32) -> BarPlace {
        let (Some(&oldest), Some(&last)) = (self.bars.front(), self.bars.back()) else {
            return BarPlace::counted(Meter::COMMON, frame);
        };
        let newest = self.next_frame() - 1;
        if frame > newest {
            last.after(frame - newest)
        } else if frame < self.first {
            let bar = oldest.meter.frames_per_bar();
            let back = (self.first - frame) % bar;
            BarPlace { meter: oldest.meter, frame: (oldest.frame + bar - back) % bar }
        } else {
            self.bars[(frame - self.first) as usize]
        }
    }

    /// At least the last `bars` bars as a MIDI take, from a bar line that is still kept (the
    /// first kept frame when none is): the notes as they were heard, in the meters the host
    /// played them in, with the chord names as markers.
    pub fn capture(&self, bars: u32, tempo: f64) -> Take {
        let end = self.next_frame();
        let bar = self.bars.back().map_or(Meter::COMMON, |b| b.meter).frames_per_bar();
        let back = end.saturating_sub(bars.saturating_mul(bar));
        let kept = || (self.first..).zip(self.bars.iter().copied());
        let downbeats = || kept().filter(|(_, place)| place.is_downbeat()).map(|(frame, _)| frame);
        let from = downbeats().filter(|&f| f <= back).last().or_else(|| downbeats().next()).unwrap_or(self.first);
        let tracks = self.tracks_since(from);
        let mut take = Take {
            tempo,
            meters: vec![(0.0, Meter::COMMON)],
            melody: self.heard(Part::Melody, from, end),
            chords: self.heard(Part::Chords, from, end),
            markers: Take::chord_markers(&tracks.melody, &tracks.chords),
            programs: None,
        };
        let mut meters: Vec<(f64, Meter)> = Vec::new();
        for (frame, BarPlace { meter, .. }) in kept().skip((from - self.first) as usize) {
            if meters.last().is_none_or(|&(_, m)| m != meter) {
                meters.push((f64::from(frame - from) / FRAMES_PER_BEAT as f64, meter));
            }
        }
        if !meters.is_empty() {
            take.meters = meters;
        }
        take
    }

    /// The notes of `part` heard from frame `from` to `end`, in beats from `from`: a note
    /// sounding at `from` starts there, one still sounding at `end` ends there, and a note-off
    /// whose note-on is not kept is left out.
    fn heard(&self, part: Part, from: u32, end: u32) -> Vec<TakeEvent> {
        let (from, end) = (f64::from(from), f64::from(end));
        let mut notes: Vec<&TakeNote> = self.notes.iter().filter(|n| n.part == part && n.at < end).collect();
        notes.sort_by(|a, b| a.at.total_cmp(&b.at));
        let split = notes.partition_point(|n| n.at < from);
        let mut sounding = Sounding::default();
        for note in &notes[..split] {
            sounding.follow(note);
        }
        let mut events: Vec<TakeEvent> = sounding
            .0
            .iter()
            .map(|&(channel, key, velocity)| TakeEvent { beats: 0.0, channel, key, on: true, velocity })
            .collect();
        for note in &notes[split..] {
            if sounding.follow(note) {
                let beats = (note.at - from) / FRAMES_PER_BEAT as f64;
                events.push(TakeEvent {
                    beats,
                    channel: note.channel,
                    key: note.key,
                    on: note.on,
                    velocity: note.velocity,
                });
            }
        }
        let beats = (end - from) / FRAMES_PER_BEAT as f64;
        events.extend(sounding.0.iter().map(|&(channel, key, _)| TakeEvent {
            beats,
            channel,
            key,
            on: false,
            velocity: 0.0,
        }));
        events
    }

    /// The melody and chord tracks played from frame `from` on (clipped to what is kept).
    pub fn tracks_since(&self, from: u32) -> FrameTracks {
        let (melody, chords) = self.played_since(from).map(|f| (f.melody, f.chord)).unzip();
        FrameTracks { melody, chords }
    }
}

/// The notes sounding as a take's notes are followed: (channel, key, velocity).
#[derive(Default)]
struct Sounding(Vec<(u8, u8, f32)>);

impl Sounding {
    /// Follow one note; false for a note-off of a note that does not sound.
    fn follow(&mut self, note: &TakeNote) -> bool {
        let held = self.0.iter().position(|&(channel, key, _)| (channel, key) == (note.channel, note.key));
        match (note.on, held) {
            (true, _) => self.0.push((note.channel, note.key, note.velocity)),
            (false, Some(i)) => {
                self.0.remove(i);
            }
            (false, None) => return false,
        }
        true
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
        timeline.record(0, Token::chord_on(c_major()), Token::note_on(60), false, BarPlace::counted(Meter::COMMON, 0));
        assert_eq!(timeline.next_frame(), 0, "nothing is kept before a session starts");
        timeline.start(7);
        timeline.record(0, Token::chord_on(c_major()), Token::note_on(60), false, BarPlace::counted(Meter::COMMON, 0));
        timeline.record(1, Token::chord_hold(c_major()), Token::note_on(61), true, BarPlace::counted(Meter::COMMON, 1));
        timeline.record(
            5,
            Token::chord_hold(c_major()),
            Token::note_on(62),
            false,
            BarPlace::counted(Meter::COMMON, 5),
        );
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
            timeline.record(
                frame as u32,
                Token::SILENCE,
                Token::note_on(key),
                false,
                BarPlace::counted(Meter::COMMON, frame as u32),
            );
        }
        assert_eq!(timeline.key().map(|k| k.name()).as_deref(), Some("F major / D minor"));
    }

    #[test]
    fn shows_the_next_chord_if_the_melody_holds_until_that_frame_is_played() {
        let mut timeline = Timeline::default();
        timeline.start(1);
        timeline.set_if_held(1, Token::chord_on(c_major()));
        timeline.record(0, Token::SILENCE, Token::note_on(60), false, BarPlace::counted(Meter::COMMON, 0));
        assert_eq!(timeline.if_held(), Some(c_major()));
        timeline.record(
            1,
            Token::chord_on(c_major()),
            Token::note_hold(60),
            false,
            BarPlace::counted(Meter::COMMON, 1),
        );
        assert_eq!(timeline.if_held(), None, "that frame has passed");
    }

    #[test]
    fn counts_in_while_listening() {
        let mut timeline = Timeline::default();
        timeline.set_plan(&[], 8 * FRAMES_PER_BEAT as u32);
        timeline.start(1);
        assert_eq!(timeline.count_in_beats(), Some(8));
        for f in 0..5 {
            timeline.record(f, Token::SILENCE, Token::SILENCE, false, BarPlace::counted(Meter::COMMON, f));
        }
        assert_eq!(timeline.count_in_beats(), Some(7));
    }

    #[test]
    fn keeps_a_bounded_history_and_captures_whole_bars() {
        let mut timeline = Timeline::default();
        timeline.start(1);
        let total = MAX_FRAMES as u32 + 40;
        for f in 0..total {
            timeline.record(
                f,
                Token::chord_on(c_major()),
                Token::note_on(60),
                false,
                BarPlace::counted(Meter::COMMON, f),
            );
        }
        assert_eq!(timeline.played_since(0).count(), MAX_FRAMES);
        assert_eq!(timeline.bar_place(3), BarPlace::counted(Meter::COMMON, 3), "counted back past what is kept");
        let take = timeline.capture(2, 120.0);
        // Two bars back from the end is frame total − 32, inside the bar that starts at total − 40.
        assert_eq!(take.markers.len(), 40);
        assert_eq!(take.markers[0].0, 0.0);
    }

    #[test]
    fn captures_whole_bars_in_the_meters_the_host_played() {
        let (common, waltz) = (Meter::COMMON, Meter::from_host(3, 4).unwrap());
        let mut timeline = Timeline::default();
        timeline.start(1);
        // Two bars of 4/4, then four of 3/4 and a beat.
        let places = (0..32).map(|f| BarPlace::counted(common, f)).chain((0..52).map(|f| BarPlace::counted(waltz, f)));
        for (f, bar) in places.enumerate() {
            timeline.record(f as u32, Token::chord_on(c_major()), Token::note_on(60), false, bar);
        }
        assert_eq!(timeline.bar_place(84), BarPlace::counted(waltz, 4), "counted on in the last meter");
        assert_eq!(timeline.bar_place(40), BarPlace::counted(waltz, 8));
        let take = timeline.capture(2, 120.0);
        // Two bars of three back from frame 84 is frame 60, inside the bar that starts at 56.
        assert_eq!(take.markers.len(), 84 - 56);
        assert_eq!(take.meters, [(0.0, waltz)]);
        let take = timeline.capture(5, 120.0);
        assert_eq!(take.markers.len(), 84 - 16, "from the second bar of 4/4");
        assert_eq!(take.meters, [(0.0, common), (4.0, waltz)]);
        let bytes = take.to_midi_bytes().unwrap();
        let smf = midly::Smf::parse(&bytes).unwrap();
        let signatures: Vec<u8> = (smf.tracks[0].iter())
            .filter_map(|e| match e.kind {
                midly::TrackEventKind::Meta(midly::MetaMessage::TimeSignature(n, ..)) => Some(n),
                _ => None,
            })
            .collect();
        assert_eq!(signatures, [4, 3]);
    }

    #[test]
    fn tells_the_next_change_and_the_keys_that_sound() {
        let f_major = ChordId::of(Chord::new(PitchClass::new(5), Quality::Major));
        let mut timeline = Timeline::default();
        timeline.start(1);
        timeline.record(0, Token::chord_on(c_major()), Token::note_on(60), false, BarPlace::default());
        let planned = |frame, token| PlannedChord { frame, token, committed: true };
        let plan = [
            planned(1, Token::chord_hold(c_major())),
            planned(4, Token::chord_on(c_major())),
            planned(9, Token::chord_on(f_major)),
        ];
        timeline.set_plan(&plan, 0);
        assert_eq!(timeline.next_change(), Some((f_major, 8)), "a restruck C is no change");

        let note = |at, part, key, on| TakeNote { at, part, channel: 0, key, velocity: 0.5, on };
        for n in
            [note(0.0, Part::Chords, 48, true), note(0.0, Part::Chords, 52, true), note(0.0, Part::Melody, 60, true)]
        {
            timeline.record_note(n);
        }
        timeline.record_note(note(0.5, Part::Chords, 48, false));
        assert_eq!(timeline.sounding_keys(Part::Chords), [52]);
        assert_eq!(timeline.sounding_keys(Part::Melody), [60]);
    }
}
