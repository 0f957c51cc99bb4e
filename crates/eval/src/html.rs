//! `report.html`: the evaluation to look at and listen to, one static page that needs no
//! server and no network (its style and script are inline; it links only the plots and
//! renders beside it, by relative path). It holds the report's tables, the plots, and per
//! song each system's chord chart, harmony and render, sortable by the per-song harmony
//! difference between two chosen systems.

use crate::chart;
use crate::per_song::SongRow;
use crate::render::{Played, Render};
use std::collections::HashMap;
use std::fmt::Write;

/// What the page shows.
pub struct Page<'a> {
    /// The report as Markdown ([`crate::report::Report::markdown`]): its headings, tables
    /// and notes become the page's, so the two never disagree.
    pub markdown: &'a str,
    /// The plots, by path relative to the page.
    pub plots: &'a [&'a str],
    /// The songs, in the order of every system's takes.
    pub ids: &'a [String],
    pub played: &'a [Played],
    /// The per-song rows (the CSV's).
    pub rows: &'a [SongRow],
    /// What was rendered (none without `--render`).
    pub renders: &'a [Render],
}

const STYLE: &str = "
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; vertical-align: top; }
th { background: #f2f2f2; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
#songs > tbody { border-top: 3px solid #888; }
.chart { font-family: ui-monospace, monospace; font-size: 12px; min-width: 32em; }
.bars { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); row-gap: 2px; }
.bar { border-left: 2px solid #999; padding: 0 0.4em; overflow-wrap: anywhere; background: #fafafa; }
figure { display: inline-block; vertical-align: top; margin: 0 1em 1em 0; }
figure img { max-width: 520px; border: 1px solid #ddd; }
audio { width: 230px; height: 2em; vertical-align: middle; }
td.listen { white-space: nowrap; }
";

/// Sort the songs (one `<tbody>` each) by harmony of system A minus system B, largest
/// first; songs where either has no harmony go last, ties keep the songs' order.
const SCRIPT: &str = "
const table = document.getElementById('songs');
const a = document.getElementById('sort-a'), b = document.getElementById('sort-b');
function sortSongs() {
  const i = Number(a.value), j = Number(b.value);
  const songs = Array.from(table.tBodies).map(body => {
    const h = JSON.parse(body.dataset.harmony);
    const d = h[i] === null || h[j] === null ? null : h[i] - h[j];
    body.querySelector('.diff').textContent = d === null ? '–' : (d < 0 ? '−' : '+') + Math.abs(d).toFixed(3);
    return [d, body];
  });
  songs.sort((x, y) => x[0] === null ? (y[0] === null ? 0 : 1) : y[0] === null ? -1 : y[0] - x[0]);
  songs.forEach(([, body]) => table.appendChild(body));
}
a.addEventListener('change', sortSongs);
b.addEventListener('change', sortSongs);
sortSongs();
";

impl Page<'_> {
    pub fn html(&self) -> String {
        let title = self.markdown.lines().find_map(|l| l.strip_prefix("# ")).unwrap_or("Evaluation");
        let mut html = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
            escape(title)
        );
        html.push_str(&markdown_html(self.markdown));
        if !self.plots.is_empty() {
            html.push_str("<h2>Plots</h2>\n");
            for plot in self.plots {
                let _ = writeln!(html, "<figure><img src=\"{0}\" alt=\"{0}\"></figure>", escape(plot));
            }
        }
        self.songs(&mut html);
        let _ = write!(html, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
        html
    }

    /// The per-song table, the two systems to sort by, and the sorting script's data: each
    /// song's harmony per system, in the systems' order.
    fn songs(&self, html: &mut String) {
        let rows: HashMap<(&str, &str), &SongRow> =
            self.rows.iter().map(|r| ((r.system.as_str(), r.song.as_str()), r)).collect();
        let renders: HashMap<(&str, &str), &Render> =
            self.renders.iter().map(|r| ((r.system.as_str(), r.song.as_str()), r)).collect();
        // Two models by default (the ground truth comes first when there is one), else the
        // model against the ground truth.
        let last = self.played.len().saturating_sub(1);
        let (a, b) = (1.min(last), if last >= 2 { 2 } else { 0 });
        let options = |selected: usize| -> String {
            let mut options = String::new();
            for (s, system) in self.played.iter().enumerate() {
                let mark = if s == selected { " selected" } else { "" };
                let _ = write!(options, "<option value=\"{s}\"{mark}>{}</option>", escape(&system.system));
            }
            options
        };
        let _ = writeln!(
            html,
            "<h2>Songs</h2>\n<p>Sorted by harmony per song of <select id=\"sort-a\">{}</select> minus \
             <select id=\"sort-b\">{}</select>, largest first. Chord charts: one cell per bar, four bars a line.</p>",
            options(a),
            options(b)
        );
        html.push_str(
            "<table id=\"songs\">\n<thead><tr><th>song</th><th class=\"num\">A − B</th><th>system</th>\
             <th class=\"num\">harmony</th><th class=\"num\">changes per bar</th><th>chords</th><th>listen</th></tr></thead>\n",
        );
        for (i, song) in self.ids.iter().enumerate() {
            let row = |system: &Played| rows.get(&(system.system.as_str(), song.as_str())).copied();
            let harmony: Vec<Option<f64>> = self.played.iter().map(|s| row(s).and_then(|r| r.harmony)).collect();
            let harmony = serde_json::to_string(&harmony).unwrap_or_else(|_| "[]".into());
            let _ = writeln!(html, "<tbody data-song=\"{}\" data-harmony=\"{}\">", escape(song), escape(&harmony));
            for (s, system) in self.played.iter().enumerate() {
                let _ = write!(html, "<tr data-system=\"{}\">", escape(&system.system));
                if s == 0 {
                    let span = self.played.len();
                    let _ = write!(
                        html,
                        "<th rowspan=\"{span}\">{}</th><td class=\"num diff\" rowspan=\"{span}\"></td>",
                        escape(song)
                    );
                }
                let (harmony, changes) = row(system).map_or(("–".into(), "–".into()), |r| {
                    (r.harmony.map_or("–".into(), |h| format!("{h:.3}")), format!("{:.2}", r.changes_per_bar))
                });
                let bars: String = system
                    .takes
                    .get(i)
                    .map(|t| {
                        chart::bars(t).iter().map(|bar| format!("<span class=\"bar\">{}</span>", escape(bar))).collect()
                    })
                    .unwrap_or_default();
                let _ = write!(
                    html,
                    "<td>{}</td><td class=\"num\">{harmony}</td><td class=\"num\">{changes}</td><td class=\"chart\"><div class=\"bars\">{bars}</div></td><td class=\"listen\">",
                    escape(&system.system)
                );
                if let Some(render) = renders.get(&(system.system.as_str(), song.as_str())) {
                    if let Some(audio) = &render.audio {
                        let _ = write!(html, "<audio controls preload=\"none\" src=\"{}\"></audio> ", escape(audio));
                    }
                    let _ = write!(html, "<a href=\"{}\">MIDI</a>", escape(&render.midi));
                }
                html.push_str("</td></tr>\n");
            }
            html.push_str("</tbody>\n");
        }
        html.push_str("</table>\n");
    }
}

/// `text` safe in HTML text and in a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The Markdown the report writes, as HTML: `#`/`##` headings, pipe tables (the separator
/// row's `---:` right-aligns a column), paragraphs and `code` spans; nothing else is needed.
fn markdown_html(md: &str) -> String {
    let mut html = String::new();
    let mut lines = md.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(title) = line.strip_prefix("## ") {
            let _ = writeln!(html, "<h2>{}</h2>", inline(title));
        } else if let Some(title) = line.strip_prefix("# ") {
            let _ = writeln!(html, "<h1>{}</h1>", inline(title));
        } else if line.starts_with('|') {
            let mut rows = vec![cells(line)];
            while let Some(row) = lines.next_if(|l| l.starts_with('|')) {
                rows.push(cells(row));
            }
            table(&mut html, &rows);
        } else if !line.trim().is_empty() {
            let mut text = line.to_string();
            while let Some(more) = lines.next_if(|l| !l.trim().is_empty() && !l.starts_with(['#', '|'])) {
                text.push(' ');
                text.push_str(more);
            }
            let _ = writeln!(html, "<p>{}</p>", inline(&text));
        }
    }
    html
}

fn cells(row: &str) -> Vec<&str> {
    row.trim().trim_start_matches('|').trim_end_matches('|').split('|').map(str::trim).collect()
}

fn table(html: &mut String, rows: &[Vec<&str>]) {
    let right: Vec<bool> = rows.get(1).map_or(vec![], |r| r.iter().map(|c| c.ends_with(':')).collect());
    let class = |c: usize| if right.get(c).copied().unwrap_or(false) { " class=\"num\"" } else { "" };
    html.push_str("<table>\n");
    for (r, row) in rows.iter().enumerate().filter(|&(r, _)| r != 1) {
        let tag = if r == 0 { "th" } else { "td" };
        html.push_str("<tr>");
        for (c, cell) in row.iter().enumerate() {
            let _ = write!(html, "<{tag}{}>{}</{tag}>", class(c), inline(cell));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n");
}

/// Escaped text with its `code` spans.
fn inline(text: &str) -> String {
    escape(text)
        .split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { format!("<code>{part}</code>") } else { part.to_string() })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::per_song;
    use comper_music::{Chord, ChordEvent, FrameTracks, Note, PitchClass, Quality};

    fn take(pitch: u8) -> FrameTracks {
        let melody = [Note { onset: 0.0, offset: 4.0, pitch }];
        let c =
            ChordEvent { onset: 0.0, offset: 4.0, chord: Chord::new(PitchClass::new(0), Quality::Major), bass: None };
        FrameTracks::encode(&melody, &[c])
    }

    /// Two systems, one with a name that would break out of the markup, on three songs.
    fn page_of(renders: &[Render]) -> String {
        let ids: Vec<String> = ["pop909/001", "a \"quoted\" <id>", "nottingham/3"].map(String::from).into();
        let played = [
            Played { system: "Ground truth".into(), takes: vec![take(64), take(66), take(67)] },
            Played { system: "<script>alert('x')</script> & co".into(), takes: vec![take(66), take(64), take(60)] },
        ];
        let rows: Vec<SongRow> = played.iter().flat_map(|p| per_song::rows(&p.system, &ids, &p.takes)).collect();
        let markdown =
            "# Evaluation\n\n`cargo xtask eval`\n\n| system | harmony |\n|---|---:|\n| Ground truth | 0.900 |\n";
        Page { markdown, plots: &["adaptation.png"], ids: &ids, played: &played, rows: &rows, renders }.html()
    }

    #[test]
    fn names_are_escaped_and_every_song_has_a_row_per_system() {
        let html = page_of(&[]);
        assert!(!html.contains("<script>alert") && !html.contains("<id>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"));
        assert!(html.contains("data-song=\"a &quot;quoted&quot; &lt;id&gt;\""));
        assert_eq!(html.matches("<tbody data-song=").count(), 3);
        assert_eq!(html.matches("<tr data-system=\"Ground truth\">").count(), 3);
        assert_eq!(html.matches("<tr data-system=").count(), 6);
        // E is in C, F# is not: the per-song harmony the sorting script reads.
        assert!(html.contains("data-song=\"pop909/001\" data-harmony=\"[1.0,0.0]\""), "{html}");
        assert!(html.contains("<span class=\"bar\">C</span>"));
        assert!(html.contains("<td class=\"num\">0.900</td>") && html.contains("<code>cargo xtask eval</code>"));
        assert!(html.contains("<img src=\"adaptation.png\""));
        assert!(!html.contains("<audio"), "nothing rendered, nothing to play");
        assert!(!html.contains("http:") && !html.contains("https:"), "no network");
    }

    #[test]
    fn each_render_has_its_player_and_its_midi() {
        let render = |song: &str, file: &str| Render {
            system: "Ground truth".into(),
            song: song.into(),
            midi: format!("renders/{file}.mid"),
            audio: Some(format!("renders/{file}.wav")),
        };
        let html = page_of(&[
            render("pop909/001", "01-pop909-001/1-ground-truth"),
            render("nottingham/3", "03-nottingham-3/1-ground-truth"),
        ]);
        assert_eq!(html.matches("<audio controls").count(), 2);
        assert!(html.contains("<audio controls preload=\"none\" src=\"renders/01-pop909-001/1-ground-truth.wav\">"));
        assert!(html.contains("<a href=\"renders/03-nottingham-3/1-ground-truth.mid\">MIDI</a>"));
    }
}
