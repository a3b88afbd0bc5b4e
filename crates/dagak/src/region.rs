//! `dagak region load`: the region page's published figures from three CSV files.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use dagak::{Database, open};
use dagak_service::{ImportFile, ServiceError};

pub(crate) async fn load_region(
    annual: &Path,
    destinations: &Path,
    products: &Path,
    db: &Database,
) -> anyhow::Result<ExitCode> {
    let read = |path: &Path| -> anyhow::Result<ImportFile> {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        Ok(ImportFile { name: path.display().to_string(), bytes })
    };
    let files = dagak_service::region::RegionFiles {
        annual: read(annual)?,
        destinations: read(destinations)?,
        products: read(products)?,
    };
    let service = open(db).await?.as_command_line();
    match service.load_region_figures(&files).await {
        Ok(loaded) => {
            eprintln!(
                "loaded into {}: {} annual figures, {} shares",
                db, loaded.years, loaded.shares
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(ServiceError::ImportRejected(problems)) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            eprintln!("rejected: {} problem(s); nothing was written", problems.len());
            Ok(ExitCode::FAILURE)
        }
        Err(other) => Err(other.into()),
    }
}
