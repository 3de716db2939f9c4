//! What an IATI 2.03 activities file says, as plain values: the writer turns it into
//! XML, the flat form into CSV rows. Codes are IATI codelist codes as text.

use time::Date;

/// An `iati-activities` file.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Activities {
    /// When the file was made (RFC 3339).
    pub generated: String,
    /// Its activities.
    pub activities: Vec<Activity>,
}

/// An organisation as IATI names it; a withheld one has neither reference nor name.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OrgRef {
    /// IATI organisation identifier.
    pub reference: Option<String>,
    /// OrganisationType code.
    pub org_type: Option<String>,
    /// Name.
    pub name: Option<String>,
}

/// A `participating-org`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Participant {
    /// OrganisationRole code (1 funding, 2 accountable, 3 extending, 4 implementing).
    pub role: String,
    /// Who.
    pub org: OrgRef,
    /// Its own activity for this work, when known.
    pub activity_id: Option<String>,
}

/// A `budget`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Budget {
    /// BudgetType code (1 original).
    pub kind: String,
    /// BudgetStatus code (1 indicative, 2 committed).
    pub status: String,
    /// First day.
    pub start: Date,
    /// Last day.
    pub end: Date,
    /// Amount in the default currency.
    pub value: i64,
    /// Value date.
    pub value_date: Date,
}

/// The provider or receiver of a transaction.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TxOrg {
    /// Who.
    pub org: OrgRef,
    /// Their activity the money comes from or goes to.
    pub activity_id: Option<String>,
}

/// A `transaction`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Transaction {
    /// TransactionType code (1 incoming funds, 3 disbursement, 4 expenditure, …).
    pub kind: String,
    /// Date.
    pub date: Date,
    /// Amount in the default currency.
    pub value: i64,
    /// Value date.
    pub value_date: Date,
    /// Description.
    pub description: Option<String>,
    /// Where the money came from.
    pub provider: Option<TxOrg>,
    /// Where it went.
    pub receiver: Option<TxOrg>,
}

/// A `document-link`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Document {
    /// Address.
    pub url: String,
    /// Media type.
    pub format: String,
    /// Title.
    pub title: String,
    /// DocumentCategory code.
    pub category: String,
    /// Language.
    pub language: String,
}

/// A target or an actual: the total (no dimension) or one disaggregation.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Figure {
    /// The value (absent for qualitative figures and suppressed counts).
    pub value: Option<String>,
    /// (name, value) of the disaggregation, such as (`sex`, `female`).
    pub dimensions: Vec<(String, String)>,
    /// Comment.
    pub comment: Option<String>,
}

/// An indicator `period`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ResultPeriod {
    /// First day.
    pub start: Date,
    /// Last day.
    pub end: Date,
    /// Targets: the total first, then one per disaggregation.
    pub targets: Vec<Figure>,
    /// Actuals: the total first, then one per disaggregation.
    pub actuals: Vec<Figure>,
}

/// An indicator `reference`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reference {
    /// IndicatorVocabulary code (99: the reporting organisation's own; 9: SDG).
    pub vocabulary: String,
    /// Code.
    pub code: String,
}

/// An indicator `baseline`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Baseline {
    /// Year.
    pub year: i32,
    /// Value.
    pub value: Option<String>,
    /// Comment.
    pub comment: Option<String>,
}

/// An `indicator`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IndicatorEl {
    /// IndicatorMeasure code (1 unit, 2 percentage, 3 nominal, 4 ordinal, 5 qualitative).
    pub measure: String,
    /// Higher is better.
    pub ascending: bool,
    /// Whether its values may be added up across activities.
    pub aggregation: bool,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// References.
    pub references: Vec<Reference>,
    /// Baseline.
    pub baseline: Option<Baseline>,
    /// Periods.
    pub periods: Vec<ResultPeriod>,
}

/// A `result`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ResultEl {
    /// ResultType code (1 output, 2 outcome).
    pub kind: String,
    /// Whether its values may be added up across activities.
    pub aggregation: bool,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Indicators.
    pub indicators: Vec<IndicatorEl>,
}

/// An `iati-activity`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Activity {
    /// `iati-identifier`.
    pub identifier: String,
    /// Last change (RFC 3339).
    pub last_updated: String,
    /// Default language.
    pub language: String,
    /// Default currency.
    pub currency: String,
    /// Hierarchy (1: the programme; 2: a member's activity).
    pub hierarchy: u8,
    /// `reporting-org`.
    pub reporting_org: OrgRef,
    /// Title.
    pub title: String,
    /// (DescriptionType code, text).
    pub descriptions: Vec<(String, String)>,
    /// `participating-org`s.
    pub participants: Vec<Participant>,
    /// ActivityStatus code.
    pub status: String,
    /// (ActivityDateType code, date).
    pub dates: Vec<(String, Date)>,
    /// (country code, percentage).
    pub countries: Vec<(String, Option<u32>)>,
    /// (DAC 5-digit sector, percentage).
    pub sectors: Vec<(String, u32)>,
    /// Budgets.
    pub budgets: Vec<Budget>,
    /// Transactions.
    pub transactions: Vec<Transaction>,
    /// Documents.
    pub documents: Vec<Document>,
    /// (RelatedActivityType code, identifier).
    pub related: Vec<(String, String)>,
    /// Results.
    pub results: Vec<ResultEl>,
}
