//! The bounded pool that runs every blocking job of `serve` — SAML verification and every
//! SQLite call — so the async workers only move bytes and are never held by a slow or hostile
//! request (issue 12: two 64 KB POSTs to the ACS once held `/healthz` for seconds).
//!
//! A fixed number of threads take jobs from a queue of fixed length. When the queue is full
//! the caller learns at once ([`JobError::Busy`]) and answers 503; nothing waits without bound. A job
//! whose caller has gone (the client disconnected, so the server dropped its request future)
//! is skipped when its turn comes; a job already running cannot be cancelled, which is why
//! everything it runs is linear in its input.

use std::collections::{HashMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

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

/// The queue and who is running what.
struct Queue {
    waiting: VecDeque<(String, Job)>,
    running: HashMap<String, usize>,
}

struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
    max_waiting: usize,
    /// Most workers one workspace may hold at once, so another workspace's job always finds
    /// a worker soon even while one tenant's requests are slow.
    per_workspace: usize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Fixed threads over a bounded queue, fair between workspaces.
pub struct Pool {
    shared: Arc<Shared>,
    skipped: Arc<AtomicU64>,
}

impl Pool {
    /// `threads` workers (≥ 1), room for `queued` waiting jobs (≥ 1), and at most
    /// `per_workspace` workers (≥ 1) busy with one workspace's jobs at once.
    pub fn new(threads: usize, queued: usize, per_workspace: usize) -> std::io::Result<Pool> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue { waiting: VecDeque::new(), running: HashMap::new() }),
            ready: Condvar::new(),
            max_waiting: queued.max(1),
            per_workspace: per_workspace.max(1),
        });
        for i in 0..threads.max(1) {
            let shared = shared.clone();
            std::thread::Builder::new().name(format!("sso-scim-worker-{i}")).spawn(move || work(&shared))?;
        }
        Ok(Pool { shared, skipped: Arc::new(AtomicU64::new(0)) })
    }

    /// Run `job` for `workspace` on a worker and await its result. Fails at once with
    /// [`JobError::Busy`] when the queue is full. Dropping the returned future before the job
    /// starts means the job never runs.
    pub async fn run<T, F>(&self, workspace: &str, job: F) -> Result<T, JobError>
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
        {
            let mut queue = self.shared.lock();
            if queue.waiting.len() >= self.shared.max_waiting {
                return Err(JobError::Busy);
            }
            queue.waiting.push_back((workspace.to_owned(), wrapped));
        }
        self.shared.ready.notify_one();
        rx.await.map_err(|_| JobError::Panicked)
    }

    /// Jobs waiting for a worker now.
    #[cfg(test)]
    fn waiting(&self) -> usize {
        self.shared.lock().waiting.len()
    }

    /// Jobs running now.
    #[cfg(test)]
    fn running(&self) -> usize {
        self.shared.lock().running.values().sum()
    }

    /// Jobs skipped so far because their caller had gone.
    pub fn skipped(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }
}

/// Take the oldest job whose workspace is under its share of workers, run it, repeat.
fn work(shared: &Shared) {
    let mut queue = shared.lock();
    loop {
        let eligible =
            queue.waiting.iter().position(|(ws, _)| queue.running.get(ws).copied().unwrap_or(0) < shared.per_workspace);
        let Some((workspace, job)) = eligible.and_then(|i| queue.waiting.remove(i)) else {
            queue = shared.ready.wait(queue).unwrap_or_else(|e| e.into_inner());
            continue;
        };
        *queue.running.entry(workspace.clone()).or_insert(0) += 1;
        drop(queue);
        job();
        queue = shared.lock();
        if let Some(n) = queue.running.get_mut(&workspace) {
            *n -= 1;
            if *n == 0 {
                queue.running.remove(&workspace);
            }
        }
        // A job held back for this workspace's share may run now, on any idle worker.
        shared.ready.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::mpsc;
    use std::time::Duration;

    /// Wait (bounded) until `pool` has `n` jobs waiting: the tests' tasks enqueue on their own
    /// threads.
    pub(super) fn until_waiting(pool: &Pool, n: usize) {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while pool.waiting() != n {
            assert!(std::time::Instant::now() < deadline, "never {n} waiting");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn until_running(pool: &Pool, n: usize) {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while pool.running() != n {
            assert!(std::time::Instant::now() < deadline, "never {n} running");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap()
    }

    #[test]
    fn a_full_queue_refuses_at_once_and_a_panic_is_an_error() {
        let rt = runtime();
        let pool = Arc::new(Pool::new(1, 1, 1).unwrap());
        let (release, gate) = mpsc::channel::<()>();
        let gate = Arc::new(Mutex::new(gate));
        // One job holds the only worker, one waits in the queue: a third is refused.
        let g = gate.clone();
        let p = pool.clone();
        let running = rt.spawn(async move { p.run("ws", move || g.lock().unwrap().recv().is_ok()).await });
        until_running(&pool, 1);
        let p = pool.clone();
        let queued = rt.spawn(async move { p.run("ws", || 2).await });
        until_waiting(&pool, 1);
        assert_eq!(rt.block_on(pool.run("ws", || 3)), Err(JobError::Busy));
        release.send(()).unwrap();
        assert_eq!(rt.block_on(running).unwrap(), Ok(true));
        assert_eq!(rt.block_on(queued).unwrap(), Ok(2));
        assert_eq!(rt.block_on(pool.run("ws", || -> u8 { panic!("boom") })), Err(JobError::Panicked));
        assert_eq!(rt.block_on(pool.run("ws", || 4)), Ok(4), "the worker survived the panic");
    }

    #[test]
    fn a_job_whose_caller_has_gone_never_runs() {
        let rt = runtime();
        let pool = Arc::new(Pool::new(1, 8, 1).unwrap());
        let (release, gate) = mpsc::channel::<()>();
        let p = pool.clone();
        let blocker = rt.spawn(async move { p.run("ws", move || gate.recv().is_ok()).await });
        until_running(&pool, 1);
        let ran = Arc::new(AtomicU64::new(0));
        for i in 0..3 {
            let ran = ran.clone();
            let p = pool.clone();
            // Queued, then abandoned as a server abandons a disconnected client's request.
            let task = rt.spawn(async move {
                p.run("ws", move || {
                    ran.fetch_add(1, Ordering::SeqCst);
                })
                .await
            });
            until_waiting(&pool, i + 1);
            task.abort();
            let _ = rt.block_on(task);
        }
        release.send(()).unwrap();
        assert_eq!(rt.block_on(blocker).unwrap(), Ok(true));
        assert_eq!(rt.block_on(pool.run("ws", || 5)), Ok(5));
        assert_eq!(ran.load(Ordering::SeqCst), 0, "abandoned jobs were skipped");
        assert_eq!(pool.skipped(), 3);
    }
}

#[cfg(test)]
mod fairness {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn one_workspace_never_holds_more_than_its_share_of_workers() {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let pool = Arc::new(Pool::new(2, 16, 1).unwrap());
        let (release, gate) = mpsc::channel::<()>();
        let gate = Arc::new(Mutex::new(gate));
        // Workspace A queues three slow jobs; with a share of one worker, two of them wait.
        let slow: Vec<_> = (0..3)
            .map(|_| {
                let (p, g) = (pool.clone(), gate.clone());
                rt.spawn(async move { p.run("a", move || g.lock().unwrap().recv().is_ok()).await })
            })
            .collect();
        super::tests::until_waiting(&pool, 2); // one of A's runs, two wait
        // B's job, queued after all of A's, runs at once on the second worker.
        assert_eq!(rt.block_on(pool.run("b", || "b ran")), Ok("b ran"));
        for _ in 0..3 {
            release.send(()).unwrap();
        }
        for task in slow {
            assert_eq!(rt.block_on(task).unwrap(), Ok(true));
        }
    }
}
