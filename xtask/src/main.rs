//! `cargo xtask`: Comper's toolchain. Each subcommand lives in `commands/`.

mod commands;
mod corpus;
mod paths;
mod training;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Comper's toolchain: data, training, evaluation, bundling",
    after_help = "`train`, `export`, `harmonize` and `eval --teacher` build the training toolchain (burn) the first time."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import the datasets, split them, write the cache and the data report.
    Data(commands::data::DataArgs),
    /// Train one model (resumes from its run folder's checkpoint).
    #[cfg(feature = "training")]
    Train(commands::train::TrainArgs),
    /// Export the trained online policy to ONNX with its model card (into models/).
    #[cfg(feature = "training")]
    Export(commands::export::ExportArgs),
    /// Write the offline teacher's chords for a whole melody (MIDI or MusicXML) as a MIDI file.
    #[cfg(feature = "training")]
    Harmonize(commands::harmonize::HarmonizeArgs),
    /// Evaluate checkpoints online on held-out melodies: harmony, diversity, rhythm, adaptation.
    Eval(commands::eval::EvalArgs),
    /// Build the plugin bundles (Comper.clap, Comper.vst3) with the runtime and the models.
    Bundle {
        /// The package (`comper`) and cargo build arguments such as `--release`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Benchmark the policy step latency and the plugin's process() per block.
    Bench,
    /// Bundle in release mode and install where hosts look for plugins (~/.clap and ~/.vst3 on Linux).
    Install,
    /// Play a MIDI melody into the built plugin and print the chords it answers with.
    Jam(commands::jam::JamArgs),
    /// Open Comper's window in Comper's own CLAP host while a melody plays (X11; screenshots).
    Window(commands::window::WindowArgs),
    /// Fetch the ONNX Runtime library (PyPI wheel) and print its path.
    Ort,
    /// Provision what the tests need, then run every test in the workspace.
    Test {
        /// Passed on to `cargo test`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn main() -> anyhow::Result<()> {
    if let Some(code) = training::rerun_if_needed()? {
        std::process::exit(code);
    }
    match Cli::parse().command {
        Command::Data(args) => commands::data::run(args),
        #[cfg(feature = "training")]
        Command::Train(args) => commands::run_train(args),
        #[cfg(feature = "training")]
        Command::Export(args) => commands::export::run(args),
        #[cfg(feature = "training")]
        Command::Harmonize(args) => commands::harmonize::run(args),
        Command::Eval(args) => commands::eval::run(args),
        Command::Bundle { args } => commands::bundle::run(args),
        Command::Bench => commands::bench::run(),
        Command::Install => commands::install::run(),
        Command::Jam(args) => commands::jam::run(args),
        Command::Window(args) => commands::window::run(args),
        Command::Ort => commands::ort::run(),
        Command::Test { args } => commands::test::run(args),
    }
}
