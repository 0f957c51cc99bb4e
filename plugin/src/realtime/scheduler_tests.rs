//! The scheduler driven block by block against a scripted worker.

use super::Rhythm;
use super::test_rig::{FRAME, Rig, ScriptedWorker};
use super::{IDLE_BEATS, Render};
use comper_music::{Meter, Token};
use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::time::Duration;

#[test]
fn chords_start_exactly_on_frame_boundaries_whatever_the_block_size() {
    for size in [1, 7, 64, 511, 512, 4096, 8192] {
        let mut rig = Rig::new(1);
        let blocks = (FRAME as usize * 40).div_ceil(size as usize);
        rig.play(size, blocks);
        let ons: Vec<_> = rig.events.iter().filter(|e| e.1).collect();
        assert!(ons.len() >= 4 * 8, "block size {size}: chords were played ({})", ons.len());
        assert!(ons.iter().all(|e| e.0 % (4 * FRAME) == 0), "block size {size}: onsets on beats");
        assert_eq!(ons[0].0, 4 * FRAME, "block size {size}: first chord right after one beat of listening");
        assert_eq!(rig.link.status.misses.load(Ordering::Relaxed), 0);
    }
}

#[test]
fn stopping_releases_every_note_and_keeps_silent() {
    let mut rig = Rig::new(0);
    rig.play(512, 200);
    assert!(!rig.sounding().is_empty());
    rig.block(512, None, None, &[]);
    assert!(rig.sounding().is_empty() && rig.scheduler.is_silent());
    let before = rig.events.len();
    for _ in 0..100 {
        rig.block(512, None, None, &[(0, true, 60)]);
    }
    assert_eq!(rig.events.len(), before, "no chord while stopped without free-running");
}

#[test]
fn a_model_change_during_playback_closes_every_note_before_the_new_model_plays() {
    let mut rig = Rig::new(0);
    rig.play(512, 200);
    let sounding = rig.sounding();
    assert!(!sounding.is_empty());
    let (switched, starts) = (rig.events.len(), rig.worker.starts);
    rig.worker.change_model();
    rig.play(512, 200);
    assert_eq!(rig.worker.starts, starts + 1, "the new model starts a new session");
    let after = &rig.events[switched..];
    let first_on = after.iter().position(|e| e.1).expect("the new model plays");
    for (channel, key) in sounding {
        assert!(after[..first_on].iter().any(|e| !e.1 && (e.2, e.3) == (channel, key)), "{key} closed first");
    }
}

#[test]
fn a_seek_releases_notes_and_starts_a_new_session() {
    let mut rig = Rig::new(0);
    rig.play(512, 200);
    assert_eq!(rig.worker.starts, 1);
    rig.block(512, Some(100.3), None, &[]);
    assert!(rig.sounding().is_empty());
    assert_eq!(rig.worker.starts, 2);
}

#[test]
fn a_loop_wrap_releases_notes_but_keeps_the_session() {
    let mut rig = Rig::new(0);
    let block = 500u32; // 1/48 beat
    let per_beat = 48;
    for i in 0..(4 * per_beat) {
        rig.block(block, Some(i as f64 / per_beat as f64), Some((0.0, 4.0)), &[]);
    }
    assert!(!rig.sounding().is_empty());
    rig.block(block, Some(0.0), Some((0.0, 4.0)), &[]);
    assert_eq!(rig.worker.starts, 1, "the session continues across the wrap");
    // The chord of frame 16 is struck again at the wrap point; no note was left hanging.
    let wrap = rig.now - u64::from(block);
    assert!(rig.events.iter().any(|e| e.0 == wrap && !e.1));
    assert!(rig.events.iter().any(|e| e.0 == wrap && e.1));
    let frames: Vec<u32> = rig.worker.reports.iter().map(|r| r.0).collect();
    assert_eq!(frames, (0..frames.len() as u32).collect::<Vec<_>>(), "frames keep counting");
}

#[test]
fn a_loop_of_any_length_keeps_the_take_on_the_beat_grid() {
    let mut rig = Rig::new(0);
    let per_beat = 48; // blocks of 500 samples
    let looped = Some((0.0, 3.0));
    for i in 0..(3 * per_beat) {
        rig.block(500, Some(i as f64 / per_beat as f64), looped, &[]);
    }
    let wrap = rig.now;
    for i in 0..per_beat {
        rig.block(500, Some(i as f64 / per_beat as f64), looped, &[]);
    }
    assert_eq!(rig.worker.starts, 1);
    let frames: Vec<u32> = rig.worker.reports.iter().map(|r| r.0).collect();
    assert_eq!(frames, (0..15).collect::<Vec<_>>(), "frames run on across the wrap");
    assert!(rig.events.iter().any(|e| e.1 && e.0 == wrap), "frame 12, the loop's first again, struck on its beat");
}

/// `beats` of the rig's take, in blocks of 500 samples (1/48 beat), from host beat `from`.
fn play_beats(rig: &mut Rig, from: f64, beats: u32) {
    for i in 0..beats * 48 {
        rig.block(500, Some(from + f64::from(i) / 48.0), None, &[]);
    }
}

#[test]
fn a_seek_back_inside_the_take_neither_listens_again_nor_restarts() {
    let mut rig = Rig::new(2);
    play_beats(&mut rig, 0.0, 12);
    let frames_before = rig.worker.reports.len() as u32;
    let seek = rig.now;
    // Back to beat 4.5, then stop and play again from beat 8: both inside the take.
    play_beats(&mut rig, 4.5, 4);
    rig.block(500, None, None, &[]);
    play_beats(&mut rig, 8.0, 4);
    assert_eq!(rig.worker.starts, 1, "one take");
    let frames: Vec<u32> = rig.worker.reports.iter().map(|r| r.0).collect();
    assert_eq!(frames, (0..frames.len() as u32).collect::<Vec<_>>(), "its frames run on");
    assert!(frames.len() as u32 >= frames_before + 28);
    // No listening again: the seek's first beat (4.5 → 5) already plays a chord.
    let first_after = rig.events.iter().find(|e| e.1 && e.0 >= seek).map(|e| e.0 - seek);
    assert_eq!(first_after, Some(2 * FRAME), "half a beat after the seek, on beat 5");
}

#[test]
fn a_jump_away_from_the_take_or_a_new_take_starts_afresh() {
    let mut rig = Rig::new(2);
    play_beats(&mut rig, 0.0, 8);
    play_beats(&mut rig, 64.0, 4);
    assert_eq!(rig.worker.starts, 2, "a jump eight bars past the take");
    rig.link.status.request_new_take();
    play_beats(&mut rig, 68.0, 1);
    assert_eq!(rig.worker.starts, 3, "the musician's new take, while the host plays on");
    rig.block(500, None, None, &[]);
    play_beats(&mut rig, 68.0, 1);
    assert_eq!(rig.worker.starts, 3, "played again inside that take");
    rig.block(500, None, None, &[]);
    rig.link.status.request_new_take();
    play_beats(&mut rig, 68.0, 1);
    assert_eq!(rig.worker.starts, 4, "asked for while stopped: the next play starts afresh");
}

#[test]
fn a_song_in_three_four_is_comped_in_three_four() {
    let mut rig = Rig::new(0);
    rig.meter = Meter::from_host(3, 4);
    rig.settings.touch.rhythm = Rhythm::Charleston;
    rig.play(512, 600);
    let bars: Vec<(u32, Meter)> = rig.worker.bars.iter().map(|b| (b.frame, b.meter)).collect();
    let waltz = Meter::from_host(3, 4).unwrap();
    let counted: Vec<(u32, Meter)> = (0..bars.len() as u32).map(|f| (f % 12, waltz)).collect();
    assert!(bars.len() > 48);
    assert_eq!(bars, counted, "the worker hears bars of three beats");
    // The scripted chords change on every beat; the Charleston's second stab is on the "and"
    // of beat 2 of each bar of three (from the first beat: the worker's first plan comes late).
    let off_beat: BTreeSet<u64> = (rig.events.iter())
        .filter(|e| e.1 && e.0 >= 4 * FRAME && e.0 % (4 * FRAME) != 0)
        .map(|e| e.0 / FRAME)
        .collect();
    assert!(off_beat.len() >= 4);
    assert!(off_beat.iter().all(|f| f % 12 == 6), "stabs at frame 6 of each bar: {off_beat:?}");
}

#[test]
fn the_melody_reaches_the_worker_frame_by_frame() {
    let mut rig = Rig::new(1);
    // C4 on beat 0 for one beat, E4 slightly early for beat 1 (rounded onto it).
    rig.block(6_000, Some(0.0), None, &[(0, true, 60)]);
    rig.block(18_000, Some(0.25), None, &[(17_000, false, 60)]);
    rig.block(24_000, Some(1.0), None, &[(0, true, 64), (23_000, false, 64)]);
    rig.play(6_000, 2);
    let melody: Vec<Token> = rig.worker.reports.iter().map(|r| r.2).collect();
    assert_eq!(melody[0], Token::note_on(60));
    assert_eq!(melody[1..4], [Token::note_hold(60); 3]);
    assert_eq!(melody[4], Token::note_on(64));
    assert_eq!(melody[8], Token::SILENCE);
    let played: Vec<Token> = rig.worker.reports.iter().map(|r| r.1).collect();
    assert_eq!(played[..4], [Token::SILENCE; 4], "listening");
    assert_eq!(played[4], ScriptedWorker::chord(4), "the worker hears what was played");
}

#[test]
fn a_late_worker_is_a_counted_miss_and_the_chord_holds() {
    let mut rig = Rig::new(0);
    rig.worker.ahead = 1;
    rig.play(4_000, 60);
    let misses = rig.link.status.misses.load(Ordering::Relaxed);
    assert!(misses > 0, "frames planned too late are counted");
    assert!(rig.events.iter().filter(|e| e.1).all(|e| e.0 % FRAME == 0));
}

#[test]
fn a_render_waits_for_the_worker_whether_the_host_flags_it_or_not() {
    for render in [Render::Offline, Render::Ahead(Duration::from_secs(30))] {
        let mut rig = Rig::new(1);
        rig.render = render;
        // Planning one frame ahead: live, most frames would be misses (see above).
        rig.worker.ahead = 1;
        rig.play_with_worker_thread(4_000, 60, usize::MAX);
        assert_eq!(rig.link.status.misses.load(Ordering::Relaxed), 0, "{render:?}: every frame planned");
        let onsets: BTreeSet<u64> = rig.events.iter().filter(|e| e.1).map(|e| e.0).collect();
        let beats: BTreeSet<u64> = (1..10).map(|beat| beat * 4 * FRAME).collect();
        assert_eq!(onsets, beats, "{render:?}: a chord on every beat after listening");
        assert_eq!(rig.link.status.render_stalls.load(Ordering::Relaxed), 0);
    }
}

#[test]
fn a_stuck_worker_costs_a_render_the_stall_limit_once_and_says_so() {
    let mut rig = Rig::new(1);
    rig.render = Render::Offline;
    rig.play_with_worker_thread(4_000, 60, 20);
    let status = &rig.link.status;
    assert_eq!(status.render_stalls.load(Ordering::Relaxed), 1, "one wait of the limit, then no more");
    assert!(status.render_stall().is_some_and(|text| text.contains("without chords")));
    assert!(status.misses.load(Ordering::Relaxed) > 0, "the frames after it are misses");
    rig.block(512, None, None, &[]);
    assert!(rig.sounding().is_empty(), "the render still closes every note");
}

/// The first chord note-on at or after `sample`.
fn first_chord_at(rig: &Rig, sample: u64) -> Option<(u64, u8)> {
    rig.events.iter().find(|e| e.1 && e.0 >= sample).map(|e| (e.0, e.3))
}

/// The root pitch class of a scripted chord token.
fn root(chord: Token) -> u8 {
    match chord.kind() {
        comper_music::TokenKind::ChordOn(c) => (c.index() / 15) as u8,
        _ => unreachable!("an onset"),
    }
}

#[test]
fn a_chord_hears_a_note_played_on_its_frame_or_just_before_it_but_not_after() {
    let mut rig = Rig::new(1);
    rig.worker.tables = true;
    let melody = [
        (8 * FRAME, true, 62),              // D on frame 8's first sample
        (12 * FRAME - FRAME / 3, true, 64), // E a third of a frame early for frame 12
        (16 * FRAME + FRAME / 3, true, 65), // F a third of a frame late for frame 16
    ];
    rig.play_melody(512, (20 * FRAME / 512) as usize, &melody);
    let bass = |frame: u64| first_chord_at(&rig, frame * FRAME).map(|(sample, key)| (sample, key % 12));
    assert_eq!(bass(8), Some((8 * FRAME, root(ScriptedWorker::heard(62)))), "on time: D's chord on frame 8");
    assert_eq!(bass(12), Some((12 * FRAME, root(ScriptedWorker::heard(64)))), "early: E's chord on frame 12");
    let late = bass(16).unwrap();
    assert_eq!(late.0, 16 * FRAME, "nothing waits for a late note");
    assert_ne!(late.1, root(ScriptedWorker::heard(65)), "a late note does not choose its frame's chord");
    rig.block(512, None, None, &[]);
    assert_eq!(rig.worker.by_note, [8, 12], "the worker hears which changes the notes made");
    assert!(rig.sounding().is_empty(), "every chord note closed");
}

#[test]
fn within_the_react_window_a_late_note_chooses_its_chord_and_nothing_waits_longer() {
    let mut rig = Rig::new(1);
    rig.worker.tables = true;
    rig.settings.react_window_ms = 30.0; // 1,440 samples at 48 kHz
    // Frames 9 and 13 hold the chord of their beat unless a note says otherwise.
    let melody = [
        (9 * FRAME + 1_000, true, 62),  // D 21 ms late: inside the window
        (13 * FRAME + 2_000, true, 64), // E 42 ms late: after it
    ];
    rig.play_melody(512, (17 * FRAME / 512) as usize, &melody);
    let bass = |frame: u64| first_chord_at(&rig, frame * FRAME).map(|(sample, key)| (sample, key % 12));
    assert_eq!(bass(9), Some((9 * FRAME + 1_000, root(ScriptedWorker::heard(62)))), "struck with the late D");
    assert_eq!(first_chord_at(&rig, 13 * FRAME).map(|c| c.0), Some(16 * FRAME), "the late E strikes nothing");
    let ons: Vec<u64> = rig.events.iter().filter(|e| e.1).map(|e| e.0).collect();
    assert!(ons.iter().all(|&at| at % FRAME == 0 || at == 9 * FRAME + 1_000), "the rest on the grid: {ons:?}");
    rig.block(512, None, None, &[]);
    assert_eq!(rig.worker.by_note, [9], "the late D changed the chord; the E after the window did not");
    assert!(rig.sounding().is_empty(), "every chord note closed");
}

#[test]
fn free_running_starts_on_the_first_note_and_ends_when_the_melody_does() {
    let mut rig = Rig::new(1);
    rig.settings.free_run = true;
    rig.block(512, None, None, &[]);
    rig.block(512, None, None, &[(100, true, 60), (400, false, 60)]);
    let start = rig.now - 512 + 100;
    for _ in 0..200 {
        rig.block(512, None, None, &[]);
    }
    let first_on = rig.events.iter().find(|e| e.1).expect("chords while free-running").0;
    assert_eq!(first_on, start + 4 * FRAME, "one beat of listening after the first note");
    for _ in 0..(12 * 4 * FRAME as usize / 512) {
        rig.block(512, None, None, &[]);
    }
    assert!(rig.sounding().is_empty(), "the session ends after {IDLE_BEATS} beats without melody");
}

#[test]
fn a_voicing_change_restrikes_the_chord_and_bypass_releases_it() {
    let mut rig = Rig::new(0);
    rig.play(512, 100);
    let before = rig.sounding();
    rig.settings.touch.voicing.octave = 5;
    rig.play(512, 1);
    let after = rig.sounding();
    assert_eq!(before.len(), after.len());
    assert!(before.iter().zip(&after).all(|(b, a)| a.1 == b.1 + 12));
    rig.settings.touch.channel = 3;
    rig.play(512, 1);
    assert!(rig.sounding().iter().all(|n| n.0 == 3));
    rig.settings.bypass = true;
    rig.play(512, 10);
    assert!(rig.sounding().is_empty());
}

#[test]
fn rhythms_add_strikes_and_releases_but_the_model_hears_the_same_chords() {
    let run = |rhythm| {
        let mut rig = Rig::new(1);
        rig.settings.touch.rhythm = rhythm;
        rig.play(512, 600);
        rig
    };
    let (hold, offbeats) = (run(Rhythm::Hold), run(Rhythm::Offbeats));
    assert_eq!(hold.worker.reports, offbeats.worker.reports, "the model's view is the same");
    assert!(offbeats.events.iter().all(|e| e.0 % FRAME == 0), "on frame boundaries");
    let frames = |rig: &Rig, on: bool| -> BTreeSet<u64> {
        rig.events.iter().filter(|e| e.1 == on).map(|e| e.0 / FRAME % 4).collect()
    };
    assert_eq!(frames(&hold, true), BTreeSet::from([0]), "the scripted chords change on every beat");
    assert_eq!(frames(&offbeats, true), BTreeSet::from([0, 2]), "struck on the change and on the 'and'");
    assert_eq!(frames(&offbeats, false), BTreeSet::from([1, 3]), "each stab rings one frame");
}

#[test]
fn humanize_varies_velocities_the_same_way_for_the_same_seed() {
    let velocities = |humanize, seed| {
        let mut rig = Rig::new(1);
        (rig.settings.touch.humanize, rig.settings.seed) = (humanize, seed);
        rig.play(512, 400);
        rig.sink.velocities.clone()
    };
    assert!(velocities(0.0, 1).iter().all(|&v| v == 0.8));
    let varied = velocities(1.0, 1);
    assert!(varied.iter().any(|&v| v != 0.8) && varied.iter().all(|&v| (0.6..=1.0).contains(&v)));
    assert_eq!(varied, velocities(1.0, 1));
    assert_ne!(varied, velocities(1.0, 2));
}

#[test]
fn host_values_that_cannot_time_a_block_release_the_chord_and_the_block_ends() {
    let mut rig = Rig::new(0);
    rig.play(512, 200);
    assert!(!rig.sounding().is_empty());
    rig.sample_rate = 0.0;
    rig.play(512, 1);
    assert!(rig.sounding().is_empty(), "a sample rate of 0 times nothing");
    rig.sample_rate = 48_000.0;
    for (tempo, position) in
        [(f64::INFINITY, Some(8.0)), (1e12, Some(8.0)), (120.0, Some(f64::NAN)), (120.0, Some(2.3e18))]
    {
        rig.tempo = tempo;
        rig.block(512, position, None, &[(0, true, 60)]);
        rig.tempo = 120.0;
    }
    rig.play(512, 200);
    assert!(!rig.sounding().is_empty(), "it plays again once the host makes sense");
}

#[test]
fn a_reset_while_a_chord_sounds_closes_it_in_the_next_block() {
    let mut rig = Rig::new(0);
    rig.play(512, 200);
    let sounding = rig.sounding();
    assert!(!sounding.is_empty());
    rig.scheduler.reset();
    rig.block(512, None, None, &[]);
    assert!(rig.sounding().is_empty(), "{sounding:?} were left to the synth");
    assert!(rig.scheduler.is_silent());
}
