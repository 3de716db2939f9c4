//! Finance records for IATI publishing: per programme × alliance member × country × year,
//! the budget, the incoming funds (and when they arrived), the expenditure and the
//! disbursements to the local partners the member funds there. The alliance M&E lead and
//! system administrators keep every member's; a member's own staff (its administrators,
//! M&E officers and country coordinators) keep their organisation's. Anyone else gets a
//! 404. A save is all or nothing, each record at the version it was read at (409 naming
//! the record otherwise), audited with one event naming the records changed.

mod import;

pub use import::FinanceImported;

use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::{Grant, Role, Scope};
use dtz_domain::iati::publishing::{self, Org};
use dtz_domain::ids::OrgId;
use dtz_domain::org::{CountryCode, OrgKind};
use dtz_domain::results::Programme;
use dtz_domain::validate::{Invalid, Violations};
use dtz_store::audit::NewEvent;
use dtz_store::finance::{self, FinanceRow, NewFinance};
use dtz_store::programmes::ProgrammeRow;
use dtz_store::{StoreError, Tx};
use time::Date;
use uuid::Uuid;

/// Largest amount accepted (a trillion units of the currency).
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

/// One finance record to save.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FinanceInput {
    /// The member.
    pub org: OrgId,
    /// Country code.
    pub country: String,
    /// Year.
    pub year: i64,
    /// Budget.
    pub budget: Option<i64>,
    /// Incoming funds.
    pub incoming: Option<i64>,
    /// When they arrived.
    pub incoming_date: Option<Date>,
    /// Expenditure.
    pub expenditure: Option<i64>,
    /// (partner, amount).
    pub disbursements: Vec<(OrgId, i64)>,
    /// The version this record was read at (0: none stored); none: do not check.
    pub base_version: Option<i64>,
}

/// Where a member may keep finance records: one country, with the partners it funds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinanceSlot {
    /// The member.
    pub member: Org,
    /// The country.
    pub country: CountryCode,
    /// Its local partners there.
    pub partners: Vec<Org>,
}

/// A stored record with its disbursements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinanceRecord {
    /// The record.
    pub row: FinanceRow,
    /// (partner, amount).
    pub disbursements: Vec<(Uuid, i64)>,
}

/// The finance records of a programme the caller may keep.
#[derive(Clone, Debug)]
pub struct FinanceView {
    /// The programme.
    pub programme: ProgrammeRow,
    /// Its framework and settings.
    pub framework: Programme,
    /// Member × country slots the caller keeps.
    pub slots: Vec<FinanceSlot>,
    /// Stored records within them.
    pub records: Vec<FinanceRecord>,
}

impl FinanceView {
    /// The years of the programme.
    pub fn years(&self) -> std::ops::RangeInclusive<i64> {
        i64::from(self.framework.start.year())..=i64::from(self.framework.end.year())
    }

    /// The stored record of a member, country and year.
    pub fn record(&self, org: OrgId, country: CountryCode, year: i64) -> Option<&FinanceRecord> {
        self.records.iter().find(|r| r.row.org_id == org.0 && r.row.country == country.as_str() && r.row.year == year)
    }
}

impl Services {
    /// The directory as IATI publishing sees it (every organisation, reference data).
    pub async fn publishing_orgs(&self) -> Result<Vec<Org>> {
        Ok(self
            .orgs(&Caller::System)
            .await?
            .into_iter()
            .map(|o| Org {
                id: OrgId(o.id),
                kind: OrgKind::parse("kind", &o.kind).unwrap_or(OrgKind::LocalPartner),
                name: o.name,
                iati_id: o.iati_id,
                publishable: o.publishable,
            })
            .collect())
    }

    /// Which finance records the caller keeps: all (system administrators, the alliance
    /// M&E lead) or its own alliance member's; `None`: none at all.
    pub async fn finance_scope(&self, caller: &Caller) -> Result<Option<Scope>> {
        let a = match caller {
            Caller::System => return Ok(Some(Scope::all())),
            Caller::User(a) if a.is_system_admin() || a.has_role(Role::AllianceManager) => {
                return Ok(Some(Scope::all()));
            }
            Caller::User(a) => a,
        };
        let staff = a.roles.iter().any(|r| match r.role {
            Role::Administrator | Role::MeOfficer => r.org == Some(a.org),
            Role::CountryCoordinator => r.org.is_none_or(|o| o == a.org),
            _ => false,
        });
        let member = self.org(&Caller::System, a.org).await.is_ok_and(|o| o.kind == OrgKind::AllianceMember.as_str());
        Ok((staff && member).then(|| Scope::from_grants(vec![Grant::Org { org: a.org, country: None }])))
    }

    /// Every member × country of a programme where finance records are kept.
    pub fn finance_slots(p: &Programme, orgs: &[Org]) -> Vec<FinanceSlot> {
        publishing::publishers(p, orgs)
            .into_iter()
            .flat_map(|pb| {
                let member = pb.org.clone();
                pb.activities.into_iter().flat_map(move |a| {
                    let member = member.clone();
                    a.parts.into_iter().map(move |part| FinanceSlot {
                        member: member.clone(),
                        country: part.country,
                        partners: part.partners,
                    })
                })
            })
            .collect()
    }

    /// The finance records of a programme the caller keeps (404 for anyone else).
    pub async fn finance(&self, caller: &Caller, code: &str) -> Result<FinanceView> {
        let scope = self.finance_scope(caller).await?.ok_or(ServiceError::NotFound)?;
        let (programme, framework) = self.programme(code).await?;
        let orgs = self.publishing_orgs().await?;
        let slots: Vec<FinanceSlot> = Self::finance_slots(&framework, &orgs)
            .into_iter()
            .filter(|s| scope.admits(&dtz_domain::access::ScopeRow { org: Some(s.member.id), ..Default::default() }))
            .collect();
        let (rows, paid) = finance::list(&self.db, &scope, programme.id).await?;
        let records = rows
            .into_iter()
            .map(|row| FinanceRecord {
                disbursements: paid
                    .iter()
                    .filter(|d| d.record_id == row.id)
                    .map(|d| (d.partner_id, d.amount))
                    .collect(),
                row,
            })
            .collect();
        Ok(FinanceView { programme, framework, slots, records })
    }

    /// Save finance records, all or none; every problem is named by `at(input, column)`.
    pub async fn save_finance(&self, caller: &Caller, code: &str, inputs: &[FinanceInput]) -> Result<usize> {
        let at = |i: usize, col: &str| format!("records[{i}].{col}");
        self.save_finance_at(caller, code, inputs, &at, false).await
    }

    pub(crate) async fn save_finance_at(
        &self,
        caller: &Caller,
        code: &str,
        inputs: &[FinanceInput],
        at: &(dyn Fn(usize, &str) -> String + Sync),
        dry_run: bool,
    ) -> Result<usize> {
        let Some(scope) = self.finance_scope(caller).await? else {
            return Err(ServiceError::NotFound);
        };
        let (programme, framework) = self.programme(code).await?;
        let orgs = self.publishing_orgs().await?;
        let slots = Self::finance_slots(&framework, &orgs);
        let today = self.clock.now().date();
        let mut v = Violations::default();
        for (n, i) in inputs.iter().enumerate() {
            check_input(i, &framework, &slots, today, &|c| at(n, c), &mut v);
            let row = dtz_domain::access::ScopeRow { org: Some(i.org), ..Default::default() };
            if !scope.admits(&row) {
                return Err(ServiceError::Forbidden);
            }
        }
        v.into_result()?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let mut changed = Vec::new();
        let mut stale = Vec::new();
        for i in inputs {
            let name = format!("finance:{}@{}/{}", i.org, i.country, i.year);
            let new = new_finance(i);
            let stored = finance::get_in(&mut tx, programme.id, i.org.0, &new.country, i.year).await?;
            let version = stored.as_ref().map_or(0, |s| s.version);
            if unchanged(&mut tx, stored.as_ref(), &new).await? {
                continue;
            }
            let deleted = stored.as_ref().is_none_or(|s| s.deleted);
            if i.base_version.is_some_and(|b| !(b == version || (b == 0 && deleted))) {
                stale.push(name);
                continue;
            }
            changed.push((name, new, version));
        }
        if !stale.is_empty() {
            return Err(ServiceError::Stale { base: 0, current: 0, changed: stale });
        }
        if changed.is_empty() || dry_run {
            return Ok(changed.len());
        }
        for (name, new, version) in &changed {
            match finance::put(&mut tx, programme.id, new, *version, caller.user().map(|u| u.0), now).await {
                Ok(_) => {}
                Err(StoreError::Stale { .. } | StoreError::Duplicate(_)) => {
                    return Err(ServiceError::Stale { base: 0, current: 0, changed: vec![name.clone()] });
                }
                Err(e) => return Err(e.into()),
            }
        }
        let ev = NewEvent {
            actor_user: caller.user(),
            actor_org: caller.org(),
            action: "finance.save".into(),
            entity: "programme".into(),
            entity_id: Some(programme.id),
            entity_version: None,
            fields: changed.iter().map(|(n, ..)| n.clone()).collect(),
            org: None,
        };
        self.finish(tx, &[ev]).await?;
        Ok(changed.len())
    }
}

fn new_finance(i: &FinanceInput) -> NewFinance {
    let mut disbursements: Vec<(Uuid, i64)> = i.disbursements.iter().map(|(o, a)| (o.0, *a)).collect();
    disbursements.sort();
    NewFinance {
        org_id: i.org.0,
        country: i.country.trim().to_ascii_uppercase(),
        year: i.year,
        budget: i.budget,
        incoming: i.incoming,
        incoming_date: i.incoming_date,
        expenditure: i.expenditure,
        disbursements,
    }
}

/// Whether writing `new` would change nothing stored.
async fn unchanged(tx: &mut Tx, stored: Option<&FinanceRow>, new: &NewFinance) -> Result<bool> {
    let Some(s) = stored.filter(|s| !s.deleted) else {
        return Ok(new.is_empty());
    };
    let same = s.budget == new.budget
        && s.incoming == new.incoming
        && s.incoming_date == new.incoming_date
        && s.expenditure == new.expenditure;
    if !same {
        return Ok(false);
    }
    let paid: Vec<(Uuid, i64)> =
        finance::disbursements_in(tx, s.id).await?.into_iter().map(|d| (d.partner_id, d.amount)).collect();
    let mut paid_sorted = paid;
    paid_sorted.sort();
    Ok(paid_sorted == new.disbursements)
}

/// The rules of one record; problems are named by `at(column)`.
fn check_input(
    i: &FinanceInput,
    p: &Programme,
    slots: &[FinanceSlot],
    today: Date,
    at: &dyn Fn(&str) -> String,
    v: &mut Violations,
) {
    let country = CountryCode::parse("country", &i.country).ok();
    let Some(slot) = slots.iter().find(|s| s.member.id == i.org && Some(s.country) == country) else {
        v.push(Invalid::new(
            at("organisation"),
            "This member keeps no finance records for this country in the programme.",
        ));
        return;
    };
    if !(i64::from(p.start.year())..=i64::from(p.end.year())).contains(&i.year) {
        v.push(Invalid::new(at("year"), "Choose a year of the programme."));
    }
    for (col, amount) in [("budget", i.budget), ("incoming_funds", i.incoming), ("expenditure", i.expenditure)] {
        if amount.is_some_and(|a| !(0..=MAX_AMOUNT).contains(&a)) {
            v.push(Invalid::new(at(col), "Enter a whole amount of 0 or more."));
        }
    }
    match (i.incoming, i.incoming_date) {
        (Some(_), None) => v.push(Invalid::new(at("incoming_date"), "Give the date the funds arrived.")),
        (None, Some(_)) => v.push(Invalid::new(at("incoming_funds"), "Give the amount that arrived on that date.")),
        (_, Some(d)) if d > today => v.push(Invalid::new(at("incoming_date"), "The date lies in the future.")),
        (_, Some(d)) if !(i.year - 1..=i.year).contains(&i64::from(d.year())) => {
            v.push(Invalid::new(at("incoming_date"), "Funds for a year arrive in that year or the one before."))
        }
        _ => {}
    }
    for (k, (partner, amount)) in i.disbursements.iter().enumerate() {
        let here = at(&format!("disbursement[{k}]"));
        if !slot.partners.iter().any(|o| o.id == *partner) {
            v.push(Invalid::new(&here, "Choose a partner the member funds in this country."));
        }
        if i.disbursements[..k].iter().any(|(o, _)| o == partner) {
            v.push(Invalid::new(&here, "Name each partner once."));
        }
        if !(1..=MAX_AMOUNT).contains(amount) {
            v.push(Invalid::new(&here, "Enter a whole amount of 1 or more."));
        }
    }
}
