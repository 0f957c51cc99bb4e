//! One row of metrics per system, and the report that gathers them: JSON for machines,
//! Markdown for people.

use crate::adaptation::{Adaptation, Estimate, adaptation};
use crate::coadaptation::CoAdaptation;
use crate::diversity::{ChordUse, VendiJackknife, chord_use};
use crate::harmony::{Harmony, harmony};
use crate::paired::{PairedDifference, VendiDifference};
use crate::rhythm::{Rhythm, emd, rhythm};
use comper_inference::{ChordGrid, KeyLock, PlanSettings, ReactSettings};
use comper_music::FrameTracks;
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// What one system played, and against what.
pub struct Takes<'a> {
    /// Against the melodies as they are.
    pub plain: &'a [FrameTracks],
    /// Against the melodies with the tritone jump.
    pub jumped: &'a [FrameTracks],
    /// The Vendi score of the plain takes' chord tracks (their contrastive embeddings).
    pub vendi: &'a VendiJackknife,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SystemRow {
    pub system: String,
    /// The model folder (none for the ground truth).
    pub model: Option<String>,
    pub version: Option<String>,
    pub harmony: Harmony,
    /// Vendi score over the chord embeddings of all takes (same N for every system).
    pub vendi: f64,
    /// Half the width of the Vendi score's 95% interval over the songs (reports before it:
    /// none).
    #[serde(default)]
    pub vendi_ci95: Option<f64>,
    pub chords: ChordUse,
    pub rhythm: Rhythm,
    /// Earth mover's distance of the onset-interval histogram to the ground truth's, in
    /// frames (none without ground-truth chords).
    pub sync_emd: Option<f64>,
    pub adaptation: Adaptation,
    /// Against the learned melody agent (none for the ground truth, or without an agent).
    #[serde(default)]
    pub coadaptation: Option<CoAdaptation>,
}

impl SystemRow {
    pub fn score(system: &str, takes: &Takes, reference: Option<&Rhythm>, jump_beat: usize) -> SystemRow {
        let rhythm = rhythm(takes.plain);
        SystemRow {
            system: system.into(),
            model: None,
            version: None,
            harmony: harmony(takes.plain),
            vendi: takes.vendi.score,
            vendi_ci95: takes.vendi.ci95(),
            chords: chord_use(takes.plain),
            sync_emd: reference.map(|r| emd(&rhythm.onset_intervals, &r.onset_intervals)),
            rhythm,
            adaptation: adaptation(takes.jumped, jump_beat),
            coadaptation: None,
        }
    }
}

/// How the systems were run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Protocol {
    pub temperature: f32,
    pub lookahead: u32,
    pub commit: u32,
    pub listen: u32,
    pub seed: u64,
    /// Melody frames per take (longer songs are cropped, seeded, on a beat).
    pub window: usize,
    pub jump_beat: usize,
    pub jump_semitones: i32,
    /// The react protocol: each chord hears its own frame's note (none: the paper's strict
    /// protocol).
    #[serde(default)]
    pub react: Option<ReactSettings>,
    /// Where chords may change (reports from before the grid allowed any 16th).
    #[serde(default)]
    pub grid: ChordGrid,
    /// The key lock (reports from before it had none).
    #[serde(default, skip_serializing_if = "KeyLock::is_any")]
    pub key: KeyLock,
}

impl Protocol {
    pub fn settings(&self) -> PlanSettings {
        PlanSettings {
            lookahead: self.lookahead,
            commit: self.commit,
            listen: self.listen,
            temperature: self.temperature,
            react: self.react,
            grid: self.grid,
            key: self.key,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Where the melodies came from.
    pub dataset: String,
    pub melodies: usize,
    pub protocol: Protocol,
    /// The chord encoder behind the Vendi scores (name and version).
    pub encoder: String,
    pub command: String,
    pub seconds: f64,
    pub systems: Vec<SystemRow>,
    /// Every pair of systems compared on per-song harmony (reports before it: none).
    #[serde(default)]
    pub paired: Vec<PairedDifference>,
    /// Every pair of systems compared on the Vendi score (reports before it: none).
    #[serde(default)]
    pub paired_vendi: Vec<VendiDifference>,
}

fn num(value: Option<f64>, digits: usize) -> String {
    value.filter(|v| v.is_finite()).map_or("–".into(), |v| format!("{v:.digits$}"))
}

impl Report {
    pub fn markdown(&self) -> String {
        let p = &self.protocol;
        let mut md = String::new();
        let _ = writeln!(md, "# Evaluation\n");
        let _ = writeln!(
            md,
            "{} melodies from {}, {} frames each (seed {}); online from a cold start, temperature {}, \
             lookahead {}, commit {}, listen {} frames; {}; chords change on {}{}. Diversity on the {}. {:.0} s.\n\n`{}`\n",
            self.melodies,
            self.dataset,
            p.window,
            p.seed,
            p.temperature,
            p.lookahead,
            p.commit,
            p.listen,
            p.react.map_or("strict protocol: each chord chosen before its frame's note".into(), |r| format!(
                "react protocol: each chord chosen with its frame's note, {} candidates, α = {}",
                r.candidates, r.alpha
            )),
            p.grid.name(),
            if p.key.is_any() { String::new() } else { format!("; {}", p.key.describe()) },
            self.encoder,
            self.seconds,
            self.command
        );
        let _ = writeln!(md, "## Harmony and diversity\n");
        let _ = writeln!(
            md,
            "| system | harmony (pooled) | harmony per song (95% CI) | Vendi (95% CI) | chord entropy | unique chords | pitch classes per chord |"
        );
        let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|---:|");
        for s in &self.systems {
            let per_song = format!("{} ± {}", num(s.harmony.song_mean, 3), num(s.harmony.song_ci95, 3));
            let vendi = format!("{:.2} ± {}", s.vendi, num(s.vendi_ci95, 2));
            let _ = writeln!(
                md,
                "| {} | {} | {per_song} | {vendi} | {:.3} | {} | {:.2} |",
                s.system,
                num(s.harmony.pooled, 3),
                s.chords.entropy,
                s.chords.unique,
                s.chords.pitch_classes
            );
        }
        let _ = writeln!(md, "\n## Rhythm and behaviour\n");
        let _ = writeln!(
            md,
            "| system | chord changes per bar | chord-length entropy | changes on a melody onset | 1–2 frames after one | chord onsets on a beat | silence | sync EMD (frames) |"
        );
        let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|---:|---:|");
        for s in &self.systems {
            let r = &s.rhythm;
            let _ = writeln!(
                md,
                "| {} | {:.2} | {:.3} | {:.2} | {:.2} | {:.2} | {:.3} | {} |",
                s.system,
                r.changes_per_bar,
                r.chord_length_entropy,
                r.onset_intervals[0],
                r.onset_intervals[1] + r.onset_intervals[2],
                r.onsets_on_beat,
                r.silence_ratio,
                num(s.sync_emd, 3)
            );
        }
        let _ = writeln!(md, "\n## Adaptation: melody +{} semitones from beat {}\n", p.jump_semitones, p.jump_beat);
        let _ = writeln!(
            md,
            "| system | harmony beats {}–{} | harmony 4 beats after | beats to recover | beats to half the drop back (95% CI) | beats {}–{} over before (95% CI) |",
            p.jump_beat / 2,
            p.jump_beat - 1,
            p.jump_beat,
            p.jump_beat + 7
        );
        let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|");
        let estimate = |e: Option<Estimate>, digits: usize| {
            e.map_or("–".into(), |e| format!("{:.digits$} [{:.digits$}, {:.digits$}]", e.value, e.low, e.high))
        };
        for s in &self.systems {
            let a = &s.adaptation;
            let recovery = a.recovery_beats.map_or("not within the take".into(), |b| b.to_string());
            let _ = writeln!(
                md,
                "| {} | {} | {} | {recovery} | {} | {} |",
                s.system,
                num(a.before, 3),
                num(a.after, 3),
                estimate(a.half_recovery, 0),
                estimate(a.settled, 3)
            );
        }
        if !self.paired.is_empty() {
            let _ = writeln!(md, "\n## Paired: harmony per song, A − B\n");
            let _ = writeln!(md, "| A | B | songs | mean A − B (95% bootstrap CI) | songs A higher / B higher |");
            let _ = writeln!(md, "|---|---|---:|---:|---:|");
            for p in &self.paired {
                let clear = if p.is_clear() { "" } else { " (noise)" };
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {:+.3} [{:+.3}, {:+.3}]{clear} | {} / {} |",
                    p.a, p.b, p.songs, p.mean, p.low, p.high, p.a_higher, p.b_higher
                );
            }
        }
        if !self.paired_vendi.is_empty() {
            let _ = writeln!(md, "\n## Paired: Vendi, A − B\n");
            let _ = writeln!(md, "| A | B | Vendi A − B (95% jackknife CI) |");
            let _ = writeln!(md, "|---|---|---:|");
            for p in &self.paired_vendi {
                let clear = if p.is_clear() { "" } else { " (noise)" };
                let _ = writeln!(md, "| {} | {} | {:+.2} ± {:.2}{clear} |", p.a, p.b, p.difference, p.ci95);
            }
        }
        let duets: Vec<(&str, &CoAdaptation)> =
            self.systems.iter().filter_map(|s| Some((s.system.as_str(), s.coadaptation.as_ref()?))).collect();
        if let Some((_, first)) = duets.first() {
            let _ = writeln!(md, "\n## Co-adaptation: {} duets with {}\n", first.duets, first.agent);
            let _ = writeln!(md, "| system | harmony with the melody agent | agent's note density |");
            let _ = writeln!(md, "|---|---:|---:|");
            for (system, c) in &duets {
                let _ = writeln!(md, "| {system} | {} | {:.3} |", num(c.harmony, 3), c.melody_density);
            }
        }
        md.push_str(
            "\nHarmony: melody pitch class in the chord, over frames where both sound. Vendi: exp of the entropy of \
             the eigenvalues of the chord embeddings' cosine Gram matrix / N, ± 1.96 jackknife standard errors over \
             the songs. Chord entropy (nats) and unique chords \
             over sounding chord frames. Changes: onsets that change the chord, per 16 frames. Sync EMD: earth \
             mover's distance between histograms of frames from each chord onset back to the last melody onset. \
             Recover: two consecutive beats at 95% of the level before the jump. Half the drop back: the first beat \
             after the jump whose level has won back half of the fall from the level before to the jump beat's; \
             beats 16–23 over before: their pooled level over the level before; both with percentile intervals of \
             2,000 resamples of the songs. Co-adaptation: the policy \
             accompanies a learned melody agent that hears its chords, both online from a cold start at the same \
             temperature; note density is the share of frames where the agent sounds a note. Paired: the mean \
             over songs of A's harmony minus B's on the same melody; Vendi A − B: its jackknife interval leaves \
             the same song out of both; \"(noise)\" marks an interval that holds 0.\n",
        );
        md
    }
}
