//! Domain of dtz: types, rules, access policy and disclosure control.
//!
//! No I/O and no async here: everything in this crate is a pure function of its inputs,
//! so the rules can be tested exhaustively and reused by the store, the services, the
//! web layer and, later, field nodes.

pub mod access;
pub mod account;
pub mod activity;
pub mod case;
pub mod change;
pub mod clock;
mod codes;
pub mod countries;
pub mod country;
pub mod directory;
pub mod disclosure;
pub mod files;
pub mod iati;
pub mod ids;
pub mod monitoring;
pub mod notify;
pub mod org;
pub mod receipt;
pub mod referral;
pub mod results;
pub mod signal;
pub mod sync;
pub mod sync_anchor;
pub mod sync_lease;
pub mod validate;
pub mod vocab;
pub mod work;

pub use change::{Change, FieldChange};
pub use clock::{Clock, ManualClock, SystemClock};
pub use ids::*;
pub use validate::{Invalid, Violations};
