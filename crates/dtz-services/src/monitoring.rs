//! Progress monitoring (issue 5, point 8): fixed tables per country and organisation
//! over signals, cases and protection steps. Case supervisors see exact counts within
//! their scope; M&E officers, country coordinators, alliance managers and donors see
//! every count through disclosure control (`dtz_domain::monitoring`). Every view is
//! audited as an aggregate read (`monitoring.read`, section names only).
//!
//! Each part of the page is one [`Section`] built by one method from a
//! [`MonitoringContext`]; referrals and follow-ups are the last one
//! (`monitoring/referrals.rs`).

use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::case::{CaseStatus, RiskLevel};
use dtz_domain::monitoring::{Durations, Row, Section, ShownSection, Table, View};
use dtz_domain::signal::{Channel, SignalStatus};
use dtz_domain::validate::Invalid;
use dtz_store::audit::NewEvent;
use dtz_store::monitoring::{self as store, By, Place};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

mod referrals;
pub use referrals::SERVICE_LABEL;

/// Flows (signals received, cases opened) count over this many days back.
pub const WINDOW_DAYS: i64 = 365;
/// Protection steps due within this many days count as "due".
pub const DUE_SOON_DAYS: i64 = 7;

/// Which figures: a country and an organisation, both optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MonitoringFilter {
    /// Country code (any case).
    pub country: Option<String>,
    /// Owning organisation.
    pub org: Option<Uuid>,
}

/// What a section builder needs: the reader's view, the place and the time window.
#[derive(Clone, Debug)]
pub struct MonitoringContext {
    /// Exact or disclosed, with scopes.
    pub view: View,
    /// Country and organisation.
    pub place: Place,
    /// Start of the window for flows.
    pub since: OffsetDateTime,
    /// Now.
    pub now: OffsetDateTime,
}

/// The page's figures.
#[derive(Clone, Debug)]
pub struct Monitoring {
    /// Exact counts (a supervisor in scope) or disclosed ones.
    pub exact: bool,
    /// Sections in order.
    pub sections: Vec<ShownSection>,
    /// Start of the window for flows.
    pub since: OffsetDateTime,
}

fn rows<'a>(
    labels: impl IntoIterator<Item = (&'a str, String)>,
    counts: &[(Option<String>, i64)],
    missing: &str,
) -> Vec<Row> {
    labels
        .into_iter()
        .map(|(code, label)| {
            let n: i64 = counts.iter().filter(|(k, _)| k.as_deref().unwrap_or(missing) == code).map(|(_, n)| *n).sum();
            Row { label, count: u64::try_from(n).unwrap_or(0) }
        })
        .collect()
}

fn one(title: &'static str, label: &str, n: i64) -> Table {
    Table { title, rows: vec![Row { label: label.into(), count: u64::try_from(n).unwrap_or(0) }], total: false }
}

impl Services {
    /// The monitoring figures the caller may see for `f`; 404 for readers it is not for.
    pub async fn monitoring(&self, caller: &Caller, f: &MonitoringFilter) -> Result<Monitoring> {
        let Caller::User(actor) = caller else { return Err(ServiceError::NotFound) };
        let view = View::of(actor).ok_or(ServiceError::NotFound)?;
        let country = match f.country.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) if c.len() == 2 && c.chars().all(|x| x.is_ascii_alphabetic()) => Some(c.to_ascii_uppercase()),
            Some(_) => return Err(Invalid::new("country", "Choose a country by its two-letter code.").into()),
            None => None,
        };
        let now = self.clock.now();
        let ctx = MonitoringContext {
            view,
            place: Place { country, org: f.org },
            since: now - Duration::days(WINDOW_DAYS),
            now,
        };
        let sections = [
            self.monitor_signals(&ctx).await?,
            self.monitor_cases(&ctx).await?,
            self.monitor_steps(&ctx).await?,
            self.monitor_referrals(&ctx).await?,
        ];
        let exact = ctx.view.is_exact();
        let event = NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: "monitoring.read".into(),
            entity: "monitoring".into(),
            fields: sections
                .iter()
                .map(|s| s.title.to_owned())
                .chain([if exact { "exact" } else { "disclosed" }.into()])
                .collect(),
            org: f.org.map(dtz_domain::ids::OrgId),
            ..Default::default()
        };
        let tx = self.db.begin().await?;
        self.finish(tx, &[event]).await?;
        Ok(Monitoring { exact, sections: sections.iter().map(|s| s.show(exact)).collect(), since: ctx.since })
    }

    /// Signals received in the window: by status, by channel; urgent ones escalated;
    /// time from a signal to its case.
    pub async fn monitor_signals(&self, ctx: &MonitoringContext) -> Result<Section> {
        let scope = ctx.view.signals();
        let by_status = store::grouped(&self.db, scope, &ctx.place, By::SignalStatus, ctx.since).await?;
        let by_channel = store::grouped(&self.db, scope, &ctx.place, By::SignalChannel, ctx.since).await?;
        let escalated = store::escalated(&self.db, scope, &ctx.place, ctx.since).await?;
        let pairs = store::signal_to_case(&self.db, ctx.view.cases(), &ctx.place, ctx.since).await?;
        let statuses = SignalStatus::ALL.map(|s| (s.as_str(), format!("signal-status-{}", s.as_str())));
        let channels = Channel::ALL.map(|c| (c.as_str(), format!("signal-channel-{}", c.as_str())));
        let hours = pairs.iter().map(|(s, c)| ((*c - *s).whole_minutes().max(0) as f64) / 60.0).collect();
        Ok(Section {
            title: "monitoring-signals",
            tables: vec![
                Table { title: "monitoring-signals-status", rows: rows(statuses, &by_status, ""), total: true },
                Table { title: "monitoring-signals-channel", rows: rows(channels, &by_channel, ""), total: true },
                one("monitoring-escalated", "monitoring-escalated-count", escalated),
            ],
            durations: vec![Durations { title: "monitoring-signal-to-case", hours }],
            rates: Vec::new(),
        })
    }

    /// Open cases by risk and status; consent flagged; closures awaiting approval.
    pub async fn monitor_cases(&self, ctx: &MonitoringContext) -> Result<Section> {
        let scope = ctx.view.cases();
        let by_risk = store::grouped(&self.db, scope, &ctx.place, By::CaseRisk, ctx.since).await?;
        let by_status = store::grouped(&self.db, scope, &ctx.place, By::CaseStatus, ctx.since).await?;
        let flagged = store::consent_flagged(&self.db, scope, &ctx.place).await?;
        let risks = [RiskLevel::High, RiskLevel::Medium, RiskLevel::Low]
            .map(|r| (r.as_str(), format!("case-risk-{}", r.as_str())))
            .into_iter()
            .chain([("none", "case-risk-none".to_owned())]);
        let statuses = [CaseStatus::Open, CaseStatus::ClosureRequested]
            .map(|s| (s.as_str(), format!("case-status-{}", s.as_str())));
        let awaiting =
            by_status.iter().filter(|(k, _)| k.as_deref() == Some("closure_requested")).map(|(_, n)| *n).sum();
        Ok(Section {
            title: "monitoring-cases",
            tables: vec![
                Table { title: "monitoring-cases-risk", rows: rows(risks, &by_risk, "none"), total: true },
                Table { title: "monitoring-cases-status", rows: rows(statuses, &by_status, ""), total: true },
                one("monitoring-consent-flagged", "monitoring-consent-flagged-count", flagged),
                one("monitoring-closures", "monitoring-closures-count", awaiting),
            ],
            durations: Vec::new(),
            rates: Vec::new(),
        })
    }

    /// Planned protection steps of open cases: due within a week, overdue.
    pub async fn monitor_steps(&self, ctx: &MonitoringContext) -> Result<Section> {
        let today = ctx.now.date();
        let soon = today + Duration::days(DUE_SOON_DAYS);
        let (due, overdue) = store::steps_due(&self.db, ctx.view.cases(), &ctx.place, today, soon).await?;
        let table = Table {
            title: "monitoring-steps",
            rows: vec![
                Row { label: "monitoring-steps-due".into(), count: u64::try_from(due).unwrap_or(0) },
                Row { label: "monitoring-steps-overdue".into(), count: u64::try_from(overdue).unwrap_or(0) },
            ],
            total: false,
        };
        Ok(Section { title: "monitoring-protection", tables: vec![table], durations: Vec::new(), rates: Vec::new() })
    }
}
