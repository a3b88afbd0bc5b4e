//! `dagak user`: accounts from the command line (the first administrator of a new database).

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use dagak::{Database, open};
use dagak_service::ServiceError;

pub(crate) async fn create_user(
    db: &Database,
    draft: dagak_service::accounts::UserDraft,
) -> anyhow::Result<ExitCode> {
    let service = open(db).await?.as_command_line();
    match service.create_user_with_generated_password(&draft).await {
        Ok((user, password)) => {
            eprintln!(
                "created {} {} (#{}) in {}",
                user.user.role.as_str(),
                user.user.email,
                user.id,
                db
            );
            eprintln!("one-time password: {password}");
            eprintln!("it is shown only now; its user chooses their own at the first sign-in");
            Ok(ExitCode::SUCCESS)
        }
        Err(ServiceError::Invalid(errors)) => {
            for e in &errors.0 {
                eprintln!("{}: {}", e.field, e.error);
            }
            Ok(ExitCode::FAILURE)
        }
        Err(ServiceError::Conflict(_)) => {
            eprintln!("an account with this email already exists");
            Ok(ExitCode::FAILURE)
        }
        Err(other) => Err(other.into()),
    }
}

pub(crate) async fn list_users(db: &Database) -> anyhow::Result<ExitCode> {
    if !db.exists() {
        bail!("{} does not exist", db);
    }
    let service = open(db).await?.as_command_line();
    let users = service.list_users().await?;
    if users.is_empty() {
        eprintln!("no accounts yet: dagak user create --admin EMAIL makes the first administrator");
    }
    let mut out = std::io::stdout().lock();
    for u in users {
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}",
            u.id,
            u.user.email,
            u.user.role.as_str(),
            u.user.status.as_str(),
            u.user.display_name
        )
        .context("writing to standard output")?;
    }
    Ok(ExitCode::SUCCESS)
}
