//! A minimal reader of the instance format of `design/SCHEDULE.md` for the tests and the benchmark.
//! The product's reader, with its error messages, lives in `dagak-scheduling-io`; the engine
//! itself knows no JSON.

use std::collections::HashMap;

use dagak_scheduling::{Participant, Request, ScheduleProblem, Slot};

/// An instance with its ids.
pub(crate) struct Instance {
    pub(crate) problem: ScheduleProblem,
    #[allow(dead_code)]
    pub(crate) request_ids: Vec<String>,
    #[allow(dead_code)]
    pub(crate) slot_ids: Vec<String>,
}

/// Reads an instance; panics on malformed input (test data only).
pub(crate) fn read_instance(text: &str) -> Instance {
    let value: serde_json::Value = serde_json::from_str(text).expect("instance is JSON");
    let mut slot_index = HashMap::new();
    let mut slots = Vec::new();
    let mut slot_ids = Vec::new();
    for slot in value["slots"].as_array().expect("slots") {
        let id = slot["id"].as_str().expect("slot id").to_owned();
        slot_index.insert(id.clone(), slots.len());
        slot_ids.push(id);
        slots.push(Slot { tables: slot["tables"].as_u64().map(|tables| tables as u32) });
    }
    let mut participant_index = HashMap::new();
    let mut participants = Vec::new();
    for participant in value["participants"].as_array().expect("participants") {
        let id = participant["id"].as_str().expect("participant id").to_owned();
        participant_index.insert(id, participants.len());
        let slot_list = |key: &str| -> Vec<usize> {
            participant[key]
                .as_array()
                .map(|list| {
                    list.iter().map(|slot| slot_index[slot.as_str().expect("slot id")]).collect()
                })
                .unwrap_or_default()
        };
        participants.push(Participant {
            available: slot_list("available"),
            blocked: slot_list("blocked"),
            max_meetings: participant["max_meetings"].as_u64().map(|max| max as u32),
        });
    }
    let mut requests = Vec::new();
    let mut request_ids = Vec::new();
    for request in value["requests"].as_array().expect("requests") {
        request_ids.push(request["id"].as_str().expect("request id").to_owned());
        requests.push(Request {
            participant_a: participant_index[request["a"].as_str().expect("a")],
            participant_b: participant_index[request["b"].as_str().expect("b")],
            weight: request["weight"].as_f64().expect("weight"),
        });
    }
    Instance { problem: ScheduleProblem { slots, participants, requests }, request_ids, slot_ids }
}
