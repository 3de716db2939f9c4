//! `dtz export iati` through the real binary (DESIGN §6): every demo export validates
//! against the official 2.03 schema with xmllint and passes `--check`; the whole export
//! matches its snapshot; broken configurations are listed by `--check`, which exits
//! non-zero; identifiers are checked when entered; finance CSV imports are all or nothing.

use crate::support::Env;
use dtz_store::Sql;
use std::path::Path;
use std::process::Command;

on_both_backends!(
    every_demo_export_validates_against_the_schema_and_passes_the_checks,
    the_demo_export_matches_its_snapshot,
    broken_configurations_are_listed_by_check_which_exits_non_zero,
    identifiers_are_checked_when_they_are_entered,
    a_finance_import_is_all_or_nothing_with_problems_by_line,
);

/// The publishers of the demo programme: the lead and the two members with countries.
const PUBLISHERS: [&str; 3] = ["NL-KVK-41149287", "NL-KVK-34308169", "NL-KVK-56484038"];

/// Validate `file` against the 2.03 schema in the repository. Without xmllint the test is
/// skipped with a reason, except under CI (where `.ci/run` installs it).
fn xmllint(file: &Path) -> bool {
    let schema = dtz_formats::iati::schema_dir().join("iati-activities-schema.xsd");
    match Command::new("xmllint").arg("--noout").arg("--schema").arg(&schema).arg(file).output() {
        Ok(out) => {
            assert!(
                out.status.success(),
                "{} does not validate: {}",
                file.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            true
        }
        Err(e) => {
            assert!(!std::env::var("CI").is_ok_and(|v| v == "true"), "CI=true but xmllint cannot run: {e}");
            eprintln!("skipped: schema validation (xmllint not available: {e}; install libxml2-utils)");
            false
        }
    }
}

async fn every_demo_export_validates_against_the_schema_and_passes_the_checks(env: Env) {
    env.ok(&["demo"]);
    env.ok(&["export", "iati", "--programme", "DTZ", "-o", "all.xml"]);
    assert!(!env.path("all.xml.part").exists(), "the file written beside its place is moved there");
    let all = std::fs::read_to_string(env.path("all.xml")).unwrap();
    assert_eq!(all.matches("<iati-activity ").count(), 8, "the programme and seven member activities");
    xmllint(&env.path("all.xml"));
    for p in PUBLISHERS {
        let file = format!("{p}.xml");
        env.ok(&["export", "iati", "--programme", "DTZ", "--publisher", p, "-o", &file]);
        let xml = std::fs::read_to_string(env.path(&file)).unwrap();
        assert!(xml.contains(&format!("<reporting-org ref=\"{p}\"")), "{p}");
        assert!(
            !xml.contains("<reporting-org ref=\"NL-KVK")
                || xml.matches("<reporting-org ref=").count()
                    == xml.matches(&format!("<reporting-org ref=\"{p}\"")).count(),
            "only {p}'s activities"
        );
        xmllint(&env.path(&file));
        let checked = env.ok(&["export", "iati", "--programme", "DTZ", "--publisher", p, "--check"]);
        assert!(checked.contains("passes the checks"), "{p}: {checked}");
    }
    let checked = env.ok(&["export", "iati", "--programme", "DTZ", "--check"]);
    assert!(checked.contains("The IATI file of DTZ passes the checks (0 warning(s))."), "{checked}");
    // Standard output without -o; the flat form as CSV.
    let stdout = env.ok(&["export", "iati", "--programme", "DTZ", "--publisher", "Free a Girl"]);
    assert!(stdout.starts_with("<?xml") && stdout.contains("NL-KVK-34308169-DTZ-TH"), "{}", &stdout[..200]);
    let csv = env.ok(&["export", "iati", "--programme", "DTZ", "--format", "csv"]);
    let mut lines = csv.lines();
    assert!(lines.next().is_some_and(|h| h.contains("activity,result_type,result,indicator_code")), "{csv:.300}");
    assert!(
        csv.lines().any(|l| l.starts_with("NL-KVK-41149287-DTZ,2,")
            && l.contains(",G1.O1.1,")
            && l.contains("2016-01-01,2016-12-31,,2015,")),
        "one row per indicator × period, the total first"
    );
    assert!(csv.contains(",sex=female,"), "and one per dimension");
    env.run(&["export", "iati", "--programme", "DTZ", "--publisher", "Nobody"]).rejected("There is no organisation");
    env.run(&["export", "iati", "--programme", "NOPE"]).rejected("cannot export NOPE");
    // Written to the file as each activity is made: the bytes of standard output, and no
    // file at all when the export fails.
    let out = env.ok(&["export", "iati", "--programme", "DTZ"]);
    assert_eq!(normalised(&all), normalised(&out), "-o writes what standard output gets");
    env.run(&["export", "iati", "--programme", "NOPE", "-o", "nope.xml"]).rejected("cannot export NOPE");
    env.run(&["export", "iati", "--programme", "DTZ", "--publisher", "Nobody", "-o", "nobody.xml"])
        .rejected("There is no organisation");
    assert!(!env.path("nope.xml").exists() && !env.path("nobody.xml").exists(), "a failed export leaves no file");
    std::fs::write(env.path("kept.xml"), "an earlier export").unwrap();
    env.run(&["export", "iati", "--programme", "DTZ", "--publisher", "Nobody", "-o", "kept.xml"])
        .rejected("There is no organisation");
    assert_eq!(
        std::fs::read_to_string(env.path("kept.xml")).unwrap(),
        "an earlier export",
        "nor damages an earlier one"
    );
    assert!(!env.path("kept.xml.part").exists());
}

/// The snapshot with the generated times taken out: they change with every run.
fn normalised(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    for line in xml.lines() {
        let mut l = line.to_owned();
        for attr in ["generated-datetime=\"", "last-updated-datetime=\""] {
            if let Some(i) = l.find(attr) {
                let start = i + attr.len();
                if let Some(len) = l[start..].find('"') {
                    l.replace_range(start..start + len, "NORMALISED");
                }
            }
        }
        out.push_str(&l);
        out.push('\n');
    }
    out
}

/// To update the snapshot after a deliberate change, run
/// `UPDATE_SNAPSHOTS=1 cargo test -p dtz --test cli iati::sqlite::the_demo_export_matches_its_snapshot`
/// and review the difference (`git diff crates/dtz/tests/cli/snapshots/`).
async fn the_demo_export_matches_its_snapshot(env: Env) {
    env.ok(&["demo"]);
    let xml = normalised(&env.ok(&["export", "iati", "--programme", "DTZ"]));
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/snapshots/dtz-iati.xml");
    if std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &xml).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    if want != xml {
        let got = path.with_extension("xml.new");
        std::fs::write(&got, &xml).unwrap();
        let first = want.lines().zip(xml.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "the IATI export differs from {} from line {} (written to {}); if the change is meant, run with UPDATE_SNAPSHOTS=1 and review the diff",
            path.display(),
            first + 1,
            got.display()
        );
    }
}

fn check(env: &Env) -> crate::support::Run {
    let r = env.run(&["export", "iati", "--programme", "DTZ", "--check"]);
    assert_eq!(r.code, Some(1), "errors exit non-zero: {r:#?}");
    assert!(r.stderr.contains("error(s)"), "{}", r.stderr);
    r
}

async fn broken_configurations_are_listed_by_check_which_exits_non_zero(env: Env) {
    env.ok(&["demo"]);
    // The donor's activity is no longer named: the programme's incoming funds cannot say
    // where they come from.
    let file = env.ok(&["programme", "dump", "DTZ"]);
    let without = file.lines().filter(|l| !l.starts_with("donor_activity")).collect::<Vec<_>>().join("\n");
    std::fs::write(env.path("p.toml"), without).unwrap();
    env.ok(&["programme", "load", "p.toml"]);
    let r = check(&env);
    assert!(
        r.stdout.contains("error M4: NL-KVK-41149287-DTZ transaction: The Ministry expects incoming funds from the donor that name the activity"),
        "{}",
        r.stdout
    );
    assert_eq!(r.stdout.lines().filter(|l| l.starts_with("error")).count(), 1, "only that: {}", r.stdout);
    // A baseline removed, budgets cleared, a currency IATI does not know.
    env.tamper(&[
        Sql::new(
            "DELETE FROM baselines WHERE country = 'BO' AND indicator_id IN (SELECT id FROM indicators WHERE code = 'G1.O1.1')",
        ),
        Sql::new("UPDATE finance_records SET budget = NULL WHERE country = 'PE'"),
        Sql::new("UPDATE programmes SET currency = 'EUX'"),
    ])
    .await;
    let r = check(&env);
    for want in [
        "error M1: NL-KVK-56484038-DTZ-BO result[1]/indicator[1]/baseline: The Ministry expects a baseline year and value",
        "error M3: NL-KVK-56484038-DTZ-PE budget: The Ministry expects budgets per year.",
        "error codelist: NL-KVK-34308169-DTZ-IN @default-currency: “EUX” is not a code of the “Currency” codelist.",
    ] {
        assert!(r.stdout.contains(want), "{want}\n{}", r.stdout);
    }
    // Still a file that validates: the checks go beyond the schema.
    env.run(&["export", "iati", "--programme", "DTZ", "-o", "broken.xml"]).success();
    xmllint(&env.path("broken.xml"));
}

async fn identifiers_are_checked_when_they_are_entered(env: Env) {
    env.ok(&["demo"]);
    for bad in ["ZZ-NOPE-1", "NL-KVK-1/2", "NLKVK"] {
        env.run(&["org", "create", "--name", "Bad id", "--kind", "local_partner", "--iati-id", bad, "--country", "BO"])
            .rejected("iati_id");
    }
    env.ok(&[
        "org",
        "create",
        "--name",
        "Good id",
        "--kind",
        "local_partner",
        "--iati-id",
        "BO-NIT-1234567",
        "--country",
        "BO",
    ]);
    let file = env.ok(&["programme", "dump", "DTZ"]);
    let broken = file
        .replace("iati_identifier = \"NL-KVK-41149287-DTZ\"", "iati_identifier = \"NL-KVK-56484038-DTZ?\"")
        .replace(
            "[[iati.sectors]]\ncode = \"15160\"\npercentage = 100\n",
            "[[iati.sectors]]\ncode = \"15160\"\npercentage = 60\n\n[[iati.sectors]]\ncode = \"99999\"\npercentage = 30\n",
        );
    std::fs::write(env.path("bad.toml"), &broken).unwrap();
    let r = env.run(&["programme", "load", "bad.toml"]).rejected("nothing was loaded");
    let line = |needle: &str| broken.lines().position(|l| l.contains(needle)).map(|n| n + 1).unwrap_or(0);
    let second = broken.lines().enumerate().filter(|(_, l)| *l == "[[iati.sectors]]").nth(1).map_or(0, |(n, _)| n + 1);
    for want in [
        format!(
            "bad.toml: line {}: programme.iati_identifier: An IATI identifier has no spaces",
            line("iati_identifier =")
        ),
        format!("bad.toml: line {}: iati.sectors: The sector percentages add up to 90, not 100.", line("[iati]")),
        format!("bad.toml: line {second}: iati.sectors[1].code: “99999” is not a code of the Sector codelist."),
    ] {
        assert!(r.stderr.contains(&want), "{want}\n{}", r.stderr);
    }
    let other = file.replace("iati_identifier = \"NL-KVK-41149287-DTZ\"", "iati_identifier = \"NL-KVK-56484038-DTZ\"");
    std::fs::write(env.path("other.toml"), &other).unwrap();
    let r = env.run(&["programme", "load", "other.toml"]).rejected("nothing was loaded");
    assert!(
        r.stderr.contains("programme.iati_identifier: Begin the activity identifier with the reporting organisation's identifier “NL-KVK-41149287” and a hyphen."),
        "{}",
        r.stderr
    );
}

fn events(env: &Env) -> String {
    let out = env.ok(&["audit", "verify"]);
    out.split(':').nth(1).and_then(|s| s.split(" events").next()).unwrap_or("").trim().to_owned()
}

async fn a_finance_import_is_all_or_nothing_with_problems_by_line(env: Env) {
    env.ok(&["demo"]);
    let head = "organisation,country,year,budget,incoming_funds,incoming_date,expenditure,partner,disbursement\n";
    let good = format!(
        "{head}ICCO Cooperation,BO,2019,400000,390000,2019-01-10,380000,Sample partner Bolivia (sample data),150000\n\
         NL-KVK-34308169,TH,2019,200000,,,190000,,\n"
    );
    std::fs::write(env.path("good.csv"), &good).unwrap();
    let bad = format!(
        "{good}ICCO Cooperation,IN,2019,1,,,,,\n\
         ICCO Cooperation,BO,2031,1,,,,,\n\
         ICCO Cooperation,PE,2019,5,5,,,,\n\
         ICCO Cooperation,CO,2019,5,,,,Sample partner India (sample data),10\n\
         Nobody,BO,2019,1,,,,,\n"
    );
    std::fs::write(env.path("bad.csv"), &bad).unwrap();
    let before = events(&env);
    let r = env.run(&["import", "finance", "bad.csv", "--programme", "DTZ"]).rejected("nothing was imported");
    let want = "line 8: organisation: There is no organisation “Nobody”.";
    assert!(r.stderr.contains(want), "{want}\n{}", r.stderr);
    assert_eq!(events(&env), before, "nothing written");
    let bad = bad.replace("Nobody,BO,2019,1,,,,,\n", "");
    std::fs::write(env.path("bad.csv"), &bad).unwrap();
    let r = env.run(&["import", "finance", "bad.csv", "--programme", "DTZ"]).rejected("nothing was imported");
    for want in [
        "line 4: organisation: This member keeps no finance records for this country in the programme.",
        "line 5: year: Choose a year of the programme.",
        "line 6: incoming_date: Give the date the funds arrived.",
        "line 7: partner: Choose a partner the member funds in this country.",
    ] {
        assert!(r.stderr.contains(want), "{want}\n{}", r.stderr);
    }
    assert_eq!(events(&env), before, "nothing written");
    let dry = env.ok(&["import", "finance", "good.csv", "--programme", "DTZ", "--dry-run"]);
    assert!(dry.contains("2 finance records checked; 2 would change"), "{dry}");
    assert_eq!(events(&env), before, "a dry run writes nothing");
    let done = env.ok(&["import", "finance", "good.csv", "--programme", "DTZ"]);
    assert!(done.contains("Imported 2 finance records; 2 changed."), "{done}");
    assert_ne!(events(&env), before);
    let again = env.ok(&["import", "finance", "good.csv", "--programme", "DTZ"]);
    assert!(again.contains("2 finance records; 0 changed."), "an unchanged file changes nothing: {again}");
    let xml = env.ok(&["export", "iati", "--programme", "DTZ", "--publisher", "NL-KVK-56484038"]);
    assert!(xml.contains("<value value-date=\"2019-01-01\">400000</value>"), "the new budget is published");
}
