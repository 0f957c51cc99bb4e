//! The chord that is sounding, and the promise that every note-on gets its note-off.
//!
//! Note-offs the host refuses (a full output buffer) are kept and sent first in the next
//! block, so a refused send never leaves a note hanging.

use super::rhythm::Rhythm;
use super::sent::{Sent, SentNotes};
use comper_music::{ChordId, VoicedChord, Voicing};

/// Where the audio thread sends notes (the host's output queue, or a test's buffer).
pub trait NoteSink {
    /// Send a note-on at `offset` samples into the block; false if the host refused it.
    fn note_on(&mut self, offset: u32, channel: u8, key: u8, velocity: f32) -> bool;
    /// Send a note-off; false if the host refused it.
    fn note_off(&mut self, offset: u32, channel: u8, key: u8) -> bool;
    /// Whether a melody note forwarded to the instrument sounds on `channel` and `key`: a
    /// chord tone there would be cut off by the melody's note-off, or cut the melody off.
    fn melody_sounds(&self, _channel: u8, _key: u8) -> bool {
        false
    }
}

/// Refused note-offs kept for the next block; more than a chord's worth so a chord change
/// in a full block still fits.
const UNSENT_CAPACITY: usize = 16;

/// How to play a chord: voicing, channel, velocity and rhythm.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Touch {
    pub voicing: Voicing,
    pub channel: u8,
    pub velocity: f32,
    pub rhythm: Rhythm,
    /// Voice each chord in the inversion nearest the last one.
    pub voice_leading: bool,
    /// Keep the chord's upper voices under the melody's last note.
    pub below_melody: bool,
    /// How much each strike's velocity varies (0: not at all, 1: ±25%), seeded.
    pub humanize: f32,
}

impl Default for Touch {
    fn default() -> Self {
        Touch {
            voicing: Voicing::default(),
            channel: 0,
            velocity: 0.8,
            rhythm: Rhythm::Hold,
            voice_leading: false,
            below_melody: false,
            humanize: 0.0,
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub struct ChordNotes {
    chord: Option<ChordId>,
    keys: VoicedChord,
    /// The keys of the last chord struck, kept after its release for voice leading.
    last_keys: VoicedChord,
    channel: u8,
    voicing: Option<Voicing>,
    unsent_offs: [Option<(u8, u8)>; UNSENT_CAPACITY],
    /// What went out since the scheduler last looked, for capture.
    sent: SentNotes,
}

impl ChordNotes {
    /// The chord sounding now.
    pub fn chord(&self) -> Option<ChordId> {
        self.chord
    }

    /// True if `touch` would voice the sounding chord on other keys or another channel.
    pub fn voiced_differently(&self, touch: &Touch) -> bool {
        self.chord.is_some() && (self.voicing != Some(touch.voicing) || self.channel != touch.channel)
    }

    /// Note-offs for every sounding key.
    pub fn release(&mut self, offset: u32, sink: &mut impl NoteSink) {
        let (keys, channel) = (self.keys, self.channel);
        for &key in keys.keys() {
            self.off(offset, channel, key, sink);
        }
        self.chord = None;
        self.keys = VoicedChord::default();
        self.voicing = None;
    }

    /// Release what sounds and sound `chord`, voiced as `touch` says (under `melody`, the
    /// melody's last key, when asked to).
    pub fn strike(&mut self, offset: u32, chord: ChordId, touch: &Touch, melody: Option<u8>, sink: &mut impl NoteSink) {
        self.release(offset, sink);
        let near = touch.voice_leading.then_some(&self.last_keys);
        let mut keys = touch.voicing.voice_with(chord.chord(), near, melody.filter(|_| touch.below_melody));
        keys.retain(|key| !sink.melody_sounds(touch.channel, key));
        for (i, &key) in keys.keys().iter().enumerate() {
            if !sink.note_on(offset, touch.channel, key, touch.velocity) {
                // A chord is all or nothing: take back the keys that did go out.
                for &sent in &keys.keys()[..i] {
                    self.off(offset, touch.channel, sent, sink);
                }
                return;
            }
            self.sent.push(Sent { offset, channel: touch.channel, key, velocity: touch.velocity, on: true });
        }
        self.chord = Some(chord);
        self.keys = keys;
        self.last_keys = keys;
        self.channel = touch.channel;
        self.voicing = Some(touch.voicing);
    }

    /// A melody note is about to sound on `channel` and `key`: a chord tone there makes way,
    /// so each of the two keeps a note-on and a note-off of its own at the instrument.
    pub fn make_way(&mut self, offset: u32, channel: u8, key: u8, sink: &mut impl NoteSink) {
        if self.chord.is_some() && self.channel == channel && self.keys.keys().contains(&key) {
            self.off(offset, channel, key, sink);
            self.keys.retain(|k| k != key);
        }
    }

    /// Send the note-offs the host refused earlier; call at the start of a block.
    pub fn retry_unsent(&mut self, sink: &mut impl NoteSink) {
        for slot in self.unsent_offs.iter_mut() {
            if let Some((channel, key)) = *slot
                && sink.note_off(0, channel, key)
            {
                *slot = None;
                self.sent.push(Sent { offset: 0, channel, key, velocity: 0.0, on: false });
            }
        }
    }

    /// What is still owed once the host resets the plugin: a note-off for every key that
    /// sounded and every one refused so far, sent by the next block's [`retry_unsent`].
    ///
    /// [`retry_unsent`]: Self::retry_unsent
    pub fn owed_after_reset(&self) -> ChordNotes {
        let mut owed = ChordNotes { unsent_offs: self.unsent_offs, ..ChordNotes::default() };
        for &key in self.keys.keys() {
            owed.keep_unsent(self.channel, key);
        }
        owed
    }

    /// True when no note of ours sounds and no note-off is owed.
    pub fn is_silent(&self) -> bool {
        self.chord.is_none() && self.unsent_offs.iter().all(Option::is_none)
    }

    /// The notes sent since the last call, in order.
    pub fn take_sent(&mut self) -> impl Iterator<Item = Sent> + '_ {
        self.sent.take()
    }

    /// A note-off, kept for the next block if the host refuses it.
    fn off(&mut self, offset: u32, channel: u8, key: u8, sink: &mut impl NoteSink) {
        if sink.note_off(offset, channel, key) {
            self.sent.push(Sent { offset, channel, key, velocity: 0.0, on: false });
        } else {
            self.keep_unsent(channel, key);
        }
    }

    fn keep_unsent(&mut self, channel: u8, key: u8) {
        if self.unsent_offs.contains(&Some((channel, key))) {
            return;
        }
        if let Some(slot) = self.unsent_offs.iter_mut().find(|s| s.is_none()) {
            *slot = Some((channel, key));
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Records notes (and every note-on's velocity); refuses every send while `full` is set.
    #[derive(Default)]
    pub struct Recorder {
        pub events: Vec<(u32, bool, u8, u8)>,
        pub velocities: Vec<f32>,
        pub full: bool,
    }

    impl NoteSink for Recorder {
        fn note_on(&mut self, offset: u32, channel: u8, key: u8, velocity: f32) -> bool {
            !self.full && {
                self.events.push((offset, true, channel, key));
                self.velocities.push(velocity);
                true
            }
        }
        fn note_off(&mut self, offset: u32, channel: u8, key: u8) -> bool {
            !self.full && {
                self.events.push((offset, false, channel, key));
                true
            }
        }
    }

    impl Recorder {
        /// Keys sounding after the recorded events, per (channel, key).
        pub fn sounding(&self) -> Vec<(u8, u8)> {
            let mut on = Vec::new();
            for &(_, is_on, channel, key) in &self.events {
                if is_on {
                    on.push((channel, key));
                } else if let Some(i) = on.iter().position(|&n| n == (channel, key)) {
                    on.remove(i);
                }
            }
            on
        }
    }

    fn touch(channel: u8) -> Touch {
        Touch { channel, ..Touch::default() }
    }

    /// A recorder with melody notes forwarded on channel 0.
    struct WithMelody(Recorder, Vec<u8>);

    impl NoteSink for WithMelody {
        fn note_on(&mut self, o: u32, c: u8, k: u8, v: f32) -> bool {
            self.0.note_on(o, c, k, v)
        }
        fn note_off(&mut self, o: u32, c: u8, k: u8) -> bool {
            self.0.note_off(o, c, k)
        }
        fn melody_sounds(&self, channel: u8, key: u8) -> bool {
            channel == 0 && self.1.contains(&key)
        }
    }

    #[test]
    fn a_chord_tone_never_shares_a_key_with_a_sounding_melody_note() {
        let c = ChordId::from_index(0).unwrap();
        let keys = Touch::default().voicing.voice(c.chord());
        let (held, later) = (keys.keys()[1], keys.keys()[2]);
        // The melody holds one of the chord's keys: the chord sounds without it.
        let mut sink = WithMelody(Recorder::default(), vec![held]);
        let mut notes = ChordNotes::default();
        notes.strike(0, c, &touch(0), None, &mut sink);
        assert!(sink.0.events.iter().all(|e| e.3 != held), "{:?}", sink.0.events);
        // On another channel nothing collides.
        notes.strike(10, c, &touch(1), None, &mut sink);
        assert!(sink.0.events.iter().any(|e| e.1 && e.2 == 1 && e.3 == held));
        notes.strike(20, c, &touch(0), None, &mut sink);
        // A melody note arrives on a sounding chord tone: the tone ends first, once.
        notes.make_way(30, 0, later, &mut sink);
        sink.1.push(later);
        notes.release(40, &mut sink);
        let offs = sink.0.events.iter().filter(|e| !e.1 && e.2 == 0 && e.3 == later).count();
        let ons = sink.0.events.iter().filter(|e| e.1 && e.2 == 0 && e.3 == later).count();
        assert_eq!(offs, ons, "{:?}", sink.0.events);
        assert!(sink.0.sounding().is_empty());
    }

    #[test]
    fn a_chord_change_releases_the_old_chord_first() {
        let (c, g) = (ChordId::from_index(0).unwrap(), ChordId::from_index(7 * 15).unwrap());
        let mut notes = ChordNotes::default();
        let mut sink = Recorder::default();
        notes.strike(0, c, &touch(0), None, &mut sink);
        notes.strike(100, g, &touch(0), None, &mut sink);
        assert_eq!(sink.sounding().len(), 4);
        assert!(sink.events[4..8].iter().all(|e| !e.1 && e.0 == 100));
        notes.release(200, &mut sink);
        assert!(sink.sounding().is_empty() && notes.is_silent());
    }

    #[test]
    fn refused_note_offs_are_sent_in_the_next_block() {
        let c = ChordId::from_index(0).unwrap();
        let mut notes = ChordNotes::default();
        let mut sink = Recorder::default();
        notes.strike(0, c, &touch(2), None, &mut sink);
        sink.full = true;
        notes.release(10, &mut sink);
        assert!(!notes.is_silent());
        sink.full = false;
        notes.retry_unsent(&mut sink);
        assert!(sink.sounding().is_empty() && notes.is_silent());
    }

    #[test]
    fn a_chord_the_host_refuses_halfway_is_taken_back() {
        struct RefuseThird(Recorder, usize);
        impl NoteSink for RefuseThird {
            fn note_on(&mut self, o: u32, c: u8, k: u8, v: f32) -> bool {
                self.1 += 1;
                self.1 != 3 && self.0.note_on(o, c, k, v)
            }
            fn note_off(&mut self, o: u32, c: u8, k: u8) -> bool {
                self.0.note_off(o, c, k)
            }
        }
        let mut sink = RefuseThird(Recorder::default(), 0);
        let mut notes = ChordNotes::default();
        notes.strike(0, ChordId::from_index(0).unwrap(), &touch(0), None, &mut sink);
        assert!(sink.0.sounding().is_empty() && notes.chord().is_none());
    }
}
