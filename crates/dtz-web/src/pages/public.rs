//! The public reporting pages (DESIGN §5, §6): `/report` and `/report/status`, for a
//! child or anyone else, without an account.
//!
//! What holds on every page here:
//! - no cookie is read or set; the form token is stateless (`Services::public_form_token`)
//!   and the language comes from `?lang=` (or a hidden field), else `Accept-Language`;
//! - the page opens with "In danger now?" and `tel:` links to the country's child
//!   helpline and police, and carries a neutral title ("Help") and a quick-exit link;
//! - nothing sensitive travels in a URL: reports and receipts are POSTed, answers are
//!   `no-store` (the security headers layer) and `Referrer-Policy: no-referrer`;
//! - nothing about the connection is kept: the source address is only ever used through
//!   the in-memory keyed hash of the rate limits, and nothing here logs it;
//! - every failure renders as a public page with the emergency numbers, never as the
//!   staff error page.
//!
//! The quick exit is a link to `/tables`, a harmless local page (times tables), so no
//! request goes to a third party. Without JavaScript it is a plain link (`rel=noreferrer`)
//! and the back button still leads back; with JavaScript, `/static/quick-exit.js`
//! replaces the current history entry instead.

mod report;
mod status;

use super::render;
use crate::i18n::{PUBLIC_LANGUAGES, Tr};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use dtz_services::signals::Intake;

/// A number to call, as shown and as dialled.
#[derive(Clone, Debug)]
pub struct Phone {
    /// As configured (`+591 156`).
    pub number: String,
    /// For `tel:` (digits and `+` only).
    pub tel: String,
}

impl Phone {
    fn of(number: Option<&str>) -> Option<Self> {
        let number = number?.trim();
        let tel: String = number.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
        (!tel.is_empty()).then(|| Phone { number: number.to_owned(), tel })
    }
}

/// A link to this page in another language.
#[derive(Clone, Debug)]
pub struct LangLink {
    /// Language code.
    pub code: &'static str,
    /// Its own name.
    pub name: &'static str,
    /// Where.
    pub href: String,
    /// The language being shown.
    pub current: bool,
}

/// What the public layout needs on every page.
#[derive(Clone, Debug)]
pub struct PublicPage {
    /// Translator.
    pub tr: Tr,
    /// The neutral title.
    pub title: String,
    /// Child helpline of the country, when known.
    pub helpline: Option<Phone>,
    /// Police of the country, when known.
    pub police: Option<Phone>,
    /// The same page in every public language.
    pub languages: Vec<LangLink>,
    /// Stateless form token.
    pub csrf: String,
    /// Country code (upper case) or empty.
    pub country: String,
    /// Sample-data banner.
    pub demo: bool,
}

impl PublicPage {
    /// The layout in `tr`'s language for a country (if known); `here` is this page's
    /// address without a language, for the language links.
    pub fn new(state: &AppState, tr: Tr, intake: Option<&Intake>, here: &str) -> Self {
        let sep = if here.contains('?') { '&' } else { '?' };
        let languages = PUBLIC_LANGUAGES
            .iter()
            .map(|(code, name)| LangLink {
                code,
                name,
                href: format!("{here}{sep}lang={code}"),
                current: *code == tr.code(),
            })
            .collect();
        Self {
            title: tr.t("public-title"),
            tr,
            helpline: intake.and_then(|i| Phone::of(i.country.helpline.as_deref())),
            police: intake.and_then(|i| Phone::of(i.country.police.as_deref())),
            languages,
            csrf: state.services.public_form_token(),
            country: intake.map(|i| i.country.country.clone()).unwrap_or_default(),
            demo: state.config.demo,
        }
    }
}

/// The language of a public page: the `lang` asked for, else `Accept-Language`.
pub fn language(lang: Option<&str>, headers: &HeaderMap) -> Tr {
    match lang.filter(|l| !l.is_empty()) {
        Some(l) => Tr::public(l),
        None => Tr::negotiate_public(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok())),
    }
}

/// A country's name in the reader's language (English when not translated).
pub fn country_name(tr: &Tr, code: &str) -> String {
    tr.try_t(&format!("public-country-{code}")).unwrap_or_else(|| {
        dtz_domain::org::CountryCode::parse("country", code).map(|c| c.name().to_owned()).unwrap_or_default()
    })
}

/// A page with a status code.
pub fn with_status(code: StatusCode, t: &impl Template) -> Response {
    let mut r = render(t);
    *r.status_mut() = code;
    r
}

#[derive(Template)]
#[template(path = "public/problem.html")]
struct ProblemPage {
    page: PublicPage,
    message: String,
}

/// A kind page for anything that went wrong, with the emergency numbers still on it.
pub fn problem(state: &AppState, tr: Tr, intake: Option<&Intake>, code: StatusCode, key: &str) -> Response {
    let page = PublicPage::new(state, tr, intake, "/report");
    let message = page.tr.t(key);
    with_status(code, &ProblemPage { page, message })
}

/// A form that could not be read: too large (413, say to write less) or malformed (400).
/// Nothing was stored.
pub fn unreadable(state: &AppState, headers: &HeaderMap, e: &crate::error::AppError) -> Response {
    let tr = language(None, headers);
    match e {
        crate::error::AppError::TooLarge => problem(state, tr, None, StatusCode::PAYLOAD_TOO_LARGE, "public-too-large"),
        _ => problem(state, tr, None, StatusCode::BAD_REQUEST, "public-unreadable"),
    }
}

/// Any other address under `/report/`: a public 404 with the emergency numbers.
async fn unknown_page(
    axum::extract::State(state): axum::extract::State<AppState>,
    headers: HeaderMap,
    crate::extract::Query(q): crate::extract::Query<LangQuery>,
) -> Response {
    problem(&state, language(q.lang.as_deref(), &headers), None, StatusCode::NOT_FOUND, "public-unknown-country")
}

#[derive(Template)]
#[template(path = "public/tables.html")]
struct TablesPage {
    title: String,
    lang: String,
    rows: Vec<Vec<u32>>,
}

/// The quick-exit target: a harmless page with a neutral title.
async fn tables(headers: HeaderMap, crate::extract::Query(q): crate::extract::Query<LangQuery>) -> Response {
    let tr = language(q.lang.as_deref(), &headers);
    let rows = (1..=10).map(|a| (1..=10).map(|b| a * b).collect()).collect();
    render(&TablesPage { title: tr.t("public-exit-title"), lang: tr.code().to_owned(), rows })
}

/// `?lang=` alone.
#[derive(serde::Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

const QUICK_EXIT_JS: &str = include_str!("../../static/quick-exit.js");

async fn quick_exit_script() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        QUICK_EXIT_JS,
    )
        .into_response()
}

/// Routes of the public pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/report", get(report::choose).post(report::create))
        .route("/report/{country}", get(report::show))
        .route("/report/status", get(status::show).post(status::check))
        .route("/report/status/add", post(status::add))
        .route("/report/{country}/{*rest}", get(unknown_page))
        .route("/tables", get(tables))
        .route("/static/quick-exit.js", get(quick_exit_script))
}

#[cfg(test)]
mod tests {
    use crate::i18n::{PUBLIC_LANGUAGES, Tr};
    use std::collections::BTreeSet;

    fn keys(lang: &str) -> (String, BTreeSet<String>) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales").join(lang).join("report.ftl");
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let keys = text
            .lines()
            .filter_map(|l| l.split_once(" ="))
            .map(|(k, _)| k.trim().to_owned())
            .filter(|k| !k.is_empty() && !k.starts_with('#'))
            .collect();
        (text, keys)
    }

    #[test]
    fn every_public_language_has_every_public_message_and_says_it_awaits_review() {
        let (_, en) = keys("en");
        assert!(en.len() > 80);
        // Generic problem messages live in messages.ftl for staff languages.
        let generic: BTreeSet<String> =
            ["msg-use-at-most-n-characters", "msg-remove-the-control-characters"].map(String::from).into();
        for (code, _) in PUBLIC_LANGUAGES.iter().filter(|(c, _)| *c != "en") {
            let (text, other) = keys(code);
            assert!(
                text.starts_with("# Machine-drafted; to be reviewed by a native speaker."),
                "{code}: mark the file for review"
            );
            let missing: Vec<_> = en.difference(&other).collect();
            let extra: Vec<_> = other.difference(&en).filter(|k| !generic.contains(*k)).collect();
            assert!(missing.is_empty() && extra.is_empty(), "{code}: missing {missing:?}, unknown {extra:?}");
            let tr = Tr::public(code);
            assert_eq!(tr.code(), *code);
            let args = [("org", "X".to_owned()), ("hours", "1".into()), ("days", "1".into()), ("country", "X".into())];
            let args = [&args[..], &[("count", "1".into()), ("char", "X".into()), ("n1", "1".into())]].concat();
            for k in en.iter().filter(|k| !k.starts_with("public-country-")) {
                let (mine, english) = (tr.targs(k, &args), Tr::public("en").targs(k, &args));
                assert!(!mine.starts_with("Unknown localization"), "{code}: {k}");
                assert_ne!(mine, english, "{code}: {k} is not translated");
            }
            for m in ["Use at most 4000 characters.", "Tell us what happened, in your own words."] {
                assert_ne!(tr.message(m), m, "{code}: {m}");
            }
        }
    }

    #[test]
    fn every_key_built_from_a_name_exists() {
        use dtz_domain::signal::{Channel, REPLY_TEMPLATES, SafeToCall, SignalStatus};
        let (_, en) = keys("en");
        let mut public: Vec<String> = REPLY_TEMPLATES.iter().map(|t| format!("signal-reply-{t}")).collect();
        public.extend(SignalStatus::ALL.iter().map(|s| format!("public-status-{}", s.public().as_str())));
        public.extend(
            [SafeToCall::Yes, SafeToCall::No, SafeToCall::NotSure].map(|s| format!("public-safe-{}", s.as_str())),
        );
        let missing: Vec<_> = public.iter().filter(|k| !en.contains(*k)).collect();
        assert!(missing.is_empty(), "{missing:?}");
        for lang in ["en", "es"] {
            let tr = Tr::new(lang);
            let staff = SignalStatus::ALL
                .iter()
                .map(|s| format!("signal-status-{}", s.as_str()))
                .chain(Channel::ALL.iter().map(|c| format!("signal-channel-{}", c.as_str())));
            for k in staff {
                assert!(tr.try_t(&k).is_some(), "{lang}: {k}");
            }
        }
    }

    #[test]
    fn public_languages_are_negotiated_and_staff_languages_stay() {
        assert_eq!(Tr::negotiate_public(Some("my-MM, en;q=0.5")).code(), "my");
        assert_eq!(Tr::negotiate_public(Some("in")).code(), "id");
        assert_eq!(Tr::negotiate_public(Some("pt-BR")).code(), "pt");
        assert_eq!(Tr::negotiate_public(Some("de, fr")).code(), "en");
        assert_eq!(Tr::negotiate(Some("th")).code(), "en", "staff pages keep their languages");
        assert_eq!(Tr::new("hi").code(), "en");
    }
}
