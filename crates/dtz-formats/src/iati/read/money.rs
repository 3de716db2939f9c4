//! Budgets and transactions: amounts in the activity's currency, as whole units.

use super::{Cx, each, org};
use crate::iati::codelists::List;
use crate::iati::model::*;
use crate::iati::tree::El;
use time::Date;

/// An amount of the activity's currency: `None` (with a warning) in another currency.
fn amount(cx: &mut Cx, parent: &El, path: &str, currency: &str) -> Option<(i64, Date)> {
    let Some(v) = parent.first("value") else {
        cx.error(parent, path, "“<value>” is missing");
        return None;
    };
    let vpath = format!("{path}/value");
    if let Some(c) = v.attr("currency").map(str::trim)
        && c != currency
    {
        cx.warn(v, &vpath, format!("not imported: the value is in “{c}”, not the activity's “{currency}”"));
        return None;
    }
    let text = v.text.trim();
    let Some(x) = text.parse::<f64>().ok().filter(|x| x.is_finite() && x.abs() < 9.0e15) else {
        cx.error(v, &vpath, format!("“{text}” is not an amount"));
        return None;
    };
    if x.fract() != 0.0 {
        cx.warn(v, &vpath, format!("the amount “{text}” is kept rounded to whole units"));
    }
    let date = cx.date_in(v, &vpath, "value-date")?;
    Some((x.round() as i64, date))
}

/// Budgets and transactions.
pub(super) fn money(cx: &mut Cx, el: &El, a: &mut Activity) {
    let currency = a.currency.clone();
    for (path, b) in each(el, "budget", "") {
        let kind = b.attr("type").map_or(Some("1".to_owned()), |_| cx.code(b, &path, "type", List::BudgetType));
        let status = b.attr("status").map(str::trim).unwrap_or("1").to_owned();
        if !["1", "2"].contains(&status.as_str()) {
            cx.error(b, &path, format!("“{status}” is not a code of the “BudgetStatus” codelist"));
        }
        let start = cx.child_date(b, &path, "period-start");
        let end = cx.child_date(b, &path, "period-end");
        if let (Some(kind), Some(start), Some(end), Some((value, value_date))) =
            (kind, start, end, amount(cx, b, &path, &currency))
        {
            a.budgets.push(Budget { kind, status, start, end, value, value_date });
        }
    }
    for (path, t) in each(el, "transaction", "") {
        cx.ignored(
            t,
            &path,
            &["transaction-type", "transaction-date", "value", "description", "provider-org", "receiver-org"],
        );
        let kind = match t.first("transaction-type") {
            Some(k) => cx.code(k, &format!("{path}/transaction-type"), "code", List::TransactionType),
            None => {
                cx.error(t, &path, "“<transaction-type>” is missing");
                None
            }
        };
        let date = cx.child_date(t, &path, "transaction-date");
        let description = cx.child_text(t, "description");
        let mut side = |name: &str, attr: &str| {
            t.first(name).map(|o| TxOrg {
                org: org(cx, o, &format!("{path}/{name}")),
                activity_id: o.attr(attr).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned),
            })
        };
        let provider = side("provider-org", "provider-activity-id");
        let receiver = side("receiver-org", "receiver-activity-id");
        if let (Some(kind), Some(date), Some((value, value_date))) = (kind, date, amount(cx, t, &path, &currency)) {
            a.transactions.push(Transaction { kind, date, value, value_date, description, provider, receiver });
        }
    }
}
