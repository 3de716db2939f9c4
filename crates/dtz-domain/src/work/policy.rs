//! The policy tracker: laws, policies, action plans, protocols, budget allocations and
//! referral mechanisms, at national, state or municipal level, followed from identified
//! to implemented. The kinds are a vocabulary (`instrument_kind`); the stages are fixed.

use super::{LONG_TEXT, TITLE, choices, optional, required};
use crate::validate::Violations;
use crate::vocab::term_code;

choices!(
    /// The stages of a policy instrument, in order.
    PolicyStage, "Choose a stage from the list.", {
        /// The need for it is identified.
        Identified => "identified",
        /// A text is drafted.
        Drafted => "drafted",
        /// Adopted by the competent body.
        Adopted => "adopted",
        /// A budget is allocated.
        Funded => "funded",
        /// Applied in practice.
        Implemented => "implemented",
    }
);

choices!(
    /// The level of government of an instrument.
    Level, "Choose national, state or province, or municipal.", {
        /// The whole country.
        National => "national",
        /// A state or province.
        State => "state",
        /// A municipality.
        Municipal => "municipal",
    }
);

impl PolicyStage {
    /// The stage codes in order, for [`super::stage::check_order`].
    pub fn order() -> Vec<&'static str> {
        Self::ALL.iter().map(|s| s.as_str()).collect()
    }
}

/// An instrument as typed.
#[derive(Clone, Debug, Default)]
pub struct InstrumentInput {
    /// Term code of `instrument_kind`.
    pub kind: String,
    /// Level code.
    pub level: String,
    /// The state, province or municipality (empty at national level).
    pub area: String,
    /// Title.
    pub title: String,
    /// What it is about.
    pub description: String,
}

/// The fields of a policy instrument, checked.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct InstrumentFields {
    /// Term code of `instrument_kind` (whether it is a term is checked against the data).
    pub kind: String,
    /// Level.
    pub level: Level,
    /// State, province or municipality.
    pub area: Option<String>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
}

impl InstrumentFields {
    /// Check every field; all problems at once. Below national level the area is needed.
    pub fn parse(i: &InstrumentInput) -> Result<Self, Violations> {
        let mut v = Violations::default();
        let kind = v.check(term_code("kind", &i.kind));
        let level = v.check(Level::parse("level", &i.level));
        let area = v.check(optional("area", &i.area, TITLE));
        let title = v.check(required("title", &i.title, TITLE));
        let description = v.check(optional("description", &i.description, LONG_TEXT));
        if level.is_some_and(|l| l != Level::National) && area.as_ref().is_some_and(Option::is_none) {
            v.push(crate::validate::Invalid::new("area", "Name the state, province or municipality."));
        }
        match (kind, level, area, title, description) {
            (Some(kind), Some(level), Some(area), Some(title), Some(description)) if v.0.is_empty() => {
                Ok(Self { kind, level, area, title, description })
            }
            _ => Err(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_national_level_an_area_is_named() {
        let i = InstrumentInput {
            kind: "local_action_plan".into(),
            level: "municipal".into(),
            title: "Plan municipal".into(),
            ..InstrumentInput::default()
        };
        let e = InstrumentFields::parse(&i).unwrap_err();
        assert_eq!(e.0[0].field, "area");
        let ok = InstrumentFields::parse(&InstrumentInput { area: "El Alto".into(), ..i }).unwrap();
        assert_eq!(ok.level, Level::Municipal);
        assert_eq!(PolicyStage::order(), ["identified", "drafted", "adopted", "funded", "implemented"]);
    }
}
