//! Signing in and out, sessions and API tokens. Session ids and tokens are random
//! 256-bit values; only their SHA-256 is stored.

use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::Actor;
use dtz_domain::account::Email;
use dtz_domain::ids::{OrgId, TokenId, UserId};
use dtz_domain::validate;
use dtz_store::audit::NewEvent;
use dtz_store::tokens::{self, TokenRow};
use dtz_store::users::UserRow;
use dtz_store::{sessions, users};
use sha2::{Digest, Sha256};
use time::Duration;

/// Where a session stands with the second factor (TOTP).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecondFactor {
    /// The user has no second factor and none is required.
    NotNeeded,
    /// The second factor was given in this session.
    Passed,
    /// The user has a second factor and has not given it yet: only the code page and
    /// signing out are open.
    Pending,
    /// The user's roles require a second factor and the user has none yet: only
    /// enrolment and signing out are open.
    EnrolRequired,
}

impl SecondFactor {
    /// From what is known: the user's TOTP is on, this session passed it, it is required.
    pub fn of(totp_enabled: bool, passed: bool, required: bool) -> Self {
        match (totp_enabled, passed, required) {
            (true, true, _) => SecondFactor::Passed,
            (true, false, _) => SecondFactor::Pending,
            (false, _, true) => SecondFactor::EnrolRequired,
            (false, _, false) => SecondFactor::NotNeeded,
        }
    }

    /// Whether the session may use everything the user's roles allow.
    pub fn is_complete(self) -> bool {
        matches!(self, SecondFactor::NotNeeded | SecondFactor::Passed)
    }
}

/// How long a session may wait for its second factor before the person signs in again.
pub const SECOND_FACTOR_WAIT: Duration = Duration::minutes(10);

/// A new session: the cookie value (shown to the browser only) and its CSRF token.
#[derive(Clone, Debug)]
pub struct NewSession {
    /// Cookie value.
    pub id: String,
    /// CSRF token of the session.
    pub csrf: String,
    /// The user.
    pub user: UserRow,
    /// Where the session stands with the second factor.
    pub second_factor: SecondFactor,
}

/// A session found from its cookie.
#[derive(Clone, Debug)]
pub struct Session {
    /// The user.
    pub user: UserRow,
    /// Who the user is in terms of roles.
    pub actor: Actor,
    /// CSRF token to compare with forms.
    pub csrf: String,
    /// SHA-256 of the session id.
    pub id_hash: Vec<u8>,
    /// Where the session stands with the second factor.
    pub second_factor: SecondFactor,
    /// The name of the user's organisation (for the pages' header).
    pub org_name: String,
}

/// SHA-256 of a secret, as stored.
pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// 32 random bytes as hex, with a prefix that says what it is.
pub fn random_secret(prefix: &str) -> Result<String> {
    let mut b = [0u8; 32];
    dtz_store::crypto::random(&mut b)?;
    Ok(format!("{prefix}{}", hex::encode(b)))
}

fn login_event(user: &UserRow, action: &str) -> NewEvent {
    NewEvent {
        actor_user: Some(UserId(user.id)),
        actor_org: Some(OrgId(user.org_id)),
        action: action.into(),
        entity: "user".into(),
        entity_id: Some(user.id),
        entity_version: None,
        fields: Vec::new(),
        org: Some(OrgId(user.org_id)),
    }
}

impl Services {
    /// Check e-mail and password. Unknown users, disabled users and wrong passwords all
    /// get the same answer after the same work.
    pub async fn check_credentials(&self, email: &str, password: &str) -> Result<UserRow> {
        let email = Email::parse("email", email).ok();
        let found = match &email {
            Some(e) => users::credentials(&self.db, e.as_str()).await?,
            None => None,
        };
        let ok = self.passwords.verify(password, found.as_ref().map(|(_, h)| h.as_str())).await;
        match found {
            Some((user, _)) if ok && !user.disabled => Ok(user),
            _ => Err(ServiceError::Unauthenticated),
        }
    }

    /// Sign in: a new session with a new id (never one the browser brought).
    pub async fn login(&self, email: &str, password: &str) -> Result<NewSession> {
        let user = self.check_credentials(email, password).await?;
        let id = random_secret("")?;
        let csrf = random_secret("")?;
        let mut tx = self.db.begin().await?;
        sessions::insert(&mut tx, &digest(&id), UserId(user.id), &csrf, self.clock.now()).await?;
        self.finish(tx, &[login_event(&user, "session.login")]).await?;
        let enabled = dtz_store::totp::get(&self.db, UserId(user.id)).await?.is_some_and(|t| t.enabled_at.is_some());
        let required = self.totp_required(&self.actor(&user).await?).await?;
        Ok(NewSession { id, csrf, user, second_factor: SecondFactor::of(enabled, false, required) })
    }

    /// The session behind a cookie value, if live; refreshes its idle timer.
    pub async fn session(&self, cookie: &str) -> Result<Option<Session>> {
        let hash = digest(cookie);
        // One statement for the session, its user, the organisation's name and the
        // second-factor policy; the roles are the second.
        let Some(found) = sessions::find_with_user(&self.db, &hash, crate::totp::policy::REQUIRED_ROLES_KEY).await?
        else {
            return Ok(None);
        };
        let s = &found.session;
        let now = self.clock.now();
        let idle = now - s.last_seen_at > self.settings.session_idle;
        let expired = now - s.created_at > self.settings.session_absolute;
        let waited = s.totp_enabled && s.second_factor_at.is_none() && now - s.created_at > SECOND_FACTOR_WAIT;
        if s.disabled || idle || expired || waited {
            let mut tx = self.db.begin().await?;
            sessions::delete(&mut tx, &hash).await?;
            tx.commit().await?;
            return Ok(None);
        }
        if now - s.last_seen_at > Duration::minutes(1) {
            sessions::touch(&self.db, &hash, now).await?;
        }
        let user = found.user();
        let actor = self.actor(&user).await?;
        let policy = found.setting_value.clone().zip(found.setting_version);
        let required = !s.totp_enabled && crate::totp::policy::RequiredRoles::of_setting(policy).applies_to(&actor);
        let second_factor = SecondFactor::of(s.totp_enabled, s.second_factor_at.is_some(), required);
        Ok(Some(Session {
            user,
            actor,
            csrf: found.session.csrf_token.clone(),
            id_hash: hash,
            second_factor,
            org_name: found.org_name.unwrap_or_default(),
        }))
    }

    /// Sign out.
    pub async fn logout(&self, session: &Session) -> Result<()> {
        let mut tx = self.db.begin().await?;
        sessions::delete(&mut tx, &session.id_hash).await?;
        self.finish(tx, &[login_event(&session.user, "session.logout")]).await?;
        Ok(())
    }

    /// Issue an API token for a user (the caller itself, or a user it administers).
    /// Returns the token once; only its hash is kept.
    pub async fn create_token(&self, caller: &Caller, user: UserId, name: &str) -> Result<(TokenRow, String)> {
        let name = validate::text("name", name, 100)?;
        let target = self.user(caller, user).await?;
        if caller.user() != Some(user) && !caller.administers(OrgId(target.org_id)) {
            return Err(ServiceError::Forbidden);
        }
        if target.disabled {
            return Err(validate::Invalid::new("user", "The user is disabled.").into());
        }
        self.check_token_second_factor(&target).await?;
        let secret = random_secret("dtz_")?;
        let id = TokenId::new();
        let mut tx = self.db.begin().await?;
        tokens::insert(&mut tx, id, user, &name, &digest(&secret), self.clock.now()).await?;
        let ev = NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: "token.create".into(),
            entity: "api_token".into(),
            entity_id: Some(id.0),
            entity_version: Some(1),
            fields: vec!["name".into(), "user_id".into()],
            org: Some(OrgId(target.org_id)),
        };
        self.finish(tx, &[ev]).await?;
        let row =
            tokens::list(&self.db, user).await?.into_iter().find(|t| t.id == id.0).ok_or(ServiceError::NotFound)?;
        Ok((row, secret))
    }

    /// The user behind a Bearer token, if the token is live. A user whose roles require a
    /// second factor it has not set up is refused (tokens made before the requirement
    /// would otherwise bypass it); the tokens work again once the user has enrolled.
    pub async fn token_user(&self, secret: &str) -> Result<Option<(TokenRow, UserRow, Actor)>> {
        if !secret.starts_with("dtz_") || secret.len() > 100 {
            return Ok(None);
        }
        let Some(t) = tokens::find(&self.db, &digest(secret)).await? else {
            return Ok(None);
        };
        let now = self.clock.now();
        if t.last_used_at.is_none_or(|u| now - u > Duration::minutes(1)) {
            tokens::touch(&self.db, TokenId(t.id), now).await?;
        }
        let user = users::get(&self.db, &dtz_domain::access::Scope::all(), UserId(t.user_id)).await?;
        let actor = self.actor(&user).await?;
        if self.totp_required(&actor).await? && !self.totp_status(UserId(user.id)).await?.enabled {
            return Err(ServiceError::Forbidden);
        }
        Ok(Some((t, user, actor)))
    }

    /// Tokens of a user.
    pub async fn tokens(&self, caller: &Caller, user: UserId) -> Result<Vec<TokenRow>> {
        self.user(caller, user).await?;
        Ok(tokens::list(&self.db, user).await?)
    }

    /// Revoke a token of a user.
    pub async fn revoke_token(&self, caller: &Caller, user: UserId, id: TokenId) -> Result<()> {
        let target = self.user(caller, user).await?;
        if caller.user() != Some(user) && !caller.administers(OrgId(target.org_id)) {
            return Err(ServiceError::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        if !tokens::revoke(&mut tx, id, user, self.clock.now()).await? {
            return Err(ServiceError::NotFound);
        }
        let ev = NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: "token.revoke".into(),
            entity: "api_token".into(),
            entity_id: Some(id.0),
            entity_version: Some(2),
            fields: vec!["revoked_at".into()],
            org: Some(OrgId(target.org_id)),
        };
        self.finish(tx, &[ev]).await?;
        Ok(())
    }
}

impl Services {
    /// Remove sessions past their idle or absolute timeout.
    pub async fn purge_sessions(&self) -> Result<u64> {
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let n =
            sessions::purge(&mut tx, now - self.settings.session_idle, now - self.settings.session_absolute).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// A user by e-mail, within the caller's scope.
    pub async fn user_by_email(&self, caller: &Caller, email: &str) -> Result<UserRow> {
        let email = Email::parse("email", email)?;
        let (u, _) = users::credentials(&self.db, email.as_str()).await?.ok_or(ServiceError::NotFound)?;
        self.user(caller, UserId(u.id)).await
    }
}
