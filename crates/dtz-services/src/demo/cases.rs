//! Sample cases: one opened by ICCO's intake from a Bolivian sample signal (consent
//! pending after an emergency, a police report, a hearing ahead, offered to the sample
//! partner, which has yet to accept), and one of the sample partner's own team. Invented,
//! and marked as sample data wherever text is free.

use crate::cases::{ConsentInput, NewCaseInput, StepInput};
use crate::{Caller, Result, Services};
use dtz_domain::case::ProfileInput;
use dtz_domain::ids::{OrgId, TeamId};
use dtz_store::Sql;

fn profile(sex: &str, age: &str, name: &str, situation: &str) -> ProfileInput {
    ProfileInput {
        sex: sex.into(),
        age: age.into(),
        languages: "Spanish, Aymara".into(),
        name: name.into(),
        situation: situation.into(),
        ..Default::default()
    }
}

/// Load the sample cases (after the sample signals).
pub async fn load(s: &Services, icco: OrgId, partner: OrgId, team: TeamId) -> Result<()> {
    let sys = Caller::System;
    let users = s.users(&sys, None).await?;
    let id_of = |email: &str| users.iter().find(|u| u.email == email).map(|u| u.id.to_string()).unwrap_or_default();
    let signal: Option<(uuid::Uuid,)> =
        s.db.read()
            .fetch_optional(&Sql::new("SELECT id FROM signals WHERE country = 'BO' ORDER BY created_at, id LIMIT 1"))
            .await?;
    let first = s
        .open_case(
            &sys,
            &NewCaseInput {
                signal: signal.map(|(id,)| id),
                org: Some(icco),
                country: "BO".into(),
                caseworker: id_of("intake.bo@demo.example.org"),
                risk: "high".into(),
                profile: profile(
                    "female",
                    "15",
                    "Ejemplo A. (datos de ejemplo)",
                    "(Sample data) Met through the public report; offered money to meet tourists.",
                ),
                ..Default::default()
            },
        )
        .await?;
    let consent = ConsentInput {
        kind: "services".into(),
        state: "pending".into(),
        reason: "(Sample data) Shelter the same night; her aunt could not be reached.".into(),
        ..Default::default()
    };
    s.record_consent(&sys, first.id, &consent).await?;
    let today = s.clock.now().date();
    let steps = [
        ("police_report", "done", String::new(), today.to_string(), "(Sample) complaint 123/2026"),
        ("court_hearing", "planned", (today + time::Duration::days(20)).to_string(), String::new(), ""),
    ];
    for (kind, status, due, done, note) in steps {
        let input =
            StepInput { kind: kind.into(), status: status.into(), due_date: due, done_date: done, note: note.into() };
        s.add_step(&sys, first.id, &input).await?;
    }
    s.add_goal(&sys, first.id, "(Sample) A safe place to stay and back to school.", "").await?;
    s.propose_transfer(&sys, first.id, partner).await?;
    let second = s
        .open_case(
            &sys,
            &NewCaseInput {
                org: Some(partner),
                country: "BO".into(),
                team: team.0.to_string(),
                caseworker: id_of("caseworker.bo@demo.example.org"),
                risk: "medium".into(),
                profile: profile("male", "13", "Ejemplo B. (datos de ejemplo)", "(Sample data) Referred by a school."),
                ..Default::default()
            },
        )
        .await?;
    let consent = ConsentInput {
        kind: "services".into(),
        state: "granted".into(),
        given_by: "guardian".into(),
        ..Default::default()
    };
    s.record_consent(&sys, second.id, &consent).await?;
    s.add_note(&sys, second.id, "(Sample) First visit with the family went well.", None).await?;
    Ok(())
}
