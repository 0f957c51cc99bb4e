//! The next frame's chord for every note it may meet, which the worker sends the audio thread.

use comper_inference::ConditionalChord;
use comper_music::{Token, TokenKind};

/// The chord of one frame for each melody token it may meet (the worker's
/// [`ConditionalChord`]), looked up by the audio thread once it knows what was played.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChordTable {
    pub frame: u32,
    /// The melody token of the frame before that the table was made after: a table made
    /// while that frame was still playing holds only if the frame ended as it began.
    pub after: Token,
    silence: Token,
    /// The note held into the frame, and the chord if it still holds.
    hold: Option<(u8, Token)>,
    onsets: [Token; 128],
}

impl ChordTable {
    /// The table of `frame` from `choose` (melody token → chord), made after the frame
    /// before played `after`.
    pub fn new(frame: u32, after: Token, choose: impl Fn(Token) -> Token) -> ChordTable {
        let held = match after.kind() {
            TokenKind::NoteOn(key) | TokenKind::NoteHold(key) => Some(key),
            _ => None,
        };
        ChordTable {
            frame,
            after,
            silence: choose(Token::SILENCE),
            hold: held.map(|key| (key, choose(Token::note_hold(key)))),
            onsets: std::array::from_fn(|key| choose(Token::note_on(key as u8))),
        }
    }

    /// The table of the worker's conditional chord, made after the frame before played `after`.
    pub fn of(conditional: &ConditionalChord, after: Token) -> ChordTable {
        ChordTable::new(conditional.frame, after, |melody| conditional.choose(melody))
    }

    /// The chord if the melody goes on as the frame before ended: the held note, or silence.
    pub fn if_held(&self) -> Token {
        self.hold.map_or(self.silence, |(_, chord)| chord)
    }

    /// Whether `melody` makes the frame's chord change where the held melody would not.
    pub fn changed_by(&self, melody: Token) -> bool {
        let chord = self.chord(melody);
        chord != self.if_held() && matches!(chord.kind(), TokenKind::ChordOn(_))
    }

    /// The chord when the frame's melody token is `melody`.
    pub fn chord(&self, melody: Token) -> Token {
        match (melody.kind(), self.hold) {
            (TokenKind::NoteOn(key), _) => self.onsets[usize::from(key.min(127))],
            (TokenKind::NoteHold(key), Some((held, chord))) if key == held => chord,
            _ => self.silence,
        }
    }
}
