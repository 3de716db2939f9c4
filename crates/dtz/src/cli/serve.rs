//! `dtz serve`: the pages and the API.

use super::DbArgs;
use anyhow::Context;
use clap::Args;
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
}

pub async fn run(a: ServeArgs) -> anyhow::Result<ExitCode> {
    let services = super::open(&a.db).await?;
    if a.demo {
        super::demo::ensure_loaded(&services).await?;
    }
    let demo = a.demo || dtz_services::demo::is_demo(&services).await?;
    let state = AppState::new(services.clone(), WebConfig { https: a.https, demo });
    let throttle = state.login_throttle.clone();
    let housekeeping = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
            throttle.sweep();
            if let Err(e) = services.purge_sessions().await {
                tracing::warn!(error = %e, "could not purge old sessions");
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
