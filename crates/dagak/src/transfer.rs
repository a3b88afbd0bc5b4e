//! `dagak import` and `dagak export`: files in and out of the directory, with progress on a
//! terminal and plain lines elsewhere.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use dagak::{Database, open};
use dagak_service::{
    ExportFormat, ExportList, ImportFile, ImportPreview, OnMatch, RowAction, ServiceError,
};

use crate::{ExportWhat, Format};

/// The most differences a dry run lists; the rest are counted.
const DIFFERENCES_SHOWN: usize = 200;

pub(crate) async fn import(
    files: &[PathBuf],
    db: &Database,
    dry_run: bool,
    on_match: OnMatch,
) -> anyhow::Result<ExitCode> {
    let mut uploads = Vec::new();
    for path in files {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        uploads.push(ImportFile { name: path.display().to_string(), bytes });
    }
    let service = open(db).await?.as_command_line();
    let progress = Progress::new("checked");
    let preview =
        service.preview_import(&uploads, on_match, &|done, total| progress.rows(done, total)).await;
    progress.finish();
    // What the files hold is in the preview now.
    drop(uploads);
    let preview = match preview {
        Ok(preview) => preview,
        Err(ServiceError::ImportRejected(problems)) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            eprintln!("import rejected: {} problem(s); nothing was written", problems.len());
            return Ok(ExitCode::FAILURE);
        }
        Err(other) => return Err(other.into()),
    };
    if dry_run {
        print_differences(&preview);
        eprintln!("dry run, nothing written: {}", summary(&preview));
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("{}", summary(&preview));
    let progress = Progress::new("wrote");
    let outcome = service.commit_import(preview, &|done, total| progress.rows(done, total)).await;
    progress.finish();
    let outcome = outcome?;
    eprintln!(
        "imported into {}: {} organisations created, {} updated, {} people created, {} updated, {} rows skipped as already stored",
        db,
        outcome.organizations_created,
        outcome.organizations_updated,
        outcome.people_created,
        outcome.people_updated,
        outcome.skipped
    );
    Ok(ExitCode::SUCCESS)
}

/// What an import would do, in one line.
fn summary(preview: &ImportPreview) -> String {
    let count = |entity: &str, action: fn(&RowAction) -> bool| preview.count(entity, action);
    let differing = |entity: &str| {
        preview.changed_rows().filter(|r| r.entity == entity && r.action.is_skip()).count()
    };
    let skipped = |entity: &str| match differing(entity) {
        0 => String::new(),
        n => format!(" ({n} of them differ: --on-match update writes their changes)"),
    };
    format!(
        "organisations: {} to create, {} to update, {} skipped as already stored{}; people: {} to create, {} to update, {} skipped as already stored{}",
        count("organization", |a| *a == RowAction::Create),
        count("organization", |a| matches!(a, RowAction::Update(_))),
        count("organization", RowAction::is_skip),
        skipped("organization"),
        count("person", |a| *a == RowAction::Create),
        count("person", |a| matches!(a, RowAction::UpdatePerson(_))),
        count("person", RowAction::is_skip),
        skipped("person"),
    )
}

/// One line per field that a matched row changes: `file:line: field: stored → file`.
fn print_differences(preview: &ImportPreview) {
    let mut lines = preview.changed_rows().flat_map(|row| {
        row.changes.iter().map(move |change| {
            let shown =
                |text: &str| if text.is_empty() { "(empty)".to_owned() } else { text.to_owned() };
            format!(
                "{}:{}: {}: {} → {}",
                row.file,
                row.line,
                change.field,
                shown(&change.before),
                shown(&change.after)
            )
        })
    });
    for line in lines.by_ref().take(DIFFERENCES_SHOWN) {
        eprintln!("{line}");
    }
    let more = lines.count();
    if more > 0 {
        eprintln!("… and {more} more differences, not shown (the first {DIFFERENCES_SHOWN} are)");
    }
}

pub(crate) async fn export(
    what: ExportWhat,
    format: Format,
    out: &Path,
    db: &Database,
) -> anyhow::Result<ExitCode> {
    if !db.exists() {
        bail!("{} does not exist", db);
    }
    let service = open(db).await?.as_command_line();
    let list = match what {
        ExportWhat::Organizations => ExportList::Organizations,
        ExportWhat::People => ExportList::People,
    };
    let format = match format {
        Format::Csv => ExportFormat::Csv,
        Format::Xlsx => ExportFormat::Xlsx,
    };
    let bytes = service.export(list, format).await?.bytes;
    if out == Path::new("-") {
        std::io::stdout().lock().write_all(&bytes).context("writing to standard output")?;
    } else {
        std::fs::write(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
        eprintln!("wrote {} ({} bytes)", out.display(), bytes.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// A progress bar on a terminal, plain lines otherwise: `checked 10000/200000 rows`.
struct Progress {
    verb: &'static str,
    bar: Option<indicatif::ProgressBar>,
    /// The last count printed as a line, so that no count is printed twice.
    last_line: std::sync::Mutex<Option<u64>>,
}

impl Progress {
    fn new(verb: &'static str) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(&format!(
                    "{verb} {{bar:40}} {{pos}}/{{len}} rows ({{eta}})"
                ))
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        Progress { verb, bar, last_line: std::sync::Mutex::new(None) }
    }

    fn rows(&self, done: u64, total: u64) {
        match &self.bar {
            Some(bar) => {
                bar.set_length(total);
                bar.set_position(done);
            }
            None => {
                // A line every 10,000 rows and at the end, when not on a terminal.
                let mut last = self.last_line.lock().unwrap_or_else(|e| e.into_inner());
                let due = match *last {
                    None => done == total || done >= 10_000,
                    Some(last) => done > last && (done == total || done >= last + 10_000),
                };
                if due {
                    *last = Some(done);
                    eprintln!("{} {done}/{total} rows", self.verb);
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
