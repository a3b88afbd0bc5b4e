//! The `dagak schedule` command: `solve` builds a schedule for an instance file, `check` validates a
//! schedule file against an instance. The JSON formats and their errors are
//! [`dagak_scheduling_io`]; the scheduling itself is [`dagak_scheduling`], which knows no JSON.
//! This crate reads and writes the files, runs the engine with a time limit and a progress line,
//! and prints the summary.
//!
//! **API boundary:** [`ScheduleCommand`] (the clap subcommand) and [`run`], which returns `anyhow`
//! errors naming the file. The main binary mounts it as `dagak schedule ...`.

use std::cell::Cell;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use dagak_scheduling::{AssignOptions, Progress, assign, validate};
use dagak_scheduling_io::{
    MovedEntry, ScheduleFile, describe_engine_error, describe_violation, parse_instance,
    parse_pins, parse_schedule_file, previous_meetings, schedule_from_file, schedule_to_file,
    weight_number, write_schedule_file,
};

/// The default time limit of `solve`, in seconds. The engine stops earlier on its own when the
/// schedule reaches the bound or the search stalls.
pub const DEFAULT_TIME_LIMIT_SECONDS: f64 = 8.0;

/// `dagak schedule ...`: the B2B meeting scheduler.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum ScheduleCommand {
    /// Builds a schedule for INSTANCE and writes it, with a proven upper bound, to --out.
    Solve {
        /// The instance (JSON, `design/SCHEDULE.md`).
        instance: PathBuf,
        /// Where to write the schedule (JSON).
        #[arg(long)]
        out: PathBuf,
        /// Seed of the engine's random choices; the same seed gives the same schedule.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Stop improving after this many seconds (the schedule and bound stay valid).
        #[arg(long, default_value_t = DEFAULT_TIME_LIMIT_SECONDS)]
        time_limit: f64,
        /// Meetings to keep in place: a JSON list of {"request", "slot"} (or a schedule file).
        #[arg(long)]
        pin: Option<PathBuf>,
        /// A previous schedule to change as little as possible (reschedule).
        #[arg(long)]
        previous: Option<PathBuf>,
    },
    /// Checks SCHEDULE against every constraint of INSTANCE; exits non-zero naming each broken one.
    Check {
        /// The instance (JSON).
        instance: PathBuf,
        /// The schedule (JSON).
        schedule: PathBuf,
    },
}

/// Runs a `dagak schedule` command. Bad input is an error naming the item; a schedule that breaks a
/// constraint gives exit code 1 from `check`.
pub fn run(command: ScheduleCommand) -> anyhow::Result<ExitCode> {
    match command {
        ScheduleCommand::Solve { instance, out, seed, time_limit, pin, previous } => {
            let arguments = SolveArguments { instance, out, seed, time_limit, pin, previous };
            solve(&arguments)
        }
        ScheduleCommand::Check { instance, schedule } => check(&instance, &schedule),
    }
}

struct SolveArguments {
    instance: PathBuf,
    out: PathBuf,
    seed: u64,
    time_limit: f64,
    pin: Option<PathBuf>,
    previous: Option<PathBuf>,
}

fn read_text(path: &Path, what: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {what} {}", path.display()))
}

fn solve(arguments: &SolveArguments) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    if !(arguments.time_limit.is_finite() && arguments.time_limit > 0.0) {
        anyhow::bail!(
            "--time-limit must be a positive number of seconds, not {}",
            arguments.time_limit
        );
    }
    let instance_path = &arguments.instance;
    let instance = parse_instance(&read_text(instance_path, "instance")?)
        .with_context(|| format!("in instance {}", instance_path.display()))?;
    let pins = match &arguments.pin {
        Some(path) => parse_pins(&instance, &read_text(path, "pin file")?)
            .with_context(|| format!("in pin file {}", path.display()))?,
        None => Vec::new(),
    };
    let mut previous = None;
    let mut withdrawn = Vec::new();
    let mut removed_slots = Vec::new();
    if let Some(path) = &arguments.previous {
        let file = parse_schedule_file(&read_text(path, "previous schedule")?)
            .with_context(|| format!("in previous schedule {}", path.display()))?;
        let (meetings, withdrawn_moves, removed) = previous_meetings(&instance, &file);
        previous = Some(meetings);
        withdrawn = withdrawn_moves;
        removed_slots = removed;
    }
    let deadline = started + Duration::from_secs_f64(arguments.time_limit.min(1.0e6));
    let progress_line = ProgressLine::new(started);
    let should_stop = || {
        progress_line.show();
        Instant::now() >= deadline
    };
    let on_progress = |progress: Progress| progress_line.record(progress);
    let options = AssignOptions {
        seed: arguments.seed,
        pins,
        previous,
        should_stop: Some(&should_stop),
        on_progress: Some(&on_progress),
        ..AssignOptions::default()
    };
    let (schedule, _diagnostics) = assign(&instance.problem, &options)
        .map_err(|error| anyhow::anyhow!(describe_engine_error(&error, &instance)))?;
    progress_line.clear();
    let moved = arguments.previous.as_ref().map(|_| {
        let mut moved = withdrawn;
        moved.extend(schedule.moved.iter().map(|entry| MovedEntry {
            request: instance.request_ids[entry.request].clone(),
            from: entry.from.map(|slot| instance.slot_ids[slot].clone()).or_else(|| {
                removed_slots
                    .iter()
                    .find(|(request, _)| *request == entry.request)
                    .map(|(_, slot)| slot.clone())
            }),
            to: entry.to.map(|slot| instance.slot_ids[slot].clone()),
            reason: entry.reason.describe(
                &|participant| instance.participant_ids[participant].clone(),
                &|request| instance.request_ids[request].clone(),
            ),
        }));
        moved
    });
    let file = schedule_to_file(&instance, &schedule, moved);
    write_schedule(&arguments.out, &file)?;
    let seconds = started.elapsed().as_secs_f64();
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "scheduled {} of {} requests: total weight {}, upper bound {}, at least {:.2} % of the best possible ({seconds:.2} s)",
        schedule.meetings.len(),
        instance.request_ids.len(),
        file.total_weight,
        file.upper_bound.as_ref().map_or_else(String::new, ToString::to_string),
        100.0 * schedule.certificate(),
    )?;
    if !schedule.bound_converged {
        writeln!(stdout, "{}", bound_not_converged_note(seconds))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The note printed when the engine's bound stopped before converging (time limit or iteration
/// cap), so that an organiser does not read a loose certificate as a weak schedule.
fn bound_not_converged_note(seconds: f64) -> String {
    format!(
        "bound not converged after {seconds:.1} s: the upper bound is valid but may be loose, so the schedule may be better than the certificate says (a longer --time-limit tightens it)"
    )
}

fn write_schedule(path: &Path, file: &ScheduleFile) -> anyhow::Result<()> {
    let output =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut writer = std::io::BufWriter::new(output);
    write_schedule_file(&mut writer, file)
        .with_context(|| format!("writing {}", path.display()))?;
    writer.flush().with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn check(instance_path: &Path, schedule_path: &Path) -> anyhow::Result<ExitCode> {
    let instance = parse_instance(&read_text(instance_path, "instance")?)
        .with_context(|| format!("in instance {}", instance_path.display()))?;
    let file = parse_schedule_file(&read_text(schedule_path, "schedule")?)
        .with_context(|| format!("in schedule {}", schedule_path.display()))?;
    let schedule = schedule_from_file(&instance, &file)
        .with_context(|| format!("in schedule {}", schedule_path.display()))?;
    let violations = validate(&instance.problem, &[], &schedule);
    let mut stdout = std::io::stdout().lock();
    if violations.is_empty() {
        writeln!(
            stdout,
            "valid: {} meetings, {} unscheduled, total weight {}",
            schedule.meetings.len(),
            schedule.unscheduled.len(),
            file.total_weight
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    for violation in &violations {
        writeln!(stdout, "invalid: {}", describe_violation(violation, &instance))?;
    }
    writeln!(stdout, "{} broken constraints", violations.len())?;
    Ok(ExitCode::from(1))
}

/// A one-line progress report on standard error, shown only on a terminal and only once a run has
/// taken more than a second.
struct ProgressLine {
    started: Instant,
    enabled: bool,
    latest: Cell<Option<Progress>>,
    last_shown: Cell<Option<Instant>>,
}

impl ProgressLine {
    fn new(started: Instant) -> ProgressLine {
        ProgressLine {
            started,
            enabled: std::io::stderr().is_terminal(),
            latest: Cell::new(None),
            last_shown: Cell::new(None),
        }
    }

    fn record(&self, progress: Progress) {
        self.latest.set(Some(progress));
    }

    fn show(&self) {
        let elapsed = self.started.elapsed();
        if !self.enabled || elapsed < Duration::from_secs(1) {
            return;
        }
        if self.last_shown.get().is_some_and(|shown| shown.elapsed() < Duration::from_millis(250)) {
            return;
        }
        self.last_shown.set(Some(Instant::now()));
        let detail = self.latest.get().map_or_else(String::new, |progress| {
            format!(
                ": total weight {}, upper bound {}",
                weight_number(progress.total_weight),
                weight_number(progress.upper_bound)
            )
        });
        let mut stderr = std::io::stderr().lock();
        // A progress line that fails to print is not worth failing the run for.
        let _ = write!(stderr, "\rscheduling {:.1} s{detail}\x1b[K", elapsed.as_secs_f64());
        let _ = stderr.flush();
    }

    fn clear(&self) {
        if self.last_shown.get().is_some() {
            let mut stderr = std::io::stderr().lock();
            let _ = write!(stderr, "\r\x1b[K");
            let _ = stderr.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unconverged_bound_is_labelled_with_the_time_it_had() {
        let note = bound_not_converged_note(2.46);
        assert!(note.starts_with("bound not converged after 2.5 s"), "{note}");
    }
}
