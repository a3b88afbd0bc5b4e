//! Small numerical helpers shared by the measures: means, standard deviations, correlations.

/// Arithmetic mean; 0 for an empty slice.
pub(crate) fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.iter().sum::<f64>() / values.len() as f64
}

/// Sum of squared deviations from the mean.
pub(crate) fn sum_of_squares(values: &[f64]) -> f64 {
    let centre = mean(values);
    values.iter().map(|value| (value - centre) * (value - centre)).sum()
}

/// Standard deviation with `ddof` degrees of freedom removed (0: population, 1: sample).
pub(crate) fn standard_deviation(values: &[f64], ddof: usize) -> f64 {
    let denominator = values.len().saturating_sub(ddof).max(1) as f64;
    (sum_of_squares(values) / denominator).sqrt()
}

/// Pearson correlation of two equally long slices; 0 when either is constant.
pub(crate) fn correlation(first: &[f64], second: &[f64]) -> f64 {
    let first_mean = mean(first);
    let second_mean = mean(second);
    let mut covariance = 0.0;
    let mut first_variance = 0.0;
    let mut second_variance = 0.0;
    for (a, b) in first.iter().zip(second) {
        covariance += (a - first_mean) * (b - second_mean);
        first_variance += (a - first_mean) * (a - first_mean);
        second_variance += (b - second_mean) * (b - second_mean);
    }
    if first_variance == 0.0 || second_variance == 0.0 {
        return 0.0;
    }
    covariance / (first_variance.sqrt() * second_variance.sqrt())
}

/// Z-scores `values` with the given centre and scale.
pub(crate) fn standardise(values: &[f64], centre: f64, scale: f64) -> Vec<f64> {
    values.iter().map(|value| (value - centre) / scale).collect()
}
