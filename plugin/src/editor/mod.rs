//! Comper's window (egui): what plays now and what comes next, how the model is doing, and the
//! musician's controls. It reads the worker's [`Status`] and sets parameters through the host;
//! nothing here runs on the audio thread.

mod blind_panel;
mod capture_panel;
mod controls;
mod keyboard;
mod model_picker;
mod now_playing;
mod palette;
mod status_panel;
mod timeline_view;

use crate::link::Status;
use crate::params::ComperParams;
use blind_panel::BlindPanel;
use capture_panel::CapturePanel;
use comper_music::Part;
use model_picker::ModelPicker;
use nice_plug::context::gui::GuiContext;
use nice_plug::editor::ResizeHint;
use nice_plug::editor::dpi::LogicalSize;
use nice_plug::params::persist::PersistentField;
use nice_plug_egui::{EguiEditor, EguiEditorState, EguiNiceSettings, NiceEguiApp, RepaintNotifier, create_egui_editor};
use status_panel::Watchdog;
use std::sync::Arc;
use std::time::Duration;

/// The window's size in logical pixels at 100%: also the least it can be resized to.
pub const WIDTH: f64 = 800.0;
pub const HEIGHT: f64 = 780.0;
/// The scales the window offers.
const SCALES: [f32; 5] = [1.0, 1.25, 1.5, 1.75, 2.0];
/// How often the window redraws while open (the timeline moves with the music).
const REDRAW: Duration = Duration::from_millis(40);

/// The window's initial size and open state, kept by the plugin.
pub fn default_state() -> Arc<EguiEditorState> {
    EguiEditorState::from_size(LogicalSize::new(WIDTH, HEIGHT), 1.0)
}

/// The editor the host opens.
pub fn create(
    params: Arc<ComperParams>,
    status: Arc<Status>,
    state: Arc<EguiEditorState>,
) -> Option<EguiEditor<Window>> {
    let window = Window {
        params,
        status,
        gui: None,
        models: ModelPicker::default(),
        capture: CapturePanel::default(),
        watchdog: Watchdog::default(),
        blind: BlindPanel::default(),
        page: Page::default(),
    };
    let least = LogicalSize::new(WIDTH as f32, HEIGHT as f32);
    let settings = EguiNiceSettings::new()
        .with_tile("Comper")
        .with_resize_hint(ResizeHint::resizable().with_min_logical_size(least));
    create_egui_editor(state, RepaintNotifier::default(), settings, window)
}

pub struct Window {
    params: Arc<ComperParams>,
    status: Arc<Status>,
    /// The host's side of parameter changes, while the window is open.
    gui: Option<GuiContext>,
    models: ModelPicker,
    capture: CapturePanel,
    watchdog: Watchdog,
    blind: BlindPanel,
    page: Page,
}

/// What the lower half of the window shows.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
enum Page {
    #[default]
    Controls,
    BlindComparison,
}

impl Window {
    /// The scale control: the window grows with it, and the project keeps it.
    fn scale(&mut self, ui: &mut egui::Ui) {
        let current = self.params.window_scale.get();
        egui::ComboBox::from_id_salt("scale").selected_text(format!("{:.0}%", current * 100.0)).show_ui(ui, |ui| {
            for scale in SCALES {
                if ui.selectable_label(scale == current, format!("{:.0}%", scale * 100.0)).clicked() {
                    self.params.window_scale.set(scale);
                    ui.ctx().set_zoom_factor(scale);
                }
            }
        });
        ui.label("Scale");
    }
}

impl NiceEguiApp for Window {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        gui: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        egui_ctx.set_visuals(egui::Visuals::dark());
        egui_ctx.set_zoom_factor(self.params.window_scale.get());
        self.gui = Some(gui);
        self.models.refresh();
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut nice_plug_egui::Frame) {
        ui.ctx().request_repaint_after(REDRAW);
        let Some(gui) = self.gui.clone() else { return };
        let setter = gui.param_setter();
        let timeline = self.status.timeline();
        egui::Frame::new().inner_margin(10.0).show(ui, |ui| {
            status_panel::header(ui, &self.status, &mut self.watchdog, self.blind.is_blind());
            ui.separator();
            ui.horizontal(|ui| {
                now_playing::show(ui, &timeline);
                ui.separator();
                status_panel::show(ui, &self.status, &timeline);
            });
            let chord_colour = timeline.current_chord().map_or(palette::GRID, |c| palette::chord(c, 1.0));
            let (melody, chord) = (timeline.sounding_keys(Part::Melody), timeline.sounding_keys(Part::Chords));
            keyboard::show(ui, &melody, &chord, chord_colour);
            timeline_view::show(ui, &timeline);
            ui.horizontal(|ui| {
                ui.selectable_value(&mut self.page, Page::Controls, "Controls");
                ui.selectable_value(&mut self.page, Page::BlindComparison, "Blind A/B");
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| self.scale(ui));
            });
            ui.separator();
            match self.page {
                Page::Controls => {
                    controls::show(ui, &self.params, &setter);
                    ui.separator();
                    ui.columns(2, |columns| {
                        if self.blind.is_blind() {
                            columns[0].label("Model: hidden during the blind comparison");
                        } else {
                            self.models.show(&mut columns[0], &self.params.model);
                        }
                        self.capture.show(&mut columns[1], &timeline, &self.params, &self.status);
                    });
                }
                Page::BlindComparison => {
                    self.blind.show(ui, self.models.models(), &timeline, &self.params, &self.status)
                }
            }
        });
    }

    fn editor_closed(&mut self) {
        self.gui = None;
    }
}
