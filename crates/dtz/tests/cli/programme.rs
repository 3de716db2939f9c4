//! `dtz programme dump|load|list` (DESIGN §6): the demo programme round-trips through
//! its file, also into an empty database, and a broken file changes nothing.

use crate::support::Env;

on_both_backends!(
    dump_load_into_an_empty_database_and_dump_again_gives_the_same_file,
    a_broken_file_is_refused_with_lines_and_changes_nothing,
    a_file_that_would_change_the_measure_of_an_indicator_with_values_is_refused_by_line,
);

async fn dump_load_into_an_empty_database_and_dump_again_gives_the_same_file(env: Env) {
    env.ok(&["demo"]);
    let first = env.ok(&["programme", "dump", "DTZ"]);
    assert!(first.contains("code = \"DTZ\"") && first.contains("[[goals.outcomes.indicators]]"), "{first}");
    assert_eq!(first.matches("[[goals]]").count(), 4, "the four strategic goals");
    assert!(first.matches("indicators]]").count() >= 20, "about twenty indicators");
    std::fs::write(env.path("dtz.toml"), &first).unwrap();
    env.ok(&["programme", "dump", "DTZ", "-o", "copy.toml"]);
    assert_eq!(std::fs::read_to_string(env.path("copy.toml")).unwrap().trim_end(), first.trim_end());

    let empty = format!("sqlite://{}", env.path("empty.db").display());
    let key = env.path("empty.key");
    let key = key.to_str().unwrap();
    let out = env.run(&["programme", "load", "dtz.toml", "--database-url", &empty, "--key-file", key]).success();
    assert!(out.stdout.contains("Created programme DTZ with 4 goals"), "{}", out.stdout);
    assert!(
        out.stderr.contains("note: no organisation here has the name or IATI id"),
        "refs are reported: {}",
        out.stderr
    );
    let again = env.ok(&["programme", "dump", "DTZ", "--database-url", &empty, "--key-file", key]);
    assert_eq!(again, first);
    let listed = env.ok(&["programme", "list", "--database-url", &empty, "--key-file", key]);
    assert!(listed.starts_with("DTZ\t2016-01-01\t2020-12-31\tDown to Zero"), "{listed}");
    // Loading the same file again updates in place and keeps it identical.
    let out = env.ok(&["programme", "load", "dtz.toml"]);
    assert!(out.contains("Updated programme DTZ"), "{out}");
    assert_eq!(env.ok(&["programme", "dump", "DTZ"]), first);
    env.run(&["programme", "dump", "NOPE"]).rejected("no programme with the code");
}

async fn a_broken_file_is_refused_with_lines_and_changes_nothing(env: Env) {
    env.ok(&["demo"]);
    let before = env.ok(&["programme", "dump", "DTZ"]);
    let broken = before.replacen("measure = \"percentage\"", "measure = \"percentage\"\naggregation = \"sum\"", 1);
    std::fs::write(env.path("broken.toml"), broken).unwrap();
    let r = env.run(&["programme", "load", "broken.toml"]).rejected("nothing was loaded");
    assert!(
        r.stderr.contains("broken.toml: line ")
            && r.stderr.contains("aggregation: A percentage adds up as ratio_of_sums"),
        "{}",
        r.stderr
    );
    assert_eq!(env.ok(&["programme", "dump", "DTZ"]), before);
    std::fs::write(env.path("bad.toml"), "format = \"dtz-programme/1\"\n[programme]\ncode = 5\n").unwrap();
    env.run(&["programme", "load", "bad.toml"]).rejected("nothing was loaded");
    std::fs::write(env.path("good.toml"), &before).unwrap();
    let check = env.ok(&["programme", "load", "--check", "good.toml"]);
    assert!(check.contains("is a valid programme file (24 indicators)"), "{check}");
}

async fn a_file_that_would_change_the_measure_of_an_indicator_with_values_is_refused_by_line(env: Env) {
    env.ok(&["demo"]);
    let before = env.ok(&["programme", "dump", "DTZ"]);
    // G1.O1.1 has demo values: its measure is fixed, the same rule as in the pages.
    let at = before.find("code = \"G1.O1.1\"").unwrap();
    let (head, tail) = before.split_at(at);
    let changed =
        format!("{head}{}", tail.replacen("measure = \"count\"", "measure = \"yes_no\"\naggregation = \"none\"", 1));
    std::fs::write(env.path("measure.toml"), &changed).unwrap();
    let line = changed.lines().position(|l| l == "code = \"G1.O1.1\"").unwrap();
    let r = env.run(&["programme", "load", "measure.toml"]).rejected("nothing was loaded");
    assert!(
        r.stderr.contains(&format!("measure.toml: line {line}: goals[0].outcomes[0].indicators[0].measure: “G1.O1.1” has values or targets: its measure cannot change.")),
        "{}",
        r.stderr
    );
    assert_eq!(env.ok(&["programme", "dump", "DTZ"]), before);
}
