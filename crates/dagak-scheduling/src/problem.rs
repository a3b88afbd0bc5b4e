//! The scheduler's input and output: plain structs with dense indices.
//!
//! A slot, a participant and a request are each named by their position in the problem's vectors.
//! The service (or the CLI) maps its own ids to these positions and back; the engine never sees ids.

/// A time window at a location, with the number of meetings it can hold at once.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    /// How many meetings can run at once in the slot; `None` means no limit.
    pub tables: Option<u32>,
}

/// A delegation firm's team or a partner organisation's team.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Participant {
    /// The slots the participant is available in (indices into `ScheduleProblem::slots`).
    pub available: Vec<usize>,
    /// Slots the participant cannot meet in even though it is available (a city-hall visit, lunch,
    /// travel). A blocked slot wins over an available one.
    pub blocked: Vec<usize>,
    /// The most meetings the participant may hold; `None` means no limit.
    pub max_meetings: Option<u32>,
}

/// A wish that two participants meet, worth `weight` if held.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// One participant of the meeting (index into `ScheduleProblem::participants`).
    pub participant_a: usize,
    /// The other participant of the meeting.
    pub participant_b: usize,
    /// The value of holding the meeting; positive and finite.
    pub weight: f64,
}

/// The whole problem: slots, participants and requests.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScheduleProblem {
    /// The slots.
    pub slots: Vec<Slot>,
    /// The participants.
    pub participants: Vec<Participant>,
    /// The meeting requests.
    pub requests: Vec<Request>,
}

/// A meeting agreed by hand: the request must be held in this slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pin {
    /// The pinned request.
    pub request: usize,
    /// The slot it must be held in.
    pub slot: usize,
}

/// A meeting of a previous schedule, for rescheduling after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreviousMeeting {
    /// The request that was held.
    pub request: usize,
    /// The slot it was held in, or `None` when that slot no longer exists in the problem.
    pub slot: Option<usize>,
}

/// How much work the engine may spend. The engine has no clock: a caller that wants a time limit
/// passes `should_stop` in `AssignOptions` as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effort {
    /// The most iterations of the Lagrangian bound (each costs one pass over all request-slot pairs).
    pub bound_iterations: u32,
    /// The most perturbation rounds of the local search.
    pub search_rounds: u64,
}

impl Default for Effort {
    fn default() -> Self {
        Effort { bound_iterations: 6_000, search_rounds: 200_000 }
    }
}

/// Everything `assign` takes besides the problem.
#[derive(Default)]
pub struct AssignOptions<'a> {
    /// Seed of the random choices of the local search; the same seed gives the same schedule.
    pub seed: u64,
    /// Meetings that must be held where they are pinned.
    pub pins: Vec<Pin>,
    /// The previous schedule, for a reschedule: its meetings stay where they were unless moving
    /// them raises the total weight.
    pub previous: Option<Vec<PreviousMeeting>>,
    /// The work budget.
    pub effort: Effort,
    /// Called now and then; when it returns true the engine stops improving and returns the best
    /// schedule found so far (still valid, with a valid bound). This is how a caller imposes a time
    /// limit on an engine that never reads the clock.
    pub should_stop: Option<&'a dyn Fn() -> bool>,
    /// Called whenever the best schedule or the bound improves, for a progress display.
    pub on_progress: Option<&'a dyn Fn(Progress)>,
}

/// The state of a run, reported through `AssignOptions::on_progress`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// The total weight of the best schedule so far.
    pub total_weight: f64,
    /// The best proven upper bound so far.
    pub upper_bound: f64,
}

/// A held meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meeting {
    /// The request held.
    pub request: usize,
    /// The slot it is held in.
    pub slot: usize,
    /// The table, from 1 to the slot's number of tables.
    pub table: u32,
}

/// Why a request is not in the schedule, in terms the organiser can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum UnscheduledReason {
    /// The two participants share no slot in which both are available and not blocked.
    NoCommonFreeSlot,
    /// A participant already holds its maximum number of meetings, all of them worth at least as
    /// much as this request (or pinned).
    MaxMeetingsReached {
        /// The participant that is full.
        participant: usize,
        /// Its maximum.
        max_meetings: u32,
    },
    /// One participant is busy in every slot the two share.
    FullyBooked {
        /// The busy participant.
        participant: usize,
        /// How many slots the two participants share.
        common_slots: usize,
    },
    /// A common slot is still free: the run was stopped (by `should_stop`) before it placed the
    /// request.
    StoppedEarly,
    /// Every common slot is taken by other meetings of the two participants or by a full slot.
    Displaced {
        /// How many slots the two participants share.
        common_slots: usize,
        /// Meetings in the way, heaviest first (at most a handful).
        by: Vec<usize>,
        /// Whether every meeting in the way weighs at least as much as this request.
        all_heavier: bool,
    },
}

/// A request left out of the schedule, with the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Unscheduled {
    /// The request.
    pub request: usize,
    /// Why it is left out.
    pub reason: UnscheduledReason,
}

/// Why a meeting of the previous schedule is no longer where it was.
#[derive(Debug, Clone, PartialEq)]
pub enum MoveReason {
    /// The previous slot no longer exists.
    SlotRemoved,
    /// A participant is no longer available (or is blocked) in the previous slot.
    ParticipantUnavailable {
        /// The participant.
        participant: usize,
    },
    /// The meeting itself is now pinned to another slot.
    PinnedElsewhere,
    /// The previous placement clashes with a pinned meeting.
    PinConflict {
        /// The pinned request.
        pinned_request: usize,
    },
    /// The previous placement clashes with another previous meeting (the previous schedule was
    /// not valid for the changed problem).
    PreviousConflict,
    /// The meeting was moved or dropped to make room for a heavier request, raising the total.
    MadeRoomFor {
        /// The request whose insertion moved this meeting.
        request: usize,
    },
}

/// A meeting of the previous schedule that moved or was dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    /// The request.
    pub request: usize,
    /// Its previous slot, `None` when that slot no longer exists.
    pub from: Option<usize>,
    /// Its new slot, `None` when it is no longer held.
    pub to: Option<usize>,
    /// Why it moved.
    pub reason: MoveReason,
}

/// The result of `assign`.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// The held meetings, sorted by request index.
    pub meetings: Vec<Meeting>,
    /// The requests left out, sorted by request index.
    pub unscheduled: Vec<Unscheduled>,
    /// The total weight of the held meetings.
    pub total_weight: f64,
    /// A proven upper bound on the best possible total weight (with the same pins).
    pub upper_bound: f64,
    /// Whether the bound converged: it is within 0.1 % of a proven lower bound on the LP
    /// relaxation's optimum (or of the schedule's total), so the certificate is as tight as the LP
    /// bound allows. False when the bound's method stopped early (time limit or iteration cap):
    /// the bound is still valid, but the certificate may understate the schedule's quality.
    pub bound_converged: bool,
    /// For a reschedule, the previous meetings that moved or were dropped, sorted by request.
    pub moved: Vec<Move>,
}

impl Schedule {
    /// The guaranteed quality `total_weight / upper_bound` (1 when both are zero).
    pub fn certificate(&self) -> f64 {
        if self.upper_bound <= 0.0 { 1.0 } else { self.total_weight / self.upper_bound }
    }
}

/// What the engine did, for logs and benchmarks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diagnostics {
    /// The total weight of the plain greedy-by-weight schedule, for comparison.
    pub greedy_total_weight: f64,
    /// Iterations of the Lagrangian bound that ran.
    pub bound_iterations: u32,
    /// Perturbation rounds of the local search that ran.
    pub search_rounds: u64,
    /// Whether the schedule is proven optimal (its total reaches the bound).
    pub proven_optimal: bool,
    /// Whether `should_stop` ended the run early.
    pub stopped_early: bool,
}
