//! The referrals part of the monitoring page (issue 5, point 8): referrals by status,
//! children in care by service type, overdue follow-ups and the time from a signal to the
//! first service. Counted over the same light rows as the referral figures
//! (`dtz_store::referrals::figures`), but as a [`Section`] of exact counts, so the page's
//! own disclosure control (with complementary suppression) applies to them as to every
//! other section.

use super::{MonitoringContext, one, rows};
use crate::{Result, Services};
use dtz_domain::monitoring::{Durations, Rate, Row, Section, Table};
use dtz_domain::referral::ReferralStatus;
use dtz_store::referrals::figures;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// Prefix of the labels of service types: `monitoring-service-shelter`, …; a type
/// without a message shows its code.
pub const SERVICE_LABEL: &str = "monitoring-service-";

impl Services {
    /// Referrals of the cases in view, by status; children in care by service type;
    /// planned follow-ups past their date; hours from signal to first service.
    pub async fn monitor_referrals(&self, ctx: &MonitoringContext) -> Result<Section> {
        let scope = ctx.view.cases();
        let (country, org) = (ctx.place.country.as_deref(), ctx.place.org);
        let all = figures::rows(&self.db, scope, country, org).await?;
        let overdue = figures::overdue_follow_ups(&self.db, scope, country, org, ctx.now.date()).await?;
        let mut by_status: BTreeMap<String, i64> = BTreeMap::new();
        let mut in_care: BTreeMap<&str, BTreeSet<Uuid>> = BTreeMap::new();
        let mut first: BTreeMap<Uuid, f64> = BTreeMap::new();
        let (mut ended, mut completed) = (0u64, 0u64);
        for r in &all {
            *by_status.entry(r.status.clone()).or_default() += 1;
            let status = ReferralStatus::from_code(&r.status);
            // Completion: completed of the referrals that came to an end other than being
            // cancelled (a cancelled referral says nothing of the service).
            if status.is_some_and(|s| s.is_final() && s != ReferralStatus::Cancelled) {
                ended += 1;
                completed += u64::from(status == Some(ReferralStatus::Completed));
            }
            if status.is_some_and(|s| s.in_care()) {
                in_care.entry(r.service_type.as_str()).or_default().insert(r.case_id);
            }
            if let Some(f) = r.first_service_at {
                let hours = (f - r.started_at).whole_minutes().max(0) as f64 / 60.0;
                let e = first.entry(r.case_id).or_insert(hours);
                *e = e.min(hours);
            }
        }
        let counts: Vec<(Option<String>, i64)> = by_status.into_iter().map(|(k, n)| (Some(k), n)).collect();
        let statuses = ReferralStatus::ALL.iter().map(|s| (s.as_str(), format!("referral-status-{}", s.as_str())));
        let services = in_care
            .into_iter()
            .map(|(t, cases)| Row { label: format!("{SERVICE_LABEL}{t}"), count: cases.len() as u64 })
            .collect();
        Ok(Section {
            title: "monitoring-referrals",
            tables: vec![
                Table { title: "monitoring-referrals-status", rows: rows(statuses, &counts, ""), total: true },
                Table { title: "monitoring-children-in-care", rows: services, total: false },
                one("monitoring-follow-ups", "monitoring-follow-ups-overdue", overdue),
            ],
            durations: vec![Durations { title: "monitoring-signal-to-service", hours: first.into_values().collect() }],
            rates: vec![Rate { title: "monitoring-referrals-completed", part: completed, whole: ended }],
        })
    }
}
