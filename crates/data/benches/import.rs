//! Benchmark: the full import of POP909 and Nottingham (what `cargo xtask data` reads).
//!
//! `cargo bench -p comper-data --bench import [-- RUNS]` prints each run's wall time and
//! the median. Data comes from `COMPER_DATA` or `../shared/data`.

use comper_data::corpus::{SourcePaths, import_sources};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let runs: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(3);
    let root = std::env::var_os("COMPER_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")));
    let paths = SourcePaths::from_data_root(&root);
    println!("full import of {} on {} threads", root.display(), rayon::current_num_threads());
    let mut times = Vec::new();
    for run in 1..=runs {
        let started = Instant::now();
        let imports = import_sources(&paths, |_| {}).expect("datasets present");
        let seconds = started.elapsed().as_secs_f64();
        let songs: usize = imports.iter().map(|i| i.songs.len()).sum();
        println!("run {run}: {songs} songs in {seconds:.2} s");
        times.push(seconds);
    }
    times.sort_by(f64::total_cmp);
    println!("median {:.2} s over {runs} runs", times[runs / 2]);
}
