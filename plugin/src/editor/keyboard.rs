//! A small keyboard with the notes sounding now: the melody as it is played and the chord
//! tones as Comper voiced and sent them.

use super::palette;
use egui::{Color32, Pos2, Rect, Sense, Stroke, Ui, Vec2};

/// The keys shown (C2 to C7), widened to take in any note outside them.
const LOWEST: u8 = 36;
const HIGHEST: u8 = 96;
const HEIGHT: f32 = 44.0;
/// A black key's share of a white key's width and height.
const BLACK_WIDTH: f32 = 0.6;
const BLACK_HEIGHT: f32 = 0.62;

/// Whether `key` is a black key.
fn is_black(key: u8) -> bool {
    matches!(key % 12, 1 | 3 | 6 | 8 | 10)
}

/// The keys to draw: from a C to a C, taking in every sounding key.
fn range(sounding: impl Iterator<Item = u8>) -> (u8, u8) {
    let (low, high) = sounding.fold((LOWEST, HIGHEST), |(low, high), key| (low.min(key), high.max(key)));
    (low - low % 12, (high + (12 - high % 12) % 12).min(127))
}

/// Draw the keyboard, the melody's keys in the "now" colour and the chord's in its own.
pub fn show(ui: &mut Ui, melody: &[u8], chord: &[u8], chord_colour: Color32) {
    let (rect, _) = ui.allocate_exact_size(Vec2::new(ui.available_width(), HEIGHT), Sense::hover());
    let painter = ui.painter_at(rect);
    let (low, high) = range(melody.iter().chain(chord).copied());
    let whites: Vec<u8> = (low..=high).filter(|&k| !is_black(k)).collect();
    let width = rect.width() / whites.len() as f32;
    let colour = |key: u8, plain: Color32| {
        if melody.contains(&key) {
            palette::NOW
        } else if chord.contains(&key) {
            chord_colour
        } else {
            plain
        }
    };
    let mut x = rect.left();
    let mut black_keys = Vec::new();
    for key in low..=high {
        if is_black(key) {
            let r = Rect::from_min_size(
                Pos2::new(x - width * BLACK_WIDTH / 2.0, rect.top()),
                Vec2::new(width * BLACK_WIDTH, HEIGHT * BLACK_HEIGHT),
            );
            black_keys.push((r, colour(key, Color32::from_gray(20))));
        } else {
            let r = Rect::from_min_size(Pos2::new(x, rect.top()), Vec2::new(width, HEIGHT));
            painter.rect_filled(r.shrink(0.5), 1.0, colour(key, Color32::from_gray(225)));
            painter.rect_stroke(r.shrink(0.5), 1.0, Stroke::new(0.5, palette::GRID), egui::StrokeKind::Inside);
            x += width;
        }
    }
    for (r, fill) in black_keys {
        painter.rect_filled(r, 1.0, fill);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keyboard_spans_whole_octaves_around_every_sounding_key() {
        assert_eq!(range([60, 64].into_iter()), (36, 96));
        assert_eq!(range([30, 100].into_iter()), (24, 108));
        assert_eq!(range([127].into_iter()), (36, 127));
        assert_eq!((0..12).filter(|&k| is_black(k)).count(), 5);
    }
}
