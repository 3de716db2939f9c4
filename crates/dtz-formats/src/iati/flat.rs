//! The flat form of an activities file's results: one row per indicator × period ×
//! dimension (the total first), with the baseline, target and actual, for people who
//! read results in a spreadsheet.

use super::model::{Activities, Figure, ResultPeriod};
use crate::table::{Table, TableCell};

/// The columns of the flat form.
pub const COLUMNS: [&str; 15] = [
    "activity",
    "result_type",
    "result",
    "indicator_code",
    "indicator",
    "measure",
    "period_start",
    "period_end",
    "dimension",
    "baseline_year",
    "baseline",
    "target",
    "actual",
    "target_comment",
    "actual_comment",
];

fn dims(f: &Figure) -> String {
    f.dimensions.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join(";")
}

/// The dimensions a period has figures for: the total first, then in order of appearance.
fn keys(p: &ResultPeriod) -> Vec<String> {
    let mut out = vec![String::new()];
    for f in p.targets.iter().chain(&p.actuals) {
        let k = dims(f);
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

fn text(v: Option<&str>) -> TableCell {
    v.map_or(TableCell::Empty, |s| TableCell::Text(s.to_owned()))
}

/// The results of every activity as one table.
pub fn flat_table(a: &Activities) -> Table {
    let mut rows = Vec::new();
    for act in &a.activities {
        for r in &act.results {
            for i in &r.indicators {
                let code =
                    i.references.iter().find(|x| x.vocabulary == "99").map(|x| x.code.clone()).unwrap_or_default();
                let first = |start: String, end: String, dim: String| -> Vec<TableCell> {
                    vec![
                        act.identifier.as_str().into(),
                        r.kind.as_str().into(),
                        r.title.as_str().into(),
                        code.as_str().into(),
                        i.title.as_str().into(),
                        i.measure.as_str().into(),
                        start.into(),
                        end.into(),
                        dim.into(),
                        i.baseline.as_ref().map_or(TableCell::Empty, |b| TableCell::Number(i64::from(b.year))),
                        text(i.baseline.as_ref().and_then(|b| b.value.as_deref())),
                    ]
                };
                if i.periods.is_empty() {
                    rows.push(first(String::new(), String::new(), String::new()));
                }
                for p in &i.periods {
                    for k in keys(p) {
                        let t = p.targets.iter().find(|f| dims(f) == k);
                        let x = p.actuals.iter().find(|f| dims(f) == k);
                        let mut row = first(p.start.to_string(), p.end.to_string(), k);
                        row.push(text(t.and_then(|f| f.value.as_deref())));
                        row.push(text(x.and_then(|f| f.value.as_deref())));
                        row.push(text(t.and_then(|f| f.comment.as_deref())));
                        row.push(text(x.and_then(|f| f.comment.as_deref())));
                        rows.push(row);
                    }
                }
            }
        }
    }
    Table { title: "IATI results".into(), header: COLUMNS.iter().map(|c| (*c).to_owned()).collect(), rows }
}
