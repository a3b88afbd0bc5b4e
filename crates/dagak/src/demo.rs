//! The demo workspace: the organisations and roles of Gumi's delegation to the US and six clearly
//! fictional local SMEs, imported through the ordinary import path (see `data/demo/PROVENANCE.md`),
//! and one account of each role with a one-time password.

use std::path::Path;

use anyhow::Context as _;
use dagak_service::accounts::UserDraft;
use dagak_service::{ImportFile, OnMatch, Service};

const ORGANIZATIONS: &[u8] = include_bytes!("../../../data/demo/organizations.csv");
const PEOPLE: &[u8] = include_bytes!("../../../data/demo/people.csv");
const REGION_ANNUAL: &[u8] = include_bytes!("../../../data/gumi/gumi_exports_annual.csv");
const REGION_DESTINATIONS: &[u8] =
    include_bytes!("../../../data/gumi/gumi_export_destination_shares.csv");
const REGION_PRODUCTS: &[u8] = include_bytes!("../../../data/gumi/gumi_export_item_shares.csv");

/// Removes a previous demo database with its WAL files.
pub(crate) fn remove_database(db: &Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut path = db.as_os_str().to_owned();
        path.push(suffix);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| format!("removing {}", Path::new(&path).display()));
            }
        }
    }
    Ok(())
}

/// Imports the demo files into `service`'s (fresh) database.
pub(crate) async fn load(service: &Service) -> anyhow::Result<()> {
    let service = service.as_command_line();
    let files = [
        ImportFile { name: "demo/organizations.csv".into(), bytes: ORGANIZATIONS.to_vec() },
        ImportFile { name: "demo/people.csv".into(), bytes: PEOPLE.to_vec() },
    ];
    let preview =
        service.preview_import(&files, OnMatch::Skip, &|_, _| {}).await.map_err(|e| match e {
            dagak_service::ServiceError::ImportRejected(problems) => anyhow::anyhow!(
                "the demo files are invalid: {}",
                problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
            ),
            other => other.into(),
        })?;
    service.commit_import(preview, &|_, _| {}).await?;
    Ok(())
}

/// Loads Gumi's published export figures (`data/gumi/`) as the demo region's.
pub(crate) async fn load_region(service: &Service) -> anyhow::Result<()> {
    let service = service.as_command_line();
    let file = |name: &str, bytes: &[u8]| ImportFile { name: name.into(), bytes: bytes.to_vec() };
    let files = dagak_service::region::RegionFiles {
        annual: file("gumi/gumi_exports_annual.csv", REGION_ANNUAL),
        destinations: file("gumi/gumi_export_destination_shares.csv", REGION_DESTINATIONS),
        products: file("gumi/gumi_export_item_shares.csv", REGION_PRODUCTS),
    };
    service.load_region_figures(&files).await.map_err(|e| match e {
        dagak_service::ServiceError::ImportRejected(problems) => anyhow::anyhow!(
            "the demo region's figures are invalid: {}",
            problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
        ),
        other => other.into(),
    })?;
    Ok(())
}

/// Creates one account of each role (`admin@dagak.example` …); returns role, email and the
/// one-time password of each.
pub(crate) async fn accounts(
    service: &Service,
) -> anyhow::Result<Vec<(&'static str, String, String)>> {
    let mut created = Vec::new();
    // The firm account belongs to the demo's first local firm.
    let firms = service
        .as_command_line()
        .list_organizations(&dagak_service::OrgListQuery {
            kind: Some("local_firm".into()),
            per_page: Some(1),
            ..Default::default()
        })
        .await?;
    let firm = firms.items.first().context("the demo has no local firm")?.id;
    for role in ["admin", "staff", "firm", "viewer"] {
        let organization = if role == "firm" { firm.to_string() } else { String::new() };
        let draft = UserDraft {
            email: format!("{role}@dagak.example"),
            display_name: format!("Demo {role}"),
            role: role.into(),
            lang: "ko".into(),
            organization: organization.clone(),
        };
        let (entry, password) =
            service.as_command_line().create_user_with_generated_password(&draft).await?;
        created.push((role, entry.user.email, password));
    }
    Ok(created)
}
