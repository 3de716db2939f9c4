//! `dtz export`: files out of dtz.

use super::DbArgs;
use anyhow::{Context, bail};
use clap::Subcommand;
use dtz_domain::ids::OrgId;
use dtz_services::Caller;
use dtz_services::values::ReportKey;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// The pre-filled spreadsheet (XLSX) of one report — organisation × country × period —
    /// to fill in offline and import back with `dtz import values`.
    ValuesTemplate {
        #[command(flatten)]
        db: DbArgs,
        /// Programme code, e.g. DTZ.
        #[arg(long)]
        programme: String,
        /// The reporting organisation: name, IATI identifier or id.
        #[arg(long)]
        org: String,
        /// Country code, e.g. BO.
        #[arg(long)]
        country: String,
        /// Reporting period, e.g. 2020.
        #[arg(long)]
        period: String,
        /// Language of the instructions and hints (en, es).
        #[arg(long, default_value = "en")]
        lang: String,
        /// The file to write (default: a name made of the report's keys, in this folder).
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
    /// IATI 2.03 activities of a programme: the lead's programme activity and every
    /// member's activities, or one publisher's. Approved values only.
    Iati {
        #[command(flatten)]
        db: DbArgs,
        /// Programme code, e.g. DTZ.
        #[arg(long)]
        programme: String,
        /// Only this publisher's activities: name, IATI identifier or id.
        #[arg(long)]
        publisher: Option<String>,
        /// The file to write (default: standard output; with --check, nothing).
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// Check the file against IATI's rules, the codelists and the Ministry's
        /// expectations; list every problem and exit non-zero when there are errors.
        #[arg(long)]
        check: bool,
        /// `xml` (the IATI file) or `csv` (its results, one row per indicator × period ×
        /// dimension).
        #[arg(long, default_value = "xml", value_parser = ["xml", "csv"])]
        format: String,
        /// Language of the check's messages (en, es).
        #[arg(long, default_value = "en")]
        lang: String,
    },
}

pub async fn run(c: ExportCommand) -> anyhow::Result<ExitCode> {
    match c {
        ExportCommand::Iati { db, programme, publisher, output, check, format, lang } => {
            iati(db, programme, publisher, output, check, format == "csv", &lang).await
        }
        ExportCommand::ValuesTemplate { db, programme, org, country, period, lang, output } => {
            let s = super::open(&db).await?;
            let orgs = s.orgs(&Caller::System).await?;
            let Some(o) = orgs
                .iter()
                .find(|o| o.name == org || o.iati_id.as_deref() == Some(org.as_str()) || o.id.to_string() == org)
            else {
                s.db.close().await;
                bail!("there is no organisation {org:?} (give its name, IATI identifier or id)");
            };
            let key = ReportKey { programme, org: OrgId(o.id), country: country.to_ascii_uppercase(), period };
            let view = s.report(&Caller::System, &key).await;
            s.db.close().await;
            let view = view.with_context(|| {
                format!("cannot read the report of {} in {} for {}", o.name, key.country, key.period)
            })?;
            let tr = dtz_web::i18n::Tr::new(&lang);
            let bytes = dtz_web::sheets::template(&view, &key, &o.name, &tr)?;
            let path = output.unwrap_or_else(|| PathBuf::from(dtz_web::sheets::file_name(&key, &o.name)));
            // Never over a file that may hold someone's filled-in values.
            let mut f =
                std::fs::OpenOptions::new().write(true).create_new(true).open(&path).with_context(|| {
                    format!("cannot create {} (an existing file is never overwritten)", path.display())
                })?;
            std::io::Write::write_all(&mut f, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
            say!("Wrote {} ({} values stored so far).", path.display(), view.values.len());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The output file of a streamed export: written under a name of its own beside `path`
/// (`PATH.part`, created at the first write) and renamed to `path` only once complete, so
/// a failed export leaves neither a partial file nor a damaged earlier one.
struct LazyFile {
    path: PathBuf,
    file: Option<std::io::BufWriter<std::fs::File>>,
}

impl LazyFile {
    fn part(&self) -> PathBuf {
        let mut name = self.path.clone().into_os_string();
        name.push(".part");
        PathBuf::from(name)
    }

    /// Flush what is buffered and put the file in its place.
    fn finish(mut self) -> anyhow::Result<()> {
        let Some(f) = self.file.as_mut() else { return Ok(()) };
        std::io::Write::flush(f).with_context(|| format!("cannot write {}", self.part().display()))?;
        self.file = None;
        std::fs::rename(self.part(), &self.path).with_context(|| format!("cannot write {}", self.path.display()))
    }

    /// Remove what a failed export wrote.
    fn abandon(mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(self.part());
        }
    }
}

impl std::io::Write for LazyFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(f) = &mut self.file {
            return f.write(buf);
        }
        let file = std::fs::File::create(self.part())?;
        self.file.insert(std::io::BufWriter::with_capacity(256 * 1024, file)).write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.as_mut().map_or(Ok(()), std::io::Write::flush)
    }
}

/// Write `bytes` to `path`, or to standard output.
fn emit(path: Option<&PathBuf>, bytes: &[u8]) -> anyhow::Result<()> {
    match path {
        Some(p) => std::fs::write(p, bytes).with_context(|| format!("cannot write {}", p.display())),
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(bytes).and_then(|()| out.flush()).context("cannot write to standard output")
        }
    }
}

async fn iati(
    db: DbArgs,
    programme: String,
    publisher: Option<String>,
    output: Option<PathBuf>,
    check: bool,
    csv: bool,
    lang: &str,
) -> anyhow::Result<ExitCode> {
    let s = super::open(&db).await?;
    let publisher = publisher.as_deref();
    if csv {
        let bytes = s.iati_flat(&Caller::System, &programme, publisher).await;
        s.db.close().await;
        emit(output.as_ref(), &bytes.with_context(|| format!("cannot export the results of {programme}"))?)?;
        return Ok(ExitCode::SUCCESS);
    }
    if !check {
        // Written as each activity is made (issue 8: the file of a large programme is never
        // whole in memory), beside its place, and moved there once complete.
        let written = match output.as_ref() {
            Some(p) => {
                let mut file = LazyFile { path: p.clone(), file: None };
                match s.iati_write(&Caller::System, &programme, publisher, &mut file).await {
                    Ok(_) => file.finish(),
                    Err(e) => {
                        file.abandon();
                        Err(anyhow::Error::new(e))
                    }
                }
            }
            None => {
                let out = std::io::BufWriter::with_capacity(256 * 1024, std::io::stdout());
                s.iati_write(&Caller::System, &programme, publisher, out)
                    .await
                    .map_err(anyhow::Error::new)
                    .and_then(|mut o| std::io::Write::flush(&mut o).context("cannot write to standard output"))
            }
        };
        s.db.close().await;
        written.with_context(|| format!("cannot export {programme} to IATI"))?;
        return Ok(ExitCode::SUCCESS);
    }
    let checked = s.iati_check(&Caller::System, &programme, publisher).await;
    s.db.close().await;
    let (xml, problems) = checked.with_context(|| format!("cannot export {programme} to IATI"))?;
    if let Some(p) = &output {
        emit(Some(p), &xml)?;
    }
    // Messages are English (the source language) in their Fluent keys' form; another
    // language is looked up like the pages do (`Tr::message`).
    let tr = dtz_web::i18n::Tr::new(lang);
    for p in &problems {
        let sev = if p.severity == dtz_formats::iati::Severity::Error { "error" } else { "warning" };
        say!("{sev} {}: {} {}: {}", p.rule, p.activity, p.path, tr.message(&p.message));
    }
    let errors = problems.iter().filter(|p| p.severity == dtz_formats::iati::Severity::Error).count();
    let warnings = problems.len() - errors;
    if errors > 0 {
        eprintln!("error: {errors} error(s) and {warnings} warning(s) in the IATI file of {programme}");
        return Ok(ExitCode::FAILURE);
    }
    say!("The IATI file of {programme} passes the checks ({warnings} warning(s)).");
    Ok(ExitCode::SUCCESS)
}
