//! The evaluation's HTML report in a real browser: `cargo xtask eval --render`'s recipe runs
//! on the shipped models and two test melodies (each take rendered, with audio when there is
//! a SoundFont), and headless Chromium opens `report.html`: the page loads, its script runs,
//! every system has a row per song, and every audio player and MIDI link points at a file
//! that exists.
//!
//! Without Chromium on PATH the test says so and passes, unless `COMPER_BROWSER=required` (CI)
//! makes that a failure; likewise a missing SoundFont and `COMPER_SOUNDFONT=required`.

use comper_eval::evaluation::{self, Settings};
use comper_eval::render;
use comper_tests::{onnx_runtime, test_songs, workspace};
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

/// Songs played: enough for a row per song and system, few enough to stay quick.
const SONGS: usize = 2;

#[test]
fn the_report_page_loads_in_a_browser_with_every_system_and_its_audio() {
    let Some(browser) = browser() else { return };
    let font = soundfont();
    let out = tempfile::tempdir().unwrap();
    let settings = Settings {
        workspace: workspace(),
        limit: Some(SONGS),
        window: 128,
        // The page shows no duets.
        duets: 0,
        threads: Some(2),
        render: true,
        soundfont: font.clone(),
        out: Some(out.path().to_path_buf()),
        ..Settings::default()
    };
    let report = evaluation::run(settings, test_songs(), &onnx_runtime()).unwrap();
    let systems: Vec<&str> = report.systems.iter().map(|s| s.system.as_str()).collect();
    assert!(systems.len() >= 3, "the ground truth and the shipped models: {systems:?}");
    let page = out.path().join("report.html");

    let profile = tempfile::tempdir().unwrap();
    let dom = String::from_utf8(headless(&browser, profile.path(), &["--dump-dom".into()], &page).stdout).unwrap();
    for system in &systems {
        let count = dom.matches(&format!("<tr data-system=\"{system}\">")).count();
        assert_eq!(count, SONGS, "{system}'s rows in the loaded page");
    }
    // The sorting script ran: it wrote each song's difference between the two systems.
    let cell = format!("class=\"num diff\" rowspan=\"{}\">", systems.len());
    let differences = dom.matches(&cell).count();
    let written = dom.split(&cell).skip(1).filter(|rest| !rest.starts_with('<')).count();
    assert_eq!((differences, written), (SONGS, SONGS), "{dom}");

    let links = |tag: &str, attribute: &str| -> Vec<String> {
        let marker = format!("{attribute}=\"");
        dom.split(tag).skip(1).filter_map(|t| Some(t.split(&marker).nth(1)?.split('"').next()?.to_string())).collect()
    };
    let audio = links("<audio ", "src");
    let midi: Vec<String> = links("<a ", "href").into_iter().filter(|l| l.ends_with(".mid")).collect();
    let renders = SONGS * systems.len();
    assert_eq!(audio.len(), if font.is_some() { renders } else { 0 }, "an audio player per render");
    assert_eq!(midi.len(), renders, "a MIDI link per render");
    for (link, header) in audio.iter().map(|l| (l, &b"RIFF"[..])).chain(midi.iter().map(|l| (l, &b"MThd"[..]))) {
        let file = out.path().join(link);
        let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(bytes.starts_with(header) && bytes.len() > 44, "{} is not a render", file.display());
    }

    let screenshot = out.path().join("report.png");
    let args = [format!("--screenshot={}", screenshot.display()), "--window-size=1200,900".into()];
    headless(&browser, profile.path(), &args, &page);
    let png = std::fs::read(&screenshot).expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "{} bytes", png.len());
}
