//! The plugin's blind A/B logs each take's harmony, distinct chords and changes per bar; the
//! evaluation reports the same measures. For the same take they must be the same numbers.

use comper::blind::{BlindSession, Label};
use comper::link::Timeline;
use comper_eval::diversity::chord_use;
use comper_eval::harmony::harmony;
use comper_eval::rhythm::rhythm;
use comper_music::{BarPlace, ChordId, FrameTracks, Meter, Token};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

/// A seeded take of `frames` with notes, held notes and rests, and chords that change, hold,
/// are struck again and fall silent.
fn random_take(rng: &mut ChaCha8Rng, frames: usize) -> FrameTracks {
    let mut take = FrameTracks { melody: Vec::new(), chords: Vec::new() };
    let (mut note, mut chord) = (None::<u8>, None::<ChordId>);
    for _ in 0..frames {
        let melody = match (rng.random_range(0..4), note) {
            (0, _) => {
                note = None;
                Token::SILENCE
            }
            (1, Some(held)) => Token::note_hold(held),
            _ => {
                let key = rng.random_range(55..80);
                note = Some(key);
                Token::note_on(key)
            }
        };
        take.melody.push(melody);
        let token = match (rng.random_range(0..8), chord) {
            (0, _) => {
                chord = None;
                Token::SILENCE
            }
            (1, Some(same)) => Token::chord_on(same),
            (2 | 3, _) => {
                let new = ChordId::from_index(rng.random_range(0..180)).unwrap();
                chord = Some(new);
                Token::chord_on(new)
            }
            (_, Some(held)) => Token::chord_hold(held),
            (_, None) => Token::SILENCE,
        };
        take.chords.push(token);
    }
    take
}

#[test]
fn the_blind_ab_and_the_evaluation_give_the_same_numbers_for_the_same_take() {
    let dir = tempfile::tempdir().unwrap();
    let mut session = BlindSession::start(["a".into(), "b".into()], 1, dir.path(), "agree").unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for round in 0..20 {
        let frames = rng.random_range(16..300);
        let take = random_take(&mut rng, frames);
        let mut timeline = Timeline::default();
        timeline.start(round);
        session.switch(Label::A, &timeline, 120.0).unwrap();
        for (frame, (&melody, &chord)) in take.melody.iter().zip(&take.chords).enumerate() {
            timeline.record(frame as u32, chord, melody, false, BarPlace::counted(Meter::COMMON, frame as u32));
        }
        session.end_take(&timeline, 120.0).unwrap();
        let logged = &session.takes().last().unwrap().metrics;
        let one = std::slice::from_ref(&take);
        let close = |a: f32, b: f64| (f64::from(a) - b).abs() < 1e-6;
        assert_eq!(logged.harmony.is_some(), harmony(one).pooled.is_some(), "round {round}");
        if let (Some(a), Some(b)) = (logged.harmony, harmony(one).pooled) {
            assert!(close(a, b), "round {round}: harmony {a} against {b}");
        }
        assert!(close(logged.changes_per_bar, rhythm(one).changes_per_bar), "round {round}: changes per bar");
        assert_eq!(logged.unique_chords, chord_use(one).unique, "round {round}: distinct chords");
    }
}
