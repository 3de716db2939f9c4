//! The pre-filled spreadsheet of a report in the reader's language, shared by the entry
//! page, the API and `dtz export values-template`: the report as read within the
//! caller's scope, turned into the rows of `dtz_formats::values_template`.

use crate::i18n::Tr;
use dtz_domain::results::{Measure, UNKNOWN};
use dtz_domain::validate::Invalid;
use dtz_formats::table::XlsxProblem;
use dtz_formats::values_csv::{COLUMNS, ValueRow};
use dtz_formats::values_template::{Input, Template, TemplateRow, write};
use dtz_services::values::{ReportKey, ReportView};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The MIME type of XLSX.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The workbook for one report: a row for every total and every part of every indicator
/// entered by hand, with what is stored, and the instructions.
pub fn template(view: &ReportView, key: &ReportKey, organisation: &str, tr: &Tr) -> Result<Vec<u8>, XlsxProblem> {
    let stored: BTreeMap<(Uuid, &str), &dtz_store::values::ValueRow> =
        view.values.iter().map(|v| ((v.indicator_id, v.part.as_str()), v)).collect();
    let mut rows = Vec::new();
    for ind in view.indicators.iter().filter(|i| i.source == "manual") {
        let def = ind.indicator();
        let (input, measure) = match def.measure {
            Measure::Count => (Input::Count, tr.t("sheets-measure-count")),
            Measure::Percentage => (Input::Fraction, tr.t("sheets-measure-percentage")),
            Measure::YesNo => (Input::YesNo, tr.t("sheets-measure-yes_no")),
            Measure::Ordinal => {
                let max = def.scale_max.unwrap_or(1);
                (Input::Level(max), tr.t1("sheets-measure-ordinal", "max", max))
            }
            Measure::Text => (Input::Text, tr.t("sheets-measure-text")),
        };
        let mut parts = vec![(String::new(), tr.t("entry-total"))];
        for set in
            def.disaggregations.iter().filter_map(|d| view.framework.disaggregations.iter().find(|s| &s.code == d))
        {
            for (code, label) in set
                .options
                .iter()
                .map(|o| (o.code.clone(), o.label.clone()))
                .chain(std::iter::once((UNKNOWN.to_owned(), tr.t("entry-unknown"))))
            {
                parts.push((format!("{}={code}", set.code), format!("{}: {label}", set.title)));
            }
        }
        for (part, breakdown) in parts {
            let v = stored.get(&(ind.id, part.as_str())).copied();
            rows.push(TemplateRow {
                indicator: def.code.clone(),
                title: def.title.clone(),
                part,
                breakdown,
                measure: measure.clone(),
                input,
                value: v.and_then(|v| v.value),
                numerator: v.and_then(|v| v.numerator),
                denominator: v.and_then(|v| v.denominator),
                text: v.and_then(|v| v.text_value.clone()),
                comment: v.and_then(|v| v.comment.clone()),
            });
        }
    }
    let args = [
        ("programme", key.programme.clone()),
        ("organisation", organisation.to_owned()),
        ("country", key.country.clone()),
        ("period", key.period.clone()),
    ];
    let t = Template {
        values_sheet: tr.t("sheets-values-sheet"),
        help_sheet: tr.t("sheets-help-sheet"),
        help: (1..=HELP_PARAGRAPHS).map(|n| tr.targs(&format!("sheets-help-{n}"), &args)).collect(),
        column_help: COLUMNS.iter().map(|c| tr.t(&format!("sheets-column-{c}"))).collect(),
        programme: key.programme.clone(),
        organisation: organisation.to_owned(),
        country: key.country.clone(),
        period: key.period.clone(),
        rows,
    };
    write(&t)
}

/// The spreadsheet of a report as a download (pages and API).
pub async fn download_xlsx(
    state: &crate::state::AppState,
    caller: &dtz_services::Caller,
    key: &ReportKey,
    tr: &crate::i18n::Tr,
) -> Result<axum::response::Response, crate::error::AppError> {
    let view = state.services.report(caller, key).await?;
    let org = state.services.org(caller, key.org).await?.name;
    let bytes = template(&view, key, &org, tr).map_err(|e| crate::error::AppError::Internal(e.to_string()))?;
    let disposition = format!("attachment; filename=\"{}\"", file_name(key, &org));
    use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
    use axum::response::IntoResponse;
    Ok(([(CONTENT_TYPE, XLSX.to_owned()), (CONTENT_DISPOSITION, disposition)], bytes).into_response())
}

/// Read an uploaded values file (CSV or XLSX) on the blocking pool, as XLSX parsing is
/// CPU work; its problems come back as `line N: column` fields, like the import's.
pub async fn read_upload(bytes: Vec<u8>, name: Option<String>) -> Result<Vec<ValueRow>, Vec<Invalid>> {
    let out = tokio::task::spawn_blocking(move || dtz_formats::values_file::read(&bytes, name.as_deref())).await;
    match out {
        Ok(Ok((_, rows))) => Ok(rows),
        Ok(Err(p)) => {
            Err(p.0.into_iter().map(|x| Invalid::new(format!("line {}: {}", x.line, x.field), x.reason)).collect())
        }
        Err(_) => Err(vec![Invalid::new("line 0: file", "The file could not be read as XLSX (“the parser gave up”).")]),
    }
}

/// Paragraphs of the instructions sheet (`sheets-help-1` …).
const HELP_PARAGRAPHS: usize = 6;

/// A download name of safe characters for a report's spreadsheet.
pub fn file_name(key: &ReportKey, organisation: &str) -> String {
    let raw = format!("{}-{}-{}-{}.xlsx", key.programme, organisation, key.country, key.period);
    raw.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' }).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_column_and_measure_is_explained_in_every_language() {
        for (lang, _) in crate::i18n::staff_languages() {
            let tr = super::Tr::new(lang);
            let mut keys: Vec<String> = super::COLUMNS.iter().map(|c| format!("sheets-column-{c}")).collect();
            keys.extend((1..=super::HELP_PARAGRAPHS).map(|n| format!("sheets-help-{n}")));
            keys.extend(
                ["count", "percentage", "yes_no", "ordinal", "text"].iter().map(|m| format!("sheets-measure-{m}")),
            );
            let args: Vec<(&'static str, String)> = ["programme", "organisation", "country", "period", "max"]
                .iter()
                .map(|a| (*a, "x".to_owned()))
                .collect();
            for k in keys {
                assert!(!tr.targs(&k, &args).starts_with("Unknown localization"), "{lang}: {k}");
            }
        }
    }
}
