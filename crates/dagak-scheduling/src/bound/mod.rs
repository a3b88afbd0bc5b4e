//! The proven upper bound: Lagrangian relaxation of the capacity constraints, with multipliers
//! chosen by a primal–dual hybrid gradient method on the LP relaxation (`pdhg.rs`).
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
//! (or zero; a pinned request exactly its reduced weight in its slot). So `L` at any non-negative
//! multipliers is an upper bound on the optimum, whatever method chose them: the method only
//! decides how tight it is. `L` is evaluated exactly from the multipliers (in compensated
//! summation, `lagrangian`); the reported bound is the smallest `L` seen, rounded up by a tolerance
//! that covers floating-point error, and rounded down to a whole number when every weight is whole
//! (the optimum is then whole).
//!
//! The minimum of `L` over the multipliers equals the LP relaxation's optimum, because the
//! subproblem (pick at most one slot per request) has integral vertices (Geoffrion's integrality
//! property). The method is the primal–dual hybrid gradient of Chambolle & Pock (2011) on the LP
//! relaxation, with the request constraints kept in the primal set (a capped simplex per request,
//! so the dual variables are exactly `μ, λ, ν`), the diagonal preconditioning of Pock & Chambolle
//! (2011), and the adaptive restarts to the average and primal-weight updates of PDLP (Applegate
//! et al. 2021). Its dual iterates, projected on `≥ 0` at every step, are the multipliers `L` is
//! evaluated at. Its primal average also gives a proven lower bound on the LP optimum (scaled down
//! row by row until feasible), so the engine knows how far its bound can still be from the LP
//! bound: that is what "converged" means in the output.
//!
//! Measured before this method was chosen (`README.md`): the projected subgradient method it
//! replaces (Polyak's step, deflection) stopped 2–4 % above the LP optimum on brokerage events of
//! 3,500–12,000 requests after 6,000 iterations; PDHG reaches 0.1 % in a few hundred iterations of
//! the same cost (one pass over the request-slot pairs each).

mod pdhg;
mod rows;

use crate::model::Model;

pub(crate) use pdhg::LagrangianBound;
use rows::add_load;

/// Lagrange multipliers of the three relaxed families.
#[derive(Clone)]
pub(crate) struct Multipliers {
    /// `μ[p * n_slots + s]`.
    pub(crate) participant_slot: Vec<f64>,
    /// `λ[s]`.
    pub(crate) slot: Vec<f64>,
    /// `ν[p]`.
    pub(crate) participant: Vec<f64>,
}

impl Multipliers {
    pub(crate) fn zero(model: &Model) -> Multipliers {
        Multipliers {
            participant_slot: vec![0.0; model.n_slots * model.n_participants],
            slot: vec![0.0; model.n_slots],
            participant: vec![0.0; model.n_participants],
        }
    }

    /// The price of holding `request` in `slot`: the participant-slot and table multipliers.
    pub(crate) fn slot_price(&self, model: &Model, request: usize, slot: u32) -> f64 {
        let slot = slot as usize;
        let n_slots = model.n_slots;
        self.participant_slot[model.participant_a[request] as usize * n_slots + slot]
            + self.participant_slot[model.participant_b[request] as usize * n_slots + slot]
            + self.slot[slot]
    }

    /// The reduced weight `c[r][s]` without the slot terms: `w[r] − ν[a] − ν[b]`.
    pub(crate) fn request_base(&self, model: &Model, request: usize) -> f64 {
        model.weight[request]
            - self.participant[model.participant_a[request] as usize]
            - self.participant[model.participant_b[request] as usize]
    }
}

/// The value of `L` at some multipliers.
pub(crate) struct Evaluation {
    pub(crate) value: f64,
    /// A bound on the absolute floating-point error of `value`.
    pub(crate) error: f64,
}

/// Accumulates `L` term by term: the requests' best reduced weights, then the capacity terms.
#[derive(Default)]
pub(crate) struct LagrangianSum {
    sum: NeumaierSum,
    magnitude: f64,
}

impl LagrangianSum {
    /// Adds request `request`'s term: its best reduced weight `best` (over its candidate slots, or
    /// in its pinned slot), or zero when that is negative and the request is not pinned.
    pub(crate) fn add_request(&mut self, model: &Model, request: usize, best: f64) {
        let term = if model.is_pinned(request) { best } else { best.max(0.0) };
        if term != 0.0 {
            self.sum.add(term);
            self.magnitude += model.weight[request].abs() + term.abs();
        }
    }

    /// Adds the capacity terms `Σ μ + Σ T λ + Σ M ν`.
    pub(crate) fn add_capacities(&mut self, model: &Model, multipliers: &Multipliers) {
        for &price in &multipliers.participant_slot {
            if price > 0.0 {
                self.sum.add(price);
                self.magnitude += price;
            }
        }
        for (slot, &price) in multipliers.slot.iter().enumerate() {
            if price > 0.0 {
                let term = f64::from(model.tables[slot]) * price;
                self.sum.add(term);
                self.magnitude += term;
            }
        }
        for (participant, &price) in multipliers.participant.iter().enumerate() {
            if price > 0.0 {
                let term = f64::from(model.max_meetings[participant]) * price;
                self.sum.add(term);
                self.magnitude += term;
            }
        }
    }

    pub(crate) fn finish(&self) -> Evaluation {
        // Each reduced weight is a sum of at most six terms, each rounded once; the sum of the
        // terms is compensated. 1e-12 relative is far above both error sources.
        Evaluation { value: self.sum.total(), error: 1e-12 * self.magnitude + 1e-12 }
    }
}

/// The best reduced weight of `request` under `multipliers`: in its pinned slot when pinned, else
/// the largest over its candidate slots (`-inf` when it has none).
pub(crate) fn best_reduced_weight(model: &Model, multipliers: &Multipliers, request: usize) -> f64 {
    let base = multipliers.request_base(model, request);
    if model.is_pinned(request) {
        return base - multipliers.slot_price(model, request, model.pinned_slot[request]);
    }
    model
        .candidates(request)
        .iter()
        .map(|&slot| base - multipliers.slot_price(model, request, slot))
        .fold(f64::NEG_INFINITY, f64::max)
}

/// `L` at `multipliers` (which must be non-negative), evaluated exactly.
pub(crate) fn lagrangian(model: &Model, multipliers: &Multipliers) -> Evaluation {
    let mut sum = LagrangianSum::default();
    for request in 0..model.n_requests() {
        let best = best_reduced_weight(model, multipliers, request);
        if best.is_finite() {
            sum.add_request(model, request, best);
        }
    }
    sum.add_capacities(model, multipliers);
    sum.finish()
}

/// Turns an evaluated `L` into a reported bound that is valid despite rounding.
pub(crate) fn valid_bound(model: &Model, evaluation: &Evaluation) -> f64 {
    let bound = evaluation.value + evaluation.error;
    if model.integral_weights { bound.floor() } else { bound }
}

/// Neumaier's compensated summation (Neumaier 1974), so that the sum of many terms keeps its
/// precision.
#[derive(Default)]
pub(crate) struct NeumaierSum {
    sum: f64,
    compensation: f64,
}

impl NeumaierSum {
    pub(crate) fn add(&mut self, value: f64) {
        let total = self.sum + value;
        if self.sum.abs() >= value.abs() {
            self.compensation += (self.sum - total) + value;
        } else {
            self.compensation += (value - total) + self.sum;
        }
        self.sum = total;
    }

    pub(crate) fn total(&self) -> f64 {
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
    pub(super) fn triangle() -> Model {
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
        assert_eq!(lagrangian(&model, &Multipliers::zero(&model)).value, 15.0);
    }

    #[test]
    fn at_the_lp_dual_optimum_the_bound_is_the_lp_optimum() {
        // μ = 2.5 for each participant in the one slot: every reduced weight is 0, and
        // L = 3 × 2.5 = 7.5, the LP optimum.
        let model = triangle();
        let mut multipliers = Multipliers::zero(&model);
        multipliers.participant_slot.fill(2.5);
        let evaluation = lagrangian(&model, &multipliers);
        assert!((evaluation.value - 7.5).abs() < 1e-12);
        assert_eq!(valid_bound(&model, &evaluation), 7.0);
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
