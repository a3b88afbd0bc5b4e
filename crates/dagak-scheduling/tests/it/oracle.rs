//! The oracle instances (copied into `tests/data` with their provenance): each schedule is valid,
//! within 0.5 % of the optimum HiGHS proved, and its bound lies between the optimum and 1.01 times it.

use dagak_scheduling::{AssignOptions, assign};

use crate::assert_valid;
use crate::json::read_instance;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

/// `(name, proven optimum)` from `optimal.csv`.
fn oracle_optima() -> Vec<(String, f64)> {
    let csv = std::fs::read_to_string(format!("{DATA}/optimal.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let name_column = header.iter().position(|&column| column == "name").unwrap();
    let optimum_column = header.iter().position(|&column| column == "optimum").unwrap();
    lines
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            (fields[name_column].to_owned(), fields[optimum_column].parse().unwrap())
        })
        .collect()
}

fn check_oracle_instance(name: &str, optimum: f64) {
    let text = std::fs::read_to_string(format!("{DATA}/{name}.json")).unwrap();
    let instance = read_instance(&text);
    let (schedule, diagnostics) = assign(&instance.problem, &AssignOptions::default()).unwrap();
    assert_valid(&instance.problem, &[], &schedule);
    let ratio = schedule.total_weight / optimum;
    assert!(
        ratio >= 0.995,
        "{name}: total {} is {ratio:.4} of the optimum {optimum}",
        schedule.total_weight
    );
    assert!(schedule.total_weight <= optimum, "{name}: total above the proven optimum");
    assert!(
        schedule.upper_bound >= optimum,
        "{name}: bound {} below the optimum",
        schedule.upper_bound
    );
    assert!(
        schedule.upper_bound <= 1.01 * optimum,
        "{name}: bound {} above 1.01 x optimum {optimum}",
        schedule.upper_bound
    );
    assert!(diagnostics.greedy_total_weight <= schedule.total_weight);
}

#[test]
fn every_oracle_instance_is_listed_with_its_file() {
    let optima = oracle_optima();
    assert_eq!(optima.len(), 3);
    for (name, _) in optima {
        assert!(
            std::path::Path::new(&format!("{DATA}/{name}.json")).exists(),
            "{name}.json missing"
        );
    }
}

fn optimum_of(name: &str) -> f64 {
    oracle_optima().into_iter().find(|(listed, _)| listed == name).unwrap().1
}

#[test]
fn mission_article_is_near_optimal_with_a_tight_bound() {
    check_oracle_instance("mission-article", optimum_of("mission-article"));
}

#[test]
fn mission_medium_is_near_optimal_with_a_tight_bound() {
    check_oracle_instance("mission-medium", optimum_of("mission-medium"));
}

#[test]
fn brokerage_medium_is_near_optimal_with_a_tight_bound() {
    check_oracle_instance("brokerage-medium", optimum_of("brokerage-medium"));
}

#[test]
fn a_run_stopped_at_once_still_gives_a_valid_schedule_and_a_valid_bound() {
    let optimum = optimum_of("mission-article");
    let text = std::fs::read_to_string(format!("{DATA}/mission-article.json")).unwrap();
    let instance = read_instance(&text);
    let stop_now = || true;
    let options = AssignOptions { should_stop: Some(&stop_now), ..AssignOptions::default() };
    let (schedule, diagnostics) = assign(&instance.problem, &options).unwrap();
    assert_valid(&instance.problem, &[], &schedule);
    assert!(diagnostics.stopped_early);
    assert!(schedule.upper_bound >= optimum);
    assert!(schedule.total_weight >= diagnostics.greedy_total_weight * 0.95);
}
