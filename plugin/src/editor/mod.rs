//! Comper's window (egui): what plays now and what comes next, how the model is doing, and the
//! musician's controls. It reads the worker's [`Status`] and sets parameters through the host;
//! nothing here runs on the audio thread.

mod blind_panel;
mod capture_panel;
mod controls;
mod model_picker;
mod now_playing;
mod palette;
mod status_panel;
mod timeline_view;

use crate::link::Status;
use crate::params::ComperParams;
use blind_panel::BlindPanel;
use capture_panel::CapturePanel;
use model_picker::ModelPicker;
use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::LogicalSize;
use nice_plug_egui::{EguiEditor, EguiEditorState, EguiNiceSettings, NiceEguiApp, RepaintNotifier, create_egui_editor};
use status_panel::Watchdog;
use std::sync::Arc;
use std::time::Duration;

/// The window's size in logical pixels.
pub const WIDTH: f64 = 800.0;
pub const HEIGHT: f64 = 680.0;
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
    create_egui_editor(state, RepaintNotifier::default(), EguiNiceSettings::new().with_tile("Comper"), window)
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

impl NiceEguiApp for Window {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        gui: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        egui_ctx.set_visuals(egui::Visuals::dark());
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
            timeline_view::show(ui, &timeline);
            ui.horizontal(|ui| {
                ui.selectable_value(&mut self.page, Page::Controls, "Controls");
                ui.selectable_value(&mut self.page, Page::BlindComparison, "Blind A/B");
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
                        self.capture.show(&mut columns[1], &timeline, &self.status);
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
