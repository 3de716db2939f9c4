//! Signals from the public reporting page (DESIGN §5 "Anonymity of reporters"): a report
//! is sealed under its own data key, wrapped by the key of the organisation that receives
//! the country's signals; the reporter gets a receipt once, and with it sees a generic
//! status and the messages staff wrote from templates, and can add information.
//!
//! Nothing about the reporter's connection reaches this module: no address, no user
//! agent, no cookie. Receipts are checked with Argon2id outside any transaction, and an
//! unknown receipt costs the same hashing work and gets the same answer as a wrong one.

mod escalate;
mod intake;
mod staff;
mod token;
mod triage;

use crate::{Result, ServiceError, Services};
use dtz_domain::access::Scope;
use dtz_domain::ids::OrgId;
use dtz_domain::receipt::{self, Receipt, ReceiptError};
use dtz_domain::signal::{self, Channel, Direction, MessageBody, PublicStatus, Report, ReportInput, SignalStatus};
use dtz_domain::validate::Invalid;
use dtz_store::audit::NewEvent;
use dtz_store::config::{self, CountryRow};
use dtz_store::sealed::{self, DataKey, Place};
use dtz_store::signals::{self, MessageRow, NewSignal};
use dtz_store::{StoreError, orgs};
use time::OffsetDateTime;
use uuid::Uuid;

pub use staff::{SignalDetail, SignalMessage, SignalSummary};
pub use token::FormToken;
pub use triage::TriageOptions;

/// What [`Services::store_report`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    /// The report is stored.
    Yes,
    /// A report was already sent with the same form token: nothing stored.
    AlreadySent,
    /// The receipt's lookup part is taken: nothing stored, try another receipt.
    ReceiptClash,
}

/// Where a country's reports go, and what the public page tells a reporter there.
#[derive(Clone, Debug)]
pub struct Intake {
    /// The country's settings (helpline, police, hours to an answer).
    pub country: CountryRow,
    /// The organisation that receives the signals, when one is configured; without one
    /// the page offers only the emergency numbers.
    pub org_name: Option<String>,
}

/// A message as a reporter sees it: only what staff wrote to them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicMessage {
    /// Template code (the page shows its text in the reader's language).
    pub template: String,
    /// Written.
    pub at: OffsetDateTime,
}

/// What a receipt shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicView {
    /// Generic status.
    pub status: PublicStatus,
    /// Country of the signal (for its emergency numbers).
    pub country: String,
    /// Messages from staff, oldest first.
    pub messages: Vec<PublicMessage>,
}

/// The outcome of a receipt check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReceiptCheck {
    /// The receipt is mistyped: the check character (or its length or a character) says
    /// so before anything is looked up.
    Typo(ReceiptError),
    /// Well-formed, but no signal answers to it: unknown, erased, or a wrong secret part
    /// — one answer for all, after the same work.
    NoMatch,
    /// The signal.
    Found(PublicView),
}

const LOOKUP_LABEL: &str = "receipt-lookup";

fn report_fields(r: &Report) -> Vec<String> {
    let mut f = vec!["what", "language"];
    if r.place.is_some() {
        f.push("where");
    }
    if r.when.is_some() {
        f.push("when");
    }
    if r.at_risk.is_some() {
        f.push("at_risk");
    }
    if r.contact.is_some() {
        f.push("contact");
    }
    f.into_iter().map(String::from).collect()
}

fn signal_place(id: Uuid) -> Place {
    Place { table: "signals", row: id }
}

/// A fresh random receipt.
pub fn new_receipt() -> Result<Receipt> {
    let mut bytes = [0u8; receipt::RANDOM_BYTES];
    dtz_store::crypto::random(&mut bytes)?;
    Ok(Receipt::from_random(&bytes))
}

fn no_intake() -> ServiceError {
    Invalid::new("country", "Reports from this country cannot be received here yet.").into()
}

fn hash_error(e: String) -> ServiceError {
    ServiceError::Store(StoreError::Crypto(format!("receipt hash: {e}")))
}

impl Services {
    /// The intake of one country (code in any case), if the country is configured.
    pub async fn report_intake(&self, country: &str) -> Result<Option<Intake>> {
        let code = country.trim().to_ascii_uppercase();
        if code.len() != 2 || !code.chars().all(|c| c.is_ascii_uppercase()) {
            return Ok(None);
        }
        match config::country(&self.db, &code).await? {
            Some(row) => Ok(Some(self.intake_of(row).await?)),
            None => Ok(None),
        }
    }

    /// Every configured country, for the public page's country chooser.
    pub async fn report_intakes(&self) -> Result<Vec<Intake>> {
        let mut out = Vec::new();
        for row in config::countries(&self.db).await? {
            out.push(self.intake_of(row).await?);
        }
        Ok(out)
    }

    async fn intake_of(&self, country: CountryRow) -> Result<Intake> {
        let org_name = match country.lead_org_id {
            Some(org) => match orgs::get(&self.db, &Scope::all(), OrgId(org)).await {
                Ok(o) => Some(o.name),
                Err(StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        Ok(Intake { country, org_name })
    }

    /// Receive a report from the public page: checked, sealed, stored with its receipt;
    /// the receipt is returned to be shown once. `language` is the page's language.
    pub async fn submit_report(&self, country: &str, language: &str, input: &ReportInput) -> Result<Receipt> {
        let report = Report::parse(input, language)?;
        let intake = self.report_intake(country).await?.ok_or_else(no_intake)?;
        self.submit_report_to(&intake, &report, None).await?.ok_or(ServiceError::Busy)
    }

    /// [`Services::submit_report`] for an intake the caller has already looked up (the
    /// public form has, to answer in the country's words) and a form sent with `token`:
    /// `None` (and nothing stored) when a report was already sent with the same token.
    pub async fn submit_report_to(
        &self,
        intake: &Intake,
        report: &Report,
        token: Option<&FormToken>,
    ) -> Result<Option<Receipt>> {
        let Some(org) = intake.country.lead_org_id.map(OrgId) else {
            return Err(no_intake());
        };
        let code = &intake.country.country;
        // A new receipt on the (rare) clash of lookup hashes; hashing stays outside the
        // transaction.
        for _ in 0..4 {
            let receipt = new_receipt()?;
            let hash = self.passwords.hash(&receipt.canonical()).await.map_err(hash_error)?;
            match self.store_report((code, org), report, &receipt, hash, token).await? {
                Stored::Yes => return Ok(Some(receipt)),
                Stored::AlreadySent => return Ok(None),
                Stored::ReceiptClash => continue,
            }
        }
        Err(ServiceError::Busy)
    }

    /// The write path of a public report once its receipt is hashed: a data key, the
    /// sealed report, the form token marked used, the signal and its audit event in one
    /// durable transaction. Public for `dtz bench intake`, which measures it apart from
    /// the hash.
    pub async fn store_report(
        &self,
        (code, org): (&str, OrgId),
        report: &Report,
        receipt: &Receipt,
        hash: String,
        token: Option<&FormToken>,
    ) -> Result<Stored> {
        let id = Uuid::new_v4();
        let (key, wrapped) = sealed::new_data_key(&self.db, &self.keys, org, signal_place(id)).await?;
        let content = key.seal_json("content", report)?;
        let lookup = sealed::keyed_hash(&self.keys, LOOKUP_LABEL, receipt.lookup().as_bytes());
        let new = NewSignal {
            id,
            country: code.to_owned(),
            org_id: org.0,
            channel: Channel::PublicWeb.as_str(),
            status: SignalStatus::New.as_str(),
            created_by: None,
            receipt_lookup: Some(lookup.to_vec()),
            receipt_hash: Some(hash),
            data_key: wrapped,
            content,
        };
        let mut tx = self.db.begin().await?;
        if let Some(t) = token {
            match signals::once::mark_used(&mut tx, &t.hash, t.expires_at).await {
                Err(StoreError::Duplicate(ix)) if ix.contains("public_form_uses") => return Ok(Stored::AlreadySent),
                other => other?,
            }
        }
        match signals::insert(&mut tx, &new, self.clock.now()).await {
            Err(StoreError::Duplicate(ix)) if ix.contains("receipt") => return Ok(Stored::ReceiptClash),
            other => other?,
        }
        let event = NewEvent {
            action: "signal.report".into(),
            entity: "signal".into(),
            entity_id: Some(id),
            entity_version: Some(1),
            fields: report_fields(report),
            org: Some(org),
            ..Default::default()
        };
        self.finish(tx, &[event]).await?;
        Ok(Stored::Yes)
    }

    /// Look a receipt up and check its secret part: one Argon2id verification whether
    /// or not the lookup part is known.
    async fn verify_receipt(&self, typed: &str) -> Result<Result<signals::ReceiptRow, ReceiptCheck>> {
        let receipt = match Receipt::parse(typed) {
            Ok(r) => r,
            Err(e) => return Ok(Err(ReceiptCheck::Typo(e))),
        };
        let lookup = sealed::keyed_hash(&self.keys, LOOKUP_LABEL, receipt.lookup().as_bytes());
        let row = signals::by_receipt(&self.db, &lookup).await?;
        let hash = row.as_ref().and_then(|r| r.receipt_hash.as_deref());
        let ok = self.passwords.verify(&receipt.canonical(), hash).await;
        match row {
            Some(r) if ok => Ok(Ok(r)),
            _ => Ok(Err(ReceiptCheck::NoMatch)),
        }
    }

    /// What a receipt shows: the generic status and the messages staff wrote.
    pub async fn check_receipt(&self, typed: &str) -> Result<ReceiptCheck> {
        match self.verify_receipt(typed).await? {
            Err(answer) => Ok(answer),
            Ok(row) => Ok(ReceiptCheck::Found(self.public_view(&row).await?)),
        }
    }

    async fn public_view(&self, row: &signals::ReceiptRow) -> Result<PublicView> {
        let key = self.signal_key(OrgId(row.org_id), row.id, row.data_key.as_deref()).await?;
        let mut messages = Vec::new();
        for m in signals::messages(&self.db, row.id).await? {
            if Direction::parse(&m.direction) != Some(Direction::ToReporter) {
                continue;
            }
            if let Some(MessageBody::Template { code }) = open_body(&key, &m)? {
                messages.push(PublicMessage { template: code, at: m.created_at });
            }
        }
        Ok(PublicView { status: SignalStatus::parse(&row.status).public(), country: row.country.clone(), messages })
    }

    /// Add what a reporter writes later to the signal of their receipt. The text is
    /// checked first; nothing is stored for a receipt that does not match.
    pub async fn add_to_report(&self, typed: &str, text: &str) -> Result<ReceiptCheck> {
        if let Err(e) = Receipt::parse(typed) {
            return Ok(ReceiptCheck::Typo(e));
        }
        let text = signal::reporter_message("message", text)?;
        let row = match self.verify_receipt(typed).await? {
            Err(answer) => return Ok(answer),
            Ok(row) => row,
        };
        let key = self.signal_key(OrgId(row.org_id), row.id, row.data_key.as_deref()).await?;
        let message = self.sealed_message(&key, row.id, Direction::ToStaff, None, &MessageBody::Text { text })?;
        let mut tx = self.db.begin().await?;
        signals::insert_message(&mut tx, &message).await?;
        signals::touch(&mut tx, row.id, message.created_at).await?;
        let event = NewEvent {
            action: "signal.add_information".into(),
            entity: "signal_message".into(),
            entity_id: Some(message.id),
            fields: vec!["body".into(), "direction".into()],
            org: Some(OrgId(row.org_id)),
            ..Default::default()
        };
        self.finish(tx, &[event]).await?;
        Ok(ReceiptCheck::Found(self.public_view(&row).await?))
    }

    /// A signal's data key, unwrapped (an erased signal has none).
    pub(crate) async fn signal_key(&self, org: OrgId, id: Uuid, wrapped: Option<&[u8]>) -> Result<DataKey> {
        let wrapped = wrapped.ok_or(ServiceError::NotFound)?;
        Ok(sealed::open_data_key(&self.db, &self.keys, org, signal_place(id), wrapped).await?)
    }

    fn sealed_message(
        &self,
        key: &DataKey,
        signal: Uuid,
        direction: Direction,
        author: Option<Uuid>,
        body: &MessageBody,
    ) -> Result<MessageRow> {
        let id = Uuid::new_v4();
        let sealed = key.for_child("signal_messages", id).seal_json("body", body)?;
        Ok(MessageRow {
            id,
            signal_id: signal,
            direction: direction.as_str().into(),
            author_id: author,
            body: Some(sealed),
            created_at: self.clock.now(),
        })
    }
}

/// Open a message body with its signal's key.
fn open_body(key: &DataKey, m: &MessageRow) -> Result<Option<MessageBody>> {
    match &m.body {
        Some(b) => Ok(Some(key.for_child("signal_messages", m.id).open_json("body", b)?)),
        None => Ok(None),
    }
}
