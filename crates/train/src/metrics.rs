//! Reward-model quality in the seed paper's terms: retrieval recall@k and binary F1.

/// Recall@k of row-wise retrieval in an `n × n` similarity matrix (row-major) whose
/// diagonal holds the true pairs: the share of rows whose own column ranks in the top k.
pub fn recall_at_k(similarity: &[f32], n: usize, k: usize) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let hits = (0..n)
        .filter(|&i| {
            let row = &similarity[i * n..(i + 1) * n];
            let own = row[i];
            // Rank = how many others score strictly higher; ties count in the pair's favour.
            row.iter().filter(|&&s| s > own).count() < k
        })
        .count();
    hits as f64 / n as f64
}

/// Transpose of a row-major `n × n` matrix (column-wise retrieval).
pub fn transpose(matrix: &[f32], n: usize) -> Vec<f32> {
    (0..n * n).map(|idx| matrix[(idx % n) * n + idx / n]).collect()
}

/// Precision, recall and F1 of binary predictions `(predicted, actual)`.
pub fn precision_recall_f1(pairs: impl IntoIterator<Item = (bool, bool)>) -> (f64, f64, f64) {
    let (mut tp, mut fp, mut fneg) = (0usize, 0usize, 0usize);
    for (predicted, actual) in pairs {
        match (predicted, actual) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fneg += 1,
            (false, false) => {}
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision = ratio(tp, tp + fp);
    let recall = ratio(tp, tp + fneg);
    let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
    (precision, recall, f1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recall_counts_the_true_pair_within_the_top_k() {
        // Row 0 finds itself first; row 1 ranks itself second; row 2 last.
        let sim = [0.9, 0.1, 0.2, 0.8, 0.5, 0.1, 0.9, 0.8, 0.1];
        assert!((recall_at_k(&sim, 3, 1) - 1.0 / 3.0).abs() < 1e-12);
        assert!((recall_at_k(&sim, 3, 2) - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(recall_at_k(&sim, 3, 3), 1.0);
        assert_eq!(transpose(&sim, 3)[1], 0.8);
    }

    #[test]
    fn f1_of_a_known_confusion() {
        let pairs = [(true, true), (true, true), (true, false), (false, true), (false, false)];
        let (p, r, f) = precision_recall_f1(pairs);
        assert!((p - 2.0 / 3.0).abs() < 1e-12 && (r - 2.0 / 3.0).abs() < 1e-12 && (f - 2.0 / 3.0).abs() < 1e-12);
    }
}
