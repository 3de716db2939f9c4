//! `dtz node`: a laptop enrols with a running hub, shows its grant and syncs.

use crate::support::{Env, org_and_user};

on_both_backends!(a_laptop_enrols_with_a_running_hub_and_renews_its_lease_by_syncing);

async fn a_laptop_enrols_with_a_running_hub_and_renews_its_lease_by_syncing(hub: Env) {
    org_and_user(&hub, "field@x.org");
    let code = hub.ok(&["node", "code", "--email", "field@x.org"]).trim().to_owned();
    assert!(code.starts_with("dtze_"), "{code}");
    let server = hub.serve(&[]);
    let url = format!("http://{}", server.addr);

    let node = Env::sqlite();
    node.run(&["node", "status"]).rejected("not a field node");
    let out = node.ok(&["node", "enroll", &url, &code, "--name", "Laptop Cochabamba"]);
    assert!(out.contains("allocator N1"), "{out}");
    let status = node.ok(&["node", "status"]);
    assert!(status.contains("allocator: N1") && status.contains("last sync: never"), "{status}");
    assert!(status.contains("lease: running"), "{status}");

    let synced = node.ok(&["node", "sync"]);
    assert!(synced.contains("synced; offline lease until"), "{synced}");
    assert!(!node.ok(&["node", "status"]).contains("last sync: never"));
    node.ok(&["audit", "verify"]);

    let other = Env::sqlite();
    other.run(&["node", "enroll", &url, &code]).rejected("code: This enrolment code is not valid");
    other.run(&["node", "enroll", "ftp://hub", &code]).rejected("https://");
    node.run(&["node", "enroll", &url, &code]).rejected("already enrolled");
}
