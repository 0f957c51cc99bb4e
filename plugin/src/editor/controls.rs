//! The musician's controls: every one a host parameter, so it is automatable and saved with
//! the session, and labelled with the parameter's own name, so the window, the DAW's
//! automation list and the README say the same.

use crate::params::ComperParams;
use egui::Ui;
use nice_plug::prelude::{BoolParam, Param, ParamSetter};
use nice_plug_egui::widgets::ParamSlider;

pub fn show(ui: &mut Ui, params: &ComperParams, setter: &ParamSetter) {
    ui.columns(3, |columns| {
        group(&mut columns[0], "Playing", |ui| {
            slider(ui, &params.temperature, setter);
            slider(ui, &params.lookahead_beats, setter);
            slider(ui, &params.commit_beats, setter);
            slider(ui, &params.listen_beats, setter);
            toggle(ui, &params.react, setter);
            slider(ui, &params.react_window, setter);
            slider(ui, &params.changes_on, setter);
            slider(ui, &params.key, setter);
            slider(ui, &params.seed, setter);
        });
        group(&mut columns[1], "Sound", |ui| {
            slider(ui, &params.octave, setter);
            slider(ui, &params.velocity, setter);
            slider(ui, &params.rhythm, setter);
            slider(ui, &params.humanize, setter);
            toggle(ui, &params.bass, setter);
            toggle(ui, &params.spread, setter);
            toggle(ui, &params.voice_leading, setter);
            toggle(ui, &params.below_melody, setter);
        });
        group(&mut columns[2], "Routing and clock", |ui| {
            slider(ui, &params.channel, setter);
            toggle(ui, &params.melody_thru, setter);
            toggle(ui, &params.free_run, setter);
            slider(ui, &params.free_tempo, setter);
            toggle(ui, &params.bypass, setter);
            toggle(ui, &params.save_takes, setter);
        });
    });
}

/// A titled column of rows, each a label and its control.
fn group(ui: &mut Ui, title: &str, add: impl FnOnce(&mut Ui)) {
    ui.strong(title);
    egui::Grid::new(title).num_columns(2).spacing([6.0, 4.0]).show(ui, add);
}

fn slider<P: Param>(ui: &mut Ui, param: &P, setter: &ParamSetter) {
    ui.label(param.name());
    ui.add(ParamSlider::for_param(param, setter).with_width(44.0));
    ui.end_row();
}

/// A checkbox that sets a boolean parameter as one host gesture.
fn toggle(ui: &mut Ui, param: &BoolParam, setter: &ParamSetter) {
    let mut on = param.value();
    ui.label(param.name());
    if ui.checkbox(&mut on, "").changed() {
        setter.begin_set_parameter(param);
        setter.set_parameter(param, on);
        setter.end_set_parameter(param);
    }
    ui.end_row();
}
