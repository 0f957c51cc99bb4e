//! The offline harmonizer: the teacher's chords for a whole melody, which it hears at once,
//! future included, so it is the best Comper can do for a melody already written (`cargo
//! xtask harmonize`). The chords are the teacher's, sampled with the plugin's sampler and
//! validity mask, seeded.

use crate::models::teacher::Teacher;
use burn::prelude::*;
use comper_music::token::sounding_pitch;
use comper_music::{Part, Token};

/// How the teacher samples.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HarmonizeSettings {
    pub temperature: f32,
    pub seed: u64,
}

impl Default for HarmonizeSettings {
    /// The evaluation's setting, at which the teacher's harmony is measured (`models/README.md`).
    fn default() -> Self {
        HarmonizeSettings { temperature: 1.0, seed: 1 }
    }
}

/// Why a melody cannot be harmonized.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum HarmonizeError {
    #[error("there is no melody to harmonize: not one note sounds in it")]
    NoMelody,
}

/// A chord token for every frame of `melody` (16th-note frames).
pub fn harmonize(
    teacher: &Teacher,
    melody: &[Token],
    settings: HarmonizeSettings,
    device: &Device,
) -> Result<Vec<Token>, HarmonizeError> {
    if !melody.iter().any(|&t| sounding_pitch(t).is_some()) {
        return Err(HarmonizeError::NoMelody);
    }
    let played = teacher.accompany(Part::Chords, &[melody], settings.temperature, settings.seed, device);
    Ok(played.into_iter().next().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::teacher::TeacherConfig;
    use comper_music::spans::chord_spans;
    use comper_music::{Take, Voicing};

    fn teacher() -> Teacher {
        TeacherConfig { embedding: 8, encoder_hidden: 8, decoder_hidden: 8, ..TeacherConfig::default() }
            .init(&Device::flex())
    }

    #[test]
    fn a_melody_gets_one_voiced_chord_per_span_and_a_name_at_each() {
        let melody: Vec<Token> = (0..64u8)
            .map(|f| if f % 4 == 0 { Token::note_on(60 + f / 8) } else { Token::note_hold(60 + f / 8) })
            .collect();
        let teacher = teacher();
        let chords = harmonize(&teacher, &melody, HarmonizeSettings::default(), &Device::flex()).unwrap();
        assert_eq!(chords.len(), melody.len());
        let spans = chord_spans(&chords);
        assert!(!spans.is_empty(), "an untrained teacher still plays chords at temperature 1: {chords:?}");
        let take = Take::from_frames(&melody, &chords, 100.0, Voicing::default(), 0.8);
        let named: Vec<f64> =
            (take.markers.iter()).filter(|(_, name)| name != comper_music::take::NO_CHORD).map(|m| m.0).collect();
        let starts: Vec<f64> = spans.iter().map(|s| s.start as f64 / 4.0).collect();
        assert_eq!(named, starts, "a marker at every chord");
        let struck: Vec<f64> = (take.chords.iter()).filter(|e| e.on).map(|e| e.beats).collect();
        assert!(
            starts.iter().all(|s| struck.contains(s)) && struck.iter().all(|b| starts.contains(b)),
            "voiced once per span"
        );
        let again = harmonize(&teacher, &melody, HarmonizeSettings::default(), &Device::flex()).unwrap();
        assert_eq!(chords, again, "seeded");
    }

    #[test]
    fn a_melody_without_a_note_is_refused() {
        let silent = vec![Token::SILENCE; 32];
        assert_eq!(
            harmonize(&teacher(), &silent, HarmonizeSettings::default(), &Device::flex()),
            Err(HarmonizeError::NoMelody)
        );
        assert_eq!(
            harmonize(&teacher(), &[], HarmonizeSettings::default(), &Device::flex()),
            Err(HarmonizeError::NoMelody)
        );
    }
}
