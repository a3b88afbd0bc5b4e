//! Why a request is left out, in terms the organiser can act on, and how those reasons read.

use std::fmt;

use crate::model::{Model, NONE};
use crate::problem::{MoveReason, UnscheduledReason};
use crate::state::State;

/// How many meetings in the way a `Displaced` reason names at most.
const MAX_NAMED_BLOCKERS: usize = 5;

/// The reason the unscheduled `request` is left out of the final schedule `state`.
pub(crate) fn unscheduled_reason(
    model: &Model,
    state: &State,
    request: usize,
) -> UnscheduledReason {
    let candidates = model.candidates(request);
    if candidates.is_empty() {
        return UnscheduledReason::NoCommonFreeSlot;
    }
    let participants = [model.participant_a[request], model.participant_b[request]];
    for participant in participants {
        let max_meetings = model.max_meetings[participant as usize];
        if state.meetings_of[participant as usize] >= max_meetings {
            return UnscheduledReason::MaxMeetingsReached {
                participant: participant as usize,
                max_meetings,
            };
        }
    }
    for participant in participants {
        if candidates.iter().all(|&slot| state.busy_with(participant, slot) != NONE) {
            return UnscheduledReason::FullyBooked {
                participant: participant as usize,
                common_slots: candidates.len(),
            };
        }
    }
    if candidates.iter().any(|&slot| state.slot_is_free_for(model, request, slot)) {
        return UnscheduledReason::StoppedEarly;
    }
    let mut blockers: Vec<u32> = Vec::new();
    for &slot in candidates {
        let before = blockers.len();
        for participant in participants {
            let holder = state.busy_with(participant, slot);
            if holder != NONE {
                blockers.push(holder);
            }
        }
        if blockers.len() == before && state.slot_is_full(model, slot) {
            // Both are free but the slot is full: its lightest meeting is the one in the way.
            let lightest = state.members(slot).iter().copied().min_by(|&left, &right| {
                model.weight[left as usize].total_cmp(&model.weight[right as usize])
            });
            blockers.extend(lightest);
        }
    }
    blockers.sort_by(|&left, &right| {
        model.weight[right as usize].total_cmp(&model.weight[left as usize]).then(left.cmp(&right))
    });
    blockers.dedup();
    let all_heavier =
        blockers.iter().all(|&blocker| model.weight[blocker as usize] >= model.weight[request]);
    blockers.truncate(MAX_NAMED_BLOCKERS);
    UnscheduledReason::Displaced {
        common_slots: candidates.len(),
        by: blockers.into_iter().map(|blocker| blocker as usize).collect(),
        all_heavier,
    }
}

impl UnscheduledReason {
    /// The reason as a sentence for the organiser, with `participant_name` and `request_name`
    /// turning indices into the caller's ids.
    pub fn describe(
        &self,
        participant_name: &dyn Fn(usize) -> String,
        request_name: &dyn Fn(usize) -> String,
    ) -> String {
        match self {
            UnscheduledReason::NoCommonFreeSlot => "no common free slot".to_owned(),
            UnscheduledReason::StoppedEarly => {
                "a common free slot remains: the run stopped before placing it (allow more time)"
                    .to_owned()
            }
            UnscheduledReason::MaxMeetingsReached { participant, max_meetings } => format!(
                "{} already holds its maximum of {max_meetings} meetings",
                participant_name(*participant)
            ),
            UnscheduledReason::FullyBooked { participant, common_slots } => format!(
                "{} fully booked in its {common_slots} available {}",
                participant_name(*participant),
                plural(*common_slots, "slot", "slots")
            ),
            UnscheduledReason::Displaced { common_slots, by, all_heavier } => {
                let names: Vec<String> = by.iter().map(|&request| request_name(request)).collect();
                let kind = if *all_heavier { "higher-weight requests" } else { "requests" };
                format!(
                    "all {common_slots} common free {} taken; displaced by {kind} {}",
                    plural(*common_slots, "slot", "slots"),
                    names.join(", ")
                )
            }
        }
    }
}

impl MoveReason {
    /// The reason as a sentence for the organiser, with `participant_name` and `request_name`
    /// turning indices into the caller's ids.
    pub fn describe(
        &self,
        participant_name: &dyn Fn(usize) -> String,
        request_name: &dyn Fn(usize) -> String,
    ) -> String {
        match self {
            MoveReason::SlotRemoved => "its slot was removed".to_owned(),
            MoveReason::PinnedElsewhere => "it is now pinned to another slot".to_owned(),
            MoveReason::ParticipantUnavailable { participant } => {
                format!("{} is no longer available in its slot", participant_name(*participant))
            }
            MoveReason::PinConflict { pinned_request } => {
                format!("its slot clashes with pinned meeting {}", request_name(*pinned_request))
            }
            MoveReason::PreviousConflict => {
                "its slot clashes with another meeting of the previous schedule".to_owned()
            }
            MoveReason::MadeRoomFor { request } => format!(
                "made room for higher-value request {}, raising the total weight",
                request_name(*request)
            ),
        }
    }
}

fn plural(count: usize, one: &'static str, many: &'static str) -> &'static str {
    if count == 1 { one } else { many }
}

impl fmt::Display for UnscheduledReason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self
            .describe(&|participant| format!("participant #{participant}"), &|request| {
                format!("#{request}")
            });
        formatter.write_str(&text)
    }
}

impl fmt::Display for MoveReason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self
            .describe(&|participant| format!("participant #{participant}"), &|request| {
                format!("#{request}")
            });
        formatter.write_str(&text)
    }
}
