//! `dtz key`: the key file.

use super::DbArgs;
use anyhow::bail;
use clap::{Args, Subcommand};
use dtz_store::Keys;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Create a new key file (mode 0600); refuses to overwrite one.
    Init(KeyFileArg),
    /// Add a new master key, rewrap every organisation key under it, then drop the old
    /// master key. Safe to run again after an interruption: it resumes.
    Rotate {
        #[command(flatten)]
        db: DbArgs,
        /// Only finish an interrupted rotation (do not add another master key).
        #[arg(long)]
        resume: bool,
    },
}

#[derive(Args, Debug)]
pub struct KeyFileArg {
    /// Where to create it.
    #[arg(long, env = "DTZ_KEY_FILE", default_value = "dtz.key")]
    key_file: PathBuf,
}

pub async fn run(c: KeyCommand) -> anyhow::Result<ExitCode> {
    match c {
        KeyCommand::Init(a) => {
            if a.key_file.exists() {
                bail!("{} exists already; dtz never overwrites a key file", a.key_file.display());
            }
            Keys::generate(&a.key_file)?.write_new()?;
            say!("Created {} (mode 0600). Back it up apart from the database.", a.key_file.display());
        }
        KeyCommand::Rotate { db, resume } => {
            let s = super::open(&db).await?;
            let mut keys = Keys::load(&db.key_file)?;
            if !resume && keys.master_ids().len() == 1 {
                keys.add_master()?;
                keys.save()?;
            }
            let s = dtz_services::Services { keys: std::sync::Arc::new(keys.clone()), ..s };
            let r = dtz_services::keys::finish_rotation(&s, &mut keys).await?;
            say!("Rewrapped {} organisation keys; retired {} old master keys.", r.rewrapped, r.retired);
            s.db.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}
