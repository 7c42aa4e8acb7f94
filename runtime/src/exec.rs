//! Drives the runner's future on the calling thread. With a sync driver every future
//! the runner awaits is ready when created, so this polls once per step and never
//! parks; it still parks and waits for a wake-up if a driver's future is not ready, so
//! it is correct for any future. Std only: no async runtime is pulled in for sync users.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(output) => return output,
            // A spurious unpark only costs one more poll.
            Poll::Pending => thread::park(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_futures_complete_at_once() {
        assert_eq!(block_on(async { 1 + 1 }), 2);
    }

    #[test]
    fn a_future_woken_from_another_thread_completes() {
        use std::sync::atomic::{AtomicBool, Ordering};

        struct Later {
            flag: Arc<AtomicBool>,
            started: bool,
        }
        impl Future for Later {
            type Output = &'static str;
            fn poll(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<Self::Output> {
                if self.flag.load(Ordering::SeqCst) {
                    return Poll::Ready("done");
                }
                if !self.started {
                    self.started = true;
                    let (flag, waker) = (self.flag.clone(), cx.waker().clone());
                    thread::spawn(move || {
                        thread::sleep(std::time::Duration::from_millis(20));
                        flag.store(true, Ordering::SeqCst);
                        waker.wake();
                    });
                }
                Poll::Pending
            }
        }
        let flag = Arc::new(AtomicBool::new(false));
        assert_eq!(
            block_on(Later {
                flag,
                started: false
            }),
            "done"
        );
    }
}
