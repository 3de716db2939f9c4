//! Counting the statements a piece of work runs (how many queries a page costs, for
//! `bench/run`): wrap the work in [`count`], and every statement run inside it on the
//! same task adds one. Outside [`count`] nothing is counted and nothing is paid but a
//! failed task-local lookup.

use std::cell::Cell;
use std::future::Future;

tokio::task_local! {
    static STATEMENTS: Cell<u64>;
}

/// Run `work`, and return its output with the number of statements it ran.
pub async fn count<F: Future>(work: F) -> (F::Output, u64) {
    STATEMENTS
        .scope(Cell::new(0), async move {
            let out = work.await;
            (out, STATEMENTS.with(Cell::get))
        })
        .await
}

/// One more statement (called by every executor method).
pub(crate) fn tick() {
    let _ = STATEMENTS.try_with(|n| n.set(n.get() + 1));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_only_inside_its_scope() {
        tick();
        let ((), n) = count(async {
            tick();
            tick();
        })
        .await;
        assert_eq!(n, 2);
    }
}
