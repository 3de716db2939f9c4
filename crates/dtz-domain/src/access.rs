//! Need to know (DESIGN §5): roles, the grants they give, and the scope of a caller.
//!
//! This is the only place that turns role assignments into grants. The store compiles a
//! [`Scope`] into the WHERE clause of every scoped query; [`Scope::admits`] is the same
//! rule in memory, and a property test holds the two together.

use crate::ids::{OrgId, TeamId, UserId};
use crate::org::CountryCode;
use crate::validate::Invalid;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The roles of DESIGN §2. A user holds one or more, each within a scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Organisations, users, roles, configuration, keys. Without an organisation: the
    /// whole system; with one: that organisation's users only.
    Administrator,
    /// Alliance M&E lead or programme manager: second-level approval, framework, IATI.
    AllianceManager,
    /// Country coordinator of the lead member: reviews and approves a country's data.
    CountryCoordinator,
    /// M&E officer of a partner: activities, engagement and indicator values.
    MeOfficer,
    /// Leads a team of caseworkers.
    CaseSupervisor,
    /// Triages signals, opens cases, refers children.
    Caseworker,
    /// Staff of a service provider: referrals addressed to it.
    ServiceProvider,
    /// Reads approved, aggregated results.
    Donor,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 8] = [
        Role::Administrator,
        Role::AllianceManager,
        Role::CountryCoordinator,
        Role::MeOfficer,
        Role::CaseSupervisor,
        Role::Caseworker,
        Role::ServiceProvider,
        Role::Donor,
    ];

    /// Stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::AllianceManager => "alliance_manager",
            Role::CountryCoordinator => "country_coordinator",
            Role::MeOfficer => "me_officer",
            Role::CaseSupervisor => "case_supervisor",
            Role::Caseworker => "caseworker",
            Role::ServiceProvider => "service_provider",
            Role::Donor => "donor",
        }
    }

    /// Parse the stored or wire name.
    pub fn parse(field: &str, s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| Invalid::new(field, "Choose a role from the list."))
    }

    /// Roles that handle case data; a second factor can be required for them.
    pub fn handles_case_data(self) -> bool {
        matches!(self, Role::CaseSupervisor | Role::Caseworker | Role::ServiceProvider)
    }
}

/// One role of one user within one scope. `org`, `country` and `team` narrow it; which
/// of them a role needs is checked by [`RoleAssignment::check`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleAssignment {
    /// The role.
    pub role: Role,
    /// Organisation the role works for (none: alliance-wide).
    pub org: Option<OrgId>,
    /// Country the role is limited to (none: every country of the organisation).
    pub country: Option<CountryCode>,
    /// Team (caseworkers and supervisors).
    pub team: Option<TeamId>,
}

impl RoleAssignment {
    /// Check that the role has the parts of scope it needs and no others.
    pub fn check(&self) -> Result<(), Invalid> {
        let need = |ok: bool, msg: &str| {
            if ok { Ok(()) } else { Err(Invalid::new("scope", msg)) }
        };
        match self.role {
            Role::Administrator => need(
                self.country.is_none() && self.team.is_none(),
                "An administrator role takes an organisation or nothing (whole system).",
            ),
            Role::AllianceManager | Role::Donor => need(
                self.country.is_none() && self.team.is_none(),
                "This role is alliance-wide: give no country or team.",
            ),
            Role::CountryCoordinator => {
                need(self.country.is_some() && self.team.is_none(), "A country coordinator needs a country.")
            }
            Role::MeOfficer => need(
                self.org.is_some() && self.team.is_none(),
                "An M&E officer needs an organisation (and optionally a country).",
            ),
            Role::CaseSupervisor | Role::Caseworker => {
                need(self.org.is_some(), "Case roles need an organisation (and a team).")
            }
            Role::ServiceProvider => need(
                self.org.is_some() && self.country.is_none() && self.team.is_none(),
                "A service provider role needs the provider organisation.",
            ),
        }
    }
}

/// The kinds of data a scope is asked for; the same person may see all organisations in
/// the directory but only its team's cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Area {
    /// Organisations and other reference data every signed-in user may read.
    Directory,
    /// User accounts and their role assignments.
    Users,
    /// The audit log.
    Audit,
    /// Indicator values, activities and other results data.
    Results,
    /// Signals, cases, referrals and follow-ups: case data.
    Cases,
    /// The intake inbox of signals: case supervisors and caseworkers of the organisation
    /// that receives a country's signals (within their country, when limited to one),
    /// whatever their team, since an incoming signal belongs to no team yet.
    Signals,
    /// Prosecution records: only the organisation that records them (its M&E officers and
    /// case staff); everyone else sees them as disclosed counts.
    Prosecutions,
}

/// One grant: a set of rows a caller may see.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Grant {
    /// Every row.
    All,
    /// Rows of one organisation, optionally in one country.
    Org {
        /// The organisation.
        org: OrgId,
        /// Limited to this country when set.
        country: Option<CountryCode>,
    },
    /// Rows in one country, whichever organisation.
    Country(CountryCode),
    /// Rows of one team.
    Team(TeamId),
    /// Rows that belong to (or were made by) one user.
    Own(UserId),
    /// Referrals addressed to a provider organisation.
    ProviderReferrals(OrgId),
    /// Care summaries of children in a provider's care.
    ProviderCare(OrgId),
    /// One case checked out explicitly.
    CheckedOut(Uuid),
}

/// What a row is, as far as need to know cares. A table maps its columns to these.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScopeRow {
    /// Owning organisation.
    pub org: Option<OrgId>,
    /// Country.
    pub country: Option<CountryCode>,
    /// Team.
    pub team: Option<TeamId>,
    /// Owning or acting user.
    pub owner: Option<UserId>,
    /// Provider organisation (referrals, care).
    pub provider: Option<OrgId>,
    /// Case id.
    pub case: Option<Uuid>,
}

/// A caller's scope in one area: the union of its grants. Empty means nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Scope {
    grants: Vec<Grant>,
}

impl Scope {
    /// A scope from grants (sorted and deduplicated; `All` absorbs the rest).
    pub fn from_grants(mut grants: Vec<Grant>) -> Self {
        if grants.contains(&Grant::All) {
            return Self { grants: vec![Grant::All] };
        }
        grants.sort();
        grants.dedup();
        Self { grants }
    }

    /// Nothing at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// Everything (system work: migrations, the CLI run by the operator).
    pub fn all() -> Self {
        Self { grants: vec![Grant::All] }
    }

    /// The grants.
    pub fn grants(&self) -> &[Grant] {
        &self.grants
    }

    /// Whether the scope covers every row.
    pub fn is_all(&self) -> bool {
        self.grants == [Grant::All]
    }

    /// Whether a row falls inside the scope; the in-memory twin of the SQL the store
    /// compiles from the same grants.
    pub fn admits(&self, row: &ScopeRow) -> bool {
        self.grants.iter().any(|g| match g {
            Grant::All => true,
            Grant::Org { org, country } => row.org == Some(*org) && country.is_none_or(|c| row.country == Some(c)),
            Grant::Country(c) => row.country == Some(*c),
            Grant::Team(t) => row.team == Some(*t),
            Grant::Own(u) => row.owner == Some(*u),
            Grant::ProviderReferrals(p) | Grant::ProviderCare(p) => row.provider == Some(*p),
            Grant::CheckedOut(c) => row.case == Some(*c),
        })
    }
}

/// Who is acting: a user with its organisation and role assignments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The user.
    pub user: UserId,
    /// The user's organisation.
    pub org: OrgId,
    /// The user's roles.
    pub roles: Vec<RoleAssignment>,
}

impl Actor {
    /// Whether the actor holds `role` in any scope.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.iter().any(|r| r.role == role)
    }

    /// A system administrator (administrator without an organisation).
    pub fn is_system_admin(&self) -> bool {
        self.roles.iter().any(|r| r.role == Role::Administrator && r.org.is_none())
    }

    /// Whether the actor administers `org` (system administrators administer all).
    pub fn administers(&self, org: OrgId) -> bool {
        self.roles.iter().any(|r| r.role == Role::Administrator && r.org.is_none_or(|o| o == org))
    }

    /// The scope of this actor in one area: the policy of need to know.
    pub fn scope(&self, area: Area) -> Scope {
        let mut grants = Vec::new();
        for r in &self.roles {
            grant_for(r, area, &mut grants);
        }
        if matches!(area, Area::Users | Area::Audit) {
            grants.push(Grant::Own(self.user));
        }
        Scope::from_grants(grants)
    }

    /// Whether the actor may give `assignment` to a user of organisation `user_org`:
    /// an organisation's administrator manages only its own users and grants nothing
    /// beyond its own organisation; only a system administrator gives alliance-wide
    /// roles or system administration.
    pub fn can_assign(&self, user_org: OrgId, a: &RoleAssignment) -> bool {
        if self.is_system_admin() {
            return true;
        }
        self.administers(user_org) && a.org == Some(user_org) && a.role != Role::Donor
    }
}

fn grant_for(r: &RoleAssignment, area: Area, out: &mut Vec<Grant>) {
    let org_grant = |org: OrgId| Grant::Org { org, country: r.country };
    match (area, r.role) {
        (Area::Directory, _) => out.push(Grant::All),
        (Area::Users | Area::Audit, Role::Administrator) => match r.org {
            None => out.push(Grant::All),
            Some(o) => out.push(Grant::Org { org: o, country: None }),
        },
        (Area::Results, Role::AllianceManager | Role::Donor) => out.push(Grant::All),
        (Area::Results, Role::CountryCoordinator) => out.extend(r.country.map(Grant::Country)),
        (Area::Results, Role::MeOfficer | Role::CaseSupervisor) => out.extend(r.org.map(org_grant)),
        (Area::Cases, Role::CaseSupervisor) => match r.team {
            Some(t) => out.push(Grant::Team(t)),
            None => out.extend(r.org.map(org_grant)),
        },
        (Area::Cases, Role::Caseworker) => out.extend(r.team.map(Grant::Team)),
        (Area::Signals, Role::CaseSupervisor | Role::Caseworker) => out.extend(r.org.map(org_grant)),
        (Area::Prosecutions, Role::MeOfficer | Role::CaseSupervisor | Role::Caseworker) => {
            out.extend(r.org.map(org_grant))
        }
        (Area::Cases, Role::ServiceProvider) => {
            if let Some(p) = r.org {
                out.push(Grant::ProviderReferrals(p));
                out.push(Grant::ProviderCare(p));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(roles: Vec<RoleAssignment>) -> Actor {
        Actor { user: UserId::new(), org: OrgId::new(), roles }
    }

    #[test]
    fn donors_and_administrators_see_no_case_data() {
        let a = actor(vec![
            RoleAssignment { role: Role::Donor, org: None, country: None, team: None },
            RoleAssignment { role: Role::Administrator, org: None, country: None, team: None },
            RoleAssignment { role: Role::AllianceManager, org: None, country: None, team: None },
        ]);
        assert_eq!(a.scope(Area::Cases), Scope::none());
        assert!(a.scope(Area::Results).is_all());
    }

    #[test]
    fn an_organisation_administrator_grants_only_within_its_organisation() {
        let org = OrgId::new();
        let other = OrgId::new();
        let a = actor(vec![RoleAssignment { role: Role::Administrator, org: Some(org), country: None, team: None }]);
        let within = RoleAssignment { role: Role::Caseworker, org: Some(org), country: None, team: None };
        let beyond = RoleAssignment { role: Role::AllianceManager, org: None, country: None, team: None };
        assert!(a.can_assign(org, &within));
        assert!(!a.can_assign(org, &beyond));
        assert!(!a.can_assign(other, &RoleAssignment { org: Some(other), ..within }));
    }

    #[test]
    fn case_roles_of_the_receiving_organisation_see_its_signals_whatever_their_team() {
        let org = OrgId::new();
        let bo = CountryCode::parse("c", "BO").ok();
        let team = Some(TeamId::new());
        let worker = actor(vec![RoleAssignment { role: Role::Caseworker, org: Some(org), country: bo, team }]);
        let signal = ScopeRow { org: Some(org), country: bo, ..Default::default() };
        assert!(worker.scope(Area::Signals).admits(&signal));
        assert!(!worker.scope(Area::Cases).admits(&signal), "cases stay with the team");
        let peru = ScopeRow { org: Some(org), country: CountryCode::parse("c", "PE").ok(), ..Default::default() };
        assert!(!worker.scope(Area::Signals).admits(&peru));
        let officer = actor(vec![RoleAssignment { role: Role::MeOfficer, org: Some(org), country: None, team: None }]);
        assert_eq!(officer.scope(Area::Signals), Scope::none());
    }

    #[test]
    fn every_user_sees_itself() {
        let a = actor(vec![]);
        let me = ScopeRow { owner: Some(a.user), ..Default::default() };
        assert!(a.scope(Area::Users).admits(&me));
        assert!(!a.scope(Area::Users).admits(&ScopeRow::default()));
    }
}
