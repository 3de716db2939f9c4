//! Word lists for plausible sample data: countries, organisation names and people's
//! names by region. Every organisation name the generator makes ends in "(sample data)"
//! and every person's name in "(sample)"; e-mail addresses are on `example.org`.

use dtz_domain::org::OrgKind;

/// The ten programme countries that public sources name (DESIGN §1).
pub const PROGRAMME: [&str; 10] = ["IN", "TH", "ID", "PH", "DO", "BR", "BO", "NI", "CO", "PE"];

/// Further countries in Asia, Latin America and Africa where a larger programme could
/// work, in the order the scale adds them.
pub const OTHERS: [&str; 40] = [
    "NP", "GT", "KH", "KE", "BD", "HN", "VN", "UG", "LK", "SV", "LA", "TZ", "MX", "MM", "GH", "EC", "PK", "NG", "PY",
    "MY", "ZA", "HT", "TL", "ZM", "CR", "MN", "MW", "PA", "ET", "AR", "RW", "CL", "SN", "UY", "MZ", "VE", "MG", "JM",
    "ZW", "BF",
];

/// Where a country's sample names come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    /// Spanish- and Portuguese-speaking Latin America and the Caribbean.
    LatinAmerica,
    /// South Asia.
    SouthAsia,
    /// South-east and east Asia.
    SoutheastAsia,
    /// Sub-Saharan Africa.
    Africa,
    /// The Netherlands, home of the alliance members.
    Netherlands,
}

/// The region of a country code of [`PROGRAMME`] or [`OTHERS`].
pub fn region(country: &str) -> Region {
    match country {
        "DO" | "BR" | "BO" | "NI" | "CO" | "PE" | "GT" | "HN" | "SV" | "MX" | "EC" | "PY" | "HT" | "CR" | "PA"
        | "AR" | "CL" | "UY" | "VE" | "JM" => Region::LatinAmerica,
        "IN" | "NP" | "BD" | "LK" | "PK" => Region::SouthAsia,
        "TH" | "ID" | "PH" | "KH" | "VN" | "LA" | "MM" | "MY" | "TL" | "MN" => Region::SoutheastAsia,
        "NL" => Region::Netherlands,
        _ => Region::Africa,
    }
}

/// Language of the staff pages for people in a country (English unless Spanish-speaking).
pub fn staff_language(country: &str) -> &'static str {
    match country {
        "DO" | "BO" | "NI" | "CO" | "PE" | "GT" | "HN" | "SV" | "MX" | "EC" | "PY" | "CR" | "PA" | "AR" | "CL"
        | "UY" | "VE" => "es",
        _ => "en",
    }
}

/// First words of an organisation's name, by kind and region.
pub fn org_prefixes(kind: OrgKind, region: Region) -> &'static [&'static str] {
    match (kind, region) {
        (OrgKind::LocalPartner, Region::LatinAmerica) => {
            &["Fundación", "Asociación", "Red", "Colectivo", "Movimiento", "Centro de Promoción"]
        }
        (OrgKind::LocalPartner, _) => &["Foundation", "Society", "Network", "Alliance", "Forum", "Trust"],
        (OrgKind::ServiceProvider, Region::LatinAmerica) => {
            &["Casa Refugio", "Centro de Atención", "Clínica", "Defensoría Legal", "Hogar"]
        }
        (OrgKind::ServiceProvider, _) => {
            &["Shelter", "Drop-in Centre", "Legal Aid Clinic", "Counselling Centre", "Children's Home"]
        }
        (OrgKind::GovernmentBody, Region::LatinAmerica) => {
            &["Defensoría de la Niñez", "Fiscalía Especializada", "Servicio de Protección", "Juzgado de la Niñez"]
        }
        (OrgKind::GovernmentBody, _) => {
            &["Child Welfare Committee", "Social Welfare Office", "Anti-Trafficking Unit", "Juvenile Police Unit"]
        }
        (OrgKind::AllianceMember | OrgKind::Donor, _) => &["Alliance member"],
    }
}

/// Middle words of an organisation's name, by region.
pub fn org_words(region: Region) -> &'static [&'static str] {
    match region {
        Region::LatinAmerica => &["Esperanza", "Amanecer", "Nueva Vida", "Luz", "Semilla", "Arcoíris", "Raíces"],
        Region::SouthAsia => &["Asha", "Prerna", "Sahyog", "Disha", "Ujala", "Nirmal", "Sankalp"],
        Region::SoutheastAsia => &["Harapan", "Pag-asa", "Sinag", "Kasih", "Bayanihan", "Saeng", "Bintang"],
        Region::Africa | Region::Netherlands => &["Tumaini", "Upendo", "Amani", "Imani", "Baraka", "Ubuntu", "Neema"],
    }
}

/// People's first names (ASCII, as they also make e-mail addresses), by region.
pub fn first_names(region: Region) -> &'static [&'static str] {
    match region {
        Region::LatinAmerica => {
            &["Ana", "Carmen", "Rosa", "Lucia", "Maria", "Sofia", "Jose", "Luis", "Carlos", "Jorge", "Diego", "Pedro"]
        }
        Region::SouthAsia => &[
            "Priya", "Anjali", "Sunita", "Kavita", "Meena", "Asha", "Rahul", "Amit", "Sanjay", "Ravi", "Arjun", "Imran",
        ],
        Region::SoutheastAsia => {
            &["Siti", "Dewi", "Maricel", "Joy", "Nok", "Lan", "Budi", "Agus", "Jomar", "Somchai", "Minh", "Sok"]
        }
        Region::Africa => {
            &["Amina", "Grace", "Fatou", "Esther", "Wanjiru", "Aisha", "Joseph", "Kwame", "Moses", "Tendai", "Ibrahim"]
        }
        Region::Netherlands => &["Anne", "Sanne", "Lotte", "Eva", "Femke", "Pieter", "Jan", "Daan", "Bram", "Thijs"],
    }
}

/// People's family names (ASCII), by region.
pub fn last_names(region: Region) -> &'static [&'static str] {
    match region {
        Region::LatinAmerica => {
            &["Quispe", "Mamani", "Garcia", "Rodriguez", "Lopez", "Flores", "Silva", "Vargas", "Rojas", "Castillo"]
        }
        Region::SouthAsia => &["Sharma", "Das", "Singh", "Patel", "Khan", "Roy", "Thapa", "Perera", "Rahman", "Gupta"],
        Region::SoutheastAsia => {
            &["Santos", "Reyes", "Wijaya", "Susanto", "Nguyen", "Tran", "Srisuk", "Chan", "Cruz", "Sari"]
        }
        Region::Africa => &["Okafor", "Mensah", "Otieno", "Mwangi", "Banda", "Diallo", "Nkosi", "Achieng", "Moyo"],
        Region::Netherlands => &["Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dtz_domain::org::CountryCode;

    #[test]
    fn every_country_is_a_known_code_and_none_repeats() {
        let mut all: Vec<&str> = PROGRAMME.iter().chain(OTHERS.iter()).copied().collect();
        for c in &all {
            assert!(CountryCode::parse("c", c).is_ok(), "{c}");
        }
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 50);
    }

    #[test]
    fn people_names_are_ascii_so_they_make_e_mail_addresses() {
        for r in [Region::LatinAmerica, Region::SouthAsia, Region::SoutheastAsia, Region::Africa, Region::Netherlands] {
            for n in first_names(r).iter().chain(last_names(r)) {
                assert!(n.is_ascii() && !n.contains(' '), "{n}");
            }
        }
    }
}
