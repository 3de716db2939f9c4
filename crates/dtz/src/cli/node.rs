//! `dtz node`: run this installation as a field node of a hub (issue 9). On the hub,
//! `dtz node code` makes an enrolment code; on the laptop, `dtz node enroll` gets the
//! signed device grant, `dtz node status` shows it and `dtz node sync` contacts the hub.

mod http;
mod secure;
mod transport;

use super::DbArgs;
use anyhow::{Context, bail};
use clap::Subcommand;
use dtz_domain::ids::UserId;
use dtz_domain::sync::DeviceGrant;
use dtz_services::Caller;
use dtz_services::sync::exchange::{SyncFailure, SyncSummary};
use dtz_services::sync::node::Received;
use dtz_services::sync::signing::SigningKey;
use hyper::Method;
use serde::Deserialize;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum NodeCommand {
    /// On the hub: print a one-time enrolment code for a user (valid 72 hours).
    Code {
        #[command(flatten)]
        db: DbArgs,
        /// The user's e-mail address.
        #[arg(long)]
        email: String,
    },
    /// On the laptop: enrol this installation with a hub, using a code from its administrator.
    Enroll {
        #[command(flatten)]
        db: DbArgs,
        /// The hub's address, e.g. https://dtz.example.org
        hub_url: String,
        /// The one-time enrolment code.
        code: String,
        /// A name for this device, shown to the hub's administrators.
        #[arg(long, default_value = "field laptop")]
        name: String,
        /// The passphrase that will lock this node's keys.
        #[command(flatten)]
        pass: secure::PassphraseArgs,
    },
    /// On the laptop: show the node's hub, allocator, lease and last sync.
    Status {
        #[command(flatten)]
        db: DbArgs,
    },
    /// On the laptop: contact the hub — renew the lease, obey a revocation or wipe order,
    /// anchor the node's audit chain.
    Sync {
        #[command(flatten)]
        db: DbArgs,
        /// The node's passphrase.
        #[command(flatten)]
        pass: secure::PassphraseArgs,
    },
    /// On the laptop: check the passphrase unlocks this node's keys and its lease runs.
    Unlock {
        #[command(flatten)]
        db: DbArgs,
        /// The node's passphrase.
        #[command(flatten)]
        pass: secure::PassphraseArgs,
    },
}

#[derive(Deserialize)]
struct GrantBody {
    grant: DeviceGrant,
    signature: String,
}

#[derive(Deserialize)]
struct Enrolled {
    grant: GrantBody,
    hub_public_key: String,
    token: String,
}

#[derive(Deserialize)]
struct Status {
    revoked: bool,
    wipe: bool,
    grant: Option<GrantBody>,
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

fn hub_url(text: &str) -> anyhow::Result<url::Url> {
    let u = url::Url::parse(text.trim()).with_context(|| format!("{text} is not a URL"))?;
    if !matches!(u.scheme(), "http" | "https") {
        bail!("the hub URL must start with https://");
    }
    Ok(u)
}

pub use secure::{unlock_at_start, unlock_from_env};

pub async fn run(c: NodeCommand) -> anyhow::Result<ExitCode> {
    match c {
        NodeCommand::Code { db, email } => {
            let s = super::open(&db).await?;
            let u = s
                .user_by_email(&Caller::System, &email)
                .await
                .map_err(|_| anyhow::anyhow!("no user with the e-mail address {email}"))?;
            let (code, expires) = s.create_enrolment(&Caller::System, UserId(u.id)).await?;
            say!("{code}");
            eprintln!("valid until {}", rfc3339(expires));
            s.db.close().await;
        }
        NodeCommand::Enroll { db, hub_url: hub, code, name, pass } => {
            return enroll(&db, &hub, &code, &name, &pass).await;
        }
        NodeCommand::Status { db } => return status(&db).await,
        NodeCommand::Sync { db, pass } => return sync(&db, &pass).await,
        NodeCommand::Unlock { db, pass } => return secure::unlock_command(&db, &pass).await,
    }
    Ok(ExitCode::SUCCESS)
}

async fn enroll(
    db: &DbArgs,
    hub: &str,
    code: &str,
    name: &str,
    pass: &secure::PassphraseArgs,
) -> anyhow::Result<ExitCode> {
    let hub = hub_url(hub)?;
    let passphrase = pass.read()?;
    if passphrase.chars().count() < dtz_services::sync::keyring::MIN_PASSPHRASE {
        bail!("choose a passphrase of at least {} characters", dtz_services::sync::keyring::MIN_PASSPHRASE);
    }
    let s = super::open(db).await?;
    if s.node_status().await?.is_some() {
        bail!("this database is already enrolled as a node");
    }
    let key = SigningKey::generate()?;
    let body = serde_json::json!({"code": code.trim(), "name": name, "public_key": hex::encode(key.public())});
    let answer = http::call(&hub, Method::POST, "/sync/enroll", None, Some(&body)).await?;
    if answer.status != hyper::StatusCode::CREATED {
        bail!("the hub refused the enrolment: {}", answer.errors());
    }
    let e: Enrolled = serde_json::from_value(answer.body).context("the hub's answer is not an enrolment")?;
    let received = Received {
        hub_url: hub.to_string(),
        grant: e.grant.grant,
        grant_sig: hex::decode(&e.grant.signature).context("grant signature")?,
        hub_public_key: hex::decode(&e.hub_public_key).context("hub key")?,
        token: e.token,
    };
    let token = received.token.clone();
    s.node_create_keyring(&passphrase).await?;
    let st = s.node_enrolled(&key, &received).await?;
    secure::fetch_escrow(&s, &hub, &token).await?;
    say!("enrolled as device {} with allocator {}", st.grant.device, st.grant.allocator);
    say!("offline lease until {}", rfc3339(st.grant.lease_until));
    s.db.close().await;
    Ok(ExitCode::SUCCESS)
}

/// The facts the node's page shows: what waits, the last sync, what the hub did not apply.
async fn report(s: &dtz_services::Services, sum: &SyncSummary) -> anyhow::Result<()> {
    let st = s.node_status().await?;
    let last = st.and_then(|n| n.identity.last_sync_at).map_or_else(|| "never".to_owned(), rfc3339);
    say!("last sync: {last}");
    say!("not yet synced: {} change(s)", sum.waiting);
    say!("cases held on this laptop: {}", s.node_cases_held().await?);
    let unapplied = s.node_unapplied().await?;
    say!("not applied by the hub: {} (conflicts are resolved on the hub's /sync/conflicts page)", unapplied.len());
    for (row, res) in unapplied.iter().take(20) {
        say!(
            "  #{} {} {}: {} {}",
            row.node_seq,
            row.entity,
            row.entity_id,
            res.outcome.as_str(),
            res.detail.clone().unwrap_or_default()
        );
    }
    Ok(())
}

async fn status(db: &DbArgs) -> anyhow::Result<ExitCode> {
    let s = super::open(db).await?;
    let Some(st) = s.node_status().await? else {
        bail!("this installation is not a field node (see `dtz node enroll`)");
    };
    say!("device: {}", st.grant.device);
    say!("hub: {}", st.identity.hub_url);
    say!("allocator: {}", st.grant.allocator);
    say!("lease until: {}", rfc3339(st.grant.lease_until));
    let lease = if st.grant.lease_runs(s.clock.now()) { "running" } else { "expired: sync to renew it" };
    say!("lease: {lease}");
    say!("last sync: {}", st.identity.last_sync_at.map_or_else(|| "never".to_owned(), rfc3339));
    say!("not yet synced: {} change(s)", s.node_pending().await?.len());
    say!("not applied by the hub: {}", s.node_unapplied().await?.len());
    s.db.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn sync(db: &DbArgs, pass: &secure::PassphraseArgs) -> anyhow::Result<ExitCode> {
    let s = super::open(db).await?;
    secure::unlock(&s, pass).await?;
    let (st, _key, token) =
        s.node_secrets().await.map_err(|_| anyhow::anyhow!("this installation is not a field node"))?;
    let hub = hub_url(&st.identity.hub_url)?;
    let answer = http::call(&hub, Method::GET, "/sync/status", Some(&token), None).await?;
    if answer.status != hyper::StatusCode::OK {
        bail!("the hub refused the sync: {}", answer.errors());
    }
    let standing: Status = serde_json::from_value(answer.body).context("the hub's answer is not a status")?;
    if standing.wipe {
        s.node_wipe().await?;
        let done = http::call(&hub, Method::POST, "/sync/wiped", Some(&token), None).await?;
        say!("the hub ordered this node wiped: its sync identity and outbox are erased");
        if done.status != hyper::StatusCode::NO_CONTENT {
            eprintln!("the hub did not record the wipe: {}", done.errors());
        }
        s.db.close().await;
        return Ok(ExitCode::SUCCESS);
    }
    match (standing.revoked, standing.grant) {
        (false, Some(g)) => {
            s.node_renew(&g.grant, &hex::decode(&g.signature).context("grant signature")?).await?;
            // The node's audit chain first (it already holds the events of every change
            // about to be pushed); a chain the hub refuses stops the sync.
            let batches = secure::anchor(&s, &hub, &token).await?;
            let link = transport::Hub { url: hub.clone(), token: token.clone() };
            let done = s.node_sync(&link, &mut |line| say!("{line}")).await;
            let code = match done {
                Ok(sum) => {
                    say!(
                        "synced; offline lease until {}; audit batches anchored: {batches}",
                        rfc3339(g.grant.lease_until)
                    );
                    report(&s, &sum).await?;
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("sync stopped: {e}; nothing is lost, sync again");
                    ExitCode::from(if matches!(e, SyncFailure::Revoked) { 2 } else { 1 })
                }
            };
            s.db.close().await;
            Ok(code)
        }
        _ => {
            // What was changed here since goes up once more, to be kept for review (the
            // hub quarantines it and applies nothing).
            let link = transport::Hub { url: hub.clone(), token: token.clone() };
            let waiting = s.node_pending().await?.len();
            if waiting > 0 && s.node_sync(&link, &mut |_| {}).await.is_err() {
                say!("{waiting} change(s) made here were sent to the hub for review, not applied");
            }
            eprintln!("this device was revoked by the hub; it can no longer sync");
            s.db.close().await;
            Ok(ExitCode::from(2))
        }
    }
}
