//! The retention job (DESIGN §5 "Retention"): for every record type of
//! `dtz_store::retention::RECORD_TYPES`, erase what has been kept longer than its period
//! (setting `retention.<code>_days`, else the type's default; closed cases and signals
//! closed without a case follow their country's months where its settings give them),
//! keeping what statistics and the audit need. Runs from the housekeeping tick of `dtz serve` and as `dtz
//! retention run [--dry-run]`. Each erased record gets a `retention.erase` event with
//! its id and the names of the erased fields; rows deleted whole (sessions, used form
//! tokens, old alert markers) get one event per record type.

use crate::{Result, Services};
use dtz_domain::ids::OrgId;
use dtz_domain::signal::Report;
use dtz_store::audit::NewEvent;
use dtz_store::retention::{self as store, How, Part, RECORD_TYPES, RecordType};
use time::{Duration, OffsetDateTime};

/// Reports re-sealed without their contact per run (the next tick takes the rest).
const CONTACT_BATCH: i64 = 500;

/// What the job found and did for one record type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetentionLine {
    /// Record type code.
    pub code: &'static str,
    /// The country whose own period this line applies (`None`: the system's period,
    /// for every country without one of its own).
    pub country: Option<String>,
    /// Period in days.
    pub days: i64,
    /// Records due.
    pub due: u64,
    /// Records erased or removed (0 in a dry run).
    pub erased: u64,
}

fn event(t: &RecordType, id: Option<uuid::Uuid>, org: Option<OrgId>) -> NewEvent {
    NewEvent {
        action: "retention.erase".into(),
        entity: t.entity.into(),
        entity_id: id,
        fields: t.fields.iter().map(|f| (*f).to_owned()).collect(),
        org,
        ..Default::default()
    }
}

impl Services {
    /// The period of a record type: its setting (whole days, 0 or more), else the default.
    pub async fn retention_days(&self, t: &RecordType) -> Result<i64> {
        self.whole_setting(&t.setting(), 0, t.default_days).await
    }

    /// Run retention over every record type; with `dry_run` only count what is due. A
    /// type kept per country runs once for every country with a period of its own (a
    /// month counts as 365/12 days), then once for the rest under the system's period.
    pub async fn run_retention(&self, dry_run: bool) -> Result<Vec<RetentionLine>> {
        let now = self.clock.now();
        let mut lines = Vec::new();
        for t in RECORD_TYPES {
            let days = self.retention_days(t).await?;
            let mut parts = vec![(None, days)];
            if let Some(column) = t.per_country {
                for (country, months) in store::country_periods(&self.db, column).await? {
                    parts.push((Some(country), months * 365 / 12));
                }
            }
            for (country, days) in parts {
                let part = Part { cutoff: now - Duration::days(days), country: country.as_deref().unwrap_or("") };
                let (due, erased) = match t.how {
                    How::Sql { count, ids, erase } => {
                        let due = u64::try_from(store::count(&self.db, count, part).await?).unwrap_or(0);
                        if dry_run || due == 0 {
                            (due, 0)
                        } else {
                            (due, self.erase_set(t, ids, erase, part, now).await?)
                        }
                    }
                    How::ReporterContact => {
                        let due = u64::try_from(store::contact_count(&self.db, part.cutoff).await?).unwrap_or(0);
                        if dry_run || due == 0 {
                            (due, 0)
                        } else {
                            (due, self.erase_contacts(t, part.cutoff, now).await?)
                        }
                    }
                };
                lines.push(RetentionLine { code: t.code, country, days, due, erased });
            }
        }
        Ok(lines)
    }

    async fn erase_set(
        &self,
        t: &RecordType,
        ids: Option<&'static str>,
        erase: &[&'static str],
        part: Part<'_>,
        now: OffsetDateTime,
    ) -> Result<u64> {
        let mut tx = self.db.begin().await?;
        let listed = match ids {
            Some(q) => Some(store::ids(&mut tx, q, part).await?),
            None => None,
        };
        let changed = store::erase(&mut tx, erase, part, now).await?;
        let events: Vec<NewEvent> = match &listed {
            Some(ids) => ids.iter().map(|id| event(t, Some(*id), None)).collect(),
            None => vec![event(t, None, None)],
        };
        self.finish(tx, &events).await?;
        Ok(listed.map_or(changed, |l| l.len() as u64))
    }

    /// Seal each due report again without the reporter's contact. A report that cannot
    /// be opened (its key gone) is left for an operator and logged by id.
    async fn erase_contacts(&self, t: &RecordType, cutoff: OffsetDateTime, now: OffsetDateTime) -> Result<u64> {
        let mut done = 0;
        for row in store::contact_due(&self.db, cutoff, CONTACT_BATCH).await? {
            let (Some(content), Ok(key)) =
                (row.content.as_deref(), self.signal_key(OrgId(row.org_id), row.id, row.data_key.as_deref()).await)
            else {
                tracing::warn!(signal = %row.id, "retention: cannot open a report to erase its contact");
                continue;
            };
            let mut report: Report = match key.open_json("content", content) {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(signal = %row.id, error = %e, "retention: cannot open a report to erase its contact");
                    continue;
                }
            };
            report.contact = None;
            let sealed = key.seal_json("content", &report)?;
            let mut tx = self.db.begin().await?;
            if store::replace_content(&mut tx, row.id, sealed, now).await? == 1 {
                done += 1;
                self.finish(tx, &[event(t, Some(row.id), Some(OrgId(row.org_id)))]).await?;
            } else {
                tx.rollback().await?;
            }
        }
        Ok(done)
    }
}
