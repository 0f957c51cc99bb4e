//! A model chosen mid-song takes over the running take: the worker replays what was played
//! into it, so it plans on from the current frame, with no restart and no new listening. A
//! hostile folder chosen instead is refused with the reason the window shows
//! (`plugin/src/editor/status_panel.rs` tests that it does), and the model it had plays on.
//! Drives the plugin's worker directly, with the real ONNX Runtime and the shipped models.

use comper::link::{FromWorker, Status, TakeNote, ToWorker, WorkerLink};
use comper::params::ComperParams;
use comper::worker::Worker;
use comper_music::{BarPlace, Meter, Part, Token};
use comper_tests::{hostile_model_folders, saved_takes};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn model(name: &str) -> String {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../models")).join(name).display().to_string()
}

/// Poll `done` for up to 30 seconds.
fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let since = Instant::now();
    while since.elapsed() < Duration::from_secs(30) {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    false
}

#[test]
fn a_model_chosen_mid_song_plans_on_from_the_current_frame() {
    let params = Arc::new(ComperParams::default());
    params.model.choose(model("online-mle"));
    let status = Arc::new(Status::default());
    let (_worker, mut link) = Worker::spawn(params.clone(), status.clone()).unwrap();
    assert!(eventually(|| status.is_ready()), "{:?}", status.problem());

    link.to_worker.push(ToWorker::Start { session: 1, first_frame_in_bar: 0 }).unwrap();
    for frame in 0..40 {
        let melody = if frame % 4 == 0 { Token::note_on(60 + (frame / 4 % 5) as u8) } else { Token::SILENCE };
        link.to_worker
            .push(ToWorker::Frame {
                session: 1,
                frame,
                chord: Token::SILENCE,
                melody,
                by_note: false,
                bar: BarPlace::counted(Meter::COMMON, frame),
            })
            .unwrap();
    }
    let planned_to = |link: &mut WorkerLink, seen: &mut Vec<FromWorker>| {
        while let Ok(message) = link.from_worker.pop() {
            seen.push(message);
        }
        seen.iter().any(|m| matches!(m, FromWorker::Planned { session: 1, observed: 40 }))
    };
    let mut before = Vec::new();
    assert!(eventually(|| planned_to(&mut link, &mut before)), "the first model plans after frame 40");

    // Another GRU, then a transformer: the worker runs any family its card describes.
    for (folder, name) in [("rl-only", "RL without adversary"), ("transformer", "Transformer (MLE)")] {
        params.model.choose(model(folder));
        let generation = params.model.generation();
        assert!(eventually(|| status.has_applied(generation)));
        assert!(status.model.lock().unwrap().starts_with(name), "{:?}", status.problem());
        let mut after = Vec::new();
        assert!(eventually(|| planned_to(&mut link, &mut after)), "{folder} plans on from frame 40");
        assert!(!after.contains(&FromWorker::Restart), "no restart");
        assert!(after.iter().any(|m| matches!(m, FromWorker::Chord { session: 1, chord } if chord.frame >= 40)));
    }
}

#[test]
fn a_hostile_model_folder_is_refused_with_its_reason_for_the_window_and_the_model_plays_on() {
    let shipped = PathBuf::from(model("online-mle"));
    let dir = tempfile::tempdir().unwrap();
    let params = Arc::new(ComperParams::default());
    params.model.choose(shipped.display().to_string());
    let status = Arc::new(Status::default());
    let (_worker, _link) = Worker::spawn(params.clone(), status.clone()).unwrap();
    assert!(eventually(|| status.is_ready()), "{:?}", status.problem());
    for (hostile, why) in hostile_model_folders(dir.path()) {
        params.model.choose(hostile.display().to_string());
        let generation = params.model.generation();
        assert!(eventually(|| status.has_applied(generation)));
        let problem = status.problem().unwrap_or_default();
        assert!(problem.contains(&hostile.display().to_string()) && problem.contains(why), "{problem}");
        assert!(
            status.is_ready() && status.model.lock().unwrap().starts_with("Online MLE"),
            "the shipped model plays on"
        );
    }
}

#[test]
fn reports_lost_while_the_worker_stalled_start_the_take_over_once() {
    let params = Arc::new(ComperParams::default());
    params.model.choose(model("online-mle"));
    let status = Arc::new(Status::default());
    let (_worker, mut link) = Worker::spawn(params, status.clone()).unwrap();
    assert!(eventually(|| status.is_ready()), "{:?}", status.problem());
    let frame = |session, frame| ToWorker::Frame {
        session,
        frame,
        chord: Token::SILENCE,
        melody: Token::SILENCE,
        by_note: false,
        bar: BarPlace::counted(Meter::COMMON, frame),
    };
    let mut heard = Vec::new();
    let mut drain = |link: &mut WorkerLink| {
        while let Ok(message) = link.from_worker.pop() {
            heard.push(message);
        }
        heard.clone()
    };
    let planned = |heard: &[FromWorker], session, observed| heard.contains(&FromWorker::Planned { session, observed });

    link.to_worker.push(ToWorker::Start { session: 1, first_frame_in_bar: 0 }).unwrap();
    (0..8).for_each(|f| link.to_worker.push(frame(1, f)).unwrap());
    assert!(eventually(|| planned(&drain(&mut link), 1, 8)));
    // Frame 8's report is lost; 9 and 10 arrive.
    (9..11).for_each(|f| link.to_worker.push(frame(1, f)).unwrap());
    // Session 2's start is lost; its reports arrive.
    (0..3).for_each(|f| link.to_worker.push(frame(2, f)).unwrap());
    link.to_worker.push(ToWorker::Start { session: 3, first_frame_in_bar: 0 }).unwrap();
    (0..4).for_each(|f| link.to_worker.push(frame(3, f)).unwrap());
    assert!(eventually(|| planned(&drain(&mut link), 3, 4)), "the take started over plans again");
    let heard = drain(&mut link);
    assert_eq!(heard.iter().filter(|m| **m == FromWorker::Restart).count(), 2, "once for each broken session");
    assert!(!heard.iter().any(|m| matches!(m, FromWorker::Planned { session: 1, observed } if *observed > 8)));
}

#[test]
fn with_save_takes_on_a_stop_saves_the_take_as_it_was_heard() {
    let params = Arc::new(ComperParams::default());
    params.model.choose(model("online-mle"));
    let folder = tempfile::tempdir().unwrap();
    *params.capture_folder.lock().unwrap() = folder.path().join("takes").display().to_string();
    let status = Arc::new(Status::default());
    let (_worker, mut link) = Worker::spawn(params.clone(), status.clone()).unwrap();
    assert!(eventually(|| status.is_ready()), "{:?}", status.problem());
    let takes = || saved_takes(&folder.path().join("takes"));

    let note = |at: f64, part, key, on| TakeNote { at, part, channel: 3, key, velocity: 0.5, on };
    let take = |link: &mut WorkerLink, session| {
        link.to_worker.push(ToWorker::Start { session, first_frame_in_bar: 0 }).unwrap();
        for frame in 0..16 {
            let (chord, melody) = (Token::SILENCE, Token::SILENCE);
            let bar = BarPlace::counted(Meter::COMMON, frame);
            link.to_worker.push(ToWorker::Frame { session, frame, chord, melody, by_note: false, bar }).unwrap();
        }
        for n in
            [note(4.0, Part::Chords, 48, true), note(8.0, Part::Chords, 48, false), note(4.0, Part::Melody, 72, true)]
        {
            link.to_worker.push(ToWorker::Note { session, note: n }).unwrap();
        }
        link.to_worker.push(ToWorker::Stopped { session }).unwrap();
    };
    take(&mut link, 1);
    std::thread::sleep(Duration::from_millis(300));
    assert!(takes().is_empty(), "Save takes is off");

    set_on(&params.save_takes);
    take(&mut link, 2);
    assert!(eventually(|| takes().len() == 1), "{:?}", status.last_fault());
    let smf_bytes = std::fs::read(&takes()[0]).unwrap();
    let smf = midly::Smf::parse(&smf_bytes).unwrap();
    let ons: Vec<(u8, u8)> = (smf.tracks.iter().flatten())
        .filter_map(|e| match e.kind {
            midly::TrackEventKind::Midi { channel, message: midly::MidiMessage::NoteOn { key, .. } } => {
                Some((channel.as_int(), key.as_int()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(ons, [(3, 72), (3, 48)], "the melody and the chord tone as they were heard");
}

/// Turn a boolean parameter on, as the host would.
fn set_on(param: &nice_plug::prelude::BoolParam) {
    use nice_plug::prelude::{Param, ParamPtr};
    let on = param.preview_normalized(true);
    // SAFETY: a parameter of the test's `ComperParams`, which outlives the call.
    unsafe { ParamPtr::BoolParam(param as *const _ as *mut _)._internal_set_normalized_value(on) };
}
