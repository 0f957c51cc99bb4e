//! The melody forwarded to the instrument after Comper, and the promise that every
//! forwarded note-on gets its note-off.
//!
//! `Melody thru` and `Bypass` can change while a key is held. A note-off goes out when its
//! note-on did, whatever they say by then, and one the host refuses is sent again at the
//! start of the next block (as the chords' own note-offs are, in `chord_notes`).
//!
//! What else the player sends (controllers such as the sustain pedal, pitch bend, pressure,
//! program changes) goes out with the melody too, except where it would reach the chords:
//! see [`MelodyThru::passes`].

/// Forwarded keys as one bit per key and channel: fixed size, for the audio thread.
#[derive(Clone, Copy, Debug, Default)]
pub struct MelodyThru {
    /// Forwarded note-ons not yet closed.
    open: [u128; 16],
    /// Note-offs the host refused.
    owed: [u128; 16],
}

impl MelodyThru {
    /// A note-on arrived: forward it through `send` (true if the host took it) when `thru`.
    /// `None` is the host's wildcard.
    pub fn note_on(&mut self, channel: Option<u8>, key: Option<u8>, thru: bool, send: impl FnOnce() -> bool) {
        if thru
            && send()
            && let (Some(channel), Some(key)) = (channel, key)
        {
            self.open[usize::from(channel & 15)] |= bit(key);
        }
    }

    /// A note-off arrived: forward it when `thru` or when it closes a note that went out.
    pub fn note_off(&mut self, channel: Option<u8>, key: Option<u8>, thru: bool, send: impl FnOnce() -> bool) {
        let closes = self.matching(channel, key);
        if !thru && closes.iter().all(|&keys| keys == 0) {
            return;
        }
        let sent = send();
        for (open, (owed, closed)) in self.open.iter_mut().zip(self.owed.iter_mut().zip(closes)) {
            *open &= !closed;
            if !sent {
                *owed |= closed;
            }
        }
    }

    /// Whether a forwarded note sounds on `channel` and `key`.
    pub fn sounds(&self, channel: u8, key: u8) -> bool {
        self.open[usize::from(channel & 15)] & bit(key) != 0
    }

    /// Whether an event other than a note, on `channel` and `key` (`None`: all of them; a
    /// controller, bend, channel pressure or program change has no key), goes out while the
    /// chords sound on channel `chords` (`None`: no chords, as under `Bypass`).
    ///
    /// A channel-wide event acts on every note of its channel: on the chords' channel a
    /// sustain pedal would hold the chord and a bend would bend it, so none passes there. A
    /// key's own pressure passes there when the key is a forwarded melody note, which chord
    /// tones keep clear of. On any other channel everything passes as it came.
    pub fn passes(&self, channel: Option<u8>, key: Option<u8>, chords: Option<u8>) -> bool {
        let Some(chords) = chords else { return true };
        channel.is_some_and(|channel| channel != chords || key.is_some_and(|key| self.sounds(channel, key)))
    }

    /// Send the note-offs the host refused before; call at the start of a block.
    pub fn retry_refused(&mut self, mut send_off: impl FnMut(u8, u8) -> bool) {
        for (channel, owed) in (0u8..).zip(self.owed.iter_mut()) {
            for key in 0..128u8 {
                if *owed & bit(key) != 0 && send_off(channel, key) {
                    *owed &= !bit(key);
                }
            }
        }
    }

    /// The open keys a note-off for `channel` and `key` closes, per channel.
    fn matching(&self, channel: Option<u8>, key: Option<u8>) -> [u128; 16] {
        let keys = key.map_or(u128::MAX, bit);
        std::array::from_fn(
            |c| if channel.is_none_or(|ch| usize::from(ch & 15) == c) { self.open[c] & keys } else { 0 },
        )
    }
}

fn bit(key: u8) -> u128 {
    1 << (key & 127)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The host's output: what went out, refusing everything while `full`.
    #[derive(Default)]
    struct Out {
        sent: Vec<(bool, u8, u8)>,
        full: bool,
    }

    impl Out {
        fn send(&mut self, on: bool, channel: u8, key: u8) -> bool {
            !self.full && {
                self.sent.push((on, channel, key));
                true
            }
        }

        fn held(&self) -> Vec<(u8, u8)> {
            let mut held = Vec::new();
            for &(on, channel, key) in &self.sent {
                if on {
                    held.push((channel, key));
                } else {
                    held.retain(|&n| n != (channel, key));
                }
            }
            held
        }
    }

    fn on(thru: &mut MelodyThru, out: &mut Out, key: u8, forward: bool) {
        thru.note_on(Some(0), Some(key), forward, || out.send(true, 0, key));
    }

    fn off(thru: &mut MelodyThru, out: &mut Out, key: u8, forward: bool) {
        thru.note_off(Some(0), Some(key), forward, || out.send(false, 0, key));
    }

    #[test]
    fn a_key_held_while_thru_or_bypass_turns_off_is_still_released() {
        let (mut thru, mut out) = (MelodyThru::default(), Out::default());
        on(&mut thru, &mut out, 60, true);
        off(&mut thru, &mut out, 60, false);
        assert!(out.held().is_empty(), "{:?}", out.sent);
        off(&mut thru, &mut out, 62, false);
        assert_eq!(out.sent.len(), 2, "a note-off for a key that never went out stays in");
    }

    #[test]
    fn a_refused_note_off_goes_out_in_the_next_block() {
        let (mut thru, mut out) = (MelodyThru::default(), Out::default());
        on(&mut thru, &mut out, 64, true);
        out.full = true;
        off(&mut thru, &mut out, 64, true);
        out.full = false;
        thru.retry_refused(|channel, key| out.send(false, channel, key));
        assert!(out.held().is_empty(), "{:?}", out.sent);
        thru.retry_refused(|channel, key| out.send(false, channel, key));
        assert_eq!(out.sent.len(), 2, "sent once");
    }

    #[test]
    fn nothing_that_could_hold_or_bend_the_chord_passes_on_its_channel() {
        let (mut thru, mut out) = (MelodyThru::default(), Out::default());
        on(&mut thru, &mut out, 60, true);
        let chords = Some(0);
        assert!(!thru.passes(Some(0), None, chords), "a pedal or bend on the chords' channel");
        assert!(!thru.passes(None, None, chords), "one on every channel");
        assert!(!thru.passes(Some(0), Some(64), chords), "pressure on a key the melody does not hold");
        assert!(thru.passes(Some(0), Some(60), chords), "pressure on the melody's own key");
        assert!(thru.passes(Some(1), None, chords), "the melody on a channel of its own");
        assert!(thru.passes(Some(0), None, None), "no chords: everything passes");
    }

    #[test]
    fn a_wildcard_note_off_closes_every_open_key_of_its_channel() {
        let (mut thru, mut out) = (MelodyThru::default(), Out::default());
        on(&mut thru, &mut out, 60, true);
        on(&mut thru, &mut out, 67, true);
        let mut sent = false;
        thru.note_off(Some(0), None, false, || {
            sent = true;
            true
        });
        assert!(sent);
        assert_eq!(thru.matching(None, None), [0; 16]);
    }
}
