//! Tiny seeded training runs of every model on a synthetic corpus: the loss must fall,
//! and a run stopped and resumed must retrace an uninterrupted one; the RL arms log every
//! reward term and resume the same way.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use comper_data::windows::{Augment, WindowSampler, fixed_windows};
use comper_music::token::Token;
use comper_music::vocab::ChordId;
use comper_music::{Chord, ChordEvent, FRAMES_PER_BEAT, FrameTracks, Note, Part, PitchClass, Quality};
use comper_train::models::chord_discriminator::ChordDiscriminatorConfig;
use comper_train::models::contrastive::ContrastiveConfig;
use comper_train::models::discriminative::DiscriminativeConfig;
use comper_train::models::policy::PolicyConfig;
use comper_train::models::policy::gru::GruConfig;
use comper_train::models::policy::transformer::TransformerConfig;
use comper_train::models::teacher::TeacherConfig;
use comper_train::rl::models::{Frozen, RlModels};
use comper_train::rl::penalties::PenaltySettings;
use comper_train::rl::schedule::DiscriminatorSchedule;
use comper_train::rl::settings::RlSettings;
use comper_train::rl::state::{RlState, UpdateRow};
use comper_train::rl::trainer::train_rl;
use comper_train::tasks::contrastive::ContrastiveTask;
use comper_train::tasks::discriminative::DiscriminativeTask;
use comper_train::tasks::policy::PolicyTask;
use comper_train::tasks::teacher::TeacherTask;
use comper_train::trainer::{RunState, Task, TrainSettings, train};

const WINDOW: usize = 32;

/// burn's random generator is process-wide: runs in parallel threads would draw from one
/// stream and no run would be reproducible, so the tests here train one at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Songs in different keys: a I–IV–V–I progression, one bar each, with chord tones as melody.
fn songs() -> Vec<FrameTracks> {
    (0..12)
        .map(|key| {
            let mut melody = Vec::new();
            let mut chords = Vec::new();
            for bar in 0..8 {
                let degree = [0, 5, 7, 0][bar % 4];
                let root = PitchClass::new(key + degree);
                let start = bar as f64 * 4.0;
                chords.push(ChordEvent {
                    onset: start,
                    offset: start + 4.0,
                    chord: Chord::new(root, Quality::Major),
                    bass: None,
                });
                for (i, step) in [0, 4, 7, 12].iter().enumerate() {
                    let pitch = (60 + key + degree + step) as u8;
                    melody.push(Note { onset: start + i as f64, offset: start + i as f64 + 1.0, pitch });
                }
            }
            FrameTracks::encode(&melody, &chords)
        })
        .collect()
}

fn settings(steps: u64) -> TrainSettings {
    TrainSettings {
        steps,
        batch_size: 6,
        learning_rate: 1e-2,
        warmup_steps: 2,
        weight_decay: 0.0,
        grad_clip_norm: 1.0,
        seed: 7,
        checkpoint_every: 5,
    }
}

fn run<T: Task>(task: &T, steps: u64) -> RunState {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let device = comper_train::device::training_device();
    train(task, &settings(steps), dir.path(), &device, false, None).unwrap().1
}

fn assert_loss_falls(state: &RunState) {
    let mean = |rows: &[comper_train::trainer::TrainRow]| rows.iter().map(|r| r.loss).sum::<f64>() / rows.len() as f64;
    let first = mean(&state.train[..3]);
    let last = mean(&state.train[state.train.len() - 3..]);
    assert!(last < 0.8 * first, "loss went from {first:.3} to {last:.3}");
    assert!(!state.valid.is_empty() && state.valid.last().unwrap().metrics.contains_key("val_loss"));
}

fn sampler() -> WindowSampler {
    WindowSampler::new(songs(), WINDOW, Augment::TRAINING, 1)
}

fn valid() -> Vec<FrameTracks> {
    fixed_windows(&songs(), WINDOW, 2)
}

#[test]
fn gru_policy_and_melody_agent_learn() {
    for part in [Part::Chords, Part::Melody] {
        let config = PolicyConfig::Gru(GruConfig { embedding: 16, hidden: 32, layers: 2, ..GruConfig::default() });
        let task = PolicyTask { config, part, sampler: sampler(), valid: valid(), batch_size: 6, window: WINDOW };
        assert_loss_falls(&run(&task, 30));
    }
}

/// Its window shorter than the training windows, so training exercises the band mask.
fn tiny_transformer() -> TransformerConfig {
    TransformerConfig { d_model: 16, heads: 2, layers: 1, window: 24, ..TransformerConfig::default() }
}

#[test]
fn transformer_policy_learns() {
    let config = PolicyConfig::Transformer(tiny_transformer());
    let task =
        PolicyTask { config, part: Part::Chords, sampler: sampler(), valid: valid(), batch_size: 6, window: WINDOW };
    assert_loss_falls(&run(&task, 30));
}

#[test]
fn teachers_of_both_parts_learn() {
    for part in [Part::Chords, Part::Melody] {
        let config =
            TeacherConfig { embedding: 16, encoder_hidden: 16, decoder_hidden: 32, ..TeacherConfig::default() };
        let task = TeacherTask { config, part, sampler: sampler(), valid: valid(), batch_size: 6, window: WINDOW };
        assert_loss_falls(&run(&task, 30));
    }
}

#[test]
fn contrastive_reward_learns() {
    let config = ContrastiveConfig { embedding: 16, hidden: 32, output: 16, ..ContrastiveConfig::default() };
    let task = ContrastiveTask { config, sampler: sampler(), valid: valid(), batch_size: 6, window: WINDOW };
    let state = run(&task, 40);
    assert_loss_falls(&state);
    assert!(state.last_valid().unwrap().contains_key("melody_to_chords_r@1"));
}

#[test]
fn discriminative_reward_learns() {
    let config = DiscriminativeConfig { embedding: 16, hidden: 32, ..DiscriminativeConfig::default() };
    let task =
        DiscriminativeTask { config, sampler: sampler(), valid: valid(), batch_size: 6, window: WINDOW, seed: 1 };
    // Three of its four kinds of negative keep the song's own chords, changed: it needs longer
    // than the others.
    let state = run(&task, 120);
    assert_loss_falls(&state);
    let valid = state.last_valid().unwrap();
    let keys = ["f1", "rejected_other_song", "rejected_moved", "rejected_held", "rejected_thickened"];
    assert!(keys.iter().all(|key| valid.contains_key(*key)), "{valid:?}");
}

#[test]
fn a_stopped_and_resumed_run_retraces_an_uninterrupted_one() {
    let config = PolicyConfig::Gru(GruConfig { embedding: 8, hidden: 16, layers: 1, ..GruConfig::default() });
    let task =
        PolicyTask { config, part: Part::Chords, sampler: sampler(), valid: valid(), batch_size: 6, window: WINDOW };
    let device = comper_train::device::training_device();
    let _serial = serial();
    let whole = tempfile::tempdir().unwrap();
    let (_, straight) = train(&task, &settings(12), whole.path(), &device, false, None).unwrap();
    let parts = tempfile::tempdir().unwrap();
    let (_, first) = train(&task, &settings(12), parts.path(), &device, false, Some(5)).unwrap();
    assert_eq!(first.step, 5);
    let (_, resumed) = train(&task, &settings(12), parts.path(), &device, false, None).unwrap();
    assert_eq!(resumed.step, 12);
    for (a, b) in straight.train.iter().zip(&resumed.train) {
        assert_eq!(a.step, b.step);
        assert!((a.loss - b.loss).abs() < 1e-4, "step {}: {} vs {}", a.step, a.loss, b.loss);
    }
    let other = settings(13);
    let err = train(&task, &other, parts.path(), &device, false, None).expect_err("settings differ");
    assert!(err.to_string().contains("other settings"));
}

/// The RL recipe, shrunk to a few tiny updates.
fn rl_settings(adversarial: bool) -> RlSettings {
    RlSettings {
        updates: 4,
        rollouts: 4,
        minibatch: 2,
        window: WINDOW,
        actor_lr: 1e-3,
        warmup_updates: 1,
        schedule: DiscriminatorSchedule { warmup: 3, interval: 1, window: 1, threshold: 1.0 },
        discriminator_epochs: 2,
        seed: 3,
        checkpoint_every: 1,
        ..RlSettings::recipe(Part::Chords, adversarial, PenaltySettings::default().silence_threshold)
    }
}

/// The networks of the RL tests: frozen teacher and reward models, and the models RL starts
/// from. Made once, from a seeded generator: burn initialises parameters lazily from one global
/// generator (the critic's copy of the policy draws them before `train_rl` seeds it), and clones
/// share that initialisation, so every run starts from the same weights.
fn rl_networks() -> (Frozen, RlModels) {
    rl_networks_of(&PolicyConfig::Gru(GruConfig { embedding: 8, hidden: 16, layers: 1, ..GruConfig::default() }))
}

fn rl_networks_of(policy: &PolicyConfig) -> (Frozen, RlModels) {
    let device = comper_train::device::training_device();
    device.seed(11);
    let inner = device.clone().inner();
    let frozen = Frozen {
        teacher: TeacherConfig { embedding: 8, encoder_hidden: 8, decoder_hidden: 16, ..TeacherConfig::default() }
            .init(&inner),
        contrastive: ContrastiveConfig { embedding: 8, hidden: 8, output: 8, ..ContrastiveConfig::default() }
            .init(&inner),
        discriminative: DiscriminativeConfig { embedding: 8, hidden: 8, ..DiscriminativeConfig::default() }
            .init(&inner),
    };
    let policy = policy.init(&device);
    let discriminator = ChordDiscriminatorConfig { embedding: 8, hidden: 8, ..ChordDiscriminatorConfig::default() };
    (frozen, RlModels::start(policy, &discriminator, &device))
}

/// A tiny RL run (a checkpoint in `dir` replaces the start).
fn rl_run(networks: &(Frozen, RlModels), adversarial: bool, dir: &std::path::Path, until: Option<u64>) -> RlState {
    let device = comper_train::device::training_device();
    let (frozen, start) = networks;
    train_rl(start.clone(), frozen, &sampler(), &rl_settings(adversarial), dir, &device, until).unwrap().1
}

#[test]
fn rl_arms_log_every_term_and_resume_where_they_stopped() {
    let _serial = serial();
    let networks = rl_networks();
    let whole = tempfile::tempdir().unwrap();
    let gapt = rl_run(&networks, true, whole.path(), None);
    assert_eq!(gapt.rows.len(), 4);
    let updated: Vec<bool> = gapt.rows.iter().map(|r| r.discriminator_updated).collect();
    assert_eq!(&updated[..2], [true, true], "phase 1 updates the discriminator at k = 1 and 2");
    assert!(gapt.rows[0].discriminator_accuracy.is_some_and(|a| (0.0..=1.0).contains(&a)));
    assert_eq!(gapt.adversarial_history.len(), 4);
    for row in &gapt.rows {
        assert!(row.reward.is_finite() && row.kl >= 0.0 && row.entropy > 0.0 && row.actor_loss.is_finite());
        assert!((0.0..=1.0).contains(&row.harmony) && row.adversarial > 0.0);
        assert!(row.changes_per_bar > 0.0 && (3.0..=4.0).contains(&row.pitch_classes), "{row:?}");
    }
    for file in [
        "updates.csv",
        "metrics.json",
        "rewards.png",
        "kl-entropy.png",
        "rollouts.png",
        "chord-pace.png",
        "discriminator.png",
    ] {
        assert!(whole.path().join(file).is_file(), "{file}");
    }

    let parts = tempfile::tempdir().unwrap();
    assert_eq!(rl_run(&networks, true, parts.path(), Some(2)).update, 2);
    let resumed = rl_run(&networks, true, parts.path(), None);
    assert_eq!(resumed.update, 4);
    for (a, b) in gapt.rows.iter().zip(&resumed.rows) {
        assert_eq!(
            (a.update, a.discriminator_updated, a.unique_chords),
            (b.update, b.discriminator_updated, b.unique_chords)
        );
        assert!((a.reward - b.reward).abs() < 1e-4 && (a.actor_loss - b.actor_loss).abs() < 1e-4, "{a:?}\n{b:?}");
    }

    let plain = rl_run(&networks, false, tempfile::tempdir().unwrap().path(), None);
    assert!(plain.rows.iter().all(|r| !r.discriminator_updated && r.discriminator_accuracy.is_none()));
}

#[test]
fn distillation_moves_the_policy_towards_its_teacher() {
    let _serial = serial();
    let networks = rl_networks();
    // The Distilled arm's objective: the KL to the (random) teacher, with no reward. The loop
    // must shrink it.
    let distilled = RlSettings::distilled(Part::Chords, PenaltySettings::default().silence_threshold);
    let settings = RlSettings {
        updates: 40,
        rollouts: 8,
        minibatch: 4,
        actor_lr: 3e-3,
        kl: distilled.kl,
        kl_loss: distilled.kl_loss,
        weights: distilled.weights,
        ..rl_settings(false)
    };
    let device = comper_train::device::training_device();
    let dir = tempfile::tempdir().unwrap();
    let (frozen, start) = &networks;
    let state = train_rl(start.clone(), frozen, &sampler(), &settings, dir.path(), &device, None).unwrap().1;
    let mean = |rows: &[UpdateRow]| rows.iter().map(|r| r.kl).sum::<f64>() / rows.len() as f64;
    let (first, last) = (mean(&state.rows[..5]), mean(&state.rows[35..]));
    assert!(last < 0.5 * first, "KL to the teacher went from {first:.4} to {last:.4}");
}

#[test]
fn the_melody_agent_trains_with_the_roles_swapped() {
    let _serial = serial();
    let (frozen, start) = rl_networks();
    let settings = RlSettings { part: Part::Melody, updates: 2, ..rl_settings(false) };
    let device = comper_train::device::training_device();
    let dir = tempfile::tempdir().unwrap();
    let state = train_rl(start, &frozen, &sampler(), &settings, dir.path(), &device, None).unwrap().1;
    assert_eq!(state.rows.len(), 2);
    for row in &state.rows {
        // Rollouts sample with the melody track's mask: never an invalid token (−10).
        assert!(row.rules > -10.0 && row.unique_chords > 0 && row.reward.is_finite(), "{row:?}");
        assert!((0.0..=1.0).contains(&row.harmony) && row.kl >= 0.0);
    }
}

#[test]
fn the_transformer_post_trains_and_resumes_like_the_gru() {
    let _serial = serial();
    let networks = rl_networks_of(&PolicyConfig::Transformer(tiny_transformer()));
    let whole = tempfile::tempdir().unwrap();
    let run = rl_run(&networks, true, whole.path(), None);
    assert_eq!(run.rows.len(), 4);
    for row in &run.rows {
        assert!(row.reward.is_finite() && row.kl >= 0.0 && row.entropy > 0.0 && row.actor_loss.is_finite());
        assert!((0.0..=1.0).contains(&row.harmony) && row.unique_chords > 0, "{row:?}");
    }
    let parts = tempfile::tempdir().unwrap();
    assert_eq!(rl_run(&networks, true, parts.path(), Some(2)).update, 2);
    let resumed = rl_run(&networks, true, parts.path(), None);
    for (a, b) in run.rows.iter().zip(&resumed.rows) {
        assert_eq!(a.unique_chords, b.unique_chords);
        assert!((a.reward - b.reward).abs() < 1e-4 && (a.actor_loss - b.actor_loss).abs() < 1e-4, "{a:?}\n{b:?}");
    }
}

/// `[batch, WINDOW]` chord tracks that change chord on every beat, or `late` frames after
/// it: the difference between the data's chord tracks and the online policy's.
fn chord_tracks(batch: usize, late: usize, seed: usize) -> Vec<i64> {
    let chord = |song: usize, beat: usize| ChordId::from_index((seed + song * 7 + beat * 5) % 48).unwrap();
    (0..batch)
        .flat_map(|song| {
            (0..WINDOW).map(move |t| {
                let beat = (t + FRAMES_PER_BEAT - late) / FRAMES_PER_BEAT;
                let token = if t == 0 || t % FRAMES_PER_BEAT == late {
                    Token::chord_on(chord(song, beat))
                } else {
                    Token::chord_hold(chord(song, beat))
                };
                token.id() as i64
            })
        })
        .collect()
}

#[test]
fn a_discriminator_that_hears_the_beat_tells_changes_on_it_from_changes_a_sixteenth_late() {
    let _serial = serial();
    let device = comper_train::device::training_device();
    device.seed(5);
    let config = ChordDiscriminatorConfig { embedding: 8, hidden: 16, beat_phase: true, ..Default::default() };
    let mut model = config.init(&device);
    let mut optimizer: ModuleOptimizer = AdamWConfig::new().init();
    let batch = |seed: usize| {
        let tokens = [chord_tracks(8, 0, seed), chord_tracks(8, 1, seed)].concat();
        let tokens = Tensor::<2, Int>::from_data(TensorData::new(tokens, [16, WINDOW]), &device);
        let labels =
            Tensor::<1, Int>::from_data(TensorData::new([1i64; 8].into_iter().chain([0; 8]).collect(), [16]), &device);
        (tokens, labels)
    };
    let mask = Tensor::<2>::ones([16, WINDOW], &device);
    let ce = CrossEntropyLossConfig::new().init(&device);
    for step in 0..60 {
        let (tokens, labels) = batch(step);
        let loss = ce.forward(model.forward(tokens, mask.clone()), labels);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(1e-2, model, grads);
    }
    let (tokens, labels) = batch(1000);
    let predicted = model.forward(tokens, mask).argmax(1).reshape([16]);
    let correct = predicted.equal(labels).int().sum().into_scalar::<i64>();
    assert!(correct >= 15, "{correct} of 16 held-out tracks told apart");
}
