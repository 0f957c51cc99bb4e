//! Model cards for exported policies and encoders: what a card says about the run that
//! trained the model (its data, objective, settings and metrics) and what it is called.

use crate::models::contrastive::ContrastiveConfig;
use crate::models::policy::PolicyConfig;
use crate::run_record::{Record, TrainedRun};
use comper_inference::card::{Architecture, CARD_FORMAT, ModelCard, StepIo, TokenLayout};
use comper_inference::encoder::{CHORD_ENCODER_KIND, EncoderCard, EncoderIo};
use comper_music::{FRAMES_PER_BEAT, Part};
use std::collections::BTreeMap;

/// What a card says beyond the architecture.
pub struct CardText {
    pub name: String,
    pub version: String,
    pub description: String,
    pub window: usize,
    pub training: serde_json::Value,
    pub metrics: BTreeMap<String, f64>,
    pub command: String,
}

/// What a user calls an exported policy; left out, the card says what kind of run made it.
#[derive(Clone, Debug, Default)]
pub struct Naming {
    pub name: Option<String>,
    pub description: Option<String>,
}

/// The card of the policy `run` trained (with `config`) to play `part`.
pub fn policy_run_card(run: &TrainedRun, config: &PolicyConfig, part: Part, naming: Naming) -> ModelCard {
    let role = match part {
        Part::Chords => "online policy",
        Part::Melody => "melody agent (roles swapped: its teacher hears the chords)",
    };
    let objective = match &run.record {
        Record::Supervised(_) => {
            format!("next-token cross-entropy on every token of the interleaved stream, {part:?} first").to_lowercase()
        }
        Record::Rl(state) => format!(
            "PPO post-training of the {role} pre-trained by MLE: contrastive and pair-discriminative rewards (frozen), \
             rule penalties, per-token KL to the offline teacher (beta {}), entropy bonus {}{}",
            state.settings.kl,
            state.settings.entropy,
            if state.settings.adversarial {
                ", adversarial reward from a co-evolving chord discriminator (GAPT)"
            } else {
                ""
            }
        ),
    };
    let post_trained = matches!(run.record, Record::Rl(_));
    let (name, description) = match (part, post_trained) {
        (Part::Chords, false) => {
            ("Online MLE", "The online policy pre-trained by maximum likelihood on the sources its card lists.")
        }
        (Part::Chords, true) => (
            "RL post-trained",
            "The online policy post-trained with PPO from a model pre-trained by maximum likelihood; its card's \
             objective says which arm.",
        ),
        (Part::Melody, false) => (
            "Melody agent (MLE)",
            "A melody player trained by maximum likelihood on the sources its card lists, melody first in each frame: \
             the partner the evaluation's co-adaptation test accompanies.",
        ),
        (Part::Melody, true) => (
            "Melody agent (RL)",
            "The MLE melody agent post-trained with the RL-only recipe, roles swapped (it plays against the \
             data's chord tracks): the partner the evaluation's co-adaptation test accompanies.",
        ),
    };
    let text = run_text(
        run,
        naming.name.unwrap_or_else(|| name.into()),
        naming.description.unwrap_or_else(|| description.into()),
        &objective,
    );
    policy_card(config, part, text)
}

/// The card of the chord tower that a contrastive `run` trained (with `config`).
pub fn chord_encoder_run_card(run: &TrainedRun, config: &ContrastiveConfig) -> EncoderCard {
    let text = run_text(
        run,
        "Contrastive chord encoder".into(),
        "The chord tower of the contrastive melody/chord reward model: a chord track → a unit vector. The \
         evaluation's Vendi diversity score is computed on these embeddings."
            .into(),
        "symmetric InfoNCE between the melody and chord towers over the batch",
    );
    chord_encoder_card(config, text)
}

/// What every card says about the run that trained its model.
fn run_text(run: &TrainedRun, name: String, description: String, objective: &str) -> CardText {
    let info = &run.info;
    CardText {
        name,
        version: format!("{}-step{}", env!("CARGO_PKG_VERSION"), run.steps()),
        description,
        window: info.window,
        training: serde_json::json!({
            "data": info.data,
            "split": { "seed": info.data_seed, "ratios": [0.8, 0.1, 0.1], "manifest": "target/comper/data/manifest.json" },
            "augmentation": info.augmentation,
            "objective": objective,
            "settings": run.settings(),
            "model": info.config,
        }),
        metrics: run.metrics(),
        command: info.command.clone(),
    }
}

/// The card of a policy's step model playing `part`, exported with [`StepIo::default`] names.
pub fn policy_card(config: &PolicyConfig, part: Part, text: CardText) -> ModelCard {
    let serde_json::Value::Object(mut settings) = serde_json::to_value(config).expect("settings are plain data") else {
        unreachable!("a tagged enum of structs serializes to an object")
    };
    settings.remove("family");
    ModelCard {
        format: CARD_FORMAT,
        name: text.name,
        version: text.version,
        description: text.description,
        architecture: Architecture { family: config.family().into(), state: config.state_shape(), settings },
        io: StepIo::default(),
        frames_per_beat: FRAMES_PER_BEAT,
        part,
        window: text.window,
        tokens: TokenLayout::current(),
        vocabulary: comper_music::vocab::entries(),
        training: text.training,
        metrics: text.metrics,
        command: text.command,
    }
}

/// The card of a contrastive model's chord tower exported with [`EncoderIo::default`] names.
pub fn chord_encoder_card(config: &ContrastiveConfig, text: CardText) -> EncoderCard {
    EncoderCard {
        format: CARD_FORMAT,
        kind: CHORD_ENCODER_KIND.into(),
        name: text.name,
        version: text.version,
        description: text.description,
        io: EncoderIo::default(),
        dimension: config.output,
        frames_per_beat: FRAMES_PER_BEAT,
        window: text.window,
        tokens: TokenLayout::current(),
        vocabulary: comper_music::vocab::entries(),
        training: text.training,
        metrics: text.metrics,
        command: text.command,
    }
}
