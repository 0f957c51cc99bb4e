//! Where a chord may change. A policy that may change on any 16th changes on off-beats
//! that songs rarely change on, so its chords last odd lengths; on a coarser grid every
//! other frame holds the sounding chord.

use comper_music::FRAMES_PER_BEAT;
use serde::{Deserialize, Serialize};

/// The finest note value a chord change falls on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChordGrid {
    /// Any 16th-note frame (the paper's protocol).
    #[default]
    Sixteenths,
    Eighths,
    Beats,
}

impl ChordGrid {
    pub const ALL: [ChordGrid; 3] = [ChordGrid::Sixteenths, ChordGrid::Eighths, ChordGrid::Beats];

    /// Frames between the grid's lines.
    pub const fn frames(self) -> u32 {
        match self {
            ChordGrid::Sixteenths => 1,
            ChordGrid::Eighths => 2,
            ChordGrid::Beats => FRAMES_PER_BEAT as u32,
        }
    }

    /// Whether a chord may change on the frame at `frame_in_bar`.
    pub fn allows_change(self, frame_in_bar: u32) -> bool {
        frame_in_bar.is_multiple_of(self.frames())
    }

    pub fn name(self) -> &'static str {
        match self {
            ChordGrid::Sixteenths => "sixteenths",
            ChordGrid::Eighths => "eighths",
            ChordGrid::Beats => "beats",
        }
    }
}

impl std::str::FromStr for ChordGrid {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        ChordGrid::ALL.into_iter().find(|g| g.name() == s).ok_or_else(|| {
            let names: Vec<&str> = ChordGrid::ALL.iter().map(|g| g.name()).collect();
            format!("unknown chord grid {s:?} (one of {})", names.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_grid_allows_changes_on_its_own_lines() {
        let lines = |g: ChordGrid| (0..8).filter(|&f| g.allows_change(f)).collect::<Vec<_>>();
        assert_eq!(lines(ChordGrid::Sixteenths), [0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(lines(ChordGrid::Eighths), [0, 2, 4, 6]);
        assert_eq!(lines(ChordGrid::Beats), [0, 4]);
        assert_eq!("beats".parse(), Ok(ChordGrid::Beats));
        assert!("bars".parse::<ChordGrid>().is_err());
    }
}
