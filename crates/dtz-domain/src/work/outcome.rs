//! Outcome harvesting: a change in the behaviour, relations, policies or practices of a
//! social actor that the alliance contributed to, with its significance, the alliance's
//! contribution, the sources and how far it was verified. An outcome links to goals and
//! outcomes of a results framework, to policy instruments and to activities.

use super::{LONG_TEXT, TITLE, choices, optional, past_date, required};
use crate::validate::Violations;
use time::Date;

choices!(
    /// How far an outcome was verified with independent sources ("substantiation").
    Verification, "Choose a verification status from the list.", {
        /// Not verified yet.
        Unverified => "unverified",
        /// Sources confirm the change and the contribution.
        Substantiated => "substantiated",
        /// Sources confirm part of it.
        PartlySubstantiated => "partly_substantiated",
        /// Sources do not confirm it.
        NotSubstantiated => "not_substantiated",
    }
);

/// An outcome as typed.
#[derive(Clone, Debug, Default)]
pub struct OutcomeInput {
    /// Short statement of the outcome.
    pub title: String,
    /// When the change was observed (`YYYY-MM-DD`).
    pub observed_on: String,
    /// What changed.
    pub change: String,
    /// Who changed: the social actor.
    pub social_actor: String,
    /// Why it matters.
    pub significance: String,
    /// How the alliance contributed.
    pub contribution: String,
    /// Who or what confirms it.
    pub sources: String,
    /// Verification status code.
    pub verification: String,
}

/// The fields of a harvested outcome, checked.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct OutcomeFields {
    /// Short statement.
    pub title: String,
    /// When the change was observed.
    pub observed_on: Date,
    /// What changed.
    pub change: String,
    /// The social actor.
    pub social_actor: String,
    /// Significance.
    pub significance: String,
    /// The alliance's contribution.
    pub contribution: String,
    /// Sources.
    pub sources: Option<String>,
    /// Verification status.
    pub verification: Verification,
}

impl OutcomeFields {
    /// Check every field; all problems at once.
    pub fn parse(i: &OutcomeInput, today: Date) -> Result<Self, Violations> {
        let mut v = Violations::default();
        let title = v.check(required("title", &i.title, TITLE));
        let observed_on = v.check(past_date("observed_on", &i.observed_on, today));
        let change = v.check(required("change", &i.change, LONG_TEXT));
        let social_actor = v.check(required("social_actor", &i.social_actor, TITLE));
        let significance = v.check(required("significance", &i.significance, LONG_TEXT));
        let contribution = v.check(required("contribution", &i.contribution, LONG_TEXT));
        let sources = v.check(optional("sources", &i.sources, LONG_TEXT));
        let verification = v.check(Verification::parse("verification", &i.verification));
        match (title, observed_on, change, social_actor, significance, contribution, sources, verification) {
            (
                Some(title),
                Some(observed_on),
                Some(change),
                Some(social_actor),
                Some(significance),
                Some(contribution),
                Some(sources),
                Some(verification),
            ) => {
                Ok(Self { title, observed_on, change, social_actor, significance, contribution, sources, verification })
            }
            _ => Err(v),
        }
    }
}

/// What an outcome is linked to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LinkKind {
    /// A goal or outcome of a results framework (`result_nodes`).
    Node,
    /// A policy instrument.
    Instrument,
    /// An activity.
    Activity,
}

impl LinkKind {
    /// Stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Node => "node",
            LinkKind::Instrument => "instrument",
            LinkKind::Activity => "activity",
        }
    }

    /// The kind a stored code names.
    pub fn from_code(s: &str) -> Option<Self> {
        [LinkKind::Node, LinkKind::Instrument, LinkKind::Activity].into_iter().find(|k| k.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn input() -> OutcomeInput {
        OutcomeInput {
            title: "Municipality adopts a referral protocol".into(),
            observed_on: "2019-04-02".into(),
            change: "The council of El Alto adopted a protocol.".into(),
            social_actor: "Municipal council of El Alto".into(),
            significance: "Children reach help sooner.".into(),
            contribution: "Lobby meetings and a draft text.".into(),
            sources: String::new(),
            verification: "unverified".into(),
        }
    }

    #[test]
    fn an_outcome_needs_its_statements_and_lists_every_problem() {
        let f = OutcomeFields::parse(&input(), date!(2020 - 01 - 01)).unwrap();
        assert_eq!(f.verification, Verification::Unverified);
        assert_eq!(f.sources, None);
        let bad = OutcomeInput { title: String::new(), change: " ".into(), verification: "true".into(), ..input() };
        let errs = OutcomeFields::parse(&bad, date!(2020 - 01 - 01)).unwrap_err();
        let fields: Vec<&str> = errs.0.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(fields, ["title", "change", "verification"]);
    }

    #[test]
    fn link_kinds_round_trip() {
        for k in [LinkKind::Node, LinkKind::Instrument, LinkKind::Activity] {
            assert_eq!(LinkKind::from_code(k.as_str()), Some(k));
        }
        assert_eq!(Verification::parse("v", "partly_substantiated").unwrap().index(), 2);
    }
}
