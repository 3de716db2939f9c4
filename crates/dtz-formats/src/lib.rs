//! File formats over domain types, with no database: the programme file (TOML), tables
//! as CSV and XLSX, and indicator values as CSV or XLSX (read) and as a pre-filled XLSX
//! (written); finance records as CSV; IATI 2.03 activities files (written and checked).

pub mod activities_file;
pub mod finance_csv;
pub mod iati;
pub mod programme;
pub mod sniff;
pub mod table;
pub mod values_csv;
pub mod values_file;
pub mod values_template;
pub mod values_xlsx;
