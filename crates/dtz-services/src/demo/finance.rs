//! Demo finance records: every alliance member × country × year of the demo programme,
//! with budgets of a plausible size for a five-year programme of this scale (invented
//! sample data), incoming funds early in each year, expenditure close to the budget and a
//! third of it passed on to the local partners funded there.

use crate::finance::FinanceInput;
use crate::{Caller, Result, Services};
use time::{Date, Month};

/// Yearly budget per country in euros (sample data).
fn yearly_budget(country: &str) -> i64 {
    match country {
        "IN" => 420_000,
        "PH" => 260_000,
        "BO" => 310_000,
        "TH" => 180_000,
        "PE" | "CO" => 160_000,
        _ => 140_000,
    }
}

/// Load the records of every member × country × year of the programme `code`.
pub async fn load(s: &Services, code: &str) -> Result<()> {
    let (_, p) = s.programme(code).await?;
    let orgs = s.publishing_orgs().await?;
    let mut inputs = Vec::new();
    for slot in Services::finance_slots(&p, &orgs) {
        let full = yearly_budget(slot.country.as_str());
        for year in p.start.year()..=p.end.year() {
            // Starting and closing years are smaller; the middle years carry the work.
            let budget = match year - p.start.year() {
                0 => full * 8 / 10,
                4 => full * 7 / 10,
                _ => full,
            };
            let spent = if year == p.end.year() { budget * 92 / 100 } else { budget * 97 / 100 };
            let arrived = Date::from_calendar_date(year, Month::January, 20).ok();
            let share = if slot.partners.is_empty() { 0 } else { budget / 3 / slot.partners.len() as i64 };
            inputs.push(FinanceInput {
                org: slot.member.id,
                country: slot.country.to_string(),
                year: i64::from(year),
                budget: Some(budget),
                incoming: Some(budget),
                incoming_date: arrived,
                expenditure: Some(spent),
                disbursements: slot.partners.iter().map(|o| (o.id, share)).collect(),
                base_version: None,
            });
        }
    }
    s.save_finance(&Caller::System, code, &inputs).await?;
    Ok(())
}
