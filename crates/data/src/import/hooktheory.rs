//! Hooktheory-style JSON: the SheetSage `Hooktheory.json` layout that the ReaLchords code reads.
//!
//! A `.json` file is either an object of songs keyed by id or a single song (an object with
//! `annotations` at top level, named after the file stem); a `.jsonl` file has one song per
//! line, named by its `id` field or else its line number. Times are beats, taken as
//! quarter-note beats; a melody note is MIDI `60 + 12 * octave + pitch_class`; a chord is a root
//! plus *stacked* intervals (`[4, 3]` = root, +4, +7) and an inversion that picks the bass among
//! the root-position chord tones.
//!
//! Rules, per song. A refused song becomes a [`Skipped`] entry named `file#id`; the other songs
//! of its file still import.
//! - Like the reference code, a song whose tags are present but lack `MELODY` or `HARMONY`, or
//!   include `TEMPO_CHANGES`, is refused.
//! - Absent (or `null`) `tags`, `split`, `meters`, `keys`, `melody` and `harmony` are lenient:
//!   no meter means 4/4, no key or a scale other than major and natural minor means no key, and
//!   a song left without melody notes is refused by [`finish`].
//! - Corrupt annotations refuse the whole song instead of dropping the event, so that the
//!   report names the song rather than the corpus silently holding a song with holes: a negative
//!   or non-finite time, a pitch class outside 0..=11 or an inversion past the chord's tones
//!   (malformed JSON); a melody pitch outside MIDI 0..=127 or a meter that is not n/2^k
//!   (unsupported content). Empty or reversed spans are left to [`finish`], which drops them.
//! - Every harmony event is tallied (exact, reduced by [`map_set`], or unmapped, whose time then
//!   stays no-chord) under a label such as `root 7 intervals [4, 3, 3]`.

use super::{ImportError, ImportedSong, Skipped, SourceImport, files_with_extensions, finish};
use crate::labels::{ChordTally, map_set};
use comper_music::{ChordEvent, Key, LeadSheet, Meter, Mode, Note, PitchClass, Source};
use rayon::prelude::*;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The largest Hooktheory file read (the whole public dump is about 200 MB).
const HOOKTHEORY_BYTES: u64 = 1 << 30;

/// Import one Hooktheory-style file (`.json` object of songs or single song, or `.jsonl`).
/// Bad songs are skipped individually; `Err` only when the file is unreadable or not JSON.
pub fn import_file(path: &Path) -> Result<SourceImport, ImportError> {
    let bytes = comper_files::read_limited(path, HOOKTHEORY_BYTES)?;
    import_bytes(path, &bytes)
}

/// Import every `.json` and `.jsonl` file under `root`, in path order. A file that cannot be
/// read becomes a [`Skipped`] entry; `Err` only when `root` itself cannot be listed.
pub fn import_dir(root: &Path) -> Result<SourceImport, ImportError> {
    let files = files_with_extensions(root, &["json", "jsonl"])?;
    let results: Vec<_> = files
        .into_par_iter()
        .map(|path| {
            let result = import_file(&path);
            (path, result)
        })
        .collect();
    let mut all = empty_import();
    for (path, result) in results {
        match result {
            Ok(part) => {
                all.songs.extend(part.songs);
                all.skipped.extend(part.skipped);
            }
            Err(e) => all.skipped.push(Skipped { path, reason: e.to_string() }),
        }
    }
    Ok(all)
}

fn empty_import() -> SourceImport {
    SourceImport { source: Source::Hooktheory, songs: Vec::new(), skipped: Vec::new() }
}

/// A song's id and its JSON, or why its JSON could not be read.
type Entry = (String, Result<Value, ImportError>);

fn import_bytes(path: &Path, bytes: &[u8]) -> Result<SourceImport, ImportError> {
    let is_json_lines = path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("jsonl"));
    let entries = if is_json_lines { json_lines(bytes) } else { json_document(path, bytes)? };
    Ok(import_entries(path, entries))
}

/// Songs of a `.json` file: one song if it has top-level annotations, else an object by id.
fn json_document(path: &Path, bytes: &[u8]) -> Result<Vec<Entry>, ImportError> {
    match serde_json::from_slice(bytes).map_err(json_error)? {
        Value::Object(song) if song.contains_key("annotations") => {
            let id = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
            Ok(vec![(id, Ok(Value::Object(song)))])
        }
        Value::Object(songs) => Ok(songs.into_iter().map(|(id, song)| (id, Ok(song))).collect()),
        _ => Err(ImportError::Json("the top level is not an object of songs".into())),
    }
}

/// Songs of a JSON Lines file, one per non-blank line; a malformed line is a bad song.
fn json_lines(bytes: &[u8]) -> Vec<Entry> {
    bytes
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .enumerate()
        .filter(|(_, line)| !line.is_empty())
        .map(|(i, line)| {
            let number = i + 1;
            match serde_json::from_slice::<Value>(line) {
                Ok(song) => (line_id(&song).unwrap_or_else(|| number.to_string()), Ok(song)),
                Err(e) => (number.to_string(), Err(line_error(number, &e))),
            }
        })
        .collect()
}

/// The `id` field of a JSON Lines song, when it is a string or a number.
fn line_id(song: &Value) -> Option<String> {
    match song.get("id")? {
        Value::String(id) => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

fn json_error(e: serde_json::Error) -> ImportError {
    ImportError::Json(e.to_string())
}

/// serde_json counts lines within the one line it was given; name the file's line instead.
fn line_error(number: usize, e: &serde_json::Error) -> ImportError {
    let message = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    let message = message.strip_suffix(&position).unwrap_or(&message);
    ImportError::Json(format!("line {number}, column {}: {message}", e.column()))
}

/// Import the songs of one file in parallel, keeping their order.
fn import_entries(path: &Path, entries: Vec<Entry>) -> SourceImport {
    let results: Vec<_> = entries
        .into_par_iter()
        .map(|(id, song)| {
            let result = song.and_then(|song| import_song(&id, song));
            (id, result)
        })
        .collect();
    let mut import = empty_import();
    for (id, result) in results {
        match result {
            Ok(song) => import.songs.push(song),
            Err(e) => import
                .skipped
                .push(Skipped { path: PathBuf::from(format!("{}#{id}", path.display())), reason: e.to_string() }),
        }
    }
    import
}

#[derive(Deserialize)]
#[serde(expecting = "a song object")]
struct RawSong {
    #[serde(default)]
    tags: Option<Vec<String>>,
    annotations: Annotations,
}

#[derive(Deserialize)]
struct Annotations {
    #[serde(default, deserialize_with = "null_as_empty")]
    meters: Vec<RawMeter>,
    #[serde(default, deserialize_with = "null_as_empty")]
    keys: Vec<RawKey>,
    #[serde(default, deserialize_with = "null_as_empty")]
    melody: Vec<RawNote>,
    #[serde(default, deserialize_with = "null_as_empty")]
    harmony: Vec<RawHarmony>,
}

#[derive(Deserialize)]
struct RawMeter {
    beats_per_bar: u8,
    beat_unit: u8,
}

#[derive(Deserialize)]
struct RawKey {
    tonic_pitch_class: u8,
    #[serde(default, deserialize_with = "null_as_empty")]
    scale_degree_intervals: Vec<i64>,
}

#[derive(Deserialize)]
struct RawNote {
    onset: f64,
    offset: f64,
    octave: i32,
    pitch_class: u8,
}

#[derive(Deserialize)]
struct RawHarmony {
    onset: f64,
    offset: f64,
    root_pitch_class: u8,
    #[serde(default, deserialize_with = "null_as_empty")]
    root_position_intervals: Vec<i64>,
    #[serde(default)]
    inversion: usize,
}

/// A list that may also be written as `null` (an unannotated track) reads as empty.
fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

fn import_song(id: &str, song: Value) -> Result<ImportedSong, ImportError> {
    let song: RawSong = serde_json::from_value(song).map_err(json_error)?;
    check_tags(song.tags.as_deref())?;
    let annotations = song.annotations;
    let mut tally = ChordTally::default();
    let sheet = LeadSheet {
        source: Source::Hooktheory,
        song_id: id.to_string(),
        meter: meter(annotations.meters.first())?,
        key: key(annotations.keys.first())?,
        melody: annotations.melody.iter().enumerate().map(note).collect::<Result<_, _>>()?,
        chords: chords(&annotations.harmony, &mut tally)?,
    };
    finish(sheet, tally)
}

/// The reference code's selection: when tags are given, both tracks must be annotated, and
/// songs with tempo changes are left out.
fn check_tags(tags: Option<&[String]>) -> Result<(), ImportError> {
    let Some(tags) = tags else { return Ok(()) };
    let has = |tag: &str| tags.iter().any(|t| t == tag);
    if let Some(missing) = ["MELODY", "HARMONY"].into_iter().find(|&tag| !has(tag)) {
        return Err(ImportError::Unsupported(format!("tags lack {missing}")));
    }
    if has("TEMPO_CHANGES") {
        return Err(ImportError::Unsupported("tagged TEMPO_CHANGES".into()));
    }
    Ok(())
}

/// The first meter; 4/4 when none is given.
fn meter(raw: Option<&RawMeter>) -> Result<Meter, ImportError> {
    let Some(raw) = raw else {
        return Ok(Meter::COMMON);
    };
    if raw.beats_per_bar == 0 || !raw.beat_unit.is_power_of_two() {
        let (n, d) = (raw.beats_per_bar, raw.beat_unit);
        return Err(ImportError::Unsupported(format!("meter {n}/{d}")));
    }
    Ok(Meter { numerator: raw.beats_per_bar, denominator: raw.beat_unit })
}

/// The first key; `None` for scales other than major and natural minor.
fn key(raw: Option<&RawKey>) -> Result<Option<Key>, ImportError> {
    let Some(raw) = raw else { return Ok(None) };
    let tonic = pitch_class("key", raw.tonic_pitch_class)?;
    let mode = match raw.scale_degree_intervals.as_slice() {
        [2, 2, 1, 2, 2, 2] => Mode::Major,
        [2, 1, 2, 2, 1, 2] => Mode::Minor,
        _ => return Ok(None),
    };
    Ok(Some(Key { tonic, mode }))
}

fn note((index, raw): (usize, &RawNote)) -> Result<Note, ImportError> {
    let what = format!("melody note {index}");
    let (onset, offset) = span(&what, raw.onset, raw.offset)?;
    let pitch_class = pitch_class(&what, raw.pitch_class)?;
    let midi = 60 + 12 * i64::from(raw.octave) + i64::from(pitch_class.index());
    let pitch = u8::try_from(midi)
        .ok()
        .filter(|&p| p < 128)
        .ok_or_else(|| ImportError::Unsupported(format!("{what} has MIDI pitch {midi}")))?;
    Ok(Note { onset, offset, pitch })
}

/// Chord events of the harmony track, every event tallied.
fn chords(harmony: &[RawHarmony], tally: &mut ChordTally) -> Result<Vec<ChordEvent>, ImportError> {
    let mut events = Vec::with_capacity(harmony.len());
    for (index, raw) in harmony.iter().enumerate() {
        events.extend(chord(index, raw, tally)?);
    }
    Ok(events)
}

/// One harmony event; `None` when the vocabulary cannot name it (tallied as unmapped).
fn chord(index: usize, raw: &RawHarmony, tally: &mut ChordTally) -> Result<Option<ChordEvent>, ImportError> {
    let what = format!("harmony event {index}");
    let (onset, offset) = span(&what, raw.onset, raw.offset)?;
    let root = pitch_class(&what, raw.root_pitch_class)?;
    let tones = stacked_tones(&raw.root_position_intervals);
    let bass = *tones.get(raw.inversion).ok_or_else(|| {
        let (inversion, count) = (raw.inversion, tones.len());
        ImportError::Json(format!("{what} has inversion {inversion} of a {count}-tone chord"))
    })?;
    let label = format!("root {} intervals {:?}", raw.root_pitch_class, raw.root_position_intervals);
    let Some(mapping) = map_set(root, tones.iter().copied().collect(), &label) else {
        tally.record_unmapped(&label);
        return Ok(None);
    };
    tally.record(&mapping);
    let bass = Some(root.transposed(i32::from(bass.index()))).filter(|&b| b != root);
    Ok(Some(ChordEvent { onset, offset, chord: mapping.chord(), bass }))
}

/// Root-position chord tones relative to the root: the root, then each stacked interval above
/// the tone before it.
fn stacked_tones(stacked: &[i64]) -> Vec<PitchClass> {
    let mut tone = PitchClass::C;
    let mut tones = vec![tone];
    for &interval in stacked {
        // rem_euclid keeps the step in 0..12, so the cast cannot truncate.
        tone = tone.transposed(interval.rem_euclid(12) as i32);
        tones.push(tone);
    }
    tones
}

/// A note or chord span in beats, refused when a time is negative or not finite.
fn span(what: &str, onset: f64, offset: f64) -> Result<(f64, f64), ImportError> {
    if [onset, offset].iter().all(|t| t.is_finite() && *t >= 0.0) {
        Ok((onset, offset))
    } else {
        Err(ImportError::Json(format!("{what} spans {onset}..{offset} beats")))
    }
}

fn pitch_class(what: &str, value: u8) -> Result<PitchClass, ImportError> {
    if value < 12 {
        Ok(PitchClass::new(i32::from(value)))
    } else {
        Err(ImportError::Json(format!("{what} has pitch class {value}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    const SONGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/hooktheory/songs.json");
    const LINES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/hooktheory/songs.jsonl");
    const BROKEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/hooktheory/broken.json");
    const FOLDER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/hooktheory");

    fn song<'a>(import: &'a SourceImport, id: &str) -> &'a ImportedSong {
        import.songs.iter().find(|s| s.sheet.song_id == id).expect("song imported")
    }

    fn pitch(octave: i32, pitch_class: i32) -> u8 {
        u8::try_from(60 + 12 * octave + pitch_class).unwrap()
    }

    fn notes(sheet: &LeadSheet) -> Vec<(f64, f64, u8)> {
        sheet.melody.iter().map(|n| (n.onset, n.offset, n.pitch)).collect()
    }

    /// Chord spans named like lead sheets, with the bass after a slash.
    fn chord_names(sheet: &LeadSheet) -> Vec<(f64, f64, String)> {
        let name = |c: &ChordEvent| match c.bass {
            Some(bass) => format!("{}/{bass}", c.chord),
            None => c.chord.to_string(),
        };
        sheet.chords.iter().map(|c| (c.onset, c.offset, name(c))).collect()
    }

    fn spans(names: &[(f64, f64, &str)]) -> Vec<(f64, f64, String)> {
        names.iter().map(|&(on, off, name)| (on, off, name.to_string())).collect()
    }

    /// Import an in-memory document as if read from `name`.
    fn import_json(name: &str, document: &Value) -> SourceImport {
        import_bytes(Path::new(name), document.to_string().as_bytes()).unwrap()
    }

    fn annotations(melody: Value, harmony: Value) -> Value {
        json!({ "melody": melody, "harmony": harmony })
    }

    fn one_note() -> Value {
        json!([{ "onset": 0, "offset": 1, "octave": 0, "pitch_class": 0 }])
    }

    fn triad(extra: Value) -> Value {
        let mut event = json!({ "onset": 0, "offset": 4, "root_pitch_class": 0, "root_position_intervals": [4, 3] });
        event.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        json!([event])
    }

    fn reasons(import: &SourceImport) -> BTreeMap<String, String> {
        import.skipped.iter().map(|s| (s.path.display().to_string(), s.reason.clone())).collect()
    }

    #[test]
    fn major_song_reads_notes_chords_inversion_key_and_meter() {
        let import = import_file(Path::new(SONGS)).unwrap();
        assert_eq!(import.source, Source::Hooktheory);
        let pop = song(&import, "pop-major");
        let sheet = &pop.sheet;
        assert_eq!(sheet.meter, Meter::COMMON);
        assert_eq!(sheet.key, Some(Key { tonic: PitchClass::C, mode: Mode::Major }));
        let expected = [
            (0.0, 1.0, pitch(0, 4)),
            (1.0, 2.0, pitch(0, 2)),
            (2.0, 4.0, pitch(0, 0)),
            (4.0, 6.0, pitch(-1, 11)),
            (6.0, 8.0, pitch(0, 2)),
            (8.0, 10.0, pitch(0, 9)),
            (10.0, 12.0, pitch(1, 0)),
            (12.0, 16.0, pitch(0, 5)),
            (16.0, 20.0, pitch(0, 7)),
            (20.0, 22.0, pitch(0, 6)),
            (22.0, 24.0, pitch(0, 5)),
            (24.0, 28.0, pitch(0, 4)),
        ];
        assert_eq!(notes(sheet), expected);
        assert_eq!((pitch(-1, 11), pitch(1, 0)), (59, 72));
        assert_eq!(
            chord_names(sheet),
            spans(&[
                (0.0, 4.0, "C"),
                (4.0, 8.0, "G"),
                (8.0, 12.0, "Am"),
                (12.0, 16.0, "F/A"),
                (16.0, 20.0, "G7"),
                (20.0, 22.0, "D7"),
                (22.0, 24.0, "G7"),
                (24.0, 28.0, "C"),
            ])
        );
        assert_eq!(sheet.chords[3].bass, Some(PitchClass::new(9)));
        assert!(sheet.chords.iter().enumerate().all(|(i, c)| i == 3 || c.bass.is_none()));
    }

    #[test]
    fn every_harmony_event_is_tallied_and_the_ninth_is_reduced_to_a_seventh() {
        let import = import_file(Path::new(SONGS)).unwrap();
        let tally = &song(&import, "pop-major").tally;
        assert_eq!((tally.exact, tally.reduced_count(), tally.unmapped_count()), (7, 1, 0));
        let reduced =
            BTreeMap::from([("root 2 intervals [4, 3, 3, 4]".to_string(), BTreeMap::from([("D7".to_string(), 1)]))]);
        assert_eq!(tally.reduced, reduced);
        assert_eq!(import.tally().total(), 8 + 4);
    }

    #[test]
    fn minor_song_without_tags_reads_key_and_meter() {
        let import = import_file(Path::new(SONGS)).unwrap();
        let ballad = song(&import, "ballad-minor");
        let sheet = &ballad.sheet;
        assert_eq!(sheet.meter, Meter { numerator: 3, denominator: 4 });
        assert_eq!(sheet.key, Some(Key { tonic: PitchClass::new(9), mode: Mode::Minor }));
        let expected = [
            (0.0, 1.0, pitch(0, 9)),
            (1.0, 2.0, pitch(1, 0)),
            (2.0, 3.0, pitch(0, 11)),
            (3.0, 6.0, pitch(0, 5)),
            (6.0, 8.0, pitch(0, 8)),
            (8.0, 9.0, pitch(0, 11)),
            (9.0, 12.0, pitch(0, 9)),
        ];
        assert_eq!(notes(sheet), expected);
        assert_eq!(
            chord_names(sheet),
            spans(&[(0.0, 3.0, "Am"), (3.0, 6.0, "Dm"), (6.0, 9.0, "E7"), (9.0, 12.0, "Am")])
        );
        assert_eq!((ballad.tally.exact, ballad.tally.total()), (4, 4));
    }

    #[test]
    fn tempo_changes_are_skipped_by_tag() {
        let import = import_file(Path::new(SONGS)).unwrap();
        assert_eq!(import.songs.len(), 2);
        assert_eq!(
            import.skipped,
            [Skipped {
                path: PathBuf::from(format!("{SONGS}#tempo-changes")),
                reason: "unsupported content: tagged TEMPO_CHANGES".into(),
            }]
        );
    }

    #[test]
    fn json_lines_name_songs_by_id_and_skip_a_malformed_line() {
        let import = import_file(Path::new(LINES)).unwrap();
        assert_eq!(import.songs.len(), 1);
        let sheet = &song(&import, "jsonl-song").sheet;
        assert_eq!(sheet.key, Some(Key { tonic: PitchClass::new(7), mode: Mode::Major }));
        assert_eq!(notes(sheet), [(0.0, 2.0, pitch(0, 7)), (2.0, 4.0, pitch(0, 11))]);
        assert_eq!(chord_names(sheet), spans(&[(0.0, 4.0, "G/D")]));
        assert_eq!(import.skipped.len(), 1);
        let skipped = &import.skipped[0];
        assert_eq!(skipped.path, PathBuf::from(format!("{LINES}#2")));
        assert_eq!(skipped.reason, "malformed JSON: line 2, column 101: EOF while parsing a value");
    }

    #[test]
    fn a_file_that_is_not_json_is_an_error_and_a_skip_in_a_folder() {
        assert!(matches!(import_file(Path::new(BROKEN)), Err(ImportError::Json(_))));
        let import = import_dir(Path::new(FOLDER)).unwrap();
        let mut ids: Vec<_> = import.songs.iter().map(|s| s.sheet.song_id.as_str()).collect();
        ids.sort();
        assert_eq!(ids, ["ballad-minor", "jsonl-song", "pop-major"]);
        let reasons = reasons(&import);
        assert_eq!(reasons.len(), 3);
        assert!(reasons[BROKEN].contains("JSON"), "{}", reasons[BROKEN]);
        assert!(reasons.contains_key(&format!("{SONGS}#tempo-changes")));
        assert!(reasons.contains_key(&format!("{LINES}#2")));
        assert!(matches!(import_dir(Path::new("/no/such/folder")), Err(ImportError::Io(_))));
    }

    #[test]
    fn a_single_song_file_is_named_after_its_stem_and_missing_fields_are_lenient() {
        let document = json!({ "annotations": annotations(one_note(), Value::Null) });
        let import = import_json("dir/solo.json", &document);
        assert!(import.skipped.is_empty());
        let sheet = &song(&import, "solo").sheet;
        assert_eq!((sheet.meter, sheet.key), (Meter::COMMON, None));
        assert_eq!(notes(sheet), [(0.0, 1.0, 60)]);
        assert!(sheet.chords.is_empty());
    }

    #[test]
    fn other_scales_have_no_key_and_odd_meters_are_refused() {
        let dorian = json!([{ "tonic_pitch_class": 2, "scale_degree_intervals": [2, 1, 2, 2, 2, 1] }]);
        let mut with_key = annotations(one_note(), json!([]));
        with_key["keys"] = dorian;
        let mut odd_meter = annotations(one_note(), json!([]));
        odd_meter["meters"] = json!([{ "beats_per_bar": 2, "beat_unit": 3 }]);
        let document = json!({ "dorian": { "annotations": with_key }, "odd": { "annotations": odd_meter } });
        let import = import_json("set.json", &document);
        assert_eq!(song(&import, "dorian").sheet.key, None);
        assert_eq!(reasons(&import)["set.json#odd"], "unsupported content: meter 2/3");
    }

    #[test]
    fn corrupt_songs_are_skipped_one_by_one_with_reasons() {
        let good_tags = json!(["MELODY", "HARMONY"]);
        let document = json!({
            "good": { "tags": good_tags, "annotations": annotations(one_note(), triad(json!({}))) },
            "no-harmony-tag": { "tags": ["MELODY"], "annotations": annotations(one_note(), json!([])) },
            "no-melody": { "annotations": annotations(Value::Null, triad(json!({}))) },
            "negative": { "annotations": annotations(json!([{ "onset": -1, "offset": 1, "octave": 0, "pitch_class": 0 }]), json!([])) },
            "too-high": { "annotations": annotations(json!([{ "onset": 0, "offset": 1, "octave": 6, "pitch_class": 8 }]), json!([])) },
            "bad-class": { "annotations": annotations(one_note(), triad(json!({ "root_pitch_class": 12 }))) },
            "bad-inversion": { "annotations": annotations(one_note(), triad(json!({ "inversion": 3 }))) },
            "no-annotations": { "tags": good_tags },
            "not-a-song": 7,
            "years-long": { "annotations": annotations(json!([{ "onset": 1e15, "offset": 1e15 + 1.0, "octave": 0, "pitch_class": 0 }]), json!([])) },
        });
        let import = import_json("mixed.json", &document);
        assert_eq!(import.songs.len(), 1);
        assert_eq!(chord_names(&song(&import, "good").sheet), spans(&[(0.0, 4.0, "C")]));
        let reasons = reasons(&import);
        let expected = [
            ("no-harmony-tag", "unsupported content: tags lack HARMONY"),
            ("no-melody", "unsupported content: no melody notes"),
            ("negative", "malformed JSON: melody note 0 spans -1..1 beats"),
            ("too-high", "unsupported content: melody note 0 has MIDI pitch 140"),
            ("bad-class", "malformed JSON: harmony event 0 has pitch class 12"),
            ("bad-inversion", "malformed JSON: harmony event 0 has inversion 3 of a 3-tone chord"),
            ("no-annotations", "malformed JSON: missing field `annotations`"),
            ("not-a-song", "malformed JSON: invalid type: integer `7`, expected a song object"),
            ("years-long", "unsupported content: 1000000000000001 beats long (Comper reads up to 65536)"),
        ];
        assert_eq!(reasons.len(), expected.len());
        for (id, reason) in expected {
            assert_eq!(reasons[&format!("mixed.json#{id}")], reason, "{id}");
        }
    }

    #[test]
    fn json_lines_without_id_use_the_line_number_and_a_bare_value_is_refused() {
        let line = json!({ "annotations": annotations(one_note(), json!([])) }).to_string();
        let text = format!("\n{line}\n");
        let import = import_bytes(Path::new("x.JSONL"), text.as_bytes()).unwrap();
        assert_eq!(import.songs[0].sheet.song_id, "2");
        let refused = import_bytes(Path::new("x.json"), b"[1, 2]");
        assert!(matches!(refused, Err(ImportError::Json(m)) if m.contains("not an object")));
    }
}
