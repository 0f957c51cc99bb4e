//! The report's figures: per-beat adaptation curves and the harmony-versus-diversity view
//! (the paper's Pareto picture).

use crate::report::Report;
use comper_data::plot::{line_chart, scatter_chart};
use std::path::Path;

pub fn adaptation_curves(report: &Report, path: &Path) -> Result<(), String> {
    let series: Vec<(String, Vec<(f64, f64)>)> = report
        .systems
        .iter()
        .map(|s| {
            let points = s.adaptation.curve.iter().enumerate().filter_map(|(b, r)| r.map(|r| (b as f64, r))).collect();
            (s.system.clone(), points)
        })
        .collect();
    let p = &report.protocol;
    let title = format!("Note-in-chord per beat, melody +{} semitones from beat {}", p.jump_semitones, p.jump_beat);
    line_chart(path, &title, "beat", "note-in-chord ratio", &series)
}

pub fn harmony_vs_diversity(report: &Report, path: &Path) -> Result<(), String> {
    let points: Vec<(String, f64, f64)> =
        report.systems.iter().filter_map(|s| s.harmony.pooled.map(|h| (s.system.clone(), s.vendi, h))).collect();
    scatter_chart(path, "Harmony against diversity", "Vendi score", "note-in-chord ratio", &points)
}
