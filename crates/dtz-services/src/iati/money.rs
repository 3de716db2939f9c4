//! Budgets, transactions and country shares of an IATI activity from the finance records.

use dtz_domain::org::CountryCode;
use dtz_formats::iati::model::{Budget, OrgRef, Transaction, TxOrg};
use dtz_store::finance::FinanceRow;
use std::collections::BTreeMap;
use time::{Date, Month};

/// A finance record with its disbursements (partner, amount).
pub struct Record<'a> {
    /// The record.
    pub row: &'a FinanceRow,
    /// Disbursements.
    pub paid: Vec<(uuid::Uuid, i64)>,
}

/// The last day of a year, or today when the year is not over (a transaction is never
/// dated in the future).
pub fn year_end(year: i64, today: Date) -> Date {
    i32::try_from(year)
        .ok()
        .and_then(|y| Date::from_calendar_date(y, Month::December, 31).ok())
        .map_or(today, |d| d.min(today))
}

/// One budget per year: the records' budgets added, the period the year within the
/// programme's span.
pub fn budgets(records: &[Record], span: (Date, Date)) -> Vec<Budget> {
    let mut by_year: BTreeMap<i64, i64> = BTreeMap::new();
    for r in records {
        if let Some(b) = r.row.budget {
            *by_year.entry(r.row.year).or_insert(0) += b;
        }
    }
    by_year
        .into_iter()
        .filter_map(|(year, value)| {
            let y = i32::try_from(year).ok()?;
            let start = Date::from_calendar_date(y, Month::January, 1).ok()?.max(span.0);
            let end = Date::from_calendar_date(y, Month::December, 31).ok()?.min(span.1);
            (start <= end).then_some(Budget {
                kind: "1".into(),
                status: "2".into(),
                start,
                end,
                value,
                value_date: start,
            })
        })
        .collect()
}

/// Whole percentages per country that add up to 100: by budget, equal shares without one
/// (largest remainders get the rounding).
pub fn shares(countries: &[CountryCode], records: &[Record]) -> Vec<(String, Option<u32>)> {
    if let [one] = countries {
        return vec![(one.to_string(), Some(100))];
    }
    let weight = |c: &CountryCode| -> i64 {
        records.iter().filter(|r| r.row.country == c.as_str()).filter_map(|r| r.row.budget).sum()
    };
    let total: i64 = countries.iter().map(weight).sum();
    let weights: Vec<i64> = if total > 0 { countries.iter().map(weight).collect() } else { vec![1; countries.len()] };
    let sum: i64 = weights.iter().sum::<i64>().max(1);
    let mut out: Vec<(usize, u32, i64)> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| (i, u32::try_from(w * 100 / sum).unwrap_or(0), (w * 100) % sum))
        .collect();
    let mut left = 100 - out.iter().map(|(_, p, _)| *p).sum::<u32>();
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(out[i].2), i));
    for i in order {
        if left == 0 {
            break;
        }
        out[i].1 += 1;
        left -= 1;
    }
    out.into_iter().map(|(i, p, _)| (countries[i].to_string(), Some(p))).collect()
}

/// Who the money of a transaction is from or for.
pub fn tx_org(org: OrgRef, activity: Option<String>) -> Option<TxOrg> {
    Some(TxOrg { org, activity_id: activity })
}

/// A transaction of `kind` dated `date`.
pub fn transaction(kind: &str, date: Date, value: i64, description: String) -> Transaction {
    Transaction {
        kind: kind.into(),
        date,
        value,
        value_date: date,
        description: Some(description),
        provider: None,
        receiver: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(country: &str, year: i64, budget: i64) -> FinanceRow {
        FinanceRow {
            id: uuid::Uuid::new_v4(),
            org_id: uuid::Uuid::nil(),
            country: country.into(),
            year,
            budget: Some(budget),
            incoming: None,
            incoming_date: None,
            expenditure: None,
            version: 1,
            deleted: false,
        }
    }

    #[test]
    fn country_shares_add_up_to_a_hundred_and_budgets_are_per_year() {
        let c = |s: &str| CountryCode::parse("c", s).unwrap_or_else(|_| unreachable!());
        let rows = [row("BO", 2016, 1), row("PE", 2016, 1), row("CO", 2016, 1), row("BO", 2017, 5)];
        let recs: Vec<Record> = rows.iter().map(|r| Record { row: r, paid: Vec::new() }).collect();
        let s = shares(&[c("BO"), c("PE"), c("CO")], &recs);
        assert_eq!(s.iter().filter_map(|(_, p)| *p).sum::<u32>(), 100);
        assert_eq!(s[0].1, Some(75));
        let none: Vec<Record> = Vec::new();
        let s = shares(&[c("BO"), c("PE"), c("CO")], &none);
        assert_eq!(s.iter().map(|(_, p)| p.unwrap_or(0)).collect::<Vec<_>>(), [34, 33, 33]);
        let span = (time::macros::date!(2016 - 03 - 01), time::macros::date!(2020 - 12 - 31));
        let b = budgets(&recs, span);
        assert_eq!(b.len(), 2);
        assert_eq!((b[0].start, b[0].value), (span.0, 3), "clipped to the programme");
        assert_eq!(year_end(2030, span.1), span.1);
    }
}
