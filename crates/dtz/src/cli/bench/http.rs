//! `dtz bench intake-http`: public reports sent through HTTP the way a reporter's browser
//! sends them — the country's form with its one-time token, then the report — from many
//! clients at once, each report from its own loopback address (the form allows 20 reports
//! an hour per source). The load client runs on the cores the intake's bound counts, so it
//! is written to cost little: one connection per report, no parsing beyond the token.

use anyhow::{Context, bail};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpSocket;

/// The text a report carries.
const WHAT: &str = "A sample report sent by dtz bench intake-http (sample data).";

/// Send reports from `clients` at once for `seconds`. Prints
/// `REPORTS SECONDS RATE P50_MS P99_MS FAILED`: reports acknowledged with a receipt (dtz
/// answers only once a report is committed), the time taken, their rate, the POST's
/// latency, and reports that got no receipt.
pub async fn intake_http(addr: SocketAddr, country: &str, clients: usize, seconds: f64) -> anyhow::Result<()> {
    let country = Arc::new(country.to_ascii_lowercase());
    let next = Arc::new(AtomicU32::new(0));
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(seconds);
    let workers: Vec<_> = (0..clients.max(1))
        .map(|_| {
            let (country, next) = (country.clone(), next.clone());
            tokio::spawn(async move {
                let (mut ms, mut failed) = (Vec::new(), 0usize);
                while Instant::now() < deadline {
                    match one(addr, source(next.fetch_add(1, Ordering::Relaxed)), &country).await {
                        Ok(t) => ms.push(t),
                        Err(_) => failed += 1,
                    }
                }
                (ms, failed)
            })
        })
        .collect();
    let (mut ms, mut failed) = (Vec::new(), 0);
    for w in workers {
        let (m, f) = w.await?;
        ms.extend(m);
        failed += f;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let n = ms.len();
    let (p50, p99) = super::percentiles(ms);
    println!("{n} {elapsed:.1} {:.1} {p50:.1} {p99:.1} {failed}", n as f64 / elapsed);
    Ok(())
}

/// The `i`-th source address in 127.0.0.0/8 (the loopback answers on all of them).
fn source(i: u32) -> IpAddr {
    let [_, a, b, c] = i.to_be_bytes();
    IpAddr::V4(Ipv4Addr::new(127, 1 + a % 250, b, 1 + c % 254))
}

/// One report: the form, then the report with the form's token. Returns the POST's
/// latency in ms when the answer is a receipt.
async fn one(addr: SocketAddr, from: IpAddr, country: &str) -> anyhow::Result<f64> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(from, 0))?;
    let tcp = socket.connect(addr).await.context("connecting")?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await?;
    let driver = tokio::spawn(conn);
    let host = addr.to_string();
    let form = request(Method::GET, &format!("/report/{country}"), &host, None)?;
    let (status, page) = exchange(&mut sender, form).await?;
    let token = token_in(&page).filter(|_| status == StatusCode::OK).context("no form token")?;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("csrf", token)
        .append_pair("lang", "en")
        .append_pair("country", &country.to_ascii_uppercase())
        .append_pair("what", WHAT)
        .finish();
    let t = Instant::now();
    let (status, page) = exchange(&mut sender, request(Method::POST, "/report", &host, Some(body))?).await?;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    driver.abort();
    if status != StatusCode::OK || !contains(&page, b"class=\"receipt\"") {
        bail!("no receipt ({status})");
    }
    Ok(ms)
}

fn request(method: Method, path: &str, host: &str, form: Option<String>) -> anyhow::Result<Request<Full<Bytes>>> {
    let mut r = Request::builder().method(method).uri(path).header(hyper::header::HOST, host);
    if form.is_some() {
        r = r.header(hyper::header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    Ok(r.body(Full::new(Bytes::from(form.unwrap_or_default())))?)
}

async fn exchange(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    req: Request<Full<Bytes>>,
) -> anyhow::Result<(StatusCode, Bytes)> {
    let res = sender.send_request(req).await?;
    let status = res.status();
    Ok((status, res.into_body().collect().await?.to_bytes()))
}

/// The form token in a page: `name="csrf" value="…"`.
fn token_in(page: &[u8]) -> Option<&str> {
    const MARK: &[u8] = b"name=\"csrf\" value=\"";
    let at = page.windows(MARK.len()).position(|w| w == MARK)? + MARK.len();
    let len = page[at..].iter().position(|b| *b == b'"')?;
    std::str::from_utf8(&page[at..at + len]).ok()
}

fn contains(page: &[u8], what: &[u8]) -> bool {
    page.windows(what.len()).any(|w| w == what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_read_from_the_form() {
        let page = br#"<form><input type="hidden" name="csrf" value="abc.123-_"><input name="what"></form>"#;
        assert_eq!(token_in(page), Some("abc.123-_"));
        assert_eq!(token_in(b"<form></form>"), None);
    }

    #[test]
    fn sources_are_distinct_loopback_addresses() {
        let all: std::collections::HashSet<IpAddr> = (0..100_000).map(source).collect();
        assert!(all.len() > 60_000);
        assert!(all.iter().all(IpAddr::is_loopback));
    }
}
