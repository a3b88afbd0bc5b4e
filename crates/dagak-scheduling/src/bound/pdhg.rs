//! The multiplier method: a primal–dual hybrid gradient (PDHG) on the LP relaxation, in the
//! variant of PDLP (Applegate, Díaz, Hinder, Lubin, Lu, O'Donoghue & Schudy 2021, "Practical
//! large-scale linear programming using primal-dual hybrid gradient").
//!
//! The LP is `max w·x` subject to `K x ≤ b` (the participant-slot, table and meeting-budget rows,
//! all coefficients 1) and `x ∈ X`, where `X` is, per request, the capped simplex
//! `{x[r][·] ≥ 0, Σ_s x[r][s] ≤ 1}` (a pinned request is fixed in its slot). Its saddle function
//! is `w·x − y·(K x − b)` with `y = (μ, λ, ν) ≥ 0`, whose maximum over `X` is exactly the
//! Lagrangian `L(y)` of `mod.rs`. One iteration (Chambolle & Pock 2011):
//!
//! ```text
//! x⁺ = proj_X(x + T (w − Kᵀ y))            the reduced weights c[r][s] of mod.rs, scaled by τ[r]
//! y⁺ = max(0, y + Σ (K (2x⁺ − x) − b))
//! ```
//!
//! with the diagonal steps of Pock & Chambolle (2011, α = 1): `τ[r] = η / (ω n[r])` (`n[r]` the
//! most relaxed rows a column of `r` lies in, at most 5) and `σ[i] = η ω / n[i]` (`n[i]` the
//! columns of row `i`), which converge for `η ≤ 1` whatever the row lengths, so that a table row
//! of thousands of requests and a participant-slot row of three share one step rule. `L(y)` at
//! every iterate comes from the same pass that computes the reduced weights, so the bound costs
//! nothing extra; the projection on the capped simplex is a clip, or, when the clipped values sum
//! to more than 1, the sort-based projection on the simplex (Held, Wolfe & Crowder 1974).
//!
//! Every 64 iterations the current iterate and the average since the last restart are compared
//! by a KKT error `sqrt((ω ‖(K x − b)⁺‖)² + (L(y) − w·x)²)`; the method restarts from the
//! better of the two when that error fell below 0.2 of the error at the last restart, or below
//! 0.8 of it while rising again, or after 36 % of all iterations without a restart (the restart
//! scheme of cuPDLP, Lu & Yang 2023). At a restart the primal weight `ω` moves halfway (in
//! logarithm) to `‖Δy‖ / ‖Δx‖`, PDLP's rule for balancing the primal and dual progress.
//!
//! At each check the primal iterate is also scaled down row by row (each row's columns by
//! `b[i] / (K x)[i]` when the row is over capacity, each column by its worst row) into a feasible
//! LP solution, whose value is a proven lower bound on the LP optimum. The bound has converged
//! when it is within 0.1 % of the best such lower bound (or of the best schedule, which is one
//! too), and the method then stops, leaving the time to the schedule.

use super::rows::{
    average_multipliers, copy_multipliers, distance, dual_step, excess_norm, fill_zero, load_of,
    multipliers_distance, primal_value, project_on_capped_simplex, steps,
};
use super::{
    Evaluation, LagrangianSum, Multipliers, add_load, best_reduced_weight, lagrangian, valid_bound,
};
use crate::model::Model;

/// `η`: the share of the largest step the preconditioned iteration is proven to converge with.
const STEP: f64 = 0.99;

/// Iterations between two restart checks.
const RESTART_CHECK: u32 = 64;

/// cuPDLP's restart thresholds on the KKT error relative to the error at the last restart.
const BETA_SUFFICIENT: f64 = 0.2;
const BETA_NECESSARY: f64 = 0.8;
const BETA_ARTIFICIAL: f64 = 0.36;

/// The bound counts as converged within this relative distance of a proven lower bound on the LP
/// optimum.
const CONVERGED_GAP: f64 = 1e-3;

/// The multipliers, the PDHG iterate and its averages.
pub(crate) struct LagrangianBound {
    /// The primal iterate, one value per request-slot pair (the model's candidate layout).
    x: Vec<f32>,
    x_sum: Vec<f32>,
    x_restart: Vec<f32>,
    x_average: Vec<f32>,
    y: Multipliers,
    y_sum: Multipliers,
    y_restart: Multipliers,
    y_average: Multipliers,
    /// `1 / n[i]` for every relaxed row that can bind, 0 for rows that never bind.
    sigma: Multipliers,
    /// `1 / n[r]` per request.
    tau: Vec<f64>,
    /// `K x` at the current iterate, at the new one (during a step), at the average.
    load: Multipliers,
    load_new: Multipliers,
    load_average: Multipliers,
    /// Scratch for the row factors of the feasible scaling.
    factor: Multipliers,
    omega: f64,
    omega_range: (f64, f64),
    /// Iterations since the last restart.
    since_restart: u32,
    restart_error: f64,
    last_candidate_error: f64,
    /// The multipliers at the best (smallest) `L` so far, for pricing the local search.
    best: Multipliers,
    /// The smallest `L` so far (already rounded to a valid bound).
    pub(crate) best_bound: f64,
    /// The best proven lower bound on the LP optimum from a feasible scaling of the primal.
    lp_lower: f64,
    pub(crate) iterations: u32,
    buffer: Vec<f64>,
    sorted: Vec<f64>,
}

impl LagrangianBound {
    pub(crate) fn new(model: &Model) -> LagrangianBound {
        let n_pairs = model.candidate_slots.len();
        let (sigma, tau) = steps(model);
        let mean_weight = if model.n_requests() == 0 {
            1.0
        } else {
            model.weight.iter().sum::<f64>() / model.n_requests() as f64
        };
        let zero = Multipliers::zero(model);
        let mut x = vec![0.0f32; n_pairs];
        for request in 0..model.n_requests() {
            if model.is_pinned(request) {
                let start = model.candidate_start[request];
                if let Ok(offset) =
                    model.candidates(request).binary_search(&model.pinned_slot[request])
                {
                    x[start + offset] = 1.0;
                }
            }
        }
        let mut bound = LagrangianBound {
            x_sum: vec![0.0f32; n_pairs],
            x_restart: x.clone(),
            x_average: vec![0.0f32; n_pairs],
            x,
            y: zero.clone(),
            y_sum: zero.clone(),
            y_restart: zero.clone(),
            y_average: zero.clone(),
            sigma,
            tau,
            load: zero.clone(),
            load_new: zero.clone(),
            load_average: zero.clone(),
            factor: zero.clone(),
            omega: mean_weight,
            omega_range: (mean_weight * 1e-3, mean_weight * 1e3),
            since_restart: 0,
            restart_error: f64::INFINITY,
            last_candidate_error: f64::INFINITY,
            best: zero,
            best_bound: f64::INFINITY,
            lp_lower: f64::NEG_INFINITY,
            iterations: 0,
            buffer: Vec::new(),
            sorted: Vec::new(),
        };
        load_of(model, &bound.x, &mut bound.load);
        let evaluation = lagrangian(model, &bound.y);
        bound.offer(model, &evaluation, false);
        bound.restart_error = bound.kkt_error(model, false, evaluation.value);
        bound
    }

    /// Whether the bound is within 0.1 % of a proven lower bound on the LP optimum (`total`, the
    /// best schedule's, is one), so that it cannot be much above the LP bound.
    pub(crate) fn is_converged(&self, total: f64) -> bool {
        let lower = self.lp_lower.max(total);
        self.best_bound <= lower + CONVERGED_GAP * lower.abs().max(1.0)
    }

    /// The price of putting `request` in `slot` under the best multipliers: a measure of how
    /// contested the slot is for the request's participants.
    pub(crate) fn price(&self, model: &Model, request: usize, slot: u32) -> f64 {
        self.best.slot_price(model, request, slot)
    }

    /// The profit of `request` under the best multipliers: its weight less the price of its
    /// cheapest candidate slot and of its participants' meeting budgets. The LP optimum holds the
    /// requests with positive profit (complementary slackness), so it orders the greedy.
    pub(crate) fn profit(&self, model: &Model, request: usize) -> f64 {
        let base = self.best.request_base(model, request);
        model
            .candidates(request)
            .iter()
            .map(|&slot| base - self.best.slot_price(model, request, slot))
            .fold(f64::NEG_INFINITY, f64::max)
    }

    /// The LP primal iterate's share of `request` in the candidate slot at `offset` of its list.
    pub(crate) fn primal_share(&self, model: &Model, request: usize, offset: usize) -> f64 {
        f64::from(self.x[model.candidate_start[request] + offset])
    }

    /// How much of `request` the LP primal iterate holds (between 0 and 1).
    pub(crate) fn primal_mass(&self, model: &Model, request: usize) -> f64 {
        self.x[model.candidate_start[request]..model.candidate_start[request + 1]]
            .iter()
            .map(|&share| f64::from(share))
            .sum()
    }

    /// Runs up to `max_iterations` PDHG iterations, stopping early when the bound reaches
    /// `target` (the best known schedule's total), when it has converged, or when `should_stop`
    /// says so.
    pub(crate) fn improve(
        &mut self,
        model: &Model,
        target: f64,
        max_iterations: u32,
        should_stop: &dyn Fn() -> bool,
    ) {
        for _ in 0..max_iterations {
            if self.best_bound <= target + 1e-9 * target.abs().max(1.0) || self.is_converged(target)
            {
                return;
            }
            if self.iterations.is_multiple_of(8) && should_stop() {
                return;
            }
            self.iterations += 1;
            self.step(model);
            self.since_restart += 1;
            if self.since_restart.is_multiple_of(RESTART_CHECK) {
                self.check_restart(model);
            }
        }
    }

    /// Keeps `evaluation` (of `L` at the current multipliers, or at the average ones) when it is
    /// the best bound so far.
    fn offer(&mut self, model: &Model, evaluation: &Evaluation, average: bool) {
        let bound = valid_bound(model, evaluation);
        if bound < self.best_bound {
            self.best_bound = bound;
            let source = if average { &self.y_average } else { &self.y };
            copy_multipliers(&mut self.best, source);
        }
    }

    /// One PDHG iteration; evaluates `L` at the current multipliers on the way.
    fn step(&mut self, model: &Model) {
        let n_slots = model.n_slots;
        let tau_scale = STEP / self.omega;
        let mut sum = LagrangianSum::default();
        fill_zero(&mut self.load_new);
        for request in 0..model.n_requests() {
            let range = model.candidate_start[request]..model.candidate_start[request + 1];
            if range.is_empty() {
                continue;
            }
            let participant_a = model.participant_a[request] as usize;
            let participant_b = model.participant_b[request] as usize;
            if model.is_pinned(request) {
                let best = best_reduced_weight(model, &self.y, request);
                sum.add_request(model, request, best);
                let slot = model.pinned_slot[request] as usize;
                add_load(&mut self.load_new, n_slots, participant_a, participant_b, slot, 1.0);
                continue;
            }
            let base = self.y.request_base(model, request);
            let tau = tau_scale * self.tau[request];
            let mut best = f64::NEG_INFINITY;
            self.buffer.clear();
            for pair in range.clone() {
                let slot = model.candidate_slots[pair];
                let reduced = base - self.y.slot_price(model, request, slot);
                best = best.max(reduced);
                self.buffer.push(f64::from(self.x[pair]) + tau * reduced);
            }
            sum.add_request(model, request, best);
            project_on_capped_simplex(&mut self.buffer, &mut self.sorted);
            let mut mass = 0.0;
            for (pair, &value) in range.zip(&self.buffer) {
                // The primal is kept in single precision (half the memory traffic of a pass); the
                // loads are of the stored values, and the bound never depends on the primal.
                let stored = value as f32;
                let value = f64::from(stored);
                self.x[pair] = stored;
                self.x_sum[pair] += stored;
                if value != 0.0 {
                    let slot = model.candidate_slots[pair] as usize;
                    self.load_new.participant_slot[participant_a * n_slots + slot] += value;
                    self.load_new.participant_slot[participant_b * n_slots + slot] += value;
                    self.load_new.slot[slot] += value;
                    mass += value;
                }
            }
            self.load_new.participant[participant_a] += mass;
            self.load_new.participant[participant_b] += mass;
        }
        sum.add_capacities(model, &self.y);
        let evaluation = sum.finish();
        self.offer(model, &evaluation, false);
        let sigma_scale = STEP * self.omega;
        dual_step(
            &mut self.y.participant_slot,
            &mut self.y_sum.participant_slot,
            &self.sigma.participant_slot,
            &self.load_new.participant_slot,
            &self.load.participant_slot,
            |_| 1.0,
            sigma_scale,
        );
        dual_step(
            &mut self.y.slot,
            &mut self.y_sum.slot,
            &self.sigma.slot,
            &self.load_new.slot,
            &self.load.slot,
            |slot| f64::from(model.tables[slot]),
            sigma_scale,
        );
        dual_step(
            &mut self.y.participant,
            &mut self.y_sum.participant,
            &self.sigma.participant,
            &self.load_new.participant,
            &self.load.participant,
            |participant| f64::from(model.max_meetings[participant]),
            sigma_scale,
        );
        std::mem::swap(&mut self.load, &mut self.load_new);
    }

    /// The KKT error of the current iterate (or of the average), given `L` at its multipliers.
    fn kkt_error(&self, model: &Model, average: bool, lagrangian_value: f64) -> f64 {
        let (x, load) =
            if average { (&self.x_average, &self.load_average) } else { (&self.x, &self.load) };
        let residual = excess_norm(model, load);
        let value = primal_value(model, x);
        ((self.omega * residual).powi(2) + (lagrangian_value - value).powi(2)).sqrt()
    }

    /// Every `RESTART_CHECK` iterations: evaluates the average, updates the lower bound on the LP
    /// optimum, and restarts when the KKT error says so.
    fn check_restart(&mut self, model: &Model) {
        let count = f64::from(self.since_restart);
        let primal_count = self.since_restart as f32;
        for (average, &sum) in self.x_average.iter_mut().zip(&self.x_sum) {
            *average = sum / primal_count;
        }
        average_multipliers(&mut self.y_average, &self.y_sum, count);
        load_of(model, &self.x_average, &mut self.load_average);
        let average_evaluation = lagrangian(model, &self.y_average);
        self.offer(model, &average_evaluation, true);
        let current_evaluation = lagrangian(model, &self.y);
        let average_error = self.kkt_error(model, true, average_evaluation.value);
        let current_error = self.kkt_error(model, false, current_evaluation.value);
        for average in [true, false] {
            let lower = self.feasible_value(model, average);
            self.lp_lower = self.lp_lower.max(lower);
        }
        let (use_average, candidate_error) = if average_error <= current_error {
            (true, average_error)
        } else {
            (false, current_error)
        };
        let restart = candidate_error <= BETA_SUFFICIENT * self.restart_error
            || (candidate_error <= BETA_NECESSARY * self.restart_error
                && candidate_error > self.last_candidate_error)
            || f64::from(self.since_restart) >= BETA_ARTIFICIAL * f64::from(self.iterations);
        self.last_candidate_error = candidate_error;
        if !restart {
            return;
        }
        if use_average {
            self.x.copy_from_slice(&self.x_average);
            copy_multipliers(&mut self.y, &self.y_average);
            copy_multipliers(&mut self.load, &self.load_average);
        }
        let primal_move = distance(&self.x, &self.x_restart);
        let dual_move = multipliers_distance(&self.y, &self.y_restart);
        if primal_move > 1e-10 && dual_move > 1e-10 {
            let target = dual_move / primal_move;
            self.omega = (0.5 * target.ln() + 0.5 * self.omega.ln())
                .exp()
                .clamp(self.omega_range.0, self.omega_range.1);
        }
        self.x_restart.copy_from_slice(&self.x);
        copy_multipliers(&mut self.y_restart, &self.y);
        self.x_sum.fill(0.0);
        fill_zero(&mut self.y_sum);
        self.since_restart = 0;
        self.restart_error = candidate_error;
        self.last_candidate_error = f64::INFINITY;
    }

    /// The value of the current (or average) primal iterate scaled down into a feasible LP
    /// solution: a proven lower bound on the LP optimum. Not computed with pins (`-inf`).
    fn feasible_value(&mut self, model: &Model, average: bool) -> f64 {
        if model.pinned_slot.iter().any(|&slot| slot != crate::model::NONE) {
            return f64::NEG_INFINITY;
        }
        let (x, load) =
            if average { (&self.x_average, &self.load_average) } else { (&self.x, &self.load) };
        let ratio = |load: f64, capacity: f64| if load > capacity { capacity / load } else { 1.0 };
        for (factor, &load) in self.factor.participant_slot.iter_mut().zip(&load.participant_slot) {
            *factor = ratio(load, 1.0);
        }
        for (slot, factor) in self.factor.slot.iter_mut().enumerate() {
            *factor = ratio(load.slot[slot], f64::from(model.tables[slot]));
        }
        for (participant, factor) in self.factor.participant.iter_mut().enumerate() {
            *factor =
                ratio(load.participant[participant], f64::from(model.max_meetings[participant]));
        }
        let n_slots = model.n_slots;
        let mut value = 0.0;
        for request in 0..model.n_requests() {
            let participant_a = model.participant_a[request] as usize;
            let participant_b = model.participant_b[request] as usize;
            let budget =
                self.factor.participant[participant_a].min(self.factor.participant[participant_b]);
            let mut mass = 0.0;
            let range = model.candidate_start[request]..model.candidate_start[request + 1];
            for (&share, &slot) in x[range.clone()].iter().zip(&model.candidate_slots[range]) {
                if share == 0.0 {
                    continue;
                }
                let slot = slot as usize;
                let factor = budget
                    .min(self.factor.participant_slot[participant_a * n_slots + slot])
                    .min(self.factor.participant_slot[participant_b * n_slots + slot])
                    .min(self.factor.slot[slot]);
                mass += f64::from(share) * factor;
            }
            value += model.weight[request] * mass;
        }
        // The factors and sums are rounded; a relative margin far above that keeps it a lower bound.
        value * (1.0 - 1e-9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bound::tests::triangle;

    #[test]
    fn pdhg_reaches_the_lp_bound_and_never_goes_below_the_optimum() {
        let model = triangle();
        let mut bound = LagrangianBound::new(&model);
        bound.improve(&model, 5.0, 2_000, &|| false);
        assert!(bound.best_bound >= 5.0);
        // The LP optimum is 7.5; with whole weights the bound is rounded down to 7.
        assert_eq!(bound.best_bound, 7.0);
        assert!(bound.is_converged(5.0));
        assert!(bound.lp_lower > 7.0 && bound.lp_lower <= 7.5, "lower {}", bound.lp_lower);
    }

    #[test]
    fn with_fractional_weights_the_bound_converges_to_the_lp_optimum_from_above() {
        // Three requests of weight 5.5 pairwise sharing participants in one slot: the LP optimum
        // is 8.25 (each at one half), the integer optimum 5.5.
        let mut model = triangle();
        model.weight = vec![5.5; 3];
        model.integral_weights = false;
        let mut bound = LagrangianBound::new(&model);
        bound.improve(&model, 5.5, 5_000, &|| false);
        assert!(bound.best_bound >= 8.25, "bound {} below the LP optimum", bound.best_bound);
        assert!(bound.best_bound <= 8.25 * 1.001, "bound {}", bound.best_bound);
        assert!(bound.is_converged(5.5));
    }
}
