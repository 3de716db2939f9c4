//! `dtz node` in operation, through the real binary: a sync killed with SIGKILL in the
//! middle of a push loses and doubles nothing; past the lease a node refuses writes until
//! a sync renews it; the node's own `/sync` page, served by `dtz serve`, shows what is not
//! yet synced, the last sync and what the hub did not apply; `dtz cases rekey` on a hub.

use crate::support::{Env, password_in};
use dtz_store::db::ConnectOptions;
use dtz_store::{Db, Sql};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Stdio;

on_both_backends!(
    a_sync_killed_mid_push_applies_every_operation_once_after_the_next_sync,
    past_the_lease_a_node_refuses_writes_until_a_sync_renews_it,
    the_nodes_sync_page_shows_pending_changes_the_last_sync_and_what_was_not_applied,
    cases_rekey_gives_marked_cases_new_keys_once,
);

const ORG: &str = "Sample partner Bolivia (sample data)";

/// A demo hub with an M&E officer in Bolivia, serving; a node enrolled for them.
fn demo_hub_and_node(hub: &Env) -> (crate::support::Server, Env, String) {
    hub.ok(&["demo"]);
    let user = ["user", "create", "--email", "field@x.org", "--name", "F", "--org", ORG, "--role", "me_officer"];
    hub.ok(&[&user[..], &["--country", "BO"]].concat());
    let code = hub.ok(&["node", "code", "--email", "field@x.org"]).trim().to_owned();
    let token = hub.ok(&["token", "create", "--email", "field@x.org"]).trim().to_owned();
    let server = hub.serve(&[]);
    let node = Env::sqlite();
    node.ok(&["node", "enroll", &format!("http://{}", server.addr), &code]);
    (server, node, token)
}

/// Activities for the node to import: `n` rows of `org` in `country`, titles `prefix-i`.
fn csv(node: &Env, name: &str, prefix: &str, org: &str, country: &str, n: usize) {
    let mut text = "activity,organisation,country,goal,type,title,start,group,sex,age,first_time,repeat\n".to_owned();
    for i in 0..n {
        text.push_str(&format!(
            "{prefix}-{i},{org},{country},G2,awareness_event,{prefix} {i},2020-08-01,parents,female,18_plus,25,5\n"
        ));
    }
    std::fs::write(node.path(name), text).unwrap();
}

async fn count(url: &str, sql: &'static str) -> i64 {
    let db = Db::connect(url, &ConnectOptions::default()).await.unwrap();
    let n = db.read().scalar(&Sql::new(sql)).await.unwrap();
    db.close().await;
    n
}

async fn a_sync_killed_mid_push_applies_every_operation_once_after_the_next_sync(hub: Env) {
    let (_server, node, _) = demo_hub_and_node(&hub);
    node.ok(&["node", "sync"]);
    let before = count(&hub.url(), "SELECT COUNT(*) FROM activities").await;
    const N: i64 = 1600;
    csv(&node, "many.csv", "kill", ORG, "BO", usize::try_from(N).unwrap());
    node.ok(&["import", "activities", "many.csv", "--programme", "DTZ"]);
    assert!(node.ok(&["node", "status"]).contains(&format!("not yet synced: {N} change(s)")));

    // Start a sync and SIGKILL it as soon as the hub has applied part of the push.
    let log = std::fs::File::create(node.path("killed-sync.log")).unwrap();
    let mut sync = node.cmd(&["node", "sync"]).stdout(Stdio::null()).stderr(log).spawn().unwrap();
    let hub_db = Db::connect(&hub.url(), &ConnectOptions::default()).await.unwrap();
    let mut seen = 0;
    // The bound only keeps a hung sync from hanging the test run.
    let until = std::time::Instant::now() + std::time::Duration::from_secs(300);
    while std::time::Instant::now() < until {
        seen = hub_db.read().scalar::<i64>(&Sql::new("SELECT COUNT(*) FROM sync_operations")).await.unwrap();
        if seen > 0 || sync.try_wait().unwrap().is_some() {
            break;
        }
        tokio::task::yield_now().await;
    }
    sync.kill().unwrap();
    sync.wait().unwrap();
    hub_db.close().await;
    let log = std::fs::read_to_string(node.path("killed-sync.log")).unwrap_or_default();
    assert!(seen > 0 && seen < N, "killed in the middle of the push ({seen} of {N} applied): {log}");
    let waiting = count(&node.url(), "SELECT COUNT(*) FROM sync_outbox WHERE acked_at IS NULL").await;
    eprintln!("killed with {seen} operations applied on the hub, {waiting} unanswered on the node");

    let again = node.ok(&["node", "sync"]);
    assert!(again.contains("not yet synced: 0 change(s)"), "{again}");
    assert_eq!(count(&node.url(), "SELECT COUNT(*) FROM sync_outbox WHERE acked_at IS NULL").await, 0);
    assert_eq!(count(&hub.url(), "SELECT COUNT(*) FROM sync_operations").await, N, "each operation recorded once");
    assert_eq!(count(&hub.url(), "SELECT COUNT(*) FROM activities").await, before + N, "each applied once");
    assert_eq!(
        count(&hub.url(), "SELECT COUNT(*) FROM audit_events WHERE action = 'activity.create'").await,
        count(&hub.url(), "SELECT COUNT(DISTINCT entity_id) FROM audit_events WHERE action = 'activity.create'").await,
        "created once each"
    );
    node.ok(&["audit", "verify"]);
    hub.ok(&["audit", "verify"]);
}

async fn past_the_lease_a_node_refuses_writes_until_a_sync_renews_it(hub: Env) {
    let (server, node, _) = demo_hub_and_node(&hub);
    node.ok(&["node", "sync"]);
    let later = [("DTZ_TEST_CLOCK_AHEAD_DAYS", "15")];
    assert!(node.ok(&["node", "unlock"]).contains("unlocked; the lease runs"));
    let r = node.run_env(&["node", "unlock"], &later);
    assert_eq!(r.code, Some(3), "{r:#?}");
    assert!(r.stderr.contains("run dtz node sync"), "{r:#?}");
    csv(&node, "one.csv", "lease", ORG, "BO", 1);
    let r = node.run_env(&["import", "activities", "one.csv", "--programme", "DTZ"], &later);
    assert_ne!(r.code, Some(0), "{r:#?}");
    assert!(r.stderr.contains("run dtz node sync"), "{r:#?}");
    assert!(node.ok(&["node", "status"]).contains("not yet synced: 0 change(s)"), "nothing was written");

    // Fifteen days later on the hub too: a sync renews the lease and writes work again.
    server.kill9();
    let server = hub.serve_env(&[], &later);
    let addr = server.addr.to_string();
    node.tamper(&[Sql::with_args("UPDATE node_identity SET hub_url = $1", vec![format!("http://{addr}").into()])])
        .await;
    node.run_env(&["node", "sync"], &later).success();
    assert!(node.run_env(&["node", "unlock"], &later).success().stdout.contains("unlocked; the lease runs"));
    node.run_env(&["import", "activities", "one.csv", "--programme", "DTZ"], &later).success();
    assert!(node.ok(&["node", "status"]).contains("not yet synced: 1 change(s)"));
}

/// One HTTP/1.1 exchange; returns the whole answer (head and body).
fn exchange(addr: SocketAddr, request: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    String::from_utf8_lossy(&raw).into_owned()
}

async fn the_nodes_sync_page_shows_pending_changes_the_last_sync_and_what_was_not_applied(hub: Env) {
    let (_server, node, _) = demo_hub_and_node(&hub);
    node.ok(&["node", "sync"]);
    // Not the user's organisation: the hub does not apply it.
    csv(&node, "india.csv", "elsewhere", "Sample partner India (sample data)", "IN", 1);
    node.ok(&["import", "activities", "india.csv", "--programme", "DTZ"]);
    node.ok(&["node", "sync"]);
    csv(&node, "later.csv", "pending", ORG, "BO", 2);
    node.ok(&["import", "activities", "later.csv", "--programme", "DTZ"]);
    let user = ["user", "create", "--email", "local@x.org", "--name", "L", "--org", ORG, "--role", "me_officer"];
    let created = node.ok(&[&user[..], &["--country", "BO"]].concat());
    let password = password_in(&created).unwrap().to_owned();

    let served = node.serve(&[]);
    let body = format!("email=local%40x.org&password={}&next=%2Fsync", urlencode(&password));
    let login = exchange(
        served.addr,
        &format!(
            "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    let cookie = login
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: ")))
        .and_then(|c| c.split(';').next())
        .unwrap_or_else(|| panic!("no session: {login}"))
        .to_owned();
    let page = exchange(
        served.addr,
        &format!("GET /sync HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"),
    );
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("2 change(s) wait for the next sync."), "pending: {page}");
    assert!(!page.contains("<dd>never</dd>"), "a last sync is shown: {page}");
    assert!(page.contains("A person on the hub resolves conflicts"), "what was not applied: {page}");
    assert!(page.contains("Not found (not in your scope now)") || page.contains("Refused"), "{page}");
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

async fn cases_rekey_gives_marked_cases_new_keys_once(hub: Env) {
    let (_server, _node, _) = demo_hub_and_node(&hub);
    let marked = hub
        .tamper(&[Sql::new(
            "INSERT INTO case_rekeys (case_id, device_id, marked_at) \
             SELECT c.id, (SELECT id FROM devices LIMIT 1), '2026-01-01T00:00:00.000000Z' \
             FROM cases c WHERE c.data_key IS NOT NULL AND c.deleted_at IS NULL ORDER BY c.id LIMIT 2",
        )])
        .await;
    assert_eq!(marked, [2]);
    let out = hub.ok(&["cases", "rekey"]);
    assert_eq!(out.matches(": new data key, ").count(), 2, "{out}");
    assert!(out.contains("2 cases re-keyed"), "{out}");
    assert!(hub.ok(&["cases", "rekey"]).contains("0 cases re-keyed"), "idempotent");
    assert_eq!(count(&hub.url(), "SELECT COUNT(*) FROM audit_events WHERE action = 'case.rekey'").await, 2);
    hub.ok(&["audit", "verify"]);
}
