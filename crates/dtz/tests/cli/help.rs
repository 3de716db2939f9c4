//! Every subcommand explains itself, without touching a database.

use crate::support::Env;

/// The commands DESIGN and the operators' guide rely on.
const KNOWN: &[&str] = &[
    "serve",
    "migrate",
    "demo",
    "org",
    "org create",
    "org list",
    "user",
    "user create",
    "user list",
    "user disable",
    "user reset-password",
    "token",
    "token create",
    "audit",
    "audit verify",
    "audit head",
    "key",
    "key init",
    "key rotate",
    "import values",
    "export values-template",
    "node",
    "node code",
    "node enroll",
    "node status",
    "node sync",
];

/// The commands that open the database, so take `--database-url` and `--key-file`.
const OPEN_THE_DATABASE: &[&str] = &[
    "serve",
    "migrate",
    "demo",
    "org create",
    "org list",
    "user create",
    "user list",
    "user disable",
    "user reset-password",
    "token create",
    "audit verify",
    "audit head",
    "key rotate",
    "import values",
    "export values-template",
    "node code",
    "node enroll",
    "node status",
    "node sync",
];

/// The subcommand names listed under `Commands:` in a help text (without `help`).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| l.trim() != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_subcommand_answers_help() {
    let env = Env::sqlite();
    let mut seen: Vec<String> = Vec::new();
    let mut todo: Vec<String> = vec![String::new()];
    while let Some(path) = todo.pop() {
        let mut args: Vec<&str> = path.split_whitespace().collect();
        args.push("--help");
        let out = env.run(&args).success().stdout;
        assert!(out.contains("Usage: dtz"), "dtz {path} --help: {out}");
        if OPEN_THE_DATABASE.contains(&path.as_str()) {
            assert!(out.contains("--database-url") && out.contains("--key-file"), "dtz {path} --help: {out}");
        }
        for sub in subcommands(&out) {
            todo.push(format!("{path} {sub}").trim().to_owned());
        }
        seen.push(path);
    }
    for known in KNOWN {
        assert!(seen.iter().any(|s| s == known), "`dtz {known}` is missing; found {seen:?}");
    }
    assert!(
        !env.path("dtz.db").exists() && !env.path("dtz.key").exists(),
        "--help must not create a database or a key file"
    );
}

#[test]
fn version_is_printed() {
    let env = Env::sqlite();
    let out = env.run(&["--version"]).success().stdout;
    assert!(out.starts_with("dtz "), "{out}");
}
