//! Approved figures computed ahead after an approval (issue 8, `results::warm`): the
//! serve process's task is woken, finds the programme whose approved figures changed,
//! and computes the most asked answers, which readers of the whole-alliance scope then
//! find remembered, equal to what they would compute themselves.

use crate::support::TestApp;
use dtz_domain::access::{Actor, Role, RoleAssignment, Scope};
use dtz_domain::ids::{OrgId, UserId};
use dtz_domain::results::ReportAction;
use dtz_domain::results::rollup::Grouping;
use dtz_services::Caller;
use dtz_services::results::warm::{Seen, WARM};
use std::time::Duration;

crate::on_both! {
    an_approval_wakes_the_warming_task_and_its_answers_are_the_computed_ones => warm;
}

fn figures_of(f: &[dtz_services::results::Figures]) -> Vec<Vec<dtz_domain::results::rollup::Cell>> {
    f.iter().flat_map(|f| f.indicators.iter().map(|i| i.cells.to_vec())).collect()
}

async fn warm(app: TestApp) {
    let s = &app.services;
    dtz_services::demo::load(s).await.expect("demo");
    let mut seen = Seen::new();
    assert!(s.rollups_changed(&mut seen).await.expect("look").is_empty(), "the first look only notes the programmes");

    let (programme, _) = s.programme("DTZ").await.expect("programme");
    let reports = dtz_store::values::list(&s.db, &Scope::all(), programme.id, Some("2017")).await.expect("reports");
    let r = reports.iter().find(|r| r.status == "approved").expect("an approved 2017 report");
    s.act_on_report(&Caller::System, r.id, r.version, ReportAction::Reopen, Some("a correction"))
        .await
        .expect("reopen");
    tokio::time::timeout(Duration::from_secs(5), s.rollups.wait_changed()).await.expect("the reopening wakes the task");
    assert_eq!(s.rollups_changed(&mut seen).await.expect("look"), vec!["DTZ".to_owned()]);
    assert!(s.rollups_changed(&mut seen).await.expect("look").is_empty(), "seen once");

    assert!(s.rollups.is_empty());
    s.warm_rollups("DTZ").await.expect("warm");
    assert_eq!(s.rollups.len(), WARM.len(), "one answer per grouping computed ahead");

    // An alliance manager (whole-alliance scope) asks the results page's and the API's
    // questions: remembered answers, nothing computed.
    let manager = Caller::User(Actor {
        user: UserId::new(),
        org: OrgId::new(),
        roles: vec![RoleAssignment { role: Role::AllianceManager, org: None, country: None, team: None }],
    });
    let by_period = Grouping { period: true, ..Grouping::default() };
    let by_country = Grouping { country: true, period: true, ..Grouping::default() };
    let remembered = s.figures_by(&manager, "DTZ", &[by_period, by_country], false, None).await.expect("figures");
    assert_eq!(s.rollups.len(), WARM.len(), "both answers were remembered");

    // The same figures computed afresh.
    s.rollups.clear();
    let computed = s.figures_by(&manager, "DTZ", &[by_period, by_country], false, None).await.expect("figures");
    assert_eq!(figures_of(&remembered), figures_of(&computed));
    assert!(figures_of(&computed).iter().any(|cells| !cells.is_empty()), "there are figures to compare");
    assert_eq!(s.rollups.len(), 2, "each grouping is remembered on its own");
}
