//! The engine's errors and the validator's violations, retold with the instance's ids instead of
//! indices, for the organiser.

use dagak_scheduling::{PinConflict, ScheduleError, Violation};

use crate::instance::Instance;

fn slot(instance: &Instance, index: usize) -> String {
    instance.slot_ids.get(index).map_or_else(|| format!("#{index}"), |id| format!("\"{id}\""))
}

fn participant(instance: &Instance, index: usize) -> String {
    instance
        .participant_ids
        .get(index)
        .map_or_else(|| format!("#{index}"), |id| format!("\"{id}\""))
}

fn request(instance: &Instance, index: usize) -> String {
    instance.request_ids.get(index).map_or_else(|| format!("#{index}"), |id| format!("\"{id}\""))
}

/// The engine's error in the instance's ids.
pub fn describe_engine_error(error: &ScheduleError, instance: &Instance) -> String {
    match error {
        ScheduleError::InfeasiblePin { request: pinned, slot: pinned_slot, conflict } => {
            let why = match conflict {
                PinConflict::Unavailable { participant: who } => {
                    format!("participant {} is not available in it", participant(instance, *who))
                }
                PinConflict::Blocked { participant: who } => {
                    format!("participant {} has blocked it", participant(instance, *who))
                }
                PinConflict::ParticipantBusy { participant: who, other_request } => format!(
                    "participant {} is already pinned there for request {}",
                    participant(instance, *who),
                    request(instance, *other_request)
                ),
                PinConflict::TablesFull { tables } => {
                    format!("all {tables} tables are taken by other pinned meetings")
                }
                PinConflict::MaxMeetings { participant: who, max_meetings } => format!(
                    "participant {} would exceed its maximum of {max_meetings} meetings",
                    participant(instance, *who)
                ),
            };
            format!(
                "pinned request {} cannot be held in slot {}: {why}",
                request(instance, *pinned),
                slot(instance, *pinned_slot)
            )
        }
        ScheduleError::PinnedTwice { request: pinned } => {
            format!("request {} is pinned twice", request(instance, *pinned))
        }
        other => other.to_string(),
    }
}

/// A violation in the instance's ids.
pub fn describe_violation(violation: &Violation, instance: &Instance) -> String {
    let (s, p, r) = (
        |index| slot(instance, index),
        |index| participant(instance, index),
        |index| request(instance, index),
    );
    match violation {
        Violation::UnknownRequest { request: held } => {
            format!("request {} does not exist", r(*held))
        }
        Violation::UnknownSlot { request: held, slot: where_ } => {
            format!("request {} is held in slot {}, which does not exist", r(*held), s(*where_))
        }
        Violation::HeldTwice { request: held } => {
            format!("request held at most once: request {} is held more than once", r(*held))
        }
        Violation::ListedTwice { request: held } => format!(
            "every request listed once: request {} is listed more than once (held or unscheduled)",
            r(*held)
        ),
        Violation::Missing { request: held } => format!(
            "every request listed once: request {} is neither held nor unscheduled",
            r(*held)
        ),
        Violation::NotAvailable { request: held, slot: where_, participant: who } => format!(
            "availability: request {} is held in slot {}, where participant {} is not available",
            r(*held),
            s(*where_),
            p(*who)
        ),
        Violation::DoubleBooked { participant: who, slot: where_, first, second } => format!(
            "one meeting per participant per slot: participant {} is in requests {} and {} in slot {}",
            p(*who),
            r(*first),
            r(*second),
            s(*where_)
        ),
        Violation::TablesExceeded { slot: where_, meetings, tables } => {
            format!("tables: slot {} holds {meetings} meetings but has {tables} tables", s(*where_))
        }
        Violation::TableOutOfRange { request: held, slot: where_, table, tables } => format!(
            "tables: request {} sits at table {table} of slot {}, which has tables 1 to {tables}",
            r(*held),
            s(*where_)
        ),
        Violation::TableShared { slot: where_, table, first, second } => format!(
            "tables: requests {} and {} share table {table} of slot {}",
            r(*first),
            r(*second),
            s(*where_)
        ),
        Violation::MaxMeetingsExceeded { participant: who, meetings, max_meetings } => format!(
            "maximum meetings: participant {} holds {meetings} meetings, more than its {max_meetings}",
            p(*who)
        ),
        Violation::PinNotHonoured { request: held, slot: where_ } => {
            format!("pins: pinned request {} is not held in slot {}", r(*held), s(*where_))
        }
        Violation::TotalMismatch { declared, actual } => {
            format!("total weight: declared {declared} but the held meetings weigh {actual}")
        }
        Violation::BoundBelowTotal { bound, total } => {
            format!("upper bound: {bound} is below the total weight {total}")
        }
    }
}
