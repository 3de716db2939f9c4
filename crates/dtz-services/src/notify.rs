//! Notifications: a use case that changes something a person must act on calls
//! [`Services::notify`] inside its own transaction (the outbox pattern: the notification
//! commits with the change, or not at all). People see their open notifications in the
//! task list of the start page, mark them done, and choose per kind whether they also
//! want e-mail; [`Services::send_pending_mail`] delivers those.

pub mod mail;

use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::notify::{Link, MailState, NotificationId, NotificationKind, Params};
use dtz_store::Tx;
use dtz_store::audit::NewEvent;
use dtz_store::notifications::{self, NewNotification, NotificationRow};
use time::OffsetDateTime;

/// A notification written inside a use case's transaction. Its audit event must go into
/// the events that use case passes to [`Services::finish`].
#[must_use = "add the event to the ones passed to Services::finish"]
#[derive(Clone, Debug)]
pub struct Notified {
    /// The new notification.
    pub id: NotificationId,
    /// Its audit event (ids and field names only).
    pub event: NewEvent,
}

/// A notification as its recipient sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Notification {
    /// Id.
    pub id: NotificationId,
    /// Kind; `None` for a kind this version of dtz does not know (written by a newer one).
    pub kind: Option<NotificationKind>,
    /// Path within dtz.
    pub link: String,
    /// Ids, counts and codes.
    pub params: Params,
    /// Created.
    pub created_at: OffsetDateTime,
    /// When the person marked it done.
    pub done_at: Option<OffsetDateTime>,
    /// Where its e-mail stands.
    pub mail: MailState,
}

impl From<NotificationRow> for Notification {
    fn from(r: NotificationRow) -> Self {
        Self {
            id: NotificationId(r.id),
            kind: NotificationKind::parse("kind", &r.kind).ok(),
            link: r.link,
            params: Params::from_json(&r.params),
            created_at: r.created_at,
            done_at: r.done_at,
            mail: MailState::from_stored(&r.mail_state),
        }
    }
}

/// One page of a person's notifications.
#[derive(Clone, Debug, PartialEq)]
pub struct NotificationPage {
    /// The notifications, newest first.
    pub items: Vec<Notification>,
    /// How many there are in all.
    pub total: i64,
}

/// A person's e-mail choice for one kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MailPreference {
    /// The kind.
    pub kind: NotificationKind,
    /// Whether they get e-mail for it.
    pub email: bool,
    /// Whether they chose (otherwise it is the kind's default).
    pub chosen: bool,
}

/// The most notifications one request lists.
pub const MAX_PAGE: i64 = 200;

fn me(caller: &Caller) -> Result<UserId> {
    caller.user().ok_or(ServiceError::Forbidden)
}

impl Services {
    /// Tell `user` about something, inside the caller's transaction `tx`. The e-mail is
    /// queued when the person wants e-mail for `kind` (their choice, else the kind's
    /// default) and is not disabled. `link` must be a path within dtz and `params` ids,
    /// counts and codes only: neither ever carries case content.
    pub async fn notify(
        &self,
        tx: &mut Tx,
        user: UserId,
        kind: NotificationKind,
        link: &str,
        params: &Params,
    ) -> Result<Notified> {
        let link = Link::parse("link", link)?;
        params.check("params")?;
        let r = notifications::recipient(tx, user, kind.as_str()).await?.ok_or(ServiceError::NotFound)?;
        let wanted = r.email.unwrap_or(kind.default_email()) && !r.disabled;
        let id = NotificationId::new();
        let new = NewNotification {
            id,
            user,
            kind: kind.as_str(),
            link: link.as_str().to_owned(),
            params: params.to_json(),
            mail: if wanted { MailState::Pending } else { MailState::NotWanted },
        };
        notifications::insert(tx, &new, self.clock.now()).await?;
        let event = NewEvent {
            actor_user: None,
            actor_org: None,
            action: "notification.create".into(),
            entity: "notification".into(),
            entity_id: Some(id.0),
            entity_version: Some(1),
            fields: ["user_id", "kind", "link", "params"].map(String::from).to_vec(),
            org: Some(OrgId(r.org_id)),
        };
        Ok(Notified { id, event })
    }

    /// The caller's own notifications, newest first: open ones, or all with `include_done`.
    pub async fn notifications(
        &self,
        caller: &Caller,
        include_done: bool,
        limit: i64,
        offset: i64,
    ) -> Result<NotificationPage> {
        let user = me(caller)?;
        let (limit, offset) = (limit.clamp(1, MAX_PAGE), offset.max(0));
        let rows = notifications::list(&self.db, user, include_done, limit, offset).await?;
        let total = notifications::count(&self.db, user, include_done).await?;
        Ok(NotificationPage { items: rows.into_iter().map(Into::into).collect(), total })
    }

    /// One of the caller's own notifications (anyone else's is not found).
    pub async fn notification(&self, caller: &Caller, id: NotificationId) -> Result<Notification> {
        Ok(notifications::get(&self.db, me(caller)?, id).await?.into())
    }

    /// Mark one of the caller's notifications done: it leaves the task list. Marking it
    /// again changes nothing.
    pub async fn notification_done(&self, caller: &Caller, id: NotificationId) -> Result<()> {
        let user = me(caller)?;
        let mut tx = self.db.begin().await?;
        let Some(version) = notifications::mark_done(&mut tx, user, id, self.clock.now()).await? else {
            return Ok(());
        };
        let ev = NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: "notification.done".into(),
            entity: "notification".into(),
            entity_id: Some(id.0),
            entity_version: Some(version),
            fields: vec!["done_at".into()],
            org: caller.org(),
        };
        self.finish(tx, &[ev]).await?;
        Ok(())
    }

    /// The caller's e-mail choice for every kind.
    pub async fn notification_preferences(&self, caller: &Caller) -> Result<Vec<MailPreference>> {
        let chosen = notifications::preferences(&self.db, me(caller)?).await?;
        Ok(NotificationKind::ALL
            .into_iter()
            .map(|kind| match chosen.iter().find(|(k, _)| k == kind.as_str()) {
                Some((_, email)) => MailPreference { kind, email: *email, chosen: true },
                None => MailPreference { kind, email: kind.default_email(), chosen: false },
            })
            .collect())
    }

    /// Record the caller's e-mail choices; kinds left out keep theirs. Turning e-mail off
    /// withdraws the e-mails of that kind still waiting. The audit event names the kinds
    /// that changed.
    pub async fn set_notification_preferences(
        &self,
        caller: &Caller,
        wanted: &[(NotificationKind, bool)],
    ) -> Result<Vec<MailPreference>> {
        let user = me(caller)?;
        let before = self.notification_preferences(caller).await?;
        let changes: Vec<(NotificationKind, bool)> = wanted
            .iter()
            .copied()
            .filter(|(k, email)| before.iter().any(|p| p.kind == *k && p.email != *email))
            .collect();
        if changes.is_empty() {
            return Ok(before);
        }
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        for (kind, email) in &changes {
            notifications::set_preference(&mut tx, user, kind.as_str(), *email, now).await?;
        }
        let ev = NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: "notification_preferences.update".into(),
            entity: "user".into(),
            entity_id: Some(user.0),
            entity_version: None,
            fields: changes.iter().map(|(k, _)| format!("email.{k}")).collect(),
            org: caller.org(),
        };
        self.finish(tx, &[ev]).await?;
        self.notification_preferences(caller).await
    }
}
