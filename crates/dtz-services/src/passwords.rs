//! Argon2id password hashing, bounded by a semaphore and run off the async threads, never
//! inside a transaction (DESIGN §5).
//!
//! Hashes run on a few threads of their own (one per permit), not on tokio's blocking
//! pool: each Argon2id hash allocates its 19 MiB of memory blocks, and glibc keeps freed
//! blocks in the arena of the thread that used them. Spread over the blocking pool's
//! threads (up to hundreds under a burst of public reports) that held about 1 GB after a
//! few seconds of load (bench/RESULTS.md); on fixed threads the same blocks are reused.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use tokio::sync::{Semaphore, oneshot};

type Job = Box<dyn FnOnce() + Send>;

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
                loop {
                    let job = match rx.lock() {
                        Ok(r) => r.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a hashing thread");
            }
        }
        Self { jobs: tx }
    }

    /// Run `f` on a hashing thread and wait for its answer.
    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
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
        self.workers.run(move || hash_now(&params, &pw)).await?
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
        let ok = self
            .workers
            .run(move || Argon2::default().verify_password(&pw, hash.as_str()).is_ok())
            .await
            .unwrap_or(false);
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

fn hash_now(params: &Params, pw: &[u8]) -> Result<String, String> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password(pw)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
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
    fn the_dummy_hash_has_the_parameters_and_shape_of_a_real_one() {
        for params in [Params::DEFAULT, Params::new(8, 1, 1, None).unwrap_or(Params::DEFAULT)] {
            let real = hash_now(&params, b"pw").unwrap_or_default();
            let dummy = dummy_hash(&params);
            let parts = |h: &str| h.split('$').map(str::len).collect::<Vec<_>>();
            assert_eq!(parts(&real), parts(&dummy), "{real} {dummy}");
            assert_eq!(real.split('$').nth(3), dummy.split('$').nth(3));
            let parsed = argon2::password_hash::phc::PasswordHash::new(&dummy);
            assert!(parsed.is_ok(), "{dummy}: {parsed:?}");
        }
    }
}
