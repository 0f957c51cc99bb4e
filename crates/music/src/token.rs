//! Frame tokens: one shared id space for melody and chords, laid out as in the seed
//! paper's tokenizer so its numbers are comparable:
//!
//! | ids | meaning |
//! |---|---|
//! | 0, 1, 2 | PAD, BOS, EOS |
//! | 3 | SILENCE (both parts) |
//! | 4 … 131 | melody HOLD(p), p = 0…127 |
//! | 132 … 259 | melody ON(p) |
//! | 260 … 260+C−1 | chord HOLD(c) |
//! | 260+C … 260+2C−1 | chord ON(c) |

use crate::PitchClass;
use crate::vocab::{ChordId, NUM_CHORDS};
use serde::{Deserialize, Serialize};

/// A token id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Token(u16);

const NOTE_HOLD_BASE: u16 = 4;
const NOTE_ON_BASE: u16 = NOTE_HOLD_BASE + 128;
const CHORD_HOLD_BASE: u16 = NOTE_ON_BASE + 128;
const CHORD_ON_BASE: u16 = CHORD_HOLD_BASE + NUM_CHORDS as u16;

/// Size of the token id space.
pub const VOCAB_SIZE: usize = CHORD_ON_BASE as usize + NUM_CHORDS;

/// What a token means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    Pad,
    Bos,
    Eos,
    Silence,
    NoteHold(u8),
    NoteOn(u8),
    ChordHold(ChordId),
    ChordOn(ChordId),
}

impl Token {
    pub const PAD: Token = Token(0);
    pub const BOS: Token = Token(1);
    pub const EOS: Token = Token(2);
    pub const SILENCE: Token = Token(3);

    pub fn note_on(pitch: u8) -> Token {
        Token(NOTE_ON_BASE + u16::from(pitch.min(127)))
    }

    pub fn note_hold(pitch: u8) -> Token {
        Token(NOTE_HOLD_BASE + u16::from(pitch.min(127)))
    }

    pub fn chord_on(chord: ChordId) -> Token {
        Token(CHORD_ON_BASE + chord.index() as u16)
    }

    pub fn chord_hold(chord: ChordId) -> Token {
        Token(CHORD_HOLD_BASE + chord.index() as u16)
    }

    /// The token with this id, if the id is inside the vocabulary.
    pub fn from_id(id: usize) -> Option<Token> {
        (id < VOCAB_SIZE).then_some(Token(id as u16))
    }

    pub fn id(self) -> usize {
        usize::from(self.0)
    }

    pub fn kind(self) -> TokenKind {
        let id = self.0;
        match id {
            0 => TokenKind::Pad,
            1 => TokenKind::Bos,
            2 => TokenKind::Eos,
            3 => TokenKind::Silence,
            _ if id < NOTE_ON_BASE => TokenKind::NoteHold((id - NOTE_HOLD_BASE) as u8),
            _ if id < CHORD_HOLD_BASE => TokenKind::NoteOn((id - NOTE_ON_BASE) as u8),
            _ if id < CHORD_ON_BASE => TokenKind::ChordHold(chord_id(id - CHORD_HOLD_BASE)),
            _ => TokenKind::ChordOn(chord_id(id - CHORD_ON_BASE)),
        }
    }

    /// True for tokens that may stand in a chord frame (chords and SILENCE).
    pub fn is_chord_frame(self) -> bool {
        matches!(self.kind(), TokenKind::Silence | TokenKind::ChordOn(_) | TokenKind::ChordHold(_))
    }

    /// True for tokens that may stand in a melody frame (notes and SILENCE).
    pub fn is_melody_frame(self) -> bool {
        matches!(self.kind(), TokenKind::Silence | TokenKind::NoteOn(_) | TokenKind::NoteHold(_))
    }

    /// True for a chord or a note (ON or HOLD): something that sounds in its frame.
    pub fn is_sounding(self) -> bool {
        matches!(
            self.kind(),
            TokenKind::NoteOn(_) | TokenKind::NoteHold(_) | TokenKind::ChordOn(_) | TokenKind::ChordHold(_)
        )
    }

    /// Transpose by `semitones`: notes move by semitones, chords move their root.
    /// `None` if a note would leave the MIDI range.
    pub fn transposed(self, semitones: i32) -> Option<Token> {
        let shift_pitch = |p: u8| u8::try_from(i32::from(p) + semitones).ok().filter(|&p| p < 128);
        let shift_chord = |c: ChordId| ChordId::of(c.chord().transposed(semitones));
        Some(match self.kind() {
            TokenKind::NoteHold(p) => Token::note_hold(shift_pitch(p)?),
            TokenKind::NoteOn(p) => Token::note_on(shift_pitch(p)?),
            TokenKind::ChordHold(c) => Token::chord_hold(shift_chord(c)),
            TokenKind::ChordOn(c) => Token::chord_on(shift_chord(c)),
            _ => self,
        })
    }

    /// Whether `self` may follow `previous` on the same track: a HOLD only continues the
    /// same note or chord (ON or HOLD of it); anything else may follow anything.
    pub fn may_follow(self, previous: Token) -> bool {
        match self.kind() {
            TokenKind::NoteHold(_) | TokenKind::ChordHold(_) => previous.as_onset() == self.as_onset(),
            _ => true,
        }
    }

    /// The ON token matching a HOLD token; other tokens are returned unchanged.
    pub fn as_onset(self) -> Token {
        match self.kind() {
            TokenKind::NoteHold(p) => Token::note_on(p),
            TokenKind::ChordHold(c) => Token::chord_on(c),
            _ => self,
        }
    }

    /// A short human-readable name ("ON(60)", "HOLD(Am7)", "SILENCE").
    pub fn describe(self) -> String {
        match self.kind() {
            TokenKind::Pad => "PAD".into(),
            TokenKind::Bos => "BOS".into(),
            TokenKind::Eos => "EOS".into(),
            TokenKind::Silence => "SILENCE".into(),
            TokenKind::NoteHold(p) => format!("HOLD({p})"),
            TokenKind::NoteOn(p) => format!("ON({p})"),
            TokenKind::ChordHold(c) => format!("HOLD({})", c.chord()),
            TokenKind::ChordOn(c) => format!("ON({})", c.chord()),
        }
    }
}

fn chord_id(offset: u16) -> ChordId {
    ChordId::from_index(usize::from(offset)).expect("offset below NUM_CHORDS")
}

/// The chord a chord-track token sounds (ON or HOLD), if any.
pub fn sounding_chord(token: Token) -> Option<ChordId> {
    match token.kind() {
        TokenKind::ChordOn(c) | TokenKind::ChordHold(c) => Some(c),
        _ => None,
    }
}

/// The pitch a melody-track token sounds (ON or HOLD), if any.
pub fn sounding_pitch(token: Token) -> Option<u8> {
    match token.kind() {
        TokenKind::NoteOn(p) | TokenKind::NoteHold(p) => Some(p),
        _ => None,
    }
}

/// Whether the melody note is in the chord (the harmony metric's test of one frame); `None`
/// when either is silent.
pub fn note_in_chord(melody: Token, chord: Token) -> Option<bool> {
    let pitch = sounding_pitch(melody)?;
    Some(sounding_chord(chord)?.chord().pitch_classes().contains(PitchClass::of_midi(pitch)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_only_continue_the_same_note_or_chord() {
        let c = ChordId::from_index(0).unwrap();
        let d = ChordId::from_index(1).unwrap();
        assert!(Token::chord_hold(c).may_follow(Token::chord_on(c)));
        assert!(Token::chord_hold(c).may_follow(Token::chord_hold(c)));
        assert!(!Token::chord_hold(c).may_follow(Token::chord_on(d)));
        assert!(!Token::chord_hold(c).may_follow(Token::SILENCE));
        assert!(Token::note_hold(60).may_follow(Token::note_on(60)));
        assert!(!Token::note_hold(60).may_follow(Token::note_on(62)));
        assert!(Token::chord_on(d).may_follow(Token::chord_on(c)));
        assert!(Token::SILENCE.may_follow(Token::chord_hold(c)));
    }

    #[test]
    fn every_id_maps_to_its_kind_and_back() {
        for id in 0..VOCAB_SIZE {
            let token = Token::from_id(id).unwrap();
            let rebuilt = match token.kind() {
                TokenKind::Pad => Token::PAD,
                TokenKind::Bos => Token::BOS,
                TokenKind::Eos => Token::EOS,
                TokenKind::Silence => Token::SILENCE,
                TokenKind::NoteHold(p) => Token::note_hold(p),
                TokenKind::NoteOn(p) => Token::note_on(p),
                TokenKind::ChordHold(c) => Token::chord_hold(c),
                TokenKind::ChordOn(c) => Token::chord_on(c),
            };
            assert_eq!(rebuilt, token);
        }
        assert_eq!(Token::from_id(VOCAB_SIZE), None);
        assert_eq!(Token::note_on(0).id(), 132);
        assert_eq!(Token::chord_hold(ChordId::from_index(0).unwrap()).id(), 260);
    }

    #[test]
    fn transposition_moves_notes_and_chord_roots() {
        let c = ChordId::from_index(0).unwrap();
        let up = Token::chord_on(c).transposed(7).unwrap();
        assert_eq!(up.describe(), "ON(G)");
        assert_eq!(Token::note_on(60).transposed(-6), Some(Token::note_on(54)));
        assert_eq!(Token::note_on(125).transposed(6), None);
        assert_eq!(Token::SILENCE.transposed(3), Some(Token::SILENCE));
    }
}
