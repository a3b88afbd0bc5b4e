//! Architecture invariants from `ARCHITECTURE.md`, checked mechanically: which crate may depend
//! on what, and that the pure engines never read the clock, the environment or files.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The names of the `[dependencies]` of a crate (not dev-dependencies).
fn dependencies(krate: &str) -> Vec<String> {
    let manifest =
        std::fs::read_to_string(workspace().join("crates").join(krate).join("Cargo.toml")).unwrap();
    let mut in_dependencies = false;
    let mut names = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
            continue;
        }
        if in_dependencies && !line.is_empty() && !line.starts_with('#') {
            let name = line.split(['=', '.', ' ']).next().unwrap_or("").trim();
            names.push(name.to_owned());
        }
    }
    names
}

fn rust_sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

const IO_AND_ASYNC: [&str; 9] =
    ["tokio", "axum", "rusqlite", "sqlx", "askama", "tower", "tower-http", "ureq", "async-trait"];

#[test]
fn the_domain_and_the_engines_depend_on_no_io_async_or_storage_crate() {
    for krate in ["dagak-domain", "dagak-analytics", "dagak-scheduling"] {
        let deps = dependencies(krate);
        assert!(!deps.is_empty() || krate != "dagak-domain", "{krate} manifest not read");
        for banned in IO_AND_ASYNC {
            assert!(!deps.iter().any(|d| d == banned), "{krate} must not depend on {banned}");
        }
    }
}

#[test]
fn the_service_never_names_a_backend_or_the_web() {
    let deps = dependencies("dagak-service");
    for banned in ["dagak-store-sqlite", "rusqlite", "sqlx", "axum", "askama"] {
        assert!(!deps.iter().any(|d| d == banned), "dagak-service must not depend on {banned}");
    }
    let deps = dependencies("dagak-http");
    assert!(
        !deps.iter().any(|d| d == "dagak-store-sqlite" || d == "rusqlite"),
        "dagak-http must not name a backend"
    );
}

#[test]
fn the_engines_read_no_clock_environment_or_files() {
    for krate in ["dagak-domain", "dagak-analytics", "dagak-scheduling"] {
        let mut files = Vec::new();
        rust_sources(&workspace().join("crates").join(krate).join("src"), &mut files);
        assert!(!files.is_empty());
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for banned in
                ["SystemTime::now", "Instant::now", "std::env::var", "std::fs::", "File::open"]
            {
                assert!(!text.contains(banned), "{} uses {banned}", file.display());
            }
        }
    }
}
