//! The B2B meeting scheduler: assigns meeting requests to time slots so that the total weight of
//! the held meetings is as large as possible, and proves how far from the best possible it can be.
//!
//! The engine is pure: no I/O, no clock, and the same problem, options and seed give the same
//! schedule (a caller-supplied `should_stop` that fires is the only source of variation). See the
//! crate's README for the model, the algorithm and the measured figures.
//!
//! - `assign` builds a schedule: greedy construction under Lagrangian prices, local search by
//!   insertion chains and ejections, iterated perturbation, all while a primal–dual hybrid
//!   gradient on the LP relaxation tightens the Lagrangian upper bound (module `bound`).
//! - `validate` checks any schedule against every constraint.

mod bound;
mod model;
mod problem;
mod reasons;
mod search;
mod state;
mod validate;

pub use model::{PinConflict, ScheduleError};
pub use problem::{
    AssignOptions, Diagnostics, Effort, Meeting, Move, MoveReason, Participant, Pin,
    PreviousMeeting, Progress, Request, Schedule, ScheduleProblem, Slot, Unscheduled,
    UnscheduledReason,
};
pub use validate::{Violation, validate};

use bound::LagrangianBound;
use model::{Model, NONE};
use search::Search;
use state::State;

/// Above this many requests, the schedule is improved in place under new prices instead of being
/// rebuilt from scratch at each checkpoint, which leaves more of the time to the bound; it is
/// rebuilt once, under the final prices.
const REBUILD_MAX_REQUESTS: usize = 30_000;

/// Bound iterations before the first rebuild of the schedule under the bound's prices; rebuilds
/// follow at doubling counts.
const WARM_UP_BOUND_ITERATIONS: u32 = 150;

/// Builds the best schedule it can find for `problem`, with a proven upper bound on the optimum.
///
/// Pinned meetings are placed first and never move; a pin that cannot be honoured is an error
/// naming it. With `options.previous`, the previous meetings are kept where they were unless
/// moving them raises the total weight, and `Schedule::moved` says which moved and why.
pub fn assign(
    problem: &ScheduleProblem,
    options: &AssignOptions<'_>,
) -> Result<(Schedule, Diagnostics), ScheduleError> {
    let model = model::compile(problem, &options.pins)?;
    let never_stop = || false;
    let should_stop: &dyn Fn() -> bool = options.should_stop.unwrap_or(&never_stop);
    let mut state = State::new(&model);
    place_pins(&model, &mut state, &options.pins)?;
    let mut diagnostics = Diagnostics {
        greedy_total_weight: search::greedy_by_weight_total(&model, &state),
        ..Diagnostics::default()
    };
    let mut previous_slot = vec![NONE; model.n_requests()];
    let mut moved = Vec::new();
    if let Some(previous) = &options.previous {
        moved = place_previous(&model, &mut state, previous, &mut previous_slot)?;
    }
    state.clear_journal();
    let rescheduling = options.previous.is_some();

    let mut bound = LagrangianBound::new(&model);
    let effort = options.effort;
    let report = |search: &Search<'_>, bound: &LagrangianBound| {
        if let Some(on_progress) = options.on_progress {
            on_progress(Progress {
                total_weight: search.state.total,
                upper_bound: bound.best_bound,
            });
        }
    };
    let mut search = build_priced(&model, &state, &bound, options.seed, should_stop);
    let mut checkpoint = WARM_UP_BOUND_ITERATIONS;
    // Phase 1: tighten the bound; at doubling checkpoints, rebuild the schedule under the new
    // prices and keep the best (or, when rescheduling or on very large instances, improve the
    // current schedule under them).
    while !is_proven_optimal(&model, search.state.total, bound.best_bound)
        && !bound.is_converged(search.state.total)
        && bound.iterations < effort.bound_iterations
        && !should_stop()
    {
        let iterations = checkpoint.min(effort.bound_iterations).saturating_sub(bound.iterations);
        bound.improve(&model, search.state.total, iterations.max(1), should_stop);
        checkpoint = checkpoint.saturating_mul(2);
        if rescheduling || model.n_requests() > REBUILD_MAX_REQUESTS {
            reprice(&model, &mut search, &bound);
            search.local_search(should_stop);
        } else {
            let candidate = build_priced(&model, &state, &bound, options.seed, should_stop);
            if candidate.state.total > search.state.total + 1e-9 * search.state.total.abs() {
                search = candidate;
            }
        }
        report(&search, &bound);
    }
    if !rescheduling && model.n_requests() > REBUILD_MAX_REQUESTS {
        // One rebuild under the final prices: its greedy runs even when time is up, because the
        // greedy alone is cheap and priced slot choices are what a large instance gains most from.
        let candidate = build_priced(&model, &state, &bound, options.seed, should_stop);
        if candidate.state.total > search.state.total + 1e-9 * search.state.total.abs() {
            search = candidate;
        }
        report(&search, &bound);
    }
    // Phase 2: perturb the best schedule until it stalls, reaches the bound, or time is up.
    reprice(&model, &mut search, &bound);
    // Rounds without progress before giving up: an eighth of the requests, and more on small
    // instances, where a round costs little (fewer request-slot pairs, cheaper repairs).
    let n_pairs = model.candidate_slots.len().max(1) as u64;
    let stall_limit = (model.n_requests() as u64 / 8).max(4_000_000 / n_pairs).clamp(200, 10_000);
    let mut rounds_done: u64 = 0;
    let mut last_improving_round: u64 = 0;
    while rounds_done < effort.search_rounds
        && rounds_done - last_improving_round < stall_limit
        && !is_proven_optimal(&model, search.state.total, bound.best_bound)
        && !(rounds_done.is_multiple_of(64) && should_stop())
    {
        rounds_done += 1;
        if search.perturb(rescheduling) {
            last_improving_round = rounds_done;
            report(&search, &bound);
        }
    }
    if rescheduling {
        search.restore_preferred(&previous_slot);
    }
    diagnostics.bound_iterations = bound.iterations;
    diagnostics.search_rounds = rounds_done;
    diagnostics.stopped_early = should_stop();
    let mut schedule = build_schedule(&model, &search, bound.best_bound, &previous_slot, moved);
    schedule.bound_converged = bound.is_converged(schedule.total_weight);
    diagnostics.proven_optimal =
        is_proven_optimal(&model, schedule.total_weight, schedule.upper_bound);
    Ok((schedule, diagnostics))
}

/// Sets the search's slot order and pass order from the bound: the LP primal's slots first (by
/// share), then the others cheapest first under the best multipliers; requests by the share the LP
/// primal holds of them, then by Lagrangian profit per unit of weight (the share of its weight a
/// request keeps after paying for the capacity it uses; by complementary slackness the LP optimum
/// holds the requests with positive profit), largest first.
fn reprice(model: &Model, search: &mut Search<'_>, bound: &LagrangianBound) {
    search.set_prices(&|request, offset, slot| {
        bound.price(model, request, slot)
            - model.weight[request] * bound.primal_share(model, request, offset)
    });
    search.set_order(&|request| {
        let profit = bound.profit(model, request) / model.weight[request];
        bound.primal_mass(model, request) + 1e-3 * profit.clamp(-1.0, 1.0)
    });
}

/// A schedule built from `start` (pins and kept meetings) by the greedy and the local search under
/// the bound's current prices.
fn build_priced<'m>(
    model: &'m Model,
    start: &State,
    bound: &LagrangianBound,
    seed: u64,
    should_stop: &dyn Fn() -> bool,
) -> Search<'m> {
    let mut search = Search::new(model, start.clone(), seed);
    reprice(model, &mut search, bound);
    search.greedy();
    search.local_search(should_stop);
    search
}

/// Whether `total` reaches `bound`, so that no better schedule exists.
fn is_proven_optimal(model: &Model, total: f64, bound: f64) -> bool {
    if model.integral_weights {
        total >= bound - 0.5
    } else {
        total >= bound - 1e-9 * bound.abs().max(1.0)
    }
}

/// Places every pin, or names the first one that cannot be honoured.
fn place_pins(model: &Model, state: &mut State, pins: &[Pin]) -> Result<(), ScheduleError> {
    for pin in pins {
        let conflict = pin_conflict(model, state, pin.request, pin.slot as u32);
        if let Some(conflict) = conflict {
            return Err(ScheduleError::InfeasiblePin {
                request: pin.request,
                slot: pin.slot,
                conflict,
            });
        }
        state.set(model, pin.request, pin.slot as u32);
    }
    Ok(())
}

/// What prevents `request` from being put in `slot` given the pins placed so far.
fn pin_conflict(model: &Model, state: &State, request: usize, slot: u32) -> Option<PinConflict> {
    let participants = [model.participant_a[request], model.participant_b[request]];
    for participant in participants {
        if !model.available[participant as usize * model.n_slots + slot as usize] {
            return Some(if model.blocked[participant as usize * model.n_slots + slot as usize] {
                PinConflict::Blocked { participant: participant as usize }
            } else {
                PinConflict::Unavailable { participant: participant as usize }
            });
        }
    }
    for participant in participants {
        let holder = state.busy_with(participant, slot);
        if holder != NONE {
            return Some(PinConflict::ParticipantBusy {
                participant: participant as usize,
                other_request: holder as usize,
            });
        }
    }
    if state.slot_is_full(model, slot) {
        return Some(PinConflict::TablesFull { tables: model.tables[slot as usize] });
    }
    for participant in participants {
        let max_meetings = model.max_meetings[participant as usize];
        if state.meetings_of[participant as usize] >= max_meetings {
            return Some(PinConflict::MaxMeetings {
                participant: participant as usize,
                max_meetings,
            });
        }
    }
    None
}

/// Puts back every previous meeting that is still possible, in request order, and returns the
/// moves forced by the change (slot removed, participant unavailable, clash with a pin).
fn place_previous(
    model: &Model,
    state: &mut State,
    previous: &[PreviousMeeting],
    previous_slot: &mut [u32],
) -> Result<Vec<Move>, ScheduleError> {
    let mut forced = Vec::new();
    let mut sorted: Vec<PreviousMeeting> = previous.to_vec();
    sorted.sort_by_key(|meeting| (meeting.request, meeting.slot));
    sorted.dedup_by_key(|meeting| meeting.request);
    for meeting in sorted {
        let request = meeting.request;
        if request >= model.n_requests() || meeting.slot.is_some_and(|slot| slot >= model.n_slots) {
            return Err(ScheduleError::PreviousUnknown { request, slot: meeting.slot });
        }
        let Some(slot) = meeting.slot else {
            forced.push(Move { request, from: None, to: None, reason: MoveReason::SlotRemoved });
            continue;
        };
        previous_slot[request] = slot as u32;
        if model.is_pinned(request) {
            if model.pinned_slot[request] != slot as u32 {
                let reason = MoveReason::PinnedElsewhere;
                forced.push(Move { request, from: Some(slot), to: None, reason });
            }
            continue;
        }
        let reason = match pin_conflict(model, state, request, slot as u32) {
            None => {
                state.set(model, request, slot as u32);
                continue;
            }
            Some(
                PinConflict::Unavailable { participant } | PinConflict::Blocked { participant },
            ) => MoveReason::ParticipantUnavailable { participant },
            Some(PinConflict::ParticipantBusy { other_request, .. })
                if model.is_pinned(other_request) =>
            {
                MoveReason::PinConflict { pinned_request: other_request }
            }
            Some(_) => MoveReason::PreviousConflict,
        };
        forced.push(Move { request, from: Some(slot), to: None, reason });
    }
    Ok(forced)
}

/// Turns the final state into the output: meetings with table numbers, reasons, moves.
fn build_schedule(
    model: &Model,
    search: &Search<'_>,
    upper_bound: f64,
    previous_slot: &[u32],
    forced_moves: Vec<Move>,
) -> Schedule {
    let state = &search.state;
    let mut meetings = Vec::new();
    let mut unscheduled = Vec::new();
    let mut next_table = vec![1u32; model.n_slots];
    let mut total_weight = 0.0;
    for request in 0..model.n_requests() {
        let slot = state.slot_of[request];
        if slot == NONE {
            let reason = reasons::unscheduled_reason(model, state, request);
            unscheduled.push(Unscheduled { request, reason });
        } else {
            let table = next_table[slot as usize];
            next_table[slot as usize] += 1;
            meetings.push(Meeting { request, slot: slot as usize, table });
            total_weight += model.weight[request];
        }
    }
    let mut moved = forced_moves;
    let mut already_moved = vec![false; model.n_requests()];
    for move_entry in &mut moved {
        let slot = state.slot_of[move_entry.request];
        move_entry.to = (slot != NONE).then_some(slot as usize);
        already_moved[move_entry.request] = true;
    }
    for request in 0..model.n_requests() {
        let from = previous_slot[request];
        let to = state.slot_of[request];
        if from == NONE || from == to || already_moved[request] {
            continue;
        }
        let cause = search.cause[request];
        let reason = if cause == NONE {
            MoveReason::PreviousConflict
        } else {
            MoveReason::MadeRoomFor { request: cause as usize }
        };
        moved.push(Move {
            request,
            from: Some(from as usize),
            to: (to != NONE).then_some(to as usize),
            reason,
        });
    }
    moved.sort_by_key(|entry| entry.request);
    Schedule { meetings, unscheduled, total_weight, upper_bound, bound_converged: false, moved }
}
