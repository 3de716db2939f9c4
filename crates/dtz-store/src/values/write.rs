//! Writing a report's values: each inserted, or updated with a history row, in as few
//! statements as the databases allow (see docs/ARCHITECTURE.md, "Bulk writes").

use super::{VCOLS, ValueRow};
use crate::sql::{Arg, Sql};
use crate::{Result, Tx};
use dtz_domain::ids::UserId;
use dtz_domain::results::Entry;
use time::OffsetDateTime;
use uuid::Uuid;

/// A new id for a value or a history row: a UUIDv7, random but for its leading 48 bits,
/// which are the time in milliseconds. Rows written together then sit side by side in
/// the id indexes, so an import of 100,000 values appends to them instead of touching
/// pages all over them (DESIGN §3 asks for random ids; see docs/ARCHITECTURE.md, "Bulk
/// writes", for why values and their history alone are time-ordered).
fn time_ordered() -> Uuid {
    Uuid::now_v7()
}

/// Write one value: insert, or update with history; an empty entry removes it.
/// Returns whether anything changed.
pub async fn put(
    tx: &mut Tx,
    report: Uuid,
    indicator: Uuid,
    part: &str,
    e: &Entry,
    by: UserId,
    now: OffsetDateTime,
) -> Result<bool> {
    let mut q = Sql::new("SELECT ");
    q.push(VCOLS).push(" FROM data_values WHERE report_id = ").bind(report);
    q.push(" AND indicator_id = ").bind(indicator).push(" AND part = ").bind(part);
    let existing: Vec<ValueRow> = tx.q().fetch_all(&q).await?;
    let mut w = Writes::default();
    let changed = w.plan(report, existing, &[(indicator, part, e)], by, now);
    w.run(tx).await?;
    Ok(changed.first().copied().unwrap_or(false))
}

/// Write many values of one report in a few statements (a save of a whole form, the
/// computed figures): each inserted, or updated with history; an empty entry removes it.
/// Returns, for each item, whether it changed anything. An item repeated later in `items`
/// is compared with the earlier one, as if written one after the other.
pub async fn put_many(
    tx: &mut Tx,
    report: Uuid,
    items: &[(Uuid, &str, &Entry)],
    by: UserId,
    now: OffsetDateTime,
) -> Result<Vec<bool>> {
    let one = [ReportValues { report, new: false, items }];
    Ok(put_reports(tx, &one, by, now).await?.pop().unwrap_or_default())
}

/// One report's values for [`put_reports`].
#[derive(Clone, Copy, Debug)]
pub struct ReportValues<'a> {
    /// The report.
    pub report: Uuid,
    /// Made in this transaction, so it holds no values yet: nothing to read.
    pub new: bool,
    /// (indicator, part, entry), as for [`put_many`].
    pub items: &'a [(Uuid, &'a str, &'a Entry)],
}

/// Reports read per statement of [`put_reports`].
const REPORTS_PER_READ: usize = 500;

/// [`put_many`] for many reports at once (an import): the stored values of the reports
/// that existed read in one statement per few hundred reports, every new value of every
/// report in the same multi-row inserts, every history row too. Returns, per report, what
/// [`put_many`] returns.
pub async fn put_reports(
    tx: &mut Tx,
    reports: &[ReportValues<'_>],
    by: UserId,
    now: OffsetDateTime,
) -> Result<Vec<Vec<bool>>> {
    use std::collections::HashMap;
    let old: Vec<Uuid> = reports.iter().filter(|r| !r.new && !r.items.is_empty()).map(|r| r.report).collect();
    let mut stored: HashMap<Uuid, Vec<ValueRow>> = HashMap::new();
    for chunk in old.chunks(REPORTS_PER_READ) {
        let mut q = Sql::new("SELECT ");
        q.push(VCOLS).push(" FROM data_values WHERE report_id IN (").bind_list(chunk.iter().copied()).push(")");
        for v in tx.q().fetch_all::<ValueRow>(&q).await? {
            stored.entry(v.report_id).or_default().push(v);
        }
    }
    let mut w = Writes::default();
    let changed = reports
        .iter()
        .map(|r| w.plan(r.report, stored.remove(&r.report).unwrap_or_default(), r.items, by, now))
        .collect();
    w.run(tx).await?;
    Ok(changed)
}

/// The rows a batch of values writes: new values, changed values, history.
#[derive(Default)]
struct Writes {
    inserts: Vec<Vec<Arg>>,
    /// Position in `inserts` of each value inserted by this batch.
    inserted: std::collections::HashMap<Uuid, usize>,
    updates: Vec<Vec<Arg>>,
    history: Vec<Vec<Arg>>,
}

impl Writes {
    /// Plan the writes of one report given its stored values: each item inserted, or
    /// updated with history; returns whether each changes anything.
    fn plan(
        &mut self,
        report: Uuid,
        existing: Vec<ValueRow>,
        items: &[(Uuid, &str, &Entry)],
        by: UserId,
        now: OffsetDateTime,
    ) -> Vec<bool> {
        use std::collections::HashMap;
        // What each (indicator, part) holds now: id, version, entry, and whether it is stored.
        let mut held: HashMap<(Uuid, &str), (Uuid, i64, Entry, bool)> = HashMap::with_capacity(existing.len());
        for v in &existing {
            held.insert((v.indicator_id, v.part.as_str()), (v.id, v.version, v.entry(), true));
        }
        let mut changed = Vec::with_capacity(items.len());
        for (indicator, part, e) in items {
            let slot = held.get(&(*indicator, *part));
            if slot.is_some_and(|(_, _, x, _)| x == *e) || (slot.is_none() && e.is_empty()) {
                changed.push(false);
                continue;
            }
            let (id, version) = slot.map_or_else(|| (time_ordered(), 1), |(id, v, _, _)| (*id, v + 1));
            // Sized for the history row's one more field: a vector grown by a push doubles,
            // and at 100,000 rows an import held twice the memory it needs (bench/).
            let mut fields: Vec<Arg> = Vec::with_capacity(10);
            fields.extend([
                e.value.into(),
                e.numerator.into(),
                e.denominator.into(),
                e.text.clone().into(),
                e.comment.clone().into(),
                version.into(),
                now.into(),
                by.into(),
                id.into(),
            ]);
            let stored = slot.is_some_and(|s| s.3);
            match slot.map(|s| s.3) {
                Some(true) => self.updates.push(fields.clone()),
                // Inserted earlier in this call: the pending insert row takes the newer entry.
                Some(false) => {
                    if let Some(row) = self.inserted.get(&id).and_then(|n| self.inserts.get_mut(*n)) {
                        row.splice(0..9, fields.iter().cloned());
                    }
                }
                None => {
                    let mut f = Vec::with_capacity(fields.len() + 3);
                    f.extend(fields.iter().cloned());
                    f.extend([report.into(), (*indicator).into(), (*part).into()]);
                    self.inserted.insert(id, self.inserts.len());
                    self.inserts.push(f);
                }
            }
            held.insert((*indicator, *part), (id, version, (*e).clone(), stored));
            let mut h = fields;
            h.push(time_ordered().into());
            self.history.push(h);
            changed.push(true);
        }
        changed
    }

    /// Write what was planned: changed values one by one (an update touches a stored
    /// row in place), new values and history rows with multi-row inserts.
    async fn run(self, tx: &mut Tx) -> Result<()> {
        for fields in self.updates {
            tx.q()
                .execute(&Sql::with_args(
                    "UPDATE data_values SET value = $1, numerator = $2, denominator = $3, text_value = $4, comment = $5, \
                     version = $6, updated_at = $7, updated_by = $8 WHERE id = $9",
                    fields,
                ))
                .await?;
        }
        crate::bulk::insert(
            tx,
            "INSERT INTO data_values (value, numerator, denominator, text_value, comment, version, updated_at, updated_by, id, \
             report_id, indicator_id, part) VALUES ",
            &self.inserts,
        )
        .await?;
        crate::bulk::insert(
            tx,
            "INSERT INTO data_value_history (value, numerator, denominator, text_value, comment, version, changed_at, changed_by, \
             value_id, id) VALUES ",
            &self.history,
        )
        .await?;
        Ok(())
    }
}
