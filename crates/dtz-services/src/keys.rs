//! Key rotation: a new master key, then every organisation key rewrapped under it in
//! batches. A crash in between is resumed by running the rotation again.

use crate::{Result, Services};
use dtz_store::audit::NewEvent;
use dtz_store::{Keys, orgs};

/// What a rotation did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rotation {
    /// Keys rewrapped in this run.
    pub rewrapped: usize,
    /// Old master keys removed from the key file.
    pub retired: usize,
}

const BATCH: i64 = 200;

/// Rewrap whatever is not under the current master key, then retire old master keys.
/// `keys` must be the key file as it is now on disk.
pub async fn finish_rotation(services: &Services, keys: &mut Keys) -> Result<Rotation> {
    let mut rewrapped = 0;
    loop {
        let mut tx = services.db.begin().await?;
        let done = orgs::rewrap_batch(&mut tx, keys, BATCH).await?;
        if done.is_empty() {
            break;
        }
        rewrapped += done.len();
        let events: Vec<NewEvent> = done
            .iter()
            .map(|id| NewEvent {
                action: "key.rewrap".into(),
                entity: "org_key".into(),
                entity_id: Some(*id),
                fields: vec!["wrapped".into(), "master_key_id".into()],
                ..Default::default()
            })
            .collect();
        services.finish(tx, &events).await?;
    }
    let in_use = orgs::masters_in_use(&services.db).await?;
    let (current, _) = keys.current_master();
    let before = keys.master_ids().len();
    if in_use.iter().all(|m| *m == current.to_string()) {
        keys.retire_old_masters();
        keys.save()?;
    }
    Ok(Rotation { rewrapped, retired: before - keys.master_ids().len() })
}
