//! The key file and where the database is.

use crate::support::Env;
use std::os::unix::fs::PermissionsExt;

on_both_backends!(
    key_file_is_private_and_never_overwritten,
    key_rotate_rewraps_and_resumes,
    key_rotate_resume_finishes_an_interrupted_rotation,
);

fn mode(env: &Env, name: &str) -> u32 {
    let meta = std::fs::metadata(env.path(name)).expect("key file exists");
    meta.permissions().mode() & 0o777
}

fn key_file(env: &Env) -> serde_json::Value {
    let text = std::fs::read_to_string(env.path("dtz.key")).expect("read dtz.key");
    serde_json::from_str(&text).expect("the key file is JSON")
}

/// N of "Rewrapped N organisation keys".
fn rewrapped(out: &str) -> usize {
    out.split_once("Rewrapped ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no rewrap count in {out:?}"))
}

/// The organisation data can still be read, and the chain is intact.
fn still_readable(env: &Env) {
    let users = env.ok(&["user", "list"]);
    assert!(users.contains("admin@demo.example.org"), "{users}");
    let out = env.ok(&["audit", "verify"]);
    assert!(out.contains("The audit chain is intact"), "{out}");
}

async fn key_file_is_private_and_never_overwritten(env: Env) {
    let r = env.run(&["migrate"]).success();
    assert!(r.stderr.contains("dtz.key"), "says it created it: {r:#?}");
    assert_eq!(mode(&env, "dtz.key"), 0o600);
    let before = std::fs::read(env.path("dtz.key")).unwrap();

    env.run(&["key", "init"]).rejected("never overwrites");
    env.ok(&["migrate"]);
    assert_eq!(std::fs::read(env.path("dtz.key")).unwrap(), before);
    env.ok(&["key", "init", "--key-file", "spare.key"]);
    assert_eq!(mode(&env, "spare.key"), 0o600);

    env.ok(&["org", "create", "--name", "X", "--kind", "local_partner"]);
    std::fs::rename(env.path("dtz.key"), env.path("backup.key")).unwrap();
    let r = env.run(&["org", "list"]).rejected("key file");
    assert!(r.stderr.contains("dtz.key"), "{r:#?}");
    assert!(!env.path("dtz.key").exists(), "no new key for old data");
    // Another key file (here: a fresh one) does not stand in for the lost one either.
    std::fs::rename(env.path("spare.key"), env.path("dtz.key")).unwrap();
    let r = env.run(&["audit", "verify"]);
    assert!(matches!(r.code, Some(c) if c != 0), "{r:#?}");

    std::fs::rename(env.path("backup.key"), env.path("dtz.key")).unwrap();
    let orgs = env.ok(&["org", "list"]);
    assert!(orgs.contains("\tX"), "{orgs}");
}

async fn key_rotate_rewraps_and_resumes(env: Env) {
    env.ok(&["demo"]);
    let before = key_file(&env);
    let out = env.ok(&["key", "rotate"]);
    assert!(rewrapped(&out) >= 11, "{out}");

    let after = key_file(&env);
    let masters = after["masters"].as_array().expect("masters");
    assert_eq!(masters.len(), 1, "{after}");
    assert_ne!(masters[0], before["masters"][0]);
    assert_eq!(after["current_master"], masters[0]["id"]);
    assert_eq!(mode(&env, "dtz.key"), 0o600, "still private after rewriting");
    still_readable(&env);

    let out = env.ok(&["key", "rotate", "--resume"]);
    assert_eq!(rewrapped(&out), 0, "{out}");
    assert_eq!(key_file(&env), after, "nothing to resume");
    still_readable(&env);
}

/// A rotation stopped after the new master key was written but before any
/// organisation key was rewrapped: the key file holds two masters.
async fn key_rotate_resume_finishes_an_interrupted_rotation(env: Env) {
    env.ok(&["demo"]);
    let mut file = key_file(&env);
    let old = file["current_master"].clone();
    let new_id = "7d4cd1f4-7a35-4f39-9c2b-2d6f0f1e2a01";
    let new_key: String = (0..32).map(|i| format!("{:02x}", i * 7 + 3)).collect();
    file["masters"].as_array_mut().expect("masters").push(serde_json::json!({ "id": new_id, "key": new_key }));
    file["current_master"] = new_id.into();
    let text = serde_json::to_string_pretty(&file).unwrap();
    std::fs::write(env.path("dtz.key"), text).unwrap();
    still_readable(&env);

    let out = env.ok(&["key", "rotate", "--resume"]);
    assert!(rewrapped(&out) >= 11, "{out}");
    let after = key_file(&env);
    let masters = after["masters"].as_array().expect("masters");
    assert_eq!(masters.len(), 1, "{after}");
    assert_eq!(masters[0]["id"], new_id, "kept the new master key");
    assert_ne!(masters[0]["id"], old);
    still_readable(&env);
}

#[test]
fn database_url_env_is_honoured() {
    let env = Env::sqlite();
    let r = env
        .cmd(&["migrate"])
        .env("DTZ_DATABASE_URL", "sqlite://other.db")
        .env("DTZ_KEY_FILE", "other.key")
        .output()
        .expect("run dtz migrate");
    assert!(r.status.success(), "{r:?}");
    assert!(env.path("other.db").exists());
    assert!(env.path("other.key").exists());
    assert!(!env.path("dtz.db").exists() && !env.path("dtz.key").exists());

    let r = env
        .cmd(&["migrate", "--database-url", "sqlite://flag.db"])
        .env("DTZ_DATABASE_URL", "sqlite://other.db")
        .output()
        .expect("run dtz migrate");
    assert!(r.status.success(), "{r:?}");
    assert!(env.path("flag.db").exists(), "the option wins over the variable");
    assert!(!env.path("dtz.db").exists());
}
