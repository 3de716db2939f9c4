//! `dtz bench` (hidden): the in-process measures of `bench/run` (issue 8), in the release
//! binary that `bench/run` builds anyway, so they cost no build of their own. Each prints
//! one line per measure, `name figures…`, for `bench/run` to read. Percentiles need every
//! run's time, which criterion does not report, hence plain loops (after a warm-up).

mod http;

use super::DbArgs;
use anyhow::{Context, bail};
use clap::Subcommand;
use dtz_domain::ids::OrgId;
use dtz_domain::results::rollup::Grouping;
use dtz_domain::signal::{Report, ReportInput};
use dtz_services::passwords::{Cost, Passwords};
use dtz_services::signals::{Stored, new_receipt};
use dtz_services::{Caller, Services};
use dtz_store::Sql;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// The rollup of a programme (approved values, alliance × period × part) against its
    /// floor: the same sums as one raw SQL query that only sums (no carry-forward of
    /// cumulative indicators, no distributions, no checks), which no rollup can beat.
    /// Prints `cold MS` (the first rollup, which fills the approved-figures memo: the cost
    /// once after an approval), `rollup P50 P99 CELLS` and `floor P50 P99 ROWS`.
    Rollup {
        #[command(flatten)]
        db: DbArgs,
        /// Programme code.
        code: String,
        /// Runs of each, after one warm-up.
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
    /// The public report intake in parts: `hash MS` (median Argon2id hash of a receipt at
    /// the production cost, one at a time), `bound R` (receipts hashed per second with
    /// every core hashing at once: no intake can beat it) and `hash_all MS` (cores ÷ bound,
    /// the hash time when all cores hash); then reports/s of
    /// the write path alone (`write1` from one client, `writeN` from N at once: data key,
    /// sealed report, form token, signal and audit event in one durable transaction, the
    /// hash computed beforehand) and of raw inserts of the same signal rows with the same
    /// durability, one transaction each (`raw1`, `rawN`).
    Intake {
        #[command(flatten)]
        db: DbArgs,
        /// Reports written by each measure.
        #[arg(long, default_value_t = 2_000)]
        reports: usize,
        /// Concurrent clients of the `…N` measures.
        #[arg(long, default_value_t = 64)]
        clients: usize,
    },
    /// Public reports through HTTP to a running `dtz serve`, as a browser sends them (the
    /// form with its one-time token, then the report), from CLIENTS at once for SECONDS,
    /// each report from its own loopback address. Prints `REPORTS SECONDS RATE P50_MS
    /// P99_MS FAILED` (acknowledged reports, POST latency).
    IntakeHttp {
        /// The server, HOST:PORT (an IPv4 loopback address).
        addr: std::net::SocketAddr,
        /// The country whose form is used.
        country: String,
        #[arg(long, default_value_t = 64)]
        clients: usize,
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
    },
}

pub async fn run(c: BenchCommand) -> anyhow::Result<ExitCode> {
    match c {
        BenchCommand::Rollup { db, code, runs } => {
            let s = super::open(&db).await?;
            rollup(&s, &code, runs).await?;
            s.db.close().await;
        }
        BenchCommand::Intake { db, reports, clients } => {
            let s = Arc::new(super::open(&db).await?);
            intake(&s, reports, clients.max(1)).await?;
            s.db.close().await;
        }
        BenchCommand::IntakeHttp { addr, country, clients, seconds } => {
            http::intake_http(addr, &country, clients, seconds).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// (p50, p99) of `ms`.
fn percentiles(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms.get(((ms.len().max(1) - 1) as f64 * q).round() as usize).copied().unwrap_or(0.0);
    (at(0.5), at(0.99))
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

async fn rollup(s: &Services, code: &str, runs: usize) -> anyhow::Result<()> {
    let (programme, _) = s.programme(code).await?;
    let grouping = Grouping { country: false, org: false, period: true, part: true };
    let (mut times, mut cells) = (Vec::new(), 0);
    for i in 0..=runs {
        let t = Instant::now();
        let f = s.figures_by(&Caller::System, code, &[grouping], false, None).await?;
        if i == 0 {
            say!("cold {:.2}", ms_since(t));
        } else {
            times.push(ms_since(t));
        }
        cells = f.iter().flat_map(|f| &f.indicators).map(|i| i.cells.len()).sum::<usize>();
    }
    let (p50, p99) = percentiles(times);
    say!("rollup {p50:.2} {p99:.2} {cells}");
    // After an approval `dtz serve` computes the most asked answers ahead (results::warm):
    // its time, then the first request's.
    s.rollups.clear();
    let t = Instant::now();
    s.warm_rollups(code).await?;
    say!("warm {:.2}", ms_since(t));
    let t = Instant::now();
    s.figures_by(&Caller::System, code, &[grouping], false, None).await?;
    say!("after_warm {:.2}", ms_since(t));
    let floor = || {
        let mut q = Sql::new(
            "SELECT SUM(v.value) + SUM(v.numerator) + SUM(v.denominator) \
             FROM data_values v JOIN reports r ON r.id = v.report_id \
             WHERE r.status = 'approved' AND r.programme_id = ",
        );
        q.bind(programme.id).push(" GROUP BY v.indicator_id, r.period, v.part");
        q
    };
    let (mut times, mut rows) = (Vec::new(), 0);
    for i in 0..=runs {
        let t = Instant::now();
        let r: Vec<(Option<i64>,)> = s.db.read().fetch_all(&floor()).await?;
        if i > 0 {
            times.push(ms_since(t));
        }
        rows = r.len();
    }
    let (p50, p99) = percentiles(times);
    say!("floor {p50:.2} {p99:.2} {rows}");
    Ok(())
}

async fn intake(s: &Arc<Services>, reports: usize, clients: usize) -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let passwords = Passwords::new(Cost::Production, cores);
    let mut times = Vec::new();
    for _ in 0..9 {
        let receipt = new_receipt()?;
        let t = Instant::now();
        passwords.hash(&receipt.canonical()).await.map_err(anyhow::Error::msg)?;
        times.push(ms_since(t));
    }
    let (hash_ms, _) = percentiles(times);
    say!("hash {hash_ms:.2}");
    // The bound itself: receipts hashed per second with every core hashing at once, as
    // the server's hashing threads do under the intake's load (hashes running side by
    // side share the memory bus and caches, so each takes longer than one alone).
    let (passwords, n) = (Arc::new(passwords), 12 * cores);
    let t = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (passwords, receipt) = (passwords.clone(), new_receipt()?);
        set.spawn(async move { passwords.hash(&receipt.canonical()).await.map(|_| ()) });
    }
    while let Some(r) = set.join_next().await {
        r?.map_err(anyhow::Error::msg)?;
    }
    let bound = n as f64 / t.elapsed().as_secs_f64().max(1e-9);
    say!("hash_all {:.2}", cores as f64 * 1e3 / bound);
    say!("bound {bound:.1}");
    let target: Option<(String, uuid::Uuid)> = s
        .db
        .read()
        .fetch_optional(&Sql::new(
            "SELECT country, lead_org_id FROM country_settings WHERE lead_org_id IS NOT NULL ORDER BY country LIMIT 1",
        ))
        .await?;
    let Some((country, org)) = target else { bail!("no country takes public reports: load the demo first") };
    let hash = passwords.hash(&new_receipt()?.canonical()).await.map_err(anyhow::Error::msg)?;
    let input =
        ReportInput { what: "A sample report written by dtz bench (sample data).".into(), ..Default::default() };
    let report = Arc::new(Report::parse(&input, "en").map_err(|v| anyhow::anyhow!("{v:?}"))?);
    let target = Arc::new((country, OrgId(org), hash));
    for (name, n) in [("write1", 1), ("writeN", clients)] {
        let before = s.db.group_commits();
        let (s2, report, target) = (s.clone(), report.clone(), target.clone());
        let rate = rate(reports, n, move || {
            let (s, report, target) = (s2.clone(), report.clone(), target.clone());
            async move {
                let token = s.public_form_token();
                let token = s.public_form_token_checked(&token).context("a fresh form token is refused")?;
                let (country, org, hash) = &*target;
                match s.store_report((country, *org), &report, &new_receipt()?, hash.clone(), Some(&token)).await? {
                    Stored::Yes => Ok(()),
                    other => bail!("the report was not stored: {other:?}"),
                }
            }
        })
        .await?;
        say!("{name} {rate:.0}");
        // SQLite commits in groups: transactions per commit (per fsync).
        if let (Some((g0, t0)), Some((g1, t1))) = (before, s.db.group_commits()) {
            say!("{name}_per_commit {:.1}", (t1 - t0) as f64 / (g1 - g0).max(1) as f64);
        }
    }
    let sample = raw_sample(s, &target).await?;
    for (name, n) in [("raw1", 1), ("rawN", clients)] {
        let (s, sample) = (s.clone(), sample.clone());
        let rate = rate(reports, n, move || {
            let (s, sample) = (s.clone(), sample.clone());
            async move { raw_insert(&s, &sample).await }
        })
        .await?;
        say!("{name} {rate:.0}");
    }
    say!("clients {clients}");
    Ok(())
}

/// Operations per second of `total` calls of `op` from `clients` tasks at once.
async fn rate<F, Fut>(total: usize, clients: usize, op: F) -> anyhow::Result<f64>
where
    F: Fn() -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let t = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for k in 0..clients {
        let op = op.clone();
        let mine = total / clients + usize::from(k < total % clients);
        set.spawn(async move {
            for _ in 0..mine {
                op().await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(r) = set.join_next().await {
        r??;
    }
    Ok(total as f64 / t.elapsed().as_secs_f64().max(1e-9))
}

/// The columns of a stored public report, to insert again under new ids.
type Sample = Arc<(String, Uuid, String, Vec<u8>, Vec<u8>)>;

async fn raw_sample(s: &Services, target: &(String, OrgId, String)) -> anyhow::Result<Sample> {
    let row: Option<(Vec<u8>, Vec<u8>)> =
        s.db.read()
            .fetch_optional(&Sql::new(
                "SELECT data_key, content FROM signals WHERE receipt_hash IS NOT NULL ORDER BY created_at DESC LIMIT 1",
            ))
            .await?;
    let (key, content) = row.context("no stored report to copy")?;
    Ok(Arc::new((target.0.clone(), target.1.0, target.2.clone(), key, content)))
}

/// One signal row in its own durable transaction, nothing else.
async fn raw_insert(s: &Services, sample: &Sample) -> anyhow::Result<()> {
    let (country, org, hash, key, content) = &**sample;
    let mut lookup = [0u8; 32];
    dtz_store::crypto::random(&mut lookup)?;
    let mut tx = s.db.begin().await?;
    tx.q()
        .execute(&Sql::with_args(
            "INSERT INTO signals (id, country, org_id, channel, status, receipt_lookup, receipt_hash, data_key, \
             content, version, created_at, updated_at) VALUES ($1, $2, $3, 'public_web', 'new', $4, $5, $6, $7, 1, $8, $8)",
            vec![
                Uuid::new_v4().into(),
                country.clone().into(),
                (*org).into(),
                lookup.to_vec().into(),
                hash.clone().into(),
                key.clone().into(),
                content.clone().into(),
                time::OffsetDateTime::now_utc().into(),
            ],
        ))
        .await?;
    tx.commit().await?;
    Ok(())
}
