//! A memo of approved figures. Approved values are frozen (DESIGN §4), so the approved
//! figures of a programme are a pure function of its framework (its row version), its set
//! of approved reports (its approved generation, counted in the transaction of every
//! approval and reopening), the caller's scope and what is asked (groupings, filters).
//! Keyed on exactly those, a remembered answer is the answer the rollup function would
//! give again: nothing is kept in sync by hand, and a figure can never be stale, because
//! a change makes a new key rather than updating an entry. Figures with pending values
//! change with every saved draft and are never remembered.
//!
//! An answer is one grouping's cells, so a page that asks two groupings at once shares
//! them with the pages and API calls that ask one of them. After a change of approved
//! figures, [`RollupMemo::changed`] wakes the serve process's warming task
//! (`results::warm`), which computes the most asked answers ahead of their first reader.

use dtz_domain::results::rollup::Cell;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;
use uuid::Uuid;

/// Cells remembered at most, over all entries (a few tens of megabytes at worst); an
/// answer larger than this is computed every time.
const MAX_CELLS: usize = 250_000;

/// What an answer depends on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    /// Programme.
    pub programme: Uuid,
    /// Its row version (the framework).
    pub version: i64,
    /// Its approved generation.
    pub generation: i64,
    /// The caller's scope in the results area, serialised.
    pub scope: String,
    /// What was asked: the grouping and filters, serialised.
    pub question: String,
}

/// Of one grouping, per indicator in framework order, its cells.
pub type Answer = Arc<Vec<Vec<Cell>>>;

#[derive(Debug)]
struct Entry {
    key: Key,
    answer: Answer,
    cells: usize,
    used: u64,
}

/// Whose turn it is to compute answers of one programme for one scope.
type Turns = std::collections::HashMap<(Uuid, String), Arc<tokio::sync::Mutex<()>>>;

#[derive(Debug, Default)]
struct Inner {
    entries: Vec<Entry>,
    clock: u64,
    turns: Turns,
}

/// The memo, shared by clones; least recently used answers go first.
#[derive(Clone, Debug, Default)]
pub struct RollupMemo(Arc<Mutex<Inner>>, Arc<Notify>);

impl RollupMemo {
    /// Say that approved figures changed (an alliance approval, a reopening): wakes the
    /// warming task. Answers are not touched, the new generation is a new key.
    pub fn changed(&self) {
        self.1.notify_one();
    }

    /// Wait until [`Self::changed`] is called (once for any number of calls meanwhile).
    pub async fn wait_changed(&self) {
        self.1.notified().await;
    }

    /// The remembered answer to `key`.
    pub fn get(&self, key: &Key) -> Option<Answer> {
        let mut m = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        m.clock += 1;
        let now = m.clock;
        let e = m.entries.iter_mut().find(|e| &e.key == key)?;
        e.used = now;
        Some(e.answer.clone())
    }

    /// Remember `answer` to `key`, forgetting answers of older generations or versions of
    /// the same programme, and the least recently used ones beyond the size limit.
    pub fn put(&self, key: Key, answer: Answer) {
        let cells: usize = answer.iter().map(Vec::len).sum();
        if cells > MAX_CELLS {
            return;
        }
        let mut m = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        m.clock += 1;
        let used = m.clock;
        m.entries.retain(|e| {
            !(e.key.programme == key.programme && (e.key.version, e.key.generation) != (key.version, key.generation)
                || e.key == key)
        });
        let mut total: usize = m.entries.iter().map(|e| e.cells).sum::<usize>() + cells;
        while total > MAX_CELLS {
            let Some(oldest) = m.entries.iter().enumerate().min_by_key(|(_, e)| e.used).map(|(i, _)| i) else {
                break;
            };
            total -= m.entries.swap_remove(oldest).cells;
        }
        m.entries.push(Entry { key, answer, cells, used });
    }

    /// Wait for the turn to compute answers of `programme` for `scope`: one reader at a
    /// time, so that many readers missing the same answer at once (64 connections after a
    /// start or an approval) compute it once — the others look again when their turn
    /// comes and find it remembered — instead of each reading every value of the
    /// programme (about a million at scale 100) at the same time (issue 8, memory).
    pub async fn turn(&self, programme: Uuid, scope: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut m = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            // Turns nobody holds or waits for are forgotten.
            m.turns.retain(|_, l| Arc::strong_count(l) > 1);
            m.turns.entry((programme, scope.to_owned())).or_default().clone()
        };
        lock.lock_owned().await
    }

    /// Forget every answer (`dtz bench rollup` measures the work after an approval).
    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).entries.clear();
    }

    /// Answers remembered (for tests).
    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).entries.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(generation: i64, question: &str) -> Key {
        Key { programme: Uuid::nil(), version: 1, generation, scope: "all".into(), question: question.into() }
    }

    fn answer(cells: usize) -> Answer {
        let cell = Cell {
            country: None,
            org: None,
            period: None,
            part: None,
            value: Some(1),
            numerator: None,
            denominator: None,
            ratio: None,
            distribution: Default::default(),
            texts: Vec::new(),
            reporters: 1,
            includes_pending: false,
            parts_mismatch: false,
        };
        Arc::new(vec![vec![cell; cells]])
    }

    #[test]
    fn a_new_generation_replaces_the_old_answers_of_its_programme() {
        let m = RollupMemo::default();
        m.put(key(1, "a"), answer(1));
        m.put(key(1, "b"), answer(1));
        assert!(m.get(&key(1, "a")).is_some());
        assert!(m.get(&key(2, "a")).is_none(), "another generation is another question");
        m.put(key(2, "a"), answer(1));
        assert_eq!(m.len(), 1, "answers of generation 1 are gone");
    }

    #[tokio::test]
    async fn turns_are_one_at_a_time_per_programme_and_scope() {
        let m = RollupMemo::default();
        let first = m.turn(Uuid::nil(), "all").await;
        let other = m.turn(Uuid::nil(), "org").await;
        let next = m.clone();
        let waiting = tokio::spawn(async move { next.turn(Uuid::nil(), "all").await });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "the same programme and scope waits");
        drop(first);
        drop(waiting.await.unwrap());
        drop(other);
        drop(m.turn(Uuid::nil(), "all").await);
        assert!(m.0.lock().unwrap().turns.len() <= 1, "turns nobody holds are forgotten");
    }

    #[test]
    fn size_is_bounded_and_least_recently_used_answers_go_first() {
        let m = RollupMemo::default();
        m.put(key(1, "big"), answer(MAX_CELLS + 1));
        assert!(m.is_empty(), "too big to remember");
        m.put(key(1, "a"), answer(MAX_CELLS / 2));
        m.put(key(1, "b"), answer(MAX_CELLS / 2));
        assert!(m.get(&key(1, "a")).is_some());
        m.put(key(1, "c"), answer(10));
        assert!(m.get(&key(1, "b")).is_none(), "b was used least recently");
        assert!(m.get(&key(1, "a")).is_some() && m.get(&key(1, "c")).is_some());
    }
}
