//! A GRU written out by hand: PyTorch's gate order (r, z, n) with the reset gate applied
//! after the recurrent matmul, one fused `[H, 3H]` recurrent matmul per step.
//!
//! Why not `burn::nn::Gru`: it runs six small matmuls a step and writes its output with
//! `slice_assign`, which trains markedly slower on a CPU, and the ONNX
//! step graph must mirror the exact arithmetic, which is easiest when we own it.
//! Sequences are kept as `Vec` of per-step tensors: slicing steps out of one differentiable
//! `[B, T, 3H]` tensor costs O(T²) in burn's backward pass.

use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::sigmoid;

/// One GRU layer.
#[derive(Module, Debug)]
pub struct GruLayer {
    /// Input projection, `[in, 3H]` (burn's layout: ONNX Gemm's B as is).
    pub ih: Linear,
    /// Recurrent projection, `[H, 3H]`.
    pub hh: Linear,
}

impl GruLayer {
    pub fn new(input: usize, hidden: usize, device: &Device) -> Self {
        GruLayer {
            ih: LinearConfig::new(input, 3 * hidden).init(device),
            hh: LinearConfig::new(hidden, 3 * hidden).init(device),
        }
    }

    pub fn hidden(&self) -> usize {
        self.hh.weight.dims()[0]
    }

    /// One step: input `x` `[B, in]`, state `h` `[B, H]` → new state.
    pub fn step(&self, x: Tensor<2>, h: Tensor<2>) -> Tensor<2> {
        let hd = self.hidden();
        let [b, _] = h.dims();
        let xp = self.ih.forward(x);
        let hp = self.hh.forward(h.clone());
        let rz = sigmoid(xp.clone().slice([0..b, 0..2 * hd]) + hp.clone().slice([0..b, 0..2 * hd]));
        let r = rz.clone().slice([0..b, 0..hd]);
        let z = rz.slice([0..b, hd..2 * hd]);
        let n = (xp.slice([0..b, 2 * hd..3 * hd]) + r * hp.slice([0..b, 2 * hd..3 * hd])).tanh();
        n.clone() + z * (h - n)
    }
}

/// Stacked GRU layers.
#[derive(Module, Debug)]
pub struct Gru {
    pub layers: Vec<GruLayer>,
}

impl Gru {
    pub fn new(input: usize, hidden: usize, layers: usize, device: &Device) -> Self {
        let layers = (0..layers).map(|i| GruLayer::new(if i == 0 { input } else { hidden }, hidden, device)).collect();
        Gru { layers }
    }

    pub fn hidden(&self) -> usize {
        self.layers[0].hidden()
    }

    /// Zero state for a batch: one `[B, H]` tensor per layer.
    pub fn zero_state(&self, batch: usize, device: &Device) -> Vec<Tensor<2>> {
        self.layers.iter().map(|l| Tensor::zeros([batch, l.hidden()], device)).collect()
    }

    /// Run a whole sequence from `state`; returns the top layer's output per step.
    pub fn forward(&self, inputs: Vec<Tensor<2>>, state: Vec<Tensor<2>>) -> Vec<Tensor<2>> {
        let mut xs = inputs;
        for (layer, h0) in self.layers.iter().zip(state) {
            let mut h = h0;
            xs = xs
                .into_iter()
                .map(|x| {
                    h = layer.step(x, h.clone());
                    h.clone()
                })
                .collect();
        }
        xs
    }

    /// One step through every layer; `state` is updated in place.
    pub fn step(&self, input: Tensor<2>, state: &mut [Tensor<2>]) -> Tensor<2> {
        let mut x = input;
        for (layer, h) in self.layers.iter().zip(state.iter_mut()) {
            *h = layer.step(x, h.clone());
            x = h.clone();
        }
        x
    }
}
