//! The wire rows of cases going down to a node: each is read on the hub with `FromRow`
//! and sent as JSON (sealed bytes in hex), then written as it is on the node.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_some(&hex::encode(b)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?.map(|t| hex::decode(t).map_err(serde::de::Error::custom)).transpose()
    }
}

/// A case's header as it goes down: what a caseworker needs in the field. The profile is
/// the sealed bytes as stored; `key` is the case's data key wrapped for the device.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CaseDown {
    /// Id (the same on every site).
    pub id: Uuid,
    /// Case number.
    pub number: String,
    /// Country.
    pub country: String,
    /// Owning organisation.
    pub org_id: Uuid,
    /// Team.
    pub team_id: Option<Uuid>,
    /// Caseworker.
    pub caseworker_id: Option<Uuid>,
    /// `CaseStatus`.
    pub status: String,
    /// Risk.
    pub risk: Option<String>,
    /// Sex.
    pub sex: Option<String>,
    /// Year of birth.
    pub birth_year: Option<i64>,
    /// Estimated from an age.
    pub birth_year_estimated: bool,
    /// Languages.
    pub languages: String,
    /// Consent to services.
    pub consent_services: Option<String>,
    /// Consent to sharing.
    pub consent_sharing: Option<String>,
    /// Consent to statistics.
    pub consent_statistics: Option<String>,
    /// Consent pending after an emergency.
    pub consent_flagged: bool,
    /// Sealed profile, as stored.
    #[serde(with = "hex_bytes")]
    pub profile: Option<Vec<u8>>,
    /// Version on the hub.
    pub version: i64,
    /// Opened.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The data key, wrapped under the hub's escrow key for the device (label `escrow`).
    #[sqlx(skip)]
    #[serde(with = "hex_bytes")]
    pub key: Option<Vec<u8>>,
    /// Notes (append-only; corrections point at what they amend).
    #[sqlx(skip)]
    pub notes: Vec<NoteDown>,
    /// Referrals with their state.
    #[sqlx(skip)]
    pub referrals: Vec<ReferralDown>,
    /// Follow-ups.
    #[sqlx(skip)]
    pub follow_ups: Vec<FollowUpDown>,
    /// Notes of the follow-ups.
    #[sqlx(skip)]
    pub follow_up_notes: Vec<FollowUpNoteDown>,
}

/// A case note.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct NoteDown {
    /// Id.
    pub id: Uuid,
    /// The note it corrects.
    pub amends_id: Option<Uuid>,
    /// Sealed text.
    #[serde(with = "hex_bytes")]
    pub body: Option<Vec<u8>>,
    /// Author.
    pub author_id: Option<Uuid>,
    /// Written.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A referral and its state (its step history stays on the hub).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ReferralDown {
    /// Id.
    pub id: Uuid,
    /// Provider.
    pub provider_id: Uuid,
    /// Service.
    pub service_id: Uuid,
    /// Provider's organisation.
    pub provider_org_id: Option<Uuid>,
    /// Service type.
    pub service_type: String,
    /// Country.
    pub country: String,
    /// Urgency.
    pub urgency: String,
    /// Sent before consent.
    pub emergency: bool,
    /// `ReferralStatus`.
    pub status: String,
    /// Follows on from.
    pub onward_from: Option<Uuid>,
    /// Sealed details.
    #[serde(with = "hex_bytes")]
    pub details: Option<Vec<u8>>,
    /// Answer due.
    #[serde(with = "time::serde::rfc3339")]
    pub respond_by: OffsetDateTime,
    /// Answered.
    #[serde(with = "time::serde::rfc3339::option")]
    pub answered_at: Option<OffsetDateTime>,
    /// Service started.
    #[serde(with = "time::serde::rfc3339::option")]
    pub first_service_at: Option<OffsetDateTime>,
    /// Ended.
    #[serde(with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
    /// Who sent it.
    pub sent_by: Option<Uuid>,
    /// Version on the hub.
    pub version: i64,
    /// Sent.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A follow-up.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct FollowUpDown {
    /// Id.
    pub id: Uuid,
    /// The referral it follows.
    pub referral_id: Option<Uuid>,
    /// Kind.
    pub kind: String,
    /// Status.
    pub status: String,
    /// Planned for.
    pub planned_date: time::Date,
    /// Done on.
    pub done_date: Option<time::Date>,
    /// Progress code.
    pub progress: Option<String>,
    /// Who planned it.
    pub created_by: Option<Uuid>,
    /// Version on the hub.
    pub version: i64,
    /// Planned at.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A note of a follow-up.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct FollowUpNoteDown {
    /// Id.
    pub id: Uuid,
    /// Follow-up.
    pub follow_up_id: Uuid,
    /// The note it corrects.
    pub amends_id: Option<Uuid>,
    /// Sealed text.
    #[serde(with = "hex_bytes")]
    pub body: Option<Vec<u8>>,
    /// Author.
    pub author_id: Option<Uuid>,
    /// Written.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A member of staff the sent rows name (caseworker, authors): id, organisation, name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct PersonDown {
    /// User id.
    pub id: Uuid,
    /// Organisation.
    pub org_id: Uuid,
    /// Name.
    pub name: String,
}

/// A team the sent cases name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct TeamDown {
    /// Id.
    pub id: Uuid,
    /// Organisation.
    pub org_id: Uuid,
    /// Country.
    pub country: Option<String>,
    /// Name.
    pub name: String,
}

/// A provider's service the sent referrals name: the provider's name and the service type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ServiceDown {
    /// Service id.
    pub id: Uuid,
    /// Provider id.
    pub provider_id: Uuid,
    /// Provider's organisation.
    pub org_id: Option<Uuid>,
    /// Provider's name.
    pub name: String,
    /// Provider's country.
    pub country: String,
    /// Service type.
    pub service_type: String,
}
