//! The referrals part of the monitoring page (issue 5, point 8): referrals by status,
//! children in care by service type, overdue follow-ups and the time from a signal to the
//! first service. Counted by the same [`Counted`] as the referral figures of the API,
//! but shown as a [`Section`] of exact counts, so the page's
//! own disclosure control (with complementary suppression) applies to them as to every
//! other section.

use super::{MonitoringContext, one, rows};
use crate::referrals::figures::Counted;
use crate::{Result, Services};
use dtz_domain::monitoring::{Durations, Rate, Row, Section, Table};
use dtz_domain::referral::ReferralStatus;
use dtz_store::referrals::figures;

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
        let counted = Counted::of(&all);
        let counts: Vec<(Option<String>, i64)> =
            counted.by_status.into_iter().map(|(k, n)| (Some(k), i64::try_from(n).unwrap_or(i64::MAX))).collect();
        let statuses = ReferralStatus::ALL.iter().map(|s| (s.as_str(), format!("referral-status-{}", s.as_str())));
        let services =
            counted.in_care.into_iter().map(|(t, count)| Row { label: format!("{SERVICE_LABEL}{t}"), count }).collect();
        Ok(Section {
            title: "monitoring-referrals",
            tables: vec![
                Table { title: "monitoring-referrals-status", rows: rows(statuses, &counts, ""), total: true },
                Table { title: "monitoring-children-in-care", rows: services, total: false },
                one("monitoring-follow-ups", "monitoring-follow-ups-overdue", overdue),
            ],
            durations: vec![Durations { title: "monitoring-signal-to-service", hours: counted.first_service_hours }],
            rates: vec![Rate {
                title: "monitoring-referrals-completed",
                part: counted.completed,
                whole: counted.ended,
            }],
        })
    }
}
