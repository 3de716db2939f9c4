//! Re-keying (issue 9): a case whose data key was on a device that was then revoked gets a
//! new random data key. Every field sealed under the old key (the registry
//! `dtz_store::sync::rekey::CASE_SEALED`) is opened and sealed again under the new one, the
//! new key is wrapped under the organisation's current KEK, every other wrap (escrow wraps,
//! the devices' holdings) is destroyed and the case's marks are closed, in one audited
//! transaction per case (`case.rekey`, field names only). A copy of the old key taken from
//! the lost laptop then opens nothing written afterwards.
//!
//! Runs from the housekeeping tick of `dtz serve` and as `dtz cases rekey`. Each case is
//! its own transaction, so an interrupted run leaves every case either done or marked, and
//! a second run (or a second process) finds nothing or the rest: the transaction re-reads
//! the case's wrapped key and skips the case when someone else re-keyed it meanwhile.

use crate::{Result, ServiceError, Services};
use dtz_domain::ids::OrgId;
use dtz_store::audit::NewEvent;
use dtz_store::sealed::{self, DataKey};
use dtz_store::sync::rekey::{self as store, CASE_SEALED};
use uuid::Uuid;

/// Cases taken per run (the rest come at the next tick or run).
const BATCH: i64 = 200;

/// What re-keying did to one case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rekeyed {
    /// The case.
    pub case: Uuid,
    /// Its number (empty when the case is gone).
    pub number: String,
    /// What happened.
    pub outcome: RekeyOutcome,
    /// Values sealed again (rows × columns).
    pub sealed: usize,
    /// The audit field names of the columns that held values.
    pub fields: Vec<String>,
}

/// The outcome for one case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RekeyOutcome {
    /// A new data key, every sealed field moved to it.
    Rekeyed,
    /// The case is gone or its personal data erased (no key left): the mark is closed.
    NothingToRekey,
    /// Someone re-keyed or rewrote the case meanwhile: left for the next run.
    Skipped,
}

impl Services {
    /// Give every case marked for re-keying a new data key (up to a batch per call).
    pub async fn rekey_cases(&self) -> Result<Vec<Rekeyed>> {
        let mut done = Vec::new();
        for case in store::marked_cases(&self.db, BATCH).await? {
            done.push(self.rekey_case(case).await?);
        }
        Ok(done)
    }

    async fn rekey_case(&self, case: Uuid) -> Result<Rekeyed> {
        let mut out =
            Rekeyed { case, number: String::new(), outcome: RekeyOutcome::NothingToRekey, sealed: 0, fields: vec![] };
        let row = store::case_for_rekey(&self.db, case).await?;
        let Some((number, org, old_wrapped)) = row.and_then(|(n, o, k)| k.map(|k| (n, OrgId(o), k))) else {
            let mut tx = self.db.begin().await?;
            store::close_marks(&mut tx, case, self.clock.now()).await?;
            tx.commit().await?;
            return Ok(out);
        };
        out.number = number;
        let place = crate::cases::place(case);
        let old = self.case_open_key(org, place, &old_wrapped).await?;
        let new = sealed::fresh_data_key(place)?;
        let new_wrapped = sealed::rewrap(&self.db, &self.keys, &new, org).await?;

        let mut tx = self.db.begin().await?;
        match store::case_key_in(&mut tx, case).await? {
            Some((Some(k), v)) if k == old_wrapped => {
                let (sealed, fields) = reseal(&mut tx, case, &old, &new).await?;
                let version = store::set_case_key(&mut tx, case, &new_wrapped, v).await?;
                store::destroy_old_wraps(&mut tx, case).await?;
                store::close_marks(&mut tx, case, self.clock.now()).await?;
                let mut names = vec!["data_key".to_owned()];
                names.extend(fields.iter().cloned());
                let ev = NewEvent {
                    actor_user: None,
                    actor_org: None,
                    action: "case.rekey".into(),
                    entity: "case".into(),
                    entity_id: Some(case),
                    entity_version: Some(version),
                    fields: names,
                    org: Some(org),
                };
                self.finish(tx, &[ev]).await?;
                (out.sealed, out.fields, out.outcome) = (sealed, fields, RekeyOutcome::Rekeyed);
            }
            _ => {
                tx.rollback().await?;
                out.outcome = RekeyOutcome::Skipped;
                return Ok(out);
            }
        }
        // A child written by a request that sealed it under the old key just before the
        // new key was stored and committed just after: move it too (bookkeeping, no event).
        let mut tx = self.db.begin().await?;
        let (late, _) = reseal(&mut tx, case, &old, &new).await?;
        tx.commit().await?;
        out.sealed += late;
        Ok(out)
    }
}

/// Open every value of the case not yet under `new` with `old` and seal it under `new`.
/// Returns how many were sealed again and the field names of the columns that held any.
async fn reseal(tx: &mut dtz_store::Tx, case: Uuid, old: &DataKey, new: &DataKey) -> Result<(usize, Vec<String>)> {
    let (mut n, mut fields) = (0, Vec::new());
    for col in CASE_SEALED {
        let values = store::sealed_values(tx, col, case).await?;
        let mut any = false;
        for (row, sealed) in values {
            let (o, k) = (old.for_child(col.table, row), new.for_child(col.table, row));
            if k.open(col.column, &sealed).is_ok() {
                continue;
            }
            let plain = o.open(col.column, &sealed).map_err(|_| {
                ServiceError::Store(dtz_store::StoreError::Crypto(format!(
                    "{}.{} of case {case} opens with neither the old nor the new key",
                    col.table, col.column
                )))
            })?;
            store::set_sealed(tx, col, row, &k.seal(col.column, &plain)?).await?;
            n += 1;
            any = true;
        }
        if any {
            fields.push(col.field_name());
        }
    }
    Ok((n, fields))
}
