//! The e-mail side of the outbox. A sender claims due e-mails in a short transaction
//! (moving their next attempt one lease ahead, so a sender that dies mid-send lets
//! another try later), talks SMTP with no transaction open, then settles each e-mail in
//! another short transaction. Claims and settlements are conditional on the attempt
//! count, so two senders sharing one PostgreSQL never both take the same e-mail.

use crate::sql::Sql;
use crate::{Result, Tx};
use dtz_domain::notify::{MailState, NotificationId};
use time::OffsetDateTime;
use uuid::Uuid;

/// An e-mail that is due, with what is needed to write it.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct DueMail {
    /// Notification id.
    pub id: Uuid,
    /// Kind.
    pub kind: String,
    /// Path within dtz.
    pub link: String,
    /// Attempts made so far.
    pub mail_attempts: i64,
    /// The recipient's e-mail address.
    pub email: String,
    /// The recipient's language.
    pub language: String,
    /// Whether the recipient is disabled or deleted (they get no e-mail).
    pub disabled: bool,
}

/// Pending e-mails due at `now`, oldest first.
pub async fn due(tx: &mut Tx, now: OffsetDateTime, limit: i64) -> Result<Vec<DueMail>> {
    tx.q()
        .fetch_all(&Sql::with_args(
            "SELECT n.id, n.kind, n.link, n.mail_attempts, u.email, u.language, \
             (u.disabled OR u.deleted_at IS NOT NULL) AS disabled \
             FROM notifications n JOIN users u ON u.id = n.user_id \
             WHERE n.mail_state = $1 AND n.mail_next_at <= $2 ORDER BY n.mail_next_at, n.id LIMIT $3",
            vec![MailState::Pending.into(), now.into(), limit.into()],
        ))
        .await
}

/// Take a due e-mail for one attempt: counts the attempt and holds it until `until`.
/// False when another sender took it first.
pub async fn claim(tx: &mut Tx, id: NotificationId, attempts: i64, until: OffsetDateTime) -> Result<bool> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE notifications SET mail_attempts = mail_attempts + 1, mail_next_at = $1 \
             WHERE id = $2 AND mail_state = $3 AND mail_attempts = $4",
            vec![until.into(), id.into(), MailState::Pending.into(), attempts.into()],
        ))
        .await?;
    Ok(n == 1)
}

/// Give up e-mails still pending for notifications created before `before`.
pub async fn expire(tx: &mut Tx, before: OffsetDateTime) -> Result<u64> {
    tx.q()
        .execute(&Sql::with_args(
            "UPDATE notifications SET mail_state = $1, mail_next_at = NULL, mail_error = $2 \
             WHERE mail_state = $3 AND created_at < $4",
            vec![
                MailState::Failed.into(),
                "expired: not sent in time".into(),
                MailState::Pending.into(),
                before.into(),
            ],
        ))
        .await
}

/// How an attempt ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The SMTP server took it.
    Sent(OffsetDateTime),
    /// A temporary failure: try again at this time.
    Retry(OffsetDateTime, String),
    /// Given up, with the reason.
    Failed(String),
    /// Not to be sent (the recipient cannot get e-mail).
    NotWanted,
}

/// Record how attempt number `attempts` of an e-mail ended. Returns false when the
/// e-mail is no longer at that attempt (another sender, or withdrawn meanwhile).
pub async fn settle(tx: &mut Tx, id: NotificationId, attempts: i64, outcome: Outcome) -> Result<bool> {
    let (state, next, sent, error) = match outcome {
        Outcome::Sent(at) => (MailState::Sent, None, Some(at), None),
        Outcome::Retry(at, e) => (MailState::Pending, Some(at), None, Some(e)),
        Outcome::Failed(e) => (MailState::Failed, None, None, Some(e)),
        Outcome::NotWanted => (MailState::NotWanted, None, None, None),
    };
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE notifications SET mail_state = $1, mail_next_at = $2, mail_sent_at = $3, mail_error = $4 \
             WHERE id = $5 AND mail_attempts = $6 AND mail_state = $7",
            vec![
                state.into(),
                next.into(),
                sent.into(),
                error.into(),
                id.into(),
                attempts.into(),
                MailState::Pending.into(),
            ],
        ))
        .await?;
    Ok(n == 1)
}
