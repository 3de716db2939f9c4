//! `dtz user`: accounts from the command line (the operator acts as the system).

use super::DbArgs;
use anyhow::{Context, bail};
use clap::Subcommand;
use dtz_domain::access::{Role, RoleAssignment};
use dtz_domain::ids::{OrgId, TeamId, UserId};
use dtz_domain::org::CountryCode;
use dtz_services::accounts::UserInput;
use dtz_services::{Caller, ServiceError};
use dtz_store::users::UserFields;
use std::io::Read;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user; prints a generated password unless --password-stdin is given.
    Create {
        #[command(flatten)]
        db: DbArgs,
        /// E-mail address (the login name).
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Organisation: its name, IATI id or id.
        #[arg(long)]
        org: String,
        /// Role to give (administrator, alliance_manager, country_coordinator, me_officer,
        /// case_supervisor, caseworker, service_provider, donor).
        #[arg(long)]
        role: Option<String>,
        /// Limit the role to the user's organisation (e.g. an organisation's administrator).
        #[arg(long)]
        role_in_org: bool,
        /// Limit the role to a country (ISO code).
        #[arg(long)]
        country: Option<String>,
        /// Team id (case roles).
        #[arg(long)]
        team: Option<uuid::Uuid>,
        /// Page language (en, es).
        #[arg(long, default_value = "en")]
        language: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users with their e-mail addresses.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Disable a user: no sign-in, sessions end, tokens stop working.
    Disable {
        #[command(flatten)]
        db: DbArgs,
        /// E-mail address.
        #[arg(long)]
        email: String,
    },
    /// Reset a user's second factor (TOTP) after a lost phone and lost recovery codes;
    /// sessions end, and where a role requires it the user enrols again at sign-in.
    ResetTotp {
        #[command(flatten)]
        db: DbArgs,
        /// E-mail address.
        #[arg(long)]
        email: String,
    },
    /// Set a new password (generated unless --password-stdin); sessions end.
    ResetPassword {
        #[command(flatten)]
        db: DbArgs,
        /// E-mail address.
        #[arg(long)]
        email: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

fn read_password(stdin: bool) -> anyhow::Result<Option<String>> {
    if !stdin {
        return Ok(None);
    }
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).context("cannot read the password from standard input")?;
    Ok(Some(s.trim_end_matches(['\r', '\n']).to_owned()))
}

fn explain(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Invalid(v) => anyhow::anyhow!("{v}"),
        ServiceError::NotFound => anyhow::anyhow!("no such user"),
        other => other.into(),
    }
}

async fn reset_totp(db: &DbArgs, email: &str) -> anyhow::Result<()> {
    let s = super::open(db).await?;
    let u = s.user_by_email(&Caller::System, email).await.map_err(explain)?;
    s.reset_totp(&Caller::System, UserId(u.id)).await.map_err(explain)?;
    say!("Two-step sign-in of {email} is reset; their sessions ended.");
    s.db.close().await;
    Ok(())
}

pub async fn run(c: UserCommand) -> anyhow::Result<ExitCode> {
    let sys = Caller::System;
    match c {
        UserCommand::Create { db, email, name, org, role, role_in_org, country, team, language, password_stdin } => {
            let s = super::open(&db).await?;
            let o = dtz_store::orgs::find(&s.db, &org)
                .await
                .map_err(|_| anyhow::anyhow!("no organisation named {org:?}"))?;
            let role = match role {
                None => None,
                Some(r) => {
                    let role = Role::parse("role", &r).map_err(|e| anyhow::anyhow!("{e}"))?;
                    let country = match country {
                        Some(c) => Some(CountryCode::parse("country", &c).map_err(|e| anyhow::anyhow!("{e}"))?),
                        None => None,
                    };
                    let scoped =
                        role_in_org || !matches!(role, Role::Administrator | Role::AllianceManager | Role::Donor);
                    Some(RoleAssignment { role, org: scoped.then_some(OrgId(o.id)), country, team: team.map(TeamId) })
                }
            };
            let input = UserInput {
                org: Some(OrgId(o.id)),
                email,
                name,
                language,
                password: read_password(password_stdin)?,
                roles: role.into_iter().collect(),
            };
            let created = s.create_user(&sys, UserId::new(), input).await.map_err(explain)?;
            say!("Created {} ({})", created.user.email, created.user.id);
            if let Some(p) = created.password {
                say!("Password: {p}");
            }
            s.db.close().await;
        }
        UserCommand::List { db } => {
            let s = super::open(&db).await?;
            let orgs: std::collections::HashMap<_, _> =
                s.orgs(&sys).await?.into_iter().map(|o| (o.id, o.name)).collect();
            for u in s.users(&sys, None).await? {
                let roles: Vec<String> = s.roles(&sys, UserId(u.id)).await?.into_iter().map(|r| r.role).collect();
                say!(
                    "{}\t{}\t{}\t{}\t{}",
                    u.email,
                    u.name,
                    orgs.get(&u.org_id).cloned().unwrap_or_default(),
                    roles.join(","),
                    if u.disabled { "disabled" } else { "active" }
                );
            }
            s.db.close().await;
        }
        UserCommand::Disable { db, email } => {
            let s = super::open(&db).await?;
            let u = s.user_by_email(&sys, &email).await.map_err(explain)?;
            if u.disabled {
                bail!("{email} is already disabled");
            }
            let f = UserFields { name: u.name.clone(), language: u.language.clone(), disabled: true };
            s.update_user(&sys, UserId(u.id), u.version, f).await.map_err(explain)?;
            say!("Disabled {email}; their sessions ended and their tokens stopped working.");
            s.db.close().await;
        }
        UserCommand::ResetTotp { db, email } => reset_totp(&db, &email).await?,
        UserCommand::ResetPassword { db, email, password_stdin } => {
            let s = super::open(&db).await?;
            let u = s.user_by_email(&sys, &email).await.map_err(explain)?;
            let new = read_password(password_stdin)?;
            let generated = s.set_password(&sys, UserId(u.id), None, new.as_deref()).await.map_err(explain)?;
            say!("New password set for {email}; their sessions ended.");
            if let Some(p) = generated {
                say!("Password: {p}");
            }
            s.db.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}
