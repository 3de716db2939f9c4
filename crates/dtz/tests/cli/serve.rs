//! `dtz serve`: health, the OpenAPI document, the demo.

use crate::support::{Env, password_in};

on_both_backends!(
    serve_answers_healthz,
    serve_publishes_the_openapi_document,
    serve_demo_loads_the_demo_once_and_prints_its_accounts,
);

async fn serve_answers_healthz(env: Env) {
    let server = env.serve(&[]);
    let (status, body) = server.get("/healthz", None);
    assert_eq!(status, 200, "{body}");
}

async fn serve_publishes_the_openapi_document(env: Env) {
    let server = env.serve(&[]);
    let (status, body) = server.get("/api/v1/openapi.json", None);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"openapi\":\"3."), "{body}");
    let doc: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.keys().any(|p| p.ends_with("/me")), "documents /me: {:?}", paths.keys());
    let (status, body) = server.get("/api/v1/no-such-thing", None);
    assert_eq!(status, 404, "{body}");
}

async fn serve_demo_loads_the_demo_once_and_prints_its_accounts(env: Env) {
    let first = env.serve(&["--demo"]);
    let printed = first.printed.join("\n");
    assert!(printed.contains("admin@demo.example.org"), "{printed}");
    assert!(password_in(&printed).is_some(), "{printed}");
    assert!(printed.contains("TOTP"), "{printed}");
    drop(first);

    let again = env.serve(&["--demo"]);
    let printed = again.printed.join("\n");
    assert!(printed.contains("already loaded"), "{printed}");
    assert!(printed.contains("admin@demo.example.org"), "{printed}");
    assert!(password_in(&printed).is_none(), "{printed}");
}

#[test]
fn serve_fails_clearly_when_the_address_is_taken() {
    let env = Env::sqlite();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let r = env.run(&["serve", "--addr", &addr]).rejected("cannot listen");
    assert!(r.stderr.contains(&addr), "{r:#?}");
}

/// A server started without glibc's allocator settings starts itself again with them, in
/// the same process (the PID the supervisor knows); an operator's own are kept.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn serve_runs_with_fixed_allocator_settings_unless_given_others() {
    let env = Env::sqlite();
    let server = env.serve(&[]);
    let tunables: Vec<String> = server.environment().into_iter().filter(|v| v.starts_with("GLIBC_TUNABLES=")).collect();
    assert_eq!(tunables.len(), 1, "{tunables:?}");
    // glibc writes into the string as it reads it (the kernel's copy shows its first
    // setting only): the whole list is checked by `ld.so --list-tunables` in malloc.rs.
    assert!(tunables[0].starts_with("GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072"), "{tunables:?}");
    let (status, body) = server.get("/healthz", None);
    assert_eq!(status, 200, "{body}");
    drop(server);

    let own = "glibc.malloc.arena_max=4";
    let server = env.serve_env(&[], &[("GLIBC_TUNABLES", own)]);
    assert!(server.environment().contains(&format!("GLIBC_TUNABLES={own}")), "{:?}", server.environment());
}

/// `dtz bench intake-http` (bench/run's load on the public form) gets receipts from a real
/// server, each report from its own loopback address.
#[test]
fn bench_intake_http_sends_reports_that_get_receipts() {
    let env = Env::sqlite();
    let server = env.serve(&["--demo"]);
    let addr = server.addr.to_string();
    let out = env.ok(&["bench", "intake-http", &addr, "BO", "--clients", "3", "--seconds", "1"]);
    let f: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(f.len(), 6, "REPORTS SECONDS RATE P50 P99 FAILED: {out}");
    let reports: usize = f[0].parse().expect("reports");
    assert!(reports >= 3, "{out}");
    assert_eq!(f[5], "0", "every report got its receipt: {out}");
    // A country without a form: nothing is acknowledged.
    let out = env.ok(&["bench", "intake-http", &addr, "ZZ", "--clients", "1", "--seconds", "0.2"]);
    assert!(out.starts_with("0 "), "{out}");
}
