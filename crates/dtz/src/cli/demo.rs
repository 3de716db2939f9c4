//! `dtz demo`: load the demonstration into an empty database.

mod scale;

use super::DbArgs;
use clap::Args;
use dtz_services::Services;
use dtz_services::demo::scale::DEFAULT_SEED;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct DemoArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Also generate a seeded, plausible dataset N times a unit of the programme's size, for
    /// benchmarks (100: the size dtz is held to). Needs an empty database.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    scale: Option<u32>,
    /// Seed of the generated dataset: the same seed gives the same data.
    #[arg(long, value_name = "S", default_value_t = DEFAULT_SEED, requires = "scale")]
    seed: u64,
}

pub async fn run(a: DemoArgs) -> anyhow::Result<ExitCode> {
    let s = super::open(&a.db).await?;
    match a.scale {
        Some(n) => scale::run(&s, n, a.seed).await?,
        None => ensure_loaded(&s).await?,
    }
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
        print_loaded(&d);
    }
    Ok(())
}

/// Print the accounts of a demo just loaded, and its password.
fn print_loaded(d: &dtz_services::demo::DemoAccounts) {
    say!("Loaded the Down to Zero demo. Accounts (all with the same password):");
    for (email, what) in &d.accounts {
        say!("  {email:<36} {what}");
    }
    if let Some(p) = &d.password {
        say!("Password: {p}");
    }
    say!(
        "The second factor (TOTP) is off in the demo. Apart from the alliance members, the donor and the published figures, all data is sample data."
    );
}
