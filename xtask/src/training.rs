//! Training, export and the evaluation's teacher row compile burn, which the rest of the
//! toolchain does not need: `cargo xtask jam` on a fresh clone builds without it. Those
//! commands, started from a build without the `training` feature, run again through cargo
//! with it.

use crate::paths;

/// Whether the command line (without the program's name) needs the training toolchain.
fn needs_training(args: &[String]) -> bool {
    match args.first().map(String::as_str) {
        Some("train" | "export" | "harmonize") => true,
        Some("eval") => args.iter().any(|a| a == "--teacher" || a.starts_with("--teacher=")),
        _ => false,
    }
}

/// Runs this command line again with the `training` feature if it needs it and this build
/// lacks it, and returns its exit code; `None` when this build can run it.
pub fn rerun_if_needed() -> anyhow::Result<Option<i32>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if cfg!(feature = "training") || !needs_training(&args) {
        return Ok(None);
    }
    let status = paths::cargo()
        .args(["run", "--quiet", "--package", "xtask", "--features", "training", "--"])
        .args(&args)
        .current_dir(paths::workspace_root())
        .status()?;
    Ok(Some(status.code().unwrap_or(1)))
}

#[cfg(test)]
mod tests {
    use super::needs_training;

    #[test]
    fn only_training_export_harmonize_and_the_teacher_row_need_burn() {
        let args = |line: &str| line.split_whitespace().map(String::from).collect::<Vec<_>>();
        let lines = [
            "train policy",
            "export --run x",
            "harmonize m.mid -o h.mid",
            "eval --teacher runs/teacher",
            "eval --teacher=t",
        ];
        for line in lines {
            assert!(needs_training(&args(line)), "{line}");
        }
        for line in ["jam examples/ode-to-joy.mid", "eval --react", "bundle", "test", "data", ""] {
            assert!(!needs_training(&args(line)), "{line}");
        }
    }
}
