//! The results of blind listening tests (the plugin's A/B sessions, `comper_music::listening`):
//! per pair of models, how often listeners preferred each, with an interval, and how often the
//! preferred take was also the one with the higher harmony.

use anyhow::Context;
use comper_data::import::files_with_extensions;
use comper_music::listening::{Label, ListeningEntry, Preference};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

/// The votes on one pair of models, over every session given.
#[derive(Clone, Debug, PartialEq)]
pub struct PairVotes {
    /// The two models, in name order.
    pub models: [String; 2],
    /// Trials that preferred `models[0]`, `models[1]`, or neither.
    pub preferred: [usize; 2],
    pub no_preference: usize,
    /// Of the decisive votes whose trial had a take with a harmony under both labels: how
    /// many preferred the take with the higher mean harmony, out of how many.
    pub agree_with_harmony: (usize, usize),
}

impl PairVotes {
    /// The share of decisive votes for `models[0]` and its 95% Wilson interval.
    pub fn share_first(&self) -> Option<(f64, f64, f64)> {
        let n = (self.preferred[0] + self.preferred[1]) as f64;
        if n == 0.0 {
            return None;
        }
        let (p, z) = (self.preferred[0] as f64 / n, 1.96f64);
        let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
        let half = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
        Some((p, centre - half, centre + half))
    }
}

/// Sum up sessions, each the entries of one log in order.
pub fn summarize(sessions: &[Vec<ListeningEntry>]) -> Vec<PairVotes> {
    let mut pairs: BTreeMap<[String; 2], PairVotes> = BTreeMap::new();
    for entries in sessions {
        // Per trial: the models behind A and B, and each label's harmonies.
        let mut trials: BTreeMap<u32, ([String; 2], [Vec<f32>; 2])> = BTreeMap::new();
        for entry in entries {
            match entry {
                ListeningEntry::Trial { trial, a, b } => {
                    trials.insert(*trial, ([a.clone(), b.clone()], [Vec::new(), Vec::new()]));
                }
                ListeningEntry::Take { trial, metrics, .. } => {
                    if let (Some((_, harmonies)), Some(h)) = (trials.get_mut(trial), metrics.harmony) {
                        harmonies[metrics.label.index()].push(h);
                    }
                }
                ListeningEntry::Vote { trial, preferred, .. } => {
                    let Some((behind, harmonies)) = trials.get(trial) else { continue };
                    let mut models = behind.clone();
                    models.sort();
                    let votes = pairs.entry(models.clone()).or_insert_with(|| PairVotes {
                        models: models.clone(),
                        preferred: [0, 0],
                        no_preference: 0,
                        agree_with_harmony: (0, 0),
                    });
                    let label = match preferred {
                        Preference::A => Label::A,
                        Preference::B => Label::B,
                        Preference::NoPreference => {
                            votes.no_preference += 1;
                            continue;
                        }
                    };
                    let chosen = &behind[label.index()];
                    votes.preferred[usize::from(chosen != &models[0])] += 1;
                    let mean = |h: &Vec<f32>| (!h.is_empty()).then(|| h.iter().sum::<f32>() / h.len() as f32);
                    if let (Some(a), Some(b)) = (mean(&harmonies[0]), mean(&harmonies[1]))
                        && a != b
                    {
                        let higher = if a > b { Label::A } else { Label::B };
                        votes.agree_with_harmony.0 += usize::from(higher == label);
                        votes.agree_with_harmony.1 += 1;
                    }
                }
                ListeningEntry::Reveal => {}
            }
        }
    }
    pairs.into_values().collect()
}

/// The summary as a Markdown table.
pub fn markdown(pairs: &[PairVotes], sessions: usize) -> String {
    let mut md = format!("# Blind listening tests\n\n{sessions} sessions.\n\n");
    md.push_str("| model 1 | model 2 | votes 1 / 2 / none | share for 1 (95% CI) | preferred the higher harmony |\n");
    md.push_str("|---|---|---:|---:|---:|\n");
    for p in pairs {
        let share = p.share_first().map_or("–".into(), |(s, lo, hi)| format!("{s:.2} [{lo:.2}, {hi:.2}]"));
        let (agree, of) = p.agree_with_harmony;
        let _ = writeln!(
            md,
            "| {} | {} | {} / {} / {} | {share} | {agree} of {of} |",
            p.models[0], p.models[1], p.preferred[0], p.preferred[1], p.no_preference
        );
    }
    md
}

/// The largest session log read (a session of hundreds of trials is under 1 MB).
const LOG_BYTES: u64 = 64 << 20;

/// The summary, as Markdown, of every session log (`session.jsonl`) under `dirs`. A line
/// that does not parse (a crash in the middle of writing it) is reported and left out.
pub fn results(dirs: &[PathBuf]) -> anyhow::Result<String> {
    let mut sessions = Vec::new();
    for dir in dirs {
        let logs = files_with_extensions(dir, &["jsonl"]).with_context(|| format!("reading {}", dir.display()))?;
        for log in logs.iter().filter(|p| p.file_name().is_some_and(|n| n == "session.jsonl")) {
            let text = comper_files::read_text_limited(log, LOG_BYTES)
                .with_context(|| format!("reading {}", log.display()))?;
            let mut entries = Vec::new();
            for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                match serde_json::from_str(line) {
                    Ok(entry) => entries.push(entry),
                    Err(e) => eprintln!("{}:{}: left out ({e})", log.display(), i + 1),
                }
            }
            sessions.push(entries);
        }
    }
    anyhow::ensure!(!sessions.is_empty(), "no session.jsonl under {dirs:?}");
    Ok(markdown(&summarize(&sessions), sessions.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use comper_music::listening::TakeMetrics;

    fn trial(trial: u32, a: &str, b: &str) -> ListeningEntry {
        ListeningEntry::Trial { trial, a: a.into(), b: b.into() }
    }

    fn take(trial: u32, label: Label, harmony: f32) -> ListeningEntry {
        let metrics = TakeMetrics {
            label,
            frames: 64,
            harmony: Some(harmony),
            unique_chords: 4,
            changes_per_bar: 1.0,
            harmony_after_key_changes: None,
            key_changes: 0,
        };
        ListeningEntry::Take { trial, metrics, midi: String::new() }
    }

    fn vote(trial: u32, preferred: Preference) -> ListeningEntry {
        ListeningEntry::Vote { trial, preferred, note: String::new() }
    }

    #[test]
    fn preferences_are_counted_per_model_whatever_label_it_played_under() {
        let (gapt, mle) = ("models/gapt", "models/online-mle");
        let first = vec![
            trial(1, gapt, mle),
            take(1, Label::A, 0.8),
            take(1, Label::B, 0.6),
            vote(1, Preference::A), // GAPT, the higher harmony
            trial(2, mle, gapt),
            take(2, Label::A, 0.7),
            take(2, Label::B, 0.5),
            vote(2, Preference::B), // GAPT, the lower harmony
            trial(3, gapt, mle),
            vote(3, Preference::NoPreference),
            trial(4, mle, gapt), // cut off by a crash before its vote
        ];
        let second = vec![trial(1, mle, gapt), take(1, Label::A, 0.9), vote(1, Preference::A), ListeningEntry::Reveal];
        let pairs = summarize(&[first, second]);
        assert_eq!(pairs.len(), 1);
        let p = &pairs[0];
        assert_eq!(p.models, [gapt.to_string(), mle.to_string()]);
        assert_eq!((p.preferred, p.no_preference), ([2, 1], 1));
        assert_eq!(p.agree_with_harmony, (1, 2), "trial 1 agrees, trial 2 does not; one label only is left out");
        let (share, low, high) = p.share_first().unwrap();
        assert!((share - 2.0 / 3.0).abs() < 1e-9 && low < share && share < high && low > 0.0 && high < 1.0);
        assert!(markdown(&pairs, 2).contains("| models/gapt | models/online-mle | 2 / 1 / 1 |"));
    }
}
