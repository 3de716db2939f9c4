//! `dtz serve`: the pages and the API.

use super::DbArgs;
use anyhow::Context;
use clap::Args;
use dtz_web::mail::SmtpMailer;
use dtz_web::{AppState, WebConfig};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Address to listen on.
    #[arg(long, env = "DTZ_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Load the Down to Zero demo into an empty database first, and print its accounts.
    #[arg(long)]
    demo: bool,
    /// dtz is reached over https (through a proxy): Secure cookies and HSTS.
    #[arg(long, env = "DTZ_HTTPS")]
    https: bool,
    /// SMTP server for notification e-mails: smtp://user:pass@host:587 (STARTTLS),
    /// smtps://… (TLS), smtp://localhost:2525?tls=none (a relay on this machine). Without
    /// it, notifications show only in the task list.
    #[arg(long, env = "DTZ_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// Sender of notification e-mails, e.g. "dtz <dtz@example.org>".
    #[arg(long, env = "DTZ_MAIL_FROM")]
    mail_from: Option<String>,
    /// The address people use to reach dtz, for links in e-mails (default: http(s)://ADDR).
    #[arg(long, env = "DTZ_PUBLIC_URL")]
    public_url: Option<String>,
}

fn mailer(a: &ServeArgs) -> anyhow::Result<Option<SmtpMailer>> {
    let Some(url) = &a.smtp_url else { return Ok(None) };
    let from = a.mail_from.as_deref().context("--smtp-url needs --mail-from (DTZ_MAIL_FROM)")?;
    let public = a.public_url.clone().unwrap_or_else(|| format!("http{}://{}", if a.https { "s" } else { "" }, a.addr));
    Ok(Some(SmtpMailer::new(url, from, &public).context("e-mail settings")?))
}

pub async fn run(a: ServeArgs) -> anyhow::Result<ExitCode> {
    let mailer = mailer(&a)?;
    let services = super::open(&a.db).await?;
    super::node::unlock_at_start(&services).await?;
    if a.demo {
        super::demo::ensure_loaded(&services).await?;
    }
    let demo = a.demo || dtz_services::demo::is_demo(&services).await?;
    let config = WebConfig { https: a.https, demo, mail: mailer.is_some() };
    let state = AppState::new(services.clone(), config);
    let mail = mailer.map(|m| tokio::spawn(dtz_web::mail::run_sender(services.clone(), m, Duration::from_secs(30))));
    let warm = tokio::spawn(dtz_services::results::warm::keep_warm(services.clone()));
    let throttle = state.login_throttle.clone();
    let public_throttle = state.public_throttle.clone();
    let housekeeping = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
            throttle.sweep();
            public_throttle.sweep();
            if let Err(e) = services.purge_sessions().await {
                tracing::warn!(error = %e, "could not purge old sessions");
            }
            if let Err(e) = services.purge_uploads().await {
                tracing::warn!(error = %e, "could not purge old uploads");
            }
            match services.send_deadline_reminders().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(reminded = n, "deadline reminders queued"),
                Err(e) => tracing::warn!(error = %e, "could not queue deadline reminders"),
            }
            match services.escalate_urgent_signals().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(escalated = n, "urgent signals escalated to supervisors"),
                Err(e) => tracing::warn!(error = %e, "could not escalate urgent signals"),
            }
            match services.run_retention(false).await {
                Ok(lines) => {
                    for l in lines.iter().filter(|l| l.erased > 0) {
                        tracing::info!(record_type = l.code, erased = l.erased, "retention erased records");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not run retention"),
            }
            match services.send_step_reminders().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(reminded = n, "protection step reminders queued"),
                Err(e) => tracing::warn!(error = %e, "could not queue protection step reminders"),
            }
            match services.escalate_unanswered_referrals().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(told = n, "unanswered referrals escalated"),
                Err(e) => tracing::warn!(error = %e, "could not escalate unanswered referrals"),
            }
            match services.rekey_cases().await {
                Ok(done) if done.is_empty() => {}
                Ok(done) => tracing::info!(cases = done.len(), "cases re-keyed after a device revocation"),
                Err(e) => tracing::warn!(error = %e, "could not re-key cases"),
            }
            match services.send_follow_up_reminders().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(told = n, "overdue follow-up reminders queued"),
                Err(e) => tracing::warn!(error = %e, "could not queue follow-up reminders"),
            }
        }
    });
    let listener =
        tokio::net::TcpListener::bind(a.addr).await.with_context(|| format!("cannot listen on {}", a.addr))?;
    let app = dtz_web::router(state.clone());
    say!("dtz is serving on http://{}", listener.local_addr().unwrap_or(a.addr));
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown())
        .await
        .context("the server stopped with an error")?;
    housekeeping.abort();
    warm.abort();
    if let Some(m) = mail {
        m.abort();
    }
    state.services.db.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
