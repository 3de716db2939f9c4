//! Who may do what with a case, beyond seeing it (which is [`Area::Cases`] scope).
//!
//! - Caseworkers and supervisors whose scope admits a case work on it.
//! - Supervisors (a case-supervisor role whose own scope admits the case) approve
//!   closures (never their own request), override consent with a reason and send a case
//!   to another organisation.
//! - A transfer is accepted by a case supervisor of the receiving organisation (in the
//!   case's country, when their role is limited to one).

use crate::access::{Actor, Area, Role, RoleAssignment, ScopeRow};
use crate::ids::OrgId;
use crate::org::CountryCode;

fn role_scope_admits(actor: &Actor, r: &RoleAssignment, row: &ScopeRow) -> bool {
    let one = Actor { user: actor.user, org: actor.org, roles: vec![r.clone()] };
    one.scope(Area::Cases).admits(row)
}

/// Whether the actor works on cases of `org` (holds a case role there).
pub fn is_case_staff(actor: &Actor, org: OrgId) -> bool {
    actor.roles.iter().any(|r| matches!(r.role, Role::Caseworker | Role::CaseSupervisor) && r.org == Some(org))
}

/// Whether the actor works on this case: a caseworker or supervisor role whose scope
/// admits it (a provider's grant does not make anyone a caseworker).
pub fn works_on(actor: &Actor, row: &ScopeRow) -> bool {
    actor
        .roles
        .iter()
        .any(|r| matches!(r.role, Role::Caseworker | Role::CaseSupervisor) && role_scope_admits(actor, r, row))
}

/// Whether the actor supervises this case.
pub fn supervises(actor: &Actor, row: &ScopeRow) -> bool {
    actor.roles.iter().any(|r| r.role == Role::CaseSupervisor && role_scope_admits(actor, r, row))
}

/// Whether the actor may accept or decline a case sent to `to_org` in `country`.
pub fn may_receive(actor: &Actor, to_org: OrgId, country: Option<CountryCode>) -> bool {
    actor.roles.iter().any(|r| {
        r.role == Role::CaseSupervisor && r.org == Some(to_org) && r.country.is_none_or(|c| Some(c) == country)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{TeamId, UserId};

    fn actor(roles: Vec<RoleAssignment>) -> Actor {
        Actor { user: UserId::new(), org: OrgId::new(), roles }
    }

    #[test]
    fn supervisors_of_the_team_or_the_organisation_supervise() {
        let (org, team, other_team) = (OrgId::new(), TeamId::new(), TeamId::new());
        let bo = CountryCode::parse("c", "BO").ok();
        let row = ScopeRow { org: Some(org), country: bo, team: Some(team), ..Default::default() };
        let worker =
            actor(vec![RoleAssignment { role: Role::Caseworker, org: Some(org), country: bo, team: Some(team) }]);
        assert!(works_on(&worker, &row) && !supervises(&worker, &row));
        let lead =
            actor(vec![RoleAssignment { role: Role::CaseSupervisor, org: Some(org), country: None, team: None }]);
        assert!(supervises(&lead, &row));
        let other = actor(vec![RoleAssignment {
            role: Role::CaseSupervisor,
            org: Some(org),
            country: bo,
            team: Some(other_team),
        }]);
        assert!(!supervises(&other, &row) && !works_on(&other, &row));
        let provider =
            actor(vec![RoleAssignment { role: Role::ServiceProvider, org: Some(org), country: None, team: None }]);
        assert!(!works_on(&provider, &row));
    }

    #[test]
    fn transfers_are_received_by_supervisors_of_the_receiving_organisation() {
        let to = OrgId::new();
        let bo = CountryCode::parse("c", "BO").ok();
        let pe = CountryCode::parse("c", "PE").ok();
        let peru = actor(vec![RoleAssignment { role: Role::CaseSupervisor, org: Some(to), country: pe, team: None }]);
        assert!(!may_receive(&peru, to, bo));
        assert!(may_receive(&peru, to, pe));
        let worker = actor(vec![RoleAssignment { role: Role::Caseworker, org: Some(to), country: None, team: None }]);
        assert!(!may_receive(&worker, to, bo));
    }
}
