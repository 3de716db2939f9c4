//! Sample referrals and follow-ups on the sample cases: the sample partner's case is
//! in the care of the sample shelter in La Paz (which has an account), waits for the
//! sample legal clinic (no accounts; its answer deadline has passed), and has one
//! referral declined and one completed; follow-ups done, planned and overdue. ICCO's
//! case has an emergency referral sent before consent. Invented and marked as sample.

use crate::referrals::{FollowUpInput, FollowUpRecord, ReferralInput, StepInput};
use crate::{Caller, Result, Services};
use dtz_store::Sql;
use uuid::Uuid;

fn referral(service: Uuid, urgency: &str, emergency: bool, reason: &str) -> ReferralInput {
    ReferralInput {
        service: service.to_string(),
        urgency: urgency.into(),
        emergency,
        reason: format!("(Sample data) {reason}"),
        security_risks: "(Sample data) An adult who recruited the child may try to make contact.".into(),
        notes: String::new(),
    }
}

async fn service(s: &Services, provider: &str, kind: &str) -> Result<Option<Uuid>> {
    let row: Option<(Uuid,)> =
        s.db.read()
            .fetch_optional(&Sql::with_args(
                "SELECT s.id FROM provider_services s JOIN service_providers p ON p.id = s.provider_id \
             WHERE p.name = $1 AND s.service_type = $2 AND s.deleted_at IS NULL",
                vec![provider.into(), kind.into()],
            ))
            .await?;
    Ok(row.map(|(id,)| id))
}

async fn step(s: &Services, who: &Caller, id: Uuid, action: &str, reason: &str) -> Result<()> {
    let version = s.referral(who, id).await?.minimum.version;
    let input = StepInput { version, action: action.into(), reason: reason.into(), onward: None };
    s.referral_step(who, id, &input).await?;
    Ok(())
}

/// Load the sample referrals (after the sample cases and the directory).
pub async fn load(s: &Services) -> Result<()> {
    let sys = Caller::System;
    let cases: Vec<(Uuid,)> = s.db.read().fetch_all(&Sql::new("SELECT id FROM cases ORDER BY number")).await?;
    let la_paz = "Sample shelter La Paz (sample data)";
    let (Some(shelter), Some(psy), Some(legal)) = (
        service(s, la_paz, "shelter").await?,
        service(s, la_paz, "psychosocial").await?,
        service(s, "Sample legal clinic Cochabamba (sample data)", "legal_aid").await?,
    ) else {
        return Ok(());
    };
    let users = s.users(&sys, None).await?;
    let Some(provider_user) = users.iter().find(|u| u.email == "provider.bo@demo.example.org") else { return Ok(()) };
    let provider = Caller::User(s.actor(provider_user).await?);
    let (Some((first,)), Some((second,))) = (cases.first().copied(), cases.get(1).copied()) else { return Ok(()) };
    // ICCO's case: an emergency referral before consent (the case stays flagged).
    s.send_referral(&sys, first, &referral(psy, "urgent", true, "Support the same night.")).await?;
    // The partner's case: consent to sharing, then four referrals in different states.
    let consent = crate::cases::ConsentInput {
        kind: "sharing".into(),
        state: "granted".into(),
        given_by: "guardian".into(),
        ..Default::default()
    };
    s.record_consent(&sys, second, &consent).await?;
    let in_care =
        s.send_referral(&sys, second, &referral(shelter, "normal", false, "Needs a safe place to stay.")).await?;
    step(s, &provider, in_care, "accept", "").await?;
    step(s, &provider, in_care, "start", "").await?;
    let declined = s.send_referral(&sys, second, &referral(psy, "low", false, "Weekly counselling.")).await?;
    step(s, &provider, declined, "decline", "(Sample data) No counsellor speaking Aymara this month.").await?;
    let done = s.send_referral(&sys, second, &referral(psy, "normal", false, "Counselling after the hearing.")).await?;
    for a in ["accept", "start", "complete"] {
        step(s, &provider, done, a, "").await?;
    }
    s.send_referral(&sys, second, &referral(legal, "urgent", false, "Advice for the compensation claim.")).await?;
    // Its answer time has passed: the next housekeeping tick escalates it.
    let mut tx = s.db.begin().await?;
    tx.q()
        .execute(&Sql::with_args(
            "UPDATE referrals SET respond_by = $1 WHERE service_id = $2",
            vec![(s.clock.now() - time::Duration::hours(1)).into(), legal.into()],
        ))
        .await?;
    tx.commit().await?;
    let today = s.clock.now().date();
    let plans = [
        ("home_visit", today - time::Duration::days(10)),
        ("provider_contact", today - time::Duration::days(2)),
        ("phone_call", today + time::Duration::days(7)),
    ];
    let mut ids = Vec::new();
    for (kind, date) in plans {
        let input = FollowUpInput { kind: kind.into(), planned_date: date.to_string(), referral: in_care.to_string() };
        ids.push(s.plan_follow_up(&sys, second, &input).await?);
    }
    if let Some(first_visit) = ids.first() {
        let record = FollowUpRecord {
            status: "done".into(),
            done_date: (today - time::Duration::days(9)).to_string(),
            progress: "improving".into(),
            ..Default::default()
        };
        s.record_follow_up(&sys, second, *first_visit, 1, &record).await?;
        s.add_follow_up_note(
            &sys,
            second,
            *first_visit,
            "(Sample data) Settling in; attends the shelter's classes.",
            None,
        )
        .await?;
    }
    Ok(())
}
