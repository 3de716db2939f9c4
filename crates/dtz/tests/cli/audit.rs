//! `dtz audit verify` and `dtz audit head` against a database changed behind dtz's back.

use crate::support::Env;
use dtz_store::Sql;

on_both_backends!(
    audit_verify_detects_a_changed_row,
    audit_verify_detects_a_deleted_row,
    audit_head_export_detects_a_cut_tail,
);

/// Some audited changes: two organisations and a user.
fn some_history(env: &Env) {
    crate::support::org_and_user(env, "a@x.org");
    env.ok(&["org", "create", "--name", "Y", "--kind", "donor"]);
}

fn intact(env: &Env) {
    let out = env.ok(&["audit", "verify"]);
    assert!(out.contains("The audit chain is intact"), "{out}");
}

fn broken_at(env: &Env, seq: i64, args: &[&str]) {
    let r = env.run(args);
    assert_eq!(r.code, Some(2), "{r:#?}");
    assert!(r.stderr.contains(&format!("broken at event {seq}")), "{r:#?}");
    assert!(!r.stdout.contains("intact"), "{r:#?}");
}

async fn audit_verify_detects_a_changed_row(env: Env) {
    some_history(&env);
    intact(&env);
    export_head(&env, "head.json");
    let changed = env.tamper(&[Sql::new("UPDATE audit_events SET action = 'x' WHERE seq = 2")]).await;
    assert_eq!(changed, [1]);
    broken_at(&env, 2, &["audit", "verify"]);
    broken_at(&env, 2, &["audit", "verify", "--head", "head.json"]);
}

async fn audit_verify_detects_a_deleted_row(env: Env) {
    some_history(&env);
    intact(&env);
    let changed = env.tamper(&[Sql::new("DELETE FROM audit_events WHERE seq = 2")]).await;
    assert_eq!(changed, [1]);
    broken_at(&env, 2, &["audit", "verify"]);
}

/// `dtz audit head` written to `name`; returns its sequence number.
fn export_head(env: &Env, name: &str) -> i64 {
    let out = env.ok(&["audit", "head"]);
    let head: serde_json::Value = serde_json::from_str(&out).expect("the head is JSON");
    for field in ["hash", "at", "signature"] {
        assert!(head[field].is_string(), "{field} in {out}");
    }
    std::fs::write(env.path(name), &out).expect("write head");
    head["seq"].as_i64().expect("seq")
}

async fn audit_head_export_detects_a_cut_tail(env: Env) {
    some_history(&env);
    let early = export_head(&env, "early.json");
    env.ok(&["org", "create", "--name", "Later", "--kind", "local_partner"]);
    env.ok(&["user", "disable", "--email", "a@x.org"]);
    let late = export_head(&env, "late.json");
    assert!(late > early, "{early} {late}");
    for head in ["early.json", "late.json"] {
        let out = env.ok(&["audit", "verify", "--head", head]);
        assert!(out.contains("still in the chain"), "{out}");
    }

    // Cut the tail after the early head and rewind the chain head to it: the chain is
    // self-consistent again, and only the later exported head shows the cut.
    env.tamper(&[
        Sql::with_args("DELETE FROM audit_events WHERE seq > $1", vec![early.into()]),
        Sql::with_args(
            "UPDATE chain_head SET seq = $1, hash = (SELECT hash FROM audit_events WHERE seq = $2) WHERE id = 1",
            vec![early.into(), early.into()],
        ),
    ])
    .await;
    intact(&env);
    env.ok(&["audit", "verify", "--head", "early.json"]);
    let r = env.run(&["audit", "verify", "--head", "late.json"]);
    assert!(matches!(r.code, Some(c) if c != 0), "{r:#?}");
    assert!(r.stderr.contains("does not match"), "{r:#?}");

    // An exported head edited by hand no longer matches its signature.
    let mut forged: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("early.json")).unwrap()).unwrap();
    forged["seq"] = early.saturating_sub(1).into();
    std::fs::write(env.path("forged.json"), forged.to_string()).unwrap();
    let r = env.run(&["audit", "verify", "--head", "forged.json"]);
    assert!(matches!(r.code, Some(c) if c != 0), "{r:#?}");
}
