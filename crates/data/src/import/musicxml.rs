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
//!   the chord, named through [`map_set`]; kind `none` (N.C.) only ends the previous chord,
//!   and any other harmony that names no chord is tallied as unmapped and sounds as no-chord.
//! - Meter and key come from the melody part's first `<time>` (4/4 if none) and first
//!   `<key>` with `<fifths>` (no key for modes other than major and minor).

use super::{ImportError, ImportedSong, SourceImport, files_with_extensions, finish};
use crate::labels::{ChordTally, Mapping, map_set};
use comper_music::pitch::PitchClassSet;
use comper_music::{ChordEvent, Key, LeadSheet, Meter, Mode, Note, PitchClass, Source};
use roxmltree::{Document, Node, ParsingOptions};
use std::io::{Cursor, Read};
use std::path::Path;

/// Largest score read out of a `.mxl` archive, so a zip bomb cannot exhaust memory.
const MAX_SCORE_BYTES: u64 = 64 << 20;

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

/// The score's first playback tempo (`<sound tempo>`, quarter notes per minute), if any.
fn tempo(score: Node) -> Option<f64> {
    score
        .descendants()
        .filter(|n| n.has_tag_name("sound"))
        .find_map(|n| n.attribute("tempo")?.trim().parse::<f64>().ok())
        .filter(|t| t.is_finite() && *t > 0.0)
}

/// The score inside a `.mxl` archive: the container's first rootfile, else the first
/// MusicXML entry outside `META-INF/`.
fn score_from_zip(bytes: &[u8]) -> Result<String, ImportError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ImportError::Xml(format!("unreadable .mxl archive: {e}")))?;
    let container = read_entry(&mut archive, "META-INF/container.xml").ok();
    let names: Vec<String> = archive.file_names().filter_map(Result::ok).map(|n| n.into_owned()).collect();
    let name = score_entry(container.as_deref(), &names)
        .ok_or_else(|| ImportError::Xml("no score in the .mxl archive".into()))?;
    read_entry(&mut archive, &name)
}

/// Which archive entry holds the score, given the container text (if any) and the names.
fn score_entry(container: Option<&str>, names: &[String]) -> Option<String> {
    let from_container = container.and_then(|text| {
        let doc = Document::parse(text).ok()?;
        let rootfile = doc.descendants().find(|n| n.has_tag_name("rootfile"))?;
        rootfile.attribute("full-path").map(str::to_string)
    });
    from_container.filter(|path| names.contains(path)).or_else(|| {
        names.iter().find(|n| !n.starts_with("META-INF/") && (n.ends_with(".xml") || n.ends_with(".musicxml"))).cloned()
    })
}

fn read_entry(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<String, ImportError> {
    let entry = archive.by_name(name).map_err(|e| ImportError::Xml(format!("cannot open '{name}' in .mxl: {e}")))?;
    let mut bytes = Vec::new();
    entry.take(MAX_SCORE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_SCORE_BYTES {
        return Err(ImportError::Xml(format!("'{name}' in .mxl is larger than {} MiB", MAX_SCORE_BYTES >> 20)));
    }
    decode_text(bytes)
}

/// UTF-8 text, or UTF-16 when a byte-order mark says so (some editors export that).
fn decode_text(bytes: Vec<u8>) -> Result<String, ImportError> {
    let utf16 = |rest: &[u8], unit: fn([u8; 2]) -> u16| {
        char::decode_utf16(rest.chunks_exact(2).map(|c| unit([c[0], c[1]])))
            .collect::<Result<String, _>>()
            .map_err(|_| ImportError::Xml("invalid UTF-16 text".into()))
    };
    match bytes.as_slice() {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        _ => String::from_utf8(bytes).map_err(|_| ImportError::Xml("file is not UTF-8 text".into())),
    }
}

/// What one part contributes: melody-voice notes, harmony marks and its length in beats.
struct Timeline {
    notes: Vec<Note>,
    harmonies: Vec<(f64, Harmony)>,
    end: f64,
}

/// Walk a part's measures. `voice` selects the melody notes to keep (none: harmonies only);
/// `bar` is the bar length in beats, for padding a pickup.
fn read_part(part: Node, voice: Option<&str>, bar: f64) -> Result<Timeline, ImportError> {
    let mut walker = Walker {
        voice,
        divisions: None,
        measure_start: 0.0,
        pos: 0.0,
        measure_len: 0.0,
        tie_open: None,
        timeline: Timeline { notes: Vec::new(), harmonies: Vec::new(), end: 0.0 },
    };
    let mut first_len = None;
    for measure in children(part, "measure") {
        walker.measure(measure).map_err(|reason| {
            let part_id = part.attribute("id").unwrap_or("?");
            let number = measure.attribute("number").unwrap_or("?");
            ImportError::Xml(format!("part {part_id}, measure {number}: {reason}"))
        })?;
        first_len.get_or_insert(walker.measure_start);
    }
    let mut timeline = walker.timeline;
    timeline.end = walker.measure_start;
    match first_len {
        Some(len) if len > 0.0 && len < bar - 1e-9 => timeline.shift(bar - len),
        _ => {}
    }
    Ok(timeline)
}

impl Timeline {
    fn shift(&mut self, beats: f64) {
        for note in &mut self.notes {
            note.onset += beats;
            note.offset += beats;
        }
        for (onset, _) in &mut self.harmonies {
            *onset += beats;
        }
        self.end += beats;
    }
}

/// The time cursor of one part, in beats.
struct Walker<'v> {
    voice: Option<&'v str>,
    divisions: Option<f64>,
    measure_start: f64,
    /// Cursor within the measure.
    pos: f64,
    /// Furthest cursor reached in the measure: its length.
    measure_len: f64,
    /// Index of the last melody note when it is tied onward.
    tie_open: Option<usize>,
    timeline: Timeline,
}

impl Walker<'_> {
    fn measure(&mut self, measure: Node) -> Result<(), String> {
        for item in measure.children().filter(Node::is_element) {
            match item.tag_name().name() {
                "attributes" => {
                    if let Some(text) = child_text(item, "divisions") {
                        self.divisions = Some(positive(text).ok_or(format!("bad <divisions> '{text}'"))?);
                    }
                }
                "note" => self.note(item)?,
                "backup" => self.pos = (self.pos - self.duration(item)?).max(0.0),
                "forward" => {
                    let duration = self.duration(item)?;
                    self.advance(duration);
                }
                "harmony" => self.harmony(item),
                _ => {}
            }
        }
        self.measure_start += self.measure_len;
        self.pos = 0.0;
        self.measure_len = 0.0;
        Ok(())
    }

    fn advance(&mut self, beats: f64) {
        self.pos += beats;
        self.measure_len = self.measure_len.max(self.pos);
    }

    /// An element's `<duration>` in beats.
    fn duration(&self, node: Node) -> Result<f64, String> {
        let text = child_text(node, "duration").ok_or("missing <duration>")?;
        let divisions = self.divisions.ok_or("<duration> before any <divisions>")?;
        match text.parse::<f64>() {
            Ok(d) if d.is_finite() && d >= 0.0 => Ok(d / divisions),
            _ => Err(format!("bad <duration> '{text}'")),
        }
    }

    fn note(&mut self, note: Node) -> Result<(), String> {
        // Grace notes take no time; chord tones start with the previous note.
        if has_child(note, "grace") || has_child(note, "chord") {
            return Ok(());
        }
        let onset = self.measure_start + self.pos;
        let duration = self.duration(note)?;
        self.advance(duration);
        let Some(voice) = self.voice else { return Ok(()) };
        if note_voice(note) != voice || has_child(note, "cue") {
            return Ok(());
        }
        match child(note, "pitch").map(midi_pitch).transpose()? {
            Some(Some(pitch)) => self.melody_note(Note { onset, offset: onset + duration, pitch }, note),
            _ => self.tie_open = None,
        }
        Ok(())
    }

    /// Add a melody note, or lengthen the open tied note it continues.
    fn melody_note(&mut self, new: Note, node: Node) {
        let notes = &mut self.timeline.notes;
        let continued = if tied(node, "stop") {
            self.tie_open.and_then(|i| notes.get_mut(i)).filter(|n| n.pitch == new.pitch)
        } else {
            None
        };
        match continued {
            Some(note) => note.offset = new.offset,
            None => notes.push(new),
        }
        self.tie_open = if tied(node, "start") { notes.len().checked_sub(1) } else { None };
    }

    fn harmony(&mut self, node: Node) {
        let offset = child_text(node, "offset").and_then(|t| t.parse::<f64>().ok()).filter(|o| o.is_finite());
        let offset = offset.zip(self.divisions).map_or(0.0, |(o, d)| o / d);
        let onset = (self.measure_start + self.pos + offset).max(0.0);
        self.timeline.harmonies.push((onset, read_harmony(node)));
    }
}

/// The melody voice of a part, or `None` if the part has no pitched note.
fn melody_voice<'a>(part: Node<'a, '_>) -> Option<&'a str> {
    let mut voices = children(part, "measure")
        .flat_map(|m| children(m, "note"))
        .filter(|n| has_child(*n, "pitch") && !["grace", "cue", "chord"].iter().any(|c| has_child(*n, c)))
        .map(note_voice);
    let first = voices.next()?;
    Some(if first == "1" || voices.any(|v| v == "1") { "1" } else { first })
}

fn note_voice<'a>(note: Node<'a, '_>) -> &'a str {
    child_text(note, "voice").unwrap_or("1")
}

/// Whether a note carries a `<tie>` (or notated `<tied>`) of `kind` ("start", "stop").
fn tied(note: Node, kind: &str) -> bool {
    let notations = children(note, "notations").flat_map(|n| n.children());
    note.children()
        .chain(notations)
        .any(|m| (m.has_tag_name("tie") || m.has_tag_name("tied")) && m.attribute("type") == Some(kind))
}

/// MIDI pitch of a `<pitch>`; `None` when outside the MIDI range.
fn midi_pitch(pitch: Node) -> Result<Option<u8>, String> {
    let step_text = child_text(pitch, "step").unwrap_or_default();
    let step = step_semitones(step_text).ok_or(format!("bad <step> '{step_text}'"))?;
    let octave_text = child_text(pitch, "octave").unwrap_or_default();
    let octave: i32 = octave_text.parse().map_err(|_| format!("bad <octave> '{octave_text}'"))?;
    let alter = parse_alter(child_text(pitch, "alter")).ok_or("bad <alter>")?;
    let midi = (i64::from(octave) + 1) * 12 + i64::from(step + alter);
    Ok(u8::try_from(midi).ok().filter(|&p| p < 128))
}

fn step_semitones(step: &str) -> Option<i32> {
    Some(match step {
        "C" => 0,
        "D" => 2,
        "E" => 4,
        "F" => 5,
        "G" => 7,
        "A" => 9,
        "B" => 11,
        _ => return None,
    })
}

/// Semitones of an optional `<alter>`-like element (0 if absent); microtones are rounded.
fn parse_alter(text: Option<&str>) -> Option<i32> {
    match text {
        None => Some(0),
        Some(t) => t.parse::<f64>().ok().filter(|a| a.abs() <= 12.0).map(|a| a.round() as i32),
    }
}

/// One `<harmony>` as read.
#[derive(Debug)]
enum Harmony {
    Chord {
        mapping: Mapping,
        bass: Option<PitchClass>,
    },
    /// Kind `none`: N.C.
    NoChord,
    /// A harmony that names no vocabulary chord; the label says what was written.
    Unreadable(String),
}

fn read_harmony(node: Node) -> Harmony {
    let kind = child_text(node, "kind").unwrap_or_default();
    if kind == "none" {
        return Harmony::NoChord;
    }
    let Some((root, root_name)) = child(node, "root").and_then(|r| spelled(r, "root-step", "root-alter")) else {
        return Harmony::Unreadable(format!("{kind} without root"));
    };
    let degrees: Option<Vec<Degree>> = children(node, "degree").map(Degree::read).collect();
    let degree_text: String = degrees.iter().flatten().map(|d| format!(" {d}")).collect();
    let label = format!("{root_name} {kind}{degree_text}");
    let (Some(base), Some(degrees)) = (kind_intervals(kind), degrees) else {
        return Harmony::Unreadable(label);
    };
    if kind == "other" && degrees.is_empty() {
        return Harmony::Unreadable(label);
    }
    let intervals = degrees.iter().fold(base.to_vec(), |set, d| d.apply(set));
    let set: PitchClassSet = intervals.into_iter().map(PitchClass::new).collect();
    let bass = child(node, "bass").and_then(|b| spelled(b, "bass-step", "bass-alter")).map(|(pc, _)| pc);
    match map_set(root, set, &label) {
        Some(mapping) => Harmony::Chord { mapping, bass: bass.filter(|&b| b != root) },
        None => Harmony::Unreadable(label),
    }
}

/// A pitch class from a step/alter pair of children, with its written spelling ("Bb").
fn spelled(node: Node, step: &str, alter_name: &str) -> Option<(PitchClass, String)> {
    let step = child_text(node, step)?;
    let alter = parse_alter(child_text(node, alter_name))?;
    let semitones = step_semitones(step)?;
    Some((PitchClass::new(semitones + alter), format!("{step}{}", accidentals(alter))))
}

fn accidentals(alter: i32) -> String {
    let sign = if alter < 0 { "b" } else { "#" };
    sign.repeat(alter.unsigned_abs() as usize)
}

/// Intervals above the root of a MusicXML `<kind>` value.
fn kind_intervals(kind: &str) -> Option<&'static [i32]> {
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
struct Degree {
    value: u32,
    alter: i32,
    kind: DegreeKind,
}

#[derive(Clone, Copy, Debug)]
enum DegreeKind {
    Add,
    Alter,
    Subtract,
}

impl Degree {
    fn read(node: Node) -> Option<Degree> {
        let value = child_text(node, "degree-value")?.parse().ok().filter(|&v| v >= 1)?;
        let alter = parse_alter(child_text(node, "degree-alter"))?;
        let kind = match child_text(node, "degree-type")? {
            "add" => DegreeKind::Add,
            "alter" => DegreeKind::Alter,
            "subtract" => DegreeKind::Subtract,
            _ => return None,
        };
        Some(Degree { value, alter, kind })
    }

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

    fn apply(self, intervals: Vec<i32>) -> Vec<i32> {
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

/// Chord events from harmony marks: each lasts until the next mark or `end`. Every mark
/// but N.C. is tallied.
fn chord_track(mut marks: Vec<(f64, Harmony)>, end: f64, tally: &mut ChordTally) -> Vec<ChordEvent> {
    marks.sort_by(|a, b| a.0.total_cmp(&b.0));
    let offsets: Vec<f64> = marks.iter().skip(1).map(|(onset, _)| *onset).chain([end]).collect();
    let mut events = Vec::new();
    for ((onset, harmony), offset) in marks.into_iter().zip(offsets) {
        match harmony {
            Harmony::Chord { mapping, bass } => {
                tally.record(&mapping);
                events.push(ChordEvent { onset, offset, chord: mapping.chord(), bass });
            }
            Harmony::Unreadable(label) => tally.record_unmapped(&label),
            Harmony::NoChord => {}
        }
    }
    events
}

/// The first readable `<time>` of a part; 4/4 without one.
fn meter(part: Node) -> Meter {
    let read = |time: Node| {
        let beats: u32 =
            child_text(time, "beats")?.split('+').map(|b| b.trim().parse::<u32>().ok()).sum::<Option<u32>>()?;
        let numerator = u8::try_from(beats).ok().filter(|&n| n > 0)?;
        let denominator = child_text(time, "beat-type")?.parse::<u8>().ok().filter(|&d| d > 0)?;
        Some(Meter { numerator, denominator })
    };
    part.descendants().filter(|n| n.has_tag_name("time")).find_map(read).unwrap_or(Meter::COMMON)
}

/// The first `<key>` with `<fifths>`: its major tonic, or the relative minor's.
fn key(part: Node) -> Option<Key> {
    let key = part.descendants().find(|n| n.has_tag_name("key") && has_child(*n, "fifths"))?;
    let fifths: i32 = child_text(key, "fifths")?.parse().ok()?;
    let major = PitchClass::new(fifths.rem_euclid(12) * 7);
    match child_text(key, "mode").unwrap_or("major") {
        "major" => Some(Key { tonic: major, mode: Mode::Major }),
        "minor" => Some(Key { tonic: major.transposed(9), mode: Mode::Minor }),
        _ => None,
    }
}

fn children<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |c| c.has_tag_name(name))
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|c| c.has_tag_name(name))
}

fn has_child(node: Node, name: &str) -> bool {
    child(node, name).is_some()
}

fn child_text<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    child(node, name)?.text().map(str::trim)
}

/// A positive finite number (divisions may be decimal in MusicXML).
fn positive(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|d| d.is_finite() && *d > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

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
