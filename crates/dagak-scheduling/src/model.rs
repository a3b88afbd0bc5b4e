//! The compiled form of a problem: candidate slots per request in flat arrays, checked input.
//!
//! Every algorithm of the crate works on `Model`, never on `ScheduleProblem` directly, so that
//! availability, blocked slots and pins are resolved once.

use crate::problem::{Pin, ScheduleProblem};

/// Marks "no request" or "no slot" in the `u32` arrays of the engine.
pub(crate) const NONE: u32 = u32::MAX;

/// Input that the engine refuses: every variant names the offending item by index.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    /// A request names a participant index out of range.
    #[error("request {request} names participant {participant}, which does not exist")]
    UnknownParticipant {
        /// The request.
        request: usize,
        /// The participant index.
        participant: usize,
    },
    /// A request pairs a participant with itself.
    #[error("request {request} pairs participant {participant} with itself")]
    SelfRequest {
        /// The request.
        request: usize,
        /// The participant.
        participant: usize,
    },
    /// A weight is zero, negative or not finite.
    #[error("request {request} has weight {weight}; weights must be positive and finite")]
    BadWeight {
        /// The request.
        request: usize,
        /// The weight.
        weight: f64,
    },
    /// A participant lists a slot index out of range.
    #[error("participant {participant} lists slot {slot}, which does not exist")]
    UnknownSlot {
        /// The participant.
        participant: usize,
        /// The slot index.
        slot: usize,
    },
    /// A slot with zero tables is listed as available.
    #[error("participant {participant} is available in slot {slot}, which has zero tables")]
    ZeroTables {
        /// The participant.
        participant: usize,
        /// The slot.
        slot: usize,
    },
    /// There are more than `u32::MAX - 1` items of some kind.
    #[error("the problem is too large: {what} exceed the engine's 32-bit indices")]
    TooLarge {
        /// What is too many.
        what: &'static str,
    },
    /// A pin names a request out of range.
    #[error("pin names request {request}, which does not exist")]
    PinUnknownRequest {
        /// The request index.
        request: usize,
    },
    /// A pin names a slot out of range.
    #[error("pin of request {request} names slot {slot}, which does not exist")]
    PinUnknownSlot {
        /// The request.
        request: usize,
        /// The slot index.
        slot: usize,
    },
    /// A request is pinned twice.
    #[error("request {request} is pinned twice")]
    PinnedTwice {
        /// The request.
        request: usize,
    },
    /// A pin cannot be honoured.
    #[error("request {request} cannot be pinned to slot {slot}: {conflict}")]
    InfeasiblePin {
        /// The request.
        request: usize,
        /// The slot.
        slot: usize,
        /// What is in the way.
        conflict: PinConflict,
    },
    /// A previous meeting names a request or slot out of range.
    #[error("previous meeting names request {request} or slot {slot:?}, which does not exist")]
    PreviousUnknown {
        /// The request index.
        request: usize,
        /// The slot index.
        slot: Option<usize>,
    },
}

/// What makes a pin impossible.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinConflict {
    /// A participant is not available in the slot.
    #[error("participant {participant} is not available in it")]
    Unavailable {
        /// The participant.
        participant: usize,
    },
    /// A participant has blocked the slot.
    #[error("participant {participant} has blocked it")]
    Blocked {
        /// The participant.
        participant: usize,
    },
    /// A participant already has another pinned meeting in the slot.
    #[error("participant {participant} is already pinned there for request {other_request}")]
    ParticipantBusy {
        /// The participant.
        participant: usize,
        /// The other pinned request.
        other_request: usize,
    },
    /// The slot's tables are all taken by other pins.
    #[error("all {tables} tables are taken by other pinned meetings")]
    TablesFull {
        /// The slot's tables.
        tables: u32,
    },
    /// A participant would exceed its maximum through pins alone.
    #[error("participant {participant} would exceed its maximum of {max_meetings} meetings")]
    MaxMeetings {
        /// The participant.
        participant: usize,
        /// Its maximum.
        max_meetings: u32,
    },
}

/// The problem in flat arrays.
pub(crate) struct Model {
    pub(crate) n_slots: usize,
    pub(crate) n_participants: usize,
    pub(crate) weight: Vec<f64>,
    pub(crate) participant_a: Vec<u32>,
    pub(crate) participant_b: Vec<u32>,
    /// `candidate_slots[candidate_start[r]..candidate_start[r + 1]]` are the slots in which both
    /// participants of request `r` are available and not blocked, ascending.
    pub(crate) candidate_start: Vec<usize>,
    pub(crate) candidate_slots: Vec<u32>,
    /// Tables per slot; `u32::MAX` for no limit.
    pub(crate) tables: Vec<u32>,
    /// Maximum meetings per participant; `u32::MAX` for no limit.
    pub(crate) max_meetings: Vec<u32>,
    /// The pinned slot of each request, or `NONE`.
    pub(crate) pinned_slot: Vec<u32>,
    /// `available[p * n_slots + s]`: participant `p` may meet in slot `s`.
    pub(crate) available: Vec<bool>,
    /// `blocked[p * n_slots + s]`: participant `p` has blocked slot `s`.
    pub(crate) blocked: Vec<bool>,
    /// Requests of each participant: `requests_of[requests_of_start[p]..requests_of_start[p + 1]]`.
    pub(crate) requests_of_start: Vec<usize>,
    pub(crate) requests_of: Vec<u32>,
    /// Whether every weight is a whole number, which lets the bound be rounded down.
    pub(crate) integral_weights: bool,
}

impl Model {
    pub(crate) fn n_requests(&self) -> usize {
        self.weight.len()
    }

    pub(crate) fn candidates(&self, request: usize) -> &[u32] {
        &self.candidate_slots[self.candidate_start[request]..self.candidate_start[request + 1]]
    }

    pub(crate) fn requests_of_participant(&self, participant: usize) -> &[u32] {
        &self.requests_of
            [self.requests_of_start[participant]..self.requests_of_start[participant + 1]]
    }

    pub(crate) fn is_pinned(&self, request: usize) -> bool {
        self.pinned_slot[request] != NONE
    }
}

/// Checks the problem and builds the model. Pins are checked for range and duplicates here and for
/// feasibility when they are placed.
pub(crate) fn compile(problem: &ScheduleProblem, pins: &[Pin]) -> Result<Model, ScheduleError> {
    let n_slots = problem.slots.len();
    let n_participants = problem.participants.len();
    let n_requests = problem.requests.len();
    for (what, count) in
        [("slots", n_slots), ("participants", n_participants), ("requests", n_requests)]
    {
        if count >= NONE as usize {
            return Err(ScheduleError::TooLarge { what });
        }
    }
    let tables: Vec<u32> =
        problem.slots.iter().map(|slot| slot.tables.unwrap_or(u32::MAX)).collect();
    let mut available = vec![false; n_slots * n_participants];
    let mut blocked = vec![false; n_slots * n_participants];
    for (participant_idx, participant) in problem.participants.iter().enumerate() {
        for &slot_idx in &participant.available {
            if slot_idx >= n_slots {
                return Err(ScheduleError::UnknownSlot {
                    participant: participant_idx,
                    slot: slot_idx,
                });
            }
            if tables[slot_idx] == 0 {
                return Err(ScheduleError::ZeroTables {
                    participant: participant_idx,
                    slot: slot_idx,
                });
            }
            available[participant_idx * n_slots + slot_idx] = true;
        }
        for &slot_idx in &participant.blocked {
            if slot_idx >= n_slots {
                return Err(ScheduleError::UnknownSlot {
                    participant: participant_idx,
                    slot: slot_idx,
                });
            }
        }
        for &slot_idx in &participant.blocked {
            available[participant_idx * n_slots + slot_idx] = false;
            blocked[participant_idx * n_slots + slot_idx] = true;
        }
    }
    let mut weight = Vec::with_capacity(n_requests);
    let mut participant_a = Vec::with_capacity(n_requests);
    let mut participant_b = Vec::with_capacity(n_requests);
    let mut candidate_start = Vec::with_capacity(n_requests + 1);
    let mut candidate_slots = Vec::new();
    let mut degree = vec![0usize; n_participants + 1];
    candidate_start.push(0);
    for (request_idx, request) in problem.requests.iter().enumerate() {
        for participant in [request.participant_a, request.participant_b] {
            if participant >= n_participants {
                return Err(ScheduleError::UnknownParticipant {
                    request: request_idx,
                    participant,
                });
            }
        }
        if request.participant_a == request.participant_b {
            return Err(ScheduleError::SelfRequest {
                request: request_idx,
                participant: request.participant_a,
            });
        }
        if !(request.weight.is_finite() && request.weight > 0.0) {
            return Err(ScheduleError::BadWeight { request: request_idx, weight: request.weight });
        }
        let row_a = request.participant_a * n_slots;
        let row_b = request.participant_b * n_slots;
        for slot_idx in 0..n_slots {
            if available[row_a + slot_idx] && available[row_b + slot_idx] {
                candidate_slots.push(slot_idx as u32);
            }
        }
        candidate_start.push(candidate_slots.len());
        weight.push(request.weight);
        participant_a.push(request.participant_a as u32);
        participant_b.push(request.participant_b as u32);
        degree[request.participant_a + 1] += 1;
        degree[request.participant_b + 1] += 1;
    }
    for participant_idx in 0..n_participants {
        degree[participant_idx + 1] += degree[participant_idx];
    }
    let requests_of_start = degree;
    let mut fill = requests_of_start.clone();
    let mut requests_of = vec![0u32; 2 * n_requests];
    for request_idx in 0..n_requests {
        for participant in [participant_a[request_idx], participant_b[request_idx]] {
            requests_of[fill[participant as usize]] = request_idx as u32;
            fill[participant as usize] += 1;
        }
    }
    let mut pinned_slot = vec![NONE; n_requests];
    for pin in pins {
        if pin.request >= n_requests {
            return Err(ScheduleError::PinUnknownRequest { request: pin.request });
        }
        if pin.slot >= n_slots {
            return Err(ScheduleError::PinUnknownSlot { request: pin.request, slot: pin.slot });
        }
        if pinned_slot[pin.request] != NONE {
            return Err(ScheduleError::PinnedTwice { request: pin.request });
        }
        pinned_slot[pin.request] = pin.slot as u32;
    }
    let integral_weights = weight.iter().all(|w: &f64| w.fract() == 0.0 && *w < 1e15);
    Ok(Model {
        n_slots,
        n_participants,
        weight,
        participant_a,
        participant_b,
        candidate_start,
        candidate_slots,
        tables,
        max_meetings: problem
            .participants
            .iter()
            .map(|participant| participant.max_meetings.unwrap_or(u32::MAX))
            .collect(),
        pinned_slot,
        available,
        blocked,
        requests_of_start,
        requests_of,
        integral_weights,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::{Participant, Request, Slot};

    #[test]
    fn candidate_slots_are_the_common_available_unblocked_ones() {
        let problem = ScheduleProblem {
            slots: vec![Slot { tables: None }; 4],
            participants: vec![
                Participant { available: vec![0, 1, 2, 3], blocked: vec![2], max_meetings: None },
                Participant { available: vec![1, 2, 3], ..Participant::default() },
            ],
            requests: vec![Request { participant_a: 0, participant_b: 1, weight: 2.5 }],
        };
        let model = compile(&problem, &[]).unwrap();
        assert_eq!(model.candidates(0), &[1, 3]);
        assert!(!model.integral_weights);
        assert!(model.blocked[2]);
        assert_eq!(model.requests_of_participant(1), &[0]);
    }
}
