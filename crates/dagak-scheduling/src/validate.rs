//! The validator: checks any schedule against every constraint of the model, independently of how
//! the schedule was made. Every test of the engine runs its output through it.

use crate::problem::{Pin, Schedule, ScheduleProblem};

/// One broken rule, naming the items involved by index.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Violation {
    /// A meeting or unscheduled entry names a request that does not exist.
    #[error("request #{request} does not exist")]
    UnknownRequest {
        /// The request index.
        request: usize,
    },
    /// A meeting names a slot that does not exist.
    #[error("request #{request} is held in slot #{slot}, which does not exist")]
    UnknownSlot {
        /// The request.
        request: usize,
        /// The slot index.
        slot: usize,
    },
    /// A request is held more than once.
    #[error("request #{request} is held more than once")]
    HeldTwice {
        /// The request.
        request: usize,
    },
    /// A request is listed as unscheduled twice, or both held and unscheduled.
    #[error("request #{request} is listed more than once")]
    ListedTwice {
        /// The request.
        request: usize,
    },
    /// A request is neither held nor listed as unscheduled.
    #[error("request #{request} is neither held nor listed as unscheduled")]
    Missing {
        /// The request.
        request: usize,
    },
    /// A participant is not available (or has blocked) the slot of one of its meetings.
    #[error(
        "request #{request} is held in slot #{slot}, where participant #{participant} is not available"
    )]
    NotAvailable {
        /// The request.
        request: usize,
        /// The slot.
        slot: usize,
        /// The participant.
        participant: usize,
    },
    /// A participant is in two meetings in the same slot.
    #[error("participant #{participant} is in requests #{first} and #{second} in slot #{slot}")]
    DoubleBooked {
        /// The participant.
        participant: usize,
        /// The slot.
        slot: usize,
        /// One meeting.
        first: usize,
        /// The other meeting.
        second: usize,
    },
    /// A slot holds more meetings than it has tables.
    #[error("slot #{slot} holds {meetings} meetings but has {tables} tables")]
    TablesExceeded {
        /// The slot.
        slot: usize,
        /// Meetings held.
        meetings: usize,
        /// Tables.
        tables: u32,
    },
    /// A meeting's table number is outside 1 to the slot's tables.
    #[error("request #{request} sits at table {table} of slot #{slot}, outside 1..={tables}")]
    TableOutOfRange {
        /// The request.
        request: usize,
        /// The slot.
        slot: usize,
        /// The table.
        table: u32,
        /// Tables of the slot (`u32::MAX` for no limit).
        tables: u32,
    },
    /// Two meetings share a table in the same slot.
    #[error("requests #{first} and #{second} share table {table} of slot #{slot}")]
    TableShared {
        /// The slot.
        slot: usize,
        /// The table.
        table: u32,
        /// One meeting.
        first: usize,
        /// The other meeting.
        second: usize,
    },
    /// A participant holds more meetings than its maximum.
    #[error(
        "participant #{participant} holds {meetings} meetings, more than its maximum of {max_meetings}"
    )]
    MaxMeetingsExceeded {
        /// The participant.
        participant: usize,
        /// Meetings held.
        meetings: usize,
        /// Its maximum.
        max_meetings: u32,
    },
    /// A pinned request is not held in its pinned slot.
    #[error("pinned request #{request} is not held in its pinned slot #{slot}")]
    PinNotHonoured {
        /// The request.
        request: usize,
        /// The pinned slot.
        slot: usize,
    },
    /// The declared total weight is not the sum of the held requests' weights.
    #[error("total weight is declared {declared} but the held meetings weigh {actual}")]
    TotalMismatch {
        /// The declared total.
        declared: f64,
        /// The actual total.
        actual: f64,
    },
    /// The declared upper bound is below the total weight, so it cannot be an upper bound.
    #[error("upper bound {bound} is below the total weight {total}")]
    BoundBelowTotal {
        /// The bound.
        bound: f64,
        /// The total.
        total: f64,
    },
}

/// Every violation of `schedule` against `problem` and `pins`; empty when the schedule is valid.
/// An infinite `upper_bound` means "no bound declared" and is not checked.
pub fn validate(problem: &ScheduleProblem, pins: &[Pin], schedule: &Schedule) -> Vec<Violation> {
    let mut violations = Vec::new();
    let n_requests = problem.requests.len();
    let n_slots = problem.slots.len();
    let mut held_slot: Vec<Option<usize>> = vec![None; n_requests];
    let mut listed = vec![false; n_requests];
    let mut actual_total = 0.0;
    let mut slot_meetings: Vec<Vec<(usize, u32)>> = vec![Vec::new(); n_slots];
    for meeting in &schedule.meetings {
        let request = meeting.request;
        if request >= n_requests {
            violations.push(Violation::UnknownRequest { request });
            continue;
        }
        if meeting.slot >= n_slots {
            violations.push(Violation::UnknownSlot { request, slot: meeting.slot });
            continue;
        }
        if listed[request] {
            violations.push(Violation::HeldTwice { request });
            continue;
        }
        listed[request] = true;
        held_slot[request] = Some(meeting.slot);
        actual_total += problem.requests[request].weight;
        slot_meetings[meeting.slot].push((request, meeting.table));
    }
    for unscheduled in &schedule.unscheduled {
        let request = unscheduled.request;
        if request >= n_requests {
            violations.push(Violation::UnknownRequest { request });
        } else if listed[request] {
            violations.push(Violation::ListedTwice { request });
        } else {
            listed[request] = true;
        }
    }
    for (request, &is_listed) in listed.iter().enumerate() {
        if !is_listed {
            violations.push(Violation::Missing { request });
        }
    }
    check_participants(problem, &held_slot, &mut violations);
    check_tables(problem, &slot_meetings, &mut violations);
    for pin in pins {
        if pin.request < n_requests && held_slot[pin.request] != Some(pin.slot) {
            violations.push(Violation::PinNotHonoured { request: pin.request, slot: pin.slot });
        }
    }
    let tolerance = 1e-9 * actual_total.abs().max(1.0);
    if (schedule.total_weight - actual_total).abs() > tolerance {
        violations.push(Violation::TotalMismatch {
            declared: schedule.total_weight,
            actual: actual_total,
        });
    }
    if schedule.upper_bound.is_finite() && schedule.upper_bound < actual_total - tolerance {
        violations
            .push(Violation::BoundBelowTotal { bound: schedule.upper_bound, total: actual_total });
    }
    violations
}

/// Availability, blocked slots, double bookings and maximum meetings.
fn check_participants(
    problem: &ScheduleProblem,
    held_slot: &[Option<usize>],
    violations: &mut Vec<Violation>,
) {
    let n_slots = problem.slots.len();
    let n_participants = problem.participants.len();
    let mut may_meet = vec![false; n_participants * n_slots];
    for (participant_idx, participant) in problem.participants.iter().enumerate() {
        for &slot in participant.available.iter().filter(|&&slot| slot < n_slots) {
            may_meet[participant_idx * n_slots + slot] = true;
        }
        for &slot in participant.blocked.iter().filter(|&&slot| slot < n_slots) {
            may_meet[participant_idx * n_slots + slot] = false;
        }
    }
    let mut occupant: Vec<Option<usize>> = vec![None; n_participants * n_slots];
    let mut meetings_of = vec![0usize; n_participants];
    for (request, slot) in held_slot.iter().enumerate() {
        let Some(slot) = *slot else { continue };
        let request_data = &problem.requests[request];
        for participant in [request_data.participant_a, request_data.participant_b] {
            if participant >= n_participants {
                continue;
            }
            let cell = participant * n_slots + slot;
            if !may_meet[cell] {
                violations.push(Violation::NotAvailable { request, slot, participant });
            }
            match occupant[cell] {
                Some(first) if first != request => violations.push(Violation::DoubleBooked {
                    participant,
                    slot,
                    first,
                    second: request,
                }),
                _ => occupant[cell] = Some(request),
            }
            meetings_of[participant] += 1;
        }
    }
    for (participant_idx, participant) in problem.participants.iter().enumerate() {
        if let Some(max_meetings) = participant.max_meetings
            && meetings_of[participant_idx] > max_meetings as usize
        {
            violations.push(Violation::MaxMeetingsExceeded {
                participant: participant_idx,
                meetings: meetings_of[participant_idx],
                max_meetings,
            });
        }
    }
}

/// Tables per slot and table numbers.
fn check_tables(
    problem: &ScheduleProblem,
    slot_meetings: &[Vec<(usize, u32)>],
    violations: &mut Vec<Violation>,
) {
    for (slot, meetings) in slot_meetings.iter().enumerate() {
        let tables = problem.slots[slot].tables.unwrap_or(u32::MAX);
        if meetings.len() > tables as usize {
            violations.push(Violation::TablesExceeded { slot, meetings: meetings.len(), tables });
        }
        let mut by_table: Vec<(u32, usize)> =
            meetings.iter().map(|&(request, table)| (table, request)).collect();
        by_table.sort_unstable();
        for &(table, request) in &by_table {
            if table == 0 || table > tables {
                violations.push(Violation::TableOutOfRange { request, slot, table, tables });
            }
        }
        for pair in by_table.windows(2) {
            if pair[0].0 == pair[1].0 {
                violations.push(Violation::TableShared {
                    slot,
                    table: pair[0].0,
                    first: pair[0].1,
                    second: pair[1].1,
                });
            }
        }
    }
}
