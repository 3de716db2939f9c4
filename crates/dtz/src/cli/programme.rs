//! `dtz programme`: load a programme file, write one, list programmes.

use super::DbArgs;
use anyhow::{Context, bail};
use clap::Subcommand;
use dtz_services::{Caller, ServiceError, Services};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum ProgrammeCommand {
    /// Create or update a programme and its results framework from a programme file.
    Load {
        #[command(flatten)]
        db: DbArgs,
        /// The programme file (TOML, `format = "dtz-programme/1"`).
        file: PathBuf,
        /// Only check the file; change nothing.
        #[arg(long)]
        check: bool,
    },
    /// Print a programme and its framework as a programme file.
    Dump {
        #[command(flatten)]
        db: DbArgs,
        /// Programme code, e.g. DTZ.
        code: String,
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// List programmes.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(c: ProgrammeCommand) -> anyhow::Result<ExitCode> {
    match c {
        ProgrammeCommand::Load { db, file, check } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let p = match Services::parse_programme(&text) {
                Ok(p) => p,
                Err(ServiceError::Invalid(v)) => {
                    for i in &v.0 {
                        eprintln!("{}: {}: {}", file.display(), i.field, i.message);
                    }
                    bail!("{} has {} problem(s); nothing was loaded", file.display(), v.0.len());
                }
                Err(e) => return Err(e.into()),
            };
            if check {
                say!("{} is a valid programme file ({} indicators).", file.display(), p.indicators().len());
                return Ok(ExitCode::SUCCESS);
            }
            let s = super::open(&db).await?;
            // The same path as the pages: the rules towards recorded values and targets
            // hold here too, and their problems name lines of the file.
            let loaded = match s.load_programme_file(&Caller::System, &text, None, None).await {
                Ok(l) => l,
                Err(ServiceError::Invalid(v)) => {
                    for i in &v.0 {
                        eprintln!("{}: {}: {}", file.display(), i.field, i.message);
                    }
                    bail!("{} has {} problem(s); nothing was loaded", file.display(), v.0.len());
                }
                Err(e) => return Err(e.into()),
            };
            let verb = if loaded.created { "Created" } else { "Updated" };
            say!("{verb} programme {} with {} goals and {} indicators.", p.code, p.goals.len(), p.indicators().len());
            for r in loaded.unresolved {
                eprintln!("note: no organisation here has the name or IATI id {r:?}; create it with `dtz org create`");
            }
            s.db.close().await;
        }
        ProgrammeCommand::Dump { db, code, output } => {
            let s = super::open(&db).await?;
            let (_, p) = s.programme(&code).await.map_err(|e| match e {
                ServiceError::NotFound => anyhow::anyhow!("there is no programme with the code {code:?}"),
                other => other.into(),
            })?;
            let text = dtz_formats::programme::write(&p);
            match output {
                Some(path) => {
                    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?
                }
                None => say!("{}", text.trim_end()),
            }
            s.db.close().await;
        }
        ProgrammeCommand::List { db } => {
            let s = super::open(&db).await?;
            for p in s.programmes().await? {
                say!("{}\t{}\t{}\t{}", p.code, p.start_date, p.end_date, p.name);
            }
            s.db.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}
