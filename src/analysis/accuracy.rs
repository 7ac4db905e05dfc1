//! Grouping accuracy (GA), the measure log-template benchmarks use to score a grouping against
//! the true one (Zhu et al., "Tools and Benchmarks for Automated Log Parsing", ICSE-SEIP 2019).
//!
//! Owns the measure only; the benchmarks and tests that feed it own their data. Pure.
//!
//! A message counts as right when the set of messages in its predicted group is exactly the set
//! in its true group; GA is the share of messages that count.

use std::collections::HashMap;
use std::hash::Hash;

/// GA of `predicted` against `truth`, two labellings of the same messages (index by index).
/// 1.0 for no messages.
pub fn grouping_accuracy<T: Hash + Eq, P: Hash + Eq>(truth: &[T], predicted: &[P]) -> f64 {
    let n = truth.len().min(predicted.len());
    if n == 0 {
        return 1.0;
    }
    // Both groups of a message hold the same set exactly when the pair (true, predicted) covers
    // all of its true group and all of its predicted group.
    let mut true_size: HashMap<&T, usize> = HashMap::new();
    let mut predicted_size: HashMap<&P, usize> = HashMap::new();
    let mut pair_size: HashMap<(&T, &P), usize> = HashMap::new();
    for (t, p) in truth.iter().zip(predicted).take(n) {
        *true_size.entry(t).or_default() += 1;
        *predicted_size.entry(p).or_default() += 1;
        *pair_size.entry((t, p)).or_default() += 1;
    }
    let right: usize = pair_size
        .iter()
        .filter(|((t, p), size)| true_size[t] == **size && predicted_size[p] == **size)
        .map(|(_, size)| size)
        .sum();
    #[expect(clippy::cast_precision_loss, reason = "message counts are far below 2^52")]
    let ga = right as f64 / n as f64;
    ga
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_groups_count_and_split_or_merged_ones_do_not() {
        assert!((grouping_accuracy(&[1, 1, 2, 2], &["a", "a", "b", "b"]) - 1.0).abs() < 1e-9);
        // Group 2 split: its two messages are wrong; group 1 still right.
        assert!((grouping_accuracy(&[1, 1, 2, 2], &["a", "a", "b", "c"]) - 0.5).abs() < 1e-9);
        // Everything merged: nothing is right.
        assert!(grouping_accuracy(&[1, 1, 2, 2], &["a", "a", "a", "a"]).abs() < 1e-9);
        // A singleton merged into a big group spoils the big group too.
        assert!((grouping_accuracy(&[1, 1, 1, 2, 3], &["a", "a", "a", "a", "b"]) - 0.2).abs() < 1e-9);
        assert!((grouping_accuracy::<u8, u8>(&[], &[]) - 1.0).abs() < 1e-9);
    }
}
