//! Users, role assignments and teams.

use crate::error::duplicate;
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::{Actor, Area, RoleAssignment};
use dtz_domain::account::{self, Email};
use dtz_domain::change::Change;
use dtz_domain::ids::{OrgId, RoleAssignmentId, TeamId, UserId};
use dtz_domain::org::CountryCode;
use dtz_domain::validate::{self, Invalid, Violations};
use dtz_store::StoreError;
use dtz_store::audit::NewEvent;
use dtz_store::teams::{self, TeamRow};
use dtz_store::users::{self, NewUser, RoleRow, UserFields, UserRow};
use serde::Serialize;

/// Input for a new user.
#[derive(Clone, Debug, Default)]
pub struct UserInput {
    /// Organisation id.
    pub org: Option<OrgId>,
    /// E-mail.
    pub email: String,
    /// Name.
    pub name: String,
    /// Language (`en` when empty).
    pub language: String,
    /// Password; when `None` one is generated and returned once.
    pub password: Option<String>,
    /// Roles to give in the same transaction (all or nothing).
    pub roles: Vec<RoleAssignment>,
}

/// A created user and, when dtz chose it, its first password (shown once).
#[derive(Clone, Debug)]
pub struct CreatedUser {
    /// The user.
    pub user: UserRow,
    /// Generated password.
    pub password: Option<String>,
}

/// A readable random password: 5 groups of 4 letters and digits (about 100 bits).
pub fn generate_password() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    dtz_store::crypto::random(&mut bytes)?;
    let chars: Vec<char> = bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
    Ok(chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-"))
}

#[derive(Serialize)]
struct UserAudit<'a> {
    org_id: OrgId,
    email: &'a str,
    name: &'a str,
    language: &'a str,
    password: bool,
}

impl Services {
    /// Create a user in an organisation the caller administers.
    pub async fn create_user(&self, caller: &Caller, id: UserId, input: UserInput) -> Result<CreatedUser> {
        let mut v = Violations::default();
        let email = v.check(Email::parse("email", &input.email));
        let name = v.check(account::person_name("name", &input.name));
        let lang = if input.language.trim().is_empty() { "en" } else { input.language.as_str() };
        let language = v.check(account::staff_language("language", lang));
        let org = v.check(input.org.ok_or_else(|| Invalid::new("org_id", "Choose an organisation.")));
        if let Some(pw) = &input.password {
            v.check(account::check_password("password", pw));
        }
        let (Some(email), Some(name), Some(language), Some(org)) = (email, name, language, org) else {
            return Err(v.into());
        };
        v.into_result()?;
        if !caller.administers(org) {
            return Err(ServiceError::Forbidden);
        }
        self.org(caller, org).await?;
        for a in &input.roles {
            self.check_assignment(caller, org, a).await?;
        }
        let generated = match input.password {
            Some(_) => None,
            None => Some(generate_password()?),
        };
        let password = input.password.as_deref().or(generated.as_deref()).unwrap_or_default();
        let hash = self.passwords.hash(password).await.map_err(StoreError::Crypto)?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let new = NewUser { id, org, email: email.as_str().to_owned(), name, language, password_hash: hash };
        users::insert(&mut tx, &new, now)
            .await
            .map_err(|e| duplicate(e, "email", "A user with this e-mail address exists already."))?;
        let audit =
            UserAudit { org_id: org, email: &new.email, name: &new.name, language: &new.language, password: true };
        let change = Change::create("user", id.0, &audit);
        let mut events = vec![caller.event("user.create", &change, Some(org))];
        for a in &input.roles {
            let rid = RoleAssignmentId::new();
            users::insert_role(&mut tx, rid, id, a, now).await?;
            events.push(caller.event("role.assign", &Change::create("role_assignment", rid.0, a), Some(org)));
        }
        self.finish(tx, &events).await?;
        let user = users::get(&self.db, &caller.scope(Area::Users), id).await?;
        Ok(CreatedUser { user, password: generated })
    }

    /// One user in the caller's scope.
    pub async fn user(&self, caller: &Caller, id: UserId) -> Result<UserRow> {
        Ok(users::get(&self.db, &caller.scope(Area::Users), id).await?)
    }

    /// Users in the caller's scope.
    pub async fn users(&self, caller: &Caller, org: Option<OrgId>) -> Result<Vec<UserRow>> {
        Ok(users::list(&self.db, &caller.scope(Area::Users), org).await?)
    }

    /// Change a user's name, language or disabled flag. Users change their own name and
    /// language; only administrators of the user's organisation disable. Disabling ends
    /// every session (tokens stop working with it).
    pub async fn update_user(&self, caller: &Caller, id: UserId, base: i64, f: UserFields) -> Result<UserRow> {
        let mut v = Violations::default();
        let name = v.check(account::person_name("name", &f.name));
        let language = v.check(account::staff_language("language", &f.language));
        let (Some(name), Some(language)) = (name, language) else {
            return Err(v.into());
        };
        let f = UserFields { name, language, disabled: f.disabled };
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let before = users::get_in(&mut tx, &caller.scope(Area::Users), id).await?;
        let before_f =
            UserFields { name: before.name.clone(), language: before.language.clone(), disabled: before.disabled };
        let is_admin = caller.administers(OrgId(before.org_id));
        if before.disabled != f.disabled && (!is_admin || caller.user() == Some(id)) {
            return Err(ServiceError::Forbidden);
        }
        if caller.user() != Some(id) && !is_admin {
            return Err(ServiceError::Forbidden);
        }
        let change = Change::update("user", id.0, base, &before_f, &f);
        self.written(users::update(&mut tx, id, base, &f, now).await, id.0).await?;
        if f.disabled {
            dtz_store::sessions::delete_for_user(&mut tx, id).await?;
        }
        let action = if f.disabled && !before.disabled { "user.disable" } else { "user.update" };
        self.finish(tx, &[caller.event(action, &change, Some(OrgId(before.org_id)))]).await?;
        self.user(caller, id).await
    }

    /// Set a new password: by the user (who must give the current one) or by an
    /// administrator of its organisation (`current` is then `None`). Every session of
    /// the user ends. Returns the new password when dtz generated it.
    pub async fn set_password(
        &self,
        caller: &Caller,
        id: UserId,
        current: Option<&str>,
        new: Option<&str>,
    ) -> Result<Option<String>> {
        let target = self.user(caller, id).await?;
        let own = caller.user() == Some(id);
        if own {
            let hash = users::password_hash(&self.db, id).await?;
            if !self.passwords.verify(current.unwrap_or_default(), Some(&hash)).await {
                return Err(Invalid::new("current_password", "The current password is not right.").into());
            }
        } else if !caller.administers(OrgId(target.org_id)) {
            return Err(ServiceError::Forbidden);
        }
        if let Some(pw) = new {
            account::check_password("password", pw)?;
        }
        let generated = match new {
            Some(_) => None,
            None => Some(generate_password()?),
        };
        let pw = new.or(generated.as_deref()).unwrap_or_default();
        let hash = self.passwords.hash(pw).await.map_err(StoreError::Crypto)?;
        let mut tx = self.db.begin().await?;
        let version = users::set_password(&mut tx, id, &hash, self.clock.now()).await?;
        dtz_store::sessions::delete_for_user(&mut tx, id).await?;
        let ev = NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: "user.password".into(),
            entity: "user".into(),
            entity_id: Some(id.0),
            entity_version: Some(version),
            fields: vec!["password".into()],
            org: Some(OrgId(target.org_id)),
        };
        self.finish(tx, &[ev]).await?;
        Ok(generated)
    }

    /// Whether `caller` may give `a` to a user of `user_org`: the role has the scope it
    /// needs, stays within what the caller may grant, and names a team of that
    /// organisation.
    async fn check_assignment(&self, caller: &Caller, user_org: OrgId, a: &RoleAssignment) -> Result<()> {
        a.check()?;
        let allowed = match caller {
            Caller::System => true,
            Caller::User(actor) => actor.can_assign(user_org, a),
        };
        if !allowed {
            return Err(ServiceError::Forbidden);
        }
        if let Some(team) = a.team {
            let t = teams::get(&self.db, &dtz_domain::access::Scope::all(), team)
                .await
                .map_err(|_| Invalid::new("team_id", "There is no such team."))?;
            if Some(OrgId(t.org_id)) != a.org {
                return Err(Invalid::new("team_id", "The team belongs to another organisation than the role.").into());
            }
        }
        Ok(())
    }

    /// Give a role to a user, within what the caller may grant.
    pub async fn assign_role(&self, caller: &Caller, user: UserId, a: RoleAssignment) -> Result<RoleAssignmentId> {
        let target = self.user(caller, user).await?;
        self.check_assignment(caller, OrgId(target.org_id), &a).await?;
        let id = RoleAssignmentId::new();
        let mut tx = self.db.begin().await?;
        users::insert_role(&mut tx, id, user, &a, self.clock.now()).await?;
        let change = Change::create("role_assignment", id.0, &a);
        self.finish(tx, &[caller.event("role.assign", &change, Some(OrgId(target.org_id)))]).await?;
        Ok(id)
    }

    /// Take a role back.
    pub async fn revoke_role(&self, caller: &Caller, user: UserId, id: RoleAssignmentId) -> Result<()> {
        let target = self.user(caller, user).await?;
        if !caller.administers(OrgId(target.org_id)) {
            return Err(ServiceError::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        if users::delete_role(&mut tx, id, user, self.clock.now()).await? == 0 {
            return Err(ServiceError::NotFound);
        }
        let change = Change::delete("role_assignment", id.0, 1);
        self.finish(tx, &[caller.event("role.revoke", &change, Some(OrgId(target.org_id)))]).await?;
        Ok(())
    }

    /// Role assignments of a user in the caller's scope.
    pub async fn roles(&self, caller: &Caller, user: UserId) -> Result<Vec<RoleRow>> {
        self.user(caller, user).await?;
        Ok(users::roles(&self.db, user).await?)
    }

    /// The actor behind a user id: its organisation and live roles.
    pub async fn actor(&self, user: &UserRow) -> Result<Actor> {
        let roles = users::roles(&self.db, UserId(user.id)).await?;
        Ok(Actor {
            user: UserId(user.id),
            org: OrgId(user.org_id),
            roles: roles.iter().filter_map(RoleRow::assignment).collect(),
        })
    }

    /// Create a team in an organisation the caller administers.
    pub async fn create_team(
        &self,
        caller: &Caller,
        id: TeamId,
        org: OrgId,
        country: Option<&str>,
        name: &str,
    ) -> Result<TeamRow> {
        let mut v = Violations::default();
        let name = v.check(validate::text("name", name, 120));
        let country = match country.filter(|c| !c.trim().is_empty()) {
            Some(c) => v.check(CountryCode::parse("country", c).map(Some)),
            None => Some(None),
        };
        let (Some(name), Some(country)) = (name, country) else {
            return Err(v.into());
        };
        if !caller.administers(org) {
            return Err(ServiceError::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        teams::insert(&mut tx, id, org, country.map(|c| c.as_str().to_owned()).as_deref(), &name, self.clock.now())
            .await?;
        #[derive(Serialize)]
        struct T<'a> {
            org_id: OrgId,
            country: Option<CountryCode>,
            name: &'a str,
        }
        let change = Change::create("team", id.0, &T { org_id: org, country, name: &name });
        self.finish(tx, &[caller.event("team.create", &change, Some(org))]).await?;
        Ok(teams::get(&self.db, &dtz_domain::access::Scope::all(), id).await?)
    }

    /// Teams the caller may see (administrators: their organisations').
    pub async fn teams(&self, caller: &Caller) -> Result<Vec<TeamRow>> {
        Ok(teams::list(&self.db, &caller.scope(Area::Users)).await?)
    }
}
