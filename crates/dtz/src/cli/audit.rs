//! `dtz audit`: verify the chain, export its head.

use super::DbArgs;
use anyhow::Context;
use clap::Subcommand;
use dtz_services::ServiceError;
use dtz_store::StoreError;
use dtz_store::audit::SignedHead;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check every event of the chain; exits non-zero and names the first bad event.
    Verify {
        #[command(flatten)]
        db: DbArgs,
        /// Also check that the chain still contains a head exported earlier.
        #[arg(long)]
        head: Option<PathBuf>,
    },
    /// Print the chain head, signed, as JSON: keep it elsewhere to detect a cut-off tail.
    Head {
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(c: AuditCommand) -> anyhow::Result<ExitCode> {
    match c {
        AuditCommand::Verify { db, head } => {
            let s = super::open(&db).await?;
            let code = match s.verify_audit().await {
                Ok(v) => {
                    say!("The audit chain is intact: {} events, head {}.", v.events, hex::encode(&v.head.hash));
                    ExitCode::SUCCESS
                }
                Err(ServiceError::Store(StoreError::ChainBroken { seq, reason })) => {
                    eprintln!("The audit chain is broken at event {seq}: {reason}.");
                    ExitCode::from(2)
                }
                Err(e) => return Err(e.into()),
            };
            if code != ExitCode::SUCCESS {
                return Ok(code);
            }
            match s.verify_anchors().await {
                Ok(a) if a.receipts + a.batches > 0 => say!(
                    "Anchoring is intact: {} receipts of the hub verified, {} batches of devices checked.",
                    a.receipts,
                    a.batches
                ),
                Ok(_) => {}
                Err(ServiceError::Store(StoreError::ChainBroken { seq, reason })) => {
                    eprintln!("The anchored audit is broken at event {seq}: {reason}.");
                    return Ok(ExitCode::from(2));
                }
                Err(e) => return Err(e.into()),
            }
            if let Some(path) = head {
                let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
                let h: SignedHead = serde_json::from_str(&text).context("the exported head is not valid JSON")?;
                if let Err(e) = s.check_head(&h).await {
                    eprintln!("The exported head does not match: {e}.");
                    return Ok(ExitCode::from(2));
                }
                say!("The exported head (event {}) is still in the chain.", h.seq);
            }
            s.db.close().await;
            Ok(code)
        }
        AuditCommand::Head { db } => {
            let s = super::open(&db).await?;
            say!("{}", serde_json::to_string_pretty(&s.signed_head().await?)?);
            s.db.close().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}
