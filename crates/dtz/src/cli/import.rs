//! `dtz import`: files into dtz, all or nothing.

use super::DbArgs;
use anyhow::{Context, bail};
use clap::Subcommand;
use dtz_services::{Caller, ServiceError};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Indicator values from CSV (one row per indicator × country × organisation ×
    /// period × part): every row or none; every problem listed by line.
    Values {
        #[command(flatten)]
        db: DbArgs,
        /// The CSV file.
        file: PathBuf,
        /// Programme code, e.g. DTZ.
        #[arg(long)]
        programme: String,
        /// Check everything and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

pub async fn run(c: ImportCommand) -> anyhow::Result<ExitCode> {
    match c {
        ImportCommand::Values { db, file, programme, dry_run } => {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let rows = match dtz_formats::values_csv::read(&bytes) {
                Ok(rows) => rows,
                Err(e) => {
                    for p in &e.0 {
                        eprintln!("{}: {p}", file.display());
                    }
                    bail!("{} has {} problem(s); nothing was imported", file.display(), e.0.len());
                }
            };
            let s = super::open(&db).await?;
            match s.import_values(&Caller::System, &programme, &rows, dry_run).await {
                Ok(done) if done.dry_run => say!(
                    "{} values for {} reports would be imported; nothing was written (dry run).",
                    done.values,
                    done.reports
                ),
                Ok(done) => say!("Imported {} values into {} reports.", done.values, done.reports),
                Err(ServiceError::Invalid(v)) => {
                    for i in &v.0 {
                        eprintln!("{}: {}: {}", file.display(), i.field, i.message);
                    }
                    s.db.close().await;
                    bail!("{} has {} problem(s); nothing was imported", file.display(), v.0.len());
                }
                Err(e) => return Err(e.into()),
            }
            s.db.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}
