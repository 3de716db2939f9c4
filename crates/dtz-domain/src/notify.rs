//! Notifications: what a person is told, by task list and (if they want) by e-mail.
//!
//! A notification carries its kind, a link to a page of dtz and a few parameters that
//! are ids, counts or codes only. It never carries a child's name or any other case
//! content: an e-mail leaves dtz's protection, so it says "something needs you" and
//! links back to the page where access rules apply.

use crate::ids::id_type;
use crate::validate::Invalid;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use time::Duration;
use uuid::Uuid;

id_type!(
    /// A notification to one person.
    NotificationId
);

/// What happened. New kinds go at the end; each needs a default and its texts in
/// `locales/*/notifications.ftl` (`notify-kind-…`, `notify-text-…`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// A referral was addressed to the person's service.
    NewReferral,
    /// A referral the person follows passed its answer deadline.
    ReferralOverdue,
    /// A value the person reported was returned for correction.
    ValueReturned,
    /// Something waits for the person's approval.
    ApprovalPending,
    /// A deadline of the person's is near.
    DeadlineNear,
    /// An urgent signal was not picked up in time (to supervisors).
    SignalEscalated,
    /// A signal was assigned to the person.
    SignalAssigned,
    /// A case was assigned to the person.
    CaseAssigned,
    /// A case was sent to the person's organisation and waits to be accepted.
    CaseTransfer,
    /// A hearing or another dated protection step of a case is near.
    ProtectionStepDue,
    /// One user read an unusual number of cases (to administrators).
    UnusualCaseReads,
    /// A planned follow-up of a case the person works on or supervises is overdue.
    FollowUpOverdue,
    /// A field laptop's change to a case the person supervises conflicts with the hub's.
    SyncConflict,
}

impl NotificationKind {
    /// Every kind, in the order the preferences page lists them.
    pub const ALL: [NotificationKind; 13] = [
        NotificationKind::NewReferral,
        NotificationKind::ReferralOverdue,
        NotificationKind::ValueReturned,
        NotificationKind::ApprovalPending,
        NotificationKind::DeadlineNear,
        NotificationKind::SignalEscalated,
        NotificationKind::SignalAssigned,
        NotificationKind::CaseAssigned,
        NotificationKind::CaseTransfer,
        NotificationKind::ProtectionStepDue,
        NotificationKind::UnusualCaseReads,
        NotificationKind::FollowUpOverdue,
        NotificationKind::SyncConflict,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::NewReferral => "new_referral",
            NotificationKind::ReferralOverdue => "referral_overdue",
            NotificationKind::ValueReturned => "value_returned",
            NotificationKind::ApprovalPending => "approval_pending",
            NotificationKind::DeadlineNear => "deadline_near",
            NotificationKind::SignalEscalated => "signal_escalated",
            NotificationKind::SignalAssigned => "signal_assigned",
            NotificationKind::CaseAssigned => "case_assigned",
            NotificationKind::CaseTransfer => "case_transfer",
            NotificationKind::ProtectionStepDue => "protection_step_due",
            NotificationKind::UnusualCaseReads => "unusual_case_reads",
            NotificationKind::FollowUpOverdue => "follow_up_overdue",
            NotificationKind::SyncConflict => "sync_conflict",
        }
    }

    /// A kind from its name.
    pub fn parse(field: &str, s: &str) -> Result<Self, Invalid> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| Invalid::new(field, "Unknown notification kind."))
    }

    /// Whether a person gets e-mail for this kind until they choose otherwise. Approvals
    /// can come in bursts, so by default they wait in the task list.
    pub fn default_email(self) -> bool {
        !matches!(self, NotificationKind::ApprovalPending)
    }
}

impl fmt::Display for NotificationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A path within dtz (`/referrals/…`): no scheme, no host, no control characters, so a
/// notification can never send anyone elsewhere.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Link(String);

impl Link {
    /// Longest link accepted.
    pub const MAX: usize = 300;

    /// Check a local path.
    pub fn parse(field: &str, path: &str) -> Result<Self, Invalid> {
        let ok = path.starts_with('/')
            && !path.starts_with("//")
            && path.len() <= Self::MAX
            && !path.contains("://")
            && !path.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\');
        if ok { Ok(Self(path.to_owned())) } else { Err(Invalid::new(field, "A link must be a path within dtz.")) }
    }

    /// The path.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One parameter: an id, a count or a code — never free text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Param {
    /// A record id.
    Id(Uuid),
    /// A number of things.
    Count(i64),
    /// A machine code such as a case number or a status (`[A-Za-z0-9._-]`, at most 40).
    Code(String),
}

/// The few parameters of a notification, by name, stored as a JSON object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Params(BTreeMap<String, Param>);

impl Params {
    /// At most this many entries.
    pub const MAX_ENTRIES: usize = 8;
    /// Longest code.
    pub const MAX_CODE: usize = 40;

    /// No parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a record id.
    pub fn id(mut self, name: &str, id: Uuid) -> Self {
        self.0.insert(name.to_owned(), Param::Id(id));
        self
    }

    /// Add a count.
    pub fn count(mut self, name: &str, n: i64) -> Self {
        self.0.insert(name.to_owned(), Param::Count(n));
        self
    }

    /// Add a code (see [`Param::Code`]).
    pub fn code(mut self, name: &str, code: &str) -> Self {
        self.0.insert(name.to_owned(), Param::Code(code.to_owned()));
        self
    }

    /// The entries.
    pub fn entries(&self) -> &BTreeMap<String, Param> {
        &self.0
    }

    /// Check the shape: few entries, short snake_case names, codes without spaces, so
    /// that no name or sentence can travel in a notification.
    pub fn check(&self, field: &str) -> Result<(), Invalid> {
        let name_ok = |k: &str| {
            k.len() <= 32
                && k.starts_with(|c: char| c.is_ascii_lowercase())
                && k.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        };
        let code_ok = |c: &str| {
            !c.is_empty()
                && c.len() <= Self::MAX_CODE
                && c.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        };
        if self.0.len() > Self::MAX_ENTRIES {
            return Err(Invalid::new(field, "Too many parameters."));
        }
        for (k, v) in &self.0 {
            if !name_ok(k) || matches!(v, Param::Code(c) if !code_ok(c)) {
                return Err(Invalid::new(field, "Parameters are ids, counts or codes only."));
            }
        }
        Ok(())
    }

    /// As stored: a JSON object.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "{}".into())
    }

    /// From storage; anything unreadable reads as no parameters.
    pub fn from_json(s: &str) -> Self {
        serde_json::from_str(s).unwrap_or_default()
    }
}

/// Where the e-mail of a notification stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailState {
    /// To be sent (now or at the next attempt).
    Pending,
    /// Handed to the SMTP server.
    Sent,
    /// Given up: refused for good, too many attempts, or too old.
    Failed,
    /// The person does not want e-mail for this kind (or cannot get any).
    NotWanted,
}

impl MailState {
    /// Every state.
    pub const ALL: [MailState; 4] = [MailState::Pending, MailState::Sent, MailState::Failed, MailState::NotWanted];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Pending => "pending",
            MailState::Sent => "sent",
            MailState::Failed => "failed",
            MailState::NotWanted => "not_wanted",
        }
    }

    /// A state from its stored name (unknown names read as failed).
    pub fn from_stored(s: &str) -> Self {
        Self::ALL.into_iter().find(|m| m.as_str() == s).unwrap_or(MailState::Failed)
    }
}

/// How e-mail delivery retries: a temporary failure waits longer each time, and after
/// [`MailPolicy::max_attempts`] attempts the e-mail is given up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailPolicy {
    /// Waits after the 1st, 2nd, … failed attempt; the last one repeats.
    pub backoff: Vec<Duration>,
    /// Attempts in all, the first included.
    pub max_attempts: i64,
    /// A claimed e-mail whose sender vanished (a crash mid-send) is tried again after this.
    pub lease: Duration,
    /// An e-mail still unsent this long after its notification is given up: news of
    /// yesterday belongs in the task list, not in the inbox.
    pub expiry: Duration,
}

impl Default for MailPolicy {
    fn default() -> Self {
        Self {
            backoff: vec![Duration::minutes(1), Duration::minutes(5), Duration::minutes(15), Duration::hours(1)],
            max_attempts: 6,
            lease: Duration::minutes(10),
            expiry: Duration::hours(24),
        }
    }
}

impl MailPolicy {
    /// After `attempts` attempts that failed temporarily: how long to wait before the
    /// next one, or `None` to give up.
    pub fn retry_after(&self, attempts: i64) -> Option<Duration> {
        if attempts >= self.max_attempts || attempts < 1 {
            return None;
        }
        let i = usize::try_from(attempts - 1).unwrap_or(usize::MAX);
        self.backoff.get(i).or(self.backoff.last()).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_have_defaults() {
        for k in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse("kind", k.as_str()), Ok(k));
            assert_eq!(serde_json::to_value(k).ok(), Some(serde_json::Value::String(k.as_str().into())));
        }
        assert!(NotificationKind::NewReferral.default_email());
        assert!(!NotificationKind::ApprovalPending.default_email());
        assert!(NotificationKind::parse("kind", "new referral").is_err());
    }

    #[test]
    fn links_stay_within_dtz() {
        assert!(Link::parse("link", "/referrals/5f0c?tab=notes").is_ok());
        for bad in ["https://evil.org", "//evil.org", "/\\evil.org", "referrals", "/a b", "/x\n", ""] {
            assert!(Link::parse("link", bad).is_err(), "{bad}");
        }
        assert!(Link::parse("link", &format!("/{}", "a".repeat(Link::MAX))).is_err());
    }

    #[test]
    fn params_carry_ids_counts_and_codes_only() {
        let p = Params::new().id("referral", Uuid::nil()).count("days", 3).code("case", "BO-LPZ-0042");
        assert!(p.check("params").is_ok());
        assert_eq!(Params::from_json(&p.to_json()), p);
        assert!(Params::new().code("child", "Maria Lopez").check("params").is_err(), "spaces are not codes");
        assert!(Params::new().code("note", &"x".repeat(41)).check("params").is_err());
        assert!(Params::new().count("Bad Name", 1).check("params").is_err());
        let many = (0..9).fold(Params::new(), |p, i| p.count(&format!("n{i}"), i));
        assert!(many.check("params").is_err());
        assert_eq!(Params::from_json("not json"), Params::new());
    }

    #[test]
    fn retries_back_off_and_stop() {
        let p = MailPolicy::default();
        let waits: Vec<_> = (1..=p.max_attempts).map(|a| p.retry_after(a)).collect();
        assert_eq!(waits[0], Some(Duration::minutes(1)));
        assert!(waits.windows(2).all(|w| match (w[0], w[1]) {
            (Some(a), Some(b)) => b >= a,
            (_, None) => true,
            (None, Some(_)) => false,
        }));
        assert_eq!(p.retry_after(p.max_attempts), None);
        let total: Duration = waits.iter().flatten().copied().sum();
        assert!(total < p.expiry, "every retry happens before the e-mail expires");
        assert_eq!(MailState::from_stored("not_wanted"), MailState::NotWanted);
    }
}
