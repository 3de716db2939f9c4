//! One JSON request from a node to its hub: HTTP/1.1 over TCP, or over TLS (rustls on
//! ring, Mozilla's roots) for `https://` hubs. One connection per request keeps it simple;
//! a sync is a handful of requests.

use anyhow::{Context, bail};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use tokio::net::TcpStream;

/// Largest answer read from a hub.
const MAX_BODY: usize = 64 * 1024 * 1024;

/// A hub's answer.
pub struct Answer {
    pub status: StatusCode,
    pub body: serde_json::Value,
}

impl Answer {
    /// The errors of a refused request, as one line.
    pub fn errors(&self) -> String {
        let items = self.body["errors"].as_array().cloned().unwrap_or_default();
        let lines: Vec<String> = items
            .iter()
            .map(|e| match e["field"].as_str() {
                Some(f) => format!("{f}: {}", e["detail"].as_str().unwrap_or_default()),
                None => e["detail"].as_str().unwrap_or_default().to_owned(),
            })
            .collect();
        if lines.is_empty() { format!("the hub answered {}", self.status) } else { lines.join("; ") }
    }
}

/// Send `body` (if any) to `path` under the hub's `/api/v1`, with a Bearer token if given.
pub async fn call(
    hub: &url::Url,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&serde_json::Value>,
) -> anyhow::Result<Answer> {
    let host = hub.host_str().context("the hub URL has no host")?.to_owned();
    let port = hub.port_or_known_default().context("the hub URL has no port")?;
    let target = format!("{}/api/v1{path}", hub.path().trim_end_matches('/'));
    let mut req = Request::builder()
        .method(method)
        .uri(target)
        .header(hyper::header::HOST, authority(hub, &host))
        .header(hyper::header::ACCEPT, "application/json");
    if let Some(t) = token {
        req = req.header(hyper::header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let bytes = match body {
        Some(v) => {
            req = req.header(hyper::header::CONTENT_TYPE, "application/json");
            Bytes::from(serde_json::to_vec(v)?)
        }
        None => Bytes::new(),
    };
    let req = req.body(Full::new(bytes)).context("building the request")?;
    let tcp = TcpStream::connect((host.as_str(), port)).await.with_context(|| format!("cannot reach {hub}"))?;
    let res = match hub.scheme() {
        "http" => send(TokioIo::new(tcp), req).await?,
        "https" => {
            let tls = tls_connector()?.connect(server_name(&host)?, tcp).await.context("TLS handshake")?;
            send(TokioIo::new(tls), req).await?
        }
        other => bail!("the hub URL must start with https:// (or http:// for a local hub), not {other}://"),
    };
    Ok(res)
}

fn authority(hub: &url::Url, host: &str) -> String {
    match hub.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    }
}

async fn send<IO>(io: IO, req: Request<Full<Bytes>>) -> anyhow::Result<Answer>
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await.context("HTTP handshake")?;
    let driver = tokio::spawn(conn);
    let res = sender.send_request(req).await.context("sending the request")?;
    let status = res.status();
    let limited = http_body_util::Limited::new(res.into_body(), MAX_BODY);
    let body = limited.collect().await.map_err(|e| anyhow::anyhow!("reading the answer: {e}"))?.to_bytes();
    driver.abort();
    let body =
        if body.is_empty() { serde_json::Value::Null } else { serde_json::from_slice(&body).unwrap_or_default() };
    Ok(Answer { status, body })
}

fn tls_connector() -> anyhow::Result<tokio_rustls::TlsConnector> {
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .context("TLS set-up")?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

fn server_name(host: &str) -> anyhow::Result<rustls::pki_types::ServerName<'static>> {
    rustls::pki_types::ServerName::try_from(host.to_owned()).context("the hub's host name is not valid for TLS")
}
