//! IATI 2.03 activities files: the model ([`model`]), the writer (pure: model → XML
//! bytes, streamed through quick-xml), the flat form (one CSV row per indicator × period
//! × dimension), and the rule checks ([`check`]) with the codelists ([`codelists`]).
//! The official schemas, codelists and ruleset travel with the crate in `iati/` (see its
//! README for origin and licence).

pub mod check;
pub mod codelists;
mod flat;
pub mod model;
pub mod tree;
mod write;

pub use check::{Problem, Severity};
pub use flat::flat_table;
pub use write::write;

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
