//! Checking a case out to a field node (issue 9, point 2): beyond their own caseload, a
//! caseworker or supervisor of a case may take it to one of their enrolled laptops for a
//! stated reason, for a limited time (`nodes.checkout_days`, default
//! [`CHECKOUT_DAYS`]) and up to a cap per laptop (`nodes.checkout_cap`, default
//! [`CHECKOUT_CAP`]). Who took it returns it, or a supervisor of the case does. Both
//! are audited (`case.checkout`, `case.checkout.return`); the hub reads the checkouts
//! at every pull to decide what a node holds.

use super::{still_open, supervises, works_on};
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::case::{CHECKOUT_CAP, CHECKOUT_DAYS, CheckoutReason};
use dtz_domain::change::Change;
use dtz_domain::ids::OrgId;
use dtz_domain::validate::Invalid;
use dtz_store::cases::checkouts::{self, CheckoutRow, NewCheckout};
use serde::Serialize;
use uuid::Uuid;

/// A checkout as asked for.
#[derive(Clone, Debug, Default)]
pub struct CheckoutInput {
    /// The laptop (a device id).
    pub device: String,
    /// `CheckoutReason`.
    pub reason: String,
}

/// A case's checkouts and what the caller may do.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseCheckouts {
    /// Case number.
    pub number: String,
    /// Out now.
    pub open: Vec<CheckoutRow>,
    /// The caller's laptops that may take it (empty: none enrolled).
    pub devices: Vec<(Uuid, String)>,
    /// Whether the caller may check it out (works on or supervises it, and it is open).
    pub may_check_out: bool,
    /// Whether the caller supervises it (and so may return anyone's checkout).
    pub supervises: bool,
}

#[derive(Serialize)]
struct Audited<'a> {
    case_id: Uuid,
    device_id: Uuid,
    reason: &'a str,
    until: time::OffsetDateTime,
}

impl Services {
    /// The case's checkouts (in scope, else not found).
    pub async fn case_checkouts(&self, caller: &Caller, id: Uuid) -> Result<CaseCheckouts> {
        let case = self.case_row(caller, id).await?;
        let open = checkouts::open_of_case(&self.db, id, self.clock.now()).await?;
        let devices = match caller.user() {
            Some(u) => checkouts::live_devices_of(&self.db, u.0).await?,
            None => Vec::new(),
        };
        let may = (works_on(caller, &case) || supervises(caller, &case)) && still_open(&case).is_ok();
        Ok(CaseCheckouts {
            number: case.number.clone(),
            open,
            devices,
            may_check_out: may && caller.user().is_some(),
            supervises: supervises(caller, &case),
        })
    }

    /// Check a case out to one of the caller's laptops. Returns the checkout's id.
    pub async fn check_out_case(&self, caller: &Caller, id: Uuid, input: &CheckoutInput) -> Result<Uuid> {
        let case = self.case_row(caller, id).await?;
        if !(works_on(caller, &case) || supervises(caller, &case)) {
            return Err(ServiceError::Forbidden);
        }
        still_open(&case)?;
        let user = caller.user().ok_or(ServiceError::Forbidden)?;
        let reason = CheckoutReason::parse("reason", &input.reason)?;
        let device = input.device.trim().parse::<Uuid>().ok();
        let mine = checkouts::live_devices_of(&self.db, user.0).await?;
        let Some(device) = device.filter(|d| mine.iter().any(|(m, _)| m == d)) else {
            return Err(Invalid::new("device", "Choose one of your enrolled laptops.").into());
        };
        let cap = self.whole_setting("nodes.checkout_cap", 1, CHECKOUT_CAP).await?;
        let days = self.whole_setting("nodes.checkout_days", 1, CHECKOUT_DAYS).await?;
        let now = self.clock.now();
        let c = NewCheckout {
            id: Uuid::new_v4(),
            case_id: id,
            device_id: device,
            user_id: user.0,
            org_id: case.org_id,
            reason: reason.as_str().to_owned(),
            until: now + time::Duration::days(days),
        };
        let mut tx = self.db.begin().await?;
        if checkouts::open_on_device(&mut tx, device, now).await? >= cap {
            return Err(Invalid::new(
                "device",
                format!("This laptop holds {cap} checked-out cases already: return one first."),
            )
            .into());
        }
        if !checkouts::insert(&mut tx, &c, now).await? {
            return Err(Invalid::new("device", "This case is on that laptop already.").into());
        }
        let after = Audited { case_id: id, device_id: device, reason: &c.reason, until: c.until };
        let ev =
            caller.event("case.checkout", &Change::create("case_checkout", c.id, &after), Some(OrgId(case.org_id)));
        self.finish(tx, &[ev]).await?;
        Ok(c.id)
    }

    /// Return a checkout: who took it, or a supervisor of the case.
    pub async fn return_checkout(&self, caller: &Caller, id: Uuid, checkout: Uuid) -> Result<()> {
        let case = self.case_row(caller, id).await?;
        let row = checkouts::get(&self.db, id, checkout).await?.ok_or(ServiceError::NotFound)?;
        let own = caller.user().is_some_and(|u| u.0 == row.user_id);
        if !(own || supervises(caller, &case)) {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        if !checkouts::give_back(&mut tx, checkout, caller.user().map(|u| u.0), now).await? {
            return Err(Invalid::new("checkout", "This checkout was returned already.").into());
        }
        let mut ev = caller.event(
            "case.checkout.return",
            &Change::delete("case_checkout", checkout, 1),
            Some(OrgId(case.org_id)),
        );
        ev.fields = vec!["returned_at".into(), "returned_by".into()];
        self.finish(tx, &[ev]).await?;
        Ok(())
    }

    /// The cases a device holds checked out now (besides its user's caseload): what
    /// the hub adds at each pull; a case that leaves this list is evicted.
    pub async fn cases_on_device(&self, device: Uuid) -> Result<Vec<Uuid>> {
        Ok(checkouts::cases_on_device(&self.db, device, self.clock.now()).await?)
    }
}
