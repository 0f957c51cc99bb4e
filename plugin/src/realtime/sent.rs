//! The chord notes sent to the host in a block, kept until the scheduler places them on the
//! take's frames and tells the worker: a capture holds the notes that were heard, not a
//! re-voicing of the chords. Fixed-size, for the audio thread.

/// More than a block ever sends: a chord change is at most 12 notes, and a block holds a few
/// frames at the tempi hosts play.
const CAPACITY: usize = 96;

/// One note as it went out.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sent {
    pub offset: u32,
    pub channel: u8,
    pub key: u8,
    /// 0 for a note-off.
    pub velocity: f32,
    pub on: bool,
}

#[derive(Clone, Copy, Debug)]
pub struct SentNotes {
    notes: [Sent; CAPACITY],
    len: usize,
}

impl Default for SentNotes {
    fn default() -> Self {
        SentNotes { notes: [Sent::default(); CAPACITY], len: 0 }
    }
}

impl SentNotes {
    /// Keep `note`; beyond the capacity it is left out of the capture (never of the music).
    pub fn push(&mut self, note: Sent) {
        if let Some(slot) = self.notes.get_mut(self.len) {
            *slot = note;
            self.len += 1;
        }
    }

    /// The notes kept since the last take, in the order they went out.
    pub fn take(&mut self) -> impl Iterator<Item = Sent> + '_ {
        let len = std::mem::take(&mut self.len);
        self.notes[..len].iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_notes_in_order_up_to_its_capacity_and_hands_them_over_once() {
        let mut sent = SentNotes::default();
        for key in 0..CAPACITY as u8 + 5 {
            sent.push(Sent { key, on: true, ..Sent::default() });
        }
        let keys: Vec<u8> = sent.take().map(|s| s.key).collect();
        assert_eq!(keys, (0..CAPACITY as u8).collect::<Vec<_>>());
        assert_eq!(sent.take().count(), 0);
    }
}
