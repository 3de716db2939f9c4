//! Every string people read comes from the Fluent files in `locales/`. English is the
//! source; adding a language is adding a folder (and a line in
//! `dtz_domain::account::STAFF_LANGUAGES`).

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use std::borrow::Cow;
use std::collections::HashMap;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// Translator for one language.
#[derive(Clone, Debug)]
pub struct Tr {
    id: LanguageIdentifier,
    code: String,
}

/// Languages the staff pages offer (code, own name).
pub fn staff_languages() -> &'static [(&'static str, &'static str)] {
    dtz_domain::account::STAFF_LANGUAGES
}

impl Tr {
    /// A translator for `code`, falling back to English for unknown codes.
    pub fn new(code: &str) -> Self {
        let code = if staff_languages().iter().any(|(c, _)| *c == code) { code } else { "en" };
        let id = code.parse().unwrap_or_else(|_| fluent_templates::langid!("en"));
        Self { id, code: code.to_owned() }
    }

    /// The best staff language for an `Accept-Language` header.
    pub fn negotiate(accept: Option<&str>) -> Self {
        let pick = accept.unwrap_or("").split(',').find_map(|part| {
            let tag = part.split(';').next()?.trim().to_ascii_lowercase();
            let primary = tag.split('-').next()?.to_owned();
            staff_languages().iter().find(|(c, _)| *c == primary).map(|(c, _)| *c)
        });
        Self::new(pick.unwrap_or("en"))
    }

    /// The language code (for `<html lang>`).
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The message `key`.
    pub fn t(&self, key: &str) -> String {
        LOCALES.lookup(&self.id, key)
    }

    /// The message `key` with one argument.
    pub fn t1(&self, key: &str, name: &'static str, value: impl ToString) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        args.insert(Cow::Borrowed(name), FluentValue::from(value.to_string()));
        LOCALES.lookup_with_args(&self.id, key, &args)
    }

    /// A timestamp for people: date and time to the minute, UTC.
    pub fn datetime(&self, t: time::OffsetDateTime) -> String {
        let t = t.to_offset(time::UtcOffset::UTC);
        format!("{:04}-{:02}-{:02} {:02}:{:02} UTC", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    fn keys(lang: &str) -> BTreeSet<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales").join(lang);
        let mut out = BTreeSet::new();
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for line in text.lines() {
                if let Some((k, _)) = line.split_once(" =")
                    && !k.starts_with([' ', '#', '.'])
                    && !k.is_empty()
                {
                    out.insert(k.trim().to_owned());
                }
            }
        }
        out
    }

    #[test]
    fn every_staff_language_has_every_english_message() {
        let en = keys("en");
        assert!(en.len() > 50);
        for (code, _) in super::staff_languages() {
            let other = keys(code);
            let missing: Vec<_> = en.difference(&other).collect();
            let extra: Vec<_> = other.difference(&en).collect();
            assert!(missing.is_empty() && extra.is_empty(), "{code}: missing {missing:?}, unknown {extra:?}");
        }
    }

    #[test]
    fn every_message_a_template_or_handler_asks_for_exists() {
        let en = keys("en");
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut asked = BTreeSet::new();
        let mut stack = vec![root.join("templates"), root.join("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                for call in [".t(\"", ".t1(\"", "signed_in(&state, &user, \"", "anonymous(state, tr, \""] {
                    for part in text.split(call).skip(1) {
                        if let Some(k) = part.split('"').next()
                            && k.chars().all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit())
                            && !k.is_empty()
                        {
                            asked.insert(k.to_owned());
                        }
                    }
                }
            }
        }
        assert!(asked.len() > 30, "{asked:?}");
        let missing: Vec<_> = asked.difference(&en).collect();
        assert!(missing.is_empty(), "messages used but not defined: {missing:?}");
    }
}
