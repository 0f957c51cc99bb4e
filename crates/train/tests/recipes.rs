//! The recipes are the settings that trained the shipped models: each card in `models/`
//! records its settings, and `TrainSettings::recipe` / `RlSettings::recipe` must give them.

use comper_inference::ModelCard;
use comper_music::Part;
use comper_train::export::policy::config_of_card;
use comper_train::models::policy::PolicyConfig;
use comper_train::recipes::Pretrained;
use comper_train::rl::settings::RlSettings;
use comper_train::trainer::TrainSettings;
use std::path::Path;

/// `training.settings` of the card in `models/{folder}`.
fn recorded<T: serde::de::DeserializeOwned>(folder: &str) -> T {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models").join(folder).join("card.json");
    let card: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    serde_json::from_value(card["training"]["settings"].clone()).unwrap()
}

#[test]
fn the_pretraining_recipes_gave_the_shipped_models() {
    assert_eq!(TrainSettings::recipe(Pretrained::Policy), recorded("online-mle"));
    assert_eq!(TrainSettings::recipe(Pretrained::Contrastive), recorded("chord-encoder"));
}

#[test]
fn every_shipped_policy_is_the_default_gru_by_its_card() {
    for folder in ["online-mle", "rl-only", "gapt", "melody-agent"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models").join(folder).join("card.json");
        let card = ModelCard::load(&path).unwrap();
        assert_eq!(config_of_card(&card).unwrap(), PolicyConfig::default(), "{folder}");
    }
}

#[test]
fn the_rl_recipes_gave_the_shipped_arms() {
    for (folder, part, adversarial) in
        [("rl-only", Part::Chords, false), ("gapt", Part::Chords, true), ("melody-agent", Part::Melody, false)]
    {
        let shipped: RlSettings = recorded(folder);
        // The silence threshold is the training data's rate, measured when the run starts.
        let threshold = shipped.penalties.silence_threshold;
        assert_eq!(RlSettings::recipe(part, adversarial, threshold), shipped, "{folder}");
    }
}

#[test]
fn a_shorter_run_keeps_its_warm_up_inside_it() {
    let short = TrainSettings::recipe(Pretrained::Policy).with_steps(10);
    assert_eq!((short.steps, short.warmup_steps), (10, 5));
    let rl = RlSettings::recipe(Part::Chords, true, 0.01).with_updates(1000);
    assert_eq!((rl.updates, rl.warmup_updates, rl.schedule.warmup, rl.schedule.interval), (1000, 100, 200, 5));
}
