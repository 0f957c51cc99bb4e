//! The plugin's parameters (host-automatable, stable ids) and its persisted model choice.

use atomic_float::AtomicF32;
use comper_inference::{ChordGrid, KeyLock, ReactSettings};
use comper_music::spelling::Spelling;
use comper_music::{FRAMES_PER_BEAT, PitchClass, Voicing};
use nice_plug::params::persist::PersistentField;
use nice_plug::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::realtime::{Rhythm, Settings, Touch};

#[derive(Params)]
pub struct ComperParams {
    /// Forward the melody to the output, so the instrument after Comper plays it too, with
    /// the player's controllers, bends and pressure off the chords' channel
    /// ([`crate::realtime::MelodyThru::passes`]).
    #[id = "thru"]
    pub melody_thru: BoolParam,
    /// Sampling temperature: low is safe, high is adventurous. The default, 1, keeps the
    /// harmony of 0.8 and changes chords as often as songs do (`models/README.md`).
    #[id = "temp"]
    pub temperature: FloatParam,
    #[id = "look"]
    pub lookahead_beats: IntParam,
    #[id = "commit"]
    pub commit_beats: IntParam,
    #[id = "listen"]
    pub listen_beats: IntParam,
    /// Each frame's chord hears the note played on it (`comper_inference::ReactSettings`):
    /// changes land with the note instead of a frame after it.
    #[id = "react"]
    pub react: BoolParam,
    /// How long a chord that hears the note waits for one played just after the beat.
    #[id = "window"]
    pub react_window: FloatParam,
    /// Where the model may change the chord.
    #[id = "grid"]
    pub changes_on: EnumParam<ChangesOn>,
    /// The key lock: `Any` lets the model choose any chord; a key keeps new chords in it
    /// ([`Spelling::holds`]); `Auto` in the key of the last two bars heard.
    #[id = "key"]
    pub key: IntParam,
    #[id = "octave"]
    pub octave: IntParam,
    #[id = "bass"]
    pub bass: BoolParam,
    /// Open (drop-2) voicing.
    #[id = "spread"]
    pub spread: BoolParam,
    /// Each chord in the inversion nearest the last one.
    #[id = "lead"]
    pub voice_leading: BoolParam,
    /// Keep the chord under the melody's last note.
    #[id = "below"]
    pub below_melody: BoolParam,
    #[id = "rhythm"]
    pub rhythm: EnumParam<Rhythm>,
    /// Seeded variation of each strike's velocity.
    #[id = "human"]
    pub humanize: FloatParam,
    #[id = "vel"]
    pub velocity: FloatParam,
    #[id = "chan"]
    pub channel: IntParam,
    /// Keep jamming on Comper's own clock while the host is stopped.
    #[id = "free"]
    pub free_run: BoolParam,
    #[id = "tempo"]
    pub free_tempo: FloatParam,
    #[id = "seed"]
    pub seed: IntParam,
    #[id = "bypass"]
    pub bypass: BoolParam,
    /// Save the take into the capture folder whenever playback stops.
    #[id = "savetakes"]
    pub save_takes: BoolParam,
    /// The model folder this instance plays; empty for the shipped default.
    #[persist = "model"]
    pub model: ModelChoice,
    /// Where captures go ("" for `~/Music/Comper`), saved with the project.
    #[persist = "capture-folder"]
    pub capture_folder: Mutex<String>,
    /// The window's scale, saved with the project.
    #[persist = "window-scale"]
    pub window_scale: WindowScale,
}

/// Where the model may change the chord, as the host lists it.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangesOn {
    #[name = "Any 16th"]
    Sixteenths,
    Eighths,
    Beats,
}

impl ChangesOn {
    fn grid(self) -> ChordGrid {
        match self {
            ChangesOn::Sixteenths => ChordGrid::Sixteenths,
            ChangesOn::Eighths => ChordGrid::Eighths,
            ChangesOn::Beats => ChordGrid::Beats,
        }
    }
}

/// The `Key` parameter's first values: no lock, and the key heard; the 12 keys follow.
const KEY_CHOICES: [&str; 2] = ["Any", "Auto"];
const HEARD_KEY: i32 = 1;

/// The key the `Key` parameter's `value` locks, if it names one.
fn locked_key(value: i32) -> Option<Spelling> {
    let first = KEY_CHOICES.len() as i32;
    (first..first + 12).contains(&value).then(|| Spelling::major(PitchClass::new(value - first)))
}

/// The lock the `Key` parameter's `value` asks for: `Any`, `Auto` (the key heard), or a key.
fn key_lock(value: i32) -> KeyLock {
    match locked_key(value) {
        Some(key) => KeyLock::Key(key),
        None if value == HEARD_KEY => KeyLock::Heard,
        None => KeyLock::Any,
    }
}

/// The `Key` parameter's text: "Any", "Auto" or the key's name.
fn key_text(value: i32) -> String {
    let choice = usize::try_from(value).ok().and_then(|v| KEY_CHOICES.get(v));
    choice.map_or_else(|| locked_key(value).map_or_else(String::new, Spelling::name), |c| c.to_string())
}

/// The `Key` parameter's value for `text` ([`KeyLock::parse`]).
fn key_value(text: &str) -> Option<i32> {
    KeyLock::parse(text).map(|lock| match lock {
        KeyLock::Any => 0,
        KeyLock::Heard => HEARD_KEY,
        KeyLock::Key(key) => KEY_CHOICES.len() as i32 + i32::from(key.tonic().index()),
    })
}

/// A float parameter's value, or its default where the host sent something that is not a
/// number: ranges clamp what hosts send, but a NaN passes through a clamp.
fn finite(param: &FloatParam) -> f32 {
    let value = param.value();
    if value.is_finite() { value } else { param.default_plain_value() }
}

/// The window's scale (1 is 100%), persisted with the plugin state; a saved value outside
/// [`WindowScale::RANGE`], or not a number, is held to it.
pub struct WindowScale(AtomicF32);

impl WindowScale {
    pub const RANGE: std::ops::RangeInclusive<f32> = 0.75..=2.0;

    pub fn get(&self) -> f32 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Default for WindowScale {
    fn default() -> Self {
        WindowScale(AtomicF32::new(1.0))
    }
}

impl PersistentField<'_, f32> for WindowScale {
    fn set(&self, scale: f32) {
        let scale = if scale.is_finite() { scale.clamp(*Self::RANGE.start(), *Self::RANGE.end()) } else { 1.0 };
        self.0.store(scale, Ordering::Relaxed);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&f32) -> R,
    {
        f(&self.get())
    }
}

/// The model choice, persisted with the plugin state. Every change (a restored state, the
/// model picker) counts a new generation: the worker reloads at once instead of at its next
/// poll, and an offline render waits until the worker has applied the generation it reads.
#[derive(Default)]
pub struct ModelChoice {
    path: Mutex<String>,
    generation: AtomicU64,
}

impl ModelChoice {
    /// The chosen folder ("" = the default).
    pub fn path(&self) -> String {
        self.path.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Choose another folder ("" = the default): the model picker, the blind comparison.
    pub fn choose(&self, path: String) {
        self.set(path);
    }

    /// Bumped on every change; a lock-free read for the audio thread.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }
}

impl PersistentField<'_, String> for ModelChoice {
    fn set(&self, path: String) {
        if let Ok(mut slot) = self.path.lock() {
            *slot = path;
        }
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&String) -> R,
    {
        f(&self.path())
    }
}

impl Default for ComperParams {
    fn default() -> Self {
        ComperParams {
            melody_thru: BoolParam::new("Melody thru", true),
            temperature: FloatParam::new("Temperature", 1.0, FloatRange::Linear { min: 0.0, max: 2.0 })
                .with_step_size(0.01),
            lookahead_beats: IntParam::new("Lookahead", 4, IntRange::Linear { min: 1, max: 8 }).with_unit(" beats"),
            commit_beats: IntParam::new("Commit", 4, IntRange::Linear { min: 0, max: 8 }).with_unit(" beats"),
            listen_beats: IntParam::new("Listen", 0, IntRange::Linear { min: 0, max: 32 }).with_unit(" beats"),
            react: BoolParam::new("Hear the note", true),
            react_window: FloatParam::new("React window", 20.0, FloatRange::Linear { min: 0.0, max: 40.0 })
                .with_step_size(1.0)
                .with_unit(" ms"),
            changes_on: EnumParam::new("Changes on", ChangesOn::Beats),
            key: IntParam::new("Key", 0, IntRange::Linear { min: 0, max: KEY_CHOICES.len() as i32 + 11 })
                .with_value_to_string(Arc::new(key_text))
                .with_string_to_value(Arc::new(key_value)),
            octave: IntParam::new("Octave", 4, IntRange::Linear { min: 1, max: 7 }),
            bass: BoolParam::new("Bass note", true),
            spread: BoolParam::new("Spread", false),
            voice_leading: BoolParam::new("Voice leading", true),
            below_melody: BoolParam::new("Below melody", true),
            rhythm: EnumParam::new("Rhythm", Rhythm::Hold),
            humanize: FloatParam::new("Humanize", 0.0, FloatRange::Linear { min: 0.0, max: 1.0 }).with_step_size(0.01),
            velocity: FloatParam::new("Velocity", 0.7, FloatRange::Linear { min: 0.0, max: 1.0 }).with_step_size(0.01),
            channel: IntParam::new("Output channel", 2, IntRange::Linear { min: 1, max: 16 }),
            free_run: BoolParam::new("Free-run when stopped", true),
            free_tempo: FloatParam::new("Free-run tempo", 120.0, FloatRange::Linear { min: 40.0, max: 240.0 })
                .with_step_size(0.1)
                .with_unit(" BPM"),
            seed: IntParam::new("Seed", 1, IntRange::Linear { min: 0, max: 9999 }),
            save_takes: BoolParam::new("Save takes", false),
            bypass: BoolParam::new("Bypass", false).make_bypass(),
            model: ModelChoice::default(),
            capture_folder: Mutex::default(),
            window_scale: WindowScale::default(),
        }
    }
}

impl ComperParams {
    /// What the audio thread needs this block.
    pub fn settings(&self) -> Settings {
        Settings {
            touch: Touch {
                voicing: Voicing {
                    octave: self.octave.value() as i8,
                    bass: self.bass.value(),
                    spread: self.spread.value(),
                },
                channel: (self.channel.value() - 1).clamp(0, 15) as u8,
                velocity: finite(&self.velocity),
                rhythm: self.rhythm.value(),
                voice_leading: self.voice_leading.value(),
                below_melody: self.below_melody.value(),
                humanize: finite(&self.humanize),
            },
            listen_frames: self.listen_beats.value() as u32 * FRAMES_PER_BEAT as u32,
            react_window_ms: f64::from(finite(&self.react_window)),
            free_run: self.free_run.value(),
            free_tempo: f64::from(finite(&self.free_tempo)),
            bypass: self.bypass.value(),
            model_generation: self.model.generation(),
            seed: self.seed.value() as u64,
        }
    }

    /// What the planner needs, in frames.
    pub fn plan_settings(&self) -> comper_inference::PlanSettings {
        let frames = |beats: i32| beats.max(0) as u32 * FRAMES_PER_BEAT as u32;
        let lookahead = frames(self.lookahead_beats.value()).max(1);
        comper_inference::PlanSettings {
            lookahead,
            commit: frames(self.commit_beats.value()).min(lookahead),
            listen: frames(self.listen_beats.value()),
            react: self.react.value().then(ReactSettings::default),
            temperature: finite(&self.temperature),
            grid: self.changes_on.value().grid(),
            key: key_lock(self.key.value()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every parameter of the instance, as the wrappers of both formats reach them.
    fn each_param(params: &ComperParams, mut f: impl FnMut(&str, ParamPtr)) {
        for (id, ptr, _) in params.param_map() {
            f(&id, ptr);
        }
    }

    #[test]
    fn the_readme_lists_every_parameter_by_the_name_the_daw_shows() {
        let readme = include_str!("../../README.md");
        let params = ComperParams::default();
        each_param(&params, |id, ptr| {
            // SAFETY: `params` outlives every pointer of its map.
            let name = unsafe { ptr.name() };
            assert!(readme.contains(&format!("`{name}`")), "{id}: README never names `{name}`");
        });
    }

    #[test]
    fn every_parameters_text_reads_back_as_its_value() {
        let params = ComperParams::default();
        each_param(&params, |id, ptr| {
            // SAFETY: `params` outlives every pointer of its map.
            let default = unsafe { ptr.default_normalized_value() };
            for normalized in [0.0, 0.13, 0.5, 0.77, 1.0, default] {
                for unit in [true, false] {
                    let text = unsafe { ptr.normalized_value_to_string(normalized, unit) };
                    let back = unsafe { ptr.string_to_normalized_value(&text) };
                    let back = back.unwrap_or_else(|| panic!("{id}: {text:?} does not parse"));
                    let again = unsafe { ptr.normalized_value_to_string(back, unit) };
                    assert_eq!(again, text, "{id}: {normalized} reads back as another value");
                }
            }
        });
    }

    #[test]
    fn a_host_sending_nan_leaves_every_setting_a_number() {
        let params = ComperParams::default();
        each_param(&params, |_, ptr| unsafe {
            ptr._internal_set_normalized_value(f32::NAN);
        });
        let settings = params.settings();
        let touch = settings.touch;
        for value in [touch.velocity, touch.humanize, settings.react_window_ms as f32, settings.free_tempo as f32] {
            assert!(value.is_finite(), "{settings:?}");
        }
        assert!(params.plan_settings().temperature.is_finite());
    }

    #[test]
    fn a_saved_window_scale_is_held_to_what_the_window_can_show() {
        let params = ComperParams::default();
        for (saved, shown) in [(1.5, 1.5), (40.0, 2.0), (0.1, 0.75), (f32::NAN, 1.0), (f32::NEG_INFINITY, 1.0)] {
            params.window_scale.set(saved);
            assert_eq!(params.window_scale.get(), shown, "{saved}");
        }
    }

    #[test]
    fn the_key_parameter_asks_for_any_chord_the_key_heard_or_a_key() {
        let params = ComperParams::default();
        let lock = |text: &str| {
            let value = params.key.string_to_normalized_value(text).unwrap();
            params.key.preview_plain(value)
        };
        assert_eq!(key_lock(lock("Any")), KeyLock::Any);
        assert_eq!(key_lock(lock("Auto")), KeyLock::Heard);
        assert_eq!(key_lock(lock("F major")), KeyLock::Key(Spelling::parse("F").unwrap()));
    }
}
