//! `cargo xtask window`: open Comper's window in Comper's own CLAP host and play a melody
//! into it in real time, optionally saving a screenshot mid-song. Under Xvfb this is how the
//! README's picture is made (`scripts/screenshot.sh`).

use super::bundle;
use super::jam::{read_melody, set_param};
use anyhow::{Context, bail};
use clap::Args;
use comper_host::{ClapHost, HostConfig, HostError, PluginHost, perform_with, plugin_state};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct WindowArgs {
    /// The melody to play while the window is open.
    #[arg(default_value = "examples/ode-to-joy.mid")]
    pub melody: PathBuf,
    /// Tempo in BPM (default: the file's own tempo).
    #[arg(long)]
    pub tempo: Option<f64>,
    /// The X11 window to embed Comper's window in, e.g. 0x1e9 (default: the root window of
    /// $DISPLAY, as `xwininfo -root` names it).
    #[arg(long)]
    pub parent: Option<String>,
    /// Save a picture of the screen (ImageMagick's `import`) `--at` seconds in, then stop.
    #[arg(long)]
    pub screenshot: Option<PathBuf>,
    #[arg(long, default_value_t = 14.0)]
    pub at: f64,
    /// The window's scale (1 is 100%), as a project would restore it.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f32,
}

const SAMPLE_RATE: f64 = 48_000.0;
const BLOCK: u32 = 512;

pub fn run(args: WindowArgs) -> anyhow::Result<()> {
    let (melody, performance) = read_melody(&args.melody, args.tempo, SAMPLE_RATE, BLOCK)?;
    let parent = match &args.parent {
        Some(id) => parse_window_id(id)?,
        None => root_window()?,
    };
    let bundles = bundle::debug_bundles()?;
    let config = HostConfig { sample_rate: SAMPLE_RATE, max_block: BLOCK, offline: false };
    let mut host = ClapHost::load(&bundles.clap, &config)?;
    set_param(&mut host, "Melody thru", 0.0)?;
    let state = plugin_state::with_field(&host.save_state()?, "window-scale", &args.scale)?;
    host.load_state(&state)?;
    let (width, height) = host.open_window_x11(parent)?;
    println!("Comper's window is open ({width}×{height}); playing {}", args.melody.display());
    let started = Instant::now();
    let at = Duration::from_secs_f64(args.at);
    let played = perform_with(&mut host, &melody, &performance, |samples| {
        let due = Duration::from_secs_f64(samples as f64 / SAMPLE_RATE);
        std::thread::sleep(due.saturating_sub(started.elapsed()));
        match &args.screenshot {
            Some(path) if started.elapsed() >= at => {
                screenshot(path).map_err(|e| HostError::Gui(e.to_string()))?;
                println!("saved {}", path.display());
                Ok(false)
            }
            _ => Ok(true),
        }
    })?;
    println!("Comper played {} note events", played.len());
    Ok(())
}

/// The root window of `$DISPLAY`, from `xwininfo -root` ("Window id: 0x1e9 (the root window)").
fn root_window() -> anyhow::Result<u64> {
    let out = Command::new("xwininfo").arg("-root").output().context("running xwininfo (package x11-utils)")?;
    if !out.status.success() {
        bail!("xwininfo -root failed: is $DISPLAY set? {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let id = text.split("Window id:").nth(1).and_then(|rest| rest.split_whitespace().next());
    parse_window_id(id.context("xwininfo named no window id")?)
}

fn parse_window_id(id: &str) -> anyhow::Result<u64> {
    let hex = id.strip_prefix("0x").context("a window id is hexadecimal, like 0x1e9")?;
    u64::from_str_radix(hex, 16).with_context(|| format!("window id {id}"))
}

fn screenshot(path: &std::path::Path) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let status = Command::new("import")
        .args(["-window", "root"])
        .arg(path)
        .status()
        .context("running import (package imagemagick)")?;
    if !status.success() {
        bail!("import could not save {}", path.display());
    }
    Ok(())
}
