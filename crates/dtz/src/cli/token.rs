//! `dtz token`: API tokens from the command line.

use super::DbArgs;
use clap::Subcommand;
use dtz_domain::ids::UserId;
use dtz_services::Caller;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Print a new API token for an existing user (shown once).
    Create {
        #[command(flatten)]
        db: DbArgs,
        /// The user's e-mail address.
        #[arg(long)]
        email: String,
        /// What the token is for.
        #[arg(long, default_value = "command line")]
        name: String,
    },
}

pub async fn run(c: TokenCommand) -> anyhow::Result<ExitCode> {
    match c {
        TokenCommand::Create { db, email, name } => {
            let s = super::open(&db).await?;
            let u = s
                .user_by_email(&Caller::System, &email)
                .await
                .map_err(|_| anyhow::anyhow!("no user with the e-mail address {email}"))?;
            let (_, secret) = s.create_token(&Caller::System, UserId(u.id), &name).await?;
            say!("{secret}");
            s.db.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}
