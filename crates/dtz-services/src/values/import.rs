//! Importing indicator values from a file: every row checked like an entry in the pages,
//! then all written in one transaction, or none.

use super::{ReportKey, ValueInput};
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::ids::OrgId;
use dtz_domain::results::Entry;
use dtz_domain::validate::{Invalid, Violations};

/// What an import did (or, in a dry run, would do).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    /// Reports written to.
    pub reports: usize,
    /// Values in the file.
    pub values: usize,
    /// Nothing was written (dry run).
    pub dry_run: bool,
}

impl Services {
    /// Import values from CSV rows into one programme: all rows or none. Every problem is
    /// listed as `line N: …`; a dry run checks everything and writes nothing.
    pub async fn import_values(
        &self,
        caller: &Caller,
        code: &str,
        rows: &[dtz_formats::values_csv::ValueRow],
        dry_run: bool,
    ) -> Result<Imported> {
        let orgs = self.orgs(caller).await?;
        let mut problems = Vec::new();
        let mut groups: Vec<(ReportKey, Vec<usize>, Vec<ValueInput>)> = Vec::new();
        for r in rows {
            let Some(org) = orgs.iter().find(|o| {
                o.name == r.organisation
                    || o.iati_id.as_deref() == Some(r.organisation.as_str())
                    || o.id.to_string() == r.organisation
            }) else {
                problems.push(Invalid::new(
                    format!("line {}", r.line),
                    format!("There is no organisation “{}”.", r.organisation),
                ));
                continue;
            };
            let key = ReportKey {
                programme: code.to_owned(),
                org: OrgId(org.id),
                country: r.country.to_ascii_uppercase(),
                period: r.period.clone(),
            };
            let input = ValueInput {
                indicator: r.indicator.clone(),
                part: r.part.clone(),
                entry: Entry {
                    value: r.value,
                    numerator: r.numerator,
                    denominator: r.denominator,
                    text: r.text.clone(),
                    comment: r.comment.clone(),
                },
            };
            match groups.iter_mut().find(|(k, _, _)| *k == key) {
                Some((_, lines, inputs)) => {
                    lines.push(r.line);
                    inputs.push(input);
                }
                None => groups.push((key, vec![r.line], vec![input])),
            }
        }
        let mut prepared = Vec::new();
        for (key, lines, inputs) in &groups {
            let first = lines.first().copied().unwrap_or(0);
            match self.prepare_values(caller, key, inputs).await {
                Ok(p) => prepared.push(p),
                Err(ServiceError::Invalid(v)) => {
                    for i in v.0 {
                        let line = i
                            .field
                            .strip_prefix("values[")
                            .and_then(|x| x.strip_suffix(']'))
                            .and_then(|n| n.parse::<usize>().ok())
                            .and_then(|n| lines.get(n))
                            .copied()
                            .unwrap_or(first);
                        problems.push(Invalid::new(format!("line {line}"), i.message));
                    }
                }
                Err(ServiceError::NotFound | ServiceError::Forbidden) => problems.push(Invalid::new(
                    format!("line {first}"),
                    format!(
                        "You may not enter values for this organisation in {} (or the programme does not exist).",
                        key.country
                    ),
                )),
                Err(e) => return Err(e),
            }
        }
        if !problems.is_empty() {
            problems.sort_by_key(|i| i.field.trim_start_matches("line ").parse::<usize>().unwrap_or(0));
            return Err(ServiceError::Invalid(Violations(problems)));
        }
        let summary = Imported { reports: prepared.len(), values: rows.len(), dry_run };
        if dry_run {
            return Ok(summary);
        }
        let mut tx = self.db.begin().await?;
        let mut events = Vec::new();
        for p in &prepared {
            events.push(self.write_values(&mut tx, caller, p).await?.1);
        }
        self.finish(tx, &events).await?;
        Ok(summary)
    }
}
