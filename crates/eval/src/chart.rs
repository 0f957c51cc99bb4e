//! A chord track as a chart a reader can follow: the chords of each bar, by name.

use comper_music::FrameTracks;
use comper_music::metrics::FRAMES_PER_BAR;
use comper_music::spans::chord_spans;
use comper_music::spelling::Spelling;
use comper_music::take::NO_CHORD;

/// Per bar of `take`'s chords, the names of the chords that sound in it, in order (a chord
/// held over the barline is named again, as charts do), spelled in the key of the take's
/// melody; a bar without one is "N.C.".
pub fn bars(take: &FrameTracks) -> Vec<String> {
    let chords = &take.chords;
    let spelling = Spelling::of_melody(&take.melody);
    let spans = chord_spans(chords);
    (0..chords.len().div_ceil(FRAMES_PER_BAR))
        .map(|bar| {
            let (start, end) = (bar * FRAMES_PER_BAR, (bar + 1) * FRAMES_PER_BAR);
            let mut names: Vec<String> = Vec::new();
            for span in spans.iter().filter(|s| s.start < end && s.start + s.frames > start) {
                let name = spelling.chord(span.chord.chord());
                if names.last() != Some(&name) {
                    names.push(name);
                }
            }
            if names.is_empty() { NO_CHORD.to_string() } else { names.join(" ") }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use comper_music::{Chord, ChordId, PitchClass, Quality, Token};

    #[test]
    fn each_bar_names_its_chords_and_a_held_chord_is_named_again() {
        let c = ChordId::of(Chord::new(PitchClass::new(0), Quality::Major));
        let am = ChordId::of(Chord::new(PitchClass::new(9), Quality::Minor));
        let mut track = vec![Token::chord_on(c)];
        track.extend([Token::chord_hold(c); 11]);
        track.push(Token::chord_on(am));
        track.extend([Token::chord_hold(am); 7]);
        track.extend([Token::SILENCE; 16 + 3]);
        let take = FrameTracks { melody: vec![Token::note_on(60); track.len()], chords: track };
        assert_eq!(bars(&take), ["C Am", "Am", NO_CHORD]);
    }

    #[test]
    fn chords_are_spelled_in_the_key_of_the_melody() {
        let bb = ChordId::of(Chord::new(PitchClass::new(10), Quality::Major));
        // An F major scale, with its B♭, under one A# chord.
        let melody = [65, 67, 69, 70, 72, 74, 76, 77].map(Token::note_on).to_vec();
        let take = FrameTracks { melody, chords: vec![Token::chord_on(bb); 8] };
        assert_eq!(bars(&take), ["Bb"]);
    }
}
