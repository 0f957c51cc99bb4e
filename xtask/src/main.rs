//! `cargo xtask`: Comper's toolchain. Each subcommand lives in `commands/`.

mod commands;
mod paths;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Comper's toolchain: data, training, evaluation, bundling")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import the datasets, split them, write the cache and the data report.
    Data(commands::data::DataArgs),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Data(args) => commands::data::run(args),
    }
}
