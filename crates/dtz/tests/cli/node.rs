//! `dtz node`: a laptop enrols with a running hub, shows its grant and syncs.

use crate::support::{Env, org_and_user};

on_both_backends!(
    a_laptop_enrols_with_a_running_hub_and_renews_its_lease_by_syncing,
    an_activity_made_on_a_node_reaches_the_running_hub_with_dtz_node_sync,
);

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

async fn an_activity_made_on_a_node_reaches_the_running_hub_with_dtz_node_sync(hub: Env) {
    hub.ok(&["demo"]);
    let org = "Sample partner Bolivia (sample data)";
    let user = ["user", "create", "--email", "field@x.org", "--name", "F", "--org", org, "--role", "me_officer"];
    hub.ok(&[&user[..], &["--country", "BO"]].concat());
    let code = hub.ok(&["node", "code", "--email", "field@x.org"]).trim().to_owned();
    let token = hub.ok(&["token", "create", "--email", "field@x.org"]).trim().to_owned();
    let server = hub.serve(&[]);
    let url = format!("http://{}", server.addr);

    let node = Env::sqlite();
    node.ok(&["node", "enroll", &url, &code]);
    let first = node.ok(&["node", "sync"]);
    assert!(first.contains("pulled reference") && first.contains("pulled activities"), "{first}");
    assert!(first.contains("pulled cases: 0 written") && first.contains("cases held on this laptop: 0"), "{first}");
    std::fs::write(
        node.path("field.csv"),
        format!(
            "activity,organisation,country,goal,type,title,start,group,sex,age,first_time,repeat\n\
             field-1,{org},BO,G2,awareness_event,Fair recorded offline,2020-08-01,parents,female,18_plus,25,5\n"
        ),
    )
    .unwrap();
    node.ok(&["import", "activities", "field.csv", "--programme", "DTZ"]);
    let status = node.ok(&["node", "status"]);
    assert!(status.contains("not yet synced: 1 change(s)"), "{status}");

    let synced = node.ok(&["node", "sync"]);
    assert!(synced.contains("pushed: 1 applied, 0 conflicts, 0 refused; 0 waiting"), "{synced}");
    assert!(synced.contains("not yet synced: 0 change(s)") && synced.contains("last sync: 2"), "{synced}");
    let (code, body) = server.get("/api/v1/programmes/DTZ/activities?country=BO", Some(&token));
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("Fair recorded offline"), "the hub has it: {body}");
    node.ok(&["audit", "verify"]);
    hub.ok(&["audit", "verify"]);
}
