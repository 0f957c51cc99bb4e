//! The evaluation's HTML report in a real browser: the shipped default model and the ground
//! truth play two test melodies, each take is rendered (audio with a SoundFont), and headless
//! Chromium opens `report.html`: the page loads, its script runs, every system has a row per
//! song, and every audio player points at a file that exists.
//!
//! Without Chromium on PATH the test says so and passes, unless `COMPER_BROWSER=required` (CI)
//! makes that a failure; likewise a missing SoundFont and `COMPER_SOUNDFONT=required`.

use comper_data::Split;
use comper_data::corpus::{Corpus, SourcePaths, import_sources};
use comper_data::windows::fixed_windows;
use comper_eval::html::Page;
use comper_eval::per_song;
use comper_eval::render::{self, Played, Synth};
use comper_eval::runner::{PAPER_PROTOCOL, accompany_all};
use comper_inference::{ModelCard, OnnxPolicy, environment, find_library};
use comper_music::{FrameTracks, Token};
use comper_tests::data_dir;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BROWSERS: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];

/// The browser on PATH, or None (a failure when `COMPER_BROWSER=required`).
fn browser() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found =
        BROWSERS.iter().find_map(|name| std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file()));
    if found.is_none() {
        let why = format!("none of {BROWSERS:?} is on PATH: install the Debian package chromium");
        assert!(std::env::var("COMPER_BROWSER").as_deref() != Ok("required"), "{why} (COMPER_BROWSER=required)");
        // Straight to stderr, past the test harness's capture: a skip must be seen.
        let notice = format!("the browser test did not run: {why} (COMPER_BROWSER=required makes this a failure)\n");
        let _ = std::io::Write::write_all(&mut std::io::stderr(), notice.as_bytes());
    }
    found
}

/// The SoundFont the renders use, or None (a failure when `COMPER_SOUNDFONT=required`).
fn soundfont() -> Option<PathBuf> {
    let found = render::find_soundfont();
    assert!(
        found.is_some() || std::env::var("COMPER_SOUNDFONT").as_deref() != Ok("required"),
        "no SoundFont in {:?}: install timgm6mb-soundfont (COMPER_SOUNDFONT=required)",
        render::SOUNDFONT_DIRS
    );
    found
}

/// Headless Chromium on `page` with `args`, killed after a minute.
fn headless(browser: &Path, profile: &Path, args: &[String], page: &Path) -> Output {
    let mut child = Command::new(browser)
        .args(["--headless", "--disable-gpu", "--no-sandbox", "--no-first-run"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the browser starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{} did not finish within a minute", browser.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}: {:?}", browser.display(), output.status);
    output
}

/// Two test melodies, the ground truth and the shipped default model on them.
fn evaluation() -> (Vec<String>, Vec<Played>) {
    let imports = import_sources(&SourcePaths::from_data_root(&data_dir()), |_| {}).expect("datasets present");
    let corpus = Corpus::build(&imports, 42);
    let (ids, songs): (Vec<String>, Vec<FrameTracks>) = corpus
        .split(Split::Test)
        .take(2)
        .map(|s| (format!("{}/{}", s.source.name(), s.song_id), FrameTracks::encode(&s.melody, &s.chords)))
        .unzip();
    let takes = fixed_windows(&songs, 128, 42);
    let melodies: Vec<&[Token]> = takes.iter().map(|t| t.melody.as_slice()).collect();

    let library = find_library(None).expect("ONNX Runtime (run `cargo xtask test`, which provisions it)");
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../models/online-mle"));
    let card = ModelCard::load(&dir.join("card.json")).unwrap();
    let load = || OnnxPolicy::load(environment(&library).unwrap(), &dir.join("model.onnx"), card.clone());
    let chords = accompany_all(&melodies, 2, load, card.window, &PAPER_PROTOCOL, 7, &|| {}).unwrap();
    let model = takes.iter().zip(chords).map(|(t, chords)| FrameTracks { melody: t.melody.clone(), chords }).collect();
    let played =
        vec![Played { system: "Ground truth".into(), takes }, Played { system: card.name.clone(), takes: model }];
    (ids, played)
}

#[test]
fn the_report_page_loads_in_a_browser_with_every_system_and_its_audio() {
    let Some(browser) = browser() else { return };
    let font = soundfont();
    let (ids, played) = evaluation();
    let out = tempfile::tempdir().unwrap();
    let rows: Vec<_> = played.iter().flat_map(|p| per_song::rows(&p.system, &ids, &p.takes)).collect();
    let synth = font.map(|f| Synth::load(&f).unwrap());
    let renders = render::write_all(out.path(), &ids, &played, synth.as_ref(), 2).unwrap();
    let markdown = "# Evaluation\n\nTwo test melodies.\n";
    let page = Page { markdown, plots: &[], ids: &ids, played: &played, rows: &rows, renders: &renders };
    let report = out.path().join("report.html");
    std::fs::write(&report, page.html()).unwrap();

    let profile = tempfile::tempdir().unwrap();
    let dom = String::from_utf8(headless(&browser, profile.path(), &["--dump-dom".into()], &report).stdout).unwrap();
    for system in &played {
        let count = dom.matches(&format!("<tr data-system=\"{}\">", system.system)).count();
        assert_eq!(count, ids.len(), "{}'s rows in the loaded page", system.system);
    }
    // The sorting script ran: it wrote each song's difference between the two systems.
    let differences = dom.matches("class=\"num diff\" rowspan=\"2\">").count();
    let written = dom.split("class=\"num diff\" rowspan=\"2\">").skip(1).filter(|rest| !rest.starts_with('<')).count();
    assert_eq!((differences, written), (ids.len(), ids.len()), "{dom}");

    let sources: Vec<&str> =
        dom.split("<audio ").skip(1).filter_map(|tag| tag.split("src=\"").nth(1)?.split('"').next()).collect();
    let expected = if synth.is_some() { ids.len() * played.len() } else { 0 };
    assert_eq!(sources.len(), expected, "an audio player per render");
    for source in sources {
        let file = out.path().join(source);
        assert!(std::fs::metadata(&file).is_ok_and(|m| m.len() > 44), "{} is missing or empty", file.display());
    }

    let screenshot = out.path().join("report.png");
    let args = [format!("--screenshot={}", screenshot.display()), "--window-size=1200,900".into()];
    headless(&browser, profile.path(), &args, &report);
    let png = std::fs::read(&screenshot).expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "{} bytes", png.len());
}
