//! Reference data on a node (issue 9): the hub sends it whole at every sync (scope
//! `reference`): organisations, programmes with their frameworks, activity types, service
//! types and the service directory (what a caseworker needs to refer: providers, where
//! they work, their languages and services with places free — never a street address,
//! which stays sealed on the hub). The node creates what it lacks, updates what changed and
//! retires what the hub no longer lists (organisations and providers get a tombstone,
//! vocabulary terms are deactivated); people on a node never edit it
//! ([`Services::refuse_reference_edit`]). An item the node cannot take (say, a rename
//! that meets a local name) is logged and left for the next sync rather than stopping it.

use crate::config::TermInput;
use crate::{Caller, Result, Services};
use dtz_domain::access::Scope;
use dtz_domain::ids::OrgId;
use dtz_domain::org::OrgFields;
use dtz_domain::validate::Invalid;
use dtz_store::directory::{self as dir, Search};
use dtz_store::programmes;
use dtz_store::sync::reference::{self as store, ProviderPut, ServicePut};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;
use uuid::Uuid;

/// An organisation as reference data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrgDown {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// IATI id.
    pub iati_id: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Publishable.
    pub publishable: bool,
}

/// A vocabulary term (activity or service type) as reference data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TermDown {
    /// Code.
    pub code: String,
    /// Country or "".
    pub country: String,
    /// Position.
    pub sort_order: i64,
    /// Offered.
    pub active: bool,
    /// Labels by language.
    pub labels: BTreeMap<String, String>,
}

/// A provider's service as reference data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceDown {
    /// Id (referrals point at it).
    pub id: Uuid,
    /// Service type code.
    pub service_type: String,
    /// Places in all.
    pub capacity: Option<i64>,
    /// Places free.
    pub places_free: Option<i64>,
    /// When the places free were last confirmed.
    #[serde(with = "time::serde::rfc3339::option")]
    pub availability_at: Option<OffsetDateTime>,
    /// Version on the hub.
    pub version: i64,
}

/// A provider of the service directory as reference data (no street address).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProviderDown {
    /// Id.
    pub id: Uuid,
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
    /// Notes.
    pub notes: Option<String>,
    /// Areas served (none: the whole country).
    pub areas: Vec<String>,
    /// Language codes.
    pub languages: Vec<String>,
    /// Services.
    pub services: Vec<ServiceDown>,
    /// Version on the hub.
    pub version: i64,
}

/// Reference data: read-only on the node.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReferenceDown {
    /// Organisations.
    pub organisations: Vec<OrgDown>,
    /// Programmes with their frameworks, as the text `dtz programme dump` prints.
    pub programmes: Vec<String>,
    /// Activity types.
    pub activity_types: Vec<TermDown>,
    /// Service types (the directory's vocabulary).
    #[serde(default)]
    pub service_types: Vec<TermDown>,
    /// The service directory.
    #[serde(default)]
    pub providers: Vec<ProviderDown>,
}

/// Providers read per query (bounded `IN` lists).
const CHUNK: usize = 500;

impl Services {
    async fn terms_down(&self, vocabulary: &str) -> Result<Vec<TermDown>> {
        Ok(self
            .terms(vocabulary)
            .await?
            .into_iter()
            .map(|t| TermDown {
                code: t.row.code,
                country: t.row.country,
                sort_order: t.row.sort_order,
                active: t.row.active,
                labels: t.labels,
            })
            .collect())
    }

    async fn providers_down(&self) -> Result<Vec<ProviderDown>> {
        let (rows, _) = dir::search(&self.db, &Scope::all(), &Search::default(), i64::MAX, 0).await?;
        let mut out = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(CHUNK) {
            let ids: Vec<Uuid> = chunk.iter().map(|p| p.id).collect();
            let mut areas = dir::areas(&self.db, &ids).await?;
            let mut languages = dir::languages(&self.db, &ids).await?;
            let mut services: BTreeMap<Uuid, Vec<ServiceDown>> = BTreeMap::new();
            for s in dir::services(&self.db, &ids).await? {
                services.entry(s.provider_id).or_default().push(ServiceDown {
                    id: s.id,
                    service_type: s.service_type,
                    capacity: s.capacity,
                    places_free: s.places_free,
                    availability_at: s.availability_at,
                    version: s.version,
                });
            }
            out.extend(chunk.iter().map(|p| ProviderDown {
                id: p.id,
                org_id: p.org_id,
                name: p.name.clone(),
                country: p.country.clone(),
                takes_referrals: p.takes_referrals,
                phone: p.phone.clone(),
                email: p.email.clone(),
                notes: p.notes.clone(),
                areas: areas.remove(&p.id).unwrap_or_default(),
                languages: languages.remove(&p.id).unwrap_or_default(),
                services: services.remove(&p.id).unwrap_or_default(),
                version: p.version,
            }));
        }
        Ok(out)
    }

    /// On the hub: the reference data, whole.
    pub(super) async fn reference_down(&self) -> Result<ReferenceDown> {
        let mut programmes = Vec::new();
        for p in programmes::list(&self.db).await? {
            let (_, framework) = self.programme(&p.code).await?;
            programmes.push(dtz_formats::programme::write(&framework));
        }
        let organisations = self
            .orgs(&Caller::System)
            .await?
            .into_iter()
            .map(|o| OrgDown {
                id: o.id,
                name: o.name,
                kind: o.kind,
                iati_id: o.iati_id,
                country: o.country,
                publishable: o.publishable,
            })
            .collect();
        Ok(ReferenceDown {
            organisations,
            programmes,
            activity_types: self.terms_down("activity_type").await?,
            service_types: self.terms_down("service_type").await?,
            providers: self.providers_down().await?,
        })
    }

    /// On a node: make the reference data the hub's. Returns how many items changed.
    pub(super) async fn node_take_reference(&self, r: &ReferenceDown) -> Result<usize> {
        let mut n = self.node_take_orgs(&r.organisations).await?;
        for (vocabulary, terms) in [("activity_type", &r.activity_types), ("service_type", &r.service_types)] {
            n += self.node_take_terms(vocabulary, terms).await?;
        }
        for text in &r.programmes {
            let p = Self::parse_programme(text)?;
            let same = match programmes::by_code(&self.db, &p.code).await? {
                Some(row) => dtz_formats::programme::write(&programmes::programme(&self.db, &row).await?) == *text,
                None => false,
            };
            if !same {
                match self.load_programme(&Caller::System, &p).await {
                    Ok(_) => n += 1,
                    Err(e) => tracing::warn!(programme = %p.code, error = %e, "reference: programme not taken"),
                }
            }
        }
        n += self.node_take_providers(&r.providers).await?;
        Ok(n)
    }

    async fn node_take_orgs(&self, orgs: &[OrgDown]) -> Result<usize> {
        let mut n = 0;
        let have: BTreeMap<Uuid, dtz_store::orgs::OrgRow> =
            self.orgs(&Caller::System).await?.into_iter().map(|o| (o.id, o)).collect();
        for o in orgs {
            let f = OrgFields::parse(&o.name, &o.kind, o.iati_id.as_deref(), o.country.as_deref(), o.publishable)?;
            let done = match have.get(&o.id) {
                None => self.create_org(&Caller::System, OrgId(o.id), f).await.map(|_| true),
                Some(h) if h.fields() == f => Ok(false),
                Some(h) => self.update_org(&Caller::System, OrgId(o.id), h.version, f).await.map(|_| true),
            };
            match done {
                Ok(changed) => n += usize::from(changed),
                Err(e) => tracing::warn!(org = %o.id, error = %e, "reference: organisation not taken"),
            }
        }
        let listed: BTreeSet<Uuid> = orgs.iter().map(|o| o.id).collect();
        let gone: Vec<Uuid> = have.keys().filter(|id| !listed.contains(id)).copied().collect();
        if !gone.is_empty() {
            let now = self.clock.now();
            let mut tx = self.db.begin().await?;
            for id in &gone {
                n += usize::try_from(store::retire_org(&mut tx, *id, now).await?).unwrap_or(0);
            }
            tx.commit().await?;
        }
        Ok(n)
    }

    async fn node_take_terms(&self, vocabulary: &str, terms: &[TermDown]) -> Result<usize> {
        let mut n = 0;
        let have = self.terms(vocabulary).await?;
        for t in terms {
            let input = TermInput {
                code: t.code.clone(),
                country: t.country.clone(),
                sort_order: t.sort_order.to_string(),
                active: t.active,
                labels: t.labels.clone(),
            };
            let done = match have.iter().find(|h| h.row.code == t.code) {
                None => self.create_term(&Caller::System, vocabulary, &input).await.map(|_| true),
                Some(h) if h.row.sort_order == t.sort_order && h.row.active == t.active && h.labels == t.labels => {
                    Ok(false)
                }
                Some(h) => self.update_term(&Caller::System, h.row.id, h.row.version, &input).await.map(|()| true),
            };
            match done {
                Ok(changed) => n += usize::from(changed),
                Err(e) => tracing::warn!(vocabulary, code = %t.code, error = %e, "reference: term not taken"),
            }
        }
        for h in have.iter().filter(|h| h.row.active && !terms.iter().any(|t| t.code == h.row.code)) {
            let input = TermInput {
                code: h.row.code.clone(),
                country: h.row.country.clone(),
                sort_order: h.row.sort_order.to_string(),
                active: false,
                labels: h.labels.clone(),
            };
            self.update_term(&Caller::System, h.row.id, h.row.version, &input).await?;
            n += 1;
        }
        Ok(n)
    }

    async fn node_take_providers(&self, providers: &[ProviderDown]) -> Result<usize> {
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        for p in providers {
            let put = ProviderPut {
                id: p.id,
                org_id: p.org_id,
                name: &p.name,
                country: &p.country,
                takes_referrals: p.takes_referrals,
                phone: p.phone.as_deref(),
                email: p.email.as_deref(),
                notes: p.notes.as_deref(),
                version: p.version,
            };
            store::put_provider(&mut tx, &put, now).await?;
            let areas: Vec<(String, String)> =
                p.areas.iter().map(|a| (a.clone(), dtz_domain::directory::area_key(a))).collect();
            store::put_provider_sets(&mut tx, p.id, &areas, &p.languages).await?;
            let services: Vec<ServicePut> = p
                .services
                .iter()
                .map(|s| ServicePut {
                    id: s.id,
                    service_type: s.service_type.clone(),
                    capacity: s.capacity,
                    places_free: s.places_free,
                    availability_at: s.availability_at,
                    version: s.version,
                })
                .collect();
            store::put_services(&mut tx, p.id, &services, now).await?;
        }
        let keep: Vec<Uuid> = providers.iter().map(|p| p.id).collect();
        let retired = store::retire_providers(&mut tx, &keep, now).await?;
        tx.commit().await?;
        Ok(providers.len() + usize::try_from(retired).unwrap_or(0))
    }

    /// On a node, people do not edit reference data (organisations, programmes,
    /// vocabularies, the service directory): the hub keeps it and the next sync brings it.
    /// The node's own sync writes it as the system.
    pub(crate) async fn refuse_reference_edit(&self, caller: &Caller) -> Result<()> {
        if matches!(caller, Caller::User(_)) && dtz_store::sync::node::identity(&self.db).await?.is_some() {
            return Err(Invalid::new(
                "node",
                "Reference data is kept on the hub: change it there, and this laptop receives it at the next sync.",
            )
            .into());
        }
        Ok(())
    }
}
