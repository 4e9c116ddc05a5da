//! The bounded pool that runs every blocking job of `serve` — SAML verification and every
//! SQLite call — so the async workers only move bytes and are never held by a slow or hostile
//! request (issue 12: two 64 KB POSTs to the ACS once held `/healthz` for seconds).
//!
//! A fixed number of threads take jobs from a queue of fixed length. When the queue is full
//! the caller learns at once ([`JobError::Busy`]) and answers 503; nothing waits without bound. A job
//! whose caller has gone (the client disconnected, so the server dropped its request future)
//! is skipped when its turn comes; a job already running cannot be cancelled, which is why
//! everything it runs is linear in its input.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

/// Why a job gave no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobError {
    /// Every worker is busy and the queue is full.
    Busy,
    /// The job panicked (the worker survives; the panic is logged).
    Panicked,
}

/// Fixed threads over a bounded queue.
pub struct Pool {
    queue: SyncSender<Job>,
    skipped: Arc<AtomicU64>,
}

impl Pool {
    /// `threads` workers (≥ 1) and room for `queued` waiting jobs (≥ 1).
    pub fn new(threads: usize, queued: usize) -> std::io::Result<Pool> {
        let (queue, jobs) = sync_channel::<Job>(queued.max(1));
        let jobs = Arc::new(Mutex::new(jobs));
        for i in 0..threads.max(1) {
            let jobs = jobs.clone();
            std::thread::Builder::new().name(format!("sso-scim-worker-{i}")).spawn(move || work(&jobs))?;
        }
        Ok(Pool { queue, skipped: Arc::new(AtomicU64::new(0)) })
    }

    /// Run `job` on a worker and await its result. Fails at once with [`JobError::Busy`] when
    /// the queue is full. Dropping the returned future before the job starts means the job
    /// never runs.
    pub async fn run<T, F>(&self, job: F) -> Result<T, JobError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let skipped = self.skipped.clone();
        let wrapped: Job = Box::new(move || {
            if tx.is_closed() {
                skipped.fetch_add(1, Ordering::Relaxed);
                tracing::debug!("a queued job was dropped: its client has gone");
                return;
            }
            match catch_unwind(AssertUnwindSafe(job)) {
                Ok(value) => {
                    let _ = tx.send(value);
                }
                Err(_) => tracing::error!("a blocking job panicked; the request is answered 500"),
            }
        });
        match self.queue.try_send(wrapped) {
            Ok(()) => rx.await.map_err(|_| JobError::Panicked),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => Err(JobError::Busy),
        }
    }

    /// Jobs skipped so far because their caller had gone.
    pub fn skipped(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }
}

fn work(jobs: &Mutex<Receiver<Job>>) {
    loop {
        // The lock is held only while waiting for the next job, never while running one.
        let next = jobs.lock().unwrap_or_else(|e| e.into_inner()).recv();
        match next {
            Ok(job) => job(),
            Err(_) => return, // the pool is gone
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap()
    }

    #[test]
    fn a_full_queue_refuses_at_once_and_a_panic_is_an_error() {
        let rt = runtime();
        let pool = Arc::new(Pool::new(1, 1).unwrap());
        let (release, gate) = mpsc::channel::<()>();
        let gate = Arc::new(Mutex::new(gate));
        // One job holds the only worker, one waits in the queue: a third is refused.
        let g = gate.clone();
        let p = pool.clone();
        let running = rt.spawn(async move { p.run(move || g.lock().unwrap().recv().is_ok()).await });
        std::thread::sleep(Duration::from_millis(50));
        let p = pool.clone();
        let queued = rt.spawn(async move { p.run(|| 2).await });
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(rt.block_on(pool.run(|| 3)), Err(JobError::Busy));
        release.send(()).unwrap();
        assert_eq!(rt.block_on(running).unwrap(), Ok(true));
        assert_eq!(rt.block_on(queued).unwrap(), Ok(2));
        assert_eq!(rt.block_on(pool.run(|| -> u8 { panic!("boom") })), Err(JobError::Panicked));
        assert_eq!(rt.block_on(pool.run(|| 4)), Ok(4), "the worker survived the panic");
    }

    #[test]
    fn a_job_whose_caller_has_gone_never_runs() {
        let rt = runtime();
        let pool = Arc::new(Pool::new(1, 8).unwrap());
        let (release, gate) = mpsc::channel::<()>();
        let p = pool.clone();
        let blocker = rt.spawn(async move { p.run(move || gate.recv().is_ok()).await });
        std::thread::sleep(Duration::from_millis(50));
        let ran = Arc::new(AtomicU64::new(0));
        for _ in 0..3 {
            let ran = ran.clone();
            let p = pool.clone();
            // Queued, then abandoned as a server abandons a disconnected client's request.
            let task = rt.spawn(async move {
                p.run(move || {
                    ran.fetch_add(1, Ordering::SeqCst);
                })
                .await
            });
            rt.block_on(async { tokio::time::sleep(Duration::from_millis(10)).await });
            task.abort();
            let _ = rt.block_on(task);
        }
        release.send(()).unwrap();
        assert_eq!(rt.block_on(blocker).unwrap(), Ok(true));
        assert_eq!(rt.block_on(pool.run(|| 5)), Ok(5));
        assert_eq!(ran.load(Ordering::SeqCst), 0, "abandoned jobs were skipped");
        assert_eq!(pool.skipped(), 3);
    }
}
