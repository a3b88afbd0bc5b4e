//! The on-demand benchmark of the engine: solves each instance file given on the command line and
//! prints one JSON line per instance (total, bound, certificate, greedy total, seconds, peak
//! memory). `bench/bench.py` drives it, side by side with HiGHS.

#![allow(clippy::print_stdout)]

#[path = "../tests/it/json.rs"]
mod json;

use std::time::{Duration, Instant};

use dagak_scheduling::{AssignOptions, assign, validate};

fn main() {
    let mut time_limit: Option<f64> = None;
    let mut effort = dagak_scheduling::Effort::default();
    let mut files = Vec::new();
    let mut arguments = std::env::args().skip(1);
    while let Some(argument) = arguments.next() {
        if argument == "--time-limit" {
            time_limit = arguments.next().and_then(|value| value.parse().ok());
        } else if argument == "--bound-iterations" {
            effort.bound_iterations =
                arguments.next().and_then(|value| value.parse().ok()).unwrap_or(0);
        } else if argument == "--search-rounds" {
            effort.search_rounds =
                arguments.next().and_then(|value| value.parse().ok()).unwrap_or(0);
        } else {
            files.push(argument);
        }
    }
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable instance");
        let instance = json::read_instance(&text);
        let started = Instant::now();
        let deadline = time_limit.map(|seconds| started + Duration::from_secs_f64(seconds));
        let should_stop = move || deadline.is_some_and(|deadline| Instant::now() >= deadline);
        let trace = std::env::var_os("SCHEDULE_BENCH_TRACE").is_some();
        let on_progress = move |progress: dagak_scheduling::Progress| {
            if trace {
                eprintln!(
                    "  {:7.3} s  total {}  bound {}",
                    started.elapsed().as_secs_f64(),
                    progress.total_weight,
                    progress.upper_bound
                );
            }
        };
        let options = AssignOptions {
            should_stop: Some(&should_stop),
            on_progress: Some(&on_progress),
            effort,
            ..AssignOptions::default()
        };
        let (schedule, diagnostics) = assign(&instance.problem, &options).expect("valid instance");
        let seconds = started.elapsed().as_secs_f64();
        let violations = validate(&instance.problem, &[], &schedule);
        if let Some(folder) = std::env::var_os("SCHEDULE_BENCH_DUMP") {
            let lines: Vec<String> = schedule
                .meetings
                .iter()
                .map(|meeting| {
                    format!(
                        "{} {}",
                        instance.request_ids[meeting.request], instance.slot_ids[meeting.slot]
                    )
                })
                .collect();
            let name = std::path::Path::new(&file)
                .file_name()
                .map(|name| name.to_owned())
                .unwrap_or_default();
            let path = std::path::Path::new(&folder).join(name).with_extension("meetings.txt");
            std::fs::write(path, lines.join("\n")).expect("writable dump folder");
        }
        println!(
            "{{\"file\": \"{file}\", \"requests\": {}, \"total\": {}, \"bound\": {}, \"certificate\": {:.5}, \"bound_converged\": {}, \"greedy\": {}, \"seconds\": {:.3}, \"bound_iterations\": {}, \"search_rounds\": {}, \"valid\": {}, \"peak_rss_mb\": {:.1}, \"cpu_seconds\": {:.3}}}",
            instance.problem.requests.len(),
            schedule.total_weight,
            schedule.upper_bound,
            schedule.certificate(),
            schedule.bound_converged,
            diagnostics.greedy_total_weight,
            seconds,
            diagnostics.bound_iterations,
            diagnostics.search_rounds,
            violations.is_empty(),
            peak_rss_megabytes(),
            cpu_seconds(),
        );
    }
}

/// User plus system processor time of this process so far, from Linux's `/proc/self/stat` (in
/// clock ticks of 1/100 s; 0 elsewhere). On a machine shared with other work it is a steadier
/// measure than wall time.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks =
        |index: usize| fields.get(index).and_then(|field| field.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 after the command name.
    (ticks(11) + ticks(12)) / 100.0
}

/// Peak resident memory of this process so far, from Linux's `/proc/self/status` (0 elsewhere).
fn peak_rss_megabytes() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kilobytes| kilobytes / 1024.0)
}
