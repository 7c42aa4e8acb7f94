//! Per-file work on every core, consumed in file order.
//!
//! Reading, parsing and the statement rules need only the file; the catalog needs the
//! files before it. So helper threads prepare files in any order while the calling
//! thread folds them in order, and prepares files itself whenever the next one in
//! order is not ready yet: on one core nothing changes, on two the parse of one file
//! overlaps the fold of another. What the fold leaves over (the file's parse trees)
//! goes back to the thread that built it to be freed: memory freed by the thread that
//! allocated it is cheaper to free, and reused by that thread's next allocations.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// At most this many threads: beyond it the in-order fold is the bottleneck.
const MAX_THREADS: usize = 4;

/// Set to a number to cap the threads (`1`: everything on the calling thread).
pub const THREADS_VARIABLE: &str = "PGSTRATA_THREADS";

/// Main-thread-sized stacks: PostgreSQL's parser and the tree walks recurse as deep
/// as the SQL nests.
const STACK_SIZE: usize = 8 << 20;

/// The threads to use: `PGSTRATA_THREADS`, or one per core up to [`MAX_THREADS`].
fn threads() -> usize {
    std::env::var(THREADS_VARIABLE)
        .ok()
        .and_then(|n| n.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(MAX_THREADS)
        })
}

/// Who prepared a result: the calling thread, or a helper by its index.
#[derive(Clone, Copy)]
enum Preparer {
    Caller,
    Helper(usize),
}

/// Runs `prepare(i)` for every `i` in `0..count` and hands each result to
/// `consume(i, result)` in increasing order of `i`, on the calling thread. What
/// `consume` returns is dropped on the thread that prepared `i`.
pub fn in_order<T, G, P, C>(count: usize, prepare: P, consume: &mut C)
where
    T: Send,
    G: Send,
    P: Fn(usize) -> T + Sync,
    C: FnMut(usize, T) -> G,
{
    let helpers = (threads() - 1).min(count.saturating_sub(1));
    let next = AtomicUsize::new(0);
    let claim = || {
        let i = next.fetch_add(1, Ordering::Relaxed);
        (i < count).then_some(i)
    };
    std::thread::scope(|scope| {
        let (results, received) = mpsc::channel();
        let mut leftovers = Vec::new();
        for helper in 0..helpers {
            let results = results.clone();
            let (leftover, to_free) = mpsc::channel::<G>();
            let (prepare, claim) = (&prepare, &claim);
            let started = std::thread::Builder::new()
                .stack_size(STACK_SIZE)
                .spawn_scoped(scope, move || {
                    while let Some(i) = claim() {
                        while let Ok(garbage) = to_free.try_recv() {
                            drop(garbage);
                        }
                        if results
                            .send((i, Preparer::Helper(helper), prepare(i)))
                            .is_err()
                        {
                            return;
                        }
                    }
                    // Until the caller is done with what this thread prepared.
                    for garbage in to_free {
                        drop(garbage);
                    }
                });
            // A thread that cannot start leaves its share to the others; what would
            // go back to it is dropped where it is.
            leftovers.push(started.is_ok().then_some(leftover));
        }
        drop(results);
        let mut ready: BTreeMap<usize, (Preparer, T)> = BTreeMap::new();
        for wanted in 0..count {
            let (preparer, result) = loop {
                if let Some(result) = ready.remove(&wanted) {
                    break result;
                }
                if let Ok((i, preparer, result)) = received.try_recv() {
                    ready.insert(i, (preparer, result));
                    continue;
                }
                // Nothing in order is ready: prepare a file here rather than wait.
                if let Some(i) = claim() {
                    ready.insert(i, (Preparer::Caller, prepare(i)));
                    continue;
                }
                // Every file is claimed; the one wanted is on a helper.
                match received.recv() {
                    Ok((i, preparer, result)) => {
                        ready.insert(i, (preparer, result));
                    }
                    // Every helper is gone without sending it (one panicked, and the
                    // scope will resume that panic): prepare it here.
                    Err(_) => break (Preparer::Caller, prepare(wanted)),
                }
            };
            let garbage = consume(wanted, result);
            if let Preparer::Helper(helper) = preparer {
                if let Some(Some(leftover)) = leftovers.get(helper) {
                    // A helper that is gone cannot free it: then it is dropped here.
                    let _ = leftover.send(garbage);
                }
            }
        }
        // Closing the channels lets the helpers finish.
        drop(leftovers);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_arrive_in_order_exactly_once() {
        for count in [0, 1, 2, 7, 300] {
            let mut seen = Vec::new();
            in_order(
                count,
                |i| {
                    // Uneven work, so helpers finish out of order.
                    let spin = (count - i) % 5 * 1000;
                    (0..spin).fold(i, |a, b| std::hint::black_box(a ^ b))
                        ^ (0..spin).fold(0, |a, b| a ^ b)
                },
                &mut |i, value| seen.push((i, value)),
            );
            let expected: Vec<(usize, usize)> = (0..count).map(|i| (i, i)).collect();
            assert_eq!(seen, expected);
        }
    }
}
