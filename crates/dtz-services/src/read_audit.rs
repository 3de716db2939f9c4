//! Audit events of reads, committed in groups (issue 8, the case list under load).
//!
//! Every case read is audited before its answer leaves (DESIGN §5), so a list page is a
//! durable write: one transaction, one fsync on SQLite, one row lock on the audit chain's
//! head on PostgreSQL. From 64 concurrent readers those transactions queued one behind
//! the other. Here a read's events join a queue, and whoever gets the commit lock next
//! writes everything queued in one transaction (group commit): each reader still waits
//! until its own events are durable, but 64 readers cost a few commits instead of 64.
//! When a group's commit fails, each of its readers commits its own events alone, so
//! every reader gets exactly the answer it would have got by itself.

use crate::{Result, Services};
use dtz_store::audit::NewEvent;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

type Waiter = (Vec<NewEvent>, oneshot::Sender<bool>);

/// The queue of read events waiting for a commit, shared by clones of the services.
#[derive(Clone, Debug, Default)]
pub struct ReadAudit {
    queue: Arc<Mutex<Vec<Waiter>>>,
    commit: Arc<tokio::sync::Mutex<()>>,
}

impl Services {
    /// Append the audit events of a read that wrote nothing else, and return once they are
    /// committed (with those of other reads waiting at the same time).
    pub async fn audit_read(&self, events: Vec<NewEvent>) -> Result<()> {
        let (done, mut committed) = oneshot::channel();
        self.read_audit.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((events.clone(), done));
        let _turn = self.read_audit.commit.lock().await;
        // A group committed while this one waited for its turn may have held these events.
        if let Ok(ok) = committed.try_recv() {
            return if ok { Ok(()) } else { self.finish(self.db.begin().await?, &events).await.map(|_| ()) };
        }
        let group =
            std::mem::take(&mut *self.read_audit.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        let all: Vec<NewEvent> = group.iter().flat_map(|(e, _)| e.iter().cloned()).collect();
        let ok = match self.db.begin().await {
            Ok(tx) => self.finish(tx, &all).await.is_ok(),
            Err(_) => false,
        };
        for (_, w) in group {
            let _ = w.send(ok);
        }
        // This reader's own events were in the group (queued before it took its turn).
        match committed.try_recv() {
            Ok(true) => Ok(()),
            _ => self.finish(self.db.begin().await?, &events).await.map(|_| ()),
        }
    }
}
