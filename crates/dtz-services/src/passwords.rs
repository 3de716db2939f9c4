//! Argon2id password hashing, bounded by a semaphore and run off the async threads, never
//! inside a transaction (DESIGN §5).
//!
//! Hashes run on a few threads of their own (one per permit), not on tokio's blocking
//! pool, and each thread keeps its Argon2 memory (19 MiB at production cost) from hash to
//! hash instead of allocating it per hash. Allocating it per hash cost the serve process
//! hundreds of megabytes under a burst of public reports (bench/RESULTS.md, issue 8):
//! glibc serves a request over its mmap threshold (128 KiB at start) with a fresh
//! mapping, but when such a mapping is freed it raises the threshold to its size, and the
//! trim threshold to twice that; from then on every allocation under 19 MiB, on every
//! thread, came from the per-thread arenas, which kept up to 40 MiB of freed memory each.
//! So the memory is asked for with a capacity over 32 MiB, glibc's ceiling for that
//! raise: it is always a mapping of its own, its untouched tail is never resident, and
//! freeing it neither raises the threshold nor stays in an arena. A thread gives its
//! memory back after [`IDLE`] without work, so an idle server holds none.

use argon2::password_hash::phc::{Output, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;
use tokio::sync::{Semaphore, oneshot};

/// A hashing thread's Argon2 memory, reused from hash to hash.
type Memory = Vec<Block>;

type Job = Box<dyn FnOnce(&mut Memory) + Send>;

/// How long a hashing thread keeps its memory without work.
const IDLE: Duration = Duration::from_secs(10);

/// Blocks asked for at least (1 KiB each): over 32 MiB, the most glibc raises its mmap
/// threshold to, so the memory is always a mapping of its own (see the module's notes).
const MAPPED_BLOCKS: usize = 33 * 1024;

/// The first `count` blocks of `memory`, which grows (once) when it is too small.
fn blocks(memory: &mut Memory, count: usize) -> &mut [Block] {
    if memory.len() < count {
        *memory = Vec::new();
        let mut m = Vec::with_capacity(count.max(MAPPED_BLOCKS));
        m.resize(count, Block::new());
        *memory = m;
    }
    &mut memory[..count]
}

/// A fixed set of threads that run hashing jobs in turn.
#[derive(Debug)]
struct Workers {
    jobs: mpsc::Sender<Job>,
}

impl Workers {
    fn new(threads: usize) -> Self {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads {
            let rx = Arc::clone(&rx);
            let spawned = std::thread::Builder::new().name(format!("dtz-hash-{i}")).spawn(move || {
                let mut memory = Memory::new();
                loop {
                    // The lock is released before the job runs and on a timeout, so each
                    // thread waits in turn and gives its memory back after at most two
                    // idle periods.
                    let job = match rx.lock() {
                        Ok(r) => r.recv_timeout(IDLE),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(&mut memory),
                        Err(RecvTimeoutError::Timeout) => memory = Memory::new(),
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a hashing thread");
            }
        }
        Self { jobs: tx }
    }

    /// Run `f` on a hashing thread, with its memory, and wait for its answer.
    async fn run<T: Send + 'static>(&self, f: impl FnOnce(&mut Memory) -> T + Send + 'static) -> Result<T, String> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _ = tx.send(f(memory));
        });
        self.jobs.send(job).map_err(|e| e.to_string())?;
        rx.await.map_err(|e| e.to_string())
    }
}

/// Hashes and checks passwords.
#[derive(Clone, Debug)]
pub struct Passwords {
    params: Params,
    permits: Arc<Semaphore>,
    dummy: Arc<String>,
    checks: Arc<AtomicU64>,
    workers: Arc<Workers>,
}

/// Cost of the hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cost {
    /// OWASP's recommendation for Argon2id: 19 MiB, 2 passes.
    Production,
    /// Cheap, for tests only.
    Test,
}

impl Passwords {
    /// A hasher allowing `concurrency` hashes at once.
    pub fn new(cost: Cost, concurrency: usize) -> Self {
        let params = match cost {
            Cost::Production => Params::DEFAULT,
            Cost::Test => Params::new(8, 1, 1, None).unwrap_or(Params::DEFAULT),
        };
        let dummy = dummy_hash(&params);
        Self {
            params,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy: Arc::new(dummy),
            checks: Arc::new(AtomicU64::new(0)),
            workers: Arc::new(Workers::new(concurrency.max(1))),
        }
    }

    /// Whether this hasher runs with the cheap test parameters (other Argon2 uses follow it).
    pub fn is_cheap(&self) -> bool {
        self.params.m_cost() < Params::DEFAULT_M_COST
    }

    /// Hash a password (PHC string).
    pub async fn hash(&self, password: &str) -> Result<String, String> {
        let _permit = self.permits.acquire().await.map_err(|e| e.to_string())?;
        let params = self.params.clone();
        let pw = password.as_bytes().to_vec();
        self.workers.run(move |memory| hash_now(&params, &pw, memory)).await?
    }

    /// Check a password against a stored hash; `None` checks against a dummy hash so
    /// an unknown user costs the same work as a wrong password.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> bool {
        let Ok(_permit) = self.permits.acquire().await else {
            return false;
        };
        self.checks.fetch_add(1, Ordering::Relaxed);
        let known = hash.is_some();
        let hash = hash.map_or_else(|| self.dummy.as_str().to_owned(), str::to_owned);
        let pw = password.as_bytes().to_vec();
        let ok = self.workers.run(move |memory| verify_now(&pw, &hash, memory)).await.unwrap_or(false);
        ok && known
    }
}

impl Passwords {
    /// How many checks ran (real or dummy): lets tests see that a wrong and an unknown
    /// credential cost the same work, without timing anything.
    pub fn checks_done(&self) -> u64 {
        self.checks.load(Ordering::Relaxed)
    }
}

/// A hash with `params` that no password matches: checking one against it costs the same
/// work as against a real hash. Written out rather than computed, because computing it
/// cost every start of dtz an Argon2 hash (tens of milliseconds and 19 MiB, bench/).
fn dummy_hash(params: &Params) -> String {
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    // Unpadded Base64 of a 16-byte salt and of `len` zero bytes.
    let (salt, zeros) = ("ZHR6LWR1bW15LXNhbHQtMQ", "A".repeat((len * 4).div_ceil(3)));
    format!("$argon2id$v=19$m={},t={},p={}${salt}${zeros}", params.m_cost(), params.t_cost(), params.p_cost())
}

fn hash_now(params: &Params, pw: &[u8], memory: &mut Memory) -> Result<String, String> {
    let mut salt = [0u8; argon2::RECOMMENDED_SALT_LEN];
    dtz_store::crypto::random(&mut salt).map_err(|e| e.to_string())?;
    let mut out = vec![0u8; params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(pw, &salt, &mut out, blocks(memory, params.block_count()))
        .map_err(|e| e.to_string())?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: params.try_into().map_err(|e: argon2::password_hash::Error| e.to_string())?,
        salt: Some(Salt::new(&salt).map_err(|e| e.to_string())?),
        hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
    };
    Ok(hash.to_string())
}

/// Whether `pw` matches the PHC string `hash`, with the parameters written in it (older
/// hashes keep theirs); the comparison takes the same time wherever they differ.
fn verify_now(pw: &[u8], hash: &str, memory: &mut Memory) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else { return false };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(parsed.algorithm.as_str()), Params::try_from(&parsed))
    else {
        return false;
    };
    let Ok(version) = parsed.version.map_or(Ok(Version::default()), Version::try_from) else { return false };
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params.clone());
    if argon.hash_password_into_with_memory(pw, salt, &mut out, blocks(memory, params.block_count())).is_err() {
        return false;
    }
    Output::new(&out).is_ok_and(|o| &o == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn production_parameters_hash_and_verify() {
        let p = Passwords::new(Cost::Production, 1);
        let h = p.hash("correct horse battery").await.unwrap_or_default();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(p.verify("correct horse battery", Some(&h)).await);
        assert!(!p.verify("wrong horse battery", Some(&h)).await);
        assert!(!p.verify("correct horse battery", None).await);
    }

    #[test]
    fn hashes_are_the_argon2_crates_and_memory_is_reused() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let cheap = Params::new(8, 1, 1, None).unwrap_or(Params::DEFAULT);
        let mut memory = Memory::new();
        let ours = hash_now(&cheap, b"pw", &mut memory).unwrap_or_default();
        assert!(Argon2::default().verify_password(b"pw", ours.as_str()).is_ok(), "{ours}");
        assert!(verify_now(b"pw", &ours, &mut memory));
        assert!(!verify_now(b"pW", &ours, &mut memory));
        let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::DEFAULT)
            .hash_password(b"pw")
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert!(verify_now(b"pw", &theirs, &mut memory), "{theirs}");
        assert!(!verify_now(b"px", &theirs, &mut memory));
        assert!(!verify_now(b"pw", "$argon2id$v=19$garbage", &mut memory));
        let (len, capacity, at) = (memory.len(), memory.capacity(), memory.as_ptr());
        assert_eq!(len, Params::DEFAULT.block_count(), "grown once to the largest cost asked");
        assert!(capacity >= MAPPED_BLOCKS);
        assert!(verify_now(b"pw", &ours, &mut memory) && verify_now(b"pw", &theirs, &mut memory));
        assert_eq!((memory.len(), memory.as_ptr()), (len, at), "the same memory, not a new one");
    }

    #[test]
    fn the_dummy_hash_has_the_parameters_and_shape_of_a_real_one() {
        for params in [Params::DEFAULT, Params::new(8, 1, 1, None).unwrap_or(Params::DEFAULT)] {
            let real = hash_now(&params, b"pw", &mut Memory::new()).unwrap_or_default();
            let dummy = dummy_hash(&params);
            let parts = |h: &str| h.split('$').map(str::len).collect::<Vec<_>>();
            assert_eq!(parts(&real), parts(&dummy), "{real} {dummy}");
            assert_eq!(real.split('$').nth(3), dummy.split('$').nth(3));
            let parsed = argon2::password_hash::phc::PasswordHash::new(&dummy);
            assert!(parsed.is_ok(), "{dummy}: {parsed:?}");
        }
    }
}
