//! Comper without a DAW: nice-plug's standalone wrapper, with JACK or ALSA MIDI in and out
//! (`comper-standalone --help` lists the backends and ports).

fn main() {
    nice_plug::nice_export_standalone::<comper::Comper>();
}
