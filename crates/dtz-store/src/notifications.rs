//! Notifications (an outbox: each row is one thing to tell one person, with the state of
//! its e-mail) and each person's choice of e-mail per kind. Every query names the user,
//! so nobody reads another person's notifications.

pub mod outbox;

use crate::sql::{Arg, Sql};
use crate::{Db, Result, StoreError, Tx};
use dtz_domain::ids::UserId;
use dtz_domain::notify::{MailState, NotificationId};
use time::OffsetDateTime;
use uuid::Uuid;

impl From<NotificationId> for Arg {
    fn from(x: NotificationId) -> Self {
        Arg::Uuid(Some(x.0))
    }
}

impl From<MailState> for Arg {
    fn from(x: MailState) -> Self {
        Arg::Text(Some(x.as_str().to_owned()))
    }
}

/// A stored notification.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct NotificationRow {
    /// Id.
    pub id: Uuid,
    /// The person told.
    pub user_id: Uuid,
    /// Kind (`NotificationKind::as_str`).
    pub kind: String,
    /// Path within dtz.
    pub link: String,
    /// Parameters as a JSON object.
    pub params: String,
    /// Row version.
    pub version: i64,
    /// Created.
    pub created_at: OffsetDateTime,
    /// When the person marked it done.
    pub done_at: Option<OffsetDateTime>,
    /// E-mail state (`MailState::as_str`).
    pub mail_state: String,
    /// E-mail attempts made.
    pub mail_attempts: i64,
    /// When the e-mail is due (pending only).
    pub mail_next_at: Option<OffsetDateTime>,
    /// When the SMTP server took the e-mail.
    pub mail_sent_at: Option<OffsetDateTime>,
    /// The last delivery error.
    pub mail_error: Option<String>,
}

const COLS: &str = "id, user_id, kind, link, params, version, created_at, done_at, mail_state, mail_attempts, \
                    mail_next_at, mail_sent_at, mail_error";

/// A new notification.
#[derive(Clone, Debug)]
pub struct NewNotification {
    /// Id.
    pub id: NotificationId,
    /// The person told.
    pub user: UserId,
    /// Kind.
    pub kind: &'static str,
    /// Path within dtz.
    pub link: String,
    /// Parameters as a JSON object.
    pub params: String,
    /// Pending (due now) or not wanted.
    pub mail: MailState,
}

/// Insert a notification inside the caller's transaction.
pub async fn insert(tx: &mut Tx, n: &NewNotification, now: OffsetDateTime) -> Result<()> {
    let next = (n.mail == MailState::Pending).then_some(now);
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO notifications (id, user_id, kind, link, params, version, created_at, mail_state, mail_attempts, mail_next_at) \
             VALUES ($1, $2, $3, $4, $5, 1, $6, $7, 0, $8)",
            vec![
                n.id.into(),
                n.user.into(),
                n.kind.into(),
                n.link.clone().into(),
                n.params.clone().into(),
                now.into(),
                n.mail.into(),
                next.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// What deciding about a new notification needs to know of its recipient.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Recipient {
    /// Organisation (for the audit event).
    pub org_id: Uuid,
    /// Disabled users get no e-mail.
    pub disabled: bool,
    /// The person's choice for the kind, if they made one.
    pub email: Option<bool>,
}

/// The recipient of a notification of `kind`, if the user exists.
pub async fn recipient(tx: &mut Tx, user: UserId, kind: &str) -> Result<Option<Recipient>> {
    tx.q()
        .fetch_optional(&Sql::with_args(
            "SELECT u.org_id, u.disabled, p.email FROM users u \
             LEFT JOIN notification_preferences p ON p.user_id = u.id AND p.kind = $2 \
             WHERE u.id = $1 AND u.deleted_at IS NULL",
            vec![user.into(), kind.into()],
        ))
        .await
}

fn own(user: UserId, include_done: bool) -> Sql {
    let mut q = Sql::new(" FROM notifications WHERE user_id = ");
    q.bind(user);
    if !include_done {
        q.push(" AND done_at IS NULL");
    }
    q
}

/// A user's notifications, newest first: open ones only, or all.
pub async fn list(db: &Db, user: UserId, include_done: bool, limit: i64, offset: i64) -> Result<Vec<NotificationRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).append(own(user, include_done));
    q.push(" ORDER BY created_at DESC, id LIMIT ").bind(limit).push(" OFFSET ").bind(offset);
    db.read().fetch_all(&q).await
}

/// How many [`list`] would return without paging.
pub async fn count(db: &Db, user: UserId, include_done: bool) -> Result<i64> {
    let mut q = Sql::new("SELECT COUNT(*)");
    q.append(own(user, include_done));
    db.read().scalar(&q).await
}

/// One of the user's notifications ([`StoreError::NotFound`] when it is someone else's).
pub async fn get(db: &Db, user: UserId, id: NotificationId) -> Result<NotificationRow> {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).append(own(user, true));
    q.push(" AND id = ").bind(id);
    db.read().fetch_one(&q).await
}

/// Mark one of the user's notifications done. Returns the new version, or `None` when it
/// was done already; [`StoreError::NotFound`] when it is not the user's.
pub async fn mark_done(tx: &mut Tx, user: UserId, id: NotificationId, now: OffsetDateTime) -> Result<Option<i64>> {
    let done: Option<(i64,)> = tx
        .q()
        .fetch_optional(&Sql::with_args(
            "UPDATE notifications SET done_at = $1, version = version + 1 \
             WHERE id = $2 AND user_id = $3 AND done_at IS NULL RETURNING version",
            vec![now.into(), id.into(), user.into()],
        ))
        .await?;
    if let Some((v,)) = done {
        return Ok(Some(v));
    }
    let exists: i64 = tx
        .q()
        .scalar(&Sql::with_args(
            "SELECT COUNT(*) FROM notifications WHERE id = $1 AND user_id = $2",
            vec![id.into(), user.into()],
        ))
        .await?;
    if exists == 0 { Err(StoreError::NotFound) } else { Ok(None) }
}

/// The choices a user made: kind and whether they want e-mail for it.
pub async fn preferences(db: &Db, user: UserId) -> Result<Vec<(String, bool)>> {
    db.read()
        .fetch_all(&Sql::with_args(
            "SELECT kind, email FROM notification_preferences WHERE user_id = $1 ORDER BY kind",
            vec![user.into()],
        ))
        .await
}

/// Record a user's choice for a kind. E-mails of that kind still waiting are withdrawn
/// when the choice is "no".
pub async fn set_preference(tx: &mut Tx, user: UserId, kind: &str, email: bool, now: OffsetDateTime) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO notification_preferences (user_id, kind, email, version, updated_at) VALUES ($1, $2, $3, 1, $4) \
             ON CONFLICT (user_id, kind) DO UPDATE SET email = excluded.email, \
             version = notification_preferences.version + 1, updated_at = excluded.updated_at",
            vec![user.into(), kind.into(), email.into(), now.into()],
        ))
        .await?;
    if !email {
        tx.q()
            .execute(&Sql::with_args(
                "UPDATE notifications SET mail_state = $1, mail_next_at = NULL \
                 WHERE user_id = $2 AND kind = $3 AND mail_state = $4",
                vec![MailState::NotWanted.into(), user.into(), kind.into(), MailState::Pending.into()],
            ))
            .await?;
    }
    Ok(())
}
