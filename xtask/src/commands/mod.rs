//! One module per `cargo xtask` subcommand.

pub mod bench;
pub mod bundle;
pub mod data;
pub mod eval;
#[cfg(feature = "training")]
pub mod export;
#[cfg(feature = "training")]
pub mod harmonize;
pub mod install;
pub mod jam;
pub mod ort;
#[cfg(feature = "training")]
pub mod rl;
pub mod test;
#[cfg(feature = "training")]
pub mod train;
pub mod window;

/// `cargo xtask train MODEL`: the RL arms post-train a trained model (`rl`), the others train
/// from scratch (`train`).
#[cfg(feature = "training")]
pub fn run_train(args: train::TrainArgs) -> anyhow::Result<()> {
    match args.model.0 {
        comper_train::recipes::Recipe::Pretrained(recipe) => train::run(args, recipe),
        comper_train::recipes::Recipe::PostTrained(arm) => rl::run(args, arm),
    }
}
