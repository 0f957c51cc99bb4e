//! The timeline: the last bars of melody and chords as played, and the plan ahead, committed
//! chords solid and tentative ones faded (as the seed's live system drew them). A dot marks a
//! chord that changed because of the note played with it.

use super::palette;
use crate::link::Timeline;
use comper_music::spans::chord_spans;
use comper_music::token::{sounding_chord, sounding_pitch};
use comper_music::{FRAMES_PER_BEAT, Token};
use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, Ui, Vec2};

/// Frames shown before and after now: three bars of 4/4 back, two ahead (the longest lookahead).
const PAST: u32 = 3 * 4 * FRAMES_PER_BEAT as u32;
const AHEAD: u32 = 2 * 4 * FRAMES_PER_BEAT as u32;
const HEIGHT: f32 = 150.0;
const CHORD_BAND: f32 = 34.0;
/// How planned chords are drawn: committed ones nearly solid, tentative ones faded.
const COMMITTED_ALPHA: f32 = 0.85;
const TENTATIVE_ALPHA: f32 = 0.3;
/// Radius of the dot on a chord the note chose.
const BY_NOTE_DOT: f32 = 3.0;

pub fn show(ui: &mut Ui, timeline: &Timeline) {
    let (rect, _) = ui.allocate_exact_size(Vec2::new(ui.available_width(), HEIGHT), Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 4.0, Color32::from_gray(24));
    let now = timeline.next_frame();
    let first = now.saturating_sub(PAST);
    let spelling = timeline.key().unwrap_or_default();
    let width = rect.width() / (PAST + AHEAD) as f32;
    let x = |frame: u32| rect.left() + (frame as f32 - first as f32) * width;

    for frame in first..first + PAST + AHEAD {
        let place = timeline.bar_place(frame);
        if place.is_beat() {
            let stroke = Stroke::new(if place.is_downbeat() { 1.5 } else { 0.5 }, palette::GRID);
            painter.line_segment([Pos2::new(x(frame), rect.top()), Pos2::new(x(frame), rect.bottom())], stroke);
        }
    }

    let played: Vec<_> = timeline.played_since(first).collect();
    let melody_area = Rect::from_min_max(rect.min, Pos2::new(rect.right(), rect.bottom() - CHORD_BAND - 4.0));
    let pitches: Vec<u8> = played.iter().filter_map(|f| sounding_pitch(f.melody)).collect();
    let low = pitches.iter().min().map_or(60, |&p| p.saturating_sub(2)).min(72 - 12);
    let high = pitches.iter().max().map_or(72, |&p| p + 2).max(low + 24);
    let row = melody_area.height() / f32::from(high - low);
    for f in &played {
        if let Some(pitch) = sounding_pitch(f.melody) {
            let y = melody_area.bottom() - f32::from(pitch - low) * row;
            let note = Rect::from_min_max(Pos2::new(x(f.frame), y - row), Pos2::new(x(f.frame + 1), y));
            painter.rect_filled(note.shrink2(Vec2::new(0.0, 0.5)), 1.0, palette::MELODY);
        }
    }

    let band = |from: u32, to: u32| {
        Rect::from_min_max(Pos2::new(x(from), rect.bottom() - CHORD_BAND), Pos2::new(x(to), rect.bottom() - 2.0))
    };
    let label = |rect: Rect, text: String| {
        if rect.width() > 18.0 {
            painter.text(
                rect.left_center() + Vec2::new(3.0, 0.0),
                Align2::LEFT_CENTER,
                text,
                FontId::proportional(13.0),
                Color32::BLACK,
            );
        }
    };
    let played_chords: Vec<Token> = played.iter().map(|f| f.chord).collect();
    for span in chord_spans(&played_chords) {
        let start = first + span.start as u32;
        let r = band(start, start + span.frames as u32);
        painter.rect_filled(r.shrink2(Vec2::new(0.5, 0.0)), 2.0, palette::chord(span.chord, 1.0));
        label(r, spelling.chord(span.chord.chord()));
        if played[span.start].by_note {
            painter.circle_filled(r.left_top() + Vec2::new(4.0, 4.0), BY_NOTE_DOT, palette::NOW);
        }
    }
    let plan: Vec<_> = timeline.plan().iter().filter(|c| c.frame >= now && c.frame < first + PAST + AHEAD).collect();
    for planned in &plan {
        if let Some(chord) = sounding_chord(planned.token) {
            let alpha = if planned.committed { COMMITTED_ALPHA } else { TENTATIVE_ALPHA };
            painter.rect_filled(band(planned.frame, planned.frame + 1), 0.0, palette::chord(chord, alpha));
        }
    }
    let plan_tokens: Vec<Token> = plan.iter().map(|c| c.token).collect();
    for span in chord_spans(&plan_tokens) {
        let start = plan[span.start].frame;
        label(band(start, start + span.frames as u32), spelling.chord(span.chord.chord()));
    }

    painter.line_segment(
        [Pos2::new(x(now), rect.top()), Pos2::new(x(now), rect.bottom())],
        Stroke::new(2.0, palette::NOW),
    );
}
