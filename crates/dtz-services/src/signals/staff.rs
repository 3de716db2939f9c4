//! The staff side of signals until triage lands: the intake inbox (case supervisors and
//! caseworkers of the receiving organisation, `Area::Signals`), reading one signal —
//! every read audited with ids and field names, never contents — and writing to the
//! reporter from templates.

use super::open_body;
use crate::{Caller, Result, Services};
use dtz_domain::access::Area;
use dtz_domain::ids::OrgId;
use dtz_domain::signal::triage::{CloseReason, ReporterType, Urgency};
use dtz_domain::signal::{self, Channel, Direction, MessageBody, Report, SignalStatus};
use dtz_store::audit::NewEvent;
use dtz_store::signals::triage::SignalFilter;
use dtz_store::signals::{self, SignalRow};
use time::OffsetDateTime;
use uuid::Uuid;

/// A signal as the inbox lists it: nothing sealed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalSummary {
    /// Id.
    pub id: Uuid,
    /// Country code.
    pub country: String,
    /// Status.
    pub status: SignalStatus,
    /// Channel.
    pub channel: Option<Channel>,
    /// Received.
    pub created_at: OffsetDateTime,
    /// Last activity (a message).
    pub updated_at: OffsetDateTime,
    /// Receiving organisation.
    pub org: OrgId,
    /// Who reported (staff intake).
    pub reporter_type: Option<ReporterType>,
    /// Category code (vocabulary `signal_category`).
    pub category: Option<String>,
    /// Urgency.
    pub urgency: Option<Urgency>,
    /// Team handling it.
    pub team: Option<Uuid>,
    /// Person handling it.
    pub assignee: Option<Uuid>,
    /// When someone took it on.
    pub picked_up_at: Option<OffsetDateTime>,
    /// When supervisors were told nobody picked it up.
    pub escalated_at: Option<OffsetDateTime>,
    /// Why it was closed.
    pub close_reason: Option<CloseReason>,
    /// The signal it duplicates.
    pub duplicate_of: Option<Uuid>,
    /// The case opened from it.
    pub case_id: Option<Uuid>,
    /// Row version.
    pub version: i64,
}

impl From<&SignalRow> for SignalSummary {
    fn from(r: &SignalRow) -> Self {
        Self {
            id: r.id,
            country: r.country.clone(),
            status: SignalStatus::parse(&r.status),
            channel: Channel::parse(&r.channel),
            created_at: r.created_at,
            updated_at: r.updated_at,
            org: OrgId(r.org_id),
            reporter_type: r.reporter_type.as_deref().and_then(ReporterType::from_code),
            category: r.category.clone(),
            urgency: r.urgency.as_deref().and_then(Urgency::from_code),
            team: r.team_id,
            assignee: r.assignee_id,
            picked_up_at: r.picked_up_at,
            escalated_at: r.escalated_at,
            close_reason: r.close_reason.as_deref().and_then(CloseReason::from_code),
            duplicate_of: r.duplicate_of,
            case_id: r.case_id,
            version: r.version,
        }
    }
}

/// A message of a signal, opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalMessage {
    /// Who wrote to whom.
    pub direction: Direction,
    /// What it says.
    pub body: MessageBody,
    /// Staff author.
    pub author: Option<Uuid>,
    /// Written.
    pub at: OffsetDateTime,
    /// The text holds something like a web address.
    pub has_link: bool,
}

/// One signal, opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalDetail {
    /// The plaintext columns.
    pub summary: SignalSummary,
    /// What was reported (none once erased).
    pub report: Option<Report>,
    /// Messages, oldest first.
    pub messages: Vec<SignalMessage>,
    /// The report holds something like a web address: show the hotline procedure.
    pub has_link: bool,
    /// Row version.
    pub version: i64,
}

fn report_has_link(r: &Report) -> bool {
    [Some(&r.what), r.place.as_ref(), r.when.as_ref(), r.at_risk.as_ref()]
        .into_iter()
        .flatten()
        .chain(r.contact.iter().map(|c| &c.how))
        .any(|t| signal::contains_link(t))
}

fn read_event(caller: &Caller, action: &str, entity: &str, id: Uuid, fields: &[&str], org: Uuid) -> NewEvent {
    NewEvent {
        actor_user: caller.user(),
        actor_org: caller.org(),
        action: action.into(),
        entity: entity.into(),
        entity_id: Some(id),
        entity_version: None,
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        org: Some(OrgId(org)),
    }
}

impl Services {
    /// A page of the signals the caller may see that pass `f`, newest first, and how
    /// many there are.
    pub async fn signals(
        &self,
        caller: &Caller,
        f: &SignalFilter,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<SignalSummary>, i64)> {
        let scope = caller.scope(Area::Signals);
        let rows = signals::list(&self.db, &scope, f, limit, offset).await?;
        let total = signals::count(&self.db, &scope, f).await?;
        Ok((rows.iter().map(SignalSummary::from).collect(), total))
    }

    /// One signal, opened; the read is audited (ids and field names only).
    pub async fn signal(&self, caller: &Caller, id: Uuid) -> Result<SignalDetail> {
        let row = signals::get(&self.db, &caller.scope(Area::Signals), id).await?;
        let summary = SignalSummary::from(&row);
        let (Some(wrapped), Some(content)) = (&row.data_key, &row.content) else {
            return Ok(SignalDetail {
                summary,
                report: None,
                messages: Vec::new(),
                has_link: false,
                version: row.version,
            });
        };
        let key = self.signal_key(OrgId(row.org_id), row.id, Some(wrapped)).await?;
        let report: Report = key.open_json("content", content)?;
        let mut messages = Vec::new();
        for m in signals::messages(&self.db, row.id).await? {
            if let (Some(body), Some(direction)) = (open_body(&key, &m)?, Direction::parse(&m.direction)) {
                let has_link = matches!(&body, MessageBody::Text { text } if signal::contains_link(text));
                messages.push(SignalMessage { direction, body, author: m.author_id, at: m.created_at, has_link });
            }
        }
        let has_link = report_has_link(&report) || messages.iter().any(|m| m.has_link);
        let tx = self.db.begin().await?;
        let event = read_event(caller, "signal.read", "signal", row.id, &["content", "messages"], row.org_id);
        self.finish(tx, &[event]).await?;
        Ok(SignalDetail { summary, report: Some(report), messages, has_link, version: row.version })
    }

    /// Write to whoever holds the signal's receipt, from a template. Signals entered by
    /// staff have no receipt, so nobody could read it.
    pub async fn reply_to_reporter(&self, caller: &Caller, id: Uuid, template: &str) -> Result<()> {
        let code = signal::reply_template("template", template)?;
        let row = signals::get(&self.db, &caller.scope(Area::Signals), id).await?;
        if Channel::parse(&row.channel) != Some(Channel::PublicWeb) {
            return Err(dtz_domain::validate::Invalid::new(
                "template",
                "This signal has no receipt: nobody can read a reply.",
            )
            .into());
        }
        let key = self.signal_key(OrgId(row.org_id), row.id, row.data_key.as_deref()).await?;
        let body = MessageBody::Template { code: code.to_owned() };
        let message = self.sealed_message(&key, row.id, Direction::ToReporter, caller.user().map(|u| u.0), &body)?;
        let mut tx = self.db.begin().await?;
        signals::insert_message(&mut tx, &message).await?;
        signals::touch(&mut tx, row.id, message.created_at).await?;
        let event =
            read_event(caller, "signal.reply", "signal_message", message.id, &["body", "direction"], row.org_id);
        self.finish(tx, &[event]).await?;
        Ok(())
    }
}
