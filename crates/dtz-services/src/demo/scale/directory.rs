//! Generators of the core platform: organisations, teams, users with their roles.

use super::names;
use super::{BATCH, Gen, GenOrg, GenTeam, GenUser};
use crate::{Caller, Result};
use dtz_domain::access::{Role, RoleAssignment};
use dtz_domain::account::{self, Email};
use dtz_domain::change::Change;
use dtz_domain::ids::{OrgId, RoleAssignmentId, TeamId, UserId};
use dtz_domain::org::{CountryCode, OrgFields, OrgKind};
use dtz_domain::validate::Invalid;
use dtz_store::audit::NewEvent;
use dtz_store::teams::NewTeam;
use dtz_store::users::NewUser;
use dtz_store::{orgs, teams, users};
use rand::RngExt;
use serde::Serialize;
use std::ops::Range;

/// The audited fields of a new user, as `accounts::create_user` records them.
#[derive(Serialize)]
struct UserAudit<'a> {
    org_id: OrgId,
    email: &'a str,
    name: &'a str,
    language: &'a str,
    password: bool,
}

/// The audited fields of a new team, as `accounts::create_team` records them.
#[derive(Serialize)]
struct TeamAudit<'a> {
    org_id: OrgId,
    country: Option<CountryCode>,
    name: &'a str,
}

/// Organisations: mostly local partners and service providers, some government bodies
/// and a few alliance members (the only ones with an IATI-looking identifier).
pub(super) async fn organisations(g: &mut Gen<'_>) -> Result<()> {
    g.world.countries = names::PROGRAMME
        .iter()
        .chain(names::OTHERS.iter())
        .take(g.plan.countries())
        .map(|c| CountryCode::parse("country", c))
        .collect::<Result<Vec<_>, Invalid>>()?;
    let drawn = (0..g.plan.organisations()).map(|i| organisation(g, i)).collect::<Result<Vec<_>>>()?;
    g.step("organisations", 2 * drawn.len() as u64);
    for chunk in drawn.chunks(BATCH / 2) {
        let mut tx = g.s.db.begin().await?;
        orgs::insert_many(&mut tx, &g.s.keys, chunk, g.now).await?;
        let events: Vec<NewEvent> = chunk
            .iter()
            .map(|(id, f)| {
                Caller::System.event("organisation.create", &Change::create("organisation", id.0, f), Some(*id))
            })
            .collect();
        // An organisation row and its key-encryption key row each.
        g.commit(tx, &events, 2 * chunk.len() as u64).await?;
    }
    g.world.orgs.extend(drawn.into_iter().map(|(id, f)| GenOrg { id, kind: f.kind, country: f.country }));
    Ok(())
}

/// The `i`-th organisation (0-based).
fn organisation(g: &mut Gen<'_>, i: usize) -> Result<(OrgId, OrgFields)> {
    let number = i + 1;
    let kind = match g.percent() {
        0..4 => OrgKind::AllianceMember,
        4..54 => OrgKind::LocalPartner,
        54..90 => OrgKind::ServiceProvider,
        _ => OrgKind::GovernmentBody,
    };
    let id = OrgId(g.uuid());
    if kind == OrgKind::AllianceMember {
        let name = format!("Sample alliance member {number} (sample data)");
        return Ok((id, OrgFields::parse(&name, kind.as_str(), Some(&member_iati(number)), Some("NL"), true)?));
    }
    let (programme, all) = (names::PROGRAMME.len(), g.world.countries.len());
    let country = if all > programme && g.chance(0.3) { country(g, programme..all) } else { country(g, 0..programme) };
    let region = names::region(country.as_str());
    let prefix = g.pick(names::org_prefixes(kind, region));
    let word = g.pick(names::org_words(region));
    let name = format!("{prefix} {word} {number} (sample data)");
    let publishable = kind != OrgKind::LocalPartner || g.chance(0.8);
    Ok((id, OrgFields::parse(&name, kind.as_str(), None, Some(country.as_str()), publishable)?))
}

/// The IATI identifier of the `number`-th generated alliance member: a well-formed Chamber
/// of Commerce number (identifiers are checked when entered) that no real member holds.
fn member_iati(number: usize) -> String {
    format!("NL-KVK-99{number:06}")
}

/// One of the world's countries, by position.
fn country(g: &mut Gen<'_>, among: Range<usize>) -> CountryCode {
    let i = g.rng.random_range(among);
    g.world.countries[i]
}

/// Two case teams in every local partner.
pub(super) async fn teams(g: &mut Gen<'_>) -> Result<()> {
    let partners: Vec<GenOrg> = g.world.orgs.iter().filter(|o| o.kind == OrgKind::LocalPartner).cloned().collect();
    let mut drawn = Vec::new();
    for (i, o) in partners.iter().enumerate() {
        for k in 1..=2 {
            let name = format!("Case team {}-{k} (sample)", i + 1);
            drawn.push(NewTeam { id: TeamId(g.uuid()), org: o.id, country: o.country.map(String::from), name });
        }
    }
    g.step("teams", drawn.len() as u64);
    for chunk in drawn.chunks(BATCH) {
        let mut tx = g.s.db.begin().await?;
        teams::insert_many(&mut tx, chunk, g.now).await?;
        let mut events = Vec::with_capacity(chunk.len());
        for t in chunk {
            let country = t.country.as_deref().map(|c| CountryCode::parse("country", c)).transpose()?;
            let audit = TeamAudit { org_id: t.org, country, name: &t.name };
            events.push(Caller::System.event("team.create", &Change::create("team", t.id.0, &audit), Some(t.org)));
        }
        g.commit(tx, &events, chunk.len() as u64).await?;
    }
    g.world.teams.extend(drawn.into_iter().map(|t| GenTeam {
        id: t.id,
        org: t.org,
        country: t.country.and_then(|c| parse_country(&c)),
    }));
    Ok(())
}

fn parse_country(c: &str) -> Option<CountryCode> {
    CountryCode::parse("country", c).ok()
}

/// A user with the one role it gets.
struct Drawn {
    user: NewUser,
    role: (RoleAssignmentId, RoleAssignment),
}

/// Ten users in every organisation, with the roles its kind needs; every account has the
/// one shared password hash.
pub(super) async fn users(g: &mut Gen<'_>) -> Result<()> {
    let orgs = g.world.orgs.clone();
    let mut drawn = Vec::with_capacity(orgs.len() * g.plan.users_per_org());
    for (i, o) in orgs.iter().enumerate() {
        let team_ids: Vec<TeamId> = g.world.teams.iter().filter(|t| t.org == o.id).map(|t| t.id).collect();
        for (k, role) in roles(g, o, &team_ids).into_iter().enumerate() {
            drawn.push(user(g, o, i + 1, k + 1, role)?);
        }
    }
    g.step("users and roles", 2 * drawn.len() as u64);
    for chunk in drawn.chunks(BATCH / 2) {
        let mut tx = g.s.db.begin().await?;
        let new_users: Vec<NewUser> = chunk.iter().map(|d| d.user.clone()).collect();
        users::insert_many(&mut tx, &new_users, g.now).await?;
        let roles: Vec<_> = chunk.iter().map(|d| (d.role.0, d.user.id, d.role.1.clone())).collect();
        users::insert_roles(&mut tx, &roles, g.now).await?;
        let mut events = Vec::with_capacity(2 * chunk.len());
        for d in chunk {
            let u = &d.user;
            let audit =
                UserAudit { org_id: u.org, email: &u.email, name: &u.name, language: &u.language, password: true };
            events.push(Caller::System.event("user.create", &Change::create("user", u.id.0, &audit), Some(u.org)));
            let change = Change::create("role_assignment", d.role.0.0, &d.role.1);
            events.push(Caller::System.event("role.assign", &change, Some(u.org)));
        }
        g.commit(tx, &events, 2 * chunk.len() as u64).await?;
    }
    g.world.users.extend(drawn.into_iter().map(|d| GenUser {
        id: d.user.id,
        org: d.user.org,
        role: d.role.1.role,
        team: d.role.1.team,
    }));
    Ok(())
}

/// The roles of an organisation's ten users, by its kind.
fn roles(g: &mut Gen<'_>, o: &GenOrg, teams: &[TeamId]) -> Vec<RoleAssignment> {
    let org = Some(o.id);
    let ra = |role, country, team| RoleAssignment { role, org, country, team };
    let mut out = vec![ra(Role::Administrator, None, None)];
    match o.kind {
        OrgKind::AllianceMember => {
            for _ in 0..2 {
                let c = country(g, 0..names::PROGRAMME.len());
                out.push(ra(Role::CountryCoordinator, Some(c), None));
            }
            out.extend((0..7).map(|_| ra(Role::MeOfficer, None, None)));
        }
        OrgKind::LocalPartner => {
            out.extend((0..2).map(|_| ra(Role::MeOfficer, o.country, None)));
            for (team, caseworkers) in teams.iter().zip([2, 3]) {
                out.push(ra(Role::CaseSupervisor, o.country, Some(*team)));
                out.extend((0..caseworkers).map(|_| ra(Role::Caseworker, o.country, Some(*team))));
            }
        }
        OrgKind::ServiceProvider | OrgKind::GovernmentBody | OrgKind::Donor => {
            out.extend((0..9).map(|_| ra(Role::ServiceProvider, None, None)));
        }
    }
    out
}

/// The `k`-th user of the `number`-th organisation.
fn user(g: &mut Gen<'_>, o: &GenOrg, number: usize, k: usize, role: RoleAssignment) -> Result<Drawn> {
    role.check()?;
    let home = o.country.map(|c| c.as_str().to_owned()).unwrap_or_else(|| "NL".into());
    let region = names::region(&home);
    let first = g.pick(names::first_names(region));
    let last = g.pick(names::last_names(region));
    let email = Email::parse("email", &format!("{first}.{last}.{k}@org{number:04}.sample.example.org"))?;
    let user = NewUser {
        id: UserId(g.uuid()),
        org: o.id,
        email: email.as_str().to_owned(),
        name: account::person_name("name", &format!("{first} {last} (sample)"))?,
        language: account::staff_language("language", names::staff_language(&home))?,
        password_hash: g.password_hash.clone(),
    };
    Ok(Drawn { user, role: (RoleAssignmentId(g.uuid()), role) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_members_have_identifiers_the_checks_accept() {
        for number in [1, 57, 200, 999_999] {
            let f = OrgFields::parse(
                "Sample",
                OrgKind::AllianceMember.as_str(),
                Some(&member_iati(number)),
                Some("NL"),
                true,
            );
            assert!(f.is_ok(), "{number}: {f:?}");
        }
    }
}
