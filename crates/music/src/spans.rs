//! Events of a track: where each chord or note starts, what it is, how long it lasts. The
//! evaluation's rhythm metrics and the RL repetition penalty count these.

use crate::{ChordId, Token, TokenKind};

/// One event of a track (a chord or a note): where it starts, its ON token, how many frames
/// it lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub onset: Token,
    pub frames: usize,
}

/// One chord event of a chord track: where it starts, what it is, how many frames it lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChordSpan {
    pub start: usize,
    pub chord: ChordId,
    pub frames: usize,
}

/// The events of a track: an ON starts one, HOLDs of the same chord or note extend it; a
/// HOLD of another one (not produced by Comper, but possible in data) starts a new one;
/// anything that does not sound ends it.
pub fn spans(track: &[Token]) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    let mut open = false;
    for (f, &token) in track.iter().enumerate() {
        if !token.is_sounding() {
            open = false;
            continue;
        }
        let onset = token.as_onset();
        match spans.last_mut() {
            Some(span) if open && token != onset && span.onset == onset => span.frames += 1,
            _ => spans.push(Span { start: f, onset, frames: 1 }),
        }
        open = true;
    }
    spans
}

/// The chord events of a chord track (see [`spans`]; note tokens are not chords).
pub fn chord_spans(chords: &[Token]) -> Vec<ChordSpan> {
    spans(chords)
        .into_iter()
        .filter_map(|span| match span.onset.kind() {
            TokenKind::ChordOn(chord) => Some(ChordSpan { start: span.start, chord, frames: span.frames }),
            _ => None,
        })
        .collect()
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

    #[test]
    fn note_events_follow_the_same_rule() {
        let track =
            [Token::note_on(60), Token::note_hold(60), Token::note_hold(62), Token::SILENCE, Token::note_on(60)];
        let onsets: Vec<(usize, Token, usize)> = spans(&track).iter().map(|s| (s.start, s.onset, s.frames)).collect();
        assert_eq!(onsets, [(0, Token::note_on(60), 2), (2, Token::note_on(62), 1), (4, Token::note_on(60), 1)]);
    }
}
