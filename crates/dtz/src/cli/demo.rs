//! `dtz demo`: load the demonstration into an empty database.

use super::DbArgs;
use clap::Args;
use dtz_services::Services;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct DemoArgs {
    #[command(flatten)]
    db: DbArgs,
}

pub async fn run(a: DemoArgs) -> anyhow::Result<ExitCode> {
    let s = super::open(&a.db).await?;
    ensure_loaded(&s).await?;
    s.db.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Load the demo when the database is empty, and print the accounts either way.
pub async fn ensure_loaded(s: &Services) -> anyhow::Result<()> {
    if dtz_services::demo::is_loaded(s).await? {
        let accounts = dtz_services::demo::accounts(s).await?;
        say!("Demo data is already loaded. Accounts:");
        for a in accounts {
            say!("  {a}");
        }
        say!("Their password was printed when the demo was first loaded. To set a new one:");
        say!("  dtz user reset-password --email admin@demo.example.org");
    } else {
        let d = dtz_services::demo::load(s).await?;
        say!("Loaded the Down to Zero demo. Accounts (all with the same password):");
        for (email, what) in &d.accounts {
            say!("  {email:<36} {what}");
        }
        if let Some(p) = d.password {
            say!("Password: {p}");
        }
        say!(
            "The second factor (TOTP) is off in the demo. Apart from the alliance members, the donor and the published figures, all data is sample data."
        );
    }
    Ok(())
}
