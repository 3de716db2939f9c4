//! A programme's IATI settings: what the `[iati]` table of the programme file says. Every
//! field has a default, so files written before IATI publishing existed still load.

use super::{check_activity_id, looks_like_org_id};
use crate::validate::Invalid;
use serde::{Deserialize, Serialize};

/// How a member's work in a programme is cut into IATI activities.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// One activity per country the member works in.
    #[default]
    PerCountry,
    /// One activity for every country, with a percentage per country.
    One,
}

/// A DAC 5-digit sector and its share of the activity, in whole percent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectorShare {
    /// DAC 5-digit purpose code, such as `15160` (human rights).
    pub code: String,
    /// Share in whole percent; the shares add up to 100.
    pub percentage: u32,
}

/// A document published with every activity of the programme.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentLink {
    /// Where it is (http or https).
    pub url: String,
    /// Title.
    pub title: String,
    /// IATI DocumentCategory code, such as `A02` (objectives) or `A08` (results).
    pub category: String,
    /// Media type, such as `application/pdf`.
    #[serde(default = "html")]
    pub format: String,
}

fn html() -> String {
    "text/html".into()
}

/// What one alliance member publishes differently from the programme's defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublisherSettings {
    /// The member (an organisation reference: IATI identifier or name).
    pub org: String,
    /// Its layout, when not the programme's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activities: Option<Layout>,
    /// The identifier of its activity (one activity) or the stem of its activities'
    /// identifiers (per country: the stem, a hyphen and the country code). Default: the
    /// member's IATI identifier, a hyphen and the programme code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
}

/// A programme's IATI settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IatiSettings {
    /// Default language of the narratives (ISO 639-1).
    pub language: String,
    /// Sectors; empty means 15160 (human rights) at 100 %.
    pub sectors: Vec<SectorShare>,
    /// How members' work is cut into activities, unless a member says otherwise.
    pub activities: Layout,
    /// The donor's own activity that funds the programme (named by incoming funds).
    pub donor_activity: Option<String>,
    /// Documents linked from every activity.
    pub documents: Vec<DocumentLink>,
    /// Per-member settings.
    pub publishers: Vec<PublisherSettings>,
}

/// The sector when none is configured: DAC 15160, human rights.
pub const DEFAULT_SECTOR: &str = "15160";

impl Default for IatiSettings {
    fn default() -> Self {
        Self {
            language: "en".into(),
            sectors: Vec::new(),
            activities: Layout::PerCountry,
            donor_activity: None,
            documents: Vec::new(),
            publishers: Vec::new(),
        }
    }
}

impl IatiSettings {
    /// Whether nothing differs from the defaults (the programme file leaves it out).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// The sectors to publish: the configured ones, or 15160 at 100 %.
    pub fn sectors_or_default(&self) -> Vec<SectorShare> {
        if self.sectors.is_empty() {
            vec![SectorShare { code: DEFAULT_SECTOR.into(), percentage: 100 }]
        } else {
            self.sectors.clone()
        }
    }

    /// The settings of one member, found by its reference (IATI identifier or name).
    pub fn publisher(&self, name: &str, iati_id: Option<&str>) -> Option<&PublisherSettings> {
        self.publishers.iter().find(|p| p.org == name || Some(p.org.as_str()) == iati_id)
    }

    /// Check the rules that need no codelist (shapes, sums, identifiers); each problem
    /// names its place in the programme file (`iati.sectors[1].percentage`). `programme`
    /// is the programme's activity identifier and `lead` its lead's reference.
    pub fn check(&self, programme: Option<&str>, lead: Option<&str>) -> Vec<Invalid> {
        let mut out = Vec::new();
        if !(self.language.len() == 2 && self.language.chars().all(|c| c.is_ascii_lowercase())) {
            out.push(Invalid::new("iati.language", "Use a two-letter language code such as en or es."));
        }
        for (i, s) in self.sectors.iter().enumerate() {
            if !(s.code.len() == 5 && s.code.chars().all(|c| c.is_ascii_digit())) {
                out.push(Invalid::new(
                    format!("iati.sectors[{i}].code"),
                    "Use a DAC 5-digit sector code such as 15160.",
                ));
            }
            if !(1..=100).contains(&s.percentage) {
                out.push(Invalid::new(format!("iati.sectors[{i}].percentage"), "Use a percentage from 1 to 100."));
            }
        }
        let sum: u32 = self.sectors.iter().map(|s| s.percentage).sum();
        if !self.sectors.is_empty() && sum != 100 {
            out.push(Invalid::new("iati.sectors", format!("The sector percentages add up to {sum}, not 100.")));
        }
        let mut codes: Vec<&str> = self.sectors.iter().map(|s| s.code.as_str()).collect();
        codes.sort_unstable();
        if codes.windows(2).any(|w| w[0] == w[1]) {
            out.push(Invalid::new("iati.sectors", "Name each sector once."));
        }
        if let Some(d) = &self.donor_activity
            && let Err(e) = check_activity_id("iati.donor_activity", d, None)
        {
            out.push(e);
        }
        for (i, d) in self.documents.iter().enumerate() {
            let at = format!("iati.documents[{i}]");
            if !(d.url.starts_with("https://") || d.url.starts_with("http://")) || d.url.contains(char::is_whitespace) {
                out.push(Invalid::new(format!("{at}.url"), "Use a web address that starts with https://."));
            }
            if d.title.trim().is_empty() {
                out.push(Invalid::new(format!("{at}.title"), "Give the document a title."));
            }
            let c = d.category.as_bytes();
            if !(c.len() == 3 && matches!(c[0], b'A' | b'B') && c[1..].iter().all(u8::is_ascii_digit)) {
                out.push(Invalid::new(format!("{at}.category"), "Use an IATI document category such as A02 or A08."));
            }
            if !d.format.contains('/') || d.format.contains(char::is_whitespace) {
                out.push(Invalid::new(format!("{at}.format"), "Use a media type such as application/pdf."));
            }
        }
        if let Some(id) = programme {
            let lead_id = lead.filter(|l| looks_like_org_id(l));
            if let Err(e) = check_activity_id("programme.iati_identifier", id, lead_id) {
                out.push(e);
            }
        }
        for (i, p) in self.publishers.iter().enumerate() {
            let at = format!("iati.publishers[{i}]");
            if p.org.trim().is_empty() {
                out.push(Invalid::new(format!("{at}.org"), "Name the member: its IATI identifier or name."));
            }
            if self.publishers[..i].iter().any(|q| q.org == p.org) {
                out.push(Invalid::new(format!("{at}.org"), "Give each member's settings once."));
            }
            if let Some(id) = &p.identifier {
                let org = Some(p.org.as_str()).filter(|o| looks_like_org_id(o));
                if let Err(e) = check_activity_id(&format!("{at}.identifier"), id, org) {
                    out.push(e);
                }
                if Some(id.as_str()) == programme {
                    out.push(Invalid::new(
                        format!("{at}.identifier"),
                        "This is the programme's own identifier; give the member's activities another one.",
                    ));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_and_every_problem_names_its_place() {
        assert!(IatiSettings::default().check(Some("NL-KVK-41149287-DTZ"), Some("NL-KVK-41149287")).is_empty());
        let s = IatiSettings {
            language: "english".into(),
            sectors: vec![
                SectorShare { code: "15160".into(), percentage: 60 },
                SectorShare { code: "1516".into(), percentage: 30 },
            ],
            documents: vec![DocumentLink {
                url: "ftp://x".into(),
                title: " ".into(),
                category: "Z9".into(),
                format: "pdf".into(),
            }],
            publishers: vec![PublisherSettings {
                org: "NL-KVK-56484038".into(),
                activities: Some(Layout::One),
                identifier: Some("NL-KVK-34308169-DTZ".into()),
            }],
            ..IatiSettings::default()
        };
        let fields: Vec<String> =
            s.check(Some("NL-KVK-1-DTZ"), Some("NL-KVK-41149287")).into_iter().map(|i| i.field).collect();
        for f in [
            "iati.language",
            "iati.sectors[1].code",
            "iati.sectors",
            "iati.documents[0].url",
            "iati.documents[0].title",
            "iati.documents[0].category",
            "iati.documents[0].format",
            "programme.iati_identifier",
            "iati.publishers[0].identifier",
        ] {
            assert!(fields.iter().any(|x| x == f), "{f}: {fields:?}");
        }
    }
}
