//! The registry of computations: one [`Def`] per computation, naming the records it
//! reads ([`Rule`]), the parameter it takes ([`Param`]) and whether its figures come from
//! case data (then they pass through disclosure control). An indicator names a
//! computation as `name` or `name:parameter` (`policies.reaching:adopted`).
//!
//! Adding a computation over records that already have a query (say, another activity
//! rule, or a stage of another record) is one entry in [`REGISTRY`] (and its label in the
//! `computed` locale files); a computation over new records adds a [`Query`] variant and
//! the services' query for it (`values::computed::tallies`).

use crate::activity::ReachGroup as G;
use crate::activity::{ReachBasis, ReachGroup};
use crate::work::company::EngagementStage;
use crate::work::policy::PolicyStage;
use std::cmp::Ordering;

/// What a computation's parameter chooses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    /// No parameter.
    None,
    /// A group of people reached by activities.
    ReachGroup,
    /// A stage of policy instruments.
    PolicyStage,
    /// An engagement stage of companies.
    EngagementStage,
    /// A court stage (a term code of the `court_stage` vocabulary).
    CourtStage,
    /// A type of service (a term code of the `service_type` vocabulary).
    ServiceType,
}

impl Param {
    /// The codes the parameter can take (court stages and service types: those
    /// configured, given).
    pub fn options(self, court_stages: &[String], service_types: &[String]) -> Vec<String> {
        match self {
            Param::None => Vec::new(),
            Param::ReachGroup => ReachGroup::ALL.iter().map(|g| g.as_str().to_owned()).collect(),
            Param::PolicyStage => PolicyStage::ALL.iter().map(|s| s.as_str().to_owned()).collect(),
            Param::EngagementStage => EngagementStage::ALL.iter().map(|s| s.as_str().to_owned()).collect(),
            Param::CourtStage => court_stages.to_vec(),
            Param::ServiceType => service_types.to_vec(),
        }
    }

    fn accepts(self, code: &str) -> bool {
        match self {
            Param::None => false,
            Param::ReachGroup => ReachGroup::parse("", code).is_ok(),
            Param::PolicyStage => PolicyStage::parse("", code).is_ok(),
            Param::EngagementStage => EngagementStage::parse("", code).is_ok(),
            // Court stages are configured per legal system: any term code.
            Param::CourtStage | Param::ServiceType => crate::vocab::term_code("", code).is_ok(),
        }
    }
}

/// Which groups an activity rule counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Groups {
    /// These groups.
    Of(&'static [ReachGroup]),
    /// The group given as the parameter.
    Param,
}

/// Which participants an activity rule counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Participants {
    /// First-time participants only (unique persons).
    FirstTime,
    /// Everyone (attendances).
    All,
    /// As the indicator says: first-time for persons, everyone for attendances.
    AsIndicator,
    /// Activities, not people.
    Activities,
}

/// A rule over activities and their reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActivityRule {
    /// Activity types counted (none: every type).
    pub types: &'static [&'static str],
    /// Groups counted.
    pub groups: Groups,
    /// Counted or estimated reach.
    pub basis: ReachBasis,
    /// Who is counted.
    pub participants: Participants,
}

/// A query over records other than activities; the services answer each with tallies
/// per organisation × country × period (× sex × age group where the records have them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Query {
    /// Policy instruments reaching the stage (parameter) in the period.
    PoliciesReaching,
    /// Companies reaching the engagement stage (parameter) in the period.
    CompaniesReaching,
    /// Companies whose current engagement stage at the end of the period is the parameter.
    CompaniesAtStage,
    /// Companies meeting at least four of The Code's six criteria in the year the period
    /// ends in.
    CompaniesMeetingCode,
    /// Prosecutions reaching the court stage (parameter) in the period.
    ProsecutionsReaching,
    /// Prosecutions opened in the period with legal aid or accompaniment.
    ProsecutionsSupported,
    /// Outcomes observed in the period.
    OutcomesHarvested,
    /// Substantiated outcomes observed in the period.
    OutcomesSubstantiated,
    /// Cases opened in the period, by the child's sex and age group at opening.
    CasesOpened,
    /// Children (distinct cases) in a provider's care through a referral at some time in
    /// the period, by sex and age group at the end of the period.
    ChildrenServed,
}

/// The records a computation reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Activities and their reach.
    Activities(ActivityRule),
    /// Tallies of a query of their own.
    Tally(Query),
}

/// A registered computation.
#[derive(Debug, PartialEq, Eq)]
pub struct Def {
    /// Name in the framework (`policies.reaching`).
    pub name: &'static str,
    /// The parameter it takes.
    pub param: Param,
    /// What it reads and counts.
    pub rule: Rule,
    /// Drawn from case or prosecution data: every figure passes through `Disclosed`.
    pub disclosed: bool,
}

const fn activities(
    name: &'static str,
    types: &'static [&'static str],
    groups: Groups,
    basis: ReachBasis,
    participants: Participants,
) -> Def {
    let param = if matches!(groups, Groups::Param) { Param::ReachGroup } else { Param::None };
    Def { name, param, rule: Rule::Activities(ActivityRule { types, groups, basis, participants }), disclosed: false }
}

const fn tally(name: &'static str, param: Param, query: Query, disclosed: bool) -> Def {
    Def { name, param, rule: Rule::Tally(query), disclosed }
}

use Participants as P;
use ReachBasis::{Counted, Estimated};

/// Every computation, in the order pages list them.
pub const REGISTRY: &[Def] = &[
    activities(
        "activities.unique_children_trained",
        &["training_children", "peer_education"],
        Groups::Of(&[G::Children]),
        Counted,
        P::FirstTime,
    ),
    activities(
        "activities.people_reached_awareness",
        &["awareness_event", "community_meeting"],
        Groups::Of(G::ALL),
        Counted,
        P::All,
    ),
    activities("activities.people_reached", &[], Groups::Param, Counted, P::AsIndicator),
    activities(
        "activities.professionals_trained",
        &["training_professionals"],
        Groups::Of(&[G::Teachers, G::Police, G::Judiciary]),
        Counted,
        P::FirstTime,
    ),
    activities(
        "activities.business_staff_trained",
        &["business_training"],
        Groups::Of(&[G::BusinessStaff]),
        Counted,
        P::FirstTime,
    ),
    activities("activities.media_audience", &["media_campaign"], Groups::Of(G::ALL), Estimated, P::All),
    activities("activities.lobby_meetings", &["lobby_meeting"], Groups::Of(&[]), Counted, P::Activities),
    tally("policies.reaching", Param::PolicyStage, Query::PoliciesReaching, false),
    tally("companies.reaching", Param::EngagementStage, Query::CompaniesReaching, false),
    tally("companies.at_stage", Param::EngagementStage, Query::CompaniesAtStage, false),
    tally("companies.meeting_code", Param::None, Query::CompaniesMeetingCode, false),
    tally("outcomes.harvested", Param::None, Query::OutcomesHarvested, false),
    tally("outcomes.substantiated", Param::None, Query::OutcomesSubstantiated, false),
    tally("prosecutions.reaching", Param::CourtStage, Query::ProsecutionsReaching, true),
    tally("prosecutions.supported", Param::None, Query::ProsecutionsSupported, true),
    tally("cases.opened", Param::None, Query::CasesOpened, true),
    tally("referrals.children_served", Param::None, Query::ChildrenServed, true),
    tally("referrals.children_served_by_type", Param::ServiceType, Query::ChildrenServed, true),
];

/// A computation an indicator names: a registered one with its parameter.
#[derive(Clone, Debug)]
pub struct Computation {
    def: &'static Def,
    param: Option<String>,
}

impl PartialEq for Computation {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Computation {}
impl PartialOrd for Computation {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Computation {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.def.name, &self.param).cmp(&(other.def.name, &other.param))
    }
}
impl std::hash::Hash for Computation {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.def.name, &self.param).hash(state);
    }
}

impl Computation {
    /// The computation an indicator's `computation` names, or why it names none.
    pub fn check(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (name, param) = match s.split_once(':') {
            Some((n, p)) => (n.trim(), Some(p.trim())),
            None => (s, None),
        };
        let Some(def) = REGISTRY.iter().find(|d| d.name == name) else {
            return Err(format!("There is no computation “{s}”."));
        };
        match (def.param, param) {
            (Param::None, None) => Ok(Self { def, param: None }),
            (Param::None, Some(_)) => Err(format!("The computation “{name}” takes no parameter.")),
            (p, Some(code)) if p.accepts(code) => Ok(Self { def, param: Some(code.to_owned()) }),
            (p, _) => Err(format!(
                "The computation “{name}” needs one of “{}” after a colon.",
                p.options(&["…".to_owned()], &["…".to_owned()]).join(", ")
            )),
        }
    }

    /// The computation of a name, if there is one.
    pub fn parse(s: &str) -> Option<Self> {
        Self::check(s).ok()
    }

    /// Every computation with every value of its parameter (court stages and service
    /// types: those given), for a picker.
    pub fn choices(court_stages: &[String], service_types: &[String]) -> Vec<Self> {
        REGISTRY
            .iter()
            .flat_map(|def| match def.param {
                Param::None => vec![Self { def, param: None }],
                p => p.options(court_stages, service_types).into_iter().map(|o| Self { def, param: Some(o) }).collect(),
            })
            .collect()
    }

    /// Its registry entry.
    pub fn def(&self) -> &'static Def {
        self.def
    }

    /// The registered name (without the parameter).
    pub fn base(&self) -> &'static str {
        self.def.name
    }

    /// The parameter, if it takes one.
    pub fn param(&self) -> Option<&str> {
        self.param.as_deref()
    }

    /// The name an indicator gives in `computation` (`policies.reaching:adopted`).
    pub fn name(&self) -> String {
        match &self.param {
            Some(p) => format!("{}:{p}", self.def.name),
            None => self.def.name.to_owned(),
        }
    }

    /// Whether its figures are drawn from case or prosecution data and pass disclosure
    /// control before they are stored.
    pub fn disclosed(&self) -> bool {
        self.def.disclosed
    }
}
