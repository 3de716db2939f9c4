//! Spreadsheets through the real binary: `dtz import values` reads XLSX like CSV (all
//! rows or none, every problem by row and column, no panic on broken files), and the
//! pre-filled spreadsheet of `dtz export values-template` goes round: filled in by a
//! spreadsheet program and imported, or imported unchanged as no change at all.

use crate::support::Env;
use calamine::Data;
use dtz_testkit::sheets::{Edit, cells, edit};

on_both_backends!(xlsx_import_is_all_or_nothing_and_names_every_problem, prefilled_spreadsheet_goes_round_trip,);

const ORG: &str = "Sample partner Bolivia (sample data)";

/// The number of audit events: a change of any kind moves it.
fn events(env: &Env) -> String {
    let out = env.ok(&["audit", "verify"]);
    out.split(':').nth(1).and_then(|s| s.split(" events").next()).unwrap_or("").trim().to_owned()
}

/// A workbook whose first sheet holds these rows (numbers as numbers).
fn workbook(rows: &[&[&str]]) -> Vec<u8> {
    let mut b = rust_xlsxwriter::Workbook::new();
    let s = b.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match v.parse::<f64>() {
                _ if v.is_empty() => {}
                Ok(n) => {
                    s.write_number(r, c, n).unwrap();
                }
                Err(_) => {
                    s.write_string(r, c, *v).unwrap();
                }
            }
        }
    }
    b.add_worksheet().write_string(0, 0, "a second sheet is not read").unwrap();
    b.save_to_buffer().unwrap()
}

const HEAD: &[&str] = &["indicator", "country", "organisation", "period", "part", "value", "numerator", "denominator"];

async fn xlsx_import_is_all_or_nothing_and_names_every_problem(env: Env) {
    env.ok(&["demo"]);
    let good = workbook(&[
        HEAD,
        &["G1.O1.1", "BO", ORG, "2020", "", "300"],
        &["G1.O1.1", "BO", ORG, "2020", "sex=female", "180"],
        &["G1.O1.1", "BO", ORG, "2020", "sex=male", "110"],
        &["G1.O1.1", "BO", ORG, "2020", "sex=unknown", "10"],
        &["G1.O1.2", "BO", ORG, "2020", "", "", "70", "100"],
    ]);
    std::fs::write(env.path("good.xlsx"), &good).unwrap();
    let broken = workbook(&[
        HEAD,
        &["G1.O1.1", "BO", ORG, "2020", "", "300"],
        &["G1.O1.1", "BO", ORG, "2020", "sex=female", "lots"],
        &["NOPE", "BO", ORG, "2020", "", "1"],
        &["G1.O1.1", "BO", "Nobody", "2020", "", "1"],
        &["G1.O1.2", "BO", ORG, "2020", "", "", "9", "3"],
        &["G1.O1.1", "BO", ORG, "2020", "sex=female", "2.5"],
    ]);
    std::fs::write(env.path("broken.xlsx"), &broken).unwrap();
    let before = events(&env);
    let r = env.run(&["import", "values", "broken.xlsx", "--programme", "DTZ"]).rejected("nothing was imported");
    for expected in ["line 3: value: “lots” is not a whole number.", "line 7: value: “2.5” is not a whole number."]
    {
        assert!(r.stderr.contains(expected), "{expected}: {}", r.stderr);
    }
    // With the cells readable, the checks against the programme name the rest.
    let checked = workbook(&[
        HEAD,
        &["G1.O1.1", "BO", ORG, "2020", "", "300"],
        &["NOPE", "BO", ORG, "2020", "", "1"],
        &["G1.O1.1", "BO", "Nobody", "2020", "", "1"],
        &["G1.O1.2", "BO", ORG, "2020", "", "", "9", "3"],
        &["G1.O1.1", "BO", ORG, "2020", "sex=nobody", "1"],
        &["G1.O1.1", "BO", ORG, "2020", "", "300"],
    ]);
    std::fs::write(env.path("checked.xlsx"), &checked).unwrap();
    let r = env.run(&["import", "values", "checked.xlsx", "--programme", "DTZ"]).rejected("5 problem(s)");
    for expected in [
        "line 3: indicator: There is no indicator “NOPE”",
        "line 4: organisation: There is no organisation “Nobody”",
        "line 5: numerator: The numerator cannot be larger",
        "line 6: part: “sex=nobody” is not a breakdown",
        "line 7: part: This value is also on line 2.",
    ] {
        assert!(r.stderr.contains(expected), "{expected}: {}", r.stderr);
    }
    for (name, bytes) in [
        ("garbage.xlsx", (0..5000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect::<Vec<u8>>()),
        ("truncated.xlsx", good[..good.len() / 2].to_vec()),
        ("empty.xlsx", Vec::new()),
    ] {
        std::fs::write(env.path(name), bytes).unwrap();
        let r = env.run(&["import", "values", name, "--programme", "DTZ"]).rejected("nothing was imported");
        assert!(r.stderr.contains("line 0: file: "), "{name}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{name}: {}", r.stderr);
    }
    assert_eq!(events(&env), before, "refused imports write nothing");
    let dry = env.ok(&["import", "values", "good.xlsx", "--programme", "DTZ", "--dry-run"]);
    assert!(dry.contains("5 values for 1 reports would be imported (0 new, 5 changed"), "{dry}");
    assert_eq!(events(&env), before, "a dry run writes nothing");
    let done = env.ok(&["import", "values", "good.xlsx", "--programme", "DTZ"]);
    assert!(done.contains("Imported 5 values into 1 reports (0 new, 5 changed"), "{done}");
    assert!(!done.contains('\u{1b}'), "no progress bar when stderr is not a terminal");
    assert_ne!(events(&env), before);
}

/// A cell as text (empty for an empty cell).
fn text(d: &Data) -> String {
    d.to_string()
}

/// The value of `column` in the row of `indicator` and `part`.
fn cell(rows: &[Vec<Data>], indicator: &str, part: &str, column: &str) -> String {
    let col = rows[0].iter().position(|h| text(h) == column).unwrap();
    let row = rows
        .iter()
        .find(|r| text(&r[0]) == indicator && text(&r[2]) == part)
        .unwrap_or_else(|| panic!("no row {indicator} {part}"));
    row.get(col).map(ToString::to_string).unwrap_or_default()
}

async fn prefilled_spreadsheet_goes_round_trip(env: Env) {
    env.ok(&["demo"]);
    let export = |out: &str| {
        env.ok(&[
            "export",
            "values-template",
            "--programme",
            "DTZ",
            "--org",
            ORG,
            "--country",
            "bo",
            "--period",
            "2020",
            "--lang",
            "es",
            "-o",
            out,
        ])
    };
    // The demo's sample partner has a draft report for 2020 already: the sheet shows it.
    assert!(export("first.xlsx").contains("Wrote first.xlsx"));
    let first = std::fs::read(env.path("first.xlsx")).unwrap();
    let rows = cells(&first);
    let header: Vec<String> = rows[0].iter().map(ToString::to_string).collect();
    assert_eq!(header[..6], ["indicator", "title", "part", "breakdown", "measure", "value"]);
    assert_eq!(cell(&rows, "G1.O1.1", "", "organisation"), ORG);
    assert_eq!(cell(&rows, "G1.O1.1", "", "country"), "BO");
    assert_eq!(cell(&rows, "G1.O1.1", "sex=unknown", "breakdown").to_lowercase(), "sex: desconocido");
    assert!(cell(&rows, "G1.O1.2", "", "measure").contains("numerador"), "hints in the chosen language");

    // Unchanged: nothing changes, not even a report is opened.
    let before = events(&env);
    let same = env.ok(&["import", "values", "first.xlsx", "--programme", "DTZ"]);
    assert!(same.contains("into 0 reports (0 new, 0 changed, 0 emptied"), "{same}");
    assert_eq!(events(&env), before, "an unchanged spreadsheet changes nothing");

    // Filled in by a spreadsheet program, then imported.
    let filled = edit(
        &first,
        &[
            Edit { indicator: "G1.O1.1", part: "", column: "value", value: "300" },
            Edit { indicator: "G1.O1.1", part: "sex=female", column: "value", value: "180" },
            Edit { indicator: "G1.O1.1", part: "sex=male", column: "value", value: "110" },
            Edit { indicator: "G1.O1.1", part: "sex=unknown", column: "value", value: "10" },
            Edit { indicator: "G1.O1.2", part: "", column: "numerator", value: "70" },
            Edit { indicator: "G1.O1.2", part: "", column: "denominator", value: "100" },
            Edit { indicator: "G1.O1.2", part: "", column: "comment", value: "-5 from last year: =the survey" },
        ],
    );
    std::fs::write(env.path("filled.xlsx"), &filled).unwrap();
    let done = env.ok(&["import", "values", "filled.xlsx", "--programme", "DTZ"]);
    assert!(done.contains("(0 new, 5 changed, 0 emptied"), "{done}");
    assert_ne!(events(&env), before);

    // Downloaded again: the values are there; uploaded again unchanged: no change.
    export("again.xlsx");
    let again = std::fs::read(env.path("again.xlsx")).unwrap();
    let rows = cells(&again);
    assert_eq!(cell(&rows, "G1.O1.1", "", "value"), "300");
    assert_eq!(cell(&rows, "G1.O1.1", "sex=male", "value"), "110");
    assert_eq!(cell(&rows, "G1.O1.2", "", "denominator"), "100");
    assert_eq!(cell(&rows, "G1.O1.2", "", "comment"), "'-5 from last year: =the survey", "escaped for spreadsheets");
    let after = events(&env);
    let same = env.ok(&["import", "values", "again.xlsx", "--programme", "DTZ"]);
    assert!(same.contains("(0 new, 0 changed, 0 emptied"), "{same}");
    assert_eq!(events(&env), after, "the re-downloaded spreadsheet changes nothing");

    // A change and an emptied cell.
    let changed = edit(
        &again,
        &[
            Edit { indicator: "G1.O1.2", part: "", column: "numerator", value: "75" },
            Edit { indicator: "G1.O1.2", part: "", column: "comment", value: "" },
        ],
    );
    std::fs::write(env.path("changed.xlsx"), &changed).unwrap();
    let done = env.ok(&["import", "values", "changed.xlsx", "--programme", "DTZ", "--dry-run"]);
    assert!(done.contains("(0 new, 1 changed, 0 emptied"), "{done}");

    let r = env.run(&[
        "export",
        "values-template",
        "--programme",
        "DTZ",
        "--org",
        ORG,
        "--country",
        "BO",
        "--period",
        "2020",
        "-o",
        "again.xlsx",
    ]);
    r.rejected("never overwritten");
    assert_eq!(std::fs::read(env.path("again.xlsx")).unwrap(), again, "a filled-in file is never overwritten");
    env.run(&[
        "export",
        "values-template",
        "--programme",
        "DTZ",
        "--org",
        "Nobody",
        "--country",
        "BO",
        "--period",
        "2020",
    ])
    .rejected("no organisation");
}
