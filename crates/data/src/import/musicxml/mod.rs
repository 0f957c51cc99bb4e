//! MusicXML lead sheets (`.musicxml`, `.xml`, compressed `.mxl`).
//!
//! Rules, chosen so that exports from notation programs read as lead sheets:
//! - Only `score-partwise` is read; `score-timewise` is refused as unsupported.
//! - The melody is the first part with a pitched note, in voice 1 (or, when that part has
//!   no voice 1, the voice of its first pitched note). Grace notes, cue notes and the extra
//!   tones of a `<chord/>` are left out; tied notes of one pitch become one note.
//! - Time: `<duration>`s are in the part's current `<divisions>` per quarter note;
//!   `<backup>`/`<forward>` move the cursor, and every note of any voice advances it. Each
//!   measure lasts as long as its content (the furthest cursor), so a short first measure
//!   is a pickup: it is padded at the front to a full bar, as [`LeadSheet`] asks. Repeats
//!   and endings are not expanded: the score is read once, top to bottom.
//! - Chords come from the melody part's `<harmony>` elements, or from the first other part
//!   with harmonies when it has none. Each sounds from its cursor position plus `<offset>`
//!   until the next harmony or the end of the piece. `<kind>`, `<degree>` and `<bass>` give
//!   the chord, named through [`map_set`](crate::labels::map_set); kind `none` (N.C.) only ends the previous chord,
//!   and any other harmony that names no chord is tallied as unmapped and sounds as no-chord.
//! - Meter and key come from the melody part's first `<time>` (4/4 if none) and first
//!   `<key>` with `<fifths>` (no key for modes other than major and minor).
//!
//! One job a file: `archive` (`.mxl` and text encodings), `timeline` (voices and time),
//! `pitch` (written pitches), `harmony` (chord symbols), `attributes` (meter, key, tempo)
//! and `xml` (node helpers); this file reads a document with them.

mod archive;
mod attributes;
mod harmony;
mod pitch;
mod timeline;
mod xml;

use super::{ImportError, ImportedSong, SourceImport, files_with_extensions, finish};
use crate::labels::ChordTally;
use archive::{MAX_SCORE_BYTES, decode_text, score_from_zip};
use attributes::{key, meter, tempo};
use comper_music::{LeadSheet, Source};
use harmony::chord_track;
use roxmltree::{Document, Node, ParsingOptions};
use std::path::Path;
use timeline::{melody_voice, read_part};
use xml::children;

/// Import every `.musicxml`, `.xml` and `.mxl` file under `root`; fails only if `root`
/// cannot be listed.
pub fn import_dir(root: &Path) -> Result<SourceImport, ImportError> {
    let paths = files_with_extensions(root, &["musicxml", "xml", "mxl"])?;
    Ok(SourceImport::from_paths(Source::MusicXml, paths, import_file))
}

/// Import one file, plain or compressed (told apart by content, not extension). The song
/// id is the file stem.
pub fn import_file(path: &Path) -> Result<ImportedSong, ImportError> {
    let bytes = comper_files::read_limited(path, MAX_SCORE_BYTES)?;
    let text = if bytes.starts_with(b"PK") { score_from_zip(&bytes)? } else { decode_text(bytes)? };
    let song_id = path.file_stem().map(|s| s.to_string_lossy()).unwrap_or_default();
    parse(&text, &song_id)
}

/// Read a `score-partwise` document into a lead sheet named `song_id`.
pub fn parse(xml: &str, song_id: &str) -> Result<ImportedSong, ImportError> {
    // MusicXML files declare a DOCTYPE; it is external and never fetched. No MusicXML needs
    // entities of its own, and nested ones expand a megabyte into hundreds of gigabytes.
    if xml.contains("<!ENTITY") {
        return Err(ImportError::Unsupported("MusicXML that declares entities".into()));
    }
    let options = ParsingOptions { allow_dtd: true, ..ParsingOptions::default() };
    let doc = Document::parse_with_options(xml, options).map_err(|e| ImportError::Xml(e.to_string()))?;
    let score = doc.root_element();
    match score.tag_name().name() {
        "score-partwise" => {}
        "score-timewise" => {
            return Err(ImportError::Unsupported("score-timewise MusicXML (only score-partwise is read)".into()));
        }
        other => return Err(ImportError::Xml(format!("root element is <{other}>, not <score-partwise>"))),
    }
    let parts: Vec<Node> = children(score, "part").collect();
    let (melody_index, melody_part, voice) = parts
        .iter()
        .enumerate()
        .find_map(|(i, &part)| Some((i, part, melody_voice(part)?)))
        .ok_or_else(|| ImportError::Unsupported("no part has pitched notes".into()))?;
    let meter = meter(melody_part);
    let bar = meter.beats_per_bar();
    let melody = read_part(melody_part, Some(voice), bar)?;
    let other_chords = if melody.harmonies.is_empty() {
        parts
            .iter()
            .enumerate()
            .find(|&(i, part)| i != melody_index && part.descendants().any(|n| n.has_tag_name("harmony")))
            .map(|(_, &part)| read_part(part, None, bar))
            .transpose()?
    } else {
        None
    };
    let (marks, end) = match other_chords {
        Some(part) => (part.harmonies, part.end.max(melody.end)),
        None => (melody.harmonies, melody.end),
    };
    let mut tally = ChordTally::default();
    let chords = chord_track(marks, end, &mut tally);
    let sheet = LeadSheet {
        source: Source::MusicXml,
        song_id: song_id.to_string(),
        meter,
        key: key(melody_part),
        melody: melody.notes,
        chords,
    };
    Ok(ImportedSong { tempo: tempo(score), ..finish(sheet, tally)? })
}

#[cfg(test)]
mod tests {
    use super::archive::score_entry;
    use super::pitch::midi_pitch;
    use super::*;
    use comper_music::{ChordEvent, Key, Meter, Mode, PitchClass};

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/musicxml");

    fn fixture(name: &str) -> ImportedSong {
        import_file(&Path::new(FIXTURES).join(name)).unwrap()
    }

    fn notes(song: &ImportedSong) -> Vec<(f64, f64, u8)> {
        song.sheet.melody.iter().map(|n| (n.onset, n.offset, n.pitch)).collect()
    }

    fn chords(song: &ImportedSong) -> Vec<(f64, f64, String)> {
        let name = |c: &ChordEvent| match c.bass {
            Some(bass) => format!("{}/{bass}", c.chord),
            None => c.chord.to_string(),
        };
        song.sheet.chords.iter().map(|c| (c.onset, c.offset, name(c))).collect()
    }

    fn spans(list: &[(f64, f64, &str)]) -> Vec<(f64, f64, String)> {
        list.iter().map(|&(on, off, name)| (on, off, name.to_string())).collect()
    }

    /// A one-part score around `measures`.
    fn score(measures: &str) -> String {
        format!(r#"<score-partwise><part-list/><part id="P1">{measures}</part></score-partwise>"#)
    }

    fn pitch(step: char, octave: i32) -> Option<u8> {
        let doc = format!("<pitch><step>{step}</step><octave>{octave}</octave></pitch>");
        midi_pitch(Document::parse(&doc).unwrap().root_element()).unwrap()
    }

    #[test]
    fn a_score_that_declares_entities_is_refused_unexpanded() {
        // Each entity ten of the one before: 10⁹ copies of "lol" from a few hundred bytes.
        let mut dtd = String::from("<!ENTITY e0 \"lol\">");
        for i in 1..10 {
            dtd.push_str(&format!("<!ENTITY e{i} \"{}\">", format!("&e{};", i - 1).repeat(10)));
        }
        let xml = format!(
            "<!DOCTYPE score-partwise [{dtd}]><score-partwise><work><work-title>&e9;</work-title></work></score-partwise>"
        );
        let err = parse(&xml, "laughs").unwrap_err();
        assert_eq!(err.to_string(), "unsupported content: MusicXML that declares entities");
    }

    #[test]
    fn twinkle_reads_notes_chords_meter_and_key() {
        let song = fixture("twinkle.musicxml");
        assert_eq!(song.sheet.song_id, "twinkle");
        assert_eq!(song.sheet.source, Source::MusicXml);
        assert_eq!(song.sheet.meter, Meter::COMMON);
        assert_eq!(song.sheet.key, Some(Key { tonic: PitchClass::C, mode: Mode::Major }));
        let expected: Vec<(f64, f64, u8)> = [
            (0, 1, 60),
            (1, 2, 60),
            (2, 3, 67),
            (3, 4, 67),
            (4, 5, 69),
            (5, 6, 69),
            (6, 8, 67),
            (8, 9, 65),
            (9, 10, 65),
            (10, 11, 64),
            (11, 12, 64),
            (12, 13, 62),
            (13, 14, 62),
            (14, 16, 60),
        ]
        .iter()
        .map(|&(on, off, p)| (f64::from(on), f64::from(off), p))
        .collect();
        assert_eq!(notes(&song), expected);
        // The restated C in bar 1 merges with the first.
        let expected = [
            (0.0, 4.0, "C"),
            (4.0, 6.0, "F"),
            (6.0, 8.0, "C"),
            (8.0, 10.0, "F"),
            (10.0, 12.0, "C"),
            (12.0, 14.0, "G7"),
            (14.0, 16.0, "C"),
        ];
        assert_eq!(chords(&song), spans(&expected));
        assert_eq!((song.tally.exact, song.tally.total()), (8, 8));
    }

    #[test]
    fn pickup_is_padded_to_a_bar_and_ties_merge() {
        let song = fixture("auld_lang_syne.musicxml");
        assert_eq!(song.sheet.key, Some(Key { tonic: PitchClass::new(5), mode: Mode::Major }));
        // Pickup C4 on beat 4 of a padded bar; voice 2, the chord tone A3 and the grace note
        // are left out; the D5 tied over the bar line is one note.
        let expected = vec![
            (3.0, 4.0, 60),
            (4.0, 5.5, 65),
            (5.5, 6.0, 65),
            (6.0, 7.0, 65),
            (7.0, 8.0, 69),
            (8.0, 9.5, 67),
            (9.5, 10.0, 65),
            (10.0, 11.0, 67),
            (11.0, 12.0, 69),
            (12.0, 13.5, 65),
            (13.5, 14.0, 65),
            (14.0, 15.0, 69),
            (15.0, 16.0, 72),
            (16.0, 19.0, 74),
            (19.0, 22.0, 74),
        ];
        assert_eq!(notes(&song), expected);
        let expected = [
            (4.0, 8.0, "F"),
            (8.0, 12.0, "C7"),
            (12.0, 14.0, "F"),
            (14.0, 16.0, "F7"),
            (16.0, 20.0, "A#"),
            (20.0, 24.0, "F"),
        ];
        assert_eq!(chords(&song), spans(&expected));
    }

    #[test]
    fn compound_meter_minor_key_and_changing_divisions() {
        let song = fixture("greensleeves.musicxml");
        assert_eq!(song.sheet.meter, Meter { numerator: 6, denominator: 8 });
        assert_eq!(song.sheet.key, Some(Key { tonic: PitchClass::new(9), mode: Mode::Minor }));
        let expected = vec![
            (0.0, 1.0, 72),
            (1.0, 1.5, 74),
            (1.5, 2.25, 76),
            (2.25, 2.5, 77),
            (2.5, 3.0, 76),
            (3.0, 4.0, 74),
            (4.0, 4.5, 71),
            (4.5, 5.25, 67),
            (5.25, 5.5, 69),
            (5.5, 6.0, 71),
            (6.0, 7.0, 72),
            (7.0, 7.5, 69),
            (7.5, 8.25, 69),
            (8.25, 8.5, 68),
            (8.5, 9.0, 69),
            (9.0, 10.0, 71),
            (10.0, 10.5, 68),
            (10.5, 12.0, 64),
        ];
        assert_eq!(notes(&song), expected);
        let expected = [(0.0, 3.0, "Am"), (3.0, 6.0, "G"), (6.0, 9.0, "Am"), (9.0, 12.0, "E7")];
        assert_eq!(chords(&song), spans(&expected));
    }

    #[test]
    fn degrees_slash_chords_ninths_and_no_chord() {
        let song = fixture("changes.musicxml");
        let expected =
            [(0.0, 4.0, "C7"), (4.0, 8.0, "F/A"), (8.0, 10.0, "Dm7"), (10.0, 12.0, "G7"), (14.0, 16.0, "Caug")];
        assert_eq!(chords(&song), spans(&expected));
        let expected = vec![
            (0.0, 2.0, 64),
            (2.0, 4.0, 67),
            (4.0, 8.0, 69),
            (8.0, 10.0, 65),
            (10.0, 12.0, 71),
            (14.0, 16.0, 72),
            (16.0, 20.0, 64),
        ];
        assert_eq!(notes(&song), expected);
        let tally = &song.tally;
        assert_eq!(tally.reduced["C dominant-ninth"]["C7"], 1);
        assert_eq!(tally.reduced["G dominant add b9"]["G7"], 1);
        assert_eq!(tally.unmapped["E other"], 1);
        // F/A, Dm7 and C with a raised fifth map exactly; N.C. is not a chord label.
        assert_eq!((tally.exact, tally.total()), (3, 6));
    }

    #[test]
    fn compressed_score_is_read_through_its_container() {
        let song = fixture("ode_to_joy.mxl");
        assert_eq!(song.sheet.song_id, "ode_to_joy");
        assert_eq!(song.sheet.melody.len(), 15);
        assert_eq!(notes(&song).first(), Some(&(0.0, 1.0, 64)));
        assert_eq!(notes(&song).last(), Some(&(14.0, 16.0, 62)));
        let expected = [(0.0, 4.0, "C"), (4.0, 8.0, "G"), (8.0, 12.0, "C"), (12.0, 16.0, "G")];
        assert_eq!(chords(&song), spans(&expected));
    }

    #[test]
    fn archive_entry_comes_from_the_container_else_the_first_score() {
        let names: Vec<String> =
            ["mimetype", "META-INF/container.xml", "a.xml", "b.musicxml"].map(String::from).to_vec();
        let container = r#"<container><rootfiles><rootfile full-path="b.musicxml"/></rootfiles></container>"#;
        assert_eq!(score_entry(Some(container), &names).as_deref(), Some("b.musicxml"));
        assert_eq!(score_entry(None, &names).as_deref(), Some("a.xml"));
        assert_eq!(score_entry(Some("<container/>"), &names).as_deref(), Some("a.xml"));
        assert_eq!(score_entry(None, &names[..2]), None);
        assert!(matches!(score_from_zip(b"PK\x03\x04 not a zip"), Err(ImportError::Xml(_))));
    }

    #[test]
    fn import_dir_reads_every_fixture_and_skips_the_broken_one() {
        let import = import_dir(Path::new(FIXTURES)).unwrap();
        assert_eq!(import.source, Source::MusicXml);
        let mut ids: Vec<&str> = import.songs.iter().map(|s| s.sheet.song_id.as_str()).collect();
        ids.sort();
        assert_eq!(ids, ["auld_lang_syne", "changes", "greensleeves", "ode_to_joy", "twinkle"]);
        assert_eq!(import.skipped.len(), 1);
        assert!(import.skipped[0].path.ends_with("broken.musicxml"));
        assert!(import.skipped[0].reason.contains("MusicXML"), "{}", import.skipped[0].reason);
        assert_eq!(import.tally().total(), 8 + 6 + 4 + 6 + 4);
    }

    #[test]
    fn unsupported_and_malformed_scores_say_why() {
        let timewise = r#"<score-timewise><part-list/><measure number="1"/></score-timewise>"#;
        let err = parse(timewise, "t").unwrap_err();
        assert!(matches!(err, ImportError::Unsupported(_)));
        assert!(err.to_string().contains("score-timewise"), "{err}");

        let note = "<note><pitch><step>C</step><octave>4</octave></pitch><duration>1</duration></note>";
        let err = parse(&score(&format!(r#"<measure number="1">{note}</measure>"#)), "t").unwrap_err();
        assert!(err.to_string().contains("measure 1: <duration> before any <divisions>"), "{err}");

        let zero = format!(r#"<measure number="1"><attributes><divisions>0</divisions></attributes>{note}</measure>"#);
        assert!(parse(&score(&zero), "t").unwrap_err().to_string().contains("bad <divisions> '0'"));

        let rests = r#"<measure><attributes><divisions>1</divisions></attributes>
            <note><rest/><duration>4</duration></note></measure>"#;
        assert!(matches!(parse(&score(rests), "t"), Err(ImportError::Unsupported(_))));

        let bad_step = format!(
            r#"<measure><attributes><divisions>1</divisions></attributes>{}</measure>"#,
            note.replace(">C<", ">H<")
        );
        assert!(parse(&score(&bad_step), "t").unwrap_err().to_string().contains("bad <step> 'H'"));
        assert!(matches!(parse("<score-partwise>", "t"), Err(ImportError::Xml(_))));
        assert!(matches!(parse("<opus/>", "t"), Err(ImportError::Xml(_))));
    }

    #[test]
    fn melody_falls_back_to_the_first_voice_and_chords_to_another_part() {
        let xml = r#"<score-partwise><part-list/>
            <part id="P1"><measure><attributes><divisions>1</divisions></attributes>
                <note><pitch><step>E</step><octave>4</octave></pitch><duration>4</duration><voice>3</voice></note>
            </measure></part>
            <part id="P2"><measure><attributes><divisions>1</divisions></attributes>
                <harmony><root><root-step>A</root-step></root><kind>minor</kind></harmony>
                <forward><duration>2</duration></forward>
                <harmony><root><root-step>D</root-step></root><kind>mystery</kind></harmony>
                <forward><duration>2</duration></forward>
            </measure></part></score-partwise>"#;
        let song = parse(xml, "t").unwrap();
        assert_eq!(notes(&song), [(0.0, 4.0, 64)]);
        assert_eq!(chords(&song), spans(&[(0.0, 2.0, "Am")]));
        assert_eq!(song.tally.unmapped["D mystery"], 1);
    }

    #[test]
    fn the_first_playback_tempo_is_kept() {
        let measure = |sound: &str| {
            format!(
                r#"<measure><attributes><divisions>1</divisions></attributes>{sound}
                <note><pitch><step>C</step><octave>4</octave></pitch><duration>4</duration></note></measure>"#
            )
        };
        let slow = measure(r#"<direction><sound tempo=" 72.5 "/></direction><sound tempo="140"/>"#);
        assert_eq!(parse(&score(&slow), "t").unwrap().tempo, Some(72.5));
        assert_eq!(parse(&score(&measure(r#"<sound tempo="0"/>"#)), "t").unwrap().tempo, None);
        assert_eq!(fixture("twinkle.musicxml").tempo, None);
    }

    #[test]
    fn pitches_and_utf16_text() {
        assert_eq!(pitch('C', 4), Some(60));
        assert_eq!(pitch('A', 0), Some(21));
        assert_eq!(pitch('G', 9), Some(127));
        assert_eq!(pitch('A', 9), None);
        assert_eq!(pitch('C', -2), None);
        let utf16: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("<a>é</a>".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode_text(utf16).unwrap(), "<a>é</a>");
        assert!(decode_text(vec![0xC3]).is_err());
    }
}
