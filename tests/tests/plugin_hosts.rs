//! The real bundles (`target/bundled/Comper.clap` and `Comper.vst3`, built by `cargo xtask
//! test` with nice-plug's `assert_process_allocs`, so any allocation in `process()` aborts
//! the test) driven by Comper's own CLAP and VST3 hosts.

use comper_data::import::midi::MidiFile;
use comper_host::{
    Block, ClapHost, HostConfig, MelodyNote, MidiMessage, NoteEvent, NoteKind, ParamInfo, Performance, Played,
    PluginHost, TransportInfo, Vst3Host, perform, perform_midi, plugin_state,
};
use comper_music::PitchClass;
use comper_tests::{bundle, example, hostile_model_folders, saved_takes};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use std::collections::BTreeSet;

const RATE: f64 = 48_000.0;
/// Samples per 16th-note frame at 120 BPM.
const FRAME: u64 = 6_000;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Format {
    Clap,
    Vst3,
}

const FORMATS: [Format; 2] = [Format::Clap, Format::Vst3];

fn load(format: Format) -> Box<dyn PluginHost> {
    load_with(format, &HostConfig { sample_rate: RATE, max_block: 8192, offline: true })
}

fn load_with(format: Format, config: &HostConfig) -> Box<dyn PluginHost> {
    let config = *config;
    let mut host: Box<dyn PluginHost> = match format {
        Format::Clap => Box::new(ClapHost::load(&bundle("Comper.clap"), &config).expect("load the CLAP bundle")),
        Format::Vst3 => Box::new(Vst3Host::load(&bundle("Comper.vst3"), &config).expect("load the VST3 bundle")),
    };
    set(&mut *host, format, "Melody thru", 0.0, 0.0);
    host
}

/// Set a parameter by name: `plain` for CLAP, `normalized` for VST3.
fn set(host: &mut dyn PluginHost, format: Format, name: &str, plain: f64, normalized: f64) {
    let id = host.param_id(name).unwrap();
    let value = match format {
        Format::Clap => plain,
        Format::Vst3 => normalized,
    };
    host.set_param(id, value).unwrap();
}

fn ode_to_joy() -> Vec<MelodyNote> {
    let file = MidiFile::read(&example("ode-to-joy.mid")).unwrap();
    let notes = file.tracks.iter().flat_map(|t| &t.notes);
    notes
        .map(|n| MelodyNote { start: file.beats(n.start), end: file.beats(n.end), key: n.key, velocity: 0.8 })
        .collect()
}

fn performance(end_beats: f64, block: u32) -> Performance {
    Performance {
        tempo: 120.0,
        time_signature: (4, 4),
        sample_rate: RATE,
        block,
        start_beats: 0.0,
        end_beats,
        channel: 0,
    }
}

/// One block at `position` (None: stopped).
fn block(
    host: &mut dyn PluginHost,
    frames: u32,
    position: Option<f64>,
    loop_beats: Option<(f64, f64)>,
) -> Vec<NoteEvent> {
    block_with(host, frames, position, loop_beats, Vec::new())
}

/// One block at `position` with melody `events` going in.
fn block_with(
    host: &mut dyn PluginHost,
    frames: u32,
    position: Option<f64>,
    loop_beats: Option<(f64, f64)>,
    events: Vec<NoteEvent>,
) -> Vec<NoteEvent> {
    let transport = TransportInfo {
        playing: position.is_some(),
        tempo: 120.0,
        position_beats: position.unwrap_or(0.0),
        time_signature: (4, 4),
        loop_beats,
    };
    host.process(&Block { frames, transport: Some(transport), events, midi: Vec::new() }).unwrap()
}

/// Keys left sounding after `events`.
fn sounding<'a>(events: impl IntoIterator<Item = &'a NoteEvent>) -> Vec<(u8, u8)> {
    let mut on = Vec::new();
    for e in events {
        match e.kind {
            NoteKind::On => on.push((e.channel, e.key)),
            NoteKind::Off => {
                if let Some(i) = on.iter().position(|&n| n == (e.channel, e.key)) {
                    on.remove(i);
                }
            }
        }
    }
    on
}

#[test]
fn chords_start_on_the_beat_and_every_note_is_closed() {
    for format in FORMATS {
        let mut host = load(format);
        let mut played = perform(&mut *host, &ode_to_joy(), &performance(64.0, 512)).unwrap();
        let ons: Vec<&Played> = played.iter().filter(|p| p.event.kind == NoteKind::On).collect();
        assert!(ons.len() >= 40, "{format:?}: chords were played ({} note-ons)", ons.len());
        // `Changes on` is `Beats` by default, and the `Hold` rhythm strikes only on a change.
        let off_beat: Vec<_> = ons.iter().filter(|p| p.sample % (4 * FRAME) != 0).take(3).collect();
        assert!(off_beat.is_empty(), "{format:?}: every chord note starts on a beat: {off_beat:?}");
        // `Listen` is 0 by default: Comper enters with the melody instead of after two bars.
        assert!(ons[0].sample < 16 * FRAME, "{format:?}: the first chord comes in the first bar, at {}", ons[0].sample);
        // Stopping the transport releases everything.
        let end = played.last().map_or(0, |p| p.sample) + 1;
        played.extend(block(&mut *host, 512, None, None).into_iter().map(|event| Played { sample: end, event }));
        assert!(sounding(played.iter().map(|p| &p.event)).is_empty(), "{format:?}: every note-on was closed");
    }
}

/// Share of the chord notes' pitch classes that lie in `scale` (a major scale on `tonic`).
fn in_key(played: &[Played], from: f64, to: f64, tonic: i32) -> f64 {
    let scale: Vec<PitchClass> = [0, 2, 4, 5, 7, 9, 11].iter().map(|i| PitchClass::new(tonic + i)).collect();
    let window = |p: &&Played| {
        let beats = p.sample as f64 / (4 * FRAME) as f64;
        p.event.kind == NoteKind::On && beats >= from && beats < to
    };
    let notes: Vec<PitchClass> = played.iter().filter(window).map(|p| PitchClass::of_midi(p.event.key)).collect();
    assert!(!notes.is_empty(), "chords between beats {from} and {to}");
    notes.iter().filter(|pc| scale.contains(pc)).count() as f64 / notes.len() as f64
}

#[test]
fn chords_follow_the_melody_into_a_new_key() {
    // Ode to Joy: bars 1-8 in C major, bars 9-16 in F# major. The harmony of the second
    // phrase (after a bar to adjust) differs from the first and leans to the new key.
    let mut host = load(Format::Clap);
    let played = perform(&mut *host, &ode_to_joy(), &performance(64.0, 512)).unwrap();
    let c_phrase = (in_key(&played, 8.0, 32.0, 0), in_key(&played, 8.0, 32.0, 6));
    let fsharp_phrase = (in_key(&played, 36.0, 64.0, 0), in_key(&played, 36.0, 64.0, 6));
    assert!(
        fsharp_phrase.1 > fsharp_phrase.0,
        "F# phrase: C major {:.2}, F# major {:.2}",
        fsharp_phrase.0,
        fsharp_phrase.1
    );
    assert!(fsharp_phrase.1 - c_phrase.1 >= 0.2, "more F# after the key change: {c_phrase:?} → {fsharp_phrase:?}");
}

#[test]
fn seeks_loops_and_stops_release_the_chord() {
    for format in FORMATS {
        let mut host = load(format);
        set(&mut *host, format, "Listen", 0.0, 0.0);
        // A melody of middle Cs, one a beat, for the chords to follow.
        let play = |host: &mut dyn PluginHost, from: f64, beats: f64, loop_beats| {
            let mut out = Vec::new();
            let steps = (beats * 4.0 * FRAME as f64 / 500.0) as usize;
            let blocks_per_beat = (4 * FRAME / 500) as usize;
            for i in 0..steps {
                let position = from + i as f64 * 500.0 / (4.0 * FRAME as f64);
                let note = |kind| NoteEvent { offset: 0, kind, channel: 0, key: 60, velocity: 0.8 };
                let melody =
                    if i % blocks_per_beat == 0 { vec![note(NoteKind::Off), note(NoteKind::On)] } else { Vec::new() };
                out.extend(block_with(host, 500, Some(position), loop_beats, melody));
            }
            out
        };
        let mut heard = play(&mut *host, 0.0, 8.0, None);
        assert!(!sounding(&heard).is_empty(), "{format:?}: a chord sounds");
        // Seek: everything sounding is released at the start of the block after the jump.
        let before_seek = sounding(&heard);
        let after_seek = block(&mut *host, 500, Some(100.0), None);
        for note in &before_seek {
            assert!(
                after_seek.iter().any(|e| e.kind == NoteKind::Off && (e.channel, e.key) == *note && e.offset == 0),
                "{format:?}: the seek releases {note:?}"
            );
        }
        heard.extend(after_seek);
        // Loop: play a 4-beat loop twice; at the wrap the chord is released.
        heard.extend(play(&mut *host, 0.0, 4.0, Some((0.0, 4.0))));
        let sounding_before_wrap = sounding(&heard);
        assert!(!sounding_before_wrap.is_empty(), "{format:?}: a chord sounds in the loop");
        let wrap = block(&mut *host, 500, Some(0.0), Some((0.0, 4.0)));
        for note in &sounding_before_wrap {
            assert!(
                wrap.iter().any(|e| e.kind == NoteKind::Off && (e.channel, e.key) == *note && e.offset == 0),
                "{format:?}: the loop wrap releases {note:?}"
            );
        }
        heard.extend(wrap);
        heard.extend(play(&mut *host, 500.0 / (4.0 * FRAME as f64), 3.0, Some((0.0, 4.0))));
        // Stop.
        heard.extend(block(&mut *host, 500, None, None));
        assert!(sounding(&heard).is_empty(), "{format:?}: stopping releases the chord");
    }
}

#[test]
fn a_chord_tone_and_a_forwarded_melody_note_on_one_channel_never_overlap_on_one_key() {
    for format in FORMATS {
        for octaves_down in 0..3u8 {
            let mut host = load(format);
            set(&mut *host, format, "Melody thru", 1.0, 1.0);
            set(&mut *host, format, "Output channel", 0.0, 0.0); // the melody's channel, 1
            let melody: Vec<MelodyNote> =
                ode_to_joy().into_iter().map(|n| MelodyNote { key: n.key - 12 * octaves_down, ..n }).collect();
            let played = perform(&mut *host, &melody, &performance(64.0, 512)).unwrap();
            let mut sounding = BTreeSet::new();
            for p in &played {
                let note = (p.event.channel, p.event.key);
                match p.event.kind {
                    NoteKind::On => {
                        assert!(sounding.insert(note), "{format:?}, {octaves_down} down: {note:?} struck twice")
                    }
                    NoteKind::Off => _ = sounding.remove(&note),
                }
            }
            assert!(
                played.iter().any(|p| p.event.key != 0 && melody.iter().all(|m| m.key != p.event.key)),
                "chords play"
            );
        }
    }
}

/// What the player sends on the melody's channel (0) beside the first two bars of Ode to Joy,
/// whose E4 sounds from sample 0 to about 24,000: the sustain pedal down, a bend up, the mod
/// wheel, channel pressure, pressure on the held E4, a program change (not through VST3, which
/// carries none to a plugin), the bend back and the pedal up.
fn expression(format: Format) -> Vec<Played<MidiMessage>> {
    let messages = [
        (1_000, [0xB0, 64, 127]),
        (7_777, [0xE0, 0x00, 0x60]),
        (9_001, [0xB0, 1, 90]),
        (10_000, [0xD0, 70, 0]),
        (12_345, [0xA0, 64, 50]),
        (30_000, [0xC0, 5, 0]),
        (60_000, [0xE0, 0x00, 0x40]),
        (90_000, [0xB0, 64, 0]),
    ];
    let carried = |data: &[u8; 3]| format == Format::Clap || data[0] & 0xF0 != 0xC0;
    let messages = messages.into_iter().filter(|(_, data)| carried(data));
    messages.map(|(sample, data)| Played { sample, event: MidiMessage { offset: 0, data } }).collect()
}

/// The player's expression that comes out of Comper with the chords on `Output channel`
/// (1-based) and `Melody thru` on or off, as (sample, bytes); and whether chords played.
fn expression_out(format: Format, chord_channel: u8, thru: bool) -> (Vec<(u64, [u8; 3])>, bool) {
    let mut host = load(format);
    // CLAP's plain value of an integer parameter counts from its lowest value.
    let steps = f64::from(chord_channel - 1);
    set(&mut *host, format, "Output channel", steps, steps / 15.0);
    set(&mut *host, format, "Melody thru", f64::from(u8::from(thru)), f64::from(u8::from(thru)));
    let melody = ode_to_joy();
    let (notes, midi) = perform_midi(&mut *host, &melody, &expression(format), &performance(8.0, 512)).unwrap();
    let chord_note = |e: &NoteEvent| e.channel == chord_channel - 1 && melody.iter().all(|m| m.key != e.key);
    let chords = notes.iter().any(|p| p.event.kind == NoteKind::On && chord_note(&p.event));
    (midi.iter().map(|p| (p.sample, p.event.data)).collect(), chords)
}

#[test]
fn cc64_and_pitch_bend_pass_through() {
    for format in FORMATS {
        let sent: Vec<(u64, [u8; 3])> = expression(format).iter().map(|p| (p.sample, p.event.data)).collect();
        let (out, chords) = expression_out(format, 2, true);
        assert!(chords, "{format:?}: chords play on channel 2");
        assert_eq!(out, sent, "{format:?}: with the chords on a channel of their own, all of it on its sample");
        // On the chords' channel a pedal or bend would hold or bend the chord: only the
        // pressure on the melody's own key passes.
        let (out, chords) = expression_out(format, 1, true);
        assert!(chords, "{format:?}: chords play on channel 1");
        assert_eq!(out, vec![(12_345, [0xA0, 64, 50])], "{format:?}: on the chords' channel");
        let (out, _) = expression_out(format, 2, false);
        assert_eq!(out, vec![], "{format:?}: Melody thru off");
    }
}

#[test]
fn every_parameters_text_reads_back_as_its_value_through_the_host() {
    for format in FORMATS {
        let mut host = load(format);
        for param in host.params().unwrap() {
            let (low, high) = param.range;
            for t in [0.0, 0.3, 0.7, 1.0] {
                let value = low + t * (high - low);
                let text = host.value_to_text(param.id, value).unwrap();
                let read =
                    host.text_to_value(param.id, &text).unwrap_or_else(|e| panic!("{format:?} {}: {e}", param.name));
                let again = host.value_to_text(param.id, read).unwrap();
                assert_eq!(again, text, "{format:?} {} at {value}: '{text}' reads back as {read}", param.name);
                if t == 0.0 || t == 1.0 {
                    // The ends are values of every parameter, stepped or not.
                    let off = (read - value).abs() / (high - low);
                    assert!(off <= 0.01, "{format:?} {}: '{text}' reads back as {read}, not {value}", param.name);
                }
            }
        }
    }
}

#[test]
fn saved_state_restores_the_settings_and_the_model_choice() {
    let rl_only = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../models/rl-only"));
    for format in FORMATS {
        let mut host = load(format);
        set(&mut *host, format, "Octave", 5.0, 4.0 / 6.0);
        set(&mut *host, format, "Seed", 42.0, 42.0 / 9999.0);
        block(&mut *host, 64, None, None);
        let state = with_model(&mut *host, &rl_only);
        host.load_state(&state).unwrap();
        block(&mut *host, 64, None, None);
        let before = host.params().unwrap();
        let state = host.save_state().unwrap();
        let mut fresh = load(format);
        fresh.load_state(&state).unwrap();
        block(&mut *fresh, 64, None, None);
        assert_eq!(fresh.params().unwrap(), before, "{format:?}");
        let (saved, _) = state_json(&fresh.save_state().unwrap());
        let choice: String = serde_json::from_str(saved["fields"]["model"].as_str().unwrap()).unwrap();
        assert_eq!(choice, rl_only.display().to_string(), "{format:?}");
    }
}

/// The chord note-ons of Ode to Joy rendered without pacing (bar 1–16), `offline` telling the
/// plugin so or not, listening `listen` beats.
fn rendered_chords(format: Format, offline: bool, listen: u8) -> Vec<(u64, u8)> {
    let mut host = load_with(format, &HostConfig { sample_rate: RATE, max_block: 8192, offline });
    set(&mut *host, format, "Listen", f64::from(listen), f64::from(listen) / 32.0);
    let played = perform(&mut *host, &ode_to_joy(), &performance(64.0, 512)).unwrap();
    played.iter().filter(|p| p.event.kind == NoteKind::On).map(|p| (p.sample, p.event.key)).collect()
}

/// Bounces as DAWs run them. The offline flag sent once (VST3 `setupProcessing`, CLAP render
/// extension) reaches the plugin before its first block: with no listening, the chords start
/// on the first frame, as only a render that waits for the model can.
#[test]
fn a_render_flagged_once_waits_for_the_model_from_the_first_frame() {
    let clap = rendered_chords(Format::Clap, true, 0);
    assert_eq!(clap.first().map(|c| c.0), Some(0), "the first chord on the first frame");
    assert_eq!(rendered_chords(Format::Vst3, true, 0), clap, "VST3 flagged once plays what CLAP plays");
}

/// A render the host never flags, blocks coming faster than real time, is told by the clock
/// and gets the chords of the deterministic offline render (`cargo xtask jam`), in both
/// formats: all of them after two bars of listening. Entering on the first note (the
/// default), the chords of the first beats are lost before the clock tells, and the history
/// the model heard differs, so a few of its later choices may too: from 2 s on, nearly every
/// strike of the offline render is there.
#[test]
fn a_render_never_flagged_gets_the_chords_of_the_offline_render() {
    let jam = rendered_chords(Format::Clap, true, 8);
    assert!(jam.len() >= 40, "the offline render plays chords ({} note-ons)", jam.len());
    let entering = rendered_chords(Format::Clap, true, 0);
    let told = (2.0 * RATE) as u64;
    let strikes_after_told = |chords: Vec<(u64, u8)>| {
        chords.into_iter().map(|c| c.0).filter(|&sample| sample >= told).collect::<BTreeSet<_>>()
    };
    for format in FORMATS {
        assert_eq!(rendered_chords(format, false, 8), jam, "{format:?}, listening");
        let unflagged = rendered_chords(format, false, 0);
        assert!(unflagged.first().is_some_and(|c| c.0 < told), "{format:?}: chords within the first 2 s");
        let (unflagged, offline) = (strikes_after_told(unflagged), strikes_after_told(entering.clone()));
        let differ = unflagged.symmetric_difference(&offline).count();
        assert!(
            differ * 10 <= offline.len(),
            "{format:?}, entering on the first note: {unflagged:?} against {offline:?}"
        );
    }
}

/// Of the melody's onsets after Comper's first chord, the share whose note is in the chord
/// sounding at the onset's sample (the chord struck on that sample included).
fn onsets_in_the_chord(melody: &[MelodyNote], played: &[Played], performance: &Performance) -> f64 {
    let first = played.iter().find(|p| p.event.kind == NoteKind::On).map_or(u64::MAX, |p| p.sample);
    let onsets: Vec<(u64, u8)> =
        melody.iter().map(|n| (performance.sample_of(n.start), n.key)).filter(|&(sample, _)| sample >= first).collect();
    let heard = onsets
        .iter()
        .filter(|&&(sample, key)| {
            let chord = sounding(played.iter().take_while(|p| p.sample <= sample).map(|p| &p.event));
            chord.iter().any(|&(_, k)| PitchClass::of_midi(k) == PitchClass::of_midi(key))
        })
        .count();
    heard as f64 / onsets.len().max(1) as f64
}

/// Ode to Joy's notes fall on frame boundaries: with `Hear the note` each chord is chosen
/// with the note struck on its frame, so far more notes land in their chord than when every
/// chord is chosen a frame ahead (measured: 0.50 against 0.33 of the onsets at seed 1).
#[test]
fn chords_chosen_by_the_note_on_their_frame_fit_it() {
    let melody = ode_to_joy();
    let performance = performance(64.0, 512);
    for format in FORMATS {
        let fit = |hear: bool| {
            let mut host = load(format);
            let on = f64::from(u8::from(hear));
            set(&mut *host, format, "Hear the note", on, on);
            onsets_in_the_chord(&melody, &perform(&mut *host, &melody, &performance).unwrap(), &performance)
        };
        let (hearing, ahead) = (fit(true), fit(false));
        eprintln!("{format:?}: onsets in their chord {hearing:.2} hearing the note, {ahead:.2} a frame ahead");
        assert!(hearing >= ahead + 0.1, "{format:?}: {hearing:.2} hearing the note, {ahead:.2} without");
    }
}

#[test]
fn the_same_seed_gives_the_same_chords() {
    let run = || {
        let mut host = load(Format::Clap);
        perform(&mut *host, &ode_to_joy(), &performance(32.0, 333)).unwrap()
    };
    let (first, second) = (run(), run());
    assert!(!first.is_empty());
    assert_eq!(first, second);
}

#[test]
fn garbage_truncated_or_old_state_leaves_a_working_plugin_with_defaults() {
    for format in FORMATS {
        let mut saved = load(format);
        set(&mut *saved, format, "Octave", 5.0, 4.0 / 6.0);
        block(&mut *saved, 64, None, None);
        let state = saved.save_state().unwrap();
        let text = String::from_utf8_lossy(&state).to_string();
        // An older Comper: a parameter it no longer has, and none of today's others.
        let old = r#"{"version":"0.0.1","params":{"gone":0.5},"fields":{}}"#.as_bytes().to_vec();
        let garbage: [(&str, Vec<u8>); 4] = [
            ("empty", Vec::new()),
            ("random bytes", (0..997u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()),
            ("truncated", state[..state.len() / 2].to_vec()),
            ("old version", old),
        ];
        assert!(text.contains("params"), "{format:?}: the state is nice-plug's JSON");
        for (what, bytes) in garbage {
            let mut host = load(format);
            block(&mut *host, 64, None, None);
            let defaults = host.params().unwrap();
            let _ = host.load_state(&bytes); // refused or accepted: either way no crash
            block(&mut *host, 64, None, None);
            assert_eq!(host.params().unwrap(), defaults, "{format:?}, {what}: the settings stay at their defaults");
            let played = perform(&mut *host, &ode_to_joy(), &performance(24.0, 512)).unwrap();
            assert!(played.iter().any(|p| p.event.kind == NoteKind::On), "{format:?}, {what}: it still plays");
            let mut events: Vec<NoteEvent> = played.into_iter().map(|p| p.event).collect();
            events.extend(block(&mut *host, 512, None, None));
            assert!(sounding(&events).is_empty(), "{format:?}, {what}: every note closed");
        }
    }
}

/// A saved state as JSON, and whether it had a length prefix: nice-plug's state is JSON; its
/// CLAP wrapper puts the length (u64, little-endian) in front.
fn state_json(saved: &[u8]) -> (serde_json::Value, bool) {
    let prefixed = saved.first() != Some(&b'{');
    (serde_json::from_slice(&saved[if prefixed { 8 } else { 0 }..]).unwrap(), prefixed)
}

/// The plugin state of `host` with the persisted model choice set to `model`.
fn with_model(host: &mut dyn PluginHost, model: &std::path::Path) -> Vec<u8> {
    with_field(host, "model", &model.display().to_string())
}

/// The plugin state of `host` with its persisted field `field` set to `value`.
fn with_field(host: &mut dyn PluginHost, field: &str, value: &str) -> Vec<u8> {
    plugin_state::with_field(&host.save_state().unwrap(), field, &value).unwrap()
}

#[test]
fn a_saved_take_holds_the_notes_the_host_received() {
    let dir = tempfile::tempdir().unwrap();
    for format in FORMATS {
        let folder = dir.path().join(format!("{format:?}"));
        let mut host = load(format);
        let state = with_field(&mut *host, "capture-folder", &folder.display().to_string());
        host.load_state(&state).unwrap();
        // Offbeats (the fourth of five rhythms), full humanize, chords on channel 5 (CLAP's
        // plain value of an integer parameter counts from its lowest); voice leading is on by
        // default.
        set(&mut *host, format, "Rhythm", 3.0, 0.75);
        set(&mut *host, format, "Humanize", 1.0, 1.0);
        set(&mut *host, format, "Output channel", 4.0, 4.0 / 15.0);
        set(&mut *host, format, "Save takes", 1.0, 1.0);
        let mut played = perform(&mut *host, &ode_to_joy(), &performance(32.0, 512)).unwrap();
        let end = played.last().map_or(0, |p| p.sample) + 1;
        played.extend(block(&mut *host, 512, None, None).into_iter().map(|event| Played { sample: end, event }));
        let since = std::time::Instant::now();
        while saved_takes(&folder).is_empty() && since.elapsed().as_secs() < 30 {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let files = saved_takes(&folder);
        assert_eq!(files.len(), 1, "{format:?}: one take, saved at the stop in {}", folder.display());

        // (sample, channel, key, on, MIDI velocity) of every chord note, as the host got them
        // and as the take holds them; the take keeps 480 ticks a beat, 50 samples each.
        let velocity = |on: bool, v: f32| if on { ((v * 127.0).round() as u8).clamp(1, 127) } else { 0 };
        let mut received: Vec<(u64, u8, u8, bool, u8)> = (played.iter())
            .map(|p| {
                let on = p.event.kind == NoteKind::On;
                (p.sample, p.event.channel, p.event.key, on, velocity(on, p.event.velocity))
            })
            .collect();
        received.sort_unstable();
        let smf_bytes = std::fs::read(&files[0]).unwrap();
        let smf = midly::Smf::parse(&smf_bytes).unwrap();
        let mut tick = 0u64;
        let mut saved_notes = Vec::new();
        for event in &smf.tracks[2] {
            tick += u64::from(event.delta.as_int());
            if let midly::TrackEventKind::Midi { channel, message } = event.kind {
                match message {
                    midly::MidiMessage::NoteOn { key, vel } => {
                        saved_notes.push((tick * 50, channel.as_int(), key.as_int(), true, vel.as_int()))
                    }
                    midly::MidiMessage::NoteOff { key, .. } => {
                        saved_notes.push((tick * 50, channel.as_int(), key.as_int(), false, 0))
                    }
                    _ => {}
                }
            }
        }
        saved_notes.sort_unstable();
        // The take ends with the last frame the worker heard before the stop: the notes there
        // on end with it.
        let last = saved_notes.iter().map(|n| n.0).max().unwrap();
        let before_the_end =
            |notes: &[(u64, u8, u8, bool, u8)]| notes.iter().filter(|n| n.0 < last).copied().collect::<Vec<_>>();
        assert!(received.iter().filter(|n| n.3).count() > 40, "{format:?}: chords and offbeat stabs");
        assert!(received.iter().all(|n| n.1 == 4), "{format:?}: on the fifth channel");
        assert_eq!(before_the_end(&saved_notes), before_the_end(&received), "{format:?}: the take holds what was sent");
    }
}

#[test]
fn a_broken_model_choice_keeps_the_music_going_on_the_model_it_had() {
    let shipped = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../models/online-mle"));
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken");
    std::fs::create_dir(&broken).unwrap();
    std::fs::copy(shipped.join("card.json"), broken.join("card.json")).unwrap();
    let onnx = std::fs::read(shipped.join("model.onnx")).unwrap();
    std::fs::write(broken.join("model.onnx"), &onnx[..onnx.len() / 3]).unwrap();
    for format in FORMATS {
        let mut host = load(format);
        block(&mut *host, 64, None, None); // an offline block waits for the default model
        let state = with_model(&mut *host, &broken);
        host.load_state(&state).unwrap();
        let kept = perform(&mut *host, &ode_to_joy(), &performance(24.0, 512)).unwrap();
        assert!(kept.iter().any(|p| p.event.kind == NoteKind::On), "{format:?}: the loaded model plays on");
        let state = with_model(&mut *host, &shipped);
        host.load_state(&state).unwrap();
        let mut played = perform(&mut *host, &ode_to_joy(), &performance(24.0, 512)).unwrap();
        assert!(played.iter().any(|p| p.event.kind == NoteKind::On), "{format:?}: chords after choosing a good model");
        let end = played.last().map_or(0, |p| p.sample) + 1;
        played.extend(block(&mut *host, 512, None, None).into_iter().map(|event| Played { sample: end, event }));
        assert!(sounding(played.iter().map(|p| &p.event)).is_empty(), "{format:?}: every note closed");
    }
}

#[test]
fn a_project_from_another_machine_plays_the_default_model() {
    for format in FORMATS {
        let mut host = load(format);
        let state = with_model(&mut *host, std::path::Path::new("/another/machine/comper/models/mine"));
        host.load_state(&state).unwrap();
        let played = perform(&mut *host, &ode_to_joy(), &performance(24.0, 512)).unwrap();
        assert!(played.iter().any(|p| p.event.kind == NoteKind::On), "{format:?}: the default plays");
    }
}

/// Model folders as they could come from the internet: a card claiming a state of 2⁴⁰ floats
/// (allocating it would abort the host), a card that is a link to `/dev/zero`, one that is a
/// FIFO nobody writes to, and a model file that is a link to `/dev/zero`.
#[test]
fn a_hostile_model_folder_leaves_the_host_playing_the_model_it_had() {
    let dir = tempfile::tempdir().unwrap();
    let hostile_folders = hostile_model_folders(dir.path());
    for format in FORMATS {
        for (hostile, _) in &hostile_folders {
            let mut host = load(format);
            block(&mut *host, 64, None, None); // an offline block waits for the default model
            let state = with_model(&mut *host, hostile);
            host.load_state(&state).unwrap();
            let played = perform(&mut *host, &ode_to_joy(), &performance(24.0, 512)).unwrap();
            let name = hostile.file_name().unwrap().to_string_lossy();
            assert!(
                played.iter().any(|p| p.event.kind == NoteKind::On),
                "{format:?}, {name}: the loaded model plays on"
            );
        }
    }
}

/// Scenarios of the fuzz through the real bundles: a few in the suite, more with
/// `COMPER_BUNDLE_FUZZ_SCENARIOS`.
fn bundle_fuzz_scenarios() -> u64 {
    std::env::var("COMPER_BUNDLE_FUZZ_SCENARIOS").ok().and_then(|v| v.parse().ok()).unwrap_or(6)
}

/// Seeded sessions through both bundles: random sample rates, block sizes up to the host's
/// maximum, offline or real time, melodies, play/stop, seeks, loops, tempo and meter changes,
/// rhythms and free-running; and what a misbehaving host sends: tempi, positions, loops and
/// meters that make no sense, resets and re-activations in the middle of a chord, and any
/// parameter at its extremes (NaN too, where the format can carry it). Every output event
/// lies inside its block in order, nothing sounds while stopped (without free-running), and
/// every note-on is closed at the end.
#[test]
fn random_sessions_through_the_real_bundles_leave_no_note_hanging() {
    const RATES: [f64; 6] = [22_050.0, 44_100.0, 48_000.0, 88_200.0, 96_000.0, 192_000.0];
    const MAX_BLOCKS: [u32; 4] = [64, 512, 4096, 8192];
    const METERS: [(u16, u16); 4] = [(4, 4), (3, 4), (6, 8), (7, 8)];
    let (mut offline, mut with_chords) = (0, 0);
    for seed in 0..bundle_fuzz_scenarios() {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let format = FORMATS[seed as usize % 2];
        let config = HostConfig {
            sample_rate: RATES[rng.random_range(0..RATES.len())],
            max_block: MAX_BLOCKS[rng.random_range(0..MAX_BLOCKS.len())],
            offline: rng.random_bool(0.5),
        };
        let mut host = load_with(format, &config);
        // Parameters a random change may set: not those the checks below depend on.
        let kept = ["Free-run when stopped", "Melody thru", "Bypass"];
        let params: Vec<ParamInfo> =
            host.params().unwrap().into_iter().filter(|p| !kept.contains(&p.name.as_str())).collect();
        let free_run = rng.random_bool(0.3);
        set(&mut *host, format, "Free-run when stopped", f64::from(u8::from(free_run)), f64::from(u8::from(free_run)));
        let rhythm = rng.random_range(0..5);
        set(&mut *host, format, "Rhythm", f64::from(rhythm), f64::from(rhythm) / 4.0);
        let listen = rng.random_range(0..3);
        set(&mut *host, format, "Listen", f64::from(listen), f64::from(listen) / 32.0);
        let mut tempo = rng.random_range(40.0..240.0);
        let mut meter = METERS[0];
        let mut position = rng.random_bool(0.8).then(|| rng.random_range(0.0..64.0));
        let mut looped: Option<(f64, f64)> = None;
        let mut held: Vec<u8> = Vec::new();
        let mut out: Vec<NoteEvent> = Vec::new();
        // 24 beats of music at the first tempo, in at most 3,000 blocks.
        let length = 24.0 * 60.0 / tempo * config.sample_rate;
        let mut samples = 0.0;
        for _ in 0..3_000 {
            if samples >= length {
                break;
            }
            match rng.random_range(0..60) {
                0 => position = None,
                1 => position = Some(rng.random_range(0.0..128.0)),
                2 => tempo = rng.random_range(40.0..240.0),
                3 => meter = METERS[rng.random_range(0..METERS.len())],
                4 => {
                    let start = rng.random_range(0.0..32.0f64).floor();
                    looped = rng.random_bool(0.5).then(|| (start, start + rng.random_range(1..16) as f64));
                }
                5 if position.is_none() => position = Some(0.0),
                6 => tempo = [f64::NAN, f64::INFINITY, 0.0, -120.0, 1e12][rng.random_range(0..5)],
                7 => {
                    position = Some([f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 2.3e18, -1e9][rng.random_range(0..5)])
                }
                8 => {
                    looped =
                        Some([(f64::NAN, 4.0), (0.0, f64::INFINITY), (8.0, 8.0), (16.0, 4.0)][rng.random_range(0..4)])
                }
                9 => meter = [(0, 4), (4, 0), (0, 0)][rng.random_range(0..3)],
                10 => host.reset().unwrap(),
                11 => host.reactivate().unwrap(),
                12 | 13 => {
                    let param = &params[rng.random_range(0..params.len())];
                    let (low, high) = param.range;
                    let nan = format == Format::Clap && rng.random_bool(0.2);
                    let value =
                        if nan { f64::NAN } else { [low, high, rng.random_range(low..=high)][rng.random_range(0..3)] };
                    host.set_param(param.id, value).unwrap();
                }
                _ => {}
            }
            // Log-uniform block sizes from 1 to the host's maximum.
            let frames = (f64::from(config.max_block).powf(rng.random_range(0.0..=1.0)).round() as u32).max(1);
            samples += f64::from(frames);
            let mut events = Vec::new();
            let mut offset = 0;
            while rng.random_bool(0.3) && offset < frames {
                let key = rng.random_range(55..80u8);
                let kind = if held.contains(&key) { NoteKind::Off } else { NoteKind::On };
                match kind {
                    NoteKind::On => held.push(key),
                    NoteKind::Off => held.retain(|&k| k != key),
                }
                events.push(NoteEvent { offset, kind, channel: 0, key, velocity: 0.8 });
                offset += rng.random_range(0..=frames / 2);
            }
            let transport = TransportInfo {
                playing: position.is_some(),
                tempo,
                position_beats: position.unwrap_or(0.0),
                time_signature: meter,
                loop_beats: looped,
            };
            let answer = host
                .process_any_transport(&Block { frames, transport: Some(transport), events, midi: Vec::new() })
                .unwrap();
            let offsets: Vec<u32> = answer.iter().map(|e| e.offset).collect();
            assert!(offsets.windows(2).all(|w| w[0] <= w[1]), "seed {seed}: events in order");
            assert!(offsets.iter().all(|&o| o < frames), "seed {seed}: events inside the block");
            out.extend(answer);
            host.idle();
            if position.is_none() && !free_run {
                assert!(sounding(&out).is_empty(), "seed {seed}: a chord sounds while the transport is stopped");
            }
            if let Some(beat) = position {
                let next = beat + f64::from(frames) * tempo / 60.0 / config.sample_rate;
                position = Some(match looped {
                    Some((start, end)) if beat < end && next >= end => start + (next - end) % (end - start),
                    _ => next,
                });
            }
        }
        let releases =
            held.iter().map(|&key| NoteEvent { offset: 0, kind: NoteKind::Off, channel: 0, key, velocity: 0.0 });
        let stop =
            TransportInfo { playing: false, tempo, position_beats: 0.0, time_signature: meter, loop_beats: None };
        set(&mut *host, format, "Free-run when stopped", 0.0, 0.0);
        for _ in 0..2 {
            let events = releases.clone().collect();
            out.extend(
                host.process_any_transport(&Block { frames: 1, transport: Some(stop), events, midi: Vec::new() })
                    .unwrap(),
            );
        }
        assert!(sounding(&out).is_empty(), "seed {seed} ({format:?}, {config:?}): every note closed");
        if config.offline {
            offline += 1;
            with_chords += usize::from(out.iter().any(|e| e.kind == NoteKind::On));
        }
    }
    eprintln!("{with_chords} of {offline} offline sessions played chords");
    // Offline sessions wait for the worker, so they must play; real-time ones outrun it here.
    assert!(with_chords * 2 >= offline, "most offline sessions play chords ({with_chords} of {offline})");
}
