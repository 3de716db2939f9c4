//! Running the real `dtz` binary: a working directory per test, the database it uses,
//! a server that is killed when the test ends, and a minimal HTTP/1.1 GET.

use dtz_store::db::ConnectOptions;
use dtz_store::{Db, Sql};
use dtz_testkit::{Backend, TestDb};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// One test's world: a working directory (where `dtz.db` and `dtz.key` land) and, for
/// PostgreSQL, a fresh database that is dropped afterwards.
pub struct Env {
    pub dir: tempfile::TempDir,
    pg: Option<TestDb>,
}

impl Env {
    /// SQLite: the binary's default `sqlite://dtz.db` in the working directory.
    pub fn sqlite() -> Self {
        Self { dir: tempfile::tempdir().expect("temp dir"), pg: None }
    }

    /// PostgreSQL through `DTZ_DATABASE_URL`, or `None` (skip) when not configured.
    pub async fn postgres() -> Option<Self> {
        let pg = TestDb::new(Backend::Postgres).await?;
        Some(Self { dir: tempfile::tempdir().expect("temp dir"), pg: Some(pg) })
    }

    /// A second, empty world on the same kind of database (for round trips).
    pub async fn another(&self) -> Self {
        match &self.pg {
            Some(_) => Self::postgres().await.expect("PostgreSQL is configured"),
            None => Self::sqlite(),
        }
    }

    /// A path in the working directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The database the binary uses.
    pub fn url(&self) -> String {
        match &self.pg {
            Some(t) => t.url.clone(),
            None => format!("sqlite://{}", self.path("dtz.db").display()),
        }
    }

    /// A `dtz` command in the working directory: cheap Argon2, no inherited settings,
    /// and `DTZ_DATABASE_URL` pointing at the PostgreSQL test database if there is one.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_dtz"));
        c.args(args).current_dir(self.dir.path()).stdin(Stdio::null()).env("DTZ_INSECURE_FAST_HASH", "1");
        // A field node's passphrase for commands that need one and are given no file.
        c.env("DTZ_NODE_PASSPHRASE", crate::node_secure::PASSPHRASE);
        for var in ["DTZ_DATABASE_URL", "DTZ_KEY_FILE", "DTZ_ADDR", "DTZ_HTTPS", "DTZ_LOG_JSON", "GLIBC_TUNABLES"] {
            c.env_remove(var);
        }
        if let Some(t) = &self.pg {
            c.env("DTZ_DATABASE_URL", &t.url);
        }
        c
    }

    /// Run `dtz ARGS` to the end.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::of(args, self.cmd(args).output().expect("run dtz"))
    }

    /// Run `dtz ARGS` to the end with extra environment variables.
    pub fn run_env(&self, args: &[&str], envs: &[(&str, &str)]) -> Run {
        Run::of(args, self.cmd(args).envs(envs.iter().copied()).output().expect("run dtz"))
    }

    /// Run `dtz ARGS` with `input` on standard input.
    pub fn run_with_stdin(&self, args: &[&str], input: &str) -> Run {
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start dtz");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(input.as_bytes()).expect("write stdin");
        drop(stdin);
        Run::of(args, child.wait_with_output().expect("run dtz"))
    }

    /// Run `dtz ARGS`, require success, and return what it printed on stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        self.run(args).success().stdout
    }

    /// Run SQL statements in one transaction directly on the database (as an attacker
    /// with database access would), returning the rows each one changed.
    pub async fn tamper(&self, statements: &[Sql]) -> Vec<u64> {
        let db = Db::connect(&self.url(), &ConnectOptions::default()).await.expect("open the database");
        let mut tx = db.begin().await.expect("begin");
        let mut changed = Vec::new();
        for s in statements {
            changed.push(tx.q().execute(s).await.expect("tamper"));
        }
        tx.commit().await.expect("commit");
        db.close().await;
        changed
    }

    /// Start `dtz serve` on a free port; returns once it said it is serving and
    /// answers `/healthz`. The server is killed when the returned guard drops.
    pub fn serve(&self, extra: &[&str]) -> Server {
        self.serve_env(extra, &[])
    }

    /// `dtz serve` as [`Env::serve`], with extra environment variables.
    pub fn serve_env(&self, extra: &[&str], envs: &[(&str, &str)]) -> Server {
        let addr = free_addr();
        let addr_text = addr.to_string();
        let mut args = vec!["serve", "--addr", addr_text.as_str()];
        args.extend_from_slice(extra);
        let log = self.path("serve.log");
        let mut child = self
            .cmd(&args)
            .envs(envs.iter().copied())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("start dtz serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server { child, addr, log, printed: Vec::new() };
        server.await_serving_line(&lines);
        server.await_answering();
        server
    }
}

/// What a finished command did.
#[derive(Debug)]
pub struct Run {
    pub args: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn of(args: &[&str], o: Output) -> Self {
        Self {
            args: args.join(" "),
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// Require exit 0.
    pub fn success(self) -> Self {
        assert_eq!(self.code, Some(0), "`dtz {}` failed: {self:#?}", self.args);
        self
    }

    /// Require a non-zero exit with an `error:` line on stderr mentioning `hint`, and
    /// nothing on stdout.
    pub fn rejected(self, hint: &str) -> Self {
        assert!(matches!(self.code, Some(c) if c != 0), "`dtz {}` should fail: {self:#?}", self.args);
        assert!(
            self.stderr.contains("error:") && self.stderr.contains(hint),
            "`dtz {}` should say {hint:?} on stderr: {self:#?}",
            self.args
        );
        assert!(self.stdout.is_empty(), "`dtz {}`: {self:#?}", self.args);
        self
    }
}

/// A free local address (bound and released; the server binds it right after).
fn free_addr() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local addr")
}

/// A running `dtz serve`, killed on drop.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    log: PathBuf,
    /// What it printed on stdout up to and including the "serving" line.
    pub printed: Vec<String>,
}

impl Server {
    /// The server's environment as the kernel shows it (`/proc/PID/environ`): what the
    /// running process has, after any `exec` of its own.
    pub fn environment(&self) -> Vec<String> {
        let raw = std::fs::read(format!("/proc/{}/environ", self.child.id())).expect("environ");
        raw.split(|b| *b == 0).filter(|v| !v.is_empty()).map(|v| String::from_utf8_lossy(v).into_owned()).collect()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn await_serving_line(&mut self, lines: &mpsc::Receiver<String>) {
        let want = format!("dtz is serving on http://{}", self.addr);
        loop {
            // The bound only keeps a hung server from hanging the test run.
            match lines.recv_timeout(Duration::from_secs(120)) {
                Ok(line) => {
                    let done = line == want;
                    self.printed.push(line);
                    if done {
                        return;
                    }
                }
                Err(e) => panic!(
                    "dtz serve never printed {want:?} ({e}); stdout: {:#?}; stderr: {}",
                    self.printed,
                    self.log()
                ),
            }
        }
    }

    /// Poll `/healthz` until the server answers it (with any status: the tests assert
    /// the status themselves).
    fn await_answering(&mut self) {
        for _ in 0..200 {
            if http_get(self.addr, "/healthz", None).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("dtz serve exited with {status}: {}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("/healthz never answered: {}", self.log());
    }

    /// GET `path` (with a bearer token), returning the status and the body.
    pub fn get(&self, path: &str, token: Option<&str>) -> (u16, String) {
        http_get(self.addr, path, token).unwrap_or_else(|e| panic!("GET {path}: {e}; server log: {}", self.log()))
    }

    /// POST a form body to `path`, returning the status and the body once the server
    /// has sent the whole answer.
    pub fn post_form(&self, path: &str, body: &str) -> (u16, String) {
        http_post_form(self.addr, path, body).unwrap_or_else(|e| panic!("POST {path}: {e}; server log: {}", self.log()))
    }

    /// Kill the server with SIGKILL (`kill -9`): no graceful shutdown, no flush.
    pub fn kill9(mut self) {
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().expect("reap the server");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 GET over a fresh connection (`Connection: close`).
fn http_get(addr: SocketAddr, path: &str, token: Option<&str>) -> std::io::Result<(u16, String)> {
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    http_exchange(addr, &format!("GET {path} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n"))
}

/// One HTTP/1.1 POST of a form over a fresh connection (`Connection: close`).
fn http_post_form(addr: SocketAddr, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    http_exchange(
        addr,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// Send a whole request and read the whole answer (the server closes the connection).
fn http_exchange(addr: SocketAddr, request: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    s.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line in {head:?}")))?;
    let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
    Ok((status, if chunked { dechunk(body) } else { body.to_owned() }))
}

/// The body of a chunked response.
fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

/// The value of the `Password: …` line, if printed.
pub fn password_in(stdout: &str) -> Option<&str> {
    stdout.lines().find_map(|l| l.trim().strip_prefix("Password: "))
}

/// The tab-separated `dtz user list` row of `email`.
pub fn user_row(env: &Env, email: &str) -> Option<Vec<String>> {
    env.ok(&["user", "list"])
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect::<Vec<_>>())
        .find(|cols| cols.first().is_some_and(|e| e == email))
}

/// Create an organisation "X" (a local partner in Bolivia) and an M&E officer in it.
pub fn org_and_user(env: &Env, email: &str) -> String {
    env.ok(&["org", "create", "--name", "X", "--kind", "local_partner", "--country", "BO"]);
    env.ok(&[
        "user",
        "create",
        "--email",
        email,
        "--name",
        "A",
        "--org",
        "X",
        "--role",
        "me_officer",
        "--country",
        "BO",
    ])
}
