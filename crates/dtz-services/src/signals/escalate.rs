//! Escalation: an urgent signal that nobody picked up within its country's set time
//! (`urgent_pickup_minutes`, else [`URGENT_PICKUP_MINUTES`]) goes on the task list of
//! the receiving organisation's case supervisors. The serve process's housekeeping tick
//! runs it; `escalated_at` is claimed with `UPDATE … WHERE escalated_at IS NULL` in the
//! transaction of the notifications, so several `dtz serve` processes on one PostgreSQL
//! tell each supervisor once.

use super::triage::plain_event;
use crate::{Result, Services};
use dtz_domain::access::Role;
use dtz_domain::country::URGENT_PICKUP_MINUTES;
use dtz_domain::ids::OrgId;
use dtz_domain::notify::{NotificationKind, Params};
use dtz_store::signals::triage as store;
use std::collections::HashMap;

impl Services {
    /// Tell supervisors about urgent signals waiting too long. Returns how many
    /// signals were escalated.
    pub async fn escalate_urgent_signals(&self) -> Result<usize> {
        let now = self.clock.now();
        let minutes: HashMap<String, i64> = self
            .countries()
            .await?
            .into_iter()
            .map(|c| (c.country, c.urgent_pickup_minutes.unwrap_or(URGENT_PICKUP_MINUTES)))
            .collect();
        let mut escalated = 0;
        for s in store::unescalated_urgent(&self.db).await? {
            let wait = minutes.get(&s.country).copied().unwrap_or(URGENT_PICKUP_MINUTES);
            let Some(since) = s.urgent_since else { continue };
            if since + time::Duration::minutes(wait) > now {
                continue;
            }
            let mut tx = self.db.begin().await?;
            if !store::mark_escalated(&mut tx, s.id, now).await? {
                continue;
            }
            let mut events = vec![plain_event("signal.escalate", s.id, &["escalated_at"], s.org_id)];
            let params = Params::new().id("signal", s.id).count("minutes", wait);
            let supervisors =
                dtz_store::users::holders(&mut tx, Role::CaseSupervisor, Some(OrgId(s.org_id)), Some(&s.country))
                    .await?;
            for u in supervisors {
                let n = self
                    .notify(&mut tx, u, NotificationKind::SignalEscalated, &format!("/signals/{}", s.id), &params)
                    .await?;
                events.push(n.event);
            }
            self.finish(tx, &events).await?;
            escalated += 1;
        }
        Ok(escalated)
    }
}
