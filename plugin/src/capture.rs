//! Capture: the last bars of the take (melody and chords, chord names as markers) saved as a
//! MIDI file the musician drops into the arrangement. Runs on the window's thread.

use crate::params::ComperParams;
use crate::worker::Status;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where takes go unless the musician says otherwise: `~/Music/Comper`.
pub fn default_folder() -> PathBuf {
    std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from).join("Music").join("Comper")
}

/// Save at least the last `bars` bars into `folder` as `comper-take-<unix time>.mid`, voiced
/// as the instance voices them now; returns the file.
pub fn save(status: &Status, params: &ComperParams, bars: u32, folder: &Path) -> std::io::Result<PathBuf> {
    let settings = params.settings();
    let tempo = status.tempo.load(Ordering::Relaxed);
    let take = status.timeline().capture(bars, tempo, settings.touch.voicing, settings.touch.velocity);
    if take.melody.is_empty() && take.chords.is_empty() {
        return Err(std::io::Error::other("nothing played yet: play a melody, then capture"));
    }
    std::fs::create_dir_all(folder)?;
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let mut path = folder.join(format!("comper-take-{seconds}.mid"));
    for n in 2.. {
        if !path.exists() {
            break;
        }
        path = folder.join(format!("comper-take-{seconds}-{n}.mid"));
    }
    std::fs::write(&path, take.to_midi_bytes()?)?;
    Ok(path)
}
