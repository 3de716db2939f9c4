//! The minimal child profile of a case: plaintext fields that statistics and referrals
//! filter on (sex, year of birth, languages) and sealed fields that name or locate the
//! child (name, contact, address, guardian, situation).

use super::Sex;
use crate::validate::{self, Invalid, Violations};
use serde::{Deserialize, Serialize};

/// Oldest age accepted (young adults stay in care past 18 in some programmes).
pub const AGE_MAX: i32 = 25;
/// At most this many languages.
pub const LANGUAGES_MAX: usize = 6;

/// The plaintext part of the profile.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ChildProfile {
    /// Sex.
    pub sex: Option<Sex>,
    /// Year of birth.
    pub birth_year: Option<i32>,
    /// The year was worked out from an age someone gave.
    pub birth_year_estimated: bool,
    /// Languages the child speaks, as names people use ("Spanish", "Aymara").
    pub languages: Vec<String>,
}

/// The sealed part of the profile: what names or locates a child.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Secrets {
    /// What the child is called.
    pub name: Option<String>,
    /// How to reach the child.
    pub contact: Option<String>,
    /// Where the child lives or stays.
    pub address: Option<String>,
    /// Parent or guardian: who and how to reach them.
    pub guardian: Option<String>,
    /// The situation, in the caseworker's words.
    pub situation: Option<String>,
}

impl Secrets {
    /// The names of the fields that hold something (for the audit: names, never values).
    pub fn filled(&self) -> Vec<&'static str> {
        [
            ("name", &self.name),
            ("contact", &self.contact),
            ("address", &self.address),
            ("guardian", &self.guardian),
            ("situation", &self.situation),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_some())
        .map(|(n, _)| n)
        .collect()
    }
}

/// The profile form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ProfileInput {
    /// Sex code.
    #[serde(default)]
    pub sex: String,
    /// Age in years (or give the year of birth).
    #[serde(default)]
    pub age: String,
    /// Year of birth.
    #[serde(default)]
    pub birth_year: String,
    /// Languages, separated by commas.
    #[serde(default)]
    pub languages: String,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Contact.
    #[serde(default)]
    pub contact: String,
    /// Address.
    #[serde(default)]
    pub address: String,
    /// Guardian.
    #[serde(default)]
    pub guardian: String,
    /// Situation.
    #[serde(default)]
    pub situation: String,
}

fn languages(field: &str, s: &str) -> Result<Vec<String>, Invalid> {
    let items: Vec<String> = s
        .split([',', ';'])
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    let ok = items.len() <= LANGUAGES_MAX
        && items.iter().all(|l| {
            l.chars().count() <= 30 && l.chars().all(|c| c.is_alphabetic() || c == ' ' || c == '-' || c == '\'')
        });
    if ok { Ok(items) } else { Err(Invalid::new(field, "List up to 6 languages by name, separated by commas.")) }
}

impl ProfileInput {
    /// The form of a stored profile (the age is shown as the year it gave).
    pub fn of(p: &ChildProfile, s: &Secrets) -> Self {
        let text = |o: &Option<String>| o.clone().unwrap_or_default();
        Self {
            sex: p.sex.map(|x| x.as_str().to_owned()).unwrap_or_default(),
            age: String::new(),
            birth_year: p.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            languages: p.languages.join(", "),
            name: text(&s.name),
            contact: text(&s.contact),
            address: text(&s.address),
            guardian: text(&s.guardian),
            situation: text(&s.situation),
        }
    }

    /// Check the form; `this_year` turns an age into an estimated year of birth, and
    /// `estimated` is what was stored, kept when the year is sent back unchanged.
    pub fn parse(&self, this_year: i32, stored: Option<&ChildProfile>) -> Result<(ChildProfile, Secrets), Violations> {
        let mut v = Violations::default();
        let sex = v.check(Sex::parse_optional("sex", &self.sex));
        let age = v.check(crate::country::bounded("age", &self.age, 0, i64::from(AGE_MAX)));
        let year = v.check(crate::country::bounded("birth_year", &self.birth_year, 1990, i64::from(this_year)));
        let languages = v.check(languages("languages", &self.languages));
        let long = |v: &mut Violations, f: &str, s: &str, max| v.check(validate::optional_text(f, s, max));
        let secrets = Secrets {
            name: long(&mut v, "name", &self.name, 200).flatten(),
            contact: long(&mut v, "contact", &self.contact, 400).flatten(),
            address: long(&mut v, "address", &self.address, 400).flatten(),
            guardian: long(&mut v, "guardian", &self.guardian, 400).flatten(),
            situation: long(&mut v, "situation", &self.situation, super::NOTE_MAX).flatten(),
        };
        let (Some(sex), Some(age), Some(year), Some(languages)) = (sex, age, year, languages) else {
            return Err(v);
        };
        let (birth_year, estimated) = match (age, year) {
            (Some(_), Some(_)) => {
                v.push(Invalid::new("age", "Give the age or the year of birth, not both."));
                (None, false)
            }
            (Some(a), None) => (Some(this_year - i32::try_from(a).unwrap_or(0)), true),
            (None, Some(y)) => {
                let y = i32::try_from(y).unwrap_or(this_year);
                let kept = stored.is_some_and(|p| p.birth_year == Some(y) && p.birth_year_estimated);
                (Some(y), kept)
            }
            (None, None) => (None, false),
        };
        v.clone().into_result()?;
        Ok((ChildProfile { sex, birth_year, birth_year_estimated: estimated, languages }, secrets))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_age_becomes_an_estimated_year_of_birth() {
        let i = ProfileInput {
            age: "14".into(),
            sex: "female".into(),
            languages: "Spanish, Aymara".into(),
            ..Default::default()
        };
        let (p, s) = i.parse(2026, None).unwrap_or_default();
        assert_eq!((p.birth_year, p.birth_year_estimated), (Some(2012), true));
        assert_eq!(p.languages, ["Spanish", "Aymara"]);
        assert_eq!(s, Secrets::default());
        let back = ProfileInput::of(&p, &s);
        let (again, _) = back.parse(2026, Some(&p)).unwrap_or_default();
        assert_eq!(again, p, "sending the form back keeps the estimate");
    }

    #[test]
    fn problems_are_listed_together() {
        let i = ProfileInput {
            age: "14".into(),
            birth_year: "2011".into(),
            languages: "Spanish, 123".into(),
            ..Default::default()
        };
        let fields: Vec<String> =
            i.parse(2026, None).err().unwrap_or_default().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["languages"]);
        let both = ProfileInput { age: "14".into(), birth_year: "2011".into(), ..Default::default() };
        let fields: Vec<String> =
            both.parse(2026, None).err().unwrap_or_default().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["age"]);
        let s = Secrets { name: Some("x".into()), situation: Some("y".into()), ..Default::default() };
        assert_eq!(s.filled(), ["name", "situation"]);
    }
}
