//! Hand-made scenarios: reasons, blocked slots, reschedules, and each kind of bad input.

use dagak_scheduling::{
    AssignOptions, MoveReason, Participant, Pin, PinConflict, PreviousMeeting, Request,
    ScheduleError, ScheduleProblem, Slot, UnscheduledReason, assign,
};

use crate::assert_valid;

fn participant(available: &[usize]) -> Participant {
    Participant { available: available.to_vec(), ..Participant::default() }
}

fn request(participant_a: usize, participant_b: usize, weight: f64) -> Request {
    Request { participant_a, participant_b, weight }
}

fn slots(count: usize, tables: Option<u32>) -> Vec<Slot> {
    vec![Slot { tables }; count]
}

#[test]
fn a_request_without_a_common_slot_says_so() {
    let problem = ScheduleProblem {
        slots: slots(2, None),
        participants: vec![participant(&[0]), participant(&[1])],
        requests: vec![request(0, 1, 5.0)],
    };
    let (schedule, _) = assign(&problem, &AssignOptions::default()).unwrap();
    assert_valid(&problem, &[], &schedule);
    assert_eq!(schedule.unscheduled[0].reason, UnscheduledReason::NoCommonFreeSlot);
    assert_eq!(schedule.unscheduled[0].reason.to_string(), "no common free slot");
    assert_eq!(schedule.upper_bound, 0.0);
}

#[test]
fn a_popular_partner_that_is_fully_booked_is_named() {
    // Partner 0 has two slots and three suitors; the lightest suitor is left out.
    let problem = ScheduleProblem {
        slots: slots(2, None),
        participants: vec![
            participant(&[0, 1]),
            participant(&[0, 1]),
            participant(&[0, 1]),
            participant(&[0, 1]),
        ],
        requests: vec![request(0, 1, 9.0), request(0, 2, 8.0), request(0, 3, 1.0)],
    };
    let (schedule, diagnostics) = assign(&problem, &AssignOptions::default()).unwrap();
    assert_valid(&problem, &[], &schedule);
    assert_eq!(schedule.total_weight, 17.0);
    assert_eq!(schedule.upper_bound, 17.0);
    assert!(diagnostics.proven_optimal);
    assert_eq!(schedule.unscheduled.len(), 1);
    assert_eq!(
        schedule.unscheduled[0].reason,
        UnscheduledReason::FullyBooked { participant: 0, common_slots: 2 }
    );
    let names = |index: usize| format!("p{index}");
    let requests = |index: usize| format!("r{index}");
    assert_eq!(
        schedule.unscheduled[0].reason.describe(&names, &requests),
        "p0 fully booked in its 2 available slots"
    );
}

#[test]
fn a_full_slot_displaces_the_lighter_request_and_names_the_heavier_ones() {
    let problem = ScheduleProblem {
        slots: slots(1, Some(1)),
        participants: vec![
            participant(&[0]),
            participant(&[0]),
            participant(&[0]),
            participant(&[0]),
        ],
        requests: vec![request(0, 1, 2.0), request(2, 3, 7.0)],
    };
    let (schedule, _) = assign(&problem, &AssignOptions::default()).unwrap();
    assert_valid(&problem, &[], &schedule);
    assert_eq!(schedule.total_weight, 7.0);
    let reason = &schedule.unscheduled[0].reason;
    assert_eq!(
        *reason,
        UnscheduledReason::Displaced { common_slots: 1, by: vec![1], all_heavier: true }
    );
    let text = reason.describe(&|index| format!("p{index}"), &|index| format!("r{index}"));
    assert_eq!(text, "all 1 common free slot taken; displaced by higher-weight requests r1");
}

#[test]
fn a_participant_at_its_maximum_is_named() {
    let mut busy = participant(&[0, 1, 2]);
    busy.max_meetings = Some(1);
    let problem = ScheduleProblem {
        slots: slots(3, None),
        participants: vec![busy, participant(&[0, 1, 2]), participant(&[0, 1, 2])],
        requests: vec![request(0, 1, 5.0), request(0, 2, 3.0)],
    };
    let (schedule, _) = assign(&problem, &AssignOptions::default()).unwrap();
    assert_valid(&problem, &[], &schedule);
    assert_eq!(schedule.total_weight, 5.0);
    assert_eq!(
        schedule.unscheduled[0].reason,
        UnscheduledReason::MaxMeetingsReached { participant: 0, max_meetings: 1 }
    );
}

#[test]
fn a_blocked_slot_is_never_used() {
    let mut lunch = participant(&[0, 1]);
    lunch.blocked = vec![0];
    let problem = ScheduleProblem {
        slots: slots(2, None),
        participants: vec![lunch, participant(&[0, 1]), participant(&[0])],
        requests: vec![request(0, 1, 4.0), request(0, 2, 9.0)],
    };
    let (schedule, _) = assign(&problem, &AssignOptions::default()).unwrap();
    assert_valid(&problem, &[], &schedule);
    assert_eq!(schedule.total_weight, 4.0);
    assert_eq!(schedule.meetings[0].slot, 1);
    assert_eq!(schedule.unscheduled[0].reason, UnscheduledReason::NoCommonFreeSlot);
}

#[test]
fn removing_a_slot_moves_only_its_meeting_and_says_why() {
    let problem = ScheduleProblem {
        slots: slots(3, None),
        participants: vec![
            participant(&[0, 1, 2]),
            participant(&[0, 1, 2]),
            participant(&[0, 1, 2]),
        ],
        requests: vec![request(0, 1, 5.0), request(0, 2, 4.0), request(1, 2, 3.0)],
    };
    let (before, _) = assign(&problem, &AssignOptions::default()).unwrap();
    assert_eq!(before.total_weight, 12.0);
    // Slot 2 is removed: the participants are no longer available in it.
    let mut changed = problem.clone();
    for participant in &mut changed.participants {
        participant.available.retain(|&slot| slot != 2);
    }
    let previous: Vec<PreviousMeeting> = before
        .meetings
        .iter()
        .map(|meeting| PreviousMeeting { request: meeting.request, slot: Some(meeting.slot) })
        .collect();
    let options = AssignOptions { previous: Some(previous), ..AssignOptions::default() };
    let (after, _) = assign(&changed, &options).unwrap();
    assert_valid(&changed, &[], &after);
    let in_removed_slot = before.meetings.iter().find(|meeting| meeting.slot == 2).unwrap();
    for meeting in &before.meetings {
        if meeting.slot != 2 {
            assert!(
                after
                    .meetings
                    .iter()
                    .any(|now| now.request == meeting.request && now.slot == meeting.slot)
            );
        }
    }
    assert_eq!(after.moved.len(), 1);
    assert_eq!(after.moved[0].request, in_removed_slot.request);
    assert!(matches!(after.moved[0].reason, MoveReason::ParticipantUnavailable { .. }));
}

#[test]
fn a_previous_meeting_in_a_slot_that_no_longer_exists_is_reported() {
    let problem = ScheduleProblem {
        slots: slots(1, None),
        participants: vec![participant(&[0]), participant(&[0])],
        requests: vec![request(0, 1, 5.0)],
    };
    let options = AssignOptions {
        previous: Some(vec![PreviousMeeting { request: 0, slot: None }]),
        ..AssignOptions::default()
    };
    let (schedule, _) = assign(&problem, &options).unwrap();
    assert_eq!(schedule.moved.len(), 1);
    assert_eq!(schedule.moved[0].reason, MoveReason::SlotRemoved);
    assert_eq!(schedule.moved[0].to, Some(0));
}

#[test]
fn each_kind_of_bad_input_has_its_own_error() {
    let good = ScheduleProblem {
        slots: vec![Slot { tables: Some(1) }, Slot { tables: Some(0) }],
        participants: vec![participant(&[0]), participant(&[0])],
        requests: vec![request(0, 1, 5.0)],
    };
    let run = |problem: &ScheduleProblem, pins: Vec<Pin>| {
        assign(problem, &AssignOptions { pins, ..AssignOptions::default() }).map(|_| ())
    };
    assert_eq!(run(&good, vec![]), Ok(()));

    let mut unknown_participant = good.clone();
    unknown_participant.requests[0].participant_b = 7;
    assert_eq!(
        run(&unknown_participant, vec![]),
        Err(ScheduleError::UnknownParticipant { request: 0, participant: 7 })
    );

    let mut itself = good.clone();
    itself.requests[0].participant_b = 0;
    assert_eq!(
        run(&itself, vec![]),
        Err(ScheduleError::SelfRequest { request: 0, participant: 0 })
    );

    for weight in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let mut bad_weight = good.clone();
        bad_weight.requests[0].weight = weight;
        assert!(matches!(
            run(&bad_weight, vec![]),
            Err(ScheduleError::BadWeight { request: 0, .. })
        ));
    }

    let mut unknown_slot = good.clone();
    unknown_slot.participants[1].available.push(9);
    assert_eq!(
        run(&unknown_slot, vec![]),
        Err(ScheduleError::UnknownSlot { participant: 1, slot: 9 })
    );

    let mut zero_tables = good.clone();
    zero_tables.participants[0].available.push(1);
    assert_eq!(
        run(&zero_tables, vec![]),
        Err(ScheduleError::ZeroTables { participant: 0, slot: 1 })
    );

    assert_eq!(
        run(&good, vec![Pin { request: 3, slot: 0 }]),
        Err(ScheduleError::PinUnknownRequest { request: 3 })
    );
    assert_eq!(
        run(&good, vec![Pin { request: 0, slot: 5 }]),
        Err(ScheduleError::PinUnknownSlot { request: 0, slot: 5 })
    );
    assert_eq!(
        run(&good, vec![Pin { request: 0, slot: 0 }, Pin { request: 0, slot: 0 }]),
        Err(ScheduleError::PinnedTwice { request: 0 })
    );
    assert_eq!(
        run(&good, vec![Pin { request: 0, slot: 1 }]),
        Err(ScheduleError::InfeasiblePin {
            request: 0,
            slot: 1,
            conflict: PinConflict::Unavailable { participant: 0 }
        })
    );
    let mut blocked = good.clone();
    blocked.participants[1].blocked.push(0);
    assert_eq!(
        run(&blocked, vec![Pin { request: 0, slot: 0 }]),
        Err(ScheduleError::InfeasiblePin {
            request: 0,
            slot: 0,
            conflict: PinConflict::Blocked { participant: 1 }
        })
    );
}

#[test]
fn pins_that_fill_a_slot_are_an_error_naming_the_pin() {
    let problem = ScheduleProblem {
        slots: slots(1, Some(1)),
        participants: vec![
            participant(&[0]),
            participant(&[0]),
            participant(&[0]),
            participant(&[0]),
        ],
        requests: vec![request(0, 1, 1.0), request(2, 3, 1.0)],
    };
    let pins = vec![Pin { request: 0, slot: 0 }, Pin { request: 1, slot: 0 }];
    let error = assign(&problem, &AssignOptions { pins, ..AssignOptions::default() }).unwrap_err();
    assert_eq!(
        error,
        ScheduleError::InfeasiblePin {
            request: 1,
            slot: 0,
            conflict: PinConflict::TablesFull { tables: 1 }
        }
    );
}

#[test]
fn a_previous_meeting_pinned_elsewhere_moves_to_its_pin() {
    let problem = ScheduleProblem {
        slots: slots(2, None),
        participants: vec![participant(&[0, 1]), participant(&[0, 1])],
        requests: vec![request(0, 1, 5.0)],
    };
    let options = AssignOptions {
        pins: vec![Pin { request: 0, slot: 1 }],
        previous: Some(vec![PreviousMeeting { request: 0, slot: Some(0) }]),
        ..AssignOptions::default()
    };
    let (schedule, _) = assign(&problem, &options).unwrap();
    assert_valid(&problem, &[Pin { request: 0, slot: 1 }], &schedule);
    assert_eq!(schedule.moved.len(), 1);
    assert_eq!(schedule.moved[0].reason, MoveReason::PinnedElsewhere);
    assert_eq!((schedule.moved[0].from, schedule.moved[0].to), (Some(0), Some(1)));
}
