//! Chord-symbol theory: the intervals of a chord kind above its root (MusicXML's `<kind>`
//! names) and the degrees that add, alter or remove one tone. A source reads its marks into
//! these; [`crate::labels::map_set`] then names the result in the vocabulary.

/// A written alteration: "b", "##".
pub fn accidentals(alter: i32) -> String {
    let sign = if alter < 0 { "b" } else { "#" };
    sign.repeat(alter.unsigned_abs() as usize)
}

/// Intervals above the root of a MusicXML `<kind>` value.
pub fn kind_intervals(kind: &str) -> Option<&'static [i32]> {
    Some(match kind {
        "major" | "Neapolitan" => &[0, 4, 7],
        "minor" => &[0, 3, 7],
        "augmented" => &[0, 4, 8],
        "diminished" => &[0, 3, 6],
        "dominant" | "German" => &[0, 4, 7, 10],
        "major-seventh" => &[0, 4, 7, 11],
        "minor-seventh" => &[0, 3, 7, 10],
        "diminished-seventh" => &[0, 3, 6, 9],
        "augmented-seventh" => &[0, 4, 8, 10],
        "half-diminished" | "Tristan" => &[0, 3, 6, 10],
        "major-minor" => &[0, 3, 7, 11],
        "major-sixth" => &[0, 4, 7, 9],
        "minor-sixth" => &[0, 3, 7, 9],
        "dominant-ninth" => &[0, 4, 7, 10, 2],
        "major-ninth" => &[0, 4, 7, 11, 2],
        "minor-ninth" => &[0, 3, 7, 10, 2],
        "dominant-11th" => &[0, 4, 7, 10, 2, 5],
        "major-11th" => &[0, 4, 7, 11, 2, 5],
        "minor-11th" => &[0, 3, 7, 10, 2, 5],
        "dominant-13th" => &[0, 4, 7, 10, 2, 9],
        "major-13th" => &[0, 4, 7, 11, 2, 9],
        "minor-13th" => &[0, 3, 7, 10, 2, 9],
        "suspended-second" => &[0, 2, 7],
        "suspended-fourth" => &[0, 5, 7],
        "Italian" => &[0, 4, 10],
        "French" => &[0, 4, 6, 10],
        "power" => &[0, 7],
        "pedal" | "other" => &[0],
        _ => return None,
    })
}

/// A `<degree>`: add, alter or subtract one chord tone.
#[derive(Clone, Copy, Debug)]
pub struct Degree {
    pub value: u32,
    pub alter: i32,
    pub kind: DegreeKind,
}

#[derive(Clone, Copy, Debug)]
pub enum DegreeKind {
    Add,
    Alter,
    Subtract,
}

impl Degree {
    /// Semitones of the degree in a dominant chord (major and perfect intervals, minor
    /// seventh): what an added degree's alteration is relative to.
    fn dominant_semitones(self) -> i32 {
        let scale = [0, 2, 4, 5, 7, 9, 10];
        scale.get((self.value.saturating_sub(1) % 7) as usize).copied().unwrap_or(0)
    }

    /// The chord's own tone for this degree, if it has one: an altered or subtracted
    /// degree is relative to it (the third of a minor chord, the fifth of a diminished one).
    fn chord_tone(self, intervals: &[i32]) -> Option<i32> {
        let nearby: &[i32] = match self.value {
            3 => &[0, -1],
            5 => &[0, -1, 1],
            7 => &[0, 1, -1],
            _ => &[0],
        };
        let dominant = self.dominant_semitones();
        nearby.iter().map(|d| (dominant + d).rem_euclid(12)).find(|s| intervals.contains(s))
    }

    /// `intervals` (semitones above the root) with this degree applied.
    pub fn apply(self, intervals: Vec<i32>) -> Vec<i32> {
        let mut intervals: Vec<i32> = intervals.into_iter().map(|i| i.rem_euclid(12)).collect();
        let dominant = self.dominant_semitones();
        let tone = self.chord_tone(&intervals);
        let target = match self.kind {
            DegreeKind::Add => dominant,
            DegreeKind::Alter | DegreeKind::Subtract => tone.unwrap_or(dominant),
        };
        let written = (target + self.alter).rem_euclid(12);
        match self.kind {
            DegreeKind::Add => intervals.push(written),
            DegreeKind::Alter => {
                intervals.retain(|&i| Some(i) != tone);
                intervals.push(written);
            }
            DegreeKind::Subtract => intervals.retain(|&i| i != written),
        }
        intervals
    }
}

impl std::fmt::Display for Degree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.kind {
            DegreeKind::Add => "add",
            DegreeKind::Alter => "alter",
            DegreeKind::Subtract => "subtract",
        };
        write!(f, "{kind} {}{}", accidentals(self.alter), self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degrees_follow_the_musicxml_reference() {
        let degree = |value, alter, kind| Degree { value, alter, kind };
        let sorted = |mut v: Vec<i32>| {
            v.sort();
            v
        };
        let dominant = vec![0, 4, 7, 10];
        assert_eq!(sorted(degree(7, 0, DegreeKind::Add).apply(vec![0, 4, 7])), [0, 4, 7, 10]);
        assert_eq!(sorted(degree(5, -1, DegreeKind::Alter).apply(dominant.clone())), [0, 4, 6, 10]);
        assert_eq!(sorted(degree(5, 0, DegreeKind::Subtract).apply(vec![0, 3, 6])), [0, 3]);
        assert_eq!(sorted(degree(3, 0, DegreeKind::Subtract).apply(vec![0, 3, 7])), [0, 7]);
        assert_eq!(sorted(degree(13, 0, DegreeKind::Alter).apply(dominant)), [0, 4, 7, 9, 10]);
        assert_eq!(degree(9, -1, DegreeKind::Add).to_string(), "add b9");
    }
}
