//! `dtz node`, the keys and the audit (issue 9, points 5 and 6): the passphrase that wraps
//! the device key (asked at enrolment, needed to unlock), the escrow key fetched from the
//! hub, and anchoring the node's audit chain at every sync.

use super::http;
use anyhow::{Context, bail};
use dtz_services::Services;
use dtz_services::sync::anchor::SignedReceipt;
use hyper::Method;
use std::path::PathBuf;

/// Where the passphrase comes from: never the command line itself.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct PassphraseArgs {
    /// A file holding the node's passphrase (`-` reads it from standard input). Without
    /// it, the environment variable DTZ_NODE_PASSPHRASE.
    #[arg(long)]
    pub passphrase_file: Option<PathBuf>,
}

impl PassphraseArgs {
    /// The passphrase, from the file, standard input or DTZ_NODE_PASSPHRASE.
    pub fn read(&self) -> anyhow::Result<String> {
        let text = match &self.passphrase_file {
            Some(p) if p.as_os_str() == "-" => {
                let mut s = String::new();
                std::io::stdin().read_line(&mut s).context("cannot read the passphrase from standard input")?;
                s
            }
            Some(p) => std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
            None => match std::env::var("DTZ_NODE_PASSPHRASE") {
                Ok(v) => v,
                Err(_) => bail!(
                    "this node's passphrase is needed: give --passphrase-file FILE (or - for standard input) or set DTZ_NODE_PASSPHRASE"
                ),
            },
        };
        Ok(text.trim_end_matches(['\n', '\r']).to_owned())
    }
}

/// Unlock this process's services with the passphrase.
pub async fn unlock(s: &Services, pass: &PassphraseArgs) -> anyhow::Result<()> {
    Ok(s.node_unlock(&pass.read()?).await?)
}

/// After enrolment: fetch and keep the hub's escrow key for this device.
pub async fn fetch_escrow(s: &Services, hub: &url::Url, token: &str) -> anyhow::Result<()> {
    let answer = http::call(hub, Method::GET, "/sync/escrow", Some(token), None).await?;
    if answer.status != hyper::StatusCode::OK {
        bail!("the hub did not give its escrow key: {}", answer.errors());
    }
    let key = hex::decode(answer.body["escrow_key"].as_str().unwrap_or_default()).context("escrow key")?;
    if key.len() != 32 {
        bail!("the hub's escrow key is not 32 bytes");
    }
    s.node_keep_escrow(&key).await?;
    Ok(())
}

/// At every sync: send the node's audit chain after the anchored head, batch by batch,
/// and keep each receipt after checking it against the hub's key. Returns the batches sent.
pub async fn anchor(s: &Services, hub: &url::Url, token: &str) -> anyhow::Result<usize> {
    let mut sent = 0;
    while let Some(batch) = s.node_next_batch().await? {
        let body = serde_json::to_value(&batch)?;
        let answer = http::call(hub, Method::POST, "/sync/audit", Some(token), Some(&body)).await?;
        if answer.status != hyper::StatusCode::OK {
            bail!("the hub refused the audit batch {}: {}", batch.batch_no, answer.errors());
        }
        let receipt: SignedReceipt =
            serde_json::from_value(answer.body).context("the hub's answer is not a receipt")?;
        s.node_keep_receipt(&batch, &receipt).await?;
        sent += 1;
    }
    Ok(sent)
}

/// `dtz node unlock`: each process that needs the device key unlocks it itself (nothing
/// unlocked is ever stored); this checks the passphrase and the lease, e.g. before going
/// to the field.
pub async fn unlock_command(db: &super::DbArgs, pass: &PassphraseArgs) -> anyhow::Result<std::process::ExitCode> {
    let s = super::super::open(db).await?;
    if !s.node_has_keyring().await? {
        bail!("this installation is not a field node (see `dtz node enroll`)");
    }
    unlock(&s, pass).await?;
    let st = s.node_status().await?.context("this installation is not a field node")?;
    let code = if st.grant.lease_runs(s.clock.now()) {
        say!("unlocked; the lease runs until {}", super::rfc3339(st.grant.lease_until));
        std::process::ExitCode::SUCCESS
    } else {
        eprintln!("unlocked, but the lease ran out at {}: run dtz node sync", super::rfc3339(st.grant.lease_until));
        std::process::ExitCode::from(3)
    };
    s.db.close().await;
    Ok(code)
}

/// Any command on a node: unlock with DTZ_NODE_PASSPHRASE (or DTZ_NODE_PASSPHRASE_FILE)
/// when given, so its writes can be signed into the outbox; silent otherwise (a locked
/// node refuses those writes with a clear message).
pub async fn unlock_from_env(s: &Services) -> anyhow::Result<()> {
    if std::env::var_os("DTZ_NODE_PASSPHRASE_FILE").is_none() && std::env::var_os("DTZ_NODE_PASSPHRASE").is_none() {
        return Ok(());
    }
    if !s.node_has_keyring().await? {
        return Ok(());
    }
    let pass = PassphraseArgs { passphrase_file: std::env::var_os("DTZ_NODE_PASSPHRASE_FILE").map(PathBuf::from) };
    unlock(s, &pass).await.context("cannot unlock this field node")
}

/// `dtz serve` on a node: unlock with DTZ_NODE_PASSPHRASE (or DTZ_NODE_PASSPHRASE_FILE)
/// when given; otherwise serve locked, where case data stays closed. A wrong passphrase
/// stops the start, so a typo is not mistaken for a locked node.
pub async fn unlock_at_start(s: &Services) -> anyhow::Result<()> {
    if !s.node_has_keyring().await? {
        return Ok(());
    }
    let pass = PassphraseArgs { passphrase_file: std::env::var_os("DTZ_NODE_PASSPHRASE_FILE").map(PathBuf::from) };
    if pass.passphrase_file.is_none() && std::env::var_os("DTZ_NODE_PASSPHRASE").is_none() {
        eprintln!("This field node is locked: case data stays closed until it starts with DTZ_NODE_PASSPHRASE.");
        return Ok(());
    }
    unlock(s, &pass).await.context("cannot unlock this field node")?;
    eprintln!("This field node is unlocked.");
    Ok(())
}
