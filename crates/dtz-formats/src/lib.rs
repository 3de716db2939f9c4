//! File formats over domain types, with no database: the programme file (TOML) and
//! tables as CSV and XLSX now; IATI 2.03 XML as the results work lands.

pub mod programme;
pub mod sniff;
pub mod table;
pub mod values_csv;
