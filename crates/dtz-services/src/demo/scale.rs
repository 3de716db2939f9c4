//! `dtz demo --scale N`: a seeded, plausible dataset at N times a unit of the programme's
//! size, written in bulk through the store (issue 8). The same seed gives the same data
//! (names, kinds, countries, ids); secrets such as organisation keys still come from the
//! operating system.
//!
//! Each capability adds one generator function to [`generate`] and draws on the
//! [`World`] the earlier ones made. A generator announces its step with [`Gen::step`],
//! writes a batch of at most [`BATCH`] rows per transaction with the store's multi-row
//! inserts, and hands the transaction and its audit events to [`Gen::commit`], which
//! appends the events to the audit chain in the same transaction.

mod activities;
mod cases;
mod directory;
pub mod names;
mod referrals;
pub mod results;

use crate::{Result, Services};
use dtz_domain::access::Role;
use dtz_domain::ids::{OrgId, TeamId, UserId};
use dtz_domain::org::{CountryCode, OrgKind};
use dtz_store::audit::NewEvent;
use dtz_store::{StoreError, Tx};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use uuid::Uuid;

/// Rows per transaction (audit events come on top).
pub const BATCH: usize = 10_000;

/// The seed used when none is given: the year the programme started.
pub const DEFAULT_SEED: u64 = 2016;

/// How much to generate, and from which seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Multiple of the unit size; 100 is the size issue 8 holds dtz to.
    pub scale: u32,
    /// Seed of the random generator.
    pub seed: u64,
}

impl Plan {
    /// Organisations: 2 per scale unit.
    pub fn organisations(&self) -> usize {
        2 * self.scale as usize
    }

    /// Users per organisation.
    pub fn users_per_org(&self) -> usize {
        10
    }

    /// Countries: the ten programme countries, plus others up to 50 at scale 100.
    pub fn countries(&self) -> usize {
        names::PROGRAMME.len() + (names::OTHERS.len() * self.scale as usize / 100).min(names::OTHERS.len())
    }
}

/// Told what the generator is doing, to show progress.
pub trait Progress: Send + Sync {
    /// A step starts that will write `rows` rows.
    fn step(&self, name: &'static str, rows: u64);
    /// `rows` more rows are committed.
    fn advance(&self, rows: u64);
}

/// Progress that nobody watches.
#[derive(Clone, Copy, Debug, Default)]
pub struct Quiet;

impl Progress for Quiet {
    fn step(&self, _: &'static str, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// What one step wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepReport {
    /// The step, e.g. `organisations`.
    pub name: &'static str,
    /// Rows written (audit events not counted).
    pub rows: u64,
    /// Audit events appended.
    pub events: u64,
    /// Time the step took.
    pub elapsed: Duration,
}

/// What a run wrote, and how long it took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The plan it followed.
    pub plan: Plan,
    /// One entry per step, in order.
    pub steps: Vec<StepReport>,
    /// Whole run, including hashing the shared password.
    pub elapsed: Duration,
}

impl Report {
    /// Rows written by every step.
    pub fn rows(&self) -> u64 {
        self.steps.iter().map(|s| s.rows).sum()
    }

    /// Audit events appended by every step.
    pub fn events(&self) -> u64 {
        self.steps.iter().map(|s| s.events).sum()
    }

    /// Rows (audit events included) per second of the whole run.
    pub fn rows_per_second(&self) -> f64 {
        (self.rows() + self.events()) as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// A generated organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenOrg {
    /// Id.
    pub id: OrgId,
    /// Kind.
    pub kind: OrgKind,
    /// Home country.
    pub country: Option<CountryCode>,
}

/// A generated team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenTeam {
    /// Id.
    pub id: TeamId,
    /// Organisation.
    pub org: OrgId,
    /// Country it works in.
    pub country: Option<CountryCode>,
}

/// A generated user with its (one) role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenUser {
    /// Id.
    pub id: UserId,
    /// Organisation.
    pub org: OrgId,
    /// Role.
    pub role: Role,
    /// Team, for case roles.
    pub team: Option<TeamId>,
}

/// A generated case, for the referrals and follow-ups after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenCase {
    /// Id.
    pub id: uuid::Uuid,
    /// Organisation.
    pub org: OrgId,
    /// Country.
    pub country: CountryCode,
    /// Caseworker.
    pub caseworker: UserId,
    /// When it was opened.
    pub opened: OffsetDateTime,
    /// When it was closed, if it is.
    pub closed_at: Option<OffsetDateTime>,
}

/// What the generators made so far, for the ones after them.
#[derive(Clone, Debug, Default)]
pub struct World {
    /// Countries in use, programme countries first.
    pub countries: Vec<CountryCode>,
    /// Organisations.
    pub orgs: Vec<GenOrg>,
    /// Teams.
    pub teams: Vec<GenTeam>,
    /// Users.
    pub users: Vec<GenUser>,
    /// Cases.
    pub cases: Vec<GenCase>,
}

/// A run in progress: the services, the seeded generator, the world so far.
pub struct Gen<'a> {
    s: &'a Services,
    plan: Plan,
    rng: StdRng,
    progress: &'a dyn Progress,
    world: World,
    steps: Vec<StepReport>,
    step_started: Instant,
    now: OffsetDateTime,
    password_hash: String,
    ordered: u64,
}

/// Generate a dataset at `plan`'s scale. Every generated account gets `password`, hashed
/// once (never one Argon2 hash per record).
pub async fn generate(s: &Services, plan: Plan, password: &str, progress: &dyn Progress) -> Result<Report> {
    let started = Instant::now();
    let password_hash = s.passwords.hash(password).await.map_err(StoreError::Crypto)?;
    let mut g = Gen {
        s,
        plan,
        rng: StdRng::seed_from_u64(plan.seed),
        progress,
        world: World::default(),
        steps: Vec::new(),
        step_started: Instant::now(),
        now: s.clock.now(),
        password_hash,
        ordered: 0,
    };
    s.db.bulk_writes(true).await?;
    let run = async {
        directory::organisations(&mut g).await?;
        directory::teams(&mut g).await?;
        directory::users(&mut g).await?;
        results::values(&mut g).await?;
        activities::activities(&mut g).await?;
        cases::cases(&mut g).await?;
        referrals::providers(&mut g).await?;
        referrals::referrals(&mut g).await?;
        referrals::follow_ups(&mut g).await?;
        // Later capabilities add their generators here, each drawing on `g.world`.
        Ok::<_, crate::ServiceError>(())
    }
    .await;
    s.db.bulk_writes(false).await?;
    run?;
    Ok(Report { plan, steps: g.steps, elapsed: started.elapsed() })
}

impl Gen<'_> {
    /// Start a step that will write `rows` rows.
    fn step(&mut self, name: &'static str, rows: u64) {
        self.progress.step(name, rows);
        self.steps.push(StepReport { name, rows: 0, events: 0, elapsed: Duration::ZERO });
        self.step_started = Instant::now();
    }

    /// Append `events` to the audit chain as the last step of `tx`, commit it, and count
    /// `rows` for the current step.
    async fn commit(&mut self, tx: Tx, events: &[NewEvent], rows: u64) -> Result<()> {
        self.s.finish(tx, events).await?;
        if let Some(step) = self.steps.last_mut() {
            step.rows += rows;
            step.events += events.len() as u64;
            step.elapsed = self.step_started.elapsed();
        }
        self.progress.advance(rows);
        Ok(())
    }

    /// A random id from the seeded generator, so a seed fixes the ids too.
    fn uuid(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.rng.random()).into_uuid()
    }

    /// A time-ordered id (UUIDv7, as `values::put_many` gives values and their history)
    /// from the seeded generator: the run's time in milliseconds, a counter of 34 bits
    /// (RFC 9562's "fixed bit-length dedicated counter") and 40 seeded random bits. Rows
    /// written one after the other then append to the id indexes instead of landing on
    /// pages all over them; only the time differs between two runs of one seed.
    fn ordered_uuid(&mut self) -> Uuid {
        self.ordered += 1;
        ordered_uuid(self.now, self.ordered, self.rng.random())
    }

    /// One of `items` (which must not be empty).
    fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[self.rng.random_range(0..items.len())]
    }

    /// A number in 0..100.
    fn percent(&mut self) -> u32 {
        self.rng.random_range(0..100)
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }
}

/// The UUIDv7 of [`Gen::ordered_uuid`]: `at` in milliseconds, `counter`'s low 34 bits,
/// then `random`.
fn ordered_uuid(at: OffsetDateTime, counter: u64, random: [u8; 5]) -> Uuid {
    let ms = u64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
    let mut b = [0u8; 16];
    b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    let c = counter & ((1 << 34) - 1);
    // Version 7 in the high half of byte 6, the variant (0b10) in the top of byte 8.
    let byte = |shift: u32, mask: u64| u8::try_from((c >> shift) & mask).unwrap_or(0);
    b[6] = 0x70 | byte(30, 0x0f);
    b[7] = byte(22, 0xff);
    b[8] = 0x80 | byte(16, 0x3f);
    b[9] = byte(8, 0xff);
    b[10] = byte(0, 0xff);
    b[11..].copy_from_slice(&random);
    Uuid::from_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_ids_are_uuidv7_in_the_order_drawn() {
        let at = time::macros::datetime!(2026-11-29 10:00 UTC);
        let ids: Vec<Uuid> = (1..5_000_000u64).step_by(99_991).map(|n| ordered_uuid(at, n, [0xff; 5])).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids sort as they were drawn");
        for id in &ids {
            assert_eq!(id.get_version_num(), 7);
            assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
            let (secs, _) = id.get_timestamp().expect("a time").to_unix();
            assert_eq!(Some(secs), u64::try_from(at.unix_timestamp()).ok());
        }
    }

    #[test]
    fn scale_100_is_200_organisations_in_50_countries() {
        let p = Plan { scale: 100, seed: 1 };
        assert_eq!((p.organisations(), p.countries()), (200, 50));
        assert_eq!(Plan { scale: 1, seed: 1 }.countries(), 10);
        assert_eq!(Plan { scale: 1000, seed: 1 }.countries(), 50);
    }
}
