//! `dtz import`: files into dtz, all or nothing.

use super::DbArgs;
use anyhow::{Context, bail};
use clap::Subcommand;
use dtz_services::values::ImportProgress;
use dtz_services::{Caller, ServiceError};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Indicator values from CSV or XLSX (the first sheet; one row per indicator ×
    /// country × organisation × period × part): every row or none; every problem listed
    /// by line (row) and column.
    Values {
        #[command(flatten)]
        db: DbArgs,
        /// The CSV or XLSX file (told apart by content, else by extension).
        file: PathBuf,
        /// Programme code, e.g. DTZ.
        #[arg(long)]
        programme: String,
        /// Check everything and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Finance records for IATI from CSV (one row per member × country × year, one more
    /// per further partner paid): every record or none; every problem listed by line and
    /// column.
    Finance {
        #[command(flatten)]
        db: DbArgs,
        /// The CSV file.
        file: PathBuf,
        /// Programme code, e.g. DTZ.
        #[arg(long)]
        programme: String,
        /// Check everything and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Activities with their reach from CSV or XLSX (one row per activity × reach cell:
    /// activity, organisation, country, goal, type, title, start, … group, sex, age,
    /// first_time, repeat): every activity or none; every problem listed by line and
    /// column; the computed figures of open reports follow.
    Activities {
        #[command(flatten)]
        db: DbArgs,
        /// The CSV or XLSX file (told apart by content, else by extension).
        file: PathBuf,
        /// Programme code, e.g. DTZ.
        #[arg(long)]
        programme: String,
        /// Check everything and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// IATI 2.03 activities from any publisher's `iati-activities` file: every activity or
    /// none (each error listed with its line and element path; parts dtz does not keep are
    /// listed as warnings). Activities join the programme of their parent activity (its
    /// iati-identifier is the programme code for `dtz export iati`); an activity imported
    /// again replaces the stored one.
    Iati {
        #[command(flatten)]
        db: DbArgs,
        /// The XML file.
        file: PathBuf,
        /// Check everything and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Language of the problems and warnings (en, es).
        #[arg(long, default_value = "en")]
        lang: String,
    },
}

/// A progress bar on stderr, drawn only when stderr is a terminal (never into a log or a
/// test's captured output).
struct Bar {
    bar: ProgressBar,
    writing: std::sync::atomic::AtomicBool,
}

impl Bar {
    fn new(rows: usize) -> Self {
        let bar = if std::io::stderr().is_terminal() {
            ProgressBar::with_draw_target(Some(rows as u64), ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        if let Ok(style) = ProgressStyle::with_template("{msg:9} [{bar:40}] {pos}/{len} rows ({eta})") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message("Checking");
        Self { bar, writing: false.into() }
    }
}

impl ImportProgress for Bar {
    fn checked(&self, rows: usize) {
        self.bar.inc(rows as u64);
    }

    fn written(&self, rows: usize) {
        if !self.writing.swap(true, std::sync::atomic::Ordering::Relaxed) {
            self.bar.set_position(0);
            self.bar.set_message("Writing");
        }
        self.bar.inc(rows as u64);
    }
}

pub async fn run(c: ImportCommand) -> anyhow::Result<ExitCode> {
    match c {
        ImportCommand::Values { db, file, programme, dry_run } => values(db, file, programme, dry_run).await,
        ImportCommand::Finance { db, file, programme, dry_run } => finance(db, file, programme, dry_run).await,
        ImportCommand::Activities { db, file, programme, dry_run } => activities(db, file, programme, dry_run).await,
        ImportCommand::Iati { db, file, dry_run, lang } => iati(db, file, dry_run, &lang).await,
    }
}

async fn iati(db: DbArgs, file: PathBuf, dry_run: bool, lang: &str) -> anyhow::Result<ExitCode> {
    let tr = dtz_web::i18n::Tr::new(lang);
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let s = super::open(&db).await?;
    let outcome = s.import_iati(&Caller::System, &bytes, dry_run).await;
    s.db.close().await;
    let done = match outcome {
        Ok(done) => done,
        Err(ServiceError::Invalid(v)) => {
            for i in &v.0 {
                eprintln!("{}: {}: {}", file.display(), i.field, tr.message(&i.message));
            }
            bail!("{} has {} problem(s); nothing was imported", file.display(), v.0.len());
        }
        Err(e) => return Err(e.into()),
    };
    for w in &done.warnings {
        let place: Vec<&str> = [w.activity.as_str(), w.path.as_str()].into_iter().filter(|s| !s.is_empty()).collect();
        eprintln!("{}: line {}: warning: {}: {}", file.display(), w.line, place.join(" "), tr.message(&w.message));
    }
    let mut programmes: Vec<&str> = Vec::new();
    for a in &done.activities {
        let [results, indicators, periods, targets, actuals] = a.counts;
        let [budgets, transactions] = a.money;
        say!(
            "{} (programme {}, reported by {}): {results} results, {indicators} indicators, {periods} periods, {targets} targets, {actuals} actuals; {budgets} budgets, {transactions} transactions{}",
            a.identifier,
            a.programme,
            a.reporting,
            if a.replaced { "; replaces the stored activity" } else { "" }
        );
        if !programmes.contains(&a.programme.as_str()) {
            programmes.push(&a.programme);
        }
    }
    for (code, again) in &done.programmes {
        let verb = match (done.dry_run, again) {
            (false, false) => "Made",
            (false, true) => "Replaced",
            (true, false) => "Would make",
            (true, true) => "Would replace",
        };
        say!("{verb} programme {code} (see `dtz programme dump {code}`).");
    }
    let (n, replaced) = (done.activities.len(), done.activities.iter().filter(|a| a.replaced).count());
    let list = programmes.join(", ");
    if done.dry_run {
        say!(
            "{n} activities would be imported into {list} ({replaced} replacing stored ones, {} warning(s)); nothing was written (dry run).",
            done.warnings.len()
        );
    } else {
        say!(
            "Imported {n} activities into {list} ({replaced} replaced stored ones, {} warning(s)).",
            done.warnings.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn activities(db: DbArgs, file: PathBuf, programme: String, dry_run: bool) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    let rows = match dtz_formats::activities_file::read(&bytes, name.as_deref()) {
        Ok(rows) => rows,
        Err(e) => {
            for p in &e.0 {
                eprintln!("{}: {p}", file.display());
            }
            bail!("{} has {} problem(s); nothing was imported", file.display(), e.0.len());
        }
    };
    let s = super::open(&db).await?;
    let outcome = s.import_activities(&Caller::System, &programme, &rows, dry_run).await;
    s.db.close().await;
    let done = match outcome {
        Ok(done) => done,
        Err(ServiceError::Invalid(v)) => {
            for i in &v.0 {
                eprintln!("{}: {}: {}", file.display(), i.field, i.message);
            }
            bail!("{} has {} problem(s); nothing was imported", file.display(), v.0.len());
        }
        Err(e) => return Err(e.into()),
    };
    let (new, changed, unchanged) = (done.new, done.changed, done.unchanged);
    if done.dry_run {
        say!(
            "{new} new and {changed} changed activities would be recorded ({unchanged} unchanged); nothing was written (dry run)."
        );
    } else {
        say!("Recorded {new} new and {changed} changed activities ({unchanged} unchanged).");
    }
    Ok(ExitCode::SUCCESS)
}

async fn finance(db: DbArgs, file: PathBuf, programme: String, dry_run: bool) -> anyhow::Result<ExitCode> {
    let size = std::fs::metadata(&file).with_context(|| format!("cannot read {}", file.display()))?.len();
    if size > dtz_formats::values_xlsx::MAX_FILE_BYTES as u64 {
        bail!("{} is larger than 10 MB: split it into smaller files", file.display());
    }
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let records = match dtz_formats::finance_csv::read(&bytes) {
        Ok(r) => r,
        Err(e) => {
            for p in &e.0 {
                eprintln!("{}: {p}", file.display());
            }
            bail!("{} has {} problem(s); nothing was imported", file.display(), e.0.len());
        }
    };
    let s = super::open(&db).await?;
    let outcome = s.import_finance(&Caller::System, &programme, &records, dry_run).await;
    s.db.close().await;
    match outcome {
        Ok(done) if done.dry_run => say!(
            "{} finance records checked; {} would change; nothing was written (dry run).",
            done.records,
            done.changed
        ),
        Ok(done) => say!("Imported {} finance records; {} changed.", done.records, done.changed),
        Err(ServiceError::Invalid(v)) => {
            for i in &v.0 {
                eprintln!("{}: {}: {}", file.display(), i.field, i.message);
            }
            bail!("{} has {} problem(s); nothing was imported", file.display(), v.0.len());
        }
        Err(e) => return Err(e.into()),
    }
    Ok(ExitCode::SUCCESS)
}

async fn values(db: DbArgs, file: PathBuf, programme: String, dry_run: bool) -> anyhow::Result<ExitCode> {
    let max = dtz_formats::values_xlsx::MAX_FILE_BYTES as u64;
    let size = std::fs::metadata(&file).with_context(|| format!("cannot read {}", file.display()))?.len();
    if size > max {
        bail!("{} is larger than {} MB: split it into smaller files", file.display(), max / 1024 / 1024);
    }
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    let rows = match dtz_formats::values_file::read(&bytes, name.as_deref()) {
        Ok((_, rows)) => rows,
        Err(e) => {
            for p in &e.0 {
                eprintln!("{}: {p}", file.display());
            }
            bail!("{} has {} problem(s); nothing was imported", file.display(), e.0.len());
        }
    };
    let s = super::open(&db).await?;
    let bar = Bar::new(rows.len());
    let outcome = s.import_values_with(&Caller::System, &programme, &rows, dry_run, &bar).await;
    bar.bar.finish_and_clear();
    s.db.close().await;
    let done = match outcome {
        Ok(done) => done,
        Err(ServiceError::Invalid(v)) => {
            for i in &v.0 {
                eprintln!("{}: {}: {}", file.display(), i.field, i.message);
            }
            bail!("{} has {} problem(s); nothing was imported", file.display(), v.0.len());
        }
        Err(e) => return Err(e.into()),
    };
    for r in done.reports.iter().filter(|r| r.changes()) {
        say!(
            "{} · {} · {} ({}): {} new, {} changed, {} emptied, {} unchanged",
            r.organisation,
            r.key.country,
            r.key.period,
            r.status,
            r.new,
            r.changed,
            r.cleared,
            r.unchanged
        );
    }
    let (new, changed, cleared, unchanged) = done.totals();
    let reports = done.changed_reports();
    if done.dry_run {
        say!(
            "{} values for {reports} reports would be imported ({new} new, {changed} changed, {cleared} emptied, {unchanged} unchanged); nothing was written (dry run).",
            done.values
        );
    } else {
        say!(
            "Imported {} values into {reports} reports ({new} new, {changed} changed, {cleared} emptied, {unchanged} unchanged).",
            done.values
        );
    }
    Ok(ExitCode::SUCCESS)
}
