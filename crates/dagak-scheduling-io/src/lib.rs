//! The scheduler's file formats (`design/SCHEDULE.md`): the instance, the schedule (plus
//! `upper_bound` and `moved`) and the pin file, as JSON, translated between the files' ids and the
//! dense indices of the pure [`dagak_scheduling`] engine, which knows no JSON.
//!
//! **API boundary:** [`parse_instance`] gives an [`Instance`] (the engine's `ScheduleProblem` with
//! the ids of its slots, participants and requests) or an [`InstanceError`] naming the offending
//! item; [`parse_schedule_file`], [`parse_pins`], [`schedule_from_file`] and [`previous_meetings`]
//! read schedules and pins against an instance ([`ScheduleFileError`]); [`schedule_to_file`] and
//! [`write_schedule_file`] write one. [`describe_engine_error`] and [`describe_violation`] retell
//! the engine's errors and the validator's violations in the instance's ids. Strings and writers
//! in, typed errors out: no file paths, no `anyhow`, no command line (that is
//! `dagak-scheduling-cli`).

mod instance;
mod messages;
mod schedule_file;

pub use instance::{Instance, InstanceError, parse_instance};
pub use messages::{describe_engine_error, describe_violation};
pub use schedule_file::{
    MeetingEntry, MovedEntry, ScheduleFile, ScheduleFileError, UnscheduledEntry, parse_pins,
    parse_schedule_file, previous_meetings, schedule_from_file, schedule_to_file, weight_number,
    write_schedule_file,
};
