//! The musician's controls: every one a host parameter, so it is automatable and saved with
//! the session.

use crate::params::ComperParams;
use egui::Ui;
use nice_plug::prelude::{BoolParam, Param, ParamSetter};
use nice_plug_egui::widgets::ParamSlider;

pub fn show(ui: &mut Ui, params: &ComperParams, setter: &ParamSetter) {
    ui.columns(3, |columns| {
        group(&mut columns[0], "Playing", |ui| {
            slider(ui, &params.temperature, setter, "Adventure");
            slider(ui, &params.lookahead_beats, setter, "Lookahead");
            slider(ui, &params.commit_beats, setter, "Commit");
            slider(ui, &params.listen_beats, setter, "Listen");
            toggle(ui, &params.react, setter, "Hear the note");
            slider(ui, &params.react_window, setter, "React window");
            slider(ui, &params.changes_on, setter, "Changes on");
            slider(ui, &params.seed, setter, "Seed");
        });
        group(&mut columns[1], "Sound", |ui| {
            slider(ui, &params.octave, setter, "Octave");
            slider(ui, &params.velocity, setter, "Velocity");
            slider(ui, &params.rhythm, setter, "Rhythm");
            slider(ui, &params.humanize, setter, "Humanize");
            toggle(ui, &params.bass, setter, "Bass note");
            toggle(ui, &params.spread, setter, "Spread");
            toggle(ui, &params.voice_leading, setter, "Voice leading");
            toggle(ui, &params.below_melody, setter, "Below melody");
        });
        group(&mut columns[2], "Routing and clock", |ui| {
            slider(ui, &params.channel, setter, "Channel");
            toggle(ui, &params.melody_thru, setter, "Melody thru");
            toggle(ui, &params.free_run, setter, "Free-run");
            slider(ui, &params.free_tempo, setter, "Tempo");
            toggle(ui, &params.bypass, setter, "Bypass");
        });
    });
}

/// A titled column of rows, each a label and its control.
fn group(ui: &mut Ui, title: &str, add: impl FnOnce(&mut Ui)) {
    ui.strong(title);
    egui::Grid::new(title).num_columns(2).spacing([8.0, 4.0]).show(ui, add);
}

fn slider<P: Param>(ui: &mut Ui, param: &P, setter: &ParamSetter, label: &str) {
    ui.label(label);
    ui.add(ParamSlider::for_param(param, setter).with_width(90.0));
    ui.end_row();
}

/// A checkbox that sets a boolean parameter as one host gesture.
fn toggle(ui: &mut Ui, param: &BoolParam, setter: &ParamSetter, label: &str) {
    let mut on = param.value();
    ui.label(label);
    if ui.checkbox(&mut on, "").changed() {
        setter.begin_set_parameter(param);
        setter.set_parameter(param, on);
        setter.end_set_parameter(param);
    }
    ui.end_row();
}
