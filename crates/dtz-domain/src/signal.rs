//! Signals: reports of suspected sexual exploitation of children, from the public page
//! or entered by staff (DESIGN §4, §5).
//!
//! What a reporter wrote is personal data and is only ever stored encrypted: [`Report`]
//! is the plaintext shape, sealed whole. The columns a list filters on (country,
//! organisation, channel, status, category, urgency, assignee) are plaintext.

pub mod triage;

use crate::ids::id_type;
use crate::validate::{self, Invalid, Violations};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

id_type!(
    /// A signal.
    SignalId,
    /// A message between staff and the reporter of a signal.
    SignalMessageId,
);

/// How a signal came in. Only the public page exists yet; staff intake adds the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The public reporting page.
    PublicWeb,
    /// A phone hotline, entered by staff.
    Hotline,
    /// Someone came to an office.
    WalkIn,
    /// Outreach workers in the field.
    Outreach,
    /// Passed on by a partner.
    PartnerReferral,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 5] =
        [Channel::PublicWeb, Channel::Hotline, Channel::WalkIn, Channel::Outreach, Channel::PartnerReferral];

    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::PublicWeb => "public_web",
            Channel::Hotline => "hotline",
            Channel::WalkIn => "walk_in",
            Channel::Outreach => "outreach",
            Channel::PartnerReferral => "partner_referral",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Where a signal stands for staff. Triage adds its steps between `New` and `Closed`;
/// what a reporter sees is only [`SignalStatus::public`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalStatus {
    /// Received, nobody has looked at it yet.
    New,
    /// Read and sorted (category, urgency, who handles it).
    Triaged,
    /// Being acted on: a case, a referral, a report to the police.
    InProgress,
    /// Finished.
    Closed,
}

impl SignalStatus {
    /// Every status.
    pub const ALL: [SignalStatus; 4] =
        [SignalStatus::New, SignalStatus::Triaged, SignalStatus::InProgress, SignalStatus::Closed];

    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SignalStatus::New => "new",
            SignalStatus::Triaged => "triaged",
            SignalStatus::InProgress => "in_progress",
            SignalStatus::Closed => "closed",
        }
    }

    /// From the stored name; an unknown name reads as `Triaged`, which shows a reporter
    /// nothing more than "being looked at".
    pub fn parse(s: &str) -> Self {
        Self::ALL.into_iter().find(|c| c.as_str() == s).unwrap_or(SignalStatus::Triaged)
    }

    /// The generic status a reporter sees: it says nothing about categories, cases or
    /// who handles the signal.
    pub fn public(self) -> PublicStatus {
        match self {
            SignalStatus::New => PublicStatus::Received,
            SignalStatus::Triaged | SignalStatus::InProgress => PublicStatus::BeingLookedAt,
            SignalStatus::Closed => PublicStatus::Closed,
        }
    }
}

/// The status a reporter sees with a receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublicStatus {
    /// We have the report.
    Received,
    /// Someone is looking at it.
    BeingLookedAt,
    /// We finished.
    Closed,
}

impl PublicStatus {
    /// Name (used in Fluent keys: `report-status-…`).
    pub fn as_str(self) -> &'static str {
        match self {
            PublicStatus::Received => "received",
            PublicStatus::BeingLookedAt => "looking",
            PublicStatus::Closed => "closed",
        }
    }
}

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The reporter added information.
    ToStaff,
    /// Staff wrote to whoever holds the receipt.
    ToReporter,
}

impl Direction {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::ToStaff => "to_staff",
            Direction::ToReporter => "to_reporter",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Direction::ToStaff, Direction::ToReporter].into_iter().find(|d| d.as_str() == s)
    }
}

/// Whether it is safe to call the reporter back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SafeToCall {
    /// Yes.
    Yes,
    /// No: do not call.
    No,
    /// The reporter does not know.
    NotSure,
}

impl SafeToCall {
    /// Form value and name in Fluent keys.
    pub fn as_str(self) -> &'static str {
        match self {
            SafeToCall::Yes => "yes",
            SafeToCall::No => "no",
            SafeToCall::NotSure => "not_sure",
        }
    }

    fn parse(field: &str, s: &str) -> Result<Option<Self>, Invalid> {
        match s.trim() {
            "" => Ok(None),
            "yes" => Ok(Some(SafeToCall::Yes)),
            "no" => Ok(Some(SafeToCall::No)),
            "not_sure" => Ok(Some(SafeToCall::NotSure)),
            _ => Err(Invalid::new(field, "Choose one of the answers.")),
        }
    }
}

/// How the reporter may be contacted, if at all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// A phone number, an e-mail address, an account: whatever the reporter gave.
    pub how: String,
    /// Whether calling is safe.
    pub safe_to_call: Option<SafeToCall>,
    /// When to call or write.
    pub when: Option<String>,
    /// Who might answer.
    pub who_answers: Option<String>,
}

/// What a reporter told: the plaintext that is sealed into a signal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// What happened.
    pub what: String,
    /// Where: a place, an app, an online account.
    #[serde(rename = "where")]
    pub place: Option<String>,
    /// When.
    pub when: Option<String>,
    /// Who is at risk.
    pub at_risk: Option<String>,
    /// How to reach the reporter (none: anonymous, no contact).
    pub contact: Option<Contact>,
    /// Language of the page the reporter used.
    pub language: String,
}

/// Longest answer to "what happened" (characters).
pub const WHAT_MAX: usize = 4000;
/// Longest answer to the other long questions.
pub const LONG_MAX: usize = 1000;
/// Longest short answer.
pub const SHORT_MAX: usize = 200;
/// Longest message a reporter adds later.
pub const MESSAGE_MAX: usize = 4000;

/// The public form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportInput {
    /// What happened.
    #[serde(default)]
    pub what: String,
    /// Where.
    #[serde(default, rename = "where")]
    pub place: String,
    /// When.
    #[serde(default)]
    pub when: String,
    /// Who is at risk.
    #[serde(default)]
    pub at_risk: String,
    /// How to reach the reporter.
    #[serde(default)]
    pub contact: String,
    /// yes / no / not_sure / empty.
    #[serde(default)]
    pub safe_to_call: String,
    /// When to call.
    #[serde(default)]
    pub contact_when: String,
    /// Who might answer.
    #[serde(default)]
    pub contact_who: String,
}

impl Report {
    /// Check what was typed: "what happened" is needed, everything else is optional;
    /// every problem is listed at once.
    pub fn parse(i: &ReportInput, language: &str) -> Result<Self, Violations> {
        let mut v = Violations::default();
        let what = v.check(validate::text("what", &i.what, WHAT_MAX).map_err(|e| {
            if i.what.trim().is_empty() { Invalid::new("what", "Tell us what happened, in your own words.") } else { e }
        }));
        let place = v.check(validate::optional_text("where", &i.place, LONG_MAX));
        let when = v.check(validate::optional_text("when", &i.when, SHORT_MAX));
        let at_risk = v.check(validate::optional_text("at_risk", &i.at_risk, LONG_MAX));
        let how = v.check(validate::optional_text("contact", &i.contact, SHORT_MAX));
        let safe = v.check(SafeToCall::parse("safe_to_call", &i.safe_to_call));
        let contact_when = v.check(validate::optional_text("contact_when", &i.contact_when, SHORT_MAX));
        let contact_who = v.check(validate::optional_text("contact_who", &i.contact_who, SHORT_MAX));
        v.clone().into_result()?;
        let (Some(what), Some(place), Some(when), Some(at_risk), Some(how), Some(safe), Some(cw), Some(who)) =
            (what, place, when, at_risk, how, safe, contact_when, contact_who)
        else {
            return Err(v);
        };
        let contact = how.map(|how| Contact { how, safe_to_call: safe, when: cw, who_answers: who });
        Ok(Self { what, place, when, at_risk, contact, language: language.to_owned() })
    }
}

/// What a message says. Staff write to reporters only from templates (a reporter's
/// receipt may be in the hands of the exploiter); reporters write text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MessageBody {
    /// One of [`REPLY_TEMPLATES`], shown in the reader's language.
    Template {
        /// Template code.
        code: String,
    },
    /// Free text.
    Text {
        /// The text.
        text: String,
    },
}

/// The messages staff may send to a reporter (Fluent: `signal-reply-…`). Each says
/// nothing about the child, the case or who handles it.
pub const REPLY_TEMPLATES: &[&str] =
    &["thanks", "looking", "more_info", "contact_soon", "passed_on", "call_helpline", "closed"];

/// Check a template code.
pub fn reply_template(field: &str, code: &str) -> Result<&'static str, Invalid> {
    REPLY_TEMPLATES
        .iter()
        .find(|t| **t == code.trim())
        .copied()
        .ok_or_else(|| Invalid::new(field, "Choose one of the messages."))
}

/// A message a reporter adds later.
pub fn reporter_message(field: &str, text: &str) -> Result<String, Invalid> {
    if text.trim().is_empty() {
        return Err(Invalid::new(field, "Write what you want to add."));
    }
    validate::text(field, text, MESSAGE_MAX)
}

/// Whether a text holds something that looks like a web address. Staff see such text
/// as plain text with the hotline procedure: never open it.
pub fn contains_link(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    ["http://", "https://", "www.", "ftp://", "://", ".onion"].iter().any(|p| t.contains(p))
        || t.split_whitespace().any(|w| {
            let w = w.trim_matches(|c: char| !c.is_ascii_alphanumeric());
            let mut parts = w.split('.');
            let (Some(host), Some(tld)) = (parts.next(), w.rsplit('.').next()) else { return false };
            w.contains('.')
                && !host.is_empty()
                && (w.contains('/') || ["com", "net", "org", "io", "me", "ly", "co", "app"].contains(&tld))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_happened_is_needed() {
        let r = Report::parse(
            &ReportInput { what: " A man asks children for photos. ".into(), ..Default::default() },
            "es",
        );
        let r = r.unwrap_or_default();
        assert_eq!(r.what, "A man asks children for photos.");
        assert_eq!((r.place, r.contact, r.language.as_str()), (None, None, "es"));
        let e = Report::parse(&ReportInput::default(), "en").err().unwrap_or_default();
        assert_eq!(e.0[0].field, "what");
        let long = ReportInput {
            what: "x".repeat(WHAT_MAX + 1),
            safe_to_call: "maybe".into(),
            when: "y".repeat(SHORT_MAX + 1),
            ..Default::default()
        };
        let fields: Vec<String> =
            Report::parse(&long, "en").err().unwrap_or_default().0.into_iter().map(|i| i.field).collect();
        assert_eq!(fields, ["what", "when", "safe_to_call"]);
    }

    #[test]
    fn contact_answers_travel_together() {
        let i = ReportInput {
            what: "w".into(),
            contact: "+591 700 000".into(),
            safe_to_call: "no".into(),
            contact_when: "after 6 pm".into(),
            contact_who: "my aunt".into(),
            ..Default::default()
        };
        let c = Report::parse(&i, "en").unwrap_or_default().contact.unwrap_or_default();
        assert_eq!(c.safe_to_call, Some(SafeToCall::No));
        assert_eq!(c.who_answers.as_deref(), Some("my aunt"));
    }

    #[test]
    fn reporters_see_a_generic_status() {
        assert_eq!(SignalStatus::New.public(), PublicStatus::Received);
        assert_eq!(SignalStatus::InProgress.public(), PublicStatus::BeingLookedAt);
        assert_eq!(SignalStatus::parse("something_new").public(), PublicStatus::BeingLookedAt);
        for s in SignalStatus::ALL {
            assert_eq!(SignalStatus::parse(s.as_str()), s);
        }
    }

    #[test]
    fn links_are_recognised() {
        for t in ["see http://x.example/a", "WWW.EXAMPLE.ORG", "t.me/somebody", "go to bad.com now", "x.onion"] {
            assert!(contains_link(t), "{t}");
        }
        for t in ["in the park near the market.", "on Instagram, account @someone", "3.5 km away", "e.g. the bus"] {
            assert!(!contains_link(t), "{t}");
        }
    }
}
