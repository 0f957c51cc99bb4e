//! Model cards for exported policies and encoders.

use crate::models::contrastive::ContrastiveConfig;
use crate::models::policy::PolicyConfig;
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
