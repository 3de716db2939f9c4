//! The service directory: providers, the areas and languages they serve, and their
//! services with capacity and current availability. The street address is stored sealed
//! (see [`crate::sealed`]); this module moves its bytes and never sees the plaintext.

use crate::scope::{ScopeColumns, filter};
use crate::sql::Sql;
use crate::{Db, Result, Tx};
use dtz_domain::access::Scope;
use std::collections::BTreeMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// A stored provider (sealed address as bytes).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ProviderRow {
    /// Id.
    pub id: Uuid,
    /// The provider's own organisation in dtz, when it has accounts.
    pub org_id: Option<Uuid>,
    /// Organisation whose key wraps `data_key` (none without an address).
    pub key_org_id: Option<Uuid>,
    /// Name.
    pub name: String,
    /// Country (ISO code).
    pub country: String,
    /// Accepts referrals.
    pub takes_referrals: bool,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// How to refer.
    pub notes: Option<String>,
    /// The data key, wrapped.
    pub data_key: Option<Vec<u8>>,
    /// The street address, sealed.
    pub address: Option<Vec<u8>>,
    /// Active accounts of the linked organisation.
    pub accounts: i64,
    /// Row version.
    pub version: i64,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
}

const COLS: &str = "p.id, p.org_id, p.key_org_id, p.name, p.country, p.takes_referrals, p.phone, p.email, p.notes, \
     p.data_key, p.address, (SELECT COUNT(*) FROM users u WHERE u.org_id = p.org_id AND u.deleted_at IS NULL \
     AND u.disabled = ";
const COLS_END: &str = ") AS accounts, p.version, p.created_at, p.updated_at";

/// How need to know sees the directory (reference data: every grant of the directory
/// area is `All` today, but the query takes the scope like every other).
const SCOPE: ScopeColumns = ScopeColumns {
    org: Some("p.org_id"),
    country: Some("p.country"),
    team: None,
    owner: None,
    provider: Some("p.org_id"),
    case: None,
};

fn select() -> Sql {
    let mut q = Sql::new("SELECT ");
    q.push(COLS).bind(false).push(COLS_END).push(" FROM service_providers p WHERE p.deleted_at IS NULL AND ");
    q
}

/// A service of a provider.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ServiceRow {
    /// Id (what a referral points at).
    pub id: Uuid,
    /// Provider.
    pub provider_id: Uuid,
    /// Service type code (vocabulary `service_type`).
    pub service_type: String,
    /// Places.
    pub capacity: Option<i64>,
    /// Places free now.
    pub places_free: Option<i64>,
    /// When availability was last set.
    pub availability_at: Option<OffsetDateTime>,
    /// Who set it.
    pub availability_by: Option<Uuid>,
    /// That person's name.
    pub availability_by_name: Option<String>,
    /// Row version.
    pub version: i64,
}

const SERVICE_COLS: &str = "s.id, s.provider_id, s.service_type, s.capacity, s.places_free, s.availability_at, \
     s.availability_by, u.name AS availability_by_name, s.version";

/// What to look for; every part is optional.
#[derive(Clone, Debug, Default)]
pub struct Search {
    /// Country code.
    pub country: Option<String>,
    /// Part of an area's search key (lower case). Providers that list no areas serve the
    /// whole country and match every area.
    pub area: Option<String>,
    /// Service type code.
    pub service_type: Option<String>,
    /// Language code.
    pub language: Option<String>,
    /// Accepts referrals (or not).
    pub takes_referrals: Option<bool>,
    /// Has free places (in the service asked for, if any).
    pub free_places: bool,
    /// The provider's own organisation.
    pub org: Option<Uuid>,
}

fn like_pattern(s: &str) -> String {
    let mut p = String::from("%");
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

fn conditions(q: &mut Sql, s: &Search) {
    if let Some(c) = &s.country {
        q.push(" AND p.country = ").bind(c.clone());
    }
    if let Some(a) = &s.area {
        q.push(" AND (NOT EXISTS (SELECT 1 FROM provider_areas a WHERE a.provider_id = p.id) OR EXISTS (SELECT 1 FROM provider_areas a WHERE a.provider_id = p.id AND a.area_key LIKE ");
        q.bind(like_pattern(a)).push(" ESCAPE '\\'))");
    }
    if s.service_type.is_some() || s.free_places {
        q.push(" AND EXISTS (SELECT 1 FROM provider_services s WHERE s.provider_id = p.id AND s.deleted_at IS NULL");
        if let Some(t) = &s.service_type {
            q.push(" AND s.service_type = ").bind(t.clone());
        }
        if s.free_places {
            q.push(" AND s.places_free > 0");
        }
        q.push(")");
    }
    if let Some(l) = &s.language {
        q.push(" AND EXISTS (SELECT 1 FROM provider_languages l WHERE l.provider_id = p.id AND l.language = ");
        q.bind(l.clone()).push(")");
    }
    if let Some(r) = s.takes_referrals {
        q.push(" AND p.takes_referrals = ").bind(r);
    }
    if let Some(o) = s.org {
        q.push(" AND p.org_id = ").bind(o);
    }
}

/// Providers matching `s` in the caller's scope, by country and name, and how many
/// match in all.
pub async fn search(db: &Db, scope: &Scope, s: &Search, limit: i64, offset: i64) -> Result<(Vec<ProviderRow>, i64)> {
    let mut q = select();
    q.append(filter(scope, &SCOPE));
    conditions(&mut q, s);
    q.push(" ORDER BY p.country, p.name, p.id LIMIT ").bind(limit).push(" OFFSET ").bind(offset);
    let rows = db.read().fetch_all(&q).await?;
    let mut c = Sql::new("SELECT COUNT(*) FROM service_providers p WHERE p.deleted_at IS NULL AND ");
    c.append(filter(scope, &SCOPE));
    conditions(&mut c, s);
    let total = db.read().scalar(&c).await?;
    Ok((rows, total))
}

/// One provider in the caller's scope.
pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<ProviderRow> {
    let mut q = select();
    q.append(filter(scope, &SCOPE));
    q.push(" AND p.id = ").bind(id);
    db.read().fetch_one(&q).await
}

/// The same, inside a write transaction.
pub async fn get_for_update(tx: &mut Tx, scope: &Scope, id: Uuid) -> Result<ProviderRow> {
    let mut q = select();
    q.append(filter(scope, &SCOPE));
    q.push(" AND p.id = ").bind(id);
    tx.q().fetch_one(&q).await
}

/// Areas of the given providers: provider id → areas in the order given.
pub async fn areas(db: &Db, providers: &[Uuid]) -> Result<BTreeMap<Uuid, Vec<String>>> {
    let mut out: BTreeMap<Uuid, Vec<String>> = BTreeMap::new();
    if providers.is_empty() {
        return Ok(out);
    }
    let mut q = Sql::new("SELECT provider_id, area FROM provider_areas WHERE provider_id IN (");
    q.bind_list(providers.iter().copied()).push(") ORDER BY provider_id, area_key");
    let rows: Vec<(Uuid, String)> = db.read().fetch_all(&q).await?;
    for (p, a) in rows {
        out.entry(p).or_default().push(a);
    }
    Ok(out)
}

/// Languages of the given providers.
pub async fn languages(db: &Db, providers: &[Uuid]) -> Result<BTreeMap<Uuid, Vec<String>>> {
    let mut out: BTreeMap<Uuid, Vec<String>> = BTreeMap::new();
    if providers.is_empty() {
        return Ok(out);
    }
    let mut q = Sql::new("SELECT provider_id, language FROM provider_languages WHERE provider_id IN (");
    q.bind_list(providers.iter().copied()).push(") ORDER BY provider_id, language");
    let rows: Vec<(Uuid, String)> = db.read().fetch_all(&q).await?;
    for (p, l) in rows {
        out.entry(p).or_default().push(l);
    }
    Ok(out)
}

/// Current services of the given providers.
pub async fn services(db: &Db, providers: &[Uuid]) -> Result<Vec<ServiceRow>> {
    if providers.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT ");
    q.push(SERVICE_COLS).push(
        " FROM provider_services s LEFT JOIN users u ON u.id = s.availability_by \
         WHERE s.deleted_at IS NULL AND s.provider_id IN (",
    );
    q.bind_list(providers.iter().copied()).push(") ORDER BY s.provider_id, s.service_type");
    db.read().fetch_all(&q).await
}

/// Current services of one provider, inside a write transaction.
pub async fn services_for_update(tx: &mut Tx, provider: Uuid) -> Result<Vec<ServiceRow>> {
    let mut q = Sql::new("SELECT ");
    q.push(SERVICE_COLS).push(
        " FROM provider_services s LEFT JOIN users u ON u.id = s.availability_by \
         WHERE s.deleted_at IS NULL AND s.provider_id = ",
    );
    q.bind(provider).push(" ORDER BY s.service_type");
    tx.q().fetch_all(&q).await
}

/// The plain columns of a provider as written.
#[derive(Clone, Debug)]
pub struct ProviderWrite {
    /// Linked organisation.
    pub org_id: Option<Uuid>,
    /// Name.
    pub name: String,
    /// Country.
    pub country: String,
    /// Accepts referrals.
    pub takes_referrals: bool,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// How to refer.
    pub notes: Option<String>,
    /// The organisation whose key wrapped the data key, the wrapped data key and the
    /// sealed address (all or none).
    pub sealed: Option<(Uuid, Vec<u8>, Vec<u8>)>,
}

impl ProviderWrite {
    fn sealed_parts(&self) -> (Option<Uuid>, Option<Vec<u8>>, Option<Vec<u8>>) {
        match &self.sealed {
            Some((o, k, a)) => (Some(*o), Some(k.clone()), Some(a.clone())),
            None => (None, None, None),
        }
    }
}

/// Insert a provider (its areas, languages and services are set separately).
pub async fn insert(tx: &mut Tx, id: Uuid, w: &ProviderWrite, now: OffsetDateTime) -> Result<()> {
    let (key_org, key, address) = w.sealed_parts();
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO service_providers (id, org_id, key_org_id, name, country, takes_referrals, phone, email, notes, \
             data_key, address, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12)",
            vec![
                id.into(),
                w.org_id.into(),
                key_org.into(),
                w.name.clone().into(),
                w.country.clone().into(),
                w.takes_referrals.into(),
                w.phone.clone().into(),
                w.email.clone().into(),
                w.notes.clone().into(),
                key.into(),
                address.into(),
                now.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// Write new values if the provider is still at `base`; returns the new version.
pub async fn update(tx: &mut Tx, id: Uuid, base: i64, w: &ProviderWrite, now: OffsetDateTime) -> Result<i64> {
    let (key_org, key, address) = w.sealed_parts();
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE service_providers SET org_id = $1, name = $2, country = $3, takes_referrals = $4, phone = $5, \
             email = $6, notes = $7, data_key = $8, address = $9, version = version + 1, updated_at = $10, \
             key_org_id = $13 WHERE id = $11 AND version = $12 AND deleted_at IS NULL",
            vec![
                w.org_id.into(),
                w.name.clone().into(),
                w.country.clone().into(),
                w.takes_referrals.into(),
                w.phone.clone().into(),
                w.email.clone().into(),
                w.notes.clone().into(),
                key.into(),
                address.into(),
                now.into(),
                id.into(),
                base.into(),
                key_org.into(),
            ],
        ))
        .await?;
    crate::orgs::stale_check(tx, "service_providers", id, base, n).await
}

/// Tombstone a provider at `base`, erasing its sealed address and data key.
pub async fn delete(tx: &mut Tx, id: Uuid, base: i64, now: OffsetDateTime) -> Result<i64> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE service_providers SET data_key = NULL, address = NULL, key_org_id = NULL, version = version + 1, updated_at = $1, \
             deleted_at = $1 WHERE id = $2 AND version = $3 AND deleted_at IS NULL",
            vec![now.into(), id.into(), base.into()],
        ))
        .await?;
    crate::orgs::stale_check(tx, "service_providers", id, base, n).await
}

/// Replace the areas of a provider (`(area, search key)` pairs).
pub async fn set_areas(tx: &mut Tx, provider: Uuid, areas: &[(String, String)]) -> Result<()> {
    tx.q().execute(&Sql::with_args("DELETE FROM provider_areas WHERE provider_id = $1", vec![provider.into()])).await?;
    for (area, key) in areas {
        tx.q()
            .execute(&Sql::with_args(
                "INSERT INTO provider_areas (provider_id, area, area_key) VALUES ($1, $2, $3)",
                vec![provider.into(), area.clone().into(), key.clone().into()],
            ))
            .await?;
    }
    Ok(())
}

/// Replace the languages of a provider.
pub async fn set_languages(tx: &mut Tx, provider: Uuid, languages: &[String]) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args("DELETE FROM provider_languages WHERE provider_id = $1", vec![provider.into()]))
        .await?;
    for l in languages {
        tx.q()
            .execute(&Sql::with_args(
                "INSERT INTO provider_languages (provider_id, language) VALUES ($1, $2)",
                vec![provider.into(), l.clone().into()],
            ))
            .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AnyService {
    id: Uuid,
    service_type: String,
    capacity: Option<i64>,
    places_free: Option<i64>,
    deleted_at: Option<OffsetDateTime>,
}

/// Make a provider's services the given ones (service type → capacity), keeping the id
/// of every service it had before (a removed service is a tombstone that comes back with
/// its id), so referrals keep pointing at the right row. Free places above a lowered
/// capacity are cut to it.
pub async fn set_services(
    tx: &mut Tx,
    provider: Uuid,
    wanted: &BTreeMap<String, Option<i64>>,
    now: OffsetDateTime,
) -> Result<()> {
    let have: Vec<AnyService> = tx
        .q()
        .fetch_all(&Sql::with_args(
            "SELECT id, service_type, capacity, places_free, deleted_at \
             FROM provider_services WHERE provider_id = $1",
            vec![provider.into()],
        ))
        .await?;
    for (service_type, capacity) in wanted {
        match have.iter().find(|s| &s.service_type == service_type) {
            Some(s) => {
                let free = match (*capacity, s.places_free) {
                    (Some(c), Some(f)) => Some(f.min(c)),
                    _ => None,
                };
                if s.deleted_at.is_none() && s.capacity == *capacity && s.places_free == free {
                    continue;
                }
                tx.q()
                    .execute(&Sql::with_args(
                        "UPDATE provider_services SET capacity = $1, places_free = $2, deleted_at = NULL, \
                         version = version + 1, updated_at = $3 WHERE id = $4",
                        vec![(*capacity).into(), free.into(), now.into(), s.id.into()],
                    ))
                    .await?;
            }
            None => {
                tx.q()
                    .execute(&Sql::with_args(
                        "INSERT INTO provider_services (id, provider_id, service_type, capacity, version, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, 1, $5, $5)",
                        vec![Uuid::new_v4().into(), provider.into(), service_type.clone().into(), (*capacity).into(), now.into()],
                    ))
                    .await?;
            }
        }
    }
    for s in have.iter().filter(|s| s.deleted_at.is_none() && !wanted.contains_key(&s.service_type)) {
        tx.q()
            .execute(&Sql::with_args(
                "UPDATE provider_services SET deleted_at = $1, places_free = NULL, version = version + 1, updated_at = $1 \
                 WHERE id = $2",
                vec![now.into(), s.id.into()],
            ))
            .await?;
    }
    Ok(())
}

/// Set the places free of one service if it is still at `base`; returns the new version.
pub async fn set_availability(
    tx: &mut Tx,
    service: Uuid,
    base: i64,
    places_free: Option<i64>,
    by: Option<Uuid>,
    now: OffsetDateTime,
) -> Result<i64> {
    let n = tx
        .q()
        .execute(&Sql::with_args(
            "UPDATE provider_services SET places_free = $1, availability_at = $2, availability_by = $3, \
             version = version + 1, updated_at = $2 WHERE id = $4 AND version = $5 AND deleted_at IS NULL",
            vec![places_free.into(), now.into(), by.into(), service.into(), base.into()],
        ))
        .await?;
    crate::orgs::stale_check(tx, "provider_services", service, base, n).await
}
