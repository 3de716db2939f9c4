//! `dtz import values`: all rows or none, every problem by line, a dry run writes nothing.

use crate::support::Env;

on_both_backends!(values_import_all_or_nothing_with_a_dry_run,);

fn events(env: &Env) -> String {
    let out = env.ok(&["audit", "verify"]);
    out.split(':').nth(1).and_then(|s| s.split(" events").next()).unwrap_or("").trim().to_owned()
}

async fn values_import_all_or_nothing_with_a_dry_run(env: Env) {
    env.ok(&["demo"]);
    let org = "Sample partner Bolivia (sample data)";
    let good = format!(
        "indicator,country,organisation,period,part,value,numerator,denominator,comment\n\
         G1.O1.1,BO,{org},2020,,300,,,\n\
         G1.O1.1,BO,{org},2020,sex=female,180,,,\n\
         G1.O1.1,BO,{org},2020,sex=male,110,,,\n\
         G1.O1.1,BO,{org},2020,sex=unknown,10,,,\n\
         G1.O1.2,BO,{org},2020,,,70,100,from the end-line survey\n"
    );
    std::fs::write(env.path("good.csv"), &good).unwrap();
    let bad = format!(
        "{good}G1.O1.1,BO,{org},2019,,5,,,\nNOPE,BO,{org},2020,,1,,,\nG1.O1.1,BO,Nobody,2020,,1,,,\nG1.O1.2,BO,{org},2020,,,9,3,\n"
    );
    std::fs::write(
        env.path("bad.csv"),
        bad.replace("G1.O1.2,BO,Sample partner Bolivia (sample data),2020,,,70,100,from the end-line survey\n", ""),
    )
    .unwrap();
    let before = events(&env);
    let r = env.run(&["import", "values", "bad.csv", "--programme", "DTZ"]).rejected("nothing was imported");
    for expected in [
        "line 6: period: This report is submitted or approved",
        "line 7: indicator: There is no indicator “NOPE”",
        "line 8: organisation: There is no organisation “Nobody”",
        "line 9: numerator: The numerator cannot be larger",
    ] {
        assert!(r.stderr.contains(expected), "{expected}: {}", r.stderr);
    }
    assert_eq!(events(&env), before, "a refused import writes nothing");
    let dry = env.ok(&["import", "values", "good.csv", "--programme", "DTZ", "--dry-run"]);
    assert!(dry.contains("5 values for 1 reports would be imported"), "{dry}");
    assert_eq!(events(&env), before, "a dry run writes nothing");
    let done = env.ok(&["import", "values", "good.csv", "--programme", "DTZ"]);
    assert!(done.contains("Imported 5 values into 1 reports"), "{done}");
    assert_ne!(events(&env), before);
    std::fs::write(env.path("broken.csv"), "indicator,country,period\nG1,BO,2020\n").unwrap();
    env.run(&["import", "values", "broken.csv", "--programme", "DTZ"]).rejected("nothing was imported");
}
