//! The command line: one module per subcommand, each with its options and `run()`.

mod audit;
mod backup;
mod bench;
mod cases;
mod clock;
mod demo;
mod export;
mod import;
mod key;
mod node;
mod org;
mod programme;
mod retention;
mod serve;
mod token;
mod user;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use dtz_services::passwords::Cost;
use dtz_services::{Passwords, Services, Settings};
use dtz_store::db::ConnectOptions;
use dtz_store::{Db, Keys};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// dtz — the information system of the Down to Zero alliance.
#[derive(Parser, Debug)]
#[command(name = "dtz", version, about, long_about = None)]
pub struct Cli {
    /// Log as JSON lines (for log collectors) instead of text.
    #[arg(long, env = "DTZ_LOG_JSON", global = true)]
    log_json: bool,
    #[command(subcommand)]
    command: Command,
}

impl Cli {
    /// Whether this runs the server (a long-running process, unlike the other commands).
    pub fn serves(&self) -> bool {
        matches!(self.command, Command::Serve(_))
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the pages and the API.
    Serve(serve::ServeArgs),
    /// Create or update the database schema.
    Migrate(DbArgs),
    /// Load the Down to Zero demonstration data into an empty database.
    Demo(demo::DemoArgs),
    /// Write a consistent copy of a running SQLite database to a new file.
    Backup(backup::BackupArgs),
    /// Import files (all or nothing).
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Export files.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Organisations.
    #[command(subcommand)]
    Org(org::OrgCommand),
    /// Programmes and their results frameworks.
    #[command(subcommand)]
    Programme(programme::ProgrammeCommand),
    /// User accounts.
    #[command(subcommand)]
    User(user::UserCommand),
    /// API tokens.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Field nodes: enrol a laptop with a hub, sync.
    #[command(subcommand)]
    Node(node::NodeCommand),
    /// The audit chain.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// The key file.
    #[command(subcommand)]
    Key(key::KeyCommand),
    /// Retention: erase what has been kept longer than its period.
    #[command(subcommand)]
    Retention(retention::RetentionCommand),
    /// Case maintenance (re-keying after a device revocation).
    #[command(subcommand)]
    Cases(cases::CasesCommand),
    /// The in-process measures of `bench/run` (not for operators).
    #[command(subcommand, hide = true)]
    Bench(bench::BenchCommand),
}

/// Where the data and the keys are.
#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// Database: sqlite://PATH (created when missing) or postgres://…
    #[arg(long, env = "DTZ_DATABASE_URL", default_value = "sqlite://dtz.db")]
    pub database_url: String,
    /// The key file (created with mode 0600 on first start); back it up apart from the
    /// database.
    #[arg(long, env = "DTZ_KEY_FILE", default_value = "dtz.key")]
    pub key_file: PathBuf,
}

/// Set up logging on stderr.
pub fn logging(cli: &Cli) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("DTZ_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let b = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if cli.log_json {
        b.json().init();
    } else {
        b.init();
    }
}

/// Run the chosen command.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(a) => serve::run(a).await,
        Command::Migrate(a) => {
            let s = open(&a).await?;
            s.db.close().await;
            say!("The database is up to date.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(a) => demo::run(a).await,
        Command::Backup(a) => backup::run(a).await,
        Command::Import(c) => import::run(c).await,
        Command::Export(c) => export::run(c).await,
        Command::Org(c) => org::run(c).await,
        Command::Programme(c) => programme::run(c).await,
        Command::User(c) => user::run(c).await,
        Command::Token(c) => token::run(c).await,
        Command::Audit(c) => audit::run(c).await,
        Command::Node(c) => node::run(c).await,
        Command::Key(c) => key::run(c).await,
        Command::Retention(c) => retention::run(c).await,
        Command::Cases(c) => cases::run(c).await,
        Command::Bench(c) => bench::run(c).await,
    }
}

/// Open the database (migrating it) and the key file (creating it for an empty
/// database), and build the services.
pub async fn open(a: &DbArgs) -> anyhow::Result<Services> {
    let db = Db::connect(&a.database_url, &ConnectOptions::default())
        .await
        .with_context(|| format!("cannot open the database {}", redact(&a.database_url)))?;
    db.migrate().await.context("cannot migrate the database")?;
    let keys = if a.key_file.exists() {
        Keys::load(&a.key_file)?
    } else {
        let head = dtz_store::audit::head(&db).await?;
        if head.seq > 0 {
            bail!(
                "the key file {} is missing, but the database already holds data: restore the key file from its backup (a new key could not read the data)",
                a.key_file.display()
            );
        }
        let (k, _) = Keys::load_or_create(&a.key_file)?;
        eprintln!("Created the key file {} (mode 0600). Back it up apart from the database.", a.key_file.display());
        k
    };
    let concurrency = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let s = Services {
        db,
        keys: Arc::new(keys),
        clock: clock::clock(),
        passwords: Passwords::new(cost(), concurrency),
        settings: Settings::default(),
        rollups: Default::default(),
        read_audit: Default::default(),
        node_key: Default::default(),
    };
    node::unlock_from_env(&s).await?;
    Ok(s)
}

/// Argon2 cost: production unless `DTZ_INSECURE_FAST_HASH=1` (for tests of the binary
/// only; never in a deployment).
fn cost() -> Cost {
    if std::env::var("DTZ_INSECURE_FAST_HASH").is_ok_and(|v| v == "1") { Cost::Test } else { Cost::Production }
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..s + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}
