//! Results, indicators, baselines and periods with their targets and actuals, each
//! figure as reported: the total and any dimensions exactly as the file gives them.

use super::{Cx, each, flag};
use crate::iati::codelists::List;
use crate::iati::model::*;
use crate::iati::tree::El;

pub(super) fn results(cx: &mut Cx, el: &El) -> Vec<ResultEl> {
    let mut out = Vec::new();
    for (path, r) in each(el, "result", "") {
        cx.ignored(r, &path, &["title", "description", "indicator"]);
        let kind = cx.code(r, &path, "type", List::ResultType);
        let title = cx.child_text(r, "title").unwrap_or_else(|| {
            cx.error(r, &path, "the result has no “title”");
            String::new()
        });
        let description = cx.child_text(r, "description");
        let indicators = each(r, "indicator", &path).into_iter().filter_map(|(p, i)| indicator(cx, i, &p)).collect();
        if let Some(kind) = kind {
            let aggregation = flag(r.attr("aggregation-status"), false);
            out.push(ResultEl { kind, aggregation, title, description, indicators });
        }
    }
    out
}

fn indicator(cx: &mut Cx, el: &El, path: &str) -> Option<IndicatorEl> {
    cx.ignored(el, path, &["title", "description", "reference", "baseline", "period"]);
    let measure = cx.code(el, path, "measure", List::IndicatorMeasure);
    let title = cx.child_text(el, "title").unwrap_or_else(|| {
        cx.error(el, path, "the indicator has no “title”");
        String::new()
    });
    let description = cx.child_text(el, "description");
    let mut references = Vec::new();
    for (p, r) in each(el, "reference", path) {
        let code = r.attr("code").map(str::trim).unwrap_or_default().to_owned();
        if code.is_empty() {
            cx.error(r, &p, "“@code” is missing");
        } else if let Some(vocabulary) = cx.code(r, &p, "vocabulary", List::IndicatorVocabulary) {
            references.push(Reference { vocabulary, code });
        }
    }
    let mut baseline = None;
    for (p, b) in each(el, "baseline", path) {
        if baseline.is_some() {
            cx.warn(b, &p, "not imported: dtz keeps one baseline per indicator (the first)");
            continue;
        }
        cx.ignored(b, &p, &["comment"]);
        let year = b.attr("year").map(str::trim).unwrap_or_default();
        match year.parse::<i32>() {
            Ok(year) if (1900..=2200).contains(&year) => {
                let value = b.attr("value").map(str::to_owned);
                baseline = Some(Baseline { year, value, comment: cx.child_text(b, "comment") });
            }
            _ => cx.error(b, &p, format!("“@year” “{year}” is not a year")),
        }
    }
    let periods = each(el, "period", path).into_iter().filter_map(|(p, x)| period(cx, x, &p)).collect();
    let measure = measure?;
    Some(IndicatorEl {
        measure,
        ascending: flag(el.attr("ascending"), true),
        aggregation: flag(el.attr("aggregation-status"), false),
        title,
        description,
        references,
        baseline,
        periods,
    })
}

fn period(cx: &mut Cx, el: &El, path: &str) -> Option<ResultPeriod> {
    cx.ignored(el, path, &["period-start", "period-end", "target", "actual"]);
    let start = cx.child_date(el, path, "period-start");
    let end = cx.child_date(el, path, "period-end");
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        cx.error(el, path, format!("the period starts (“{s}”) after it ends (“{e}”)"));
    }
    let targets = each(el, "target", path).into_iter().map(|(p, f)| figure(cx, f, &p)).collect();
    let actuals = each(el, "actual", path).into_iter().map(|(p, f)| figure(cx, f, &p)).collect();
    Some(ResultPeriod { start: start?, end: end?, targets, actuals })
}

fn figure(cx: &mut Cx, el: &El, path: &str) -> Figure {
    cx.ignored(el, path, &["dimension", "comment"]);
    let mut dimensions = Vec::new();
    for (p, d) in each(el, "dimension", path) {
        match (d.attr("name").map(str::trim), d.attr("value").map(str::trim)) {
            (Some(n), Some(v)) if !n.is_empty() && !v.is_empty() => dimensions.push((n.to_owned(), v.to_owned())),
            _ => cx.error(d, &p, "a dimension needs “@name” and “@value”"),
        }
    }
    Figure { value: el.attr("value").map(str::to_owned), dimensions, comment: cx.child_text(el, "comment") }
}
