//! Starting chromedriver and Chromium, and a dtz server for them to talk to.

use dtz_testkit::{Backend, TestDb};
use dtz_web::{AppState, WebConfig};
use fantoccini::{Client, ClientBuilder};
use std::net::TcpListener as StdListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A headless Chromium session and its chromedriver.
pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

impl Browser {
    /// Start chromedriver and a headless Chromium, or skip (None) when not installed.
    pub async fn start() -> Option<Self> {
        if !std::path::Path::new(CHROMIUM).exists() || !std::path::Path::new(CHROMEDRIVER).exists() {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but Chromium or chromedriver is missing: install chromium and chromium-driver");
            }
            eprintln!("skipped: browser tests (install Debian's chromium and chromium-driver to run them)");
            return None;
        }
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().expect("profile dir");
        let args = vec![
            "--headless".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let caps = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args}
        });
        let caps = caps.as_object().cloned().expect("object");
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        for _ in 0..100 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector).capabilities(caps.clone()).connect(&url).await {
                Ok(client) => return Some(Self { client, driver, profile }),
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not answer: {last:?}");
    }

    /// Close the browser and the driver.
    pub async fn stop(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        drop(self.profile);
    }

    /// Save a screenshot as a test artefact.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = artefacts();
        std::fs::create_dir_all(&dir).expect("artefact dir");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
    }
}

/// Where screenshots go.
pub fn artefacts() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-artifacts")
}

/// A dtz server on a local port with the Down to Zero demo loaded.
pub struct App {
    pub base: String,
    /// The demo accounts' password.
    pub password: String,
    /// The server's clock, moved by scenarios (TOTP steps).
    pub clock: dtz_domain::ManualClock,
    _db: TestDb,
}

impl App {
    /// Serve a fresh database with the demo on a free port.
    pub async fn start() -> Self {
        let db = TestDb::new(Backend::Sqlite).await.expect("sqlite");
        let clock = dtz_testkit::clock();
        let services = db.services(&clock);
        let demo = dtz_services::demo::load(&services).await.expect("demo");
        let password = demo.password.expect("generated password");
        let router =
            dtz_web::router(AppState::new(services.clone(), WebConfig { https: false, demo: true, mail: false }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>()).await;
        });
        Self { base: format!("http://{addr}"), password, clock, _db: db }
    }
}
