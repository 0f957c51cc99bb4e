//! `cargo xtask data`: import, split, cache and report.

use crate::paths;
use anyhow::Context;
use comper_data::corpus::{Corpus, SourcePaths, import_sources};
use comper_data::plot::bar_chart;
use comper_data::report::DataReport;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The split seed every command uses unless told otherwise.
pub const DEFAULT_SEED: u64 = 42;

#[derive(clap::Args)]
pub struct DataArgs {
    /// Folder holding `pop909/` and `nottingham/` [default: $COMPER_DATA or ../shared/data]
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Also import MusicXML lead sheets (.musicxml, .xml, .mxl) from this folder (repeatable).
    #[arg(long)]
    musicxml: Vec<PathBuf>,
    /// Also import a Hooktheory-style JSON file or folder (repeatable).
    #[arg(long)]
    hooktheory: Vec<PathBuf>,
    /// Leave out the bundled POP909 and Nottingham sets (import only --musicxml/--hooktheory).
    #[arg(long)]
    no_default_sets: bool,
    /// Where the cache, manifest and report go [default: target/comper/data]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Seed of the train/valid/test split.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
}

pub fn run(args: DataArgs) -> anyhow::Result<()> {
    let data_dir = args.data_dir.unwrap_or_else(paths::default_data_dir);
    let out = args.out.unwrap_or_else(paths::default_cache_dir);
    let mut sources =
        if args.no_default_sets { SourcePaths::default() } else { SourcePaths::from_data_root(&data_dir) };
    sources.musicxml = args.musicxml;
    sources.hooktheory = args.hooktheory;

    let spinner = ProgressBar::new_spinner()
        .with_style(ProgressStyle::with_template("{spinner} [{elapsed}] {msg}").expect("valid template"));
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner.set_message("importing");
    let started = Instant::now();
    let imports = import_sources(&sources, |done| {
        spinner.println(format!(
            "  {:<10} {:>5} songs, {:>3} skipped ({:.1} s)",
            done.source.name(),
            done.songs.len(),
            done.skipped.len(),
            started.elapsed().as_secs_f64()
        ));
    })?;
    let import_seconds = started.elapsed().as_secs_f64();
    spinner.set_message("writing the cache");
    let corpus = Corpus::build(&imports, args.seed);
    let report = DataReport::new(&imports, &corpus, import_seconds);
    spinner.finish_and_clear();

    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let cache = out.join("corpus.bin");
    corpus.save(&cache).with_context(|| format!("writing {}", cache.display()))?;
    write_json(&out.join("manifest.json"), &corpus.manifest)?;
    write_json(&out.join("report.json"), &report)?;
    let markdown = report.to_markdown();
    std::fs::write(out.join("report.md"), &markdown)?;
    plot_distribution(&report, &out)?;

    println!("{}", markdown.split("\n## Meters").next().unwrap_or_default());
    println!("Cache, manifest, report and plots in {}", out.display());
    Ok(())
}

fn write_json(path: &std::path::Path, value: &impl serde::Serialize) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Two bar charts: chord qualities (share of events) and the 30 most frequent chords.
fn plot_distribution(report: &DataReport, out: &std::path::Path) -> anyhow::Result<()> {
    let total: usize = report.qualities.values().sum::<usize>().max(1);
    let mut qualities: Vec<(String, f64)> = report
        .qualities
        .iter()
        .map(|(q, n)| (if q.is_empty() { "maj".to_string() } else { q.clone() }, 100.0 * *n as f64 / total as f64))
        .collect();
    qualities.sort_by(|a, b| b.1.total_cmp(&a.1));
    bar_chart(&out.join("chord-qualities.png"), "Chord qualities, all sources", "% of chord events", &qualities)
        .map_err(anyhow::Error::msg)?;
    let top: Vec<(String, f64)> =
        report.chords.iter().take(30).map(|(c, n)| (c.clone(), 100.0 * *n as f64 / total as f64)).collect();
    bar_chart(&out.join("chords-top30.png"), "30 most frequent chords", "% of chord events", &top)
        .map_err(anyhow::Error::msg)
}
