//! Companies and industry associations (goal 4): an engagement stage from contacted to
//! reporting, and per year the six criteria of The Code (the Code of Conduct for the
//! Protection of Children from Sexual Exploitation in Travel and Tourism), each with its
//! evidence: a policy, staff trained (how many), a contract clause, information for
//! travellers, engagement of stakeholders, an annual report.

use super::{LONG_TEXT, TITLE, choices, optional, required};
use crate::validate::{Invalid, Violations};
use uuid::Uuid;

choices!(
    /// Company or industry association.
    CompanyKind, "Choose company or industry association.", {
        /// A company.
        Company => "company",
        /// An industry association.
        Association => "association",
    }
);

choices!(
    /// The sectors of goal 4.
    Sector, "Choose a sector from the list.", {
        /// Travel and tourism.
        Tourism => "tourism",
        /// Information and communication technology.
        Ict => "ict",
        /// Transport.
        Transport => "transport",
        /// Mining.
        Mining => "mining",
        /// Any other.
        Other => "other",
    }
);

choices!(
    /// Size by staff (for associations: by members).
    Size, "Choose a size from the list.", {
        /// Fewer than 50.
        Small => "small",
        /// 50 to 249.
        Medium => "medium",
        /// 250 or more.
        Large => "large",
        /// Not known.
        Unknown => "unknown",
    }
);

choices!(
    /// How far a company's engagement went, in order.
    EngagementStage, "Choose a stage from the list.", {
        /// First contact made.
        Contacted => "contacted",
        /// Committed to act.
        Committed => "committed",
        /// Signed a code of conduct.
        SignedCode => "signed_code",
        /// Implementing it.
        Implementing => "implementing",
        /// Reporting on it.
        Reporting => "reporting",
    }
);

impl EngagementStage {
    /// The stage codes in order, for [`super::stage::check_order`].
    pub fn order() -> Vec<&'static str> {
        Self::ALL.iter().map(|s| s.as_str()).collect()
    }
}

choices!(
    /// The six criteria of The Code.
    Criterion, "Choose one of the six criteria.", {
        /// A policy and procedures against sexual exploitation of children.
        Policy => "policy",
        /// Staff trained.
        Training => "training",
        /// A clause in contracts with suppliers.
        Clause => "clause",
        /// Information for travellers.
        Travellers => "travellers",
        /// Engagement of local stakeholders.
        Stakeholders => "stakeholders",
        /// An annual report.
        Report => "report",
    }
);

impl Criterion {
    /// The part id evidence files of this criterion are linked with (`file_links.subject_id`
    /// of a company year): a fixed, readable UUID per criterion.
    pub fn subject_id(self) -> Uuid {
        Uuid::from_u128(0xc0de_0000 + self.index() as u128 + 1)
    }

    /// The criterion of a part id, if it is one.
    pub fn of_subject(id: Uuid) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.subject_id() == id)
    }
}

/// Criteria a company must meet in a year to count as meeting The Code's standard in
/// the programme's indicator ("at least four of the six").
pub const MEETS_CODE: usize = 4;

/// A company as typed.
#[derive(Clone, Debug, Default)]
pub struct CompanyInput {
    /// Name.
    pub name: String,
    /// Kind code.
    pub kind: String,
    /// Sector code.
    pub sector: String,
    /// Size code.
    pub size: String,
}

/// The fields of a company, checked.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CompanyFields {
    /// Name.
    pub name: String,
    /// Company or association.
    pub kind: CompanyKind,
    /// Sector.
    pub sector: Sector,
    /// Size.
    pub size: Size,
}

impl CompanyFields {
    /// Check every field; all problems at once.
    pub fn parse(i: &CompanyInput) -> Result<Self, Violations> {
        let mut v = Violations::default();
        let name = v.check(required("name", &i.name, TITLE));
        let kind = v.check(CompanyKind::parse("kind", &i.kind));
        let sector = v.check(Sector::parse("sector", &i.sector));
        let size = v.check(Size::parse("size", &i.size));
        match (name, kind, sector, size) {
            (Some(name), Some(kind), Some(sector), Some(size)) => Ok(Self { name, kind, sector, size }),
            _ => Err(v),
        }
    }
}

/// A year of The Code's criteria as typed.
#[derive(Clone, Debug, Default)]
pub struct YearInput {
    /// Which criteria were met (by code).
    pub met: Vec<String>,
    /// How many staff were trained (empty: not known).
    pub staff_trained: String,
    /// Evidence note per criterion code.
    pub evidence: Vec<(String, String)>,
}

/// A year of The Code's criteria, checked.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct YearFields {
    /// Policy in place.
    pub policy: bool,
    /// Staff trained.
    pub training: bool,
    /// How many staff were trained.
    pub staff_trained: Option<i64>,
    /// Contract clause.
    pub clause: bool,
    /// Information for travellers.
    pub travellers: bool,
    /// Stakeholders engaged.
    pub stakeholders: bool,
    /// Annual report published.
    pub report: bool,
    /// Evidence notes, in the order of [`Criterion::ALL`].
    pub evidence: [Option<String>; 6],
}

impl YearFields {
    /// Check a year: known criteria, a number of staff trained exactly when training is
    /// met, evidence notes of bounded length.
    pub fn parse(i: &YearInput) -> Result<Self, Violations> {
        let mut v = Violations::default();
        let mut met = [false; 6];
        for code in &i.met {
            if let Some(c) = v.check(Criterion::parse("met", code)) {
                met[c.index()] = true;
            }
        }
        let staff = v.check(crate::country::bounded("staff_trained", &i.staff_trained, 1, 10_000_000));
        let training = met[Criterion::Training.index()];
        match staff {
            Some(None) if training => {
                v.push(Invalid::new("staff_trained", "Say how many staff were trained."));
            }
            Some(Some(_)) if !training => {
                v.push(Invalid::new("staff_trained", "Tick staff trained, or leave the number empty."));
            }
            _ => {}
        }
        let mut evidence: [Option<String>; 6] = Default::default();
        for (code, note) in &i.evidence {
            if let Some(c) = v.check(Criterion::parse("evidence", code))
                && let Some(n) = v.check(optional(&format!("evidence_{}", c.as_str()), note, LONG_TEXT))
            {
                evidence[c.index()] = n;
            }
        }
        v.into_result()?;
        Ok(Self {
            policy: met[0],
            training,
            staff_trained: staff.flatten(),
            clause: met[2],
            travellers: met[3],
            stakeholders: met[4],
            report: met[5],
            evidence,
        })
    }

    /// Whether each criterion is met, in the order of [`Criterion::ALL`].
    pub fn met(&self) -> [bool; 6] {
        [self.policy, self.training, self.clause, self.travellers, self.stakeholders, self.report]
    }

    /// How many of the six are met.
    pub fn met_count(&self) -> usize {
        self.met().iter().filter(|m| **m).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_counts_its_criteria_and_asks_for_the_staff_trained() {
        let i = YearInput {
            met: vec!["policy".into(), "training".into(), "report".into(), "clause".into()],
            staff_trained: "120".into(),
            evidence: vec![("policy".into(), "Board decision of 3 March".into())],
        };
        let y = YearFields::parse(&i).unwrap();
        assert_eq!(y.met_count(), 4);
        assert!(y.met_count() >= MEETS_CODE);
        assert_eq!(y.staff_trained, Some(120));
        assert_eq!(y.evidence[0].as_deref(), Some("Board decision of 3 March"));
        let no_count = YearFields::parse(&YearInput { staff_trained: String::new(), ..i.clone() }).unwrap_err();
        assert_eq!(no_count.0[0].field, "staff_trained");
        let stray = YearFields::parse(&YearInput { met: vec![], ..i }).unwrap_err();
        assert_eq!(stray.0[0].field, "staff_trained");
        assert!(YearFields::parse(&YearInput { met: vec!["bribes".into()], ..YearInput::default() }).is_err());
    }

    #[test]
    fn criteria_have_distinct_part_ids() {
        for c in Criterion::ALL {
            assert_eq!(Criterion::of_subject(c.subject_id()), Some(*c));
        }
        assert_eq!(Criterion::of_subject(Uuid::nil()), None);
        assert_eq!(EngagementStage::order()[2], "signed_code");
    }
}
