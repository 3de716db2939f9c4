//! `dtz backup FILE`: a consistent copy of a running SQLite database.

use super::DbArgs;
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct BackupArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The new file to write (it must not exist).
    file: PathBuf,
}

pub async fn run(a: BackupArgs) -> anyhow::Result<ExitCode> {
    let s = super::open(&a.db).await?;
    s.db.backup_to(&a.file).await.with_context(|| format!("cannot write the backup {}", a.file.display()))?;
    s.db.close().await;
    say!(
        "Wrote {}. Keep the key file {} safe too, in another place: without it the backup's encrypted fields cannot be read.",
        a.file.display(),
        a.db.key_file.display()
    );
    Ok(ExitCode::SUCCESS)
}
