//! Audit events of reads committed in groups (issue 8, `read_audit`): concurrent readers
//! each return only once their event is committed, every event is in the chain, and the
//! group costs a few commits rather than one per reader.

use crate::support::TestApp;
use dtz_services::Caller;
use dtz_store::audit::NewEvent;
use dtz_store::cases::CaseFilter;

crate::on_both! {
    concurrent_reads_are_all_audited_in_a_few_commits => grouped;
}

const READERS: usize = 24;

async fn grouped(app: TestApp) {
    let s = app.services.clone();
    let before = s.verify_audit().await.expect("chain").events;
    let mut readers = tokio::task::JoinSet::new();
    for i in 0..READERS {
        let s = s.clone();
        readers.spawn(async move {
            let event = NewEvent {
                action: "case.list".into(),
                entity: "case".into(),
                fields: vec![format!("reader_{i}")],
                ..Default::default()
            };
            let (done, statements) = dtz_store::counting::count(s.audit_read(vec![event])).await;
            done.expect("audited");
            // Once a reader returns, its event is committed: visible to a fresh read.
            let seen = s
                .audit_events(&Caller::System, &dtz_store::audit::EventFilter { limit: 500, ..Default::default() })
                .await
                .expect("events");
            assert!(
                seen.iter().any(|e| e.fields.contains(&format!("\"reader_{i}\""))),
                "reader {i} returned before its event was committed"
            );
            statements
        });
    }
    let mut statements = 0;
    while let Some(n) = readers.join_next().await {
        statements += n.expect("reader");
    }
    let after = s.verify_audit().await.expect("the chain still verifies");
    assert_eq!(after.events, before + READERS as i64, "one event per reader");
    // One commit per reader would run 3 statements each (chain head, events, new head).
    assert!(statements < 3 * READERS as u64 / 2, "grouped: {statements} statements for {READERS} readers");

    // The case list goes through it.
    let before = s.verify_audit().await.expect("chain").events;
    s.cases(&Caller::System, &CaseFilter::default(), 10, 0).await.expect("list");
    assert_eq!(s.verify_audit().await.expect("chain").events, before + 1, "the list is audited");
}
