//! Every string people read comes from the Fluent files in `locales/`. English is the
//! source; adding a language is adding a folder (and a line in
//! `dtz_domain::account::STAFF_LANGUAGES`).

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{LazyLock, PoisonError, RwLock};

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
    lang: &'static Lang,
}

/// One language of the pages and its memo of messages without arguments.
///
/// Every page asks for dozens of such messages (navigation, headings, labels, filter
/// choices, the words of table rows), and each Fluent lookup negotiates the language
/// against every loaded one and formats the pattern again. A message without arguments
/// always formats to the same text, so each is formatted once per language and shared
/// by all pages and requests (issue 8). Only messages that exist are remembered, so the
/// memo is bounded by the Fluent files, whatever keys a request makes up.
struct Lang {
    code: &'static str,
    id: LanguageIdentifier,
    memo: RwLock<HashMap<Box<str>, Box<str>>>,
}

impl std::fmt::Debug for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lang").field("code", &self.code).finish_non_exhaustive()
    }
}

/// Every language a page can be shown in: the staff languages and the public ones.
static LANGS: LazyLock<Vec<Lang>> = LazyLock::new(|| {
    let mut codes: Vec<&'static str> = vec!["en"];
    for (c, _) in staff_languages().iter().chain(PUBLIC_LANGUAGES) {
        if !codes.contains(c) {
            codes.push(c);
        }
    }
    codes
        .into_iter()
        .map(|code| Lang {
            code,
            id: code.parse().unwrap_or_else(|_| fluent_templates::langid!("en")),
            memo: RwLock::new(HashMap::new()),
        })
        .collect()
});

/// The language `code` (one of [`LANGS`]), English for any other.
fn lang(code: &str) -> &'static Lang {
    let langs = &*LANGS;
    langs.iter().find(|l| l.code == code).unwrap_or(&langs[0])
}

/// Languages the staff pages offer (code, own name).
pub fn staff_languages() -> &'static [(&'static str, &'static str)] {
    dtz_domain::account::STAFF_LANGUAGES
}

/// Languages of the public pages (code, own name): the languages of children in the
/// programme countries, migrant children included. Only `locales/<code>/report.ftl`
/// (the public pages) is needed for them; staff pages keep [`staff_languages`].
pub const PUBLIC_LANGUAGES: &[(&str, &str)] = &[
    ("en", "English"),
    ("es", "Español"),
    ("pt", "Português"),
    ("th", "ไทย"),
    ("hi", "हिन्दी"),
    ("id", "Bahasa Indonesia"),
    ("fil", "Filipino"),
    ("my", "မြန်မာ"),
];

/// The first language of an `Accept-Language` header found in `offered` (primary tags
/// only; old and alternative codes of offered languages count too).
fn pick(accept: Option<&str>, offered: &[(&'static str, &'static str)]) -> Option<&'static str> {
    accept.unwrap_or("").split(',').find_map(|part| {
        let tag = part.split(';').next()?.trim().to_ascii_lowercase();
        let primary = match tag.split(['-', '_']).next()? {
            "tl" => "fil",
            "in" => "id",
            "bur" | "mya" => "my",
            p => p,
        };
        offered.iter().find(|(c, _)| *c == primary).map(|(c, _)| *c)
    })
}

impl Tr {
    /// A translator for `code`, falling back to English for unknown codes.
    pub fn new(code: &str) -> Self {
        let code = if staff_languages().iter().any(|(c, _)| *c == code) { code } else { "en" };
        Self { lang: lang(code) }
    }

    /// The best staff language for an `Accept-Language` header.
    pub fn negotiate(accept: Option<&str>) -> Self {
        Self::new(pick(accept, staff_languages()).unwrap_or("en"))
    }

    /// A translator for a public page in `code`, falling back to English for codes the
    /// public pages do not offer.
    pub fn public(code: &str) -> Self {
        let code = code.trim().to_ascii_lowercase();
        let code = PUBLIC_LANGUAGES.iter().find(|(c, _)| *c == code).map_or("en", |(c, _)| *c);
        Self { lang: lang(code) }
    }

    /// The best public language for an `Accept-Language` header.
    pub fn negotiate_public(accept: Option<&str>) -> Self {
        Self::public(pick(accept, PUBLIC_LANGUAGES).unwrap_or("en"))
    }

    /// What Fluent's lookup answers (`None` for its "unknown key" text), without its
    /// negotiation on every call: each language of [`LANGS`] is a bundle of its own (a
    /// folder of `locales/`), so the negotiation always answers the language itself,
    /// and then English. The unit test
    /// `remembered_messages_are_the_ones_fluent_formats_in_every_language` compares the two.
    fn format(&self, key: &str, args: Option<&HashMap<Cow<'static, str>, FluentValue>>) -> Option<String> {
        LOCALES.lookup_single_language(&self.lang.id, key, args).ok().or_else(|| {
            let en = lang("en");
            if std::ptr::eq(self.lang, en) { None } else { LOCALES.lookup_single_language(&en.id, key, args).ok() }
        })
    }

    /// The message `key`, or `None` when no file of this language or English has it.
    pub fn try_t(&self, key: &str) -> Option<String> {
        let memo = &self.lang.memo;
        if let Some(text) = memo.read().unwrap_or_else(PoisonError::into_inner).get(key) {
            return Some(text.to_string());
        }
        let text = self.format(key, None)?;
        memo.write().unwrap_or_else(PoisonError::into_inner).insert(key.into(), text.as_str().into());
        Some(text)
    }

    /// The language code (for `<html lang>`).
    pub fn code(&self) -> &str {
        self.lang.code
    }

    /// The message `key` (remembered per language: see [`Lang`]).
    pub fn t(&self, key: &str) -> String {
        // A key no file has is not remembered: Fluent's own text says it is unknown.
        self.try_t(key).unwrap_or_else(|| LOCALES.lookup(&self.lang.id, key))
    }

    /// The message `key` with one argument.
    pub fn t1(&self, key: &str, name: &'static str, value: impl ToString) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        args.insert(Cow::Borrowed(name), FluentValue::from(value.to_string()));
        self.format(key, Some(&args)).unwrap_or_else(|| LOCALES.lookup_with_args(&self.lang.id, key, &args))
    }

    /// A problem message from the domain or the services, in this language. Messages are
    /// written in English (the source language); each is found in the Fluent files by a
    /// key made from its words (`msg-` and the words, numbers replaced by `n`), with its
    /// numbers as `$n1`, `$n2`, …. A message without a translation shows in English.
    pub fn message(&self, english: &str) -> String {
        if self.lang.code == "en" || english.is_empty() {
            return english.to_owned();
        }
        let (key, found) = message_key(english);
        let args: HashMap<Cow<'static, str>, FluentValue> =
            found.into_iter().map(|(name, value)| (Cow::Owned(name), FluentValue::from(value))).collect();
        self.format(&key, Some(&args)).unwrap_or_else(|| english.to_owned())
    }

    /// The message `key` with several arguments.
    pub fn targs(&self, key: &str, args: &[(&'static str, String)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue> =
            args.iter().map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone()))).collect();
        self.format(key, Some(&map)).unwrap_or_else(|| LOCALES.lookup_with_args(&self.lang.id, key, &map))
    }

    /// A date in this language (`28 Nov 2026`, `28 nov 2026`).
    pub fn date(&self, d: time::Date) -> String {
        let month = self.t(&format!("month-{}", u8::from(d.month())));
        self.targs("fmt-date", &[("day", d.day().to_string()), ("month", month), ("year", d.year().to_string())])
    }

    /// A timestamp for people: the date in this language and the time to the minute, UTC.
    pub fn datetime(&self, t: time::OffsetDateTime) -> String {
        let t = t.to_offset(time::UtcOffset::UTC);
        format!("{} {:02}:{:02} UTC", self.date(t.date()), t.hour(), t.minute())
    }

    /// A whole number with this language's digit grouping (`21,000`, `21.000`).
    pub fn number(&self, n: i64) -> String {
        let sep = self.t("fmt-group-separator");
        let digits = n.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(&sep);
            }
            out.push(c);
        }
        if n < 0 { format!("-{out}") } else { out }
    }
}

/// The Fluent key of an English problem message, and its arguments: numbers become `n`
/// in the key and `$n1`, `$n2`, … in the message; “quoted” codes and names become `q` and
/// `$q1`, `$q2`, ….
pub fn message_key(english: &str) -> (String, Vec<(String, String)>) {
    let mut args = Vec::new();
    let (mut n, mut q) = (0, 0);
    let mut words = String::new();
    let mut digits = String::new();
    let mut quoted: Option<String> = None;
    for c in english.chars().chain(std::iter::once(' ')) {
        if let Some(inner) = quoted.as_mut() {
            if c == '”' {
                q += 1;
                args.push((format!("q{q}"), std::mem::take(inner)));
                quoted = None;
                words.push_str("-q-");
            } else {
                inner.push(c);
            }
            continue;
        }
        if c == '“' {
            quoted = Some(String::new());
            continue;
        }
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if !digits.is_empty() {
            n += 1;
            args.push((format!("n{n}"), std::mem::take(&mut digits)));
            words.push('n');
        }
        words.push(if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' });
    }
    let slug: Vec<&str> = words.split('-').filter(|w| !w.is_empty()).collect();
    let mut key = format!("msg-{}", slug.join("-"));
    key.truncate(80);
    (key.trim_end_matches('-').to_owned(), args)
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
    fn every_message_built_from_a_name_exists_in_every_language() {
        use dtz_domain::access::Role;
        use dtz_domain::org::OrgKind;
        use dtz_domain::results::*;
        let mut keys: Vec<String> = Vec::new();
        keys.extend(Role::ALL.iter().map(|r| format!("role-{}", r.as_str())));
        keys.extend(OrgKind::ALL.iter().map(|k| format!("org-kind-{}", k.as_str())));
        keys.extend(dtz_domain::vocab::VOCABULARIES.iter().map(|(v, _)| format!("vocab-{v}")));
        for st in ["draft", "submitted", "country_approved", "approved", "returned"] {
            keys.push(format!("status-{st}"));
        }
        for a in [
            ReportAction::Submit,
            ReportAction::ApproveCountry,
            ReportAction::ApproveAlliance,
            ReportAction::Return,
            ReportAction::Reopen,
        ] {
            keys.push(format!("action-{}", a.as_str()));
        }
        keys.extend([Level::Goal, Level::Outcome, Level::Output].iter().map(|l| format!("level-{}", l.as_str())));
        keys.extend(
            [Measure::Count, Measure::Percentage, Measure::YesNo, Measure::Ordinal, Measure::Text]
                .iter()
                .map(|m| format!("measure-{}", m.as_str())),
        );
        keys.extend(
            [Aggregation::Sum, Aggregation::RatioOfSums, Aggregation::Latest, Aggregation::None]
                .iter()
                .map(|a| format!("aggregation-{}", a.as_str())),
        );
        keys.extend(
            ["counts-persons", "counts-attendances", "source-manual", "source-computed", "answer-yes", "answer-no"]
                .map(String::from),
        );
        keys.extend((1..=12).map(|m| format!("month-{m}")));
        for code in [400, 403, 404, 409, 413, 422, 429, 500, 503] {
            keys.push(format!("error-{code}"));
        }
        for (lang, _) in super::staff_languages() {
            let tr = super::Tr::new(lang);
            let missing: Vec<&String> = keys.iter().filter(|k| tr.t(k).starts_with("Unknown localization")).collect();
            assert!(missing.is_empty(), "{lang}: {missing:?}");
        }
    }

    #[test]
    fn remembered_messages_are_the_ones_fluent_formats_in_every_language() {
        use fluent_templates::Loader;
        use fluent_templates::fluent_bundle::FluentValue;
        use std::borrow::Cow;
        use std::collections::HashMap;
        let one = |n: i32| HashMap::from([(Cow::Borrowed("count"), FluentValue::from(n.to_string()))]);
        let langs = super::staff_languages().iter().chain(super::PUBLIC_LANGUAGES);
        let mut checked = 0;
        for (code, _) in langs {
            let tr = if super::staff_languages().iter().any(|(c, _)| c == code) {
                super::Tr::new(code)
            } else {
                super::Tr::public(code)
            };
            assert_eq!(tr.code(), *code);
            let id: fluent_templates::LanguageIdentifier = code.parse().unwrap();
            let mut all: Vec<String> = keys("en").union(&keys(code)).cloned().collect();
            all.extend(["no-such-message".to_owned(), "month-13".to_owned(), "cases-count".to_owned()]);
            // Twice: the first asks Fluent and remembers, the second reads the memo.
            for round in 0..2 {
                for key in &all {
                    let uncached = super::LOCALES.try_lookup(&id, key);
                    assert_eq!(tr.try_t(key), uncached, "{code} {key} round {round}");
                    assert_eq!(tr.t(key), super::LOCALES.lookup(&id, key), "{code} {key} round {round}");
                    let args = [("count", "1234".to_owned()), ("name", "Ana".to_owned()), ("n1", "7".to_owned())];
                    let map = args.iter().map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone()))).collect();
                    assert_eq!(tr.targs(key, &args), super::LOCALES.lookup_with_args(&id, key, &map), "{code} {key}");
                    assert_eq!(
                        tr.t1(key, "count", 3),
                        super::LOCALES.lookup_with_args(&id, key, &one(3)),
                        "{code} {key}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 1000, "{checked}");
        // Keys no file has are not remembered.
        let (en, unknown) = (super::Tr::new("en"), "no-such-message");
        assert!(en.t(unknown).starts_with("Unknown localization key"));
        assert!(!super::lang("en").memo.read().unwrap().contains_key(unknown));
        assert_eq!(super::Tr::new("xx").code(), "en");
        assert_eq!(super::Tr::public("th").code(), "th");
        assert_eq!(super::Tr::new("th").code(), "en");
    }

    #[test]
    fn problem_messages_read_in_the_readers_language() {
        let es = super::Tr::new("es");
        assert_eq!(es.message("Use at most 120 characters."), "Use como máximo 120 caracteres.");
        assert_eq!(es.message("Enter a whole number of 0 or more."), "Escriba un número entero de 0 o más.");
        assert_eq!(
            es.message("150 is far from the target of 400: explain in a comment why."),
            "150 está lejos de la meta de 400: explique por qué en un comentario."
        );
        assert_eq!(es.message("Something nobody translated: G1.O1.1"), "Something nobody translated: G1.O1.1");
        assert_eq!(
            es.message("There is no indicator “NOPE” in this programme."),
            "No hay indicador “NOPE” en este programa."
        );
        assert_eq!(
            es.message("“G1.O1.1”: the breakdown adds up to “sex” 6, not the total 10. Put what you cannot split under unknown."),
            "“G1.O1.1”: el desglose suma “sex” 6, no el total 10. Ponga lo que no pueda desglosar en desconocido."
        );
        let en = super::Tr::new("en");
        assert_eq!(en.message("Use at most 120 characters."), "Use at most 120 characters.");
        assert_eq!(super::message_key("Use at most 120 characters.").0, "msg-use-at-most-n-characters");
    }

    #[test]
    fn every_problem_message_people_can_meet_on_a_page_has_a_spanish_text() {
        // Messages of the programme file and of internal checks are read on the command
        // line or by programmers, in English.
        const COMMAND_LINE: &[&str] = &[
            "A computed indicator names its computation.",
            "Outputs have no children.",
            "Use letters, digits, dots, hyphens and underscores (1–40), such as G1.O2.3.",
            "A link must be a path within dtz.",
            "Parameters are ids, counts or codes only.",
            "Too many parameters.",
            "Unknown notification kind.",
            "Use submit, approve_country, approve_alliance, return or reopen.",
            "Use year, half_year or quarter.",
            "An ordinal indicator needs scale_max.",
            "Only ordinal indicators have a scale.",
        ];
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut missing = Vec::new();
        let es = super::Tr::new("es");
        let mut stack = vec![root.join("dtz-domain/src"), root.join("dtz-services/src"), root.join("dtz-web/src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                for part in code.split("Invalid::new(").skip(1) {
                    let Some(lit) = part.split_once(", \"").and_then(|(_, rest)| rest.split_once('"')).map(|(m, _)| m)
                    else {
                        continue;
                    };
                    if lit.len() > 12 && lit.ends_with('.') && !COMMAND_LINE.contains(&lit) && es.message(lit) == lit {
                        missing.push(format!("{}: {lit}", p.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "add these to locales/*/messages.ftl: {missing:#?}");
    }

    #[test]
    fn numbers_and_dates_follow_the_language() {
        let (en, es) = (super::Tr::new("en"), super::Tr::new("es"));
        assert_eq!(en.number(21000), "21,000");
        assert_eq!(es.number(21000), "21.000");
        assert_eq!(en.number(-1234567), "-1,234,567");
        assert_eq!(en.number(999), "999");
        let d = time::macros::date!(2016 - 01 - 05);
        assert_eq!(en.date(d), "5 Jan 2016");
        assert_eq!(es.date(d), "5 ene 2016");
    }

    #[test]
    fn no_message_is_defined_twice_across_the_files_of_a_language() {
        // Fluent refuses a bundle with a repeated id only when it is first used, which
        // would turn the first page shown into a 500; catch it here instead.
        let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        for lang in std::fs::read_dir(&base).expect("locales").flatten() {
            let mut seen = std::collections::BTreeMap::<String, String>::new();
            for file in std::fs::read_dir(lang.path()).expect("language folder").flatten() {
                let name = file.file_name().to_string_lossy().into_owned();
                let text = std::fs::read_to_string(file.path()).expect("ftl");
                for line in text.lines() {
                    let Some((id, _)) = line.split_once(" =") else { continue };
                    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                        continue;
                    }
                    if let Some(first) = seen.insert(id.to_owned(), name.clone()) {
                        panic!("{:?}: {id} is in {first} and {name}", lang.file_name());
                    }
                }
            }
        }
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
