//! `dtz backup`: a consistent copy of a running SQLite database that restores whole.

use crate::support::Env;
use std::os::unix::fs::PermissionsExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_backup_of_a_running_database_restores_the_same_data_and_keys() {
    let env = Env::sqlite();
    env.ok(&["demo"]);
    let server = env.serve(&[]);
    let (status, _) = server.get("/healthz", None);
    assert_eq!(status, 200);
    let out = env.ok(&["backup", "copy.db"]);
    assert!(out.contains("Keep the key file"), "{out}");
    let mode = std::fs::metadata(env.path("copy.db")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the backup is private");
    drop(server);

    let copy = format!("sqlite://{}", env.path("copy.db").display());
    assert_eq!(env.ok(&["user", "list"]), env.ok(&["user", "list", "--database-url", &copy]));
    let verified = env.ok(&["audit", "verify", "--database-url", &copy]);
    assert!(verified.contains("intact"), "{verified}");
    // Encrypted material opens with the key file: every organisation key unwraps.
    let db = dtz_store::Db::connect(&copy, &Default::default()).await.unwrap();
    let keys = dtz_store::Keys::load(&env.path("dtz.key")).unwrap();
    let orgs = dtz_store::orgs::list(&db, &dtz_domain::access::Scope::all()).await.unwrap();
    assert!(orgs.len() >= 11);
    for o in orgs {
        dtz_store::orgs::current_org_key(&db, &keys, dtz_domain::ids::OrgId(o.id)).await.unwrap();
    }
    // Without the key file the backup is refused rather than silently re-keyed.
    env.run(&["audit", "verify", "--database-url", &copy, "--key-file", "missing.key"]).rejected("key file");
    // A backup never overwrites.
    env.run(&["backup", "copy.db"]).rejected("exists already");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn backup_on_postgresql_points_to_its_own_tools() {
    let Some(env) = Env::postgres().await else { return };
    env.run(&["backup", "copy.db"]).rejected("pg_dump");
}
