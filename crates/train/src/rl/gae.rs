//! Generalised advantage estimation over the chord positions of one rollout (`docs/method.md` §4.4:
//! γ = 1, λ = 0.95, the value after the last chord is 0), and advantage whitening.

/// Advantages and returns (advantage + value) of one rollout's chord actions.
pub fn gae(rewards: &[f32], values: &[f32], gamma: f32, lambda: f32) -> (Vec<f32>, Vec<f32>) {
    let n = rewards.len();
    let mut advantages = vec![0.0; n];
    let mut next_advantage = 0.0;
    for t in (0..n).rev() {
        let next_value = if t + 1 < n { values[t + 1] } else { 0.0 };
        let delta = rewards[t] + gamma * next_value - values[t];
        next_advantage = delta + gamma * lambda * next_advantage;
        advantages[t] = next_advantage;
    }
    let returns = advantages.iter().zip(values).map(|(a, v)| a + v).collect();
    (advantages, returns)
}

/// Shift to mean 0 and scale to standard deviation 1 (over every action of the buffer).
pub fn whiten(values: &mut [f32]) {
    let n = values.len().max(1) as f32;
    let mean = values.iter().sum::<f32>() / n;
    let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n).sqrt();
    for v in values.iter_mut() {
        *v = (*v - mean) / (std + 1e-8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f32], b: &[f32]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-6)
    }

    #[test]
    fn a_sparse_final_reward_flows_back_with_lambda() {
        // δ = (0, 0, 0.5); A2 = 0.5, A1 = 0.95·0.5, A0 = 0.95²·0.5.
        let (a, r) = gae(&[0.0, 0.0, 1.0], &[0.5, 0.5, 0.5], 1.0, 0.95);
        assert!(close(&a, &[0.45125, 0.475, 0.5]), "{a:?}");
        assert!(close(&r, &[0.95125, 0.975, 1.0]), "{r:?}");
    }

    #[test]
    fn lambda_one_gives_monte_carlo_returns_and_zero_gives_td() {
        let rewards = [0.1, -0.2, 1.0];
        let values = [0.3, 0.1, 0.7];
        let (_, mc) = gae(&rewards, &values, 1.0, 1.0);
        assert!(close(&mc, &[0.9, 0.8, 1.0]), "{mc:?}");
        let (td, _) = gae(&rewards, &values, 1.0, 0.0);
        assert!(close(&td, &[0.1 + 0.1 - 0.3, -0.2 + 0.7 - 0.1, 1.0 - 0.7]), "{td:?}");
    }

    #[test]
    fn whitening_centres_and_scales() {
        let mut v = [1.0, 2.0, 3.0, 4.0];
        whiten(&mut v);
        assert!(v.iter().sum::<f32>().abs() < 1e-6);
        assert!((v.iter().map(|x| x * x).sum::<f32>() / 4.0 - 1.0).abs() < 1e-5);
    }
}
