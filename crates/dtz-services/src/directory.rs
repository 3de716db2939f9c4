//! The service directory (issue 5.5): reference data every signed-in staff member reads;
//! system administrators and the country's coordinators keep the entries; a provider's
//! own staff and the same editors update current availability. The street address is
//! sealed at rest and opened only for those `dtz_domain::directory::sees_address` names.

use crate::config::Term;
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::Area;
use dtz_domain::change::{Change, ChangeKind, FieldChange};
use dtz_domain::directory::{self, ProviderFields, ProviderId, ProviderServiceId};
use dtz_domain::ids::OrgId;
use dtz_domain::org::{CountryCode, OrgKind};
use dtz_domain::validate::{self, Invalid, Violations};
use dtz_domain::vocab;
use dtz_store::directory::{self as store, ProviderRow, ProviderWrite, Search, ServiceRow};
use dtz_store::sealed::{self, Place};
use dtz_store::{StoreError, config, orgs};
use uuid::Uuid;

/// A provider as the caller may see it.
#[derive(Clone, Debug)]
pub struct Provider {
    /// The stored row (the sealed address stays sealed in it).
    pub row: ProviderRow,
    /// The street address, opened only for callers who may see it.
    pub address: Option<String>,
    /// There is an address this caller may not see.
    pub address_hidden: bool,
    /// Areas served (none: the whole country).
    pub areas: Vec<String>,
    /// Language codes.
    pub languages: Vec<String>,
    /// Services with capacity and availability.
    pub services: Vec<ServiceRow>,
}

impl Provider {
    /// Whether the linked organisation has active accounts.
    pub fn has_accounts(&self) -> bool {
        self.row.accounts > 0
    }

    /// The country.
    pub fn country(&self) -> Option<CountryCode> {
        CountryCode::parse("country", &self.row.country).ok()
    }

    /// The editable fields as stored (the address as this caller sees it).
    pub fn fields(&self) -> Option<ProviderFields> {
        Some(ProviderFields {
            name: self.row.name.clone(),
            country: self.country()?,
            org_id: self.row.org_id.map(OrgId),
            takes_referrals: self.row.takes_referrals,
            phone: self.row.phone.clone(),
            email: self.row.email.clone(),
            address: self.address.clone(),
            notes: self.row.notes.clone(),
            areas: self.areas.clone(),
            languages: self.languages.clone(),
            services: self.services.iter().map(|s| (s.service_type.clone(), s.capacity)).collect(),
        })
    }
}

/// A search as typed (query string or API parameters); empty parts are left out.
#[derive(Clone, Debug, Default)]
pub struct ProviderQuery {
    /// Country code.
    pub country: String,
    /// Part of an area name.
    pub area: String,
    /// Service type code.
    pub service_type: String,
    /// Language code.
    pub language: String,
    /// Accepts referrals.
    pub takes_referrals: Option<bool>,
    /// Has free places.
    pub free_places: bool,
}

impl ProviderQuery {
    fn parse(&self) -> Result<Search, Violations> {
        let mut v = Violations::default();
        let country = match self.country.trim() {
            "" => None,
            c => v.check(CountryCode::parse("country", c)).map(|c| c.as_str().to_owned()),
        };
        let area = v.check(validate::optional_text("area", &self.area, directory::AREA_MAX)).flatten();
        let service_type = match self.service_type.trim() {
            "" => None,
            t => v.check(vocab::term_code("service_type", t)),
        };
        let language = match self.language.trim() {
            "" => None,
            l => v.check(directory::language("language", l)),
        };
        v.into_result()?;
        Ok(Search {
            country,
            area: area.map(|a| directory::area_key(&a)),
            service_type,
            language,
            takes_referrals: self.takes_referrals,
            free_places: self.free_places,
            org: None,
        })
    }
}

/// New places free for one service, based on the version read.
#[derive(Clone, Debug)]
pub struct AvailabilityInput {
    /// The service.
    pub service: ProviderServiceId,
    /// Its version as read.
    pub version: i64,
    /// Places free now, as typed (empty: not known).
    pub places_free: String,
}

fn place(id: Uuid) -> Place {
    Place { table: "service_providers", row: id }
}

impl Caller {
    /// Whether this caller may see the street address of a provider of `org`.
    pub fn sees_address(&self, provider_org: Option<OrgId>) -> bool {
        match self {
            Caller::System => true,
            Caller::User(a) => directory::sees_address(a, provider_org),
        }
    }

    /// Whether this caller may create, edit and remove entries of `country`.
    pub fn may_edit_directory(&self, country: CountryCode) -> bool {
        match self {
            Caller::System => true,
            Caller::User(a) => directory::may_edit(a, country),
        }
    }

    /// Whether this caller may edit entries of some country.
    pub fn may_edit_any_directory(&self) -> bool {
        match self {
            Caller::System => true,
            Caller::User(a) => directory::may_edit_any(a),
        }
    }

    /// Whether this caller may update a provider's availability.
    pub fn may_set_availability(&self, p: &Provider) -> bool {
        match (self, p.country()) {
            (Caller::System, _) => true,
            (Caller::User(a), Some(c)) => directory::may_set_availability(a, c, p.row.org_id.map(OrgId)),
            (Caller::User(_), None) => false,
        }
    }
}

impl Services {
    /// The service types offered for providers in `country` (active terms for every
    /// country or that one), in order.
    pub async fn service_types(&self, country: Option<&str>) -> Result<Vec<Term>> {
        Ok(self
            .terms("service_type")
            .await?
            .into_iter()
            .filter(|t| t.row.active && (t.row.country.is_empty() || Some(t.row.country.as_str()) == country))
            .collect())
    }

    /// Providers matching a search, without addresses, and how many match in all.
    pub async fn providers(
        &self,
        caller: &Caller,
        q: &ProviderQuery,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Provider>, i64)> {
        let search = q.parse()?;
        let scope = caller.scope(Area::Directory);
        let (rows, total) = store::search(&self.db, &scope, &search, limit.clamp(1, 500), offset.max(0)).await?;
        Ok((self.complete(caller, rows, false).await?, total))
    }

    /// One provider, with its address if the caller may see it.
    pub async fn provider(&self, caller: &Caller, id: ProviderId) -> Result<Provider> {
        let row = store::get(&self.db, &caller.scope(Area::Directory), id.0).await?;
        let mut found = self.complete(caller, vec![row], true).await?;
        found.pop().ok_or(ServiceError::NotFound)
    }

    async fn complete(&self, caller: &Caller, rows: Vec<ProviderRow>, open: bool) -> Result<Vec<Provider>> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut areas = store::areas(&self.db, &ids).await?;
        let mut languages = store::languages(&self.db, &ids).await?;
        let services = store::services(&self.db, &ids).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let sees = caller.sees_address(row.org_id.map(OrgId));
            let address = if open && sees { self.open_address(&row).await? } else { None };
            out.push(Provider {
                address_hidden: row.address.is_some() && !sees,
                address,
                areas: areas.remove(&row.id).unwrap_or_default(),
                languages: languages.remove(&row.id).unwrap_or_default(),
                services: services.iter().filter(|s| s.provider_id == row.id).cloned().collect(),
                row,
            });
        }
        Ok(out)
    }

    async fn open_address(&self, row: &ProviderRow) -> Result<Option<String>> {
        let (Some(org), Some(key), Some(sealed)) = (row.key_org_id, &row.data_key, &row.address) else {
            return Ok(None);
        };
        let dk = sealed::open_data_key(&self.db, &self.keys, OrgId(org), place(row.id), key).await?;
        let bytes = dk.open("address", sealed)?;
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| ServiceError::Store(StoreError::Crypto("address is not text".into())))
    }

    /// Check what the directory's rules say about new field values: known service types
    /// (`kept` may stay even if no longer offered), a linked organisation of kind service
    /// provider.
    async fn check_provider(&self, f: &ProviderFields, kept: &[String]) -> Result<()> {
        let mut v = Violations::default();
        let offered = self.service_types(Some(f.country.as_str())).await?;
        for code in f.services.keys() {
            if !offered.iter().any(|t| &t.row.code == code) && !kept.contains(code) {
                v.push(Invalid::new("services", format!("There is no service type “{code}”.")));
            }
        }
        if let Some(org) = f.org_id {
            let ok = match orgs::get(&self.db, &dtz_domain::access::Scope::all(), org).await {
                Ok(o) => o.kind == OrgKind::ServiceProvider.as_str(),
                Err(StoreError::NotFound) => false,
                Err(e) => return Err(e.into()),
            };
            if !ok {
                v.push(Invalid::new("org_id", "Choose an organisation of kind service provider, or none."));
            }
        }
        Ok(v.into_result()?)
    }

    /// Seal the address under a fresh data key, wrapped by the key of the provider's own
    /// organisation, else the one that protected it so far, else the caller's, else the
    /// country's lead organisation.
    async fn seal_address(
        &self,
        caller: &Caller,
        id: Uuid,
        f: &ProviderFields,
        before: Option<Uuid>,
    ) -> Result<Option<(Uuid, Vec<u8>, Vec<u8>)>> {
        let Some(address) = &f.address else { return Ok(None) };
        let lead = match (f.org_id, before, caller.org()) {
            (None, None, None) => config::country(&self.db, f.country.as_str()).await?.and_then(|c| c.lead_org_id),
            _ => None,
        };
        let Some(org) = f.org_id.map(|o| o.0).or(before).or(caller.org().map(|o| o.0)).or(lead) else {
            return Err(Invalid::new(
                "address",
                "No organisation can protect this address: link the provider's organisation or give the country a lead organisation.",
            )
            .into());
        };
        let (dk, wrapped) = sealed::new_data_key(&self.db, &self.keys, OrgId(org), place(id)).await?;
        let sealed = dk.seal("address", address.as_bytes())?;
        Ok(Some((org, wrapped, sealed)))
    }

    fn write_of(f: &ProviderFields, sealed: Option<(Uuid, Vec<u8>, Vec<u8>)>) -> ProviderWrite {
        ProviderWrite {
            org_id: f.org_id.map(|o| o.0),
            name: f.name.clone(),
            country: f.country.as_str().to_owned(),
            takes_referrals: f.takes_referrals,
            phone: f.phone.clone(),
            email: f.email.clone(),
            notes: f.notes.clone(),
            sealed,
        }
    }

    async fn write_sets(&self, tx: &mut dtz_store::Tx, id: Uuid, f: &ProviderFields) -> Result<()> {
        let areas: Vec<(String, String)> = f.areas.iter().map(|a| (a.clone(), directory::area_key(a))).collect();
        store::set_areas(tx, id, &areas).await?;
        store::set_languages(tx, id, &f.languages).await?;
        store::set_services(tx, id, &f.services, self.clock.now()).await?;
        Ok(())
    }

    /// Add a provider to the directory (system administrators; coordinators in their
    /// country).
    pub async fn create_provider(&self, caller: &Caller, id: ProviderId, f: ProviderFields) -> Result<Provider> {
        self.refuse_reference_edit(caller).await?;
        if caller.scope(Area::Directory).grants().is_empty() {
            return Err(ServiceError::NotFound);
        }
        if !caller.may_edit_directory(f.country) {
            return Err(ServiceError::Forbidden);
        }
        self.check_provider(&f, &[]).await?;
        let sealed = self.seal_address(caller, id.0, &f, None).await?;
        let mut tx = self.db.begin().await?;
        store::insert(&mut tx, id.0, &Self::write_of(&f, sealed), self.clock.now())
            .await
            .map_err(|e| crate::error::duplicate(e, "name", "This provider is in the directory already."))?;
        self.write_sets(&mut tx, id.0, &f).await?;
        let change = Change::create("service_provider", id.0, &f);
        self.finish(tx, &[caller.event("directory.create", &change, f.org_id)]).await?;
        self.provider(caller, id).await
    }

    /// Change a provider, based on the version the caller read; a stale version is a 409
    /// naming the fields changed since.
    pub async fn update_provider(
        &self,
        caller: &Caller,
        id: ProviderId,
        base: i64,
        f: ProviderFields,
    ) -> Result<Provider> {
        self.refuse_reference_edit(caller).await?;
        store::get(&self.db, &caller.scope(Area::Directory), id.0).await?;
        let current = self.provider(&Caller::System, id).await?;
        let before = current.fields().ok_or(ServiceError::NotFound)?;
        if !caller.may_edit_directory(before.country) || !caller.may_edit_directory(f.country) {
            return Err(ServiceError::Forbidden);
        }
        let kept: Vec<String> = before.services.keys().cloned().collect();
        self.check_provider(&f, &kept).await?;
        let change = Change::update("service_provider", id.0, base, &before, &f);
        if change.is_empty() && base == current.row.version {
            return self.provider(caller, id).await;
        }
        let sealed = self.seal_address(caller, id.0, &f, current.row.key_org_id).await?;
        let mut tx = self.db.begin().await?;
        self.written(store::update(&mut tx, id.0, base, &Self::write_of(&f, sealed), self.clock.now()).await, id.0)
            .await?;
        self.write_sets(&mut tx, id.0, &f).await?;
        self.finish(tx, &[caller.event("directory.update", &change, f.org_id)]).await?;
        self.provider(caller, id).await
    }

    /// Remove a provider (a tombstone; its sealed address is erased).
    pub async fn delete_provider(&self, caller: &Caller, id: ProviderId, base: i64) -> Result<()> {
        self.refuse_reference_edit(caller).await?;
        let p = self.provider(caller, id).await?;
        let country = p.country().ok_or(ServiceError::NotFound)?;
        if !caller.may_edit_directory(country) {
            return Err(ServiceError::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        self.written(store::delete(&mut tx, id.0, base, self.clock.now()).await, id.0).await?;
        let change = Change::delete("service_provider", id.0, base);
        self.finish(tx, &[caller.event("directory.delete", &change, p.row.org_id.map(OrgId))]).await?;
        Ok(())
    }

    /// Set the places free of some of a provider's services (its own staff, or those
    /// who may edit it). Each service is checked against the version read; a stale one
    /// makes the whole update a 409. Setting a number, even the same one, records when
    /// and by whom it was last confirmed.
    pub async fn set_availability(
        &self,
        caller: &Caller,
        id: ProviderId,
        input: &[AvailabilityInput],
    ) -> Result<Provider> {
        self.refuse_reference_edit(caller).await?;
        let p = self.provider(caller, id).await?;
        if !caller.may_set_availability(&p) {
            return Err(ServiceError::Forbidden);
        }
        let mut v = Violations::default();
        let mut changes: Vec<(&ServiceRow, i64, Option<i64>)> = Vec::new();
        for a in input {
            let field = format!("free_{}", a.service.0);
            let Some(s) = p.services.iter().find(|s| s.id == a.service.0) else {
                v.push(Invalid::new(field, "Choose a service of this provider."));
                continue;
            };
            if let Some(n) = v.check(directory::places_free(&field, &a.places_free, s.capacity)) {
                changes.push((s, a.version, n));
            }
        }
        v.into_result()?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let mut events = Vec::new();
        for (s, base, n) in changes {
            self.written(store::set_availability(&mut tx, s.id, base, n, caller.user().map(|u| u.0), now).await, s.id)
                .await?;
            let change = Change {
                entity: "provider_service",
                id: s.id,
                kind: ChangeKind::Update,
                base_version: base,
                fields: vec![FieldChange {
                    field: "places_free".into(),
                    before: s.places_free.into(),
                    after: n.into(),
                }],
            };
            events.push(caller.event("directory.availability", &change, p.row.org_id.map(OrgId)));
        }
        if !events.is_empty() {
            self.finish(tx, &events).await?;
        }
        self.provider(caller, id).await
    }
}
