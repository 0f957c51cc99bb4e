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

/// The folder captures go to: the one the musician chose, else [`default_folder`].
pub fn folder(params: &ComperParams) -> Option<PathBuf> {
    let chosen = params.capture_folder.lock().map(|f| f.clone()).unwrap_or_default();
    if chosen.is_empty() { default_folder() } else { Some(PathBuf::from(chosen)) }
}

/// What to say when there is no folder to save into.
pub const NO_HOME: &str = "no home folder (HOME is not set): type the folder to save into";

/// Save at least the last `bars` bars into `folder` as a new file `comper-take-<unix
/// time>.mid` (`…-2.mid`, … when taken; see `comper_files::write_new`), the notes as they
/// were heard; returns the file, or what went wrong in words.
pub fn save(status: &Status, bars: u32, folder: &Path) -> Result<PathBuf, String> {
    if folder.as_os_str().is_empty() {
        return Err(NO_HOME.into());
    }
    let tempo = status.tempo.load(Ordering::Relaxed);
    let take = status.timeline().capture(bars, tempo);
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
    use crate::realtime::test_rig::{FRAME, MELODY_CHANNEL, MELODY_VELOCITY, Rig};
    use crate::realtime::{Rhythm, Touch};
    use comper_music::take::TICKS_PER_BEAT;
    use comper_music::{Meter, Voicing};
    use midly::{MidiMessage, Smf, TrackEventKind};

    /// Samples per MIDI tick at the rig's 120 BPM and 48 kHz.
    const SAMPLES_PER_TICK: u64 = 4 * FRAME / TICKS_PER_BEAT as u64;

    /// A note event as a MIDI file holds it: (tick, channel, key, on, velocity 0–127).
    type Note = (u64, u8, u8, bool, u8);

    /// `events` (sample, on, channel, key, velocity) up to `end` as a MIDI file holds them,
    /// with a note-off at `end` for every note still sounding.
    fn as_held(events: &[(u64, bool, u8, u8, f32)], end: u64) -> Vec<Note> {
        let mut notes = Vec::new();
        let mut sounding = Vec::new();
        for &(sample, on, channel, key, velocity) in events.iter().filter(|e| e.0 < end) {
            let vel = if on { ((velocity * 127.0).round() as u8).clamp(1, 127) } else { 0 };
            notes.push((sample / SAMPLES_PER_TICK, channel, key, on, vel));
            if on {
                sounding.push((channel, key));
            } else if let Some(i) = sounding.iter().position(|&n| n == (channel, key)) {
                sounding.remove(i);
            }
        }
        notes.extend(sounding.into_iter().map(|(channel, key)| (end / SAMPLES_PER_TICK, channel, key, false, 0)));
        notes.sort_unstable();
        notes
    }

    /// The notes of a MIDI file's track, in the same form.
    fn notes_of(smf: &Smf, track: usize) -> Vec<Note> {
        let mut tick = 0;
        let mut notes = Vec::new();
        for event in &smf.tracks[track] {
            tick += u64::from(event.delta.as_int());
            if let TrackEventKind::Midi { channel, message } = event.kind {
                let channel = channel.as_int();
                match message {
                    MidiMessage::NoteOn { key, vel } => notes.push((tick, channel, key.as_int(), true, vel.as_int())),
                    MidiMessage::NoteOff { key, .. } => notes.push((tick, channel, key.as_int(), false, 0)),
                    _ => {}
                }
            }
        }
        notes.sort_unstable();
        notes
    }

    #[test]
    fn a_capture_holds_the_notes_that_were_sent_and_the_melody_as_played() {
        let mut rig = Rig::new(1);
        rig.meter = Meter::from_host(3, 4);
        rig.settings.touch = Touch {
            voicing: Voicing { octave: 4, bass: true, spread: true },
            channel: 5,
            rhythm: Rhythm::Offbeats,
            voice_leading: true,
            below_melody: true,
            humanize: 1.0,
            ..Touch::default()
        };
        // A note a little after each beat, held three 16ths, up and down a scale.
        let melody: Vec<(u64, bool, u8)> = (0..30u64)
            .flat_map(|beat| {
                let key = 60 + [0, 2, 4, 5, 7, 5, 4, 2][beat as usize % 8];
                [(beat * 4 * FRAME + 100, true, key), (beat * 4 * FRAME + 3 * FRAME + 50, false, key)]
            })
            .collect();
        rig.play_melody(500, 30 * 4 * 12, &melody);

        let mut timeline = Timeline::default();
        timeline.start(1);
        for (&(frame, chord, melody), &bar) in rig.worker.reports.iter().zip(&rig.worker.bars) {
            timeline.record(frame, chord, melody, false, bar);
        }
        for &note in &rig.worker.notes {
            timeline.record_note(note);
        }
        let end = u64::from(timeline.next_frame()) * FRAME;
        assert!(end > 100 * FRAME);
        let smf_bytes = timeline.capture(64, 120.0).to_midi_bytes().unwrap();
        let smf = Smf::parse(&smf_bytes).expect("a valid MIDI file");

        let mut velocities = rig.sink.velocities.iter();
        let sent: Vec<(u64, bool, u8, u8, f32)> = (rig.events.iter())
            .map(|&(sample, on, channel, key)| {
                (sample, on, channel, key, if on { *velocities.next().unwrap() } else { 0.0 })
            })
            .collect();
        let chords = as_held(&sent, end);
        assert!(chords.iter().filter(|n| n.3).count() > 60, "rhythm strikes and changes");
        assert!(chords.iter().all(|n| n.1 == 5), "on the chords' channel");
        assert!(
            chords.iter().filter(|n| n.3).map(|n| n.4).collect::<std::collections::BTreeSet<_>>().len() > 5,
            "humanized"
        );
        assert_eq!(notes_of(&smf, 2), chords, "the chord notes as they were sent");

        let played: Vec<(u64, bool, u8, u8, f32)> =
            melody.iter().map(|&(sample, on, key)| (sample, on, MELODY_CHANNEL, key, MELODY_VELOCITY)).collect();
        assert_eq!(notes_of(&smf, 1), as_held(&played, end), "the melody as it was played");
    }
}
