//! The map of the examples: their features projected onto the two directions along which
//! they vary most (PCA, by power iteration — no 2048 × 2048 matrix is formed), and the
//! examples whose nearest neighbours mostly belong to another class, flagged as possibly
//! mislabelled.

use super::standardizer::Standardizer;

/// Principal components kept for the neighbour search: distances there are close to the
/// full ones at a small fraction of the cost.
const NEIGHBOUR_COMPONENTS: usize = 32;

/// Power-iteration steps per component.
const ITERATIONS: usize = 60;

/// Neighbours each example is judged by.
pub const NEIGHBOURS: usize = 5;

/// An example whose neighbours mostly disagree with its label.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Flag {
    /// Its position in the rows given.
    pub index: usize,
    /// The class most of its neighbours have.
    pub neighbours_say: usize,
    /// How many of its `k` neighbours have that class.
    pub votes: usize,
}

/// The map of a set of examples: a point each, and those possibly mislabelled.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExampleMap {
    /// Each example's place on the first two principal directions, in the rows' order.
    pub points: Vec<(f32, f32)>,
    /// Examples whose [`NEIGHBOURS`] nearest mostly have another class.
    pub flags: Vec<Flag>,
}

/// The map of `rows` (an example's features each) labelled `labels` (class positions).
pub fn map_examples(rows: &[&[f32]], labels: &[usize]) -> ExampleMap {
    let points = principal_coordinates(rows, 2).into_iter().map(|c| (c.first().copied().unwrap_or(0.0), c.get(1).copied().unwrap_or(0.0))).collect();
    ExampleMap { points, flags: possibly_mislabelled(rows, labels, NEIGHBOURS) }
}

/// Each row's coordinates on the first `components` principal directions of `rows`
/// (centred; directions found one after another, each orthogonal to those before).
pub fn principal_coordinates(rows: &[&[f32]], components: usize) -> Vec<Vec<f32>> {
    let (n, dim) = (rows.len(), rows.first().map_or(0, |r| r.len()));
    if n == 0 || dim == 0 || rows.iter().any(|r| r.len() != dim) {
        return vec![Vec::new(); n];
    }
    let mut mean = vec![0.0f64; dim];
    rows.iter().for_each(|r| mean.iter_mut().zip(*r).for_each(|(m, &x)| *m += f64::from(x) / n as f64));
    let centred: Vec<Vec<f64>> = rows.iter().map(|r| r.iter().zip(&mean).map(|(&x, m)| f64::from(x) - m).collect()).collect();
    let mut directions: Vec<Vec<f64>> = Vec::new();
    for c in 0..components.min(dim).min(n) {
        // A fixed, dense start (the same every run) that no earlier direction contains.
        let mut v: Vec<f64> = (0..dim).map(|i| ((i * 7919 + c * 104_729) % 1000) as f64 / 1000.0 - 0.5).collect();
        for _ in 0..ITERATIONS {
            let scores: Vec<f64> = centred.iter().map(|row| dot(row, &v)).collect();
            let mut next = vec![0.0f64; dim];
            for (row, s) in centred.iter().zip(&scores) {
                next.iter_mut().zip(row).for_each(|(a, x)| *a += s * x);
            }
            for d in &directions {
                let along = dot(&next, d);
                next.iter_mut().zip(d).for_each(|(a, x)| *a -= along * x);
            }
            let norm = dot(&next, &next).sqrt();
            if norm < 1e-12 {
                break;
            }
            v = next.into_iter().map(|x| x / norm).collect();
        }
        directions.push(v);
    }
    centred.iter().map(|row| directions.iter().map(|d| dot(row, d) as f32).collect()).collect()
}

/// Examples whose `k` nearest neighbours (Euclidean, in the principal coordinates of the
/// standardized, length-normalised features) mostly — more than half — have one other
/// class. Standardizing first matters: raw ResNet features are dominated by a few
/// channels that vary with lighting more than with the thing shown.
pub fn possibly_mislabelled(rows: &[&[f32]], labels: &[usize], k: usize) -> Vec<Flag> {
    let n = rows.len().min(labels.len());
    if n <= k || k == 0 {
        return Vec::new();
    }
    let dim = rows[0].len();
    if dim == 0 || rows[..n].iter().any(|r| r.len() != dim) {
        return Vec::new();
    }
    let mut unit = rows[..n].concat();
    let standardizer = Standardizer::fit_width(&unit, dim);
    standardizer.apply(&mut unit);
    for row in unit.chunks_exact_mut(dim) {
        let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
        row.iter_mut().for_each(|x| *x /= norm);
    }
    let coordinates = principal_coordinates(&unit.chunks_exact(dim).collect::<Vec<_>>(), NEIGHBOUR_COMPONENTS);
    let mut flags = Vec::new();
    for (i, here) in coordinates.iter().enumerate() {
        let mut distances: Vec<(f32, usize)> = coordinates
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .map(|(j, there)| (here.iter().zip(there).map(|(a, b)| (a - b) * (a - b)).sum(), j))
            .collect();
        distances.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0));
        // The neighbours' labels counted (labels are the caller's: no table sized by them).
        let mut said: Vec<usize> = distances[..k].iter().map(|&(_, j)| labels[j]).collect();
        said.sort_unstable();
        let (neighbours_say, most) =
            said.chunk_by(|a, b| a == b).map(|run| (run[0], run.len())).max_by_key(|&(c, v)| (v, std::cmp::Reverse(c))).unwrap_or((0, 0));
        if neighbours_say != labels[i] && most * 2 > k {
            flags.push(Flag { index: i, neighbours_say, votes: most });
        }
    }
    flags
}

/// Each column shifted to mean 0 and scaled to variance 1 (constant columns to 0).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use rand_distr::{Distribution, Normal};

    use super::*;

    #[test]
    fn the_first_two_directions_are_the_widest_ones() {
        // Spread 10 along axis 3, 4 along axis 7, 0.5 along the other 62 axes.
        let mut rng = StdRng::seed_from_u64(1);
        let noise = Normal::new(0.0f32, 1.0).unwrap();
        let rows: Vec<Vec<f32>> = (0..400)
            .map(|_| {
                (0..64)
                    .map(|axis| {
                        noise.sample(&mut rng)
                            * if axis == 3 {
                                10.0
                            } else if axis == 7 {
                                4.0
                            } else {
                                0.5
                            }
                            + 2.0
                    })
                    .collect()
            })
            .collect();
        let refs: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
        let coordinates = principal_coordinates(&refs, 2);
        // The coordinates are the centred axes themselves (up to sign).
        let corr = |component: usize, axis: usize| {
            let (a, b): (Vec<f64>, Vec<f64>) = coordinates.iter().zip(&rows).map(|(c, r)| (f64::from(c[component]), f64::from(r[axis]))).unzip();
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            let (ma, mb) = (mean(&a), mean(&b));
            let cov: f64 = a.iter().zip(&b).map(|(x, y)| (x - ma) * (y - mb)).sum();
            let var = |v: &[f64], m: f64| v.iter().map(|x| (x - m).powi(2)).sum::<f64>();
            cov / (var(&a, ma) * var(&b, mb)).sqrt()
        };
        assert!(corr(0, 3).abs() > 0.99, "first component is axis 3: {}", corr(0, 3));
        assert!(corr(1, 7).abs() > 0.97, "second component is axis 7: {}", corr(1, 7));
        let mean0 = coordinates.iter().map(|c| f64::from(c[0])).sum::<f64>() / 400.0;
        assert!(mean0.abs() < 1e-3, "centred");
    }

    #[test]
    fn an_example_among_another_class_is_flagged() {
        let mut rng = StdRng::seed_from_u64(2);
        let noise = Normal::new(0.0f32, 1.0).unwrap();
        let centers: Vec<Vec<f32>> = (0..3).map(|_| (0..256).map(|_| noise.sample(&mut rng) + 3.0).collect()).collect();
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for (class, center) in centers.iter().enumerate() {
            for _ in 0..20 {
                rows.push(center.iter().map(|m| m + noise.sample(&mut rng) * 0.3).collect::<Vec<f32>>());
                labels.push(class);
            }
        }
        labels[5] = 2; // an example of class 0 labelled as class 2
        let refs: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
        let flags = possibly_mislabelled(&refs, &labels, 5);
        assert_eq!(flags, vec![Flag { index: 5, neighbours_say: 0, votes: 5 }]);
        assert!(possibly_mislabelled(&refs[..3], &labels[..3], 5).is_empty(), "too few to judge");
    }
}
