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

    /// Whether `key` exists in this language itself (not by fallback).
    pub fn has(&self, key: &str) -> bool {
        LOCALES.try_lookup(&self.id, key).is_some()
    }

    /// A timestamp for people: date and time to the minute, UTC.
    pub fn datetime(&self, t: time::OffsetDateTime) -> String {
        let t = t.to_offset(time::UtcOffset::UTC);
        format!("{:04}-{:02}-{:02} {:02}:{:02} UTC", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
    }
}
