//! Finance records from a CSV file (`dtz_formats::finance_csv`): every record or none,
//! every problem named by its line and column.

use super::FinanceInput;
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::iati::publishing::{Org, resolve};
use dtz_domain::ids::OrgId;
use dtz_domain::validate::{Invalid, Violations};
use dtz_formats::finance_csv::FinanceRecordIn;

/// What an import did, or in a dry run would do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinanceImported {
    /// Nothing was written.
    pub dry_run: bool,
    /// Records in the file.
    pub records: usize,
    /// Records that change something.
    pub changed: usize,
}

fn find<'a>(orgs: &'a [Org], reference: &str) -> Option<&'a Org> {
    resolve(orgs, reference).or_else(|| orgs.iter().find(|o| o.id.0.to_string() == reference))
}

/// The line and column of a problem named `col` of record `r`.
fn place(r: &FinanceRecordIn, col: &str) -> String {
    if let Some(k) = col.strip_prefix("disbursement[").and_then(|s| s.strip_suffix(']')) {
        let line = k.parse::<usize>().ok().and_then(|k| r.payments.get(k)).map_or(r.line, |p| p.line);
        return format!("line {line}: partner");
    }
    let line = r.lines.get(col).copied().unwrap_or(r.line);
    format!("line {line}: {col}")
}

impl Services {
    /// Import finance records read from a file: all or none; a dry run checks everything
    /// and writes nothing.
    pub async fn import_finance(
        &self,
        caller: &Caller,
        code: &str,
        records: &[FinanceRecordIn],
        dry_run: bool,
    ) -> Result<FinanceImported> {
        if self.finance_scope(caller).await?.is_none() {
            return Err(ServiceError::NotFound);
        }
        self.programme(code).await?;
        let orgs = self.publishing_orgs().await?;
        let mut v = Violations::default();
        let mut inputs = Vec::new();
        for r in records {
            if let Some(p) = r.programme.as_deref().filter(|p| !p.eq_ignore_ascii_case(code)) {
                v.push(Invalid::new(
                    format!("line {}: programme", r.line),
                    format!("This row is for the programme “{p}”, not “{code}”."),
                ));
            }
            let org = find(&orgs, &r.organisation);
            if org.is_none() {
                v.push(Invalid::new(
                    format!("line {}: organisation", r.line),
                    format!("There is no organisation “{}”.", r.organisation),
                ));
            }
            let mut disbursements = Vec::new();
            for p in &r.payments {
                match find(&orgs, &p.partner) {
                    Some(o) => disbursements.push((o.id, p.amount)),
                    None => v.push(Invalid::new(
                        format!("line {}: partner", p.line),
                        format!("There is no organisation “{}”.", p.partner),
                    )),
                }
            }
            inputs.push(FinanceInput {
                org: org.map_or(OrgId(uuid::Uuid::nil()), |o| o.id),
                country: r.country.clone(),
                year: r.year,
                budget: r.budget,
                incoming: r.incoming,
                incoming_date: r.incoming_date,
                expenditure: r.expenditure,
                disbursements,
                base_version: None,
            });
        }
        v.into_result()?;
        let at = |n: usize, col: &str| records.get(n).map_or_else(|| col.to_owned(), |r| place(r, col));
        let changed = self.save_finance_at(caller, code, &inputs, &at, dry_run).await?;
        Ok(FinanceImported { dry_run, records: records.len(), changed })
    }
}
