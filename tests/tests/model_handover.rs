//! A model chosen mid-song takes over the running take: the worker replays what was played
//! into it, so it plans on from the current frame, with no restart and no new listening.
//! Drives the plugin's worker directly, with the real ONNX Runtime and the shipped models.

use comper::params::ComperParams;
use comper::worker::{FromWorker, Status, ToWorker, Worker};
use comper_music::Token;
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
            .push(ToWorker::Frame { session: 1, frame, chord: Token::SILENCE, melody, by_note: false })
            .unwrap();
    }
    let planned_to = |link: &mut comper::realtime::WorkerLink, seen: &mut Vec<FromWorker>| {
        while let Ok(message) = link.from_worker.pop() {
            seen.push(message);
        }
        seen.iter().any(|m| matches!(m, FromWorker::Planned { session: 1, observed: 40 }))
    };
    let mut before = Vec::new();
    assert!(eventually(|| planned_to(&mut link, &mut before)), "the first model plans after frame 40");

    params.model.choose(model("rl-only"));
    let generation = params.model.generation();
    assert!(eventually(|| status.has_applied(generation)));
    assert!(status.model.lock().unwrap().starts_with("RL without adversary"));
    let mut after = Vec::new();
    assert!(eventually(|| planned_to(&mut link, &mut after)), "the new model plans on from frame 40");
    assert!(!after.contains(&FromWorker::ModelChanged), "no restart");
    assert!(after.iter().any(|m| matches!(m, FromWorker::Chord { session: 1, chord } if chord.frame >= 40)));
}
