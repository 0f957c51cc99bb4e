//! Chord events of a chord track: where each starts, what it is, how long it lasts. The
//! evaluation's rhythm metrics and the RL repetition penalty count these.

use crate::{ChordId, Token, TokenKind};

/// One chord event of a chord track: where it starts, what it is, how many frames it lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChordSpan {
    pub start: usize,
    pub chord: ChordId,
    pub frames: usize,
}

/// The chord events of a track: an ON starts one, HOLDs of the same chord extend it; a
/// HOLD of another chord (not produced by Comper, but possible in data) starts a new one.
pub fn chord_spans(chords: &[Token]) -> Vec<ChordSpan> {
    let mut spans: Vec<ChordSpan> = Vec::new();
    let mut open = false;
    for (f, &token) in chords.iter().enumerate() {
        let (TokenKind::ChordOn(chord) | TokenKind::ChordHold(chord)) = token.kind() else {
            open = false;
            continue;
        };
        match spans.last_mut() {
            Some(span) if open && matches!(token.kind(), TokenKind::ChordHold(_)) && span.chord == chord => {
                span.frames += 1
            }
            _ => spans.push(ChordSpan { start: f, chord, frames: 1 }),
        }
        open = true;
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Chord, PitchClass, Quality};

    fn id(root: i32) -> ChordId {
        ChordId::of(Chord::new(PitchClass::new(root), Quality::Major))
    }

    #[test]
    fn spans_follow_onsets_holds_and_silence() {
        let (c, f) = (id(0), id(5));
        let track =
            [Token::chord_on(c), Token::chord_hold(c), Token::chord_on(c), Token::SILENCE, Token::chord_hold(f)];
        assert_eq!(
            chord_spans(&track),
            vec![
                ChordSpan { start: 0, chord: c, frames: 2 },
                ChordSpan { start: 2, chord: c, frames: 1 },
                ChordSpan { start: 4, chord: f, frames: 1 },
            ]
        );
    }
}
