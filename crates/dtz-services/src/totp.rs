//! The second factor: enrolment with recovery codes, the code asked at sign-in, turning
//! it off with a current code, and an administrator's reset. Every code is checked in
//! the transaction that acts on it, with the user's TOTP row locked, so a code is
//! accepted once (replay protection) and wrong codes are counted without races.

pub mod codes;
pub mod policy;

use crate::auth::{NewSession, SecondFactor, Session, digest, random_secret};
use crate::{Caller, Result, ServiceError, Services};
use codes::StepMatch;
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::validate::Invalid;
use dtz_store::audit::NewEvent;
use dtz_store::totp::{self, TotpRow};
use dtz_store::users::UserRow;
use dtz_store::{StoreError, Tx, sessions};

/// Why a second-factor step was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The code is not right.
    Wrong,
    /// The code was right but is used already; wait for the next one.
    Replayed,
    /// Too many wrong codes: wait until the window ends.
    Locked,
    /// The user's roles require a second factor, so it cannot be turned off.
    Required,
}

/// What a second-factor use case can answer instead of success.
#[derive(Debug, thiserror::Error)]
pub enum TotpError {
    /// The code (or the step) was refused.
    #[error("second factor refused: {0:?}")]
    Refused(Refusal),
    /// Anything else.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<StoreError> for TotpError {
    fn from(e: StoreError) -> Self {
        TotpError::Service(e.into())
    }
}

/// A secret being enrolled, to show once: as text and as an `otpauth://` URI.
#[derive(Clone)]
pub struct Enrolment {
    /// The secret in base32 (what people type into an app).
    pub secret: String,
    /// The `otpauth://totp/…` URI (what the QR code holds).
    pub uri: String,
}

impl std::fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Enrolment(…)")
    }
}

/// The second factor of a user, as the account page shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TotpStatus {
    /// Enrolment is confirmed.
    pub enabled: bool,
    /// Unused recovery codes.
    pub codes_left: i64,
}

/// What the check of a code needs to accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Confirm a pending enrolment (an app code only).
    Enrol,
    /// Sign in (an app code or a recovery code).
    SignIn,
    /// Confirm a change to an enabled second factor (an app code only).
    Confirm,
}

fn event(actor: &Caller, action: &str, user: &UserRow, version: Option<i64>, fields: &[&str]) -> NewEvent {
    NewEvent {
        actor_user: actor.user(),
        actor_org: actor.org(),
        action: action.into(),
        entity: "user_totp".into(),
        entity_id: Some(user.id),
        entity_version: version,
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        org: Some(OrgId(user.org_id)),
    }
}

fn own(s: &Session) -> Caller {
    Caller::User(s.actor.clone())
}

impl Services {
    /// Whether a user has a confirmed second factor, and how many recovery codes are left.
    pub async fn totp_status(&self, user: UserId) -> Result<TotpStatus> {
        let enabled = totp::get(&self.db, user).await?.is_some_and(|t| t.enabled_at.is_some());
        let codes_left = if enabled { totp::codes_left(&self.db, user).await? } else { 0 };
        Ok(TotpStatus { enabled, codes_left })
    }

    /// Refuse an API token to a user whose roles require a second factor it has not set up.
    pub(crate) async fn check_token_second_factor(&self, target: &UserRow) -> Result<()> {
        let enabled = self.totp_status(UserId(target.id)).await?.enabled;
        if !enabled && self.totp_required(&self.actor(target).await?).await? {
            return Err(Invalid::new(
                "user",
                "The user's roles require a second factor (TOTP): set it up on the account page first.",
            )
            .into());
        }
        Ok(())
    }

    /// The secret being enrolled: the pending one, or a new one (stored sealed, audited).
    pub async fn start_totp(&self, session: &Session) -> Result<Enrolment> {
        let user = &session.user;
        let id = UserId(user.id);
        let row = match totp::get(&self.db, id).await? {
            Some(r) if r.enabled_at.is_some() => {
                return Err(Invalid::new("code", "The second factor is already on.").into());
            }
            Some(r) => r,
            None => {
                let mut secret = [0u8; codes::SECRET_BYTES];
                dtz_store::crypto::random(&mut secret)?;
                let sealed = totp::seal_secret(&self.db, &self.keys, OrgId(user.org_id), id, &secret).await?;
                let mut tx = self.db.begin().await?;
                match totp::insert_pending(&mut tx, id, &sealed, self.clock.now()).await {
                    // Another request of the same person started it a moment ago: use that one.
                    Err(StoreError::Duplicate(_)) => drop(tx),
                    Err(e) => return Err(e.into()),
                    Ok(()) => {
                        self.finish(tx, &[event(&own(session), "totp.enrol", user, Some(1), &["secret"])]).await?;
                    }
                }
                totp::get(&self.db, id).await?.ok_or(ServiceError::NotFound)?
            }
        };
        let secret = totp::open_secret(&self.db, &self.keys, OrgId(user.org_id), id, &row.secret).await?;
        let t = codes::totp(&secret, &user.email).map_err(|e| StoreError::Crypto(format!("totp: {e:?}")))?;
        let uri = t.to_url().map_err(|e| StoreError::Crypto(format!("totp uri: {e:?}")))?;
        Ok(Enrolment { secret: t.secret().to_base32(), uri })
    }

    /// Confirm enrolment with a code from the app. Returns the recovery codes (shown once)
    /// and the session under its new id, marked as having passed the second factor.
    pub async fn enable_totp(&self, session: &Session, code: &str) -> Result<(Vec<String>, NewSession), TotpError> {
        let (mut tx, row) = self.prove(session, code, Mode::Enrol).await?;
        let codes = self.replace_codes(&mut tx, UserId(session.user.id)).await?;
        let new = self.upgrade_session(&mut tx, session).await?;
        let fields = ["enabled_at", "last_step", "recovery_codes"];
        self.finish(tx, &[event(&own(session), "totp.enable", &session.user, Some(row.version + 1), &fields)]).await?;
        Ok((codes, new))
    }

    /// Give the second factor at sign-in: a code from the app or a recovery code. Returns
    /// the session under its new id, now complete.
    pub async fn pass_second_factor(&self, session: &Session, code: &str) -> Result<NewSession, TotpError> {
        let (mut tx, row) = self.prove(session, code, Mode::SignIn).await?;
        let new = self.upgrade_session(&mut tx, session).await?;
        let ev = event(&own(session), "session.second_factor", &session.user, Some(row.version + 1), &[]);
        self.finish(tx, &[ev]).await?;
        Ok(new)
    }

    /// Turn the second factor off, with a current code; refused while the user's roles
    /// require it.
    pub async fn disable_totp(&self, session: &Session, code: &str) -> Result<(), TotpError> {
        if self.totp_required(&session.actor).await? {
            return Err(TotpError::Refused(Refusal::Required));
        }
        let (mut tx, row) = self.prove(session, code, Mode::Confirm).await?;
        totp::delete(&mut tx, UserId(session.user.id)).await?;
        let fields = ["secret", "enabled_at", "recovery_codes"];
        self.finish(tx, &[event(&own(session), "totp.disable", &session.user, Some(row.version + 1), &fields)]).await?;
        Ok(())
    }

    /// New recovery codes for old ones (all old ones stop working), with a current code.
    pub async fn renew_recovery_codes(&self, session: &Session, code: &str) -> Result<Vec<String>, TotpError> {
        let (mut tx, row) = self.prove(session, code, Mode::Confirm).await?;
        let codes = self.replace_codes(&mut tx, UserId(session.user.id)).await?;
        let ev = event(&own(session), "totp.recovery_codes", &session.user, Some(row.version + 1), &["recovery_codes"]);
        self.finish(tx, &[ev]).await?;
        Ok(codes)
    }

    /// Reset another user's second factor (an administrator of the user's organisation,
    /// for someone who lost the device and the codes). Every session of the user ends;
    /// if a role requires it, the user enrols again at the next sign-in.
    pub async fn reset_totp(&self, caller: &Caller, user: UserId) -> Result<()> {
        let target = self.user(caller, user).await?;
        if !caller.administers(OrgId(target.org_id)) || caller.user() == Some(user) {
            return Err(ServiceError::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        if !totp::delete(&mut tx, user).await? {
            return Err(Invalid::new("user", "This user has no second factor to reset.").into());
        }
        sessions::delete_for_user(&mut tx, user).await?;
        let fields = ["secret", "enabled_at", "recovery_codes"];
        self.finish(tx, &[event(caller, "totp.reset", &target, None, &fields)]).await?;
        Ok(())
    }

    /// Check a code in a new transaction with the user's TOTP row locked. On success the
    /// transaction comes back for the use case to finish; on a refusal the wrong code is
    /// counted, audited and committed here.
    async fn prove(&self, session: &Session, code: &str, mode: Mode) -> Result<(Tx, TotpRow), TotpError> {
        let user = &session.user;
        let id = UserId(user.id);
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let row = totp::get_for_update(&mut tx, id).await?.ok_or(ServiceError::NotFound)?;
        if row.enabled_at.is_some() == (mode == Mode::Enrol) {
            return Err(ServiceError::NotFound.into());
        }
        if codes::locked(row.failures, row.failures_since, now) {
            return Err(TotpError::Refused(Refusal::Locked));
        }
        let typed = codes::normalise(code);
        let refusal = if codes::is_totp_code(&typed) {
            let secret = totp::open_secret(&self.db, &self.keys, OrgId(user.org_id), id, &row.secret).await?;
            let t = codes::totp(&secret, &user.email).map_err(|e| StoreError::Crypto(format!("totp: {e:?}")))?;
            match codes::match_step(&t, &typed, now, row.last_step) {
                StepMatch::Fresh(step) if totp::accept_step(&mut tx, id, step, mode == Mode::Enrol, now).await? => None,
                StepMatch::Fresh(_) | StepMatch::Used => Some(Refusal::Replayed),
                StepMatch::None => Some(Refusal::Wrong),
            }
        } else if mode == Mode::SignIn && totp::use_code(&mut tx, id, &codes::recovery_hash(id, &typed), now).await? {
            totp::clear_failures(&mut tx, id, now).await?;
            let ev = event(&own(session), "totp.recovery_use", user, Some(row.version + 1), &["used_at"]);
            dtz_store::audit::append(&mut tx, &self.keys.audit, now, &[ev]).await?;
            None
        } else {
            Some(Refusal::Wrong)
        };
        let Some(refusal) = refusal else {
            return Ok((tx, row));
        };
        totp::record_failure(&mut tx, id, now, now - codes::FAILURE_WINDOW).await?;
        let ev = event(&own(session), "totp.fail", user, Some(row.version + 1), &["failures"]);
        self.finish(tx, &[ev]).await?;
        Err(TotpError::Refused(refusal))
    }

    async fn replace_codes(&self, tx: &mut Tx, user: UserId) -> Result<Vec<String>> {
        let mut codes = Vec::with_capacity(codes::RECOVERY_CODES);
        for _ in 0..codes::RECOVERY_CODES {
            codes.push(codes::new_recovery_code()?);
        }
        let hashes: Vec<Vec<u8>> = codes.iter().map(|c| codes::recovery_hash(user, c)).collect();
        totp::delete_codes(tx, user).await?;
        totp::insert_codes(tx, user, &hashes, self.clock.now()).await?;
        Ok(codes)
    }

    /// A fresh session id and CSRF token for a session that has just passed the second factor.
    async fn upgrade_session(&self, tx: &mut Tx, session: &Session) -> Result<NewSession> {
        let id = random_secret("")?;
        let csrf = random_secret("")?;
        if !sessions::pass_second_factor(tx, &session.id_hash, &digest(&id), &csrf, self.clock.now()).await? {
            return Err(ServiceError::Unauthenticated);
        }
        Ok(NewSession { id, csrf, user: session.user.clone(), second_factor: SecondFactor::Passed })
    }
}
