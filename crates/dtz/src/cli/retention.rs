//! `dtz retention`: run the retention job now (it also runs from `dtz serve`'s
//! housekeeping tick), printing per record type what it erases.

use super::DbArgs;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum RetentionCommand {
    /// Erase what has been kept longer than its period (settings `retention.<type>_days`;
    /// closed cases and signals follow their country's months where set).
    Run {
        #[command(flatten)]
        db: DbArgs,
        /// Only count what is due; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

pub async fn run(c: RetentionCommand) -> anyhow::Result<ExitCode> {
    match c {
        RetentionCommand::Run { db, dry_run } => {
            let s = super::open(&db).await?;
            let lines = s.run_retention(dry_run).await?;
            for l in &lines {
                let name = match &l.country {
                    Some(c) => format!("{} {c}", l.code),
                    None => l.code.to_owned(),
                };
                if dry_run {
                    say!("{name:<20} kept {:>5} days: {} due (dry run, nothing erased)", l.days, l.due);
                } else {
                    say!("{name:<20} kept {:>5} days: {} due, {} erased", l.days, l.due, l.erased);
                }
            }
            s.db.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}
