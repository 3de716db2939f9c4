//! The rollup against its floor (issue 8), in process: `bench/run` calls this on the
//! database it filled with `dtz demo --scale N`. The rollup is `Services::figures_by` as
//! the results page and the API call it (approved values, alliance × period × part); the
//! floor is the same aggregation as one raw SQL query that only sums (no carry-forward of
//! cumulative indicators, no distributions, no checks), which no rollup can beat.
//!
//! Usage: `cargo bench -p dtz-services --bench rollup -- DATABASE_URL KEY_FILE CODE RUNS`;
//! prints one line per measure: `name p50_ms p99_ms rows`, and `cold ms`: the first
//! rollup, which computes what the later ones find remembered (the cost after an approval). Percentiles need every run's
//! time, which criterion does not report, hence a plain loop (after one warm-up run).

use dtz_domain::SystemClock;
use dtz_domain::results::rollup::Grouping;
use dtz_services::passwords::{Cost, Passwords};
use dtz_services::{Caller, Services, Settings};
use dtz_store::db::{ConnectOptions, Db};
use dtz_store::keys::Keys;
use dtz_store::sql::Sql;
use std::sync::Arc;
use std::time::Instant;

/// (p50, p99) in milliseconds.
fn percentiles(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.99))
}

#[derive(sqlx::FromRow)]
struct FloorRow {
    total: Option<i64>,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let [url, key_file, code, runs] = args.as_slice() else {
        anyhow::bail!("usage: rollup DATABASE_URL KEY_FILE CODE RUNS");
    };
    let runs: usize = runs.parse()?;
    let db = Db::connect(url, &ConnectOptions::default()).await?;
    let s = Services {
        db: db.clone(),
        keys: Arc::new(Keys::load(std::path::Path::new(key_file))?),
        clock: Arc::new(SystemClock),
        passwords: Passwords::new(Cost::Test, 1),
        settings: Settings::default(),
        rollups: Default::default(),
        node_key: Default::default(),
    };
    let (programme, _) = s.programme(code).await?;
    let grouping = Grouping { country: false, org: false, period: true, part: true };

    let mut rollup_ms = Vec::new();
    let mut cold_ms = 0.0;
    let mut cells = 0;
    for i in 0..=runs {
        let t = Instant::now();
        let f = s.figures_by(&Caller::System, code, &[grouping], false, None).await?;
        if i > 0 {
            rollup_ms.push(t.elapsed().as_secs_f64() * 1e3);
        } else {
            cold_ms = t.elapsed().as_secs_f64() * 1e3;
        }
        cells = f.iter().flat_map(|f| &f.indicators).map(|i| i.cells.len()).sum();
    }

    let floor = || {
        let mut q = Sql::new(
            "SELECT SUM(v.value) + SUM(v.numerator) + SUM(v.denominator) AS total \
             FROM data_values v JOIN reports r ON r.id = v.report_id \
             WHERE r.status = 'approved' AND r.programme_id = ",
        );
        q.bind(programme.id).push(" GROUP BY v.indicator_id, r.period, v.part");
        q
    };
    let mut floor_ms = Vec::new();
    let (mut rows, mut sum) = (0, 0);
    for i in 0..=runs {
        let t = Instant::now();
        let r: Vec<FloorRow> = db.read().fetch_all(&floor()).await?;
        if i > 0 {
            floor_ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        rows = r.len();
        sum = r.iter().filter_map(|x| x.total).sum::<i64>();
    }
    let (p50, p99) = percentiles(rollup_ms);
    println!("rollup {p50:.2} {p99:.2} {cells}");
    println!("cold {cold_ms:.2}");
    let (p50, p99) = percentiles(floor_ms);
    println!("floor {p50:.2} {p99:.2} {rows} (sum of every figure: {sum})");
    Ok(())
}
