//! Demo service directory: invented providers in several programme countries, marked as
//! sample data; two are linked to the sample provider organisations (the shelter in La
//! Paz has an account, `provider.bo@demo.example.org`).

use crate::directory::AvailabilityInput;
use crate::{Caller, Result, Services};
use dtz_domain::directory::{ProviderFields, ProviderId, ProviderInput, ProviderServiceId};
use dtz_domain::ids::OrgId;

/// One sample provider: name, country, linked organisation (index into the linked
/// organisations given to [`load`]), areas, languages, phone, address, takes referrals,
/// services (type, capacity, places free).
struct Sample {
    name: &'static str,
    country: &'static str,
    linked: Option<usize>,
    areas: &'static [&'static str],
    languages: &'static [&'static str],
    phone: &'static str,
    address: &'static str,
    referrals: bool,
    services: &'static [(&'static str, Option<i64>, Option<i64>)],
}

const SAMPLES: &[Sample] = &[
    Sample {
        name: "Sample shelter La Paz (sample data)",
        country: "BO",
        linked: Some(0),
        areas: &["La Paz", "El Alto"],
        languages: &["es", "ay", "qu"],
        phone: "+591 2 000 0001",
        address: "Calle Ejemplo 1, La Paz (sample data)",
        referrals: true,
        services: &[("shelter", Some(24), Some(3)), ("psychosocial", Some(40), Some(12)), ("education", None, None)],
    },
    Sample {
        name: "Sample legal clinic Cochabamba (sample data)",
        country: "BO",
        linked: None,
        areas: &["Cochabamba"],
        languages: &["es", "qu"],
        phone: "+591 4 000 0002",
        address: "Avenida Ejemplo 2, Cochabamba (sample data)",
        referrals: true,
        services: &[("legal_aid", None, None)],
    },
    Sample {
        name: "Sample health centre El Alto (sample data)",
        country: "BO",
        linked: None,
        areas: &["El Alto"],
        languages: &["es", "ay"],
        phone: "+591 2 000 0003",
        address: "",
        referrals: false,
        services: &[("medical", None, None)],
    },
    Sample {
        name: "Sample legal aid Kolkata (sample data)",
        country: "IN",
        linked: Some(1),
        areas: &["Kolkata", "West Bengal"],
        languages: &["bn", "hi", "en"],
        phone: "+91 33 0000 0004",
        address: "Sample Road 4, Kolkata (sample data)",
        referrals: true,
        services: &[("legal_aid", None, None), ("family_tracing", None, None)],
    },
    Sample {
        name: "Sample shelter Mumbai (sample data)",
        country: "IN",
        linked: None,
        areas: &["Mumbai", "Maharashtra"],
        languages: &["mr", "hi", "en"],
        phone: "+91 22 0000 0005",
        address: "Sample Lane 5, Mumbai (sample data)",
        referrals: true,
        services: &[("shelter", Some(30), Some(0)), ("vocational_training", Some(20), Some(5))],
    },
    Sample {
        name: "Sample shelter Cusco (sample data)",
        country: "PE",
        linked: None,
        areas: &["Cusco"],
        languages: &["es", "qu"],
        phone: "+51 84 000 006",
        address: "Jirón Ejemplo 6, Cusco (sample data)",
        referrals: true,
        services: &[("shelter", Some(16), Some(2)), ("repatriation", None, None)],
    },
    Sample {
        name: "Sample helpline Colombia (sample data)",
        country: "CO",
        linked: None,
        areas: &[],
        languages: &["es"],
        phone: "+57 1 000 0007",
        address: "",
        referrals: true,
        services: &[("hotline", None, None), ("psychosocial", None, None)],
    },
    Sample {
        name: "Sample reintegration programme Managua (sample data)",
        country: "NI",
        linked: None,
        areas: &["Managua"],
        languages: &["es"],
        phone: "+505 2 000 0008",
        address: "Del parque 2 cuadras al sur, Managua (sample data)",
        referrals: true,
        services: &[("family_tracing", None, None), ("vocational_training", Some(25), Some(7))],
    },
];

/// Load the sample providers; `linked` are the sample provider organisations.
pub async fn load(s: &Services, linked: &[OrgId]) -> Result<()> {
    let sys = Caller::System;
    for p in SAMPLES {
        let input = ProviderInput {
            name: p.name.into(),
            country: p.country.into(),
            org: p.linked.and_then(|i| linked.get(i).copied()),
            takes_referrals: p.referrals,
            phone: p.phone.into(),
            email: String::new(),
            address: p.address.into(),
            notes: "Call first; bring the referral form (sample data).".into(),
            areas: p.areas.iter().map(|a| (*a).to_owned()).collect(),
            languages: p.languages.iter().map(|l| (*l).to_owned()).collect(),
            services: p
                .services
                .iter()
                .map(|(t, c, _)| ((*t).to_owned(), c.map(|c| c.to_string()).unwrap_or_default()))
                .collect(),
        };
        let created = s.create_provider(&sys, ProviderId::new(), ProviderFields::parse(&input)?).await?;
        let availability: Vec<AvailabilityInput> = created
            .services
            .iter()
            .filter_map(|row| {
                let (_, _, free) = p.services.iter().find(|(t, _, _)| *t == row.service_type)?;
                free.map(|n| AvailabilityInput {
                    service: ProviderServiceId(row.id),
                    version: row.version,
                    places_free: n.to_string(),
                })
            })
            .collect();
        if !availability.is_empty() {
            s.set_availability(&sys, ProviderId(created.row.id), &availability).await?;
        }
    }
    Ok(())
}
