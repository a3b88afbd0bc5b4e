//! Properties on random small instances, checked against brute force where that is cheap.

use dagak_scheduling::{
    AssignOptions, Effort, Participant, Pin, PreviousMeeting, Request, ScheduleError,
    ScheduleProblem, Slot, assign,
};
use proptest::prelude::*;

use crate::assert_valid;

/// A random small problem: up to 5 participants, 4 slots, 7 requests, with optional tables,
/// maxima and blocked slots.
fn small_problem() -> impl Strategy<Value = ScheduleProblem> {
    (2usize..=5, 1usize..=4).prop_flat_map(|(n_participants, n_slots)| {
        let slots = prop::collection::vec(prop::option::of(1u32..=2), n_slots);
        let participants = prop::collection::vec(
            (
                prop::collection::vec(any::<bool>(), n_slots),
                prop::collection::vec(prop::bool::weighted(0.15), n_slots),
                prop::option::of(1u32..=3),
            ),
            n_participants,
        );
        let requests =
            prop::collection::vec((0..n_participants, 1..n_participants, 1u32..=9), 0..=7);
        (slots, participants, requests).prop_map(move |(slots, participants, requests)| {
            ScheduleProblem {
                slots: slots.into_iter().map(|tables| Slot { tables }).collect(),
                participants: participants
                    .into_iter()
                    .map(|(available, blocked, max_meetings)| Participant {
                        available: (0..n_slots).filter(|&slot| available[slot]).collect(),
                        blocked: (0..n_slots).filter(|&slot| blocked[slot]).collect(),
                        max_meetings,
                    })
                    .collect(),
                requests: requests
                    .into_iter()
                    .map(|(first, offset, weight)| Request {
                        participant_a: first,
                        participant_b: (first + offset) % n_participants,
                        weight: f64::from(weight),
                    })
                    .collect(),
            }
        })
    })
}

/// A random medium problem (too large for brute force): up to 24 participants, 6 slots and 80
/// requests, with tables and maxima.
fn medium_problem() -> impl Strategy<Value = ScheduleProblem> {
    (6usize..=24, 2usize..=6).prop_flat_map(|(n_participants, n_slots)| {
        let slots = prop::collection::vec(prop::option::of(1u32..=6), n_slots);
        let participants = prop::collection::vec(
            (prop::collection::vec(prop::bool::weighted(0.7), n_slots), prop::option::of(1u32..=5)),
            n_participants,
        );
        let requests =
            prop::collection::vec((0..n_participants, 1..n_participants, 1u32..=9), 10..=80);
        (slots, participants, requests).prop_map(move |(slots, participants, requests)| {
            ScheduleProblem {
                slots: slots.into_iter().map(|tables| Slot { tables }).collect(),
                participants: participants
                    .into_iter()
                    .map(|(available, max_meetings)| Participant {
                        available: (0..n_slots).filter(|&slot| available[slot]).collect(),
                        blocked: Vec::new(),
                        max_meetings,
                    })
                    .collect(),
                requests: requests
                    .into_iter()
                    .map(|(first, offset, weight)| Request {
                        participant_a: first,
                        participant_b: (first + offset) % n_participants,
                        weight: f64::from(weight),
                    })
                    .collect(),
            }
        })
    })
}

/// Whether `request` may go in `slot` given the current placement (`slot_of`).
fn fits(problem: &ScheduleProblem, slot_of: &[Option<usize>], request: usize, slot: usize) -> bool {
    let pair = &problem.requests[request];
    let participants = [pair.participant_a, pair.participant_b];
    for &participant in &participants {
        let data = &problem.participants[participant];
        if !data.available.contains(&slot) || data.blocked.contains(&slot) {
            return false;
        }
    }
    let mut in_slot = 0;
    let mut meetings = [0u32; 2];
    for (other, placed) in slot_of.iter().enumerate() {
        let Some(other_slot) = *placed else { continue };
        let other_pair = &problem.requests[other];
        for (index, &participant) in participants.iter().enumerate() {
            let involved =
                other_pair.participant_a == participant || other_pair.participant_b == participant;
            if involved {
                meetings[index] += 1;
                if other_slot == slot {
                    return false;
                }
            }
        }
        in_slot += usize::from(other_slot == slot);
    }
    if problem.slots[slot].tables.is_some_and(|tables| in_slot >= tables as usize) {
        return false;
    }
    participants.iter().zip(meetings).all(|(&participant, count)| {
        problem.participants[participant].max_meetings.is_none_or(|max| count < max)
    })
}

/// The optimal total weight by exhaustive search.
fn brute_force_optimum(problem: &ScheduleProblem, pins: &[Pin]) -> f64 {
    fn explore(problem: &ScheduleProblem, slot_of: &mut Vec<Option<usize>>, request: usize) -> f64 {
        if request == problem.requests.len() {
            return 0.0;
        }
        if slot_of[request].is_some() {
            return problem.requests[request].weight + explore(problem, slot_of, request + 1);
        }
        let mut best = explore(problem, slot_of, request + 1);
        for slot in 0..problem.slots.len() {
            if fits(problem, slot_of, request, slot) {
                slot_of[request] = Some(slot);
                best = best
                    .max(problem.requests[request].weight + explore(problem, slot_of, request + 1));
                slot_of[request] = None;
            }
        }
        best
    }
    let mut slot_of = vec![None; problem.requests.len()];
    for pin in pins {
        slot_of[pin.request] = Some(pin.slot);
    }
    explore(problem, &mut slot_of, 0)
}

/// A random feasible placement (first fit in a seeded order), to draw feasible pins from.
fn some_feasible_meetings(problem: &ScheduleProblem, seed: u64) -> Vec<Pin> {
    let mut slot_of = vec![None; problem.requests.len()];
    let mut order: Vec<usize> = (0..problem.requests.len()).collect();
    order.sort_by_key(|&request| (request as u64).wrapping_mul(seed | 1).rotate_left(17));
    let mut pins = Vec::new();
    for request in order {
        let n_slots = problem.slots.len();
        for step in 0..n_slots {
            let slot = (request + step + seed as usize) % n_slots;
            if fits(problem, &slot_of, request, slot) {
                slot_of[request] = Some(slot);
                pins.push(Pin { request, slot });
                break;
            }
        }
    }
    pins
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn schedules_are_valid_and_bounds_are_never_below_the_optimum(problem in small_problem()) {
        let (schedule, _) = assign(&problem, &AssignOptions::default()).unwrap();
        assert_valid(&problem, &[], &schedule);
        let optimum = brute_force_optimum(&problem, &[]);
        prop_assert!(schedule.total_weight <= optimum + 1e-9);
        prop_assert!(schedule.upper_bound >= optimum - 1e-9, "bound {} < optimum {}", schedule.upper_bound, optimum);
        prop_assert_eq!(schedule.meetings.len() + schedule.unscheduled.len(), problem.requests.len());
    }

    // See: issue 16. The bound's method may stop at any iteration (a time limit, the iteration
    // cap); the bound must stay valid there, not only when it has converged.
    #[test]
    fn a_bound_stopped_at_any_iteration_is_never_below_the_brute_force_optimum(
        problem in small_problem(),
        bound_iterations in 1u32..=400,
    ) {
        let effort = Effort { bound_iterations, search_rounds: 50 };
        let (schedule, _) = assign(&problem, &AssignOptions { effort, ..AssignOptions::default() }).unwrap();
        let optimum = brute_force_optimum(&problem, &[]);
        prop_assert!(schedule.upper_bound >= optimum - 1e-9, "bound {} < optimum {} after {} iterations", schedule.upper_bound, optimum, bound_iterations);
    }

    // See: issue 16.
    #[test]
    fn the_bound_is_never_below_the_best_schedule_on_medium_instances(
        problem in medium_problem(),
        bound_iterations in 1u32..=2_000,
        seed in 0u64..1000,
    ) {
        let effort = Effort { bound_iterations, search_rounds: 2_000 };
        let options = AssignOptions { seed, effort, ..AssignOptions::default() };
        let (schedule, _) = assign(&problem, &options).unwrap();
        assert_valid(&problem, &[], &schedule);
        prop_assert!(schedule.upper_bound >= schedule.total_weight, "bound {} below total {}", schedule.upper_bound, schedule.total_weight);
        let weight: f64 = problem.requests.iter().map(|request| request.weight).sum();
        prop_assert!(schedule.upper_bound <= weight, "bound {} above the weight of all requests {}", schedule.upper_bound, weight);
    }

    #[test]
    fn pinned_meetings_never_move(problem in small_problem(), seed in 0u64..1000, keep in 0usize..4) {
        let pins: Vec<Pin> = some_feasible_meetings(&problem, seed).into_iter().take(keep).collect();
        let options = AssignOptions { pins: pins.clone(), ..AssignOptions::default() };
        let (schedule, _) = assign(&problem, &options).unwrap();
        assert_valid(&problem, &pins, &schedule);
        for pin in &pins {
            prop_assert!(schedule.meetings.iter().any(|meeting| meeting.request == pin.request && meeting.slot == pin.slot));
        }
        let optimum = brute_force_optimum(&problem, &pins);
        prop_assert!(schedule.upper_bound >= optimum - 1e-9);
    }

    #[test]
    fn withdrawing_a_participant_moves_no_other_meeting_unless_the_total_rises(
        problem in small_problem(),
        withdrawn_seed in 0usize..100,
    ) {
        let (before, _) = assign(&problem, &AssignOptions::default()).unwrap();
        let withdrawn = withdrawn_seed % problem.participants.len();
        let mut changed = problem.clone();
        changed.participants[withdrawn].available.clear();
        let previous: Vec<PreviousMeeting> = before
            .meetings
            .iter()
            .map(|meeting| PreviousMeeting { request: meeting.request, slot: Some(meeting.slot) })
            .collect();
        let options = AssignOptions { previous: Some(previous), ..AssignOptions::default() };
        let (after, _) = assign(&changed, &options).unwrap();
        assert_valid(&changed, &[], &after);
        let involves = |request: usize| {
            let pair = &problem.requests[request];
            pair.participant_a == withdrawn || pair.participant_b == withdrawn
        };
        let lost: f64 = before.meetings.iter().filter(|meeting| involves(meeting.request)).map(|meeting| problem.requests[meeting.request].weight).sum();
        let kept_total = before.total_weight - lost;
        prop_assert!(after.total_weight >= kept_total - 1e-9, "reschedule lost weight");
        for meeting in before.meetings.iter().filter(|meeting| !involves(meeting.request)) {
            let stayed = after.meetings.iter().any(|now| now.request == meeting.request && now.slot == meeting.slot);
            if !stayed {
                prop_assert!(after.total_weight > kept_total + 1e-9, "request {} moved without raising the total", meeting.request);
                prop_assert!(after.moved.iter().any(|entry| entry.request == meeting.request), "move of {} not reported", meeting.request);
            }
        }
        for meeting in before.meetings.iter().filter(|meeting| involves(meeting.request)) {
            prop_assert!(after.moved.iter().any(|entry| entry.request == meeting.request && entry.to.is_none()));
        }
    }

    #[test]
    fn identical_input_and_seed_give_identical_output(problem in small_problem(), seed in any::<u64>()) {
        let options = AssignOptions { seed, ..AssignOptions::default() };
        let first = assign(&problem, &options).unwrap();
        let second = assign(&problem, &options).unwrap();
        prop_assert_eq!(first, second);
    }

    #[test]
    fn an_infeasible_pin_is_an_error_naming_it(problem in small_problem()) {
        // Pinning every request to slot 0 is infeasible unless all fit there.
        let pins: Vec<Pin> = (0..problem.requests.len()).map(|request| Pin { request, slot: 0 }).collect();
        let optimum_with_pins_exists = {
            let mut slot_of = vec![None; problem.requests.len()];
            pins.iter().all(|pin| {
                let ok = fits(&problem, &slot_of, pin.request, pin.slot);
                slot_of[pin.request] = Some(pin.slot);
                ok
            })
        };
        let options = AssignOptions { pins: pins.clone(), ..AssignOptions::default() };
        match assign(&problem, &options) {
            Ok((schedule, _)) => {
                prop_assert!(optimum_with_pins_exists);
                assert_valid(&problem, &pins, &schedule);
            }
            Err(ScheduleError::InfeasiblePin { request, slot, .. }) => {
                prop_assert!(!optimum_with_pins_exists);
                prop_assert_eq!(slot, 0);
                prop_assert!(request < problem.requests.len());
            }
            Err(other) => prop_assert!(false, "unexpected error {other}"),
        }
    }
}
