//! The proven upper bound: Lagrangian relaxation of the capacity constraints, with a projected
//! subgradient method choosing the multipliers.
//!
//! The problem, with `x[r][s] ∈ {0, 1}` for every request `r` and candidate slot `s` (both
//! participants available and not blocked), is
//!
//! ```text
//! max Σ w[r] x[r][s]
//!   Σ_s x[r][s] ≤ 1                          for every request r
//!   Σ_{r ∋ p} x[r][s] ≤ 1                     for every participant p and slot s   (multiplier μ[p][s])
//!   Σ_r x[r][s] ≤ T[s]                        for every slot s with a table limit   (multiplier λ[s])
//!   Σ_{r ∋ p, s} x[r][s] ≤ M[p]               for every participant p with a maximum (multiplier ν[p])
//!   x[r][s] = 1                               for every pinned request r in its slot s
//! ```
//!
//! For any multipliers `μ, λ, ν ≥ 0`, moving the last three capacity families into the objective
//! gives (Geoffrion 1974, "Lagrangean relaxation for integer programming")
//!
//! ```text
//! L(μ, λ, ν) = Σ_{p,s} μ[p][s] + Σ_s T[s] λ[s] + Σ_p M[p] ν[p]
//!            + Σ_{r not pinned} max(0, max_s c[r][s]) + Σ_{r pinned in s} c[r][s],
//! c[r][s]    = w[r] − μ[a][s] − μ[b][s] − λ[s] − ν[a] − ν[b]   (a, b the participants of r).
//! ```
//!
//! Every feasible schedule `x` satisfies `w·x ≤ w·x + Σ multiplier × slack`, and the right-hand
//! side equals `Σ_r Σ_s c[r][s] x[r][s]` plus the multipliers' capacity terms, which is at most
//! `L`: each slack is non-negative and each request contributes at most its best reduced weight
//! (or zero; a pinned request exactly its reduced weight in its slot). So `L` at any non-negative multipliers is an upper bound on the
//! optimum, whatever method chose them: the method only decides how tight it is. `L` is evaluated
//! exactly from the multipliers (in compensated summation); the reported bound is the smallest `L`
//! seen, rounded up by a tolerance that covers floating-point error, and rounded down to a whole
//! number when every weight is whole (the optimum is then whole).
//!
//! The minimum of `L` over the multipliers equals the LP relaxation's optimum, because the
//! subproblem (pick at most one slot per request) has integral vertices (Geoffrion's integrality
//! property). The multipliers follow the projected subgradient method with Polyak's step
//! `θ (L − target) / ‖g‖²` (Held, Wolfe & Crowder 1974), `target` being the best schedule's total,
//! with θ halved when `L` stalls, and a deflected direction (Camerini, Fratta & Maffioli 1975).
//! The table and meeting-budget constraints are scaled to capacity 1 for the step (their
//! subgradients are counts in the hundreds, which would otherwise dwarf the participant-slot ones
//! and stall them); scaling a constraint changes the path of the method, never the validity of `L`.

use crate::model::Model;

/// Iterations without a clear improvement of the bound after which Polyak's step scale halves.
const PATIENCE: u32 = 200;

/// The share of the previous direction mixed into the new one (Camerini, Fratta & Maffioli).
const DEFLECTION: f64 = 0.7;

/// The multipliers and the running state of the subgradient method.
pub(crate) struct LagrangianBound {
    n_slots: usize,
    /// `μ[p * n_slots + s]`.
    pub(crate) participant_slot_price: Vec<f64>,
    /// `λ[s]`.
    pub(crate) slot_price: Vec<f64>,
    /// `ν[p]`.
    pub(crate) participant_price: Vec<f64>,
    /// The multipliers at the best (smallest) `L` so far, for pricing the local search.
    pub(crate) best_participant_slot_price: Vec<f64>,
    pub(crate) best_slot_price: Vec<f64>,
    best_participant_price: Vec<f64>,
    /// The smallest `L` so far (already rounded to a valid bound).
    pub(crate) best_bound: f64,
    /// Step scale of Polyak's rule.
    theta: f64,
    iterations_without_progress: u32,
    pub(crate) iterations: u32,
    direction_participant_slot: Vec<f64>,
    direction_slot: Vec<f64>,
    direction_participant: Vec<f64>,
    load_participant_slot: Vec<u32>,
    load_slot: Vec<u32>,
    load_participant: Vec<u32>,
}

/// The value of `L` and its subgradient at the current multipliers.
struct Evaluation {
    value: f64,
    /// A bound on the absolute floating-point error of `value`.
    error: f64,
}

impl LagrangianBound {
    pub(crate) fn new(model: &Model) -> LagrangianBound {
        let n_pairs = model.n_slots * model.n_participants;
        LagrangianBound {
            n_slots: model.n_slots,
            participant_slot_price: vec![0.0; n_pairs],
            slot_price: vec![0.0; model.n_slots],
            participant_price: vec![0.0; model.n_participants],
            best_participant_slot_price: vec![0.0; n_pairs],
            best_slot_price: vec![0.0; model.n_slots],
            best_bound: f64::INFINITY,
            theta: 1.0,
            iterations_without_progress: 0,
            iterations: 0,
            direction_participant_slot: vec![0.0; n_pairs],
            direction_slot: vec![0.0; model.n_slots],
            direction_participant: vec![0.0; model.n_participants],
            load_participant_slot: vec![0; n_pairs],
            load_slot: vec![0; model.n_slots],
            load_participant: vec![0; model.n_participants],
            best_participant_price: vec![0.0; model.n_participants],
        }
    }

    /// The price of putting `request` in `slot` under the best multipliers: a measure of how
    /// contested the slot is for the request's participants.
    /// Whether the step size has shrunk so far that more iterations would not move the bound.
    pub(crate) fn has_converged(&self) -> bool {
        self.theta < 1e-4
    }

    pub(crate) fn price(&self, model: &Model, request: usize, slot: u32) -> f64 {
        let slot = slot as usize;
        self.best_participant_slot_price
            [model.participant_a[request] as usize * self.n_slots + slot]
            + self.best_participant_slot_price
                [model.participant_b[request] as usize * self.n_slots + slot]
            + self.best_slot_price[slot]
    }

    /// The profit of `request` under the best multipliers: its weight less the price of its
    /// cheapest candidate slot and of its participants' meeting budgets. The LP optimum holds the
    /// requests with positive profit (complementary slackness), so it orders the greedy.
    pub(crate) fn profit(&self, model: &Model, request: usize) -> f64 {
        let cheapest = model
            .candidates(request)
            .iter()
            .map(|&slot| self.price(model, request, slot))
            .fold(f64::INFINITY, f64::min);
        model.weight[request]
            - cheapest
            - self.best_participant_price[model.participant_a[request] as usize]
            - self.best_participant_price[model.participant_b[request] as usize]
    }

    /// Evaluates `L` at the current multipliers and fills the loads of the relaxed solution.
    fn evaluate(&mut self, model: &Model) -> Evaluation {
        let n_slots = self.n_slots;
        self.load_participant_slot.fill(0);
        self.load_slot.fill(0);
        self.load_participant.fill(0);
        let mut sum = NeumaierSum::default();
        let mut magnitude = 0.0;
        for request in 0..model.n_requests() {
            let participant_a = model.participant_a[request] as usize;
            let participant_b = model.participant_b[request] as usize;
            let base = model.weight[request]
                - self.participant_price[participant_a]
                - self.participant_price[participant_b];
            let row_a = participant_a * n_slots;
            let row_b = participant_b * n_slots;
            let mut best_value = f64::NEG_INFINITY;
            let mut best_slot = usize::MAX;
            let pinned = model.pinned_slot[request];
            if model.is_pinned(request) {
                let slot = pinned as usize;
                best_value = base
                    - self.participant_slot_price[row_a + slot]
                    - self.participant_slot_price[row_b + slot]
                    - self.slot_price[slot];
                best_slot = slot;
            } else {
                for &slot in model.candidates(request) {
                    let slot = slot as usize;
                    let value = base
                        - self.participant_slot_price[row_a + slot]
                        - self.participant_slot_price[row_b + slot]
                        - self.slot_price[slot];
                    if value > best_value {
                        best_value = value;
                        best_slot = slot;
                    }
                }
                if best_value <= 0.0 {
                    continue;
                }
            }
            if best_slot == usize::MAX {
                continue;
            }
            sum.add(best_value);
            magnitude += model.weight[request].abs() + best_value.abs();
            self.load_participant_slot[row_a + best_slot] += 1;
            self.load_participant_slot[row_b + best_slot] += 1;
            self.load_slot[best_slot] += 1;
            self.load_participant[participant_a] += 1;
            self.load_participant[participant_b] += 1;
        }
        for &price in &self.participant_slot_price {
            sum.add(price);
            magnitude += price;
        }
        for (slot, &price) in self.slot_price.iter().enumerate() {
            if price > 0.0 {
                let term = f64::from(model.tables[slot]) * price;
                sum.add(term);
                magnitude += term;
            }
        }
        for (participant, &price) in self.participant_price.iter().enumerate() {
            if price > 0.0 {
                let term = f64::from(model.max_meetings[participant]) * price;
                sum.add(term);
                magnitude += term;
            }
        }
        // Each reduced weight is a sum of at most six terms, each rounded once; the sum of the
        // terms is compensated. 1e-12 relative is far above both error sources.
        Evaluation { value: sum.total(), error: 1e-12 * magnitude + 1e-12 }
    }

    /// Turns an evaluated `L` into a reported bound that is valid despite rounding.
    fn valid_bound(model: &Model, evaluation: &Evaluation) -> f64 {
        let bound = evaluation.value + evaluation.error;
        if model.integral_weights { bound.floor() } else { bound }
    }

    /// Runs up to `max_iterations` subgradient iterations, stopping early when the bound reaches
    /// `target` (the best known schedule's total) or `should_stop` says so.
    pub(crate) fn improve(
        &mut self,
        model: &Model,
        target: f64,
        max_iterations: u32,
        should_stop: &dyn Fn() -> bool,
    ) {
        for _ in 0..max_iterations {
            if self.best_bound <= target + 1e-9 * target.abs().max(1.0) || self.theta < 1e-4 {
                return;
            }
            if self.iterations.is_multiple_of(8) && should_stop() {
                return;
            }
            self.iterations += 1;
            let evaluation = self.evaluate(model);
            let bound = LagrangianBound::valid_bound(model, &evaluation);
            if bound < self.best_bound {
                let improved_a_lot = bound < self.best_bound - 1e-4 * self.best_bound.abs();
                self.best_bound = bound;
                self.best_participant_slot_price.copy_from_slice(&self.participant_slot_price);
                self.best_slot_price.copy_from_slice(&self.slot_price);
                self.best_participant_price.copy_from_slice(&self.participant_price);
                if improved_a_lot {
                    self.iterations_without_progress = 0;
                } else {
                    self.iterations_without_progress += 1;
                }
            } else {
                self.iterations_without_progress += 1;
            }
            if self.iterations_without_progress >= PATIENCE {
                self.theta *= 0.5;
                self.iterations_without_progress = 0;
            }
            self.step(model, evaluation.value, target);
        }
    }

    /// One projected, deflected subgradient step towards a smaller `L`.
    fn step(&mut self, model: &Model, value: f64, target: f64) {
        // The subgradient of L is the slack of each relaxed constraint in the relaxed solution:
        // capacity minus load. Deflection mixes in the previous direction to damp zig-zagging.
        let deflection = DEFLECTION;
        let mut norm_squared = 0.0;
        for pair in 0..self.participant_slot_price.len() {
            let gradient = 1.0 - f64::from(self.load_participant_slot[pair]);
            let direction = gradient + deflection * self.direction_participant_slot[pair];
            let direction = if self.participant_slot_price[pair] <= 0.0 && direction > 0.0 {
                0.0
            } else {
                direction
            };
            self.direction_participant_slot[pair] = direction;
            norm_squared += direction * direction;
        }
        for slot in 0..self.slot_price.len() {
            let tables = model.tables[slot];
            let direction = if tables == u32::MAX {
                0.0
            } else {
                let scale = f64::from(tables.max(1));
                let gradient = (f64::from(tables) - f64::from(self.load_slot[slot])) / scale;
                let direction = gradient + deflection * self.direction_slot[slot];
                if self.slot_price[slot] <= 0.0 && direction > 0.0 { 0.0 } else { direction }
            };
            self.direction_slot[slot] = direction;
            norm_squared += direction * direction;
        }
        for participant in 0..self.participant_price.len() {
            let max_meetings = model.max_meetings[participant];
            let direction = if max_meetings == u32::MAX {
                0.0
            } else {
                let scale = f64::from(max_meetings.max(1));
                let gradient = (f64::from(max_meetings)
                    - f64::from(self.load_participant[participant]))
                    / scale;
                let direction = gradient + deflection * self.direction_participant[participant];
                if self.participant_price[participant] <= 0.0 && direction > 0.0 {
                    0.0
                } else {
                    direction
                }
            };
            self.direction_participant[participant] = direction;
            norm_squared += direction * direction;
        }
        if norm_squared <= 0.0 {
            // The relaxed solution is feasible and complementary: L is the optimum already.
            self.theta = 0.0;
            return;
        }
        let gap = (value - target).max(1e-6 * value.abs().max(1.0));
        let step = self.theta * gap / norm_squared;
        for (price, &direction) in
            self.participant_slot_price.iter_mut().zip(&self.direction_participant_slot)
        {
            *price = (*price - step * direction).max(0.0);
        }
        for ((price, &direction), &tables) in
            self.slot_price.iter_mut().zip(&self.direction_slot).zip(&model.tables)
        {
            let scale = if tables == u32::MAX { 1.0 } else { f64::from(tables.max(1)) };
            *price = (*price - step * direction / scale).max(0.0);
        }
        for ((price, &direction), &max_meetings) in self
            .participant_price
            .iter_mut()
            .zip(&self.direction_participant)
            .zip(&model.max_meetings)
        {
            let scale = if max_meetings == u32::MAX { 1.0 } else { f64::from(max_meetings.max(1)) };
            *price = (*price - step * direction / scale).max(0.0);
        }
    }
}

/// Neumaier's compensated summation (Neumaier 1974), so that the sum of many terms keeps its
/// precision.
#[derive(Default)]
struct NeumaierSum {
    sum: f64,
    compensation: f64,
}

impl NeumaierSum {
    fn add(&mut self, value: f64) {
        let total = self.sum + value;
        if self.sum.abs() >= value.abs() {
            self.compensation += (self.sum - total) + value;
        } else {
            self.compensation += (value - total) + self.sum;
        }
        self.sum = total;
    }

    fn total(&self) -> f64 {
        self.sum + self.compensation
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::compile;
    use crate::problem::{Participant, Request, ScheduleProblem, Slot};

    /// A triangle of three participants who can all meet only in one slot: at most one meeting
    /// (weight 5) can be held, while the LP relaxation reaches 7.5 (each request at one half).
    fn triangle() -> Model {
        let once = Participant { available: vec![0], ..Participant::default() };
        let problem = ScheduleProblem {
            slots: vec![Slot { tables: None }],
            participants: vec![once.clone(), once.clone(), once],
            requests: vec![
                Request { participant_a: 0, participant_b: 1, weight: 5.0 },
                Request { participant_a: 1, participant_b: 2, weight: 5.0 },
                Request { participant_a: 0, participant_b: 2, weight: 5.0 },
            ],
        };
        compile(&problem, &[]).unwrap()
    }

    #[test]
    fn at_zero_multipliers_the_bound_is_the_weight_of_every_placeable_request() {
        let model = triangle();
        let mut bound = LagrangianBound::new(&model);
        assert_eq!(bound.evaluate(&model).value, 15.0);
    }

    #[test]
    fn the_subgradient_method_reaches_the_lp_bound_and_never_goes_below_the_optimum() {
        let model = triangle();
        let mut bound = LagrangianBound::new(&model);
        bound.improve(&model, 5.0, 2_000, &|| false);
        assert!(bound.best_bound >= 5.0);
        // The LP optimum is 7.5; with whole weights the bound is rounded down to 7.
        assert!(bound.best_bound <= 7.0 + 1e-9, "bound {}", bound.best_bound);
    }

    #[test]
    fn compensated_summation_keeps_small_terms() {
        let mut sum = NeumaierSum::default();
        sum.add(1e16);
        for _ in 0..10 {
            sum.add(1.0);
        }
        sum.add(-1e16);
        assert_eq!(sum.total(), 10.0);
    }
}
