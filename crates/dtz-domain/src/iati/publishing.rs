//! Who publishes which IATI activity (DESIGN §1: each alliance member publishes its own
//! activities, linked to the lead's programme activity).
//!
//! - The lead publishes the programme activity (hierarchy 1) with the programme's
//!   identifier and the alliance totals.
//! - In each country, the member *responsible* for it is the country's lead; without one,
//!   the first alliance member among its implementers; without one, the programme's lead
//!   (a country where only local partners work is funded through the lead). The
//!   responsible member's activity covers its local partners there: they are its
//!   implementing organisations, receive its disbursements, and their values count in its
//!   results. Other alliance members implementing in the country publish their own work.
//! - A member publishes one activity per country, or one for all its countries (hierarchy
//!   2 either way), as configured.
//! - Countries where nobody implements have no activity.

use super::{IatiSettings, Layout};
use crate::ids::OrgId;
use crate::org::{CountryCode, OrgKind};
use crate::results::Programme;

/// An organisation as publishing needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Org {
    /// Id.
    pub id: OrgId,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: OrgKind,
    /// IATI organisation identifier.
    pub iati_id: Option<String>,
    /// May be named in public data.
    pub publishable: bool,
}

/// Find an organisation by a programme's reference to it (IATI identifier or name).
pub fn resolve<'a>(orgs: &'a [Org], reference: &str) -> Option<&'a Org> {
    orgs.iter().find(|o| o.iati_id.as_deref() == Some(reference)).or_else(|| orgs.iter().find(|o| o.name == reference))
}

/// One country of a member's work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// The country.
    pub country: CountryCode,
    /// Local partners the member funds and reports for there (empty unless responsible).
    pub partners: Vec<Org>,
    /// Whether the member is responsible for the country (its country-wide targets and
    /// baselines go into this member's activity).
    pub responsible: bool,
}

/// One activity a member publishes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    /// Activity identifier.
    pub identifier: String,
    /// Its countries.
    pub parts: Vec<Part>,
}

/// One alliance member publishing in a programme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publisher {
    /// The member.
    pub org: Org,
    /// How its work is cut.
    pub layout: Layout,
    /// Its activities.
    pub activities: Vec<Planned>,
}

/// The member responsible for a country: its lead, else the first alliance member among
/// its implementers, else the programme's lead when local partners work there.
fn responsible<'a>(p: &Programme, orgs: &'a [Org], pc: &crate::results::ProgrammeCountry) -> Option<&'a Org> {
    let member = |r: &str| resolve(orgs, r).filter(|o| o.kind == OrgKind::AllianceMember);
    pc.lead
        .as_deref()
        .and_then(member)
        .or_else(|| pc.implementers.iter().find_map(|r| member(r)))
        .or_else(|| if pc.implementers.is_empty() { None } else { p.lead.as_deref().and_then(member) })
}

/// The stem of a member's activity identifiers: configured, or its IATI identifier, a
/// hyphen and the programme code (empty when the member has no IATI identifier: the
/// check reports it).
fn stem(p: &Programme, settings: &IatiSettings, org: &Org) -> String {
    let configured = settings.publisher(&org.name, org.iati_id.as_deref()).and_then(|s| s.identifier.clone());
    configured.unwrap_or_else(|| org.iati_id.as_ref().map(|i| format!("{i}-{}", p.code)).unwrap_or_default())
}

/// Every member publishing in the programme, in the order they first appear (country by
/// country), with its activities.
pub fn publishers(p: &Programme, orgs: &[Org]) -> Vec<Publisher> {
    let mut work: Vec<(Org, Vec<Part>)> = Vec::new();
    for pc in &p.countries {
        let lead = responsible(p, orgs, pc);
        let mut members: Vec<&Org> = lead.into_iter().collect();
        for r in &pc.implementers {
            if let Some(o) = resolve(orgs, r).filter(|o| o.kind == OrgKind::AllianceMember)
                && !members.iter().any(|m| m.id == o.id)
            {
                members.push(o);
            }
        }
        for m in members {
            let is_lead = lead.is_some_and(|l| l.id == m.id);
            let partners = if is_lead {
                pc.implementers
                    .iter()
                    .filter_map(|r| resolve(orgs, r))
                    .filter(|o| o.kind != OrgKind::AllianceMember)
                    .cloned()
                    .collect()
            } else {
                Vec::new()
            };
            let part = Part { country: pc.country, partners, responsible: is_lead };
            match work.iter_mut().find(|(o, _)| o.id == m.id) {
                Some((_, parts)) => parts.push(part),
                None => work.push((m.clone(), vec![part])),
            }
        }
    }
    work.into_iter()
        .map(|(org, parts)| {
            let layout = p.iati.publisher(&org.name, org.iati_id.as_deref()).and_then(|s| s.activities);
            let layout = layout.unwrap_or(p.iati.activities);
            let stem = stem(p, &p.iati, &org);
            let activities = match layout {
                Layout::PerCountry => parts
                    .into_iter()
                    .map(|part| Planned { identifier: format!("{stem}-{}", part.country), parts: vec![part] })
                    .collect(),
                Layout::One => {
                    // The lead's default stem is the programme's own identifier.
                    let identifier =
                        if p.iati_identifier.as_deref() == Some(stem.as_str()) { format!("{stem}-IMPL") } else { stem };
                    vec![Planned { identifier, parts }]
                }
            };
            Publisher { org, layout, activities }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iati::PublisherSettings;

    fn org(name: &str, kind: OrgKind, iati: Option<&str>) -> Org {
        Org { id: OrgId::new(), name: name.into(), kind, iati_id: iati.map(String::from), publishable: true }
    }

    fn programme(countries: Vec<(&str, Option<&str>, Vec<&str>)>) -> Programme {
        Programme {
            code: "P".into(),
            name: "Pilot".into(),
            description: String::new(),
            start: time::macros::date!(2016 - 01 - 01),
            end: time::macros::date!(2017 - 12 - 31),
            periods: crate::results::PeriodKind::Year,
            currency: "EUR".into(),
            iati_identifier: Some("NL-KVK-41149287-P".into()),
            donor: Some("XM-DAC-7".into()),
            lead: Some("NL-KVK-41149287".into()),
            countries: countries
                .into_iter()
                .filter_map(|(c, lead, imp)| {
                    Some(crate::results::ProgrammeCountry {
                        country: CountryCode::parse("c", c).ok()?,
                        lead: lead.map(String::from),
                        implementers: imp.into_iter().map(String::from).collect(),
                    })
                })
                .collect(),
            disaggregations: Vec::new(),
            goals: Vec::new(),
            iati: IatiSettings::default(),
        }
    }

    #[test]
    fn members_publish_their_countries_with_the_partners_they_fund() {
        let orgs = vec![
            org("TdH", OrgKind::AllianceMember, Some("NL-KVK-41149287")),
            org("FaG", OrgKind::AllianceMember, Some("NL-KVK-34308169")),
            org("ICCO", OrgKind::AllianceMember, Some("NL-KVK-56484038")),
            org("Partner BO", OrgKind::LocalPartner, None),
            org("Partner PH", OrgKind::LocalPartner, None),
        ];
        let mut p = programme(vec![
            ("IN", Some("NL-KVK-34308169"), vec!["NL-KVK-34308169"]),
            ("TH", None, vec!["NL-KVK-34308169"]),
            ("BO", Some("NL-KVK-56484038"), vec!["NL-KVK-56484038", "Partner BO", "NL-KVK-34308169"]),
            ("PH", None, vec!["Partner PH"]),
            ("ID", None, vec![]),
        ]);
        let all = publishers(&p, &orgs);
        let names: Vec<(&str, Vec<&str>)> = all
            .iter()
            .map(|x| (x.org.name.as_str(), x.activities.iter().map(|a| a.identifier.as_str()).collect()))
            .collect();
        assert_eq!(
            names,
            [
                ("FaG", vec!["NL-KVK-34308169-P-IN", "NL-KVK-34308169-P-TH", "NL-KVK-34308169-P-BO"]),
                ("ICCO", vec!["NL-KVK-56484038-P-BO"]),
                ("TdH", vec!["NL-KVK-41149287-P-PH"]),
            ]
        );
        let icco_bo = &all[1].activities[0].parts[0];
        assert!(icco_bo.responsible);
        assert_eq!(icco_bo.partners.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(), ["Partner BO"]);
        assert!(!all[0].activities[2].parts[0].responsible, "FaG implements in BO, ICCO leads it");
        p.iati.activities = Layout::One;
        p.iati.publishers.push(PublisherSettings {
            org: "NL-KVK-41149287".into(),
            activities: None,
            identifier: Some("NL-KVK-41149287-P".into()),
        });
        let one = publishers(&p, &orgs);
        assert_eq!(one[0].activities.len(), 1);
        assert_eq!(one[0].activities[0].parts.len(), 3);
        assert_eq!(one[2].activities[0].identifier, "NL-KVK-41149287-P-IMPL", "never the programme's identifier");
    }
}
