//! IATI 2.03 activities files: the model ([`model`]), the writer (pure: model → XML
//! bytes, streamed through quick-xml), the flat form (one CSV row per indicator × period
//! × dimension), and the rule checks ([`check`]) with the codelists ([`codelists`]).
//! The official schemas, codelists and ruleset travel with the crate in `iati/` (see its
//! README for origin and licence).

pub mod check;
pub mod codelists;
mod flat;
pub mod framework;
pub mod model;
pub mod read;
pub mod tree;
mod write;

pub use check::{Problem, Severity};
pub use flat::flat_table;
pub use write::{Stream, write};

/// The folder of the 2.03 schemas in this repository (`iati-activities-schema.xsd` and
/// what it includes), for validating files with xmllint in tests and by hand.
pub fn schema_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("iati").join("schemas-2.03")
}

/// Read an activities file and check it; the reason when it is not well-formed XML.
pub fn check_bytes(xml: &[u8], today: time::Date) -> Result<Vec<Problem>, String> {
    let root = tree::parse(xml)?;
    Ok(check::check(&root, today))
}

/// The codelist checks of a programme's IATI settings and currency, which the domain's
/// own check (shapes, sums, identifiers) leaves to the codelists here; each problem
/// names its place in the programme file.
pub fn check_codes(p: &dtz_domain::results::Programme) -> Vec<dtz_domain::validate::Invalid> {
    use codelists::{List, has};
    use dtz_domain::validate::Invalid;
    let mut out = Vec::new();
    let not_in = |v: &str, l: List| format!("“{v}” is not a code of the {} codelist.", l.name());
    if !has(List::Currency, &p.currency) {
        out.push(Invalid::new("programme.currency", not_in(&p.currency, List::Currency)));
    }
    if p.iati.language.len() == 2 && !has(List::Language, &p.iati.language) {
        out.push(Invalid::new("iati.language", not_in(&p.iati.language, List::Language)));
    }
    for (i, s) in p.iati.sectors.iter().enumerate() {
        if s.code.len() == 5 && !has(List::Sector, &s.code) {
            out.push(Invalid::new(format!("iati.sectors[{i}].code"), not_in(&s.code, List::Sector)));
        }
    }
    for (i, d) in p.iati.documents.iter().enumerate() {
        if d.category.len() == 3 && !has(List::DocumentCategory, &d.category) {
            out.push(Invalid::new(
                format!("iati.documents[{i}].category"),
                not_in(&d.category, List::DocumentCategory),
            ));
        }
    }
    out
}
