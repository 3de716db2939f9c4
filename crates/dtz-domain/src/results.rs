//! Results: the programme, its results framework (goals → outcomes → outputs →
//! indicators), reporting periods, and the rollup rules that turn approved values into
//! the figures every page, export and API answer shows.

pub mod computed;
pub mod edit;
pub mod framework;
pub mod period;
pub mod report;
pub mod rollup;

pub use edit::{FrameworkEdit, Recorded};
pub use framework::*;
pub use period::{Period, PeriodKind};
pub use report::{Entry, ReportAction, ReportStatus};
