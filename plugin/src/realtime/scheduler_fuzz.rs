//! Random sessions against the scheduler: melodies, play/stop, seeks, loops, tempo changes,
//! bypass, voicing and rhythm changes, parameters at their extremes, block sizes from 1 to
//! 8192 samples, sample rates from 22.05 to 192 kHz, a worker that plans 1 to 16 frames
//! ahead, hosts whose output buffer is sometimes full, blocks whose sample rate, tempo or
//! position is not a number or absurd, and resets in the middle of a chord. Invariants: events in order inside their block (the rig checks
//! every block), nothing sounds while the transport is stopped unless free-running is on,
//! and every note-on is closed in the end — refused note-offs included.
//!
//! `COMPER_FUZZ_SCENARIOS` sets the number of seeded scenarios (default: a short CI subset).

use super::Rhythm;
use super::test_rig::Rig;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

const CI_SCENARIOS: u64 = 300;
const RHYTHMS: [Rhythm; 5] = [Rhythm::Hold, Rhythm::Beats, Rhythm::Eighths, Rhythm::Offbeats, Rhythm::Charleston];
const SAMPLE_RATES: [f32; 6] = [22_050.0, 44_100.0, 48_000.0, 88_200.0, 96_000.0, 192_000.0];
/// What hosts have been seen to send, or could: for one block at a time.
const ABSURD_RATES: [f32; 4] = [0.0, -44_100.0, f32::NAN, f32::INFINITY];
const ABSURD_TEMPI: [f64; 5] = [0.0, -120.0, f64::NAN, f64::INFINITY, 1e12];
const ABSURD_POSITIONS: [f64; 5] = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 2.3e18, -1e12];

fn scenarios() -> u64 {
    std::env::var("COMPER_FUZZ_SCENARIOS").ok().and_then(|s| s.parse().ok()).unwrap_or(CI_SCENARIOS)
}

/// A block size from 1 to 8192, spread evenly over the powers of two.
fn block_size(rng: &mut ChaCha8Rng) -> u32 {
    let bits = rng.random_range(0..=13u32);
    rng.random_range((1u32 << bits) / 2 + 1..=1u32 << bits).max(1)
}

/// Melody events `(offset, on, key)` inside a block, in time order.
fn melody(rng: &mut ChaCha8Rng, samples: u32) -> Vec<(u32, bool, u8)> {
    let mut events: Vec<(u32, bool, u8)> = (0..rng.random_range(0..4))
        .map(|_| (rng.random_range(0..samples), rng.random_bool(0.5), rng.random_range(48..84)))
        .collect();
    events.sort_by_key(|e| e.0);
    events
}

/// One scenario; returns how many chord notes it struck.
fn run(seed: u64) -> usize {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut rig = Rig::new(rng.random_range(0..3));
    rig.sample_rate = SAMPLE_RATES[rng.random_range(0..SAMPLE_RATES.len())];
    rig.tempo = rng.random_range(40.0..240.0);
    rig.settings.free_run = rng.random_bool(0.3);
    rig.worker.ahead = rng.random_range(1..=16);
    rig.worker.tables = rng.random_bool(0.5);
    rig.settings.react_window_ms = rng.random_range(0.0..40.0);
    let mut position = rng.random_bool(0.7).then(|| rng.random_range(0.0..64.0));
    let mut looped: Option<(f64, f64)> = None;
    // 4 to 32 beats of music at the starting tempo, whatever the block sizes.
    let length = rng.random_range(4.0..32.0) * 60.0 / rig.tempo * f64::from(rig.sample_rate);
    while (rig.now as f64) < length {
        match rng.random_range(0..60) {
            0 => position = None,
            1 => position = Some(rng.random_range(0.0..128.0)),
            2 => rig.tempo = rng.random_range(40.0..240.0),
            3 => {
                let start = rng.random_range(0.0..32.0f64).floor();
                looped = rng.random_bool(0.5).then(|| (start, start + rng.random_range(1..16) as f64));
            }
            4 => rig.settings.bypass = !rig.settings.bypass,
            5 => rig.settings.touch.voicing.octave = rng.random_range(2..7),
            6 => rig.settings.touch.channel = rng.random_range(0..16),
            7 => rig.settings.touch.rhythm = RHYTHMS[rng.random_range(0..RHYTHMS.len())],
            8 => rig.settings.touch.voicing.spread = !rig.settings.touch.voicing.spread,
            9 => rig.settings.touch.voice_leading = !rig.settings.touch.voice_leading,
            10 => rig.settings.touch.below_melody = !rig.settings.touch.below_melody,
            11 => rig.settings.touch.humanize = rng.random_range(0.0..1.0),
            12 => rig.settings.react_window_ms = rng.random_range(0.0..40.0),
            13 => {
                let extreme = rng.random_bool(0.5);
                rig.settings.touch.voicing.octave = if extreme { 7 } else { 1 };
                rig.settings.touch.velocity = if extreme { 1.0 } else { 0.0 };
                rig.settings.touch.humanize = if extreme { 1.0 } else { 0.0 };
                rig.settings.react_window_ms = if extreme { 40.0 } else { 0.0 };
                rig.settings.free_tempo = if extreme { 240.0 } else { 40.0 };
            }
            14 => rig.scheduler.reset(),
            _ => {}
        }
        rig.sink.full = rng.random_bool(0.02);
        let samples = block_size(&mut rng);
        let events = melody(&mut rng, samples);
        let (rate, tempo) = (rig.sample_rate, rig.tempo);
        let mut heard_position = position;
        match rng.random_range(0..200) {
            0 => rig.sample_rate = ABSURD_RATES[rng.random_range(0..ABSURD_RATES.len())],
            1 => rig.tempo = ABSURD_TEMPI[rng.random_range(0..ABSURD_TEMPI.len())],
            2 => heard_position = Some(ABSURD_POSITIONS[rng.random_range(0..ABSURD_POSITIONS.len())]),
            _ => {}
        }
        rig.block(samples, heard_position, looped, &events);
        (rig.sample_rate, rig.tempo) = (rate, tempo);
        if position.is_none() && !rig.settings.free_run && !rig.sink.full {
            assert!(rig.sounding().is_empty(), "seed {seed}: a chord sounds while the transport is stopped");
        }
        if let Some(beat) = position {
            let next = beat + f64::from(samples) * rig.tempo / 60.0 / f64::from(rig.sample_rate);
            position = Some(match looped {
                Some((start, end)) if beat < end && next >= end => start + (next - end) % (end - start),
                _ => next,
            });
        }
    }
    // The host stops and can send again: every note must be closed.
    rig.sink.full = false;
    rig.settings.free_run = false;
    rig.block(512, None, None, &[]);
    rig.block(512, None, None, &[]);
    assert!(rig.sounding().is_empty(), "seed {seed}: notes left hanging: {:?}", rig.sounding());
    assert!(rig.scheduler.is_silent(), "seed {seed}");
    rig.events.iter().filter(|e| e.1).count()
}

#[test]
fn random_sessions_never_leave_a_note_hanging() {
    let count = scenarios();
    let with_chords = (0..count).filter(|&seed| run(seed) > 0).count() as u64;
    // The scenarios must exercise the accompaniment, not only silence.
    assert!(with_chords * 2 > count, "only {with_chords} of {count} scenarios played chords");
}
