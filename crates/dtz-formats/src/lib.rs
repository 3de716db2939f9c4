//! File formats over domain types, with no database: the programme file (TOML) now;
//! IATI 2.03 XML, CSV and XLSX as the results work lands.

pub mod programme;
