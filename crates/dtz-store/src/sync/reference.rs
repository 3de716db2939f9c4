//! Reference data on a node (issue 9): the service directory as the hub sends it, written
//! with the hub's ids (referrals point at a provider's service by id), and the retirement
//! of organisations and providers the hub no longer lists. The node never edits these
//! itself (`Services::refuse_reference_edit`).

use crate::sql::Sql;
use crate::{Result, Tx};
use time::OffsetDateTime;
use uuid::Uuid;

/// A provider as the hub sends it (never its sealed street address).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderPut<'a> {
    /// Id (the hub's).
    pub id: Uuid,
    /// Linked organisation.
    pub org_id: Option<Uuid>,
    /// Name.
    pub name: &'a str,
    /// Country.
    pub country: &'a str,
    /// Accepts referrals.
    pub takes_referrals: bool,
    /// Phone.
    pub phone: Option<&'a str>,
    /// E-mail.
    pub email: Option<&'a str>,
    /// Notes.
    pub notes: Option<&'a str>,
    /// The hub's version.
    pub version: i64,
}

/// Write a provider as the hub has it (insert or replace; revived when it was retired).
pub async fn put_provider(tx: &mut Tx, p: &ProviderPut<'_>, now: OffsetDateTime) -> Result<()> {
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO service_providers (id, org_id, name, country, takes_referrals, phone, email, notes, version, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
             ON CONFLICT (id) DO UPDATE SET org_id = excluded.org_id, name = excluded.name, country = excluded.country, \
             takes_referrals = excluded.takes_referrals, phone = excluded.phone, email = excluded.email, \
             notes = excluded.notes, version = excluded.version, updated_at = excluded.updated_at, deleted_at = NULL",
            vec![
                p.id.into(),
                p.org_id.into(),
                p.name.into(),
                p.country.into(),
                p.takes_referrals.into(),
                p.phone.map(str::to_owned).into(),
                p.email.map(str::to_owned).into(),
                p.notes.map(str::to_owned).into(),
                p.version.into(),
                now.into(),
            ],
        ))
        .await?;
    Ok(())
}

/// Replace a provider's areas (`(area, area_key)`) and languages.
pub async fn put_provider_sets(
    tx: &mut Tx,
    provider: Uuid,
    areas: &[(String, String)],
    languages: &[String],
) -> Result<()> {
    tx.q().execute(&Sql::with_args("DELETE FROM provider_areas WHERE provider_id = $1", vec![provider.into()])).await?;
    for (area, key) in areas {
        tx.q()
            .execute(&Sql::with_args(
                "INSERT INTO provider_areas (provider_id, area, area_key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                vec![provider.into(), area.clone().into(), key.clone().into()],
            ))
            .await?;
    }
    tx.q()
        .execute(&Sql::with_args("DELETE FROM provider_languages WHERE provider_id = $1", vec![provider.into()]))
        .await?;
    for l in languages {
        tx.q()
            .execute(&Sql::with_args(
                "INSERT INTO provider_languages (provider_id, language) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                vec![provider.into(), l.clone().into()],
            ))
            .await?;
    }
    Ok(())
}

/// A provider's service as the hub sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServicePut {
    /// Id (the hub's).
    pub id: Uuid,
    /// Service type code.
    pub service_type: String,
    /// Places in all.
    pub capacity: Option<i64>,
    /// Places free.
    pub places_free: Option<i64>,
    /// When the places free were confirmed.
    pub availability_at: Option<OffsetDateTime>,
    /// The hub's version.
    pub version: i64,
}

/// Make a provider's live services exactly `services` (by the hub's ids); others retire.
pub async fn put_services(tx: &mut Tx, provider: Uuid, services: &[ServicePut], now: OffsetDateTime) -> Result<()> {
    // A service type moved to another id on the hub: the old row retires first (the pair
    // provider and type is unique).
    tx.q()
        .execute(&Sql::with_args(
            "UPDATE provider_services SET deleted_at = $1, places_free = NULL WHERE provider_id = $2 AND deleted_at IS NULL",
            vec![now.into(), provider.into()],
        ))
        .await?;
    for s in services {
        tx.q()
            .execute(&Sql::with_args(
                "INSERT INTO provider_services (id, provider_id, service_type, capacity, places_free, availability_at, \
                 version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
                 ON CONFLICT (id) DO UPDATE SET service_type = excluded.service_type, capacity = excluded.capacity, \
                 places_free = excluded.places_free, availability_at = excluded.availability_at, \
                 version = excluded.version, updated_at = excluded.updated_at, deleted_at = NULL",
                vec![
                    s.id.into(),
                    provider.into(),
                    s.service_type.clone().into(),
                    s.capacity.into(),
                    s.places_free.into(),
                    s.availability_at.into(),
                    s.version.into(),
                    now.into(),
                ],
            ))
            .await?;
    }
    Ok(())
}

/// Retire the live providers not in `keep`. Returns how many.
pub async fn retire_providers(tx: &mut Tx, keep: &[Uuid], now: OffsetDateTime) -> Result<u64> {
    let live: Vec<(Uuid,)> =
        tx.q().fetch_all(&Sql::new("SELECT id FROM service_providers WHERE deleted_at IS NULL")).await?;
    let mut n = 0;
    for (id,) in live.into_iter().filter(|(id,)| !keep.contains(id)) {
        tx.q()
            .execute(&Sql::with_args(
                "UPDATE service_providers SET deleted_at = $1, updated_at = $1 WHERE id = $2",
                vec![now.into(), id.into()],
            ))
            .await?;
        tx.q()
            .execute(&Sql::with_args(
                "UPDATE provider_services SET deleted_at = $1, places_free = NULL WHERE provider_id = $2 \
                 AND deleted_at IS NULL",
                vec![now.into(), id.into()],
            ))
            .await?;
        n += 1;
    }
    Ok(n)
}

/// Retire an organisation the hub no longer lists (a tombstone; its rows stay).
pub async fn retire_org(tx: &mut Tx, id: Uuid, now: OffsetDateTime) -> Result<u64> {
    tx.q()
        .execute(&Sql::with_args(
            "UPDATE organisations SET deleted_at = $1, version = version + 1, updated_at = $1 \
             WHERE id = $2 AND deleted_at IS NULL",
            vec![now.into(), id.into()],
        ))
        .await
}
