//! A policy's step function as an ONNX graph, written from the trained weights, and read
//! back into burn (post-training a shipped model whose checkpoint is gone). Each family
//! writes its own graph in its module here, mirroring its `step` op for op (the parity
//! tests hold them together); the inputs and outputs are always [`StepIo`]'s:
//! `token: int64[batch]`, `state: float[rows, batch, columns]` →
//! `logits: float[batch, vocab]`, `new_state` like `state`.

pub mod gru;
pub mod transformer;

use crate::export::card::{Naming, policy_run_card};
use crate::models::policy::{Policy, PolicyConfig};
use crate::run_record::{Record, TrainedRun};
use burn::prelude::*;
use comper_inference::ModelCard;
use comper_inference::card::StepIo;
use comper_inference::runtime::MODEL_BYTES;
use comper_music::Part;
use std::path::Path;

/// The ONNX model bytes of `policy`'s step function.
pub fn policy_step_onnx(policy: &Policy, io: &StepIo) -> Vec<u8> {
    match policy {
        Policy::Gru(p) => gru::step_onnx(p, io),
        Policy::Transformer(p) => transformer::step_onnx(p, io),
    }
}

/// The policy whose step graph [`policy_step_onnx`] wrote; `config` (from its card) gives
/// every shape, and each weight must have it.
pub fn policy_from_step_onnx(model: &[u8], config: &PolicyConfig, device: &Device) -> Result<Policy, String> {
    let weights = super::graph::Initializers::read(model)?;
    Ok(match config {
        PolicyConfig::Gru(c) => Policy::Gru(gru::from_weights(&weights, c, device)?),
        PolicyConfig::Transformer(c) => Policy::Transformer(transformer::from_weights(&weights, c, device)?),
    })
}

/// The settings a card's architecture records.
pub fn config_of_card(card: &ModelCard) -> Result<PolicyConfig, String> {
    let a = &card.architecture;
    let mut settings = a.settings.clone();
    settings.insert("family".into(), a.family.clone().into());
    let config: PolicyConfig = serde_json::from_value(settings.into())
        .map_err(|e| format!("model {}: its '{}' architecture: {e}", card.name, a.family))?;
    if config.state_shape() != a.state || config.vocab() != card.tokens.vocab_size {
        return Err(format!("model {}: its architecture's settings disagree with its state or vocabulary", card.name));
    }
    Ok(config)
}

/// The policy of a shipped model folder (`card.json` and `model.onnx`) that plays `part`, with
/// the config its card gives: what post-training starts from when no checkpoint is at hand.
pub fn policy_from_model_folder(folder: &Path, part: Part, device: &Device) -> Result<(PolicyConfig, Policy), String> {
    let card = ModelCard::load(&folder.join("card.json")).map_err(|e| e.to_string())?;
    card.check_plays(part).map_err(|e| e.to_string())?;
    let config = config_of_card(&card)?;
    let path = folder.join("model.onnx");
    let model = comper_files::read_limited(&path, MODEL_BYTES).map_err(|e| format!("{}: {e}", path.display()))?;
    let policy = policy_from_step_onnx(&model, &config, device).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((config, policy))
}

/// The ONNX step model and card of the policy that `run` trained to play `part` (read on the CPU).
pub fn export_run(run: &TrainedRun, part: Part, naming: Naming) -> Result<(ModelCard, Vec<u8>), String> {
    let config: PolicyConfig = run.config()?;
    let policy = match &run.record {
        Record::Supervised(_) => crate::checkpoint::load_weights(&run.checkpoint, config.init(&Device::flex())),
        Record::Rl(state) if state.settings.part != part => {
            return Err(format!(
                "{} post-trained the {:?} part, not the {part:?} part",
                run.checkpoint.display(),
                state.settings.part
            ));
        }
        Record::Rl(state) => crate::rl::load_policy(&run.checkpoint, &config, &state.settings.discriminator),
    }
    .map_err(|e| e.to_string())?;
    let card = policy_run_card(run, &config, part, naming);
    let onnx = policy_step_onnx(&policy, &card.io);
    Ok((card, onnx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::card::{CardText, policy_card};

    fn card(config: &PolicyConfig) -> ModelCard {
        let text = CardText {
            name: "test".into(),
            version: "0".into(),
            description: String::new(),
            window: 64,
            training: serde_json::Value::Null,
            metrics: Default::default(),
            command: String::new(),
        };
        policy_card(config, Part::Chords, text)
    }

    #[test]
    fn a_card_gives_back_the_settings_it_was_written_with() {
        for config in PolicyConfig::families() {
            let card = card(&config);
            assert_eq!(card.architecture.family, config.family());
            assert_eq!(config_of_card(&card), Ok(config));
        }
    }

    #[test]
    fn a_card_whose_state_disagrees_with_its_settings_is_refused() {
        let mut card = card(&PolicyConfig::default());
        card.architecture.state = [3, 256];
        assert!(config_of_card(&card).unwrap_err().contains("disagree"));
        card.architecture.family = "lstm".into();
        assert!(config_of_card(&card).unwrap_err().contains("'lstm'"));
    }
}
