//! A blind listening test's log. The plugin's A/B panel writes one entry per line as the
//! session goes, so a crash loses nothing said before it; `cargo xtask eval --ab-results`
//! reads the lines back. Plain data here: the callers do the I/O.

use serde::{Deserialize, Serialize};

/// The name a model plays under while the listener does not know which it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Label {
    A,
    B,
}

impl Label {
    pub fn index(self) -> usize {
        match self {
            Label::A => 0,
            Label::B => 1,
        }
    }
}

/// The listener's judgement of one trial.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preference {
    A,
    B,
    NoPreference,
}

/// What one take under one label measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TakeMetrics {
    pub label: Label,
    pub frames: u32,
    /// Melody notes in the chord, over frames where both sound.
    pub harmony: Option<f32>,
    pub unique_chords: usize,
    pub changes_per_bar: f32,
    /// Mean harmony over the 4 beats after each key change of the melody, and how many
    /// there were.
    pub harmony_after_key_changes: Option<f32>,
    pub key_changes: usize,
}

/// One line of the log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ListeningEntry {
    /// A trial begins with a fresh draw of which model is behind A and which behind B. The
    /// log keeps the models (the window hides them until the reveal) so that votes still
    /// mean something after a crash.
    Trial { trial: u32, a: String, b: String },
    /// A take played under a label, and its MIDI file beside the log.
    Take {
        trial: u32,
        #[serde(flatten)]
        metrics: TakeMetrics,
        midi: String,
    },
    /// The listener's vote on a trial, with an optional note.
    Vote { trial: u32, preferred: Preference, note: String },
    /// The listener asked which model was which.
    Reveal,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_one_json_object_a_line_tagged_by_event() {
        let vote = ListeningEntry::Vote { trial: 3, preferred: Preference::NoPreference, note: "both fine".into() };
        let line = serde_json::to_string(&vote).unwrap();
        assert_eq!(line, r#"{"event":"vote","trial":3,"preferred":"no_preference","note":"both fine"}"#);
        let metrics = TakeMetrics {
            label: Label::B,
            frames: 64,
            harmony: Some(0.75),
            unique_chords: 3,
            changes_per_bar: 1.0,
            harmony_after_key_changes: None,
            key_changes: 0,
        };
        let take = ListeningEntry::Take { trial: 1, metrics, midi: "take-01-B.mid".into() };
        let line = serde_json::to_string(&take).unwrap();
        assert!(!line.contains('\n') && line.contains(r#""label":"B""#), "{line}");
        assert_eq!(serde_json::from_str::<ListeningEntry>(&line).unwrap(), take);
    }
}
