//! An RL run's record: `updates.csv` (every term of every update), `metrics.json`, and
//! PNG curves of the reward terms, KL and entropy, the rollouts' harmony and variety, their
//! chord changes per bar and pitch classes per chord, and the discriminator's accuracy at each
//! of its updates.

use super::state::{RlState, UpdateRow};
use comper_data::plot::line_chart;
use std::path::Path;

pub fn write(run_dir: &Path, state: &RlState) -> Result<(), String> {
    std::fs::create_dir_all(run_dir).map_err(|e| e.to_string())?;
    let mut csv = String::from(
        "update,learning_rate,reward,contrastive,discriminative,rules,silence,repetition,adversarial,kl,entropy,\
         actor_loss,critic_loss,discriminator_updated,discriminator_accuracy,harmony,unique_chords,changes_per_bar,pitch_classes,seconds\n",
    );
    for r in &state.rows {
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            r.update,
            r.learning_rate,
            r.reward,
            r.contrastive,
            r.discriminative,
            r.rules,
            r.silence,
            r.repetition,
            r.adversarial,
            r.kl,
            r.entropy,
            r.actor_loss,
            r.critic_loss,
            r.discriminator_updated,
            r.discriminator_accuracy.map_or(String::new(), |a| a.to_string()),
            r.harmony,
            r.unique_chords,
            r.changes_per_bar,
            r.pitch_classes,
            r.seconds
        ));
    }
    std::fs::write(run_dir.join("updates.csv"), csv).map_err(|e| e.to_string())?;
    let json = serde_json::to_string_pretty(state).map_err(|e| e.to_string())?;
    std::fs::write(run_dir.join("metrics.json"), json).map_err(|e| e.to_string())?;

    let series = |name: &str, value: &dyn Fn(&UpdateRow) -> Option<f64>| {
        (name.to_string(), state.rows.iter().filter_map(|r| value(r).map(|v| (r.update as f64, v))).collect::<Vec<_>>())
    };
    line_chart(
        &run_dir.join("rewards.png"),
        "Reward terms per update (episode means)",
        "PPO update",
        "reward",
        &[
            series("total", &|r| Some(r.reward)),
            series("contrastive", &|r| Some(r.contrastive)),
            series("pair-discriminative", &|r| Some(r.discriminative)),
            series("rules", &|r| Some(r.rules)),
            series("adversarial R_adv", &|r| Some(r.adversarial)),
        ],
    )?;
    line_chart(
        &run_dir.join("kl-entropy.png"),
        "KL to the teacher and policy entropy at chord positions",
        "PPO update",
        "nats",
        &[series("KL", &|r| Some(r.kl)), series("entropy", &|r| Some(r.entropy))],
    )?;
    line_chart(
        &run_dir.join("rollouts.png"),
        "Rollouts: note-in-chord ratio and distinct chords / 100",
        "PPO update",
        "",
        &[
            series("harmony", &|r| Some(r.harmony)),
            series("unique chords / 100", &|r| Some(r.unique_chords as f64 / 100.0)),
        ],
    )?;
    line_chart(
        &run_dir.join("chord-pace.png"),
        "Rollouts: chord changes per bar and pitch classes per chord",
        "PPO update",
        "",
        &[
            series("changes per bar", &|r| Some(r.changes_per_bar)),
            series("pitch classes per chord", &|r| Some(r.pitch_classes)),
        ],
    )?;
    line_chart(
        &run_dir.join("discriminator.png"),
        "GAPT discriminator: accuracy at each of its updates",
        "PPO update",
        "accuracy",
        &[series("accuracy (updated)", &|r| r.discriminator_accuracy)],
    )
}
