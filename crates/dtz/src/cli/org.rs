//! `dtz org`: organisations from the command line.

use super::DbArgs;
use anyhow::bail;
use clap::Subcommand;
use dtz_domain::ids::OrgId;
use dtz_domain::org::OrgFields;
use dtz_services::Caller;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    /// Create an organisation.
    Create {
        #[command(flatten)]
        db: DbArgs,
        /// Name.
        #[arg(long)]
        name: String,
        /// alliance_member, local_partner, service_provider, donor or government_body.
        #[arg(long)]
        kind: String,
        /// IATI organisation identifier, e.g. NL-KVK-41149287.
        #[arg(long)]
        iati_id: Option<String>,
        /// ISO country code.
        #[arg(long)]
        country: Option<String>,
        /// Keep its name out of public data (IATI).
        #[arg(long)]
        withheld: bool,
    },
    /// List organisations.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(c: OrgCommand) -> anyhow::Result<ExitCode> {
    match c {
        OrgCommand::Create { db, name, kind, iati_id, country, withheld } => {
            let s = super::open(&db).await?;
            let f = match OrgFields::parse(&name, &kind, iati_id.as_deref(), country.as_deref(), !withheld) {
                Ok(f) => f,
                Err(v) => bail!("{v}"),
            };
            let o = s.create_org(&Caller::System, OrgId::new(), f).await?;
            say!("{}\t{}", o.id, o.name);
            s.db.close().await;
        }
        OrgCommand::List { db } => {
            let s = super::open(&db).await?;
            for o in s.orgs(&Caller::System).await? {
                say!("{}\t{}\t{}\t{}", o.id, o.kind, o.iati_id.unwrap_or_default(), o.name);
            }
            s.db.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}
