//! Story tests of the work records on both databases: harvested outcomes, the policy
//! tracker, prosecutions (with their disclosed summary and the case reference only case
//! staff see) and companies with The Code. Each walks create, edit, a stale edit (409),
//! out of scope (404), bad input (422, nothing changed) and the audit (field names, never
//! values), through the pages and the API.

mod companies;
mod demo;
mod followed;
mod outcomes;
mod policy;
mod prosecutions;

use crate::support::{PASSWORD, Res, TestApp, csrf_of};
use dtz_domain::access::{Role, RoleAssignment};
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_services::config::TermInput;
use dtz_services::{Caller, Services};
use dtz_store::Sql;
use std::collections::BTreeMap;

/// The people of the work stories.
pub struct World {
    /// The partner in Bolivia.
    pub partner: OrgId,
    /// A partner in Peru.
    pub other: OrgId,
    /// Signed-in cookies and API tokens by person.
    pub me: (String, String),
    pub me_pe: (String, String),
    pub coordinator: (String, String),
    pub donor: (String, String),
    pub caseworker: (String, String),
}

fn ra(role: Role, org: Option<OrgId>, country: Option<&str>) -> Option<RoleAssignment> {
    Some(RoleAssignment { role, org, country: country.map(|c| CountryCode::parse("c", c).unwrap()), team: None })
}

async fn term(s: &Services, vocabulary: &str, code: &str, country: &str, order: i64, en: &str, es: &str) {
    let labels = BTreeMap::from([("en".to_owned(), en.to_owned()), ("es".to_owned(), es.to_owned())]);
    let input =
        TermInput { code: code.into(), country: country.into(), sort_order: order.to_string(), active: true, labels };
    s.create_term(&Caller::System, vocabulary, &input).await.unwrap();
}

/// The demo programme, a few terms, two partners and the people.
pub async fn world(app: &TestApp) -> World {
    let s = &app.services;
    let p = Services::parse_programme(dtz_services::demo::PROGRAMME).unwrap();
    s.load_programme(&Caller::System, &p).await.unwrap();
    term(s, "instrument_kind", "law", "", 10, "Law", "Ley").await;
    term(s, "instrument_kind", "protocol", "", 20, "Protocol", "Protocolo").await;
    term(s, "offence_type", "trafficking", "", 10, "Trafficking in children", "Trata").await;
    term(s, "offence_type", "csam", "", 20, "Child sexual abuse material", "Material").await;
    term(s, "court_stage", "investigation", "", 10, "Investigation", "Investigación").await;
    term(s, "court_stage", "charged", "", 20, "Charged", "Acusación").await;
    term(s, "court_stage", "trial", "", 30, "Trial", "Juicio").await;
    // Peru's legal system has stages of its own.
    term(s, "court_stage", "denuncia", "PE", 10, "Complaint", "Denuncia").await;
    term(s, "court_stage", "juicio_oral", "PE", 20, "Oral trial", "Juicio oral").await;
    let lead = app.org("ICCO", "alliance_member").await;
    let partner = app.org("Partner Bolivia", "local_partner").await;
    let other = app.org("Partner Peru", "local_partner").await;
    let ministry = app.org("Ministry", "donor").await;
    let people = [
        ("me@bo.example.org", partner, ra(Role::MeOfficer, Some(partner), Some("BO"))),
        ("me@pe.example.org", other, ra(Role::MeOfficer, Some(other), Some("PE"))),
        ("coord@bo.example.org", lead, ra(Role::CountryCoordinator, Some(lead), Some("BO"))),
        ("donor@example.org", ministry, ra(Role::Donor, None, None)),
        ("caseworker@bo.example.org", partner, ra(Role::Caseworker, Some(partner), Some("BO"))),
    ];
    let mut out = Vec::new();
    for (email, org, role) in people {
        let (_, token) = app.user(email, org, role).await;
        out.push((app.login(email, PASSWORD).await.unwrap(), token));
    }
    let mut it = out.into_iter();
    let mut next = || it.next().unwrap();
    World { partner, other, me: next(), me_pe: next(), coordinator: next(), donor: next(), caseworker: next() }
}

/// Post a form with the CSRF token of the page at `form_page`.
pub async fn submit(app: &TestApp, cookie: &str, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Res {
    let html = app.page(form_page, Some(cookie)).await.text();
    let mut body = format!("csrf={}", csrf_of(&html));
    for (k, v) in fields {
        body.push_str(&format!("&{k}={}", crate::support::urlenc(v)));
    }
    app.post_form(action, Some(cookie), &body).await
}

/// The id at the end of a redirect's location (`/outcomes/{id}`).
pub fn created(r: &Res) -> String {
    let loc = r.headers.get("location").map(|l| l.to_str().unwrap().to_owned()).unwrap_or_default();
    assert!(!loc.is_empty(), "expected a redirect: {} {}", r.status, r.text());
    loc.trim_start_matches('/').split('/').nth(1).unwrap_or_default().split('#').next().unwrap().to_owned()
}

/// Every audit event about an entity: (action, fields as JSON).
pub async fn audit_of(app: &TestApp, id: &str) -> Vec<(String, String)> {
    let id: uuid::Uuid = id.parse().unwrap();
    app.db
        .db
        .read()
        .fetch_all(&Sql::with_args(
            "SELECT action, fields FROM audit_events WHERE entity_id = $1 ORDER BY seq",
            vec![id.into()],
        ))
        .await
        .unwrap()
}

/// The whole audit log as text (to show no value ever enters it).
pub async fn audit_text(app: &TestApp) -> String {
    let rows: Vec<(String, String, String)> =
        app.db.db.read().fetch_all(&Sql::new("SELECT action, entity, fields FROM audit_events")).await.unwrap();
    rows.into_iter().map(|(a, e, f)| format!("{a} {e} {f}\n")).collect()
}

/// How many rows a table has.
pub async fn count(app: &TestApp, table: &'static str) -> i64 {
    let mut q = Sql::new("SELECT COUNT(*) FROM ");
    q.push(table);
    app.db.db.read().scalar(&q).await.unwrap()
}
