//! `dtz demo --scale N`: the demo, then a generated dataset on top, with a progress bar
//! on stderr and the time it took on stdout.

use anyhow::{Context, bail};
use dtz_services::Services;
use dtz_services::demo::scale::{self, Plan, Progress};
use indicatif::{ProgressBar, ProgressStyle};
use std::time::Instant;

/// A progress bar on stderr (hidden when stderr is not a terminal).
struct Bar(ProgressBar);

impl Bar {
    fn new() -> Self {
        let style = ProgressStyle::with_template("{msg:>16} [{bar:40}] {pos}/{len} rows, {per_sec}, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        Self(ProgressBar::new(0).with_style(style))
    }
}

impl Progress for Bar {
    fn step(&self, name: &'static str, rows: u64) {
        self.0.reset();
        self.0.set_length(rows);
        self.0.set_message(name);
    }

    fn advance(&self, rows: u64) {
        self.0.inc(rows);
    }
}

/// Load the demo into an empty database, then generate `scale` times the unit dataset.
pub async fn run(s: &Services, scale: u32, seed: u64) -> anyhow::Result<()> {
    if dtz_services::demo::is_loaded(s).await? {
        bail!("--scale needs an empty database, and this one holds organisations already");
    }
    let started = Instant::now();
    let demo = dtz_services::demo::load(s).await.context("cannot load the demo")?;
    super::print_loaded(&demo);
    let password = demo.password.context("the demo made no password")?;
    let bar = Bar::new();
    let report = scale::generate(s, Plan { scale, seed }, &password, &bar).await.context("cannot generate the data")?;
    bar.0.finish_and_clear();
    say!("Generated accounts have the same password. Steps:");
    for st in &report.steps {
        say!("  {:<16} {:>9} rows {:>9} audit events {:>8.2} s", st.name, st.rows, st.events, st.elapsed.as_secs_f64());
    }
    say!(
        "Generated scale {scale} (seed {seed}): {} rows and {} audit events in {:.2} s ({:.0} rows/s); {:.2} s with the demo.",
        report.rows(),
        report.events(),
        report.elapsed.as_secs_f64(),
        report.rows_per_second(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
