//! An SMTP sink for tests: a TCP listener on 127.0.0.1 that speaks just enough SMTP
//! (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) to take messages, and records them.
//! It can be told to refuse mail for now (451, a temporary failure) or for good (550),
//! so tests can drive retries without a real mail server and without sleeping: a
//! message is recorded before the sink answers the end of DATA, so once the sender has
//! its answer the message is there.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Largest message the sink takes.
const MAX_MESSAGE: usize = 1024 * 1024;

/// A message as the sink received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// Envelope sender (`MAIL FROM`).
    pub from: String,
    /// Envelope recipients (`RCPT TO`).
    pub to: Vec<String>,
    /// The message: headers, a blank line, the body (line ends as sent, dots unstuffed).
    pub data: String,
}

impl Received {
    /// A header's value (unfolded), by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or("");
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }

    /// The body as text, quoted-printable decoded when the message says it is.
    pub fn text(&self) -> String {
        let body = self.data.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
        let qp = self.header("Content-Transfer-Encoding").is_some_and(|e| e.eq_ignore_ascii_case("quoted-printable"));
        if qp { decode_quoted_printable(body) } else { body.to_owned() }
    }
}

/// Undo quoted-printable encoding (RFC 2045 §6.7): soft line breaks and `=XX` bytes.
pub fn decode_quoted_printable(s: &str) -> String {
    let joined = s.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Accept,
    /// 451 to MAIL FROM.
    Temporary,
    /// 550 to RCPT TO.
    Permanent,
}

#[derive(Debug)]
struct Shared {
    messages: Mutex<Vec<Received>>,
    mode: Mutex<Mode>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running SMTP sink; it stops when dropped.
#[derive(Debug)]
pub struct SmtpSink {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl SmtpSink {
    /// Start a sink on a free port of 127.0.0.1.
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared { messages: Mutex::new(Vec::new()), mode: Mutex::new(Mode::Accept) });
        let s = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, s.clone()));
            }
        });
        Ok(Self { addr, shared, task })
    }

    /// The URL dtz takes for it (`smtp://127.0.0.1:PORT?tls=none`).
    pub fn url(&self) -> String {
        format!("smtp://{}?tls=none", self.addr)
    }

    /// Messages received so far, in order.
    pub fn messages(&self) -> Vec<Received> {
        lock(&self.shared.messages).clone()
    }

    /// Refuse mail with a temporary failure (451) until [`SmtpSink::accept`].
    pub fn fail_temporarily(&self) {
        *lock(&self.shared.mode) = Mode::Temporary;
    }

    /// Refuse recipients for good (550) until [`SmtpSink::accept`].
    pub fn fail_permanently(&self) {
        *lock(&self.shared.mode) = Mode::Permanent;
    }

    /// Take mail again.
    pub fn accept(&self) {
        *lock(&self.shared.mode) = Mode::Accept;
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One SMTP conversation. Any I/O error simply ends it, as a real server would.
async fn session(stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP test sink\r\n").await?;
    let mut from = String::new();
    let mut to = Vec::new();
    loop {
        let Some(line) = read_line(&mut read).await? else { return Ok(()) };
        let verb = line.get(..4).unwrap_or(&line).to_ascii_uppercase();
        let mode = *lock(&shared.mode);
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink.test\r\n250-8BITMIME\r\n250 SIZE 1048576\r\n",
            "HELO" | "NOOP" => b"250 OK\r\n",
            "RSET" => {
                (from, to) = (String::new(), Vec::new());
                b"250 OK\r\n"
            }
            "MAIL" if mode == Mode::Temporary => b"451 4.3.0 Try again later\r\n",
            "MAIL" => {
                from = address(&line);
                b"250 OK\r\n"
            }
            "RCPT" if mode == Mode::Permanent => b"550 5.1.1 No such user\r\n",
            "RCPT" => {
                to.push(address(&line));
                b"250 OK\r\n"
            }
            "DATA" => {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let data = read_data(&mut read).await?;
                let msg = Received { from: std::mem::take(&mut from), to: std::mem::take(&mut to), data };
                lock(&shared.messages).push(msg);
                b"250 OK queued\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 Command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

async fn read_line<R: AsyncBufReadExt + Unpin>(r: &mut R) -> std::io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = r.take(MAX_MESSAGE as u64).read_until(b'\n', &mut buf).await?;
    if n == 0 {
        return Ok(None);
    }
    Ok(Some(String::from_utf8_lossy(&buf).trim_end_matches(['\r', '\n']).to_owned()))
}

async fn read_data<R: AsyncBufReadExt + Unpin>(r: &mut R) -> std::io::Result<String> {
    let mut data = String::new();
    while let Some(line) = read_line(r).await? {
        if line == "." {
            break;
        }
        let line = line.strip_prefix('.').unwrap_or(&line);
        if data.len() + line.len() < MAX_MESSAGE {
            data.push_str(line);
            data.push_str("\r\n");
        }
    }
    Ok(data)
}

fn address(line: &str) -> String {
    let inner = line.split_once('<').and_then(|(_, rest)| rest.split_once('>')).map(|(a, _)| a);
    inner.unwrap_or("").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_decodes_soft_breaks_and_bytes() {
        assert_eq!(
            decode_quoted_printable("Se ha dirigido una nueva derivaci=C3=B3n a su=\r\n servicio."),
            "Se ha dirigido una nueva derivación a su servicio."
        );
        assert_eq!(decode_quoted_printable("a=3Db =ZZ"), "a=b =ZZ");
    }
}
