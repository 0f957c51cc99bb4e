//! Capture: the last bars of the take (melody and chords, chord names as markers) saved as a
//! MIDI file the musician drops into the arrangement. Runs on the window's thread.

use crate::link::Status;
use crate::params::ComperParams;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where takes go unless the musician says otherwise: `~/Music/Comper`; none without a home
/// folder (a shared temporary folder is no place for someone's music).
pub fn default_folder() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join("Music").join("Comper"))
}

/// What to say when there is no folder to save into.
pub const NO_HOME: &str = "no home folder (HOME is not set): type the folder to save into";

/// Save at least the last `bars` bars into `folder` as a new file `comper-take-<unix
/// time>.mid` (`…-2.mid`, … when taken; see `comper_files::write_new`), voiced as the
/// instance voices them now; returns the file, or what went wrong in words.
pub fn save(status: &Status, params: &ComperParams, bars: u32, folder: &Path) -> Result<PathBuf, String> {
    if folder.as_os_str().is_empty() {
        return Err(NO_HOME.into());
    }
    let settings = params.settings();
    let tempo = status.tempo.load(Ordering::Relaxed);
    let take = status.timeline().capture(bars, tempo, settings.touch.voicing, settings.touch.velocity);
    if take.melody.is_empty() && take.chords.is_empty() {
        return Err("nothing played yet: play a melody, then capture".into());
    }
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let bytes = take.to_midi_bytes().map_err(|e| e.to_string())?;
    std::fs::create_dir_all(folder)
        .and_then(|()| comper_files::write_new(folder, &format!("comper-take-{seconds}"), "mid", &bytes))
        .map_err(|e| format!("cannot save into {}: {e}", folder.display()))
}

#[cfg(test)]
mod tests {
    use crate::link::Timeline;
    use crate::realtime::test_rig::{FRAME, Rig};
    use comper_music::Voicing;
    use comper_music::take::{CHORD_CHANNEL, TICKS_PER_BEAT};
    use midly::{MidiMessage, Smf, TrackEventKind};

    /// Samples per MIDI tick at the rig's 120 BPM and 48 kHz.
    const SAMPLES_PER_TICK: u64 = 4 * FRAME / TICKS_PER_BEAT as u64;

    #[test]
    fn a_capture_is_a_midi_file_of_the_chords_that_were_played() {
        let mut rig = Rig::new(2);
        rig.block(512, Some(0.0), None, &[(0, true, 67)]);
        rig.play(512, 1_000);
        let mut timeline = Timeline::default();
        timeline.start(1);
        for (&(frame, chord, melody), &bar) in rig.worker.reports.iter().zip(&rig.worker.bars) {
            timeline.record(frame, chord, melody, false, bar);
        }
        let reported = timeline.next_frame() as u64 * FRAME;
        assert!(reported > 40 * FRAME, "the rig played {} frames", timeline.next_frame());

        let bytes = timeline.capture(64, 120.0, Voicing::default(), 0.8).to_midi_bytes().unwrap();
        let smf = Smf::parse(&bytes).expect("a valid MIDI file");
        let mut tick = 0u64;
        let mut captured = Vec::new();
        for event in &smf.tracks[2] {
            tick += u64::from(event.delta.as_int());
            if let TrackEventKind::Midi { channel, message: MidiMessage::NoteOn { key, .. } } = event.kind {
                assert_eq!(channel.as_int(), CHORD_CHANNEL);
                captured.push((tick, key.as_int()));
            }
        }
        let mut played: Vec<(u64, u8)> = (rig.events.iter())
            .filter(|&&(sample, on, _, _)| on && sample < reported)
            .map(|&(sample, _, _, key)| (sample / SAMPLES_PER_TICK, key))
            .collect();
        captured.sort_unstable();
        played.sort_unstable();
        assert!(!played.is_empty());
        assert_eq!(captured, played);
    }
}
