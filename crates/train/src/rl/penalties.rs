//! The rule penalties of the RL reward (`docs/method.md` §4.3, the seed code's weights): invalid
//! output, silence against an active melody, ending early, one chord repeated too often.
//! The melody agent's RL swaps the roles: its notes are the output, the chords the partner.

use comper_music::spans::spans;
use comper_music::{Part, Token, TokenKind};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PenaltySettings {
    /// Share of frames with a sounding partner and a silent output above which silence is
    /// penalised: the training data's own rate (the paper's 4% is Hooktheory's).
    pub silence_threshold: f64,
    /// Frames at the start where silence is free (listening before the first chord).
    pub silence_grace: usize,
    /// Longest run of the same chord or note (consecutive events) that goes unpunished.
    pub repetition_limit: usize,
}

impl Default for PenaltySettings {
    fn default() -> Self {
        PenaltySettings { silence_threshold: 0.04, silence_grace: 8, repetition_limit: 4 }
    }
}

/// Each penalty of one rollout (all ≤ 0).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Penalties {
    /// −10 if the output holds a token that is not a frame of its part (special tokens,
    /// the other part's tokens) or a HOLD that does not continue its chord or note.
    pub invalid: f64,
    /// −0.1 on each frame (after the grace) where the partner sounds and the output does
    /// not, when such frames exceed the threshold; per frame, as the seed code places it.
    pub silence: Vec<f64>,
    /// −(frames left) / 10 when the output ends (EOS or PAD) before the partner.
    pub early_stop: f64,
    /// −(run length) / 10 for each run of one chord (or note) struck more times in a row than
    /// the limit (silence ignored).
    pub repetition: f64,
}

impl Penalties {
    /// The sequence-level part (everything but the per-frame silence).
    pub fn sequence_total(&self) -> f64 {
        self.invalid + self.early_stop + self.repetition
    }
}

/// The penalties of `own`, the track `part` played, against its `partner` track.
pub fn penalties(part: Part, own: &[Token], partner: &[Token], settings: &PenaltySettings) -> Penalties {
    let ends = own.iter().position(|t| matches!(t.kind(), TokenKind::Eos | TokenKind::Pad));
    let early_stop = ends.map_or(0.0, |end| -((partner.len().saturating_sub(end)) as f64) / 10.0);
    let played = &own[..ends.unwrap_or(own.len())];

    let mut previous = Token::SILENCE;
    let mut valid =
        ends.is_none_or(|end| own[end..].iter().all(|t| matches!(t.kind(), TokenKind::Eos | TokenKind::Pad)));
    for &token in played {
        valid &= part.holds(token) && token.may_follow(previous);
        previous = token;
    }

    let silent_against_partner: Vec<bool> = partner
        .iter()
        .zip(played.iter().chain(std::iter::repeat(&Token::SILENCE)))
        .enumerate()
        .map(|(f, (p, o))| f >= settings.silence_grace && p.is_sounding() && !o.is_sounding())
        .collect();
    let silent_frames = silent_against_partner.iter().filter(|&&s| s).count();
    let penalise = silent_frames as f64 > settings.silence_threshold * partner.len().max(1) as f64;
    let silence = silent_against_partner.iter().map(|&s| if s && penalise { -0.1 } else { 0.0 }).collect();

    let events = spans(played);
    let mut repetition = 0.0;
    let mut run = 0usize;
    for (i, event) in events.iter().enumerate() {
        run = if i > 0 && events[i - 1].onset == event.onset { run + 1 } else { 1 };
        let run_ends = events.get(i + 1).is_none_or(|next| next.onset != event.onset);
        if run_ends && run > settings.repetition_limit {
            repetition -= run as f64 / 10.0;
        }
    }

    Penalties { invalid: if valid { 0.0 } else { -10.0 }, silence, early_stop, repetition }
}

#[cfg(test)]
mod tests {
    use super::*;
    use comper_music::{Chord, ChordId, PitchClass, Quality};

    fn chord(root: i32) -> ChordId {
        ChordId::of(Chord::new(PitchClass::new(root), Quality::Major))
    }

    fn melody(frames: usize) -> Vec<Token> {
        (0..frames).map(|f| if f % 4 == 0 { Token::note_on(60) } else { Token::note_hold(60) }).collect()
    }

    /// One chord per bar cycling C F G C (16 frames each), a realistic, unpenalised track.
    fn good(frames: usize) -> Vec<Token> {
        (0..frames)
            .map(|f| {
                let c = chord([0, 5, 7, 0][(f / 16) % 4]);
                if f % 16 == 0 { Token::chord_on(c) } else { Token::chord_hold(c) }
            })
            .collect()
    }

    #[test]
    fn a_good_track_is_not_penalised() {
        let p = penalties(Part::Chords, &good(64), &melody(64), &PenaltySettings::default());
        assert_eq!((p.invalid, p.early_stop, p.repetition), (0.0, 0.0, 0.0));
        assert!(p.silence.iter().all(|&s| s == 0.0));
    }

    #[test]
    fn a_chord_struck_on_twelve_frames_in_a_row_is_penalised() {
        let mut chords = good(64);
        chords[16..28].fill(Token::chord_on(chord(9)));
        let p = penalties(Part::Chords, &chords, &melody(64), &PenaltySettings::default());
        assert!((p.repetition + 1.2).abs() < 1e-12, "{}", p.repetition);
        // Four in a row is the limit and passes.
        let mut chords = good(64);
        chords[16..20].fill(Token::chord_on(chord(9)));
        assert_eq!(penalties(Part::Chords, &chords, &melody(64), &PenaltySettings::default()).repetition, 0.0);
    }

    #[test]
    fn a_silent_chord_track_against_a_melody_is_penalised_after_the_grace() {
        let p = penalties(Part::Chords, &[Token::SILENCE; 64], &melody(64), &PenaltySettings::default());
        assert_eq!(p.silence.iter().filter(|&&s| s < 0.0).count(), 64 - 8);
        assert!(p.silence[..8].iter().all(|&s| s == 0.0));
        // Silence under a silent melody, or below the threshold, is free.
        let p = penalties(Part::Chords, &[Token::SILENCE; 64], &[Token::SILENCE; 64], &PenaltySettings::default());
        assert!(p.silence.iter().all(|&s| s == 0.0));
        let mut chords = good(64);
        chords[20] = Token::SILENCE;
        chords[21] = Token::chord_on(chord(5));
        let p = penalties(Part::Chords, &chords, &melody(64), &PenaltySettings::default());
        assert!(p.silence.iter().all(|&s| s == 0.0), "1 of 64 frames is under 4%");
    }

    #[test]
    fn an_invalid_hold_and_special_tokens_are_penalised() {
        let mut chords = good(32);
        chords[5] = Token::chord_hold(chord(2)); // HOLD(D) inside a C
        assert_eq!(penalties(Part::Chords, &chords, &melody(32), &PenaltySettings::default()).invalid, -10.0);
        let mut chords = good(32);
        chords[3] = Token::note_on(60);
        assert_eq!(penalties(Part::Chords, &chords, &melody(32), &PenaltySettings::default()).invalid, -10.0);
        let mut chords = good(32);
        chords[3] = Token::BOS;
        assert_eq!(penalties(Part::Chords, &chords, &melody(32), &PenaltySettings::default()).invalid, -10.0);
    }

    #[test]
    fn ending_before_the_melody_is_penalised_by_the_frames_left() {
        let mut chords = good(32);
        chords[22..].fill(Token::PAD);
        chords[22] = Token::EOS;
        let p = penalties(Part::Chords, &chords, &melody(32), &PenaltySettings::default());
        assert!((p.early_stop + 1.0).abs() < 1e-12, "{}", p.early_stop);
        assert_eq!(p.invalid, 0.0);
    }

    #[test]
    fn the_melody_agent_is_penalised_for_its_own_track() {
        let chords = good(64);
        let mut notes: Vec<Token> = (0..64)
            .map(|f| {
                let pitch = [60, 62, 64, 65][(f / 4) % 4];
                if f % 4 == 0 { Token::note_on(pitch) } else { Token::note_hold(pitch) }
            })
            .collect();
        assert_eq!(
            penalties(Part::Melody, &notes, &chords, &PenaltySettings::default()),
            Penalties { silence: vec![0.0; 64], ..Penalties::default() }
        );
        // The same note struck on twelve frames in a row.
        notes[16..28].fill(Token::note_on(67));
        assert!((penalties(Part::Melody, &notes, &chords, &PenaltySettings::default()).repetition + 1.2).abs() < 1e-12);
        // A silent melody against the chords, and chords where a note belongs.
        let p = penalties(Part::Melody, &[Token::SILENCE; 64], &chords, &PenaltySettings::default());
        assert_eq!(p.silence.iter().filter(|&&s| s < 0.0).count(), 64 - 8);
        assert_eq!(penalties(Part::Melody, &chords, &chords, &PenaltySettings::default()).invalid, -10.0);
    }
}
