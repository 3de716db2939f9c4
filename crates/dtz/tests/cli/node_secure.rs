//! `dtz node`, keys and audit: the passphrase that locks a node, anchoring its audit
//! chain on the hub at every sync, and `dtz audit verify` on both sides.

use crate::support::{Env, org_and_user};
use dtz_store::Sql;

/// The passphrase the test binary gets through DTZ_NODE_PASSPHRASE.
pub const PASSPHRASE: &str = "correct horse battery staple";

on_both_backends!(
    a_node_anchors_its_audit_chain_at_every_sync_and_verify_checks_both_levels,
    a_rewritten_node_chain_is_refused_by_the_hub,
);

/// A hub with a user, serving; a node enrolled with it.
fn enrolled(hub: &Env) -> (crate::support::Server, Env) {
    org_and_user(hub, "field@x.org");
    let code = hub.ok(&["node", "code", "--email", "field@x.org"]).trim().to_owned();
    let server = hub.serve(&[]);
    let url = format!("http://{}", server.addr);
    let node = Env::sqlite();
    std::fs::write(node.path("short"), "too short\n").expect("write");
    node.run(&["node", "enroll", &url, &code, "--passphrase-file", "short"]).rejected("at least 12 characters");
    std::fs::write(node.path("pass"), format!("{PASSPHRASE}\n")).expect("write");
    node.ok(&["node", "enroll", &url, &code, "--passphrase-file", "pass"]);
    (server, node)
}

async fn a_node_anchors_its_audit_chain_at_every_sync_and_verify_checks_both_levels(hub: Env) {
    let (_server, node) = enrolled(&hub);
    let first = node.ok(&["node", "sync", "--passphrase-file", "pass"]);
    assert!(first.contains("audit batches anchored: 1"), "{first}");
    node.ok(&["org", "create", "--name", "Offline partner", "--kind", "local_partner"]);
    let second = node.ok(&["node", "sync"]);
    assert!(second.contains("audit batches anchored: 1"), "{second}");
    let again = node.ok(&["node", "sync"]);
    assert!(again.contains("audit batches anchored: 0"), "nothing new: {again}");

    let on_node = node.ok(&["audit", "verify"]);
    assert!(on_node.contains("2 receipts of the hub verified"), "{on_node}");
    let on_hub = hub.ok(&["audit", "verify"]);
    assert!(on_hub.contains("2 batches of devices checked"), "{on_hub}");

    std::fs::write(node.path("wrong"), "not the passphrase at all").expect("write");
    node.run(&["node", "unlock", "--passphrase-file", "wrong"]).rejected("does not unlock");
    node.run(&["node", "sync", "--passphrase-file", "wrong"]).rejected("does not unlock");
    assert!(node.ok(&["node", "unlock", "--passphrase-file", "pass"]).contains("unlocked; the lease runs"));

    // A node event changed behind dtz's back: the node's chain no longer verifies …
    assert_eq!(node.tamper(&[Sql::new("UPDATE audit_events SET action = 'x' WHERE seq = 2")]).await, [1]);
    let r = node.run(&["audit", "verify"]);
    assert_eq!(r.code, Some(2), "{r:#?}");
    assert!(r.stderr.contains("broken at event 2"), "{r:#?}");
    // … and the copy the hub keeps shows a change there too.
    hub.tamper(&[Sql::new("UPDATE device_audit_events SET action = 'x' WHERE seq = 2")]).await;
    let r = hub.run(&["audit", "verify"]);
    assert_eq!(r.code, Some(2), "{r:#?}");
    assert!(r.stderr.contains("anchored audit is broken"), "{r:#?}");
}

async fn a_rewritten_node_chain_is_refused_by_the_hub(hub: Env) {
    let (_server, node) = enrolled(&hub);
    node.ok(&["node", "sync"]);
    // The node forgets its receipts and rewrites an anchored event: the batch it sends
    // again no longer matches what the hub anchored.
    node.tamper(&[
        Sql::new("DELETE FROM node_audit_receipts"),
        Sql::new("UPDATE audit_events SET action = 'x' WHERE seq = 1"),
    ])
    .await;
    node.run(&["node", "sync"]).rejected("the node's chain was rewritten");
}
