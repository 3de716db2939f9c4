//! Writing a report's values: each inserted, or updated with a history row, in as few
//! statements as the databases allow (see docs/ARCHITECTURE.md, "Bulk writes").

use super::{VCOLS, ValueRow};
use crate::sql::Sql;
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
    Ok(write(tx, report, existing, &[(indicator, part, e)], by, now).await?[0])
}

/// Write many values of one report in a few statements (an import, a save of a whole
/// form, the computed figures): each inserted, or updated with history; an empty entry
/// removes it. Returns, for each item, whether it changed anything. An item repeated later
/// in `items` is compared with the earlier one, as if written one after the other.
pub async fn put_many(
    tx: &mut Tx,
    report: Uuid,
    items: &[(Uuid, &str, &Entry)],
    by: UserId,
    now: OffsetDateTime,
) -> Result<Vec<bool>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT ");
    q.push(VCOLS).push(" FROM data_values WHERE report_id = ").bind(report);
    let existing: Vec<ValueRow> = tx.q().fetch_all(&q).await?;
    write(tx, report, existing, items, by, now).await
}

/// The writes of [`put_many`] given the report's stored values: new values in one
/// multi-row insert, changed ones updated one by one, and every change's history row in
/// one multi-row insert.
async fn write(
    tx: &mut Tx,
    report: Uuid,
    existing: Vec<ValueRow>,
    items: &[(Uuid, &str, &Entry)],
    by: UserId,
    now: OffsetDateTime,
) -> Result<Vec<bool>> {
    use crate::sql::Arg;
    use std::collections::HashMap;
    // What each (indicator, part) holds now: id, version, entry, and whether it is stored.
    let mut held: HashMap<(Uuid, String), (Uuid, i64, Entry, bool)> =
        existing.into_iter().map(|v| ((v.indicator_id, v.part.clone()), (v.id, v.version, v.entry(), true))).collect();
    let mut inserts: Vec<Vec<Arg>> = Vec::new();
    let mut history: Vec<Vec<Arg>> = Vec::new();
    let mut changed = Vec::with_capacity(items.len());
    for (indicator, part, e) in items {
        let slot = held.get(&(*indicator, (*part).to_owned()));
        if slot.is_some_and(|(_, _, x, _)| x == *e) || (slot.is_none() && e.is_empty()) {
            changed.push(false);
            continue;
        }
        let (id, version) = slot.map_or_else(|| (time_ordered(), 1), |(id, v, _, _)| (*id, v + 1));
        let fields: Vec<Arg> = vec![
            e.value.into(),
            e.numerator.into(),
            e.denominator.into(),
            e.text.clone().into(),
            e.comment.clone().into(),
            version.into(),
            now.into(),
            by.into(),
            id.into(),
        ];
        match slot.map(|s| s.3) {
            Some(true) => {
                tx.q()
                    .execute(&Sql::with_args(
                        "UPDATE data_values SET value = $1, numerator = $2, denominator = $3, text_value = $4, comment = $5, \
                         version = $6, updated_at = $7, updated_by = $8 WHERE id = $9",
                        fields.clone(),
                    ))
                    .await?;
            }
            // Not stored yet, or inserted earlier in this call: the pending insert row
            // takes the newer entry.
            Some(false) => {
                if let Some(row) = inserts.iter_mut().find(|r| r[8] == Arg::Uuid(Some(id))) {
                    row.splice(0..9, fields.iter().cloned());
                }
            }
            None => {
                let mut f = fields.clone();
                f.extend([report.into(), (*indicator).into(), (*part).into()]);
                inserts.push(f);
            }
        }
        let stored = slot.is_some_and(|s| s.3);
        held.insert((*indicator, (*part).to_owned()), (id, version, (*e).clone(), stored));
        let mut h = fields;
        h.push(time_ordered().into());
        history.push(h);
        changed.push(true);
    }
    crate::bulk::insert(
        tx,
        "INSERT INTO data_values (value, numerator, denominator, text_value, comment, version, updated_at, updated_by, id, \
         report_id, indicator_id, part) VALUES ",
        &inserts,
    )
    .await?;
    crate::bulk::insert(
        tx,
        "INSERT INTO data_value_history (value, numerator, denominator, text_value, comment, version, changed_at, changed_by, \
         value_id, id) VALUES ",
        &history,
    )
    .await?;
    Ok(changed)
}
