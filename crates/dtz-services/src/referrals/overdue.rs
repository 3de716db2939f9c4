//! The housekeeping tick's part: referrals whose answer time passed while pending, and
//! planned follow-ups whose date passed, go on the task list (and e-mail) of the case's
//! caseworker and supervisors — once each, claimed with a conditional update in the
//! transaction of the notifications, so several serve processes tell each person once.

use super::event;
use crate::{Caller, Result, Services};
use dtz_domain::notify::{NotificationKind, Params};
use dtz_store::referrals::{self, followups};

impl Services {
    /// Escalate pending referrals past their answer time. Returns how many people were told.
    pub async fn escalate_unanswered_referrals(&self) -> Result<usize> {
        let now = self.clock.now();
        let mut told = 0;
        for r in referrals::unanswered(&self.db, now).await? {
            let mut tx = self.db.begin().await?;
            if !referrals::claim_escalation(&mut tx, r.id, now).await? {
                continue;
            }
            let people = self.case_people(r.case_org_id, &r.country, r.case_team_id, r.caseworker_id).await?;
            let mut events = vec![event(
                &Caller::System,
                "referral.escalate",
                "referral",
                r.id,
                None,
                &["escalated_at"],
                r.case_org_id,
            )];
            let params = Params::new().id("referral", r.id).id("case", r.case_id).code("number", &r.case_number);
            for p in people {
                let link = format!("/referrals/{}", r.id);
                let n = self.notify(&mut tx, p, NotificationKind::ReferralOverdue, &link, &params).await?;
                events.push(n.event);
                told += 1;
            }
            self.finish(tx, &events).await?;
        }
        Ok(told)
    }

    /// Remind of planned follow-ups past their date. Returns how many people were told.
    pub async fn send_follow_up_reminders(&self) -> Result<usize> {
        let now = self.clock.now();
        let mut told = 0;
        for f in followups::overdue(&self.db, now.date()).await? {
            let mut tx = self.db.begin().await?;
            if !followups::claim_reminder(&mut tx, f.id, now).await? {
                continue;
            }
            let people = self.case_people(f.org_id, &f.country, f.team_id, f.caseworker_id).await?;
            let mut events =
                vec![event(&Caller::System, "follow_up.remind", "follow_up", f.id, None, &["reminded_at"], f.org_id)];
            let params = Params::new()
                .id("case", f.case_id)
                .code("number", &f.number)
                .code("planned", &f.planned_date.to_string());
            for p in people {
                let link = format!("/cases/{}#follow-ups", f.case_id);
                let n = self.notify(&mut tx, p, NotificationKind::FollowUpOverdue, &link, &params).await?;
                events.push(n.event);
                told += 1;
            }
            self.finish(tx, &events).await?;
        }
        Ok(told)
    }
}
