//! The demo, user accounts and API tokens from the command line.

use crate::support::{Env, org_and_user, password_in, user_row};

on_both_backends!(
    demo_prints_accounts_and_a_password_and_loads_once,
    user_create_list_disable_reset_password,
    user_create_with_a_rejected_role_changes_nothing,
    token_create_prints_a_token_that_the_api_accepts,
);

/// A generated password reads like `xxxx-xxxx-…`.
fn looks_generated(p: &str) -> bool {
    let groups: Vec<&str> = p.split('-').collect();
    groups.len() >= 2 && groups.iter().all(|g| g.len() == 4 && g.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// What a failed command must leave alone: the users and the audit chain.
fn state(env: &Env) -> (String, String) {
    (env.ok(&["user", "list"]), env.ok(&["audit", "verify"]))
}

async fn demo_prints_accounts_and_a_password_and_loads_once(env: Env) {
    let first = env.ok(&["demo"]);
    let accounts: Vec<&str> = first.split_whitespace().filter(|w| w.ends_with("@demo.example.org")).collect();
    assert!(accounts.contains(&"admin@demo.example.org"), "{first}");
    assert!(accounts.len() >= 5, "{first}");
    let password = password_in(&first).expect("a Password: line");
    assert!(looks_generated(password), "{password:?}");
    assert!(first.contains("TOTP"), "says the second factor is off: {first}");

    let second = env.ok(&["demo"]);
    assert!(second.contains("already loaded"), "{second}");
    assert!(!second.contains("Password:"), "{second}");
    assert!(!second.contains(password), "{second}");
    for a in &accounts {
        assert!(second.contains(a), "lists {a} again: {second}");
    }
    let list = env.ok(&["user", "list"]);
    for a in &accounts {
        let rows = list.lines().filter(|l| l.starts_with(&format!("{a}\t")));
        assert_eq!(rows.count(), 1, "{a} once: {list}");
    }
}

async fn user_create_list_disable_reset_password(env: Env) {
    let created = org_and_user(&env, "a@x.org");
    assert!(created.contains("a@x.org"), "{created}");
    assert!(password_in(&created).is_some_and(looks_generated), "{created}");
    let row = user_row(&env, "a@x.org").expect("a@x.org is listed");
    assert_eq!(row, ["a@x.org", "A", "X", "me_officer", "active"]);

    let out = env.ok(&["user", "disable", "--email", "a@x.org"]);
    assert!(out.contains("Disabled a@x.org"), "{out}");
    assert_eq!(user_row(&env, "a@x.org").expect("listed")[4], "disabled");

    let reset = &["user", "reset-password", "--email", "a@x.org", "--password-stdin"];
    let out = env.run_with_stdin(reset, "a long enough passphrase\n").success().stdout;
    assert!(out.contains("New password set"), "{out}");
    assert!(password_in(&out).is_none(), "nothing generated: {out}");
    let out = env.ok(&["user", "reset-password", "--email", "a@x.org"]);
    assert!(password_in(&out).is_some_and(looks_generated), "{out}");

    let before = state(&env);
    env.run_with_stdin(reset, "short\n").rejected("10 characters");
    let create = |email: &'static str, org: &'static str, role: &'static str| {
        env.run(&["user", "create", "--email", email, "--name", "B", "--org", org, "--role", role])
    };
    create("b@x.org", "No such org", "me_officer").rejected("no organisation");
    create("not-an-e-mail", "X", "me_officer").rejected("e-mail");
    create("a@x.org", "X", "me_officer").rejected("exists already");
    create("b@x.org", "X", "wizard").rejected("role");
    env.run(&["user", "disable", "--email", "a@x.org"]).rejected("already disabled");
    env.run(&["user", "disable", "--email", "nobody@x.org"]).rejected("no such user");
    env.run(&["user", "reset-password", "--email", "nobody@x.org"]).rejected("no such user");
    env.run(&["org", "create", "--name", "Y", "--kind", "wizardry", "--country", "BO"]).rejected("kind");
    assert_eq!(state(&env), before, "failed commands change nothing");
}

async fn user_create_with_a_rejected_role_changes_nothing(env: Env) {
    org_and_user(&env, "a@x.org");
    let before = state(&env);
    // An M&E officer's role cannot be limited to a team: the role is refused, so the
    // command fails — and must then not leave a user behind without that role.
    env.run(&[
        "user",
        "create",
        "--email",
        "e@x.org",
        "--name",
        "E",
        "--org",
        "X",
        "--role",
        "me_officer",
        "--team",
        "00000000-0000-0000-0000-000000000001",
    ])
    .rejected("");
    assert_eq!(state(&env), before, "a failed create changes nothing");
}

async fn token_create_prints_a_token_that_the_api_accepts(env: Env) {
    org_and_user(&env, "t@x.org");
    let out = env.ok(&["token", "create", "--email", "t@x.org"]);
    assert_eq!(out.lines().count(), 1, "only the token: {out:?}");
    let token = out.trim();
    assert!(token.starts_with("dtz_"), "{out:?}");
    env.run(&["token", "create", "--email", "nobody@x.org"]).rejected("nobody@x.org");

    let server = env.serve(&[]);
    let (status, body) = server.get("/api/v1/me", Some(token));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"t@x.org\""), "{body}");
    assert_eq!(server.get("/api/v1/me", None).0, 401);
    let forged = format!("dtz_{}", "0".repeat(64));
    assert_eq!(server.get("/api/v1/me", Some(&forged)).0, 401);

    env.ok(&["user", "disable", "--email", "t@x.org"]);
    let (status, body) = server.get("/api/v1/me", Some(token));
    assert_eq!(status, 401, "a disabled user's token stops working: {body}");
}
