//! The Down to Zero demonstration: the real alliance (public facts of DESIGN §1) and
//! sample partners, providers, teams and one account per role. Sample names say so.

mod activities;
mod cases;
mod config;
mod directory;
mod finance;
mod referrals;
pub mod scale;
mod signals;
mod values;
mod work;

use crate::accounts::{UserInput, generate_password};
use crate::{Caller, Result, Services};
use dtz_domain::access::{Role, RoleAssignment};
use dtz_domain::ids::{OrgId, TeamId, UserId};
use dtz_domain::org::{CountryCode, OrgFields, OrgKind};

/// The accounts the demo made, for printing.
#[derive(Clone, Debug)]
pub struct DemoAccounts {
    /// (e-mail, what the account is for).
    pub accounts: Vec<(String, String)>,
    /// The shared password, when generated in this run.
    pub password: Option<String>,
}

/// The five members and the donor, with their real IATI organisation ids.
pub const ALLIANCE: &[(&str, OrgKind, &str, &str)] = &[
    ("Terre des Hommes Netherlands", OrgKind::AllianceMember, "NL-KVK-41149287", "NL"),
    ("Plan Nederland", OrgKind::AllianceMember, "NL-KVK-41198890", "NL"),
    ("Defence for Children – ECPAT Netherlands", OrgKind::AllianceMember, "NL-KVK-41208813", "NL"),
    ("Free a Girl", OrgKind::AllianceMember, "NL-KVK-34308169", "NL"),
    ("ICCO Cooperation", OrgKind::AllianceMember, "NL-KVK-56484038", "NL"),
    ("Ministry of Foreign Affairs of the Netherlands", OrgKind::Donor, "XM-DAC-7", "NL"),
];

/// Sample local partners and providers (invented, marked as sample).
const SAMPLE: &[(&str, OrgKind, &str, bool)] = &[
    ("Sample partner Bolivia (sample data)", OrgKind::LocalPartner, "BO", true),
    ("Sample partner India (sample data)", OrgKind::LocalPartner, "IN", true),
    ("Sample partner Philippines (sample data)", OrgKind::LocalPartner, "PH", false),
    ("Sample shelter La Paz (sample data)", OrgKind::ServiceProvider, "BO", false),
    ("Sample legal aid Kolkata (sample data)", OrgKind::ServiceProvider, "IN", false),
    // Receive public reports where the lead member is not public (indices 11–14).
    ("Sample partner Thailand (sample data)", OrgKind::LocalPartner, "TH", false),
    ("Sample partner Indonesia (sample data)", OrgKind::LocalPartner, "ID", false),
    ("Sample partner Dominican Republic (sample data)", OrgKind::LocalPartner, "DO", false),
    ("Sample partner Brazil (sample data)", OrgKind::LocalPartner, "BR", false),
];

/// Whether the database already holds organisations.
pub async fn is_loaded(s: &Services) -> Result<bool> {
    Ok(!s.orgs(&Caller::System).await?.is_empty())
}

fn country(c: &str) -> Option<CountryCode> {
    CountryCode::parse("country", c).ok()
}

/// Load the demo into an empty database.
pub async fn load(s: &Services) -> Result<DemoAccounts> {
    let sys = Caller::System;
    let mut ids = Vec::new();
    for (name, kind, iati, c) in ALLIANCE {
        let f = OrgFields::parse(name, kind.as_str(), Some(iati), Some(c), true)?;
        ids.push(s.create_org(&sys, OrgId::new(), f).await?.id);
    }
    for (name, kind, c, publishable) in SAMPLE {
        let f = OrgFields {
            name: (*name).into(),
            kind: *kind,
            iati_id: None,
            country: country(c),
            publishable: *publishable,
        };
        ids.push(s.create_org(&sys, OrgId::new(), f).await?.id);
    }
    let org = |i: usize| OrgId(ids[i]);
    let alliance: Vec<OrgId> = (0..ALLIANCE.len()).map(org).collect();
    // Every demo country takes public reports: where the lead is not public, a sample
    // partner receives them (the Philippines' sample partner is index 8).
    let intake = [("TH", org(11)), ("ID", org(12)), ("PH", org(8)), ("DO", org(13)), ("BR", org(14))];
    config::load(s, &alliance, &intake).await?;
    let (tdh, fag, icco, mfa, partner_bo, shelter_bo) = (org(0), org(3), org(4), org(5), org(6), org(9));
    let team = s.create_team(&sys, TeamId::new(), partner_bo, Some("BO"), "Case team El Alto (sample)").await?;
    let team = TeamId(team.id);
    let password = generate_password()?;
    let bo = country("BO");
    let people: Vec<(&str, &str, OrgId, RoleAssignment, &str)> = vec![
        (
            "admin@demo.example.org",
            "Demo administrator",
            tdh,
            ra(Role::Administrator, None, None, None),
            "system administrator",
        ),
        (
            "alliance.lead@demo.example.org",
            "Demo alliance M&E lead",
            tdh,
            ra(Role::AllianceManager, None, None, None),
            "alliance M&E lead",
        ),
        (
            "coordinator.bo@demo.example.org",
            "Demo coordinator Bolivia",
            icco,
            ra(Role::CountryCoordinator, Some(icco), bo, None),
            "country coordinator, Bolivia",
        ),
        (
            "me.officer.bo@demo.example.org",
            "Demo M&E officer Bolivia",
            partner_bo,
            ra(Role::MeOfficer, Some(partner_bo), bo, None),
            "M&E officer of the sample partner in Bolivia",
        ),
        (
            "supervisor.bo@demo.example.org",
            "Demo case supervisor",
            partner_bo,
            ra(Role::CaseSupervisor, Some(partner_bo), bo, Some(team)),
            "case supervisor, Bolivia",
        ),
        (
            "caseworker.bo@demo.example.org",
            "Demo caseworker",
            partner_bo,
            ra(Role::Caseworker, Some(partner_bo), bo, Some(team)),
            "caseworker, Bolivia",
        ),
        (
            "intake.bo@demo.example.org",
            "Demo intake caseworker ICCO Bolivia",
            icco,
            ra(Role::CaseSupervisor, Some(icco), bo, None),
            "signals inbox of ICCO, which receives the public reports from Bolivia",
        ),
        (
            "provider.bo@demo.example.org",
            "Demo shelter staff",
            shelter_bo,
            ra(Role::ServiceProvider, Some(shelter_bo), None, None),
            "service provider (shelter), Bolivia",
        ),
        (
            "donor@demo.example.org",
            "Demo donor",
            mfa,
            ra(Role::Donor, None, None, None),
            "donor (Ministry of Foreign Affairs)",
        ),
        (
            "admin.fag@demo.example.org",
            "Demo administrator Free a Girl",
            fag,
            ra(Role::Administrator, Some(fag), None, None),
            "administrator of Free a Girl only",
        ),
    ];
    let mut accounts = Vec::new();
    for (email, name, org, role, what) in people {
        let input = UserInput {
            org: Some(org),
            email: email.into(),
            name: name.into(),
            language: "en".into(),
            password: Some(password.clone()),
            roles: vec![role],
        };
        s.create_user(&sys, UserId::new(), input).await?;
        accounts.push((email.to_owned(), what.to_owned()));
    }
    let programme = Services::parse_programme(PROGRAMME)?;
    s.load_programme(&sys, &programme).await?;
    directory::load(s, &[shelter_bo, org(10)]).await?;
    let (partner_in, partner_ph) = (org(7), org(8));
    let reporters = [
        (fag, "IN"),
        (fag, "TH"),
        (icco, "BO"),
        (icco, "PE"),
        (icco, "CO"),
        (icco, "NI"),
        (partner_in, "IN"),
        (partner_bo, "BO"),
        (partner_ph, "PH"),
    ];
    activities::load(s, &reporters).await?;
    // Work records before the values, so the reports submitted and approved there hold
    // the figures computed from them (goals 3 and 4).
    work::load(s, &reporters).await?;
    values::load(s, &reporters).await?;
    values::load_goals(s, &reporters).await?;
    signals::load(s).await?;
    finance::load(s, "DTZ").await?;
    cases::load(s, icco, partner_bo, team).await?;
    referrals::load(s).await?;
    let mut tx = s.db.begin().await?;
    dtz_store::settings::put(&mut tx, DEMO_SETTING, "true", 0, s.clock.now()).await?;
    tx.commit().await?;
    Ok(DemoAccounts { accounts, password: Some(password) })
}

/// The demo programme file.
pub const PROGRAMME: &str = include_str!("demo/dtz-programme.toml");

/// Setting that marks a database holding the demonstration, so every page says that
/// what it shows is sample data, however dtz was started.
pub const DEMO_SETTING: &str = "demo.loaded";

/// Whether this database holds the demonstration.
pub async fn is_demo(s: &Services) -> Result<bool> {
    Ok(dtz_store::settings::get(&s.db, DEMO_SETTING).await?.is_some())
}

fn ra(role: Role, org: Option<OrgId>, country: Option<CountryCode>, team: Option<TeamId>) -> RoleAssignment {
    RoleAssignment { role, org, country, team }
}

/// The demo accounts (e-mail and purpose) of a loaded demo.
pub async fn accounts(s: &Services) -> Result<Vec<String>> {
    Ok(s.users(&Caller::System, None)
        .await?
        .into_iter()
        .map(|u| u.email)
        .filter(|e| e.ends_with("@demo.example.org"))
        .collect())
}
