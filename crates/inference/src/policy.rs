//! The online policy's step model run through ONNX Runtime: one token in, next-token
//! logits and the new state out (a GRU's hidden states, a transformer's key/value cache),
//! so a frame costs one step, not a re-run of the history.

use crate::card::ModelCard;
use crate::planner::StepModel;
use crate::runtime::{InferenceError, expect_tensor, session};
use comper_music::Token;
use ndarray::{Array2, Array3, ArrayView1, Ix2, Ix3};
use ort::environment::Environment;
use ort::session::Session;
use ort::value::{TensorElementType, TensorRef};
use std::path::{Path, PathBuf};

pub struct OnnxPolicy {
    session: Session,
    card: ModelCard,
    path: PathBuf,
    state: Array3<f32>,
}

impl OnnxPolicy {
    /// Load `model` (with one intra-op thread) and check it against its card.
    pub fn load(environment: &Environment, model: &Path, card: ModelCard) -> Result<OnnxPolicy, InferenceError> {
        let session = session(environment, model)?;
        check_io(&session, &card).map_err(|reason| InferenceError::Contract { path: model.to_path_buf(), reason })?;
        let [rows, columns] = card.architecture.state;
        let state = Array3::zeros((rows, 1, columns));
        Ok(OnnxPolicy { session, card, path: model.to_path_buf(), state })
    }

    pub fn card(&self) -> &ModelCard {
        &self.card
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Forget the history: zero state for `batch` parallel streams.
    pub fn reset(&mut self, batch: usize) {
        let [rows, columns] = self.card.architecture.state;
        self.state = Array3::zeros((rows, batch, columns));
    }

    /// Feed one token per stream; returns logits `[batch, vocab]`.
    pub fn step(&mut self, tokens: &[i64]) -> Result<Array2<f32>, InferenceError> {
        if tokens.len() != self.state.dim().1 {
            return Err(InferenceError::Run(format!("{} tokens for {} streams", tokens.len(), self.state.dim().1)));
        }
        let (logits, state) = self.run(tokens, &self.state.clone())?;
        self.state = state;
        Ok(logits)
    }

    /// One step of the exported graph from an explicit state: `(logits, new state)`.
    fn run(&mut self, tokens: &[i64], state: &Array3<f32>) -> Result<(Array2<f32>, Array3<f32>), InferenceError> {
        let run = |e: ort::Error| InferenceError::Run(e.to_string());
        let shape = |e: ndarray::ShapeError| InferenceError::Run(e.to_string());
        let token = ArrayView1::from(tokens);
        let io = &self.card.io;
        let outputs = self
            .session
            .run(ort::inputs![
                io.token.as_str() => TensorRef::from_array_view(token).map_err(run)?,
                io.state.as_str() => TensorRef::from_array_view(state).map_err(run)?,
            ])
            .map_err(run)?;
        // Shapes are checked before anything is copied: a model can say one thing in its
        // card and do another (a state that doubles every step, logits of another length).
        let logits = outputs[io.logits.as_str()].try_extract_array::<f32>().map_err(run)?;
        let logits = logits.into_dimensionality::<Ix2>().map_err(shape)?;
        let new_state = outputs[io.new_state.as_str()].try_extract_array::<f32>().map_err(run)?;
        let new_state = new_state.into_dimensionality::<Ix3>().map_err(shape)?;
        let expected = (tokens.len(), self.card.tokens.vocab_size);
        if logits.dim() != expected || new_state.dim() != state.dim() {
            let reason = format!(
                "the model answered logits {:?} and a state {:?} for logits {expected:?} and a state {:?}",
                logits.dim(),
                new_state.dim(),
                state.dim()
            );
            return Err(InferenceError::Contract { path: self.path.clone(), reason });
        }
        Ok((logits.to_owned(), new_state.to_owned()))
    }
}

/// One stream, state kept by the caller: what the [`Planner`](crate::Planner) drives.
impl StepModel for OnnxPolicy {
    type State = Array3<f32>;

    fn initial_state(&self) -> Array3<f32> {
        let [rows, columns] = self.card.architecture.state;
        Array3::zeros((rows, 1, columns))
    }

    fn step(&mut self, state: &mut Array3<f32>, token: Token) -> Result<Vec<f32>, InferenceError> {
        let (logits, new_state) = self.run(&[token.id() as i64], state)?;
        *state = new_state;
        Ok(logits.into_raw_vec_and_offset().0)
    }

    /// One run of the graph with the state copied into a stream per token.
    fn step_each(&mut self, state: &Array3<f32>, tokens: &[Token]) -> Result<Vec<Vec<f32>>, InferenceError> {
        let (rows, _, columns) = state.dim();
        let states = state.broadcast((rows, tokens.len(), columns)).ok_or_else(|| {
            InferenceError::Run(format!("a state of {:?} cannot stand for {} streams", state.dim(), tokens.len()))
        })?;
        let ids: Vec<i64> = tokens.iter().map(|t| t.id() as i64).collect();
        let (logits, _) = self.run(&ids, &states.to_owned())?;
        if logits.nrows() != tokens.len() {
            return Err(InferenceError::Run(format!("{} rows of logits for {} streams", logits.nrows(), tokens.len())));
        }
        Ok(logits.outer_iter().map(|row| row.to_vec()).collect())
    }
}

/// The session has the card's input and output names with the right element types.
fn check_io(session: &Session, card: &ModelCard) -> Result<(), String> {
    let io = &card.io;
    expect_tensor(session.inputs(), &io.token, TensorElementType::Int64)?;
    expect_tensor(session.inputs(), &io.state, TensorElementType::Float32)?;
    expect_tensor(session.outputs(), &io.logits, TensorElementType::Float32)?;
    expect_tensor(session.outputs(), &io.new_state, TensorElementType::Float32)
}
