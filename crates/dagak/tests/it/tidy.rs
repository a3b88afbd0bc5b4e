//! Architecture invariants from `ARCHITECTURE.md`, checked mechanically: which crate may depend
//! on what, that each engine pairs with its formats (`-io`) and command (`-cli`) crates, that the
//! pure engines never read the clock, the environment or files (in any spelling of the import),
//! and that every crate is documented and on the code map.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The names of the `[dependencies]` of a crate (not dev-dependencies).
fn dependencies(krate: &str) -> Vec<String> {
    let dir = if krate == "xtask" {
        workspace().join(krate)
    } else {
        workspace().join("crates").join(krate)
    };
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
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

/// The pure engines. Each pairs with `<engine>-io` (its file formats) and `<engine>-cli` (its
/// `dagak` subcommand).
const ENGINES: [&str; 2] = ["dagak-analytics", "dagak-scheduling"];

/// The folder names of `crates/`.
fn crates() -> Vec<String> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(workspace().join("crates")).unwrap() {
        let path = entry.unwrap().path();
        if path.join("Cargo.toml").is_file() {
            names.push(path.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    names.sort();
    names
}

/// The `dagak-*` crates among the `[dependencies]` of a crate.
fn dagak_dependencies(krate: &str) -> Vec<String> {
    dependencies(krate).into_iter().filter(|name| name.starts_with("dagak")).collect()
}

#[test]
fn the_domain_and_the_engines_depend_on_no_io_async_or_storage_crate() {
    for krate in std::iter::once("dagak-domain").chain(ENGINES) {
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

/// Every crate of the workspace with its folder: those of `crates/` and `xtask`.
fn all_crates() -> Vec<(String, PathBuf)> {
    let mut all: Vec<(String, PathBuf)> = std::fs::read_dir(workspace().join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Cargo.toml").exists())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    all.push(("xtask".into(), workspace().join("xtask")));
    all.sort();
    all
}

/// Whether a crate name is a store backend (`dagak-store-sqlite`, later `dagak-store-postgres`).
fn is_backend(name: &str) -> bool {
    name.starts_with("dagak-store-")
        || ["rusqlite", "sqlx", "postgres", "tokio-postgres"].contains(&name)
}

#[test]
fn only_the_binary_names_a_backend() {
    for (name, _) in all_crates() {
        if name == "dagak" || is_backend(&name) {
            continue;
        }
        for dep in dependencies(&name) {
            assert!(
                !is_backend(&dep),
                "{name} depends on the backend {dep}; only `dagak` picks one"
            );
        }
    }
}

#[test]
fn the_web_layer_sees_the_service_and_the_domain_only() {
    let deps = dependencies("dagak-http");
    let dagak: Vec<&String> = deps.iter().filter(|d| d.starts_with("dagak-")).collect();
    assert_eq!(dagak, ["dagak-domain", "dagak-service"], "dagak-http may name only these crates");
}

/// The `use` statements of a source file, each on one line (they may span several).
fn use_statements(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if current.is_none() && (line.starts_with("use ") || line.starts_with("pub use ")) {
            current = Some(String::new());
        }
        if let Some(statement) = current.as_mut() {
            statement.push_str(line);
            statement.push(' ');
            if line.ends_with(';') {
                out.push(current.take().unwrap());
            }
        }
    }
    out
}

/// Whether a `use` statement brings in `std::fs` or `std::env`, in any form: `use std::fs;`,
/// `use std::{env, fs::File};`, `use std::{self, io::{Read}, fs};`.
fn imports_fs_or_env(statement: &str) -> bool {
    let Some(rest) = statement.split("std::").nth(1) else { return false };
    let words: Vec<&str> = rest
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    if rest.trim_start().starts_with('{') {
        // A group: any member named `fs` or `env` at any depth counts.
        words.iter().any(|w| *w == "fs" || *w == "env")
    } else {
        matches!(words.first(), Some(&"fs") | Some(&"env"))
    }
}

#[test]
fn imports_of_fs_and_env_are_recognised_in_every_form() {
    for caught in [
        "use std::fs;",
        "use std::env;",
        "use std::{env, fs};",
        "use std::{io::Read, fs::File};",
        "use std::{ collections::HashMap, env::var };",
        "pub use std::fs::read_to_string;",
    ] {
        assert!(imports_fs_or_env(caught), "{caught} not caught");
    }
    for fine in ["use std::fmt;", "use std::{io, collections::HashMap};", "use crate::fs;"] {
        assert!(!imports_fs_or_env(fine), "{fine} wrongly caught");
    }
    let text = "use std::{\n    collections::BTreeMap,\n    fs,\n};\nfn main() {}\n";
    assert_eq!(use_statements(text).len(), 1);
    assert!(imports_fs_or_env(&use_statements(text)[0]));
}

#[test]
fn every_crate_is_documented_and_on_the_code_map() {
    let architecture = std::fs::read_to_string(workspace().join("ARCHITECTURE.md")).unwrap();
    for (name, dir) in all_crates() {
        let doc = ["src/lib.rs", "src/main.rs"].iter().any(|root| {
            std::fs::read_to_string(dir.join(root)).is_ok_and(|text| text.starts_with("//!"))
        });
        assert!(
            doc || dir.join("README.md").exists(),
            "{name} has neither a README.md nor a `//!` crate doc"
        );
        let place = if name == "xtask" { "`xtask`".to_owned() } else { format!("`crates/{name}`") };
        assert!(architecture.contains(&place), "ARCHITECTURE.md's code map does not name {place}");
    }
}

#[test]
fn the_engines_depend_on_no_other_dagak_crate() {
    for engine in ENGINES {
        assert!(!dependencies(engine).is_empty(), "{engine} manifest not read");
        let deps = dagak_dependencies(engine);
        assert!(deps.is_empty(), "the engine {engine} must not depend on {deps:?}");
    }
}

#[test]
fn every_formats_and_command_crate_is_named_after_an_engine() {
    let names = crates();
    for name in &names {
        let engine = name.strip_suffix("-io").or_else(|| name.strip_suffix("-cli"));
        if let Some(engine) = engine {
            assert!(
                ENGINES.contains(&engine),
                "crates/{name} is named after {engine}, which is not an engine {ENGINES:?}"
            );
        }
    }
    for engine in ENGINES {
        for suffix in ["", "-io", "-cli"] {
            let wanted = format!("{engine}{suffix}");
            assert!(names.contains(&wanted), "crates/{wanted} is missing");
        }
    }
}

#[test]
fn the_formats_crates_depend_on_their_engine_only() {
    for engine in ENGINES {
        let formats = format!("{engine}-io");
        let deps = dependencies(&formats);
        assert!(deps.iter().any(|d| d == engine), "{formats} must depend on {engine}");
        let others: Vec<String> =
            dagak_dependencies(&formats).into_iter().filter(|d| d != engine).collect();
        assert!(
            others.is_empty(),
            "{formats} must depend on no dagak crate but {engine}: {others:?}"
        );
        // Typed errors and no command line: a service use case calls these readers as they are.
        for banned in IO_AND_ASYNC.iter().chain(&["clap", "anyhow", "indicatif"]) {
            assert!(!deps.iter().any(|d| d == banned), "{formats} must not depend on {banned}");
        }
    }
}

#[test]
fn a_command_crate_sits_on_its_engine_and_formats_and_only_the_binary_mounts_it() {
    for engine in ENGINES {
        let command = format!("{engine}-cli");
        let deps = dagak_dependencies(&command);
        let formats = format!("{engine}-io");
        for wanted in [engine, formats.as_str()] {
            assert!(deps.iter().any(|d| d == wanted), "{command} must depend on {wanted}");
        }
        for krate in crates().iter().filter(|krate| *krate != "dagak") {
            assert!(
                !dependencies(krate).contains(&command),
                "{krate} depends on {command}; only the binary mounts a command"
            );
        }
    }
}

#[test]
fn the_engines_read_no_clock_environment_or_files() {
    for krate in std::iter::once("dagak-domain").chain(ENGINES) {
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
            for statement in use_statements(&text) {
                assert!(!imports_fs_or_env(&statement), "{}: {statement}", file.display());
            }
        }
    }
}

#[test]
fn the_formats_crates_read_no_clock_or_environment() {
    for engine in ENGINES {
        let formats = format!("{engine}-io");
        let mut files = Vec::new();
        rust_sources(&workspace().join("crates").join(&formats).join("src"), &mut files);
        assert!(!files.is_empty(), "{formats} has no sources");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for banned in ["SystemTime::now", "Instant::now", "std::env::var"] {
                assert!(!text.contains(banned), "{} uses {banned}", file.display());
            }
        }
    }
}

/// Files of `src/` (tests and tables aside) over this many lines say why in their module doc.
const LONG_FILE: usize = 600;

#[test]
fn a_source_file_over_600_lines_says_why_in_its_module_doc() {
    for (name, dir) in all_crates() {
        let mut files = Vec::new();
        rust_sources(&dir.join("src"), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            if text.lines().count() <= LONG_FILE {
                continue;
            }
            let doc: String =
                text.lines().take_while(|l| l.starts_with("//!")).collect::<Vec<_>>().join(" ");
            assert!(
                doc.contains("Over 600 lines"),
                "{name}: {} has {} lines and its module doc does not say why (\"Over 600 lines: …\")",
                file.display(),
                text.lines().count()
            );
        }
    }
}
