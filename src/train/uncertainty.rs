//! What to label next: unlabelled images ranked by how unsure the current head is of
//! them. The margin (the top class's probability minus the runner-up's) is small where
//! the head hesitates between two classes — where one more labelled example teaches it
//! most.

/// The top probability minus the runner-up's (the top one alone with a single class; 0
/// for none).
pub fn margin(probabilities: &[f32]) -> f32 {
    let (mut first, mut second) = (f32::NEG_INFINITY, f32::NEG_INFINITY);
    for &p in probabilities.iter().filter(|p| !p.is_nan()) {
        if p > first {
            (first, second) = (p, first);
        } else if p > second {
            second = p;
        }
    }
    match (first.is_finite(), second.is_finite()) {
        (true, true) => first - second,
        (true, false) => first,
        _ => 0.0,
    }
}

/// Positions of `probabilities` (one row per image), the least sure first (ties in
/// their given order).
pub fn least_sure_first(probabilities: &[Vec<f32>]) -> Vec<usize> {
    let margins: Vec<f32> = probabilities.iter().map(|p| margin(p)).collect();
    let mut order: Vec<usize> = (0..margins.len()).collect();
    order.sort_by(|&a, &b| margins[a].total_cmp(&margins[b]).then(a.cmp(&b)));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_margin_is_top_minus_runner_up() {
        assert!((margin(&[0.2, 0.5, 0.3]) - 0.2).abs() < 1e-6);
        assert!((margin(&[0.5, 0.5]) - 0.0).abs() < 1e-6);
        assert!((margin(&[1.0]) - 1.0).abs() < 1e-6);
        assert_eq!(margin(&[]), 0.0);
        assert!((margin(&[f32::NAN, 0.9, 0.1]) - 0.8).abs() < 1e-6);
    }

    #[test]
    fn images_the_head_hesitates_on_come_first() {
        let rows = vec![vec![0.9, 0.05, 0.05], vec![0.4, 0.45, 0.15], vec![0.6, 0.3, 0.1], vec![0.34, 0.33, 0.33]];
        assert_eq!(least_sure_first(&rows), vec![3, 1, 2, 0]);
        assert!(least_sure_first(&[]).is_empty());
    }
}
