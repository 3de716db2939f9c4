//! Delivering the e-mails of notifications. The services decide what is due and record
//! how each attempt ended; a [`Mailer`] (SMTP in `dtz serve`, see `dtz_web::mail`)
//! writes the message in the recipient's language and hands it over. No transaction is
//! open while a mailer talks to its server.
//!
//! Delivery bookkeeping is not audited, like a session's last-seen time: it is the
//! system's own state, not a change anyone made, and the notification's creation and
//! its recipient's actions are.

use crate::{Result, Services};
use dtz_domain::notify::{MailPolicy, NotificationId, NotificationKind};
use dtz_store::notifications::outbox::{self, DueMail, Outcome};
use std::future::Future;

/// One e-mail to write and send: who, in which language, about what kind, and the path
/// to link to. Nothing else is known to the mailer, so nothing else can leak.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMail {
    /// The notification (a stable message id for retries).
    pub id: NotificationId,
    /// Recipient's address.
    pub to: String,
    /// Recipient's language.
    pub language: String,
    /// Kind.
    pub kind: NotificationKind,
    /// Path within dtz.
    pub link: String,
}

/// Why an e-mail was not handed over.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct MailError {
    /// The server refused for good (e.g. unknown recipient): do not try again.
    pub permanent: bool,
    /// What happened, for the operator.
    pub message: String,
}

/// Something that sends e-mail.
pub trait Mailer: Send + Sync {
    /// Write and send one e-mail.
    fn send(&self, mail: &OutgoingMail) -> impl Future<Output = std::result::Result<(), MailError>> + Send;
}

/// What one run of the sender did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MailRun {
    /// Handed to the server.
    pub sent: u64,
    /// Failed for now; tried again later.
    pub retrying: u64,
    /// Given up (refused for good, or out of attempts).
    pub failed: u64,
    /// Not sent because the recipient cannot get e-mail (disabled).
    pub skipped: u64,
}

/// E-mails claimed per transaction.
const BATCH: i64 = 50;
/// Batches per run, so one run ends even under a flood; the next run goes on.
const MAX_BATCHES: usize = 20;
/// Longest error message kept.
const MAX_ERROR: usize = 300;

fn short(message: &str) -> String {
    message.chars().take(MAX_ERROR).collect()
}

impl Services {
    /// Send the e-mails that are due, in batches: claim a batch in a short transaction,
    /// send with no transaction open, record each outcome. A temporary failure is tried
    /// again after a growing wait, up to a bounded number of attempts.
    pub async fn send_pending_mail(&self, mailer: &impl Mailer) -> Result<MailRun> {
        let policy = MailPolicy::default();
        let mut run = MailRun::default();
        for _ in 0..MAX_BATCHES {
            let batch = self.claim_mail(&policy, &mut run).await?;
            let full = batch.len() as i64 == BATCH;
            for (mail, attempts) in batch {
                let result = mailer.send(&mail).await;
                self.settle_mail(&policy, &mail, attempts, result, &mut run).await?;
            }
            if !full {
                break;
            }
        }
        Ok(run)
    }

    async fn claim_mail(&self, policy: &MailPolicy, run: &mut MailRun) -> Result<Vec<(OutgoingMail, i64)>> {
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        run.failed += outbox::expire(&mut tx, now - policy.expiry).await?;
        let due = outbox::due(&mut tx, now, BATCH).await?;
        let mut out = Vec::with_capacity(due.len());
        for d in due {
            let DueMail { id, kind, link, mail_attempts, email, language, disabled } = d;
            let id = NotificationId(id);
            let Ok(kind) = NotificationKind::parse("kind", &kind) else {
                outbox::settle(&mut tx, id, mail_attempts, Outcome::Failed("unknown kind".into())).await?;
                run.failed += 1;
                continue;
            };
            if disabled {
                outbox::settle(&mut tx, id, mail_attempts, Outcome::NotWanted).await?;
                run.skipped += 1;
                continue;
            }
            if outbox::claim(&mut tx, id, mail_attempts, now + policy.lease).await? {
                out.push((OutgoingMail { id, to: email, language, kind, link }, mail_attempts + 1));
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn settle_mail(
        &self,
        policy: &MailPolicy,
        mail: &OutgoingMail,
        attempts: i64,
        result: std::result::Result<(), MailError>,
        run: &mut MailRun,
    ) -> Result<()> {
        let now = self.clock.now();
        let outcome = match result {
            Ok(()) => {
                run.sent += 1;
                Outcome::Sent(now)
            }
            Err(e) => match policy.retry_after(attempts).filter(|_| !e.permanent) {
                Some(wait) => {
                    tracing::info!(notification = %mail.id, attempts, error = %e, "e-mail failed; will try again");
                    run.retrying += 1;
                    Outcome::Retry(now + wait, short(&e.message))
                }
                None => {
                    tracing::warn!(notification = %mail.id, attempts, error = %e, "e-mail given up");
                    run.failed += 1;
                    Outcome::Failed(short(&e.message))
                }
            },
        };
        let mut tx = self.db.begin().await?;
        outbox::settle(&mut tx, mail.id, attempts, outcome).await?;
        tx.commit().await?;
        Ok(())
    }
}
