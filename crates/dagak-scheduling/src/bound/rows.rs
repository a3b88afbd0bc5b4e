//! The vector operations of the PDHG on the LP's rows (the relaxed constraints, laid out like the
//! multipliers) and columns (the request-slot pairs): the preconditioned steps, the dual step, the
//! projection on a request's capped simplex, `K x`, norms and copies.

use super::Multipliers;
use crate::model::Model;

/// The preconditioned steps: `1 / n[i]` per relaxed row that can bind (0 for the others) and
/// `1 / n[r]` per request (Pock & Chambolle 2011, α = 1).
pub(super) fn steps(model: &Model) -> (Multipliers, Vec<f64>) {
    let n_slots = model.n_slots;
    let mut columns = Multipliers::zero(model);
    let mut requests_of = vec![0.0f64; model.n_participants];
    for request in 0..model.n_requests() {
        if model.candidates(request).is_empty() {
            continue;
        }
        let participant_a = model.participant_a[request] as usize;
        let participant_b = model.participant_b[request] as usize;
        for &slot in model.candidates(request) {
            let slot = slot as usize;
            columns.participant_slot[participant_a * n_slots + slot] += 1.0;
            columns.participant_slot[participant_b * n_slots + slot] += 1.0;
            columns.slot[slot] += 1.0;
            columns.participant[participant_a] += 1.0;
            columns.participant[participant_b] += 1.0;
        }
        requests_of[participant_a] += 1.0;
        requests_of[participant_b] += 1.0;
    }
    let mut sigma = Multipliers::zero(model);
    for (step, &count) in sigma.participant_slot.iter_mut().zip(&columns.participant_slot) {
        *step = if count >= 2.0 { 1.0 / count } else { 0.0 };
    }
    for (slot, step) in sigma.slot.iter_mut().enumerate() {
        let count = columns.slot[slot];
        *step = if count > f64::from(model.tables[slot]) { 1.0 / count } else { 0.0 };
    }
    for (participant, step) in sigma.participant.iter_mut().enumerate() {
        let binds = requests_of[participant] > f64::from(model.max_meetings[participant]);
        *step = if binds { 1.0 / columns.participant[participant] } else { 0.0 };
    }
    let tau = (0..model.n_requests())
        .map(|request| {
            let participant_a = model.participant_a[request] as usize;
            let participant_b = model.participant_b[request] as usize;
            let budget_rows = u32::from(sigma.participant[participant_a] > 0.0)
                + u32::from(sigma.participant[participant_b] > 0.0);
            let most_rows = model
                .candidates(request)
                .iter()
                .map(|&slot| {
                    let slot = slot as usize;
                    u32::from(sigma.participant_slot[participant_a * n_slots + slot] > 0.0)
                        + u32::from(sigma.participant_slot[participant_b * n_slots + slot] > 0.0)
                        + u32::from(sigma.slot[slot] > 0.0)
                })
                .max()
                .unwrap_or(0)
                + budget_rows;
            1.0 / f64::from(most_rows.max(1))
        })
        .collect();
    (sigma, tau)
}

/// `y⁺ = max(0, y + scale σ (2 new − old − capacity))` row by row, and the running sum of `y⁺`.
pub(super) fn dual_step(
    prices: &mut [f64],
    sums: &mut [f64],
    sigma: &[f64],
    new: &[f64],
    old: &[f64],
    capacity: impl Fn(usize) -> f64,
    scale: f64,
) {
    for (row, price) in prices.iter_mut().enumerate() {
        if sigma[row] > 0.0 {
            let extrapolated = 2.0 * new[row] - old[row];
            *price = (*price + scale * sigma[row] * (extrapolated - capacity(row))).max(0.0);
            sums[row] += *price;
        }
    }
}

/// Projects `values` on `{v ≥ 0, v ≤ 1, Σ v ≤ 1}`: the clip when the clipped values sum to at most
/// 1, else the projection on the simplex `{v ≥ 0, Σ v = 1}` (whose values are ≤ 1), by Michelot's
/// (1986) method: the threshold `θ` with `Σ max(v − θ, 0) = 1` is found by dropping the values at
/// or below the running estimate until none drops. `θ` is positive there, so only the positive
/// values take part.
pub(super) fn project_on_capped_simplex(values: &mut [f64], active: &mut Vec<f64>) {
    let clipped_sum: f64 = values.iter().map(|value| value.clamp(0.0, 1.0)).sum();
    if clipped_sum <= 1.0 {
        for value in values.iter_mut() {
            *value = value.clamp(0.0, 1.0);
        }
        return;
    }
    active.clear();
    active.extend(values.iter().copied().filter(|&value| value > 0.0));
    let mut threshold = (active.iter().sum::<f64>() - 1.0) / active.len() as f64;
    loop {
        let before = active.len();
        active.retain(|&value| value > threshold);
        if active.len() == before || active.is_empty() {
            break;
        }
        threshold = (active.iter().sum::<f64>() - 1.0) / active.len() as f64;
    }
    for value in values.iter_mut() {
        *value = (*value - threshold).max(0.0);
    }
}

/// `K x` into `load`.
pub(super) fn load_of(model: &Model, x: &[f32], load: &mut Multipliers) {
    let n_slots = model.n_slots;
    fill_zero(load);
    for request in 0..model.n_requests() {
        let participant_a = model.participant_a[request] as usize;
        let participant_b = model.participant_b[request] as usize;
        let range = model.candidate_start[request]..model.candidate_start[request + 1];
        for (&share, &slot) in x[range.clone()].iter().zip(&model.candidate_slots[range]) {
            if share != 0.0 {
                let slot = slot as usize;
                add_load(load, n_slots, participant_a, participant_b, slot, f64::from(share));
            }
        }
    }
}

pub(super) fn add_load(
    load: &mut Multipliers,
    n_slots: usize,
    participant_a: usize,
    participant_b: usize,
    slot: usize,
    value: f64,
) {
    load.participant_slot[participant_a * n_slots + slot] += value;
    load.participant_slot[participant_b * n_slots + slot] += value;
    load.slot[slot] += value;
    load.participant[participant_a] += value;
    load.participant[participant_b] += value;
}

/// `‖(K x − b)⁺‖₂`.
pub(super) fn excess_norm(model: &Model, load: &Multipliers) -> f64 {
    let mut squares = 0.0;
    for &load in &load.participant_slot {
        squares += (load - 1.0).max(0.0).powi(2);
    }
    for (slot, &load) in load.slot.iter().enumerate() {
        squares += (load - f64::from(model.tables[slot])).max(0.0).powi(2);
    }
    for (participant, &load) in load.participant.iter().enumerate() {
        squares += (load - f64::from(model.max_meetings[participant])).max(0.0).powi(2);
    }
    squares.sqrt()
}

/// `w·x`.
pub(super) fn primal_value(model: &Model, x: &[f32]) -> f64 {
    (0..model.n_requests())
        .map(|request| {
            let range = model.candidate_start[request]..model.candidate_start[request + 1];
            model.weight[request] * x[range].iter().map(|&share| f64::from(share)).sum::<f64>()
        })
        .sum()
}

pub(super) fn fill_zero(multipliers: &mut Multipliers) {
    multipliers.participant_slot.fill(0.0);
    multipliers.slot.fill(0.0);
    multipliers.participant.fill(0.0);
}

pub(super) fn copy_multipliers(target: &mut Multipliers, source: &Multipliers) {
    target.participant_slot.copy_from_slice(&source.participant_slot);
    target.slot.copy_from_slice(&source.slot);
    target.participant.copy_from_slice(&source.participant);
}

pub(super) fn average_multipliers(target: &mut Multipliers, sums: &Multipliers, count: f64) {
    for (target, source) in [
        (&mut target.participant_slot, &sums.participant_slot),
        (&mut target.slot, &sums.slot),
        (&mut target.participant, &sums.participant),
    ] {
        for (value, &sum) in target.iter_mut().zip(source.iter()) {
            *value = sum / count;
        }
    }
}

pub(super) fn distance(left: &[f32], right: &[f32]) -> f64 {
    left.iter().zip(right).map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2)).sum::<f64>().sqrt()
}

pub(super) fn multipliers_distance(left: &Multipliers, right: &Multipliers) -> f64 {
    let squares = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>();
    (squares(&left.participant_slot, &right.participant_slot)
        + squares(&left.slot, &right.slot)
        + squares(&left.participant, &right.participant))
    .sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_projection_lands_in_the_capped_simplex() {
        let mut sorted = Vec::new();
        let mut inside = vec![0.2, -0.5, 0.3];
        project_on_capped_simplex(&mut inside, &mut sorted);
        assert_eq!(inside, vec![0.2, 0.0, 0.3]);
        let mut outside = vec![1.5, 0.5, -1.0];
        project_on_capped_simplex(&mut outside, &mut sorted);
        assert_eq!(outside, vec![1.0, 0.0, 0.0]);
        let mut shared = vec![0.9, 0.9];
        project_on_capped_simplex(&mut shared, &mut sorted);
        assert!((shared[0] - 0.5).abs() < 1e-12 && (shared[1] - 0.5).abs() < 1e-12);
    }
}
