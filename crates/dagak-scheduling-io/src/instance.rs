//! Reading an instance (`design/SCHEDULE.md`, JSON version 1) into the engine's dense problem, and
//! rejecting a bad one with an error that names the offending item.

use std::collections::HashMap;

use dagak_scheduling::{Participant, Request, ScheduleProblem, Slot};
use serde::Deserialize;

/// Why an instance is rejected. Each variant names the item, by its id.
#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    /// The text is not JSON of the instance's shape.
    #[error("malformed instance JSON: {0}")]
    Malformed(serde_json::Error),
    /// Two items of a kind share an id.
    #[error("duplicated {kind} id \"{id}\"")]
    DuplicateId {
        /// "slot", "participant" or "request".
        kind: &'static str,
        /// The id.
        id: String,
    },
    /// An id is empty.
    #[error("{kind} number {position} (from 1) has an empty id")]
    EmptyId {
        /// "slot", "participant" or "request".
        kind: &'static str,
        /// Its position in the list, from 1.
        position: usize,
    },
    /// A request names a participant that is not in the instance.
    #[error(
        "request \"{request}\" names participant \"{participant}\", which is not in the instance"
    )]
    UnknownParticipant {
        /// The request id.
        request: String,
        /// The unknown participant id.
        participant: String,
    },
    /// A request pairs a participant with itself.
    #[error("request \"{request}\" pairs participant \"{participant}\" with itself")]
    SelfRequest {
        /// The request id.
        request: String,
        /// The participant id.
        participant: String,
    },
    /// A weight is zero or negative.
    #[error("request \"{request}\" has weight {weight}; weights must be positive")]
    BadWeight {
        /// The request id.
        request: String,
        /// The weight.
        weight: f64,
    },
    /// A participant lists a slot that is not in the instance.
    #[error(
        "participant \"{participant}\" lists {list} slot \"{slot}\", which is not in the instance"
    )]
    UnknownSlot {
        /// The participant id.
        participant: String,
        /// "available" or "blocked".
        list: &'static str,
        /// The unknown slot id.
        slot: String,
    },
    /// A slot with zero tables is listed as available.
    #[error("participant \"{participant}\" is available in slot \"{slot}\", which has zero tables")]
    ZeroTables {
        /// The participant id.
        participant: String,
        /// The slot id.
        slot: String,
    },
    /// A count is negative or not a whole number.
    #[error("{kind} \"{id}\" has {field} {value}; it must be a whole number from 0")]
    BadCount {
        /// "slot" or "participant".
        kind: &'static str,
        /// The id.
        id: String,
        /// "tables" or "max_meetings".
        field: &'static str,
        /// The value as written.
        value: String,
    },
}

#[derive(Deserialize)]
struct InstanceFile {
    slots: Vec<SlotEntry>,
    participants: Vec<ParticipantEntry>,
    requests: Vec<RequestEntry>,
}

#[derive(Deserialize)]
struct SlotEntry {
    id: String,
    #[serde(default)]
    tables: Option<serde_json::Number>,
}

#[derive(Deserialize)]
struct ParticipantEntry {
    id: String,
    #[serde(default)]
    available: Vec<String>,
    #[serde(default)]
    blocked: Vec<String>,
    #[serde(default)]
    max_meetings: Option<serde_json::Number>,
}

#[derive(Deserialize)]
struct RequestEntry {
    id: String,
    a: String,
    b: String,
    weight: f64,
}

/// An instance: the engine's problem plus the ids that name its items.
#[derive(Debug, Clone)]
pub struct Instance {
    /// The dense problem for the engine.
    pub problem: ScheduleProblem,
    /// Slot ids by index.
    pub slot_ids: Vec<String>,
    /// Participant ids by index.
    pub participant_ids: Vec<String>,
    /// Request ids by index.
    pub request_ids: Vec<String>,
    /// Slot index by id.
    pub slot_index: HashMap<String, usize>,
    /// Request index by id.
    pub request_index: HashMap<String, usize>,
}

/// Parses and checks an instance.
pub fn parse_instance(text: &str) -> Result<Instance, InstanceError> {
    let file: InstanceFile = serde_json::from_str(text).map_err(InstanceError::Malformed)?;
    let slot_ids: Vec<String> = file.slots.iter().map(|slot| slot.id.clone()).collect();
    let slot_index = index_ids("slot", &slot_ids)?;
    let participant_ids: Vec<String> =
        file.participants.iter().map(|participant| participant.id.clone()).collect();
    let participant_index = index_ids("participant", &participant_ids)?;
    let request_ids: Vec<String> = file.requests.iter().map(|request| request.id.clone()).collect();
    let request_index = index_ids("request", &request_ids)?;

    let mut slots = Vec::with_capacity(file.slots.len());
    for slot in &file.slots {
        let tables = slot
            .tables
            .as_ref()
            .map(|tables| count("slot", &slot.id, "tables", tables))
            .transpose()?;
        slots.push(Slot { tables });
    }
    let mut participants = Vec::with_capacity(file.participants.len());
    for participant in &file.participants {
        let resolve = |list: &'static str, ids: &[String]| -> Result<Vec<usize>, InstanceError> {
            ids.iter()
                .map(|slot| {
                    slot_index.get(slot).copied().ok_or_else(|| InstanceError::UnknownSlot {
                        participant: participant.id.clone(),
                        list,
                        slot: slot.clone(),
                    })
                })
                .collect()
        };
        let available = resolve("available", &participant.available)?;
        let blocked = resolve("blocked", &participant.blocked)?;
        if let Some(&slot) = available.iter().find(|&&slot| slots[slot].tables == Some(0)) {
            return Err(InstanceError::ZeroTables {
                participant: participant.id.clone(),
                slot: slot_ids[slot].clone(),
            });
        }
        let max_meetings = participant
            .max_meetings
            .as_ref()
            .map(|max| count("participant", &participant.id, "max_meetings", max))
            .transpose()?;
        participants.push(Participant { available, blocked, max_meetings });
    }
    let mut requests = Vec::with_capacity(file.requests.len());
    for request in &file.requests {
        let participant = |id: &String| {
            participant_index.get(id).copied().ok_or_else(|| InstanceError::UnknownParticipant {
                request: request.id.clone(),
                participant: id.clone(),
            })
        };
        let participant_a = participant(&request.a)?;
        let participant_b = participant(&request.b)?;
        if participant_a == participant_b {
            return Err(InstanceError::SelfRequest {
                request: request.id.clone(),
                participant: request.a.clone(),
            });
        }
        if !(request.weight.is_finite() && request.weight > 0.0) {
            return Err(InstanceError::BadWeight {
                request: request.id.clone(),
                weight: request.weight,
            });
        }
        requests.push(Request { participant_a, participant_b, weight: request.weight });
    }
    Ok(Instance {
        problem: ScheduleProblem { slots, participants, requests },
        slot_ids,
        participant_ids,
        request_ids,
        slot_index,
        request_index,
    })
}

/// Maps each id to its position, rejecting empty and duplicated ids.
fn index_ids(kind: &'static str, ids: &[String]) -> Result<HashMap<String, usize>, InstanceError> {
    let mut index = HashMap::with_capacity(ids.len());
    for (position, id) in ids.iter().enumerate() {
        if id.is_empty() {
            return Err(InstanceError::EmptyId { kind, position: position + 1 });
        }
        if index.insert(id.clone(), position).is_some() {
            return Err(InstanceError::DuplicateId { kind, id: id.clone() });
        }
    }
    Ok(index)
}

/// A whole, non-negative count that fits the engine's 32-bit counters.
fn count(
    kind: &'static str,
    id: &str,
    field: &'static str,
    value: &serde_json::Number,
) -> Result<u32, InstanceError> {
    value.as_u64().and_then(|value| u32::try_from(value).ok()).ok_or_else(|| {
        InstanceError::BadCount { kind, id: id.to_owned(), field, value: value.to_string() }
    })
}
