//! Per-file work on every core, consumed in file order.
//!
//! Reading, parsing and the statement rules need only the file; the catalog needs the
//! files before it. So helper threads prepare files in any order while the calling
//! thread folds them in order, and prepares files itself whenever the next one in
//! order is not ready yet: on one core nothing changes, on two the parse of one file
//! overlaps the fold of another.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// At most this many threads: beyond it the in-order fold is the bottleneck.
const MAX_THREADS: usize = 4;

/// Set to a number to cap the threads (`1`: everything on the calling thread).
pub const THREADS_VARIABLE: &str = "PGSTRATA_THREADS";

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

/// Main-thread-sized stacks: PostgreSQL's parser and the tree walks recurse as deep
/// as the SQL nests.
const STACK_SIZE: usize = 8 << 20;

/// Runs `prepare(i)` for every `i` in `0..count` and hands each result to
/// `consume(i, result)` in increasing order of `i`, on the calling thread.
pub fn in_order<T, P, C>(count: usize, prepare: P, consume: &mut C)
where
    T: Send,
    P: Fn(usize) -> T + Sync,
    C: FnMut(usize, T),
{
    let helpers = (threads() - 1).min(count.saturating_sub(1));
    let next = AtomicUsize::new(0);
    let claim = || {
        let i = next.fetch_add(1, Ordering::Relaxed);
        (i < count).then_some(i)
    };
    std::thread::scope(|scope| {
        let (sender, receiver) = mpsc::channel();
        for _ in 0..helpers {
            let sender = sender.clone();
            let (prepare, claim) = (&prepare, &claim);
            // A thread that cannot start leaves its share to the others.
            let _ = std::thread::Builder::new()
                .stack_size(STACK_SIZE)
                .spawn_scoped(scope, move || {
                    while let Some(i) = claim() {
                        if sender.send((i, prepare(i))).is_err() {
                            break;
                        }
                    }
                });
        }
        drop(sender);
        let mut ready: BTreeMap<usize, T> = BTreeMap::new();
        for wanted in 0..count {
            let result = loop {
                if let Some(result) = ready.remove(&wanted) {
                    break result;
                }
                if let Ok((i, result)) = receiver.try_recv() {
                    ready.insert(i, result);
                    continue;
                }
                // Nothing in order is ready: prepare a file here rather than wait.
                if let Some(i) = claim() {
                    ready.insert(i, prepare(i));
                    continue;
                }
                // Every file is claimed; the one wanted is on a helper.
                match receiver.recv() {
                    Ok((i, result)) => {
                        ready.insert(i, result);
                    }
                    // Every helper is gone without sending it (one panicked, and the
                    // scope will resume that panic): prepare it here.
                    Err(_) => break prepare(wanted),
                }
            };
            consume(wanted, result);
        }
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
