//! `dtz import values`: all rows or none, every problem by line, a dry run writes nothing.

use crate::support::Env;

on_both_backends!(values_import_all_or_nothing_with_a_dry_run, activities_import_all_or_nothing_with_a_dry_run,);

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

async fn activities_import_all_or_nothing_with_a_dry_run(env: Env) {
    env.ok(&["demo"]);
    let org = "Sample partner Bolivia (sample data)";
    let good = format!(
        "activity,organisation,country,goal,type,title,start,group,sex,age,first_time,repeat\n\
         fair-2020,{org},BO,G2,awareness_event,Fair in Sucre,2020-08-01,parents,female,18_plus,25,5\n\
         fair-2020,,,,,,,children,male,12_17,40,0\n"
    );
    std::fs::write(env.path("activities.csv"), &good).unwrap();
    std::fs::write(env.path("broken.csv"), good.replace("2020-08-01", "someday")).unwrap();
    let before = events(&env);
    let r = env.run(&["import", "activities", "broken.csv", "--programme", "DTZ"]).rejected("nothing was imported");
    assert!(r.stderr.contains("line 2: start: Use a date such as"), "{}", r.stderr);
    let dry = env.ok(&["import", "activities", "activities.csv", "--programme", "DTZ", "--dry-run"]);
    assert!(dry.contains("1 new and 0 changed activities would be recorded"), "{dry}");
    assert_eq!(events(&env), before, "a refused import and a dry run write nothing");
    let done = env.ok(&["import", "activities", "activities.csv", "--programme", "DTZ"]);
    assert!(done.contains("Recorded 1 new and 0 changed activities"), "{done}");
    let again = env.ok(&["import", "activities", "activities.csv", "--programme", "DTZ"]);
    assert!(again.contains("Recorded 0 new and 0 changed activities (1 unchanged)"), "{again}");
}
