//! Notification e-mails over SMTP (lettre, rustls). The message is plain text in the
//! recipient's language, from the same Fluent files as the pages: a generic sentence
//! for the kind and a link to the page in dtz, where access rules apply — never any
//! case content, which the mailer is not even given.

use crate::i18n::Tr;
use dtz_services::Services;
use dtz_services::notify::mail::{MailError, Mailer, OutgoingMail};
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;
use url::Url;

/// A mail setting that cannot work, and why.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MailSetupError(String);

fn bad(message: impl Into<String>) -> MailSetupError {
    MailSetupError(message.into())
}

/// Sends notification e-mails through one SMTP server.
#[derive(Clone, Debug)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    base_url: String,
    host: String,
}

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// How the SMTP URL asks for TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Security {
    /// `smtps://`: TLS from the first byte (port 465).
    Implicit,
    /// `smtp://`: STARTTLS, required (port 587).
    StartTls,
    /// `smtp://…?tls=none`: plain text, for a relay on this machine (port 25).
    Plain,
}

fn security(url: &Url) -> Result<Security, MailSetupError> {
    let tls = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
    match (url.scheme(), tls.as_deref()) {
        ("smtps", None) => Ok(Security::Implicit),
        ("smtp", None | Some("required" | "starttls")) => Ok(Security::StartTls),
        ("smtp", Some("none")) => Ok(Security::Plain),
        (scheme, tls) => Err(bad(format!(
            "SMTP URL: use smtp:// (STARTTLS), smtps:// (TLS) or smtp://…?tls=none (a local relay); got {scheme}:// with tls={}",
            tls.unwrap_or("(none)")
        ))),
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn credentials(url: &Url) -> Result<Option<Credentials>, MailSetupError> {
    if url.username().is_empty() {
        return Ok(None);
    }
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| bad("SMTP URL: the user name or password is not readable"))
    };
    Ok(Some(Credentials::new(decode(url.username())?, decode(url.password().unwrap_or(""))?)))
}

fn transport(smtp_url: &str, hello: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailSetupError> {
    let url = Url::parse(smtp_url).map_err(|e| bad(format!("SMTP URL: {e}")))?;
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| bad("SMTP URL: name the server"))?;
    let security = security(&url)?;
    let creds = credentials(&url)?;
    if security == Security::Plain && creds.is_some() && !is_loopback(host) {
        return Err(bad(
            "SMTP URL: tls=none would send the password in clear text; use it only for a relay on this machine",
        ));
    }
    let tls = |wrap: fn(TlsParameters) -> Tls| {
        TlsParameters::new(host.into()).map(wrap).map_err(|e| bad(format!("SMTP TLS: {e}")))
    };
    let (tls, port) = match security {
        Security::Implicit => (tls(Tls::Wrapper)?, 465),
        Security::StartTls => (tls(Tls::Required)?, 587),
        Security::Plain => (Tls::None, 25),
    };
    let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(url.port().unwrap_or(port))
        .tls(tls)
        .timeout(Some(SMTP_TIMEOUT))
        .hello_name(ClientId::Domain(hello.to_owned()));
    if let Some(c) = creds {
        b = b.credentials(c);
    }
    Ok(b.build())
}

impl SmtpMailer {
    /// A mailer for `smtp_url` (see the README), sending from `from` (e.g.
    /// `dtz <dtz@example.org>`), with links under `public_url` (how people reach dtz).
    /// Nothing is sent yet, so a wrong password shows at the first e-mail, in the log.
    pub fn new(smtp_url: &str, from: &str, public_url: &str) -> Result<Self, MailSetupError> {
        let from: Mailbox = from.parse().map_err(|e| bad(format!("sender address {from:?}: {e}")))?;
        let public = Url::parse(public_url).map_err(|e| bad(format!("public URL: {e}")))?;
        if !matches!(public.scheme(), "http" | "https") || public.host_str().is_none() {
            return Err(bad("public URL: give http(s)://host[:port] as people reach dtz"));
        }
        let host = public.host_str().unwrap_or("localhost").to_owned();
        let transport = transport(smtp_url, &host)?;
        Ok(Self { transport, from, base_url: public.as_str().trim_end_matches('/').to_owned(), host })
    }

    /// The e-mail for a notification, as it will be sent.
    pub fn message(&self, m: &OutgoingMail) -> Result<Message, MailError> {
        let (subject, text) = mail_text(&Tr::new(&m.language), m, &self.base_url);
        let to: Mailbox =
            m.to.parse().map_err(|e| MailError { permanent: true, message: format!("recipient: {e}") })?;
        let body = Body::new_with_encoding(text, ContentTransferEncoding::QuotedPrintable)
            .map_err(|_| MailError { permanent: true, message: "the text cannot be encoded".into() })?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<notification-{}@{}>", m.id, self.host)))
            .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(body))
            .map_err(|e| MailError { permanent: true, message: format!("message: {e}") })
    }
}

/// Subject and plain text of a notification e-mail in `tr`'s language.
pub fn mail_text(tr: &Tr, m: &OutgoingMail, base_url: &str) -> (String, String) {
    let kind = m.kind.as_str();
    let subject = tr.t1("notify-mail-subject", "what", tr.t(&format!("notify-kind-{kind}")));
    let text = [
        tr.t("notify-mail-greeting"),
        String::new(),
        tr.t(&format!("notify-text-{kind}")),
        String::new(),
        tr.t("notify-mail-open"),
        format!("{base_url}{}", m.link),
        String::new(),
        tr.t("notify-mail-no-details"),
        tr.t1("notify-mail-why", "url", format!("{base_url}/account/notifications")),
    ]
    .join("\n");
    (subject, text)
}

impl Mailer for SmtpMailer {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        let message = self.message(mail)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) => Err(MailError { permanent: e.is_permanent(), message: e.to_string() }),
        }
    }
}

/// Send due notification e-mails every `every`, for as long as the server runs.
pub async fn run_sender(services: Services, mailer: SmtpMailer, every: Duration) {
    tracing::info!(every_seconds = every.as_secs(), "notification e-mails are on");
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match services.send_pending_mail(&mailer).await {
            Ok(run) if run.sent + run.retrying + run.failed > 0 => {
                tracing::info!(sent = run.sent, retrying = run.retrying, failed = run.failed, "notification e-mails");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not send notification e-mails"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_choose_tls_and_refuse_clear_text_passwords() {
        let ok = ["smtp://u:p@mail.example.org:587", "smtps://u:p@mail.example.org", "smtp://localhost:2525?tls=none"];
        for u in ok {
            assert!(SmtpMailer::new(u, "dtz <dtz@example.org>", "https://dtz.example.org").is_ok(), "{u}");
        }
        let bad = [
            "smtp://u:p@mail.example.org?tls=none",
            "http://mail.example.org",
            "smtp://mail.example.org?tls=maybe",
            "smtps://mail.example.org?tls=none",
            "not a url",
        ];
        for u in bad {
            assert!(SmtpMailer::new(u, "dtz@example.org", "https://dtz.example.org").is_err(), "{u}");
        }
        assert!(SmtpMailer::new(ok[0], "not an address", "https://dtz.example.org").is_err());
        assert!(SmtpMailer::new(ok[0], "dtz@example.org", "ftp://dtz.example.org").is_err());
    }

    #[test]
    fn every_kind_has_its_texts_and_mails_carry_only_them() {
        use dtz_domain::notify::{NotificationId, NotificationKind};
        for (lang, _) in crate::i18n::staff_languages() {
            let tr = Tr::new(lang);
            for kind in NotificationKind::ALL {
                let m = OutgoingMail {
                    id: NotificationId::new(),
                    to: "a@example.org".into(),
                    language: (*lang).into(),
                    kind,
                    link: "/referrals/1".into(),
                };
                let (subject, text) = mail_text(&tr, &m, "https://dtz.example.org");
                assert!(!subject.contains("Unknown") && !text.contains("Unknown"), "{lang} {kind}: {subject} {text}");
                assert!(text.contains("https://dtz.example.org/referrals/1\n"), "{text}");
                assert!(!tr.t(&format!("notify-kind-{kind}")).contains("Unknown"), "{lang} {kind}");
            }
        }
    }

    #[test]
    fn passwords_in_the_url_are_percent_decoded() {
        let url = Url::parse("smtp://dtz%40example.org:p%2Fa+ss@mail.example.org").ok();
        let c = url.as_ref().map(credentials);
        let expected = Credentials::new("dtz@example.org".into(), "p/a+ss".into());
        assert!(matches!(c, Some(Ok(Some(ref got))) if *got == expected));
    }
}
