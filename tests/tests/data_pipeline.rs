//! The data pipeline on the real POP909 and Nottingham files.

use comper_data::corpus::{CacheError, Corpus, SourcePaths, import_sources};
use comper_data::import::{self, SourceImport};
use comper_data::labels::ChordTally;
use comper_data::{Manifest, Split};
use comper_music::{FrameTracks, LeadSheet, Source};
use comper_tests::data_dir;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Both shipped datasets, imported once for all tests in this binary.
fn imports() -> &'static [SourceImport] {
    static IMPORTS: OnceLock<Vec<SourceImport>> = OnceLock::new();
    IMPORTS.get_or_init(|| import_sources(&SourcePaths::from_data_root(&data_dir()), |_| {}).expect("datasets present"))
}

fn source(source: Source) -> &'static SourceImport {
    imports().iter().find(|i| i.source == source).expect("source imported")
}

fn song(source_kind: Source, id: &str) -> &'static LeadSheet {
    &source(source_kind).songs.iter().find(|s| s.sheet.song_id == id).expect("song imported").sheet
}

#[test]
fn imports_every_pop909_song_and_over_a_thousand_nottingham_tunes() {
    let pop = source(Source::Pop909);
    assert_eq!(pop.songs.len(), 909, "skipped: {:?}", pop.skipped);
    assert!(pop.skipped.is_empty());
    let nott = source(Source::Nottingham);
    assert!(nott.songs.len() >= 1000, "{} tunes", nott.songs.len());
    for skipped in &nott.skipped {
        assert!(skipped.reason.contains("no chord file"), "{skipped:?}");
    }
}

#[test]
fn chord_vocabulary_covers_at_least_98_percent_of_events() {
    let mut tally = ChordTally::default();
    for import in imports() {
        tally.merge(&import.tally());
    }
    assert!(tally.total() > 100_000);
    assert!(tally.coverage() >= 0.98, "coverage {:.4}", tally.coverage());
    assert!(tally.reduced_count() as f64 <= 0.02 * tally.total() as f64);
}

#[test]
fn pop909_chords_land_on_their_annotated_beats() {
    let dir = data_dir().join("pop909/POP909/001");
    let beats: Vec<f64> = std::fs::read_to_string(dir.join("beat_midi.txt"))
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    // Song 001 starts on a downbeat, so annotated beat i is beat number i.
    let sheet = song(Source::Pop909, "001");
    assert_eq!(sheet.meter.beats_per_bar(), 4.0);
    let first = &sheet.chords[0];
    assert!((first.onset - 4.0).abs() < 1e-4, "{first:?}");
    assert_eq!(first.chord.to_string(), "B");
    let mut checked = 0;
    for line in std::fs::read_to_string(dir.join("chord_midi.txt")).unwrap().lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let start: f64 = cols[0].parse().unwrap();
        let Some(beat) = beats.iter().position(|&b| (b - start).abs() < 1e-4) else { continue };
        if cols[2] == "N" {
            continue;
        }
        let beat = beat as f64;
        let covering = sheet.chords.iter().find(|c| c.onset <= beat + 1e-4 && beat < c.offset - 1e-4);
        let covering = covering.unwrap_or_else(|| panic!("no chord at beat {beat} for '{line}'"));
        if (covering.onset - beat).abs() < 1e-4 {
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} chord onsets checked");
}

/// Chord symbols written in one ABC tune up to its first repeat sign, restatements merged.
fn abc_chords(file: &str, tune: u32) -> Vec<String> {
    let text = std::fs::read_to_string(data_dir().join("nottingham/ABC_cleaned").join(file)).unwrap();
    let start = text.find(&format!("X: {tune}\n")).expect("tune present");
    let block = text[start..].split("\n\n").next().unwrap();
    let body: String = block
        .lines()
        .filter(|l| !(l.len() > 1 && l.as_bytes()[1] == b':' && l.as_bytes()[0].is_ascii_alphabetic()))
        .collect::<Vec<_>>()
        .join("\n");
    let first_part = body.split(":|").next().unwrap();
    let mut names: Vec<String> = Vec::new();
    for symbol in first_part.split('"').skip(1).step_by(2) {
        let symbol = symbol.split('/').next().unwrap();
        let (root, rest) = symbol
            .split_at(symbol.find(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()).unwrap_or(symbol.len()));
        let suffix = match rest {
            "" => "",
            "m" => "m",
            "7" => "7",
            "m7" => "m7",
            "d" => "dim",
            "a" => "aug",
            other => panic!("ABC suffix {other} not in this check"),
        };
        let name = format!("{root}{suffix}");
        if names.last() != Some(&name) {
            names.push(name);
        }
    }
    names
}

#[test]
fn nottingham_tunes_match_the_chords_written_in_their_abc() {
    for (file, tune, id) in [("ashover.abc", 1, "ashover1"), ("jigs.abc", 1, "jigs1"), ("reelsa-c.abc", 1, "reelsa-c1")]
    {
        let written = abc_chords(file, tune);
        assert!(written.len() >= 5, "{id}: {written:?}");
        let imported: Vec<String> =
            song(Source::Nottingham, id).chords.iter().take(written.len()).map(|c| c.chord.to_string()).collect();
        assert_eq!(imported, written, "{id}");
    }
}

#[test]
fn a_known_tune_decodes_to_its_written_chords_bar_by_bar() {
    // "A and A's Waltz" (ashover.abc X:1), 3/4 with one 2/4 bar:
    // e|:"G"d2B|"D"A3/2B/2c|"G"B2G|"D"A2e|"G"d2B|"D"A3/2B/2c| "F"B=F| "G"G2e:|
    let sheet = song(Source::Nottingham, "ashover1");
    let tracks = FrameTracks::encode(&sheet.melody, &sheet.chords);
    let chords = tracks.decode_chords().unwrap();
    let bars: Vec<(f64, f64, String)> =
        chords.iter().take(8).map(|c| (c.onset, c.offset, c.chord.to_string())).collect();
    let expected = [
        (3.0, 6.0, "G"),
        (6.0, 9.0, "D"),
        (9.0, 12.0, "G"),
        (12.0, 15.0, "D"),
        (15.0, 18.0, "G"),
        (18.0, 21.0, "D"),
        (21.0, 23.0, "F"),
        (23.0, 29.0, "G"),
    ];
    let expected: Vec<(f64, f64, String)> = expected.iter().map(|&(a, b, c)| (a, b, c.to_string())).collect();
    assert_eq!(bars, expected);
    assert_eq!(sheet.melody[0].onset, 2.0, "pickup note on beat 3 of bar 0");
    assert_eq!(sheet.melody[0].pitch, 76);
}

/// True when every event starts and ends on a 16th and no two notes overlap.
fn on_grid_and_monophonic(sheet: &LeadSheet) -> bool {
    let on_grid = |t: f64| ((t * 4.0).round() - t * 4.0).abs() < 1e-9;
    sheet.melody.iter().all(|n| on_grid(n.onset) && on_grid(n.offset))
        && sheet.chords.iter().all(|c| on_grid(c.onset) && on_grid(c.offset))
        && sheet.melody.windows(2).all(|w| w[0].offset <= w[1].onset)
}

#[test]
fn tokenizer_round_trips_every_song() {
    let mut exact = 0;
    for import in imports() {
        for song in &import.songs {
            let sheet = &song.sheet;
            let tracks = FrameTracks::encode(&sheet.melody, &sheet.chords);
            let melody = tracks.decode_melody().unwrap();
            let chords = tracks.decode_chords().unwrap();
            // Any song: tokens → lead sheet → tokens is the identity.
            assert_eq!(FrameTracks::encode(&melody, &chords), tracks, "{}", sheet.song_id);
            // A song already on the grid: lead sheet → tokens → lead sheet is the identity.
            if on_grid_and_monophonic(sheet) {
                let written: Vec<_> = sheet.chords.iter().map(|c| (c.onset, c.offset, c.chord)).collect();
                let decoded: Vec<_> = chords.iter().map(|c| (c.onset, c.offset, c.chord)).collect();
                assert_eq!(melody, sheet.melody, "{}", sheet.song_id);
                assert_eq!(decoded, written, "{}", sheet.song_id);
                exact += 1;
            }
        }
    }
    // Most Nottingham tunes are on the grid (the rest have triplets).
    assert!(exact >= 800, "only {exact} songs checked exactly");
}

#[test]
fn bad_files_are_skipped_with_a_clear_reason() {
    let dir = tempfile::tempdir().unwrap();
    let song = dir.path().join("POP909/001");
    std::fs::create_dir_all(&song).unwrap();
    std::fs::write(song.join("001.mid"), b"MThd garbage").unwrap();
    std::fs::write(song.join("beat_midi.txt"), "0 0 1\n0.5 0 0\n").unwrap();
    std::fs::write(song.join("chord_midi.txt"), "0 0.5 C:maj\n").unwrap();
    std::fs::create_dir_all(dir.path().join("POP909/002")).unwrap();
    let pop = import::pop909::import_dir(dir.path()).unwrap();
    assert!(pop.songs.is_empty());
    let reasons: Vec<_> = pop.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert!(reasons[0].starts_with("malformed MIDI"), "{reasons:?}");
    assert!(reasons[1].contains("beat_midi.txt"), "{reasons:?}");

    let melody = dir.path().join("nott/MIDI/melody");
    std::fs::create_dir_all(&melody).unwrap();
    std::fs::create_dir_all(dir.path().join("nott/MIDI/chords")).unwrap();
    std::fs::write(melody.join("tune.mid"), b"\x00\x01").unwrap();
    std::fs::write(dir.path().join("nott/MIDI/chords/tune.mid"), b"\x00\x01").unwrap();
    let nott = import::nottingham::import_dir(&dir.path().join("nott")).unwrap();
    assert!(nott.skipped[0].reason.starts_with("malformed MIDI"), "{:?}", nott.skipped);

    let missing = SourcePaths { pop909: Some(dir.path().join("nowhere")), ..SourcePaths::default() };
    let err = import_sources(&missing, |_| {}).unwrap_err();
    assert!(err.to_string().contains("pop909 data not found"), "{err}");
}

#[test]
fn corpus_splits_and_cache_round_trip() {
    let corpus = Corpus::build(imports(), 42);
    let pop = &corpus.manifest.sources[&Source::Pop909];
    assert_eq!((pop.train.len(), pop.valid.len(), pop.test.len()), (727, 91, 91));
    let ids: BTreeMap<Source, Vec<String>> =
        imports().iter().map(|i| (i.source, i.songs.iter().map(|s| s.sheet.song_id.clone()).collect())).collect();
    assert_eq!(corpus.manifest, Manifest::new(42, &ids));
    assert_eq!(
        corpus.split(Split::Test).count(),
        corpus.manifest.sources.values().map(|s| s.test.len()).sum::<usize>()
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corpus.bin");
    corpus.save(&path).unwrap();
    assert_eq!(Corpus::load(&path).unwrap(), corpus);

    std::fs::write(&path, [1u8, 0xff, 0xff]).unwrap();
    assert!(matches!(Corpus::load(&path), Err(CacheError::Corrupt { .. })));
    std::fs::write(&path, [7u8]).unwrap();
    let err = Corpus::load(&path).unwrap_err();
    assert!(matches!(err, CacheError::Version { found: 7, .. }), "{err}");
    assert!(err.to_string().contains("cargo xtask data"));
}
