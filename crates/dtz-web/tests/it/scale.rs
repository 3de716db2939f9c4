//! The generated results of `dtz demo --scale` (issue 8) are consistent: every demo indicator five times,
//! totals equal to their parts, alliance totals equal to the sum of their countries, and
//! the periods the generator approves reach the approved-only rollup.

use crate::support::TestApp;
use dtz_domain::results::Measure;
use dtz_domain::results::rollup::{Grouping, Part};
use dtz_services::Caller;
use dtz_services::demo::scale::{self, Plan, Quiet};
use std::collections::HashMap;

crate::on_both! {
    generated_results_add_up_and_approved_periods_reach_the_rollup => generated;
}

async fn generated(app: TestApp) {
    let s = &app.services;
    dtz_services::demo::load(s).await.expect("demo");
    scale::generate(s, Plan { scale: 1, seed: 3 }, "a long enough test passphrase", &Quiet).await.expect("generate");
    let by = |country, period, part| Grouping { country, org: false, period, part };
    let all = s
        .figures_by(&Caller::System, scale::results::CODE, &[by(false, true, false), by(true, true, true)], false, None)
        .await
        .expect("figures");
    let (alliance, detail) = (&all[0], &all[1]);
    let demo = dtz_services::Services::parse_programme(dtz_services::demo::PROGRAMME).expect("demo programme");
    assert_eq!(alliance.indicators.len(), 5 * demo.indicators().len(), "every demo indicator five times");
    let mut checked = 0;
    for (a, d) in alliance.indicators.iter().zip(&detail.indicators) {
        let ind = a.indicator.indicator();
        // 2016–2023 are approved at both levels for every reporter.
        let periods: Vec<String> = a.cells.iter().filter_map(|c| c.period.map(|p| p.to_string())).collect();
        for y in 2016..=2023 {
            assert!(periods.contains(&y.to_string()), "{} has approved figures for {y}", ind.code);
        }
        assert!(d.cells.iter().all(|c| !c.parts_mismatch), "{}: parts add up to totals", ind.code);
        if ind.measure != Measure::Count || ind.cumulative {
            continue;
        }
        let mut countries: HashMap<String, i64> = HashMap::new();
        for c in d.cells.iter().filter(|c| c.part == Some(Part::Total)) {
            *countries.entry(c.period.map(|p| p.to_string()).unwrap_or_default()).or_default() += c.value.unwrap_or(0);
        }
        for c in &a.cells {
            let p = c.period.map(|p| p.to_string()).unwrap_or_default();
            assert_eq!(c.value.unwrap_or(0), countries[&p], "{} {p}: alliance = sum of countries", ind.code);
            checked += 1;
        }
    }
    assert!(checked > 300, "enough count figures were compared: {checked}");
    // Activities: 5,000 per scale unit, each with its reach, listed like any.
    let page = s.activities(&Caller::System, scale::results::CODE, &Default::default(), 1).await.expect("activities");
    assert_eq!((page.total, page.rows.len()), (5_000, 50));
    let reach: i64 =
        s.db.read().scalar(&dtz_store::Sql::new("SELECT COUNT(*) FROM activity_reach")).await.expect("reach");
    let demo_reach: i64 = 9 * 5 * 12;
    assert!(reach >= 5_000 + demo_reach, "every generated activity reached someone: {reach}");
    let drift = s.indicator_drift(&Caller::System, scale::results::CODE, "G1.O3.2").await.expect("drift");
    assert!(!drift.is_empty(), "bulk figures of computed indicators are not computed from the generated activities");
    generated_cases(s).await;
}

/// Cases: 1,000 per scale unit, numbered by the sample allocator, each with a profile
/// that opens with its own data key under its organisation's key, like a case opened in
/// the pages.
async fn generated_cases(s: &dtz_services::Services) {
    let q = |sql: &'static str| dtz_store::Sql::new(sql);
    let n: i64 = s.db.read().scalar(&q("SELECT COUNT(*) FROM cases WHERE number LIKE '%-S-%'")).await.expect("count");
    assert_eq!(n, 1_000);
    let open: i64 = s.db.read().scalar(&q("SELECT COUNT(*) FROM cases WHERE status = 'open'")).await.expect("open");
    assert!(open > 0 && open < n, "some generated cases are open, most closed: {open}");
    let rows = dtz_store::cases::list(&s.db, &dtz_domain::access::Scope::all(), &Default::default(), 500, 0)
        .await
        .expect("list");
    let generated: Vec<_> = rows.into_iter().filter(|c| c.number.contains("-S-")).take(3).collect();
    assert_eq!(generated.len(), 3);
    for c in generated {
        let c = dtz_store::cases::get(&s.db, &dtz_domain::access::Scope::all(), c.id).await.expect("the case");
        let place = dtz_store::sealed::Place { table: "cases", row: c.id };
        let wrapped = c.data_key.expect("a data key");
        let key = dtz_store::sealed::open_data_key(&s.db, &s.keys, dtz_domain::ids::OrgId(c.org_id), place, &wrapped)
            .await
            .expect("opens under the organisation's key");
        let secrets: dtz_domain::case::Secrets =
            key.open_json("profile", &c.profile.expect("a profile")).expect("profile");
        assert!(secrets.name.is_some_and(|n| n.starts_with("Sample child ")), "sample names only");
    }
}

crate::on_both! {
    generated_referrals_follow_their_steps_and_open_like_any => referrals;
}

/// Referrals and follow-ups: about one referral per case to a generated provider in the
/// case's country, each with one step per version; those that ended have an end; every
/// case has its follow-ups; a generated referral opens like one sent in the pages.
async fn referrals(app: TestApp) {
    let s = &app.services;
    dtz_services::demo::load(s).await.expect("demo");
    scale::generate(s, Plan { scale: 4, seed: 2016 }, "a long enough test passphrase", &Quiet).await.expect("generate");
    let count = |sql: &'static str| async move {
        let n: i64 = s.db.read().scalar(&dtz_store::Sql::new(sql)).await.expect(sql);
        n
    };
    let n = count(
        "SELECT COUNT(*) FROM referrals r JOIN service_providers p ON p.id = r.provider_id \
         WHERE p.name LIKE 'Sample provider %'",
    )
    .await;
    assert!((3_000..6_000).contains(&n), "about one referral per generated case: {n}");
    let steps_off = count(
        "SELECT COUNT(*) FROM referrals r WHERE r.version <> (SELECT COUNT(*) FROM referral_steps s WHERE s.referral_id = r.id)",
    )
    .await;
    assert_eq!(steps_off, 0, "one step per version");
    let unended = count(
        "SELECT COUNT(*) FROM referrals WHERE status NOT IN ('pending', 'accepted', 'in_progress') AND ended_at IS NULL",
    )
    .await;
    assert_eq!(unended, 0, "a referral that ended has its end");
    let states = count("SELECT COUNT(DISTINCT status) FROM referrals").await;
    assert!(states >= 7, "referrals in most states: {states}");
    assert!(count("SELECT COUNT(*) FROM follow_ups").await > 4_000, "follow-ups of the cases");
    let elsewhere = count(
        "SELECT COUNT(*) FROM reports r JOIN programmes p ON p.id = r.programme_id WHERE p.code = 'SCALE' \
         AND r.country NOT IN (SELECT c.country FROM programme_countries c WHERE c.programme_id = p.id)",
    )
    .await;
    assert_eq!(elsewhere, 0, "reports only in the programme's countries");
    let (id,): (uuid::Uuid,) =
        s.db.read()
            .fetch_one(&dtz_store::Sql::new("SELECT id FROM referrals WHERE status = 'in_progress' ORDER BY id"))
            .await
            .expect("a referral in progress");
    let r = s.referral(&Caller::System, id).await.expect("opens");
    assert_eq!(r.minimum.status, dtz_domain::referral::ReferralStatus::InProgress);
}

crate::on_both! {
    remembered_approved_figures_change_at_once_with_a_reopening_and_a_new_approval => memo;
}

/// The alliance total of the demo's first indicator for 2017, approved only.
async fn total_2017(s: &dtz_services::Services) -> Option<i64> {
    let f = s
        .figures(&Caller::System, "DTZ", Grouping { period: true, ..Grouping::default() }, false, None)
        .await
        .expect("figures");
    f.indicators[0].cells.iter().find(|c| c.period.is_some_and(|p| p.to_string() == "2017")).and_then(|c| c.value)
}

async fn memo(app: TestApp) {
    use dtz_domain::access::Scope;
    use dtz_domain::results::ReportAction;
    let s = &app.services;
    dtz_services::demo::load(s).await.expect("demo");
    let before = total_2017(s).await.expect("an approved 2017 total");
    assert_eq!(total_2017(s).await, Some(before));
    assert_eq!(s.rollups.len(), 1, "the approved figures are remembered once");

    // Reopen one approved 2017 report: its values leave the approved total at once.
    let (programme, _) = s.programme("DTZ").await.expect("programme");
    let reports = dtz_store::values::list(&s.db, &Scope::all(), programme.id, Some("2017")).await.expect("reports");
    let r = reports.iter().find(|r| r.status == "approved").expect("an approved 2017 report");
    let reopened = s
        .act_on_report(&Caller::System, r.id, r.version, ReportAction::Reopen, Some("a correction"))
        .await
        .expect("reopen");
    let after = total_2017(s).await.expect("still a total");
    assert!(after < before, "the reopened report no longer counts: {after} < {before}");
    assert_eq!(s.rollups.len(), 1, "the old generation's answer is forgotten");

    // Approve it again (both levels): the total is back.
    let mut version = reopened.version;
    for action in [ReportAction::Submit, ReportAction::ApproveCountry, ReportAction::ApproveAlliance] {
        version = s.act_on_report(&Caller::System, r.id, version, action, None).await.expect("approve").version;
    }
    assert_eq!(total_2017(s).await, Some(before));
}
