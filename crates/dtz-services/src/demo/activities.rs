//! Demo activities, 2016–2020, for every reporter: trainings of children with first-time
//! and repeat participants, awareness events, a community meeting and a media campaign
//! (estimated audience). All invented sample data. They are recorded before the demo's
//! values, so each report's computed indicators are materialised when it is submitted,
//! and 2016–2019 are approved with the figures of these activities.

use crate::{Caller, Result, Services};
use dtz_domain::activity::{ActivityId, ActivityInput, ReachInput};
use dtz_domain::ids::OrgId;

fn cell(group: &str, sex: &str, age: &str, first: i64, repeat: i64) -> ReachInput {
    ReachInput {
        group: group.into(),
        sex: sex.into(),
        age: age.into(),
        first_time: first.to_string(),
        repeat: repeat.to_string(),
    }
}

/// The activities of reporter `n` in `year`.
fn planned(n: usize, year: i32, country: &str) -> Vec<ActivityInput> {
    let k = (n as i64 + 1) * 3 + i64::from(year - 2015);
    let base = |t: &str, goal: &str, title: String, month: u8, reach: Vec<ReachInput>| ActivityInput {
        goal: goal.into(),
        country: country.into(),
        activity_type: t.into(),
        title,
        start: format!("{year}-{month:02}-{:02}", 3 + (n % 20)),
        end: String::new(),
        area: "Sample district (sample data)".into(),
        description: "Sample activity (sample data).".into(),
        links: Vec::new(),
        basis: "counted".into(),
        reach,
    };
    let mut media = base(
        "media_campaign",
        "G2",
        format!("Radio campaign {year} (sample data)"),
        9,
        vec![cell("general_public", "unknown", "unknown", 20_000 + 1_000 * k, 0)],
    );
    media.basis = "estimated".into();
    vec![
        base(
            "training_children",
            "G1",
            format!("Life-skills training {year} (sample data)"),
            3,
            vec![
                cell("children", "female", "12_17", 12 + 2 * k, 3 + k % 5),
                cell("children", "male", "12_17", 8 + k, 2 + k % 3),
                cell("children", "female", "under_12", 5 + k % 7, 0),
            ],
        ),
        base(
            "peer_education",
            "G1",
            format!("Peer educators' sessions {year} (sample data)"),
            6,
            vec![cell("children", "female", "12_17", 6 + k % 9, 4), cell("young_people", "male", "18_plus", 4, 1)],
        ),
        base(
            "awareness_event",
            "G2",
            format!("School awareness day {year} (sample data)"),
            5,
            vec![
                cell("children", "female", "12_17", 40 + 3 * k, 10),
                cell("children", "male", "12_17", 35 + 2 * k, 8),
                cell("parents", "female", "18_plus", 20 + k, 5),
                cell("teachers", "unknown", "18_plus", 6, 2),
            ],
        ),
        base(
            "community_meeting",
            "G2",
            format!("Community meeting {year} (sample data)"),
            10,
            vec![
                cell("parents", "female", "18_plus", 15 + k % 11, 9),
                cell("parents", "male", "18_plus", 10 + k % 6, 4),
            ],
        ),
        media,
    ]
}

/// Record the demo activities of the reporters: (organisation, country).
pub async fn load(s: &Services, reporters: &[(OrgId, &str)]) -> Result<()> {
    for year in 2016..=2020 {
        for (n, (org, country)) in reporters.iter().enumerate() {
            for input in planned(n, year, country) {
                s.create_activity(&Caller::System, "DTZ", ActivityId::new(), *org, &input).await?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_planned_activity_has_reach_and_a_date_in_its_year() {
        for n in 0..9 {
            for a in super::planned(n, 2016, "BO") {
                assert!(a.start.starts_with("2016-"), "{}", a.start);
                assert!(!a.reach.is_empty());
            }
        }
    }
}
