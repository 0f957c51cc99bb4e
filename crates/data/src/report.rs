//! The data report: what was imported, how chords reached the vocabulary, what was skipped.

use crate::corpus::Corpus;
use crate::import::{Skipped, SourceImport};
use crate::labels::ChordTally;
use crate::split::Split;
use comper_music::{FrameTracks, Token};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Figures for one source.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SourceReport {
    pub source: String,
    pub songs: usize,
    pub skipped: usize,
    pub bars: usize,
    pub frames: usize,
    pub melody_notes: usize,
    pub chord_events: usize,
    /// Songs per split: train, valid, test.
    pub splits: [usize; 3],
    /// Share of frames without a melody note.
    pub melody_silence: f64,
    /// Share of frames without a chord.
    pub chord_silence: f64,
    /// Share of melody-active frames without a chord (the RL silence penalty's statistic).
    pub chord_silence_under_melody: f64,
    /// Songs per meter, "4/4" → count.
    pub meters: BTreeMap<String, usize>,
    pub tally: ChordTally,
}

/// The whole report, written as JSON and Markdown beside the cache.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DataReport {
    pub seed: u64,
    pub import_seconds: f64,
    pub sources: Vec<SourceReport>,
    pub total: SourceReport,
    /// Chord events per quality suffix ("" = major), all sources.
    pub qualities: BTreeMap<String, usize>,
    /// Chord events per chord name, most frequent first.
    pub chords: Vec<(String, usize)>,
    pub skipped: Vec<Skipped>,
    /// How played melodies sit against the 16th-note grid (none without such a source).
    #[serde(default)]
    pub timing: Option<OnsetTiming>,
}

/// Where melody onsets fall against their nearest 16th-note line: whether a source carries
/// a player's timing, which would say how long a chord should wait for a late note.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OnsetTiming {
    pub onsets: usize,
    /// The share played after their line.
    pub late_share: f64,
    /// The delays (ms) within which 50, 80, 90 and 95% of the late onsets fall.
    pub late_within_ms: [f64; 4],
}

impl OnsetTiming {
    pub const SHARES: [f64; 4] = [0.5, 0.8, 0.9, 0.95];

    /// From every onset's offset (ms, positive: late); none without onsets.
    pub fn of(offsets_ms: impl Iterator<Item = f32>) -> Option<OnsetTiming> {
        let offsets: Vec<f32> = offsets_ms.filter(|x| x.is_finite()).collect();
        let mut late: Vec<f64> = offsets.iter().filter(|&&x| x > 0.0).map(|&x| f64::from(x)).collect();
        late.sort_by(f64::total_cmp);
        let quantile = |q: f64| late.get(((q * late.len() as f64).ceil() as usize).saturating_sub(1)).copied();
        (!offsets.is_empty()).then(|| OnsetTiming {
            onsets: offsets.len(),
            late_share: ratio(late.len(), offsets.len()),
            late_within_ms: OnsetTiming::SHARES.map(|q| quantile(q).unwrap_or(0.0)),
        })
    }
}

impl DataReport {
    pub fn new(imports: &[SourceImport], corpus: &Corpus, import_seconds: f64) -> DataReport {
        let mut report = DataReport { seed: corpus.manifest.seed, import_seconds, ..DataReport::default() };
        let mut chord_counts: BTreeMap<String, usize> = BTreeMap::new();
        for import in imports {
            let mut figures = SourceReport {
                source: import.source.name().to_string(),
                skipped: import.skipped.len(),
                tally: import.tally(),
                ..SourceReport::default()
            };
            let mut silent_melody = 0usize;
            let mut silent_chord = 0usize;
            let mut active_melody = 0usize;
            let mut silent_chord_under_melody = 0usize;
            for song in corpus.songs.iter().filter(|s| s.sheet.source == import.source) {
                let sheet = &song.sheet;
                figures.songs += 1;
                figures.splits[Split::ALL.iter().position(|&s| s == song.split).unwrap_or(0)] += 1;
                figures.bars += sheet.bars();
                figures.melody_notes += sheet.melody.len();
                figures.chord_events += sheet.chords.len();
                *figures.meters.entry(format!("{}/{}", sheet.meter.numerator, sheet.meter.denominator)).or_default() +=
                    1;
                for event in &sheet.chords {
                    *report.qualities.entry(event.chord.quality.suffix().to_string()).or_default() += 1;
                    *chord_counts.entry(event.chord.to_string()).or_default() += 1;
                }
                let frames = FrameTracks::encode(&sheet.melody, &sheet.chords);
                figures.frames += frames.len();
                for (&m, &c) in frames.melody.iter().zip(&frames.chords) {
                    let melody_sounds = m != Token::SILENCE;
                    silent_melody += usize::from(!melody_sounds);
                    silent_chord += usize::from(c == Token::SILENCE);
                    active_melody += usize::from(melody_sounds);
                    silent_chord_under_melody += usize::from(melody_sounds && c == Token::SILENCE);
                }
            }
            figures.melody_silence = ratio(silent_melody, figures.frames);
            figures.chord_silence = ratio(silent_chord, figures.frames);
            figures.chord_silence_under_melody = ratio(silent_chord_under_melody, active_melody);
            report.skipped.extend(import.skipped.iter().cloned());
            report.total.accumulate(&figures);
            report.sources.push(figures);
        }
        report.total.source = "all".into();
        let weights: Vec<usize> = report.sources.iter().map(|s| s.frames).collect();
        let weighted = |f: fn(&SourceReport) -> f64| {
            let total: usize = weights.iter().sum();
            report.sources.iter().zip(&weights).map(|(s, &w)| f(s) * w as f64).sum::<f64>() / total.max(1) as f64
        };
        report.total.melody_silence = weighted(|s| s.melody_silence);
        report.total.chord_silence = weighted(|s| s.chord_silence);
        report.total.chord_silence_under_melody = weighted(|s| s.chord_silence_under_melody);
        let mut chords: Vec<_> = chord_counts.into_iter().collect();
        chords.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        report.chords = chords;
        report.timing =
            OnsetTiming::of(imports.iter().flat_map(|i| &i.songs).flat_map(|s| s.onset_offsets_ms.iter().copied()));
        report
    }

    /// The report as Markdown, for people.
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# Comper data report\n");
        let _ = writeln!(md, "Split seed {}; import took {:.1} s.\n", self.seed, self.import_seconds);
        let _ = writeln!(
            md,
            "| source | songs | skipped | train / valid / test | bars | frames | melody notes | chord events | exact | reduced | unmapped | coverage | melody silence | chord silence | no chord under melody |"
        );
        let _ = writeln!(md, "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for s in self.sources.iter().chain(std::iter::once(&self.total)) {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} / {} / {} | {} | {} | {} | {} | {} | {} | {} | {:.2}% | {:.1}% | {:.1}% | {:.1}% |",
                s.source,
                s.songs,
                s.skipped,
                s.splits[0],
                s.splits[1],
                s.splits[2],
                s.bars,
                s.frames,
                s.melody_notes,
                s.chord_events,
                s.tally.exact,
                s.tally.reduced_count(),
                s.tally.unmapped_count(),
                100.0 * s.tally.coverage(),
                100.0 * s.melody_silence,
                100.0 * s.chord_silence,
                100.0 * s.chord_silence_under_melody,
            );
        }
        if let Some(t) = &self.timing {
            let within: Vec<String> = OnsetTiming::SHARES
                .iter()
                .zip(t.late_within_ms)
                .map(|(q, ms)| format!("{:.0}% within {ms:.0} ms", 100.0 * q))
                .collect();
            let _ = writeln!(
                md,
                "\n## Melody timing\n\n{} melody onsets against their nearest 16th-note line: {:.0}% after it; of those, {}.",
                t.onsets,
                100.0 * t.late_share,
                within.join(", ")
            );
        }
        let _ = writeln!(md, "\n## Meters\n");
        for s in &self.sources {
            let meters: Vec<_> = s.meters.iter().map(|(m, n)| format!("{m}: {n}")).collect();
            let _ = writeln!(md, "- {}: {}", s.source, meters.join(", "));
        }
        let _ = writeln!(md, "\n## Chord qualities\n\n| quality | events | share |\n|---|---:|---:|");
        let total: usize = self.qualities.values().sum();
        let mut qualities: Vec<_> = self.qualities.iter().collect();
        qualities.sort_by(|a, b| b.1.cmp(a.1));
        for (q, n) in qualities {
            let name = if q.is_empty() { "maj" } else { q.as_str() };
            let _ = writeln!(md, "| {name} | {n} | {:.2}% |", 100.0 * ratio(*n, total));
        }
        let _ = writeln!(md, "\n## Most frequent chords\n");
        let top: Vec<_> = self.chords.iter().take(40).map(|(c, n)| format!("{c} {n}")).collect();
        let _ = writeln!(md, "{}", top.join(", "));
        let _ = writeln!(md, "\n## Reductions (label → vocabulary chord: events)\n");
        write_counts(
            &mut md,
            self.sources.iter().flat_map(|s| {
                s.tally.reduced.iter().flat_map(move |(from, to)| {
                    to.iter().map(move |(t, n)| (format!("{}: {from} → {t}", s.source), *n))
                })
            }),
        );
        let _ = writeln!(md, "\n## Unmapped labels (their time is no-chord)\n");
        write_counts(
            &mut md,
            self.sources
                .iter()
                .flat_map(|s| s.tally.unmapped.iter().map(move |(label, n)| (format!("{}: {label}", s.source), *n))),
        );
        let _ = writeln!(md, "\n## Skipped files ({})\n", self.skipped.len());
        for s in &self.skipped {
            let _ = writeln!(md, "- `{}`: {}", s.path.display(), s.reason);
        }
        md
    }
}

impl SourceReport {
    fn accumulate(&mut self, other: &SourceReport) {
        self.songs += other.songs;
        self.skipped += other.skipped;
        self.bars += other.bars;
        self.frames += other.frames;
        self.melody_notes += other.melody_notes;
        self.chord_events += other.chord_events;
        for i in 0..3 {
            self.splits[i] += other.splits[i];
        }
        for (m, n) in &other.meters {
            *self.meters.entry(m.clone()).or_default() += n;
        }
        self.tally.merge(&other.tally);
    }
}

/// Write `(label, count)` lines, most frequent first, or "none".
fn write_counts(md: &mut String, items: impl Iterator<Item = (String, usize)>) {
    let mut items: Vec<_> = items.collect();
    items.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if items.is_empty() {
        let _ = writeln!(md, "none");
    }
    for (label, n) in items {
        let _ = writeln!(md, "- {label}: {n}");
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn onset_timing_counts_late_notes_and_their_delays() {
        let offsets = [-10.0, 0.0, 5.0, 10.0, 20.0, 40.0, f32::NAN];
        let timing = OnsetTiming::of(offsets.into_iter()).unwrap();
        assert_eq!(timing.onsets, 6, "NaN is left out");
        assert_eq!(timing.late_share, 4.0 / 6.0);
        assert_eq!(timing.late_within_ms, [10.0, 40.0, 40.0, 40.0]);
        assert_eq!(OnsetTiming::of(std::iter::empty()), None);
    }
}
