//! Demo work records for goals 2 to 4 in every country with reporters: harvested
//! outcomes linked to the framework, policy instruments moving through their stages,
//! prosecutions (in numbers small enough that the disclosed summary shows "<5" for some
//! stages), and companies with The Code's criteria year by year. All invented sample
//! data, labelled as such.

use crate::work::{OutcomeLinks, ProsecutionChanges, RecordKind};
use crate::{Caller, Result, Services};
use dtz_domain::ids::OrgId;
use dtz_domain::work::company::{CompanyInput, YearInput};
use dtz_domain::work::outcome::OutcomeInput;
use dtz_domain::work::policy::InstrumentInput;
use dtz_domain::work::prosecution::ProsecutionInput;
use dtz_domain::work::stage::StageInput;
use uuid::Uuid;

/// (kind, level, area, title, stages reached with dates).
/// (country, kind, level, title, [(stage, date)]).
type Instrument = (&'static str, &'static str, &'static str, &'static str, &'static [(&'static str, &'static str)]);
const INSTRUMENTS: &[Instrument] = &[
    (
        "national_action_plan",
        "national",
        "",
        "National action plan against sexual exploitation of children (sample)",
        &[("identified", "2016-03-01"), ("drafted", "2016-11-15"), ("adopted", "2017-06-20"), ("funded", "2018-01-10")],
    ),
    (
        "protocol",
        "municipal",
        "Capital municipality",
        "Municipal referral protocol for child victims (sample)",
        &[
            ("identified", "2017-02-01"),
            ("drafted", "2017-09-30"),
            ("adopted", "2018-04-12"),
            ("funded", "2018-10-01"),
            ("implemented", "2019-03-01"),
        ],
    ),
    (
        "law",
        "national",
        "",
        "Amendment on online sexual exploitation of children (sample)",
        &[("identified", "2018-05-01"), ("drafted", "2019-07-15")],
    ),
];

/// (title, social actor, change, significance, contribution, goal nodes, verification, date).
/// An outcome's fields, in the order of the tuples below.
type Outcome = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
);
const OUTCOMES: &[Outcome] = &[
    (
        "The municipal council adopted a referral protocol for child victims (sample)",
        "Municipal council",
        "The council adopted a protocol that says which office receives a report and refers the child within 24 hours.",
        "Children who report reach help sooner and are not questioned again and again.",
        "Lobby meetings, a draft text and training of council staff by the partner.",
        &["G3", "G3.O1"],
        "substantiated",
        "2018-04-12",
    ),
    (
        "Hotel association made The Code part of its membership rules (sample)",
        "National hotel association",
        "New members must sign The Code and train front-desk staff within a year.",
        "Most hotels of the capital now have a way to recognise and report exploitation.",
        "Meetings with the board and a training of trainers.",
        &["G4", "G4.O1"],
        "partly_substantiated",
        "2019-02-20",
    ),
    (
        "Community leaders run their own awareness sessions (sample)",
        "Neighbourhood committees",
        "Committees organise monthly sessions on the signs of exploitation without the partner's help.",
        "Awareness goes on after the programme ends.",
        "Training of committee leaders and materials in the local language.",
        &["G2", "G2.O1"],
        "unverified",
        "2019-09-05",
    ),
];

/// (name, kind, sector, size, stages, years as (year, met criteria, staff trained)).
type CompanySpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [(i64, &'static [&'static str], Option<i64>)],
);

const COMPANIES: &[CompanySpec] = &[
    (
        "Sample hotel chain",
        "company",
        "tourism",
        "large",
        &[
            ("contacted", "2016-05-01"),
            ("committed", "2016-09-01"),
            ("signed_code", "2017-03-15"),
            ("implementing", "2017-10-01"),
            ("reporting", "2019-01-31"),
        ],
        &[
            (2017, &["policy", "training"], Some(40)),
            (2018, &["policy", "training", "clause", "travellers"], Some(120)),
            (2019, &["policy", "training", "clause", "travellers", "stakeholders", "report"], Some(210)),
            (2020, &["policy", "training", "clause", "travellers", "report"], Some(95)),
        ],
    ),
    (
        "Sample bus company",
        "company",
        "transport",
        "medium",
        &[("contacted", "2018-02-01"), ("committed", "2018-08-01")],
        &[(2019, &["policy"], None), (2020, &["policy", "training", "travellers"], Some(30))],
    ),
    ("Sample mobile network operator", "company", "ict", "large", &[("contacted", "2019-06-01")], &[]),
];

/// (country, offence, stages reached, legal aid, accompaniment) — stage codes of the
/// country's court stages.
fn prosecutions(country: &str) -> Vec<(&'static str, &'static [&'static str], bool, bool)> {
    let generic: &[(&str, &[&str], bool, bool)] = &[
        ("sexual_exploitation", &["investigation"], true, true),
        ("sexual_exploitation", &["investigation", "charged"], true, false),
        ("trafficking", &["investigation", "charged", "trial"], true, true),
        ("csam", &["investigation"], false, true),
        ("sexual_exploitation", &["investigation", "charged", "trial", "verdict"], true, true),
        ("grooming", &["investigation"], true, false),
        ("trafficking", &["investigation", "charged"], true, true),
    ];
    let ph: &[(&str, &[&str], bool, bool)] = &[
        ("csam", &["complaint", "preliminary_investigation"], true, true),
        ("trafficking", &["complaint", "preliminary_investigation", "information_filed", "arraignment"], true, true),
        ("sexual_exploitation", &["complaint"], false, true),
    ];
    let n = match country {
        "BO" => 12,
        "IN" => 6,
        "PE" => 2,
        _ => 0,
    };
    if country == "PH" { ph.to_vec() } else { generic.iter().cycle().take(n).copied().collect() }
}

/// Court stages of the Philippines' legal system, configured for the country alone.
pub const PH_COURT_STAGES: &[(&str, &str, &str)] = &[
    ("complaint", "Complaint filed", "Denuncia presentada"),
    ("preliminary_investigation", "Preliminary investigation", "Investigación preliminar"),
    ("information_filed", "Information filed in court", "Acusación presentada ante el tribunal"),
    ("arraignment", "Arraignment", "Lectura de cargos"),
    ("trial", "Trial", "Juicio"),
    ("decision", "Decision", "Decisión"),
];

fn stage(date: &str) -> StageInput {
    StageInput { reached_on: date.into(), note: String::new() }
}

/// Load the work records for the reporters (organisation, country).
pub async fn load(s: &Services, reporters: &[(OrgId, &str)]) -> Result<()> {
    let sys = Caller::System;
    let nodes = s.result_nodes().await?;
    for (n, (org, country)) in reporters.iter().enumerate() {
        let mut instruments = Vec::new();
        for (i, (kind, level, area, title, stages)) in INSTRUMENTS.iter().enumerate().filter(|(i, _)| (i + n) % 2 == 0)
        {
            let input = InstrumentInput {
                kind: (*kind).into(),
                level: (*level).into(),
                area: (*area).into(),
                title: (*title).into(),
                description: "Sample data.".into(),
            };
            let id = s.create_instrument(&sys, Uuid::new_v4(), *org, country, &input).await?.row.id;
            for (code, date) in stages.iter().take(stages.len() - (i + n) % 2) {
                let mut st = stage(date);
                st.note = format!("Sample: official gazette no. {}", 100 + n);
                s.save_stage(&sys, RecordKind::Policy, id, code, 0, &st).await?;
            }
            instruments.push(id);
        }
        for (i, (title, actor, change, significance, contribution, goals, verification, date)) in
            OUTCOMES.iter().enumerate()
        {
            if (i + n) % 3 == 2 {
                continue;
            }
            let input = OutcomeInput {
                title: (*title).into(),
                observed_on: (*date).into(),
                change: (*change).into(),
                social_actor: (*actor).into(),
                significance: (*significance).into(),
                contribution: (*contribution).into(),
                sources: "Sample: minutes of the meeting; interview with the council's secretary.".into(),
                verification: (*verification).into(),
            };
            let node_ids = nodes
                .iter()
                .filter(|x| x.programme == "DTZ" && goals.contains(&x.code.as_str()))
                .map(|x| x.id)
                .collect();
            let links = OutcomeLinks {
                nodes: node_ids,
                instruments: if i == 0 { instruments.clone() } else { Vec::new() },
                activities: Vec::new(),
            };
            s.create_outcome(&sys, Uuid::new_v4(), *org, country, &input, &links).await?;
        }
        for (i, (name, kind, sector, size, stages, years)) in COMPANIES.iter().enumerate() {
            if (i + n) % 2 == 1 && i > 0 {
                continue;
            }
            let input = CompanyInput {
                name: format!("{name} {country} (sample)"),
                kind: (*kind).into(),
                sector: (*sector).into(),
                size: (*size).into(),
            };
            let id = s.create_company(&sys, Uuid::new_v4(), *org, country, &input).await?.row.id;
            for (code, date) in *stages {
                s.save_stage(&sys, RecordKind::Company, id, code, 0, &stage(date)).await?;
            }
            for (year, met, staff) in *years {
                let evidence =
                    met.iter().map(|c| ((*c).to_owned(), format!("Sample evidence for {c} in {year}."))).collect();
                let input = YearInput {
                    met: met.iter().map(|c| (*c).to_owned()).collect(),
                    staff_trained: staff.map(|x| x.to_string()).unwrap_or_default(),
                    evidence,
                };
                s.save_company_year(&sys, id, *year, 0, &input).await?;
            }
        }
    }
    load_prosecutions(s, reporters).await
}

async fn load_prosecutions(s: &Services, reporters: &[(OrgId, &str)]) -> Result<()> {
    let sys = Caller::System;
    let dates = ["2017-02-14", "2017-08-03", "2018-03-21", "2018-11-09", "2019-05-17", "2019-10-02", "2020-02-25"];
    let stage_dates = ["2017-03-01", "2017-09-01", "2018-06-01", "2019-02-01", "2019-12-01", "2020-06-01"];
    let mut done: Vec<&str> = Vec::new();
    for (org, country) in reporters.iter().rev() {
        if done.contains(country) {
            continue;
        }
        done.push(country);
        for (k, (offence, stages, legal_aid, accompaniment)) in prosecutions(country).into_iter().enumerate() {
            let opened = dates[k % dates.len()];
            let input = ProsecutionInput {
                reference: format!("{country}-{}-{:03}", &opened[..4], k + 1),
                offence: offence.into(),
                opened_on: opened.into(),
                legal_aid,
                accompaniment,
            };
            let case_ref = (*country == "BO").then(|| format!("BO-ELA-{}-{:04}", &opened[..4], 40 + k));
            let ch = ProsecutionChanges { input, case_ref };
            let id = s.create_prosecution(&sys, Uuid::new_v4(), *org, country, &ch).await?.row.id;
            let start = stage_dates.iter().position(|d| *d > opened).unwrap_or(stage_dates.len() - 1);
            for (j, code) in stages.iter().enumerate() {
                let date = stage_dates.get(start + j).copied().unwrap_or("2020-12-01");
                s.save_stage(&sys, RecordKind::Prosecution, id, code, 0, &stage(date)).await?;
            }
        }
    }
    Ok(())
}
