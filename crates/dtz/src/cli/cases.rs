//! `dtz cases`: case maintenance from the command line. `rekey` gives every case marked
//! after a device revocation a new data key now (it also runs from `dtz serve`'s
//! housekeeping tick), printing what it did. One transaction per case: safe to interrupt
//! and to run again.

use super::DbArgs;
use clap::Subcommand;
use dtz_services::sync::rekey::RekeyOutcome;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum CasesCommand {
    /// Give the cases whose data key was on a revoked device a new data key.
    Rekey {
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(c: CasesCommand) -> anyhow::Result<ExitCode> {
    match c {
        CasesCommand::Rekey { db } => {
            let s = super::open(&db).await?;
            let mut total = 0;
            loop {
                let done = s.rekey_cases().await?;
                if done.is_empty() || done.iter().all(|d| d.outcome == RekeyOutcome::Skipped) {
                    break;
                }
                for d in &done {
                    let number = if d.number.is_empty() { d.case.to_string() } else { d.number.clone() };
                    match d.outcome {
                        RekeyOutcome::Rekeyed => {
                            total += 1;
                            say!("{number}: new data key, {} sealed values moved ({})", d.sealed, d.fields.join(", "));
                        }
                        RekeyOutcome::NothingToRekey => {
                            say!("{number}: no data key left (erased or gone), mark closed")
                        }
                        RekeyOutcome::Skipped => say!("{number}: changed meanwhile, left for the next run"),
                    }
                }
            }
            say!("{total} cases re-keyed; none is waiting.");
            s.db.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}
