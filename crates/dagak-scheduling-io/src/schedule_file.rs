//! The schedule format of `design/SCHEDULE.md` (plus `upper_bound`, `bound_converged` and
//! `moved`), the pin file, and their translation between ids and the engine's indices.

use dagak_scheduling::{Meeting, Pin, PreviousMeeting, Schedule, Unscheduled, UnscheduledReason};
use serde::{Deserialize, Serialize};

use crate::instance::Instance;

/// Why a schedule or pin file is rejected. Each variant names the item.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleFileError {
    /// The text is not JSON of the expected shape.
    #[error("malformed {what} JSON: {error}")]
    Malformed {
        /// "schedule" or "pin".
        what: &'static str,
        /// The parser's message, with line and column (part of this error's message, so not
        /// also reported as its source).
        error: serde_json::Error,
    },
    /// A request id is not in the instance.
    #[error("{what} names request \"{request}\", which is not in the instance")]
    UnknownRequest {
        /// "schedule" or "pin file".
        what: &'static str,
        /// The request id.
        request: String,
    },
    /// A slot id is not in the instance.
    #[error("{what} puts request \"{request}\" in slot \"{slot}\", which is not in the instance")]
    UnknownSlot {
        /// "schedule" or "pin file".
        what: &'static str,
        /// The request id.
        request: String,
        /// The slot id.
        slot: String,
    },
}

/// A schedule as written to and read from JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScheduleFile {
    /// Total weight of the held meetings.
    pub total_weight: serde_json::Number,
    /// Proven upper bound on the optimal total weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper_bound: Option<serde_json::Number>,
    /// Whether the bound converged (within 0.1 % of the LP relaxation's optimum, as the engine
    /// proved). When false, the bound's method stopped early (time limit or iteration cap): the
    /// bound is still valid, but the certificate may understate the schedule's quality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound_converged: Option<bool>,
    /// Held meetings.
    pub meetings: Vec<MeetingEntry>,
    /// Requests left out, with the reason.
    #[serde(default)]
    pub unscheduled: Vec<UnscheduledEntry>,
    /// For a reschedule, the previous meetings that moved or were dropped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved: Option<Vec<MovedEntry>>,
}

/// A held meeting.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MeetingEntry {
    /// Request id.
    pub request: String,
    /// Slot id.
    pub slot: String,
    /// Table, from 1.
    pub table: u32,
}

/// A request left out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnscheduledEntry {
    /// Request id.
    pub request: String,
    /// Why, for the organiser.
    #[serde(default)]
    pub reason: String,
}

/// A previous meeting that moved or was dropped.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MovedEntry {
    /// Request id.
    pub request: String,
    /// Previous slot id.
    pub from: Option<String>,
    /// New slot id, or null when no longer held.
    pub to: Option<String>,
    /// Why it moved.
    pub reason: String,
}

/// A JSON number for a weight: whole weights are written without a fraction (`686`, not `686.0`).
pub fn weight_number(value: f64) -> serde_json::Number {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        serde_json::Number::from(value as i64)
    } else {
        serde_json::Number::from_f64(value).unwrap_or_else(|| serde_json::Number::from(0))
    }
}

/// The engine's schedule in ids, ready to write.
pub fn schedule_to_file(
    instance: &Instance,
    schedule: &Schedule,
    moved: Option<Vec<MovedEntry>>,
) -> ScheduleFile {
    let participant_name = |participant: usize| instance.participant_ids[participant].clone();
    let request_name = |request: usize| instance.request_ids[request].clone();
    ScheduleFile {
        total_weight: weight_number(schedule.total_weight),
        upper_bound: Some(weight_number(schedule.upper_bound)),
        bound_converged: Some(schedule.bound_converged),
        meetings: schedule
            .meetings
            .iter()
            .map(|meeting| MeetingEntry {
                request: instance.request_ids[meeting.request].clone(),
                slot: instance.slot_ids[meeting.slot].clone(),
                table: meeting.table,
            })
            .collect(),
        unscheduled: schedule
            .unscheduled
            .iter()
            .map(|unscheduled| UnscheduledEntry {
                request: instance.request_ids[unscheduled.request].clone(),
                reason: unscheduled.reason.describe(&participant_name, &request_name),
            })
            .collect(),
        moved,
    }
}

/// Writes a schedule file as pretty-printed JSON ending with a line break.
pub fn write_schedule_file(
    out: &mut impl std::io::Write,
    file: &ScheduleFile,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, file)?;
    out.write_all(b"\n")
}

/// Parses a schedule file.
pub fn parse_schedule_file(text: &str) -> Result<ScheduleFile, ScheduleFileError> {
    serde_json::from_str(text)
        .map_err(|error| ScheduleFileError::Malformed { what: "schedule", error })
}

/// The schedule file in the engine's indices, for the validator. Every id must be in the instance.
pub fn schedule_from_file(
    instance: &Instance,
    file: &ScheduleFile,
) -> Result<Schedule, ScheduleFileError> {
    let mut meetings = Vec::with_capacity(file.meetings.len());
    for meeting in &file.meetings {
        let (request, slot) =
            resolve_meeting(instance, "schedule", &meeting.request, &meeting.slot)?;
        meetings.push(Meeting { request, slot, table: meeting.table });
    }
    let mut unscheduled = Vec::with_capacity(file.unscheduled.len());
    for entry in &file.unscheduled {
        let request = resolve_request(instance, "schedule", &entry.request)?;
        unscheduled.push(Unscheduled { request, reason: UnscheduledReason::NoCommonFreeSlot });
    }
    Ok(Schedule {
        meetings,
        unscheduled,
        total_weight: file.total_weight.as_f64().unwrap_or(f64::NAN),
        upper_bound: file
            .upper_bound
            .as_ref()
            .and_then(serde_json::Number::as_f64)
            .unwrap_or(f64::INFINITY),
        bound_converged: file.bound_converged.unwrap_or(false),
        moved: Vec::new(),
    })
}

fn resolve_request(
    instance: &Instance,
    what: &'static str,
    request: &str,
) -> Result<usize, ScheduleFileError> {
    instance
        .request_index
        .get(request)
        .copied()
        .ok_or_else(|| ScheduleFileError::UnknownRequest { what, request: request.to_owned() })
}

fn resolve_meeting(
    instance: &Instance,
    what: &'static str,
    request: &str,
    slot: &str,
) -> Result<(usize, usize), ScheduleFileError> {
    let request_idx = resolve_request(instance, what, request)?;
    let slot_idx = instance.slot_index.get(slot).copied().ok_or_else(|| {
        ScheduleFileError::UnknownSlot { what, request: request.to_owned(), slot: slot.to_owned() }
    })?;
    Ok((request_idx, slot_idx))
}

/// A pin file: a list of `{"request", "slot"}`, or an object holding such a list under `pins` or
/// `meetings` (so a schedule file can serve as a pin file).
#[derive(Deserialize)]
#[serde(untagged)]
enum PinFile {
    List(Vec<PinEntry>),
    Pins { pins: Vec<PinEntry> },
    Meetings { meetings: Vec<PinEntry> },
}

#[derive(Deserialize)]
struct PinEntry {
    request: String,
    slot: String,
}

/// Parses a pin file against the instance.
pub fn parse_pins(instance: &Instance, text: &str) -> Result<Vec<Pin>, ScheduleFileError> {
    let file: PinFile = serde_json::from_str(text)
        .map_err(|error| ScheduleFileError::Malformed { what: "pin", error })?;
    let entries = match file {
        PinFile::List(entries)
        | PinFile::Pins { pins: entries }
        | PinFile::Meetings { meetings: entries } => entries,
    };
    entries
        .iter()
        .map(|entry| {
            let (request, slot) =
                resolve_meeting(instance, "pin file", &entry.request, &entry.slot)?;
            Ok(Pin { request, slot })
        })
        .collect()
}

/// The previous schedule's meetings in the engine's indices, and the moves the engine cannot
/// know of: meetings whose request is no longer in the instance.
pub fn previous_meetings(
    instance: &Instance,
    file: &ScheduleFile,
) -> (Vec<PreviousMeeting>, Vec<MovedEntry>, Vec<(usize, String)>) {
    let mut previous = Vec::with_capacity(file.meetings.len());
    let mut withdrawn = Vec::new();
    let mut removed_slots = Vec::new();
    for meeting in &file.meetings {
        let Some(&request) = instance.request_index.get(&meeting.request) else {
            withdrawn.push(MovedEntry {
                request: meeting.request.clone(),
                from: Some(meeting.slot.clone()),
                to: None,
                reason: "the request is no longer in the instance".to_owned(),
            });
            continue;
        };
        let slot = instance.slot_index.get(&meeting.slot).copied();
        if slot.is_none() {
            removed_slots.push((request, meeting.slot.clone()));
        }
        previous.push(PreviousMeeting { request, slot });
    }
    (previous, withdrawn, removed_slots)
}
