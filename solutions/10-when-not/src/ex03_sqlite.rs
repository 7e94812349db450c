//! Exercise 10.3: no async driver. SQLite's API (through `rusqlite`) blocks, so the
//! database gets a thread of its own and the async side talks to it over a bounded
//! channel, each request carrying a oneshot for its answer. The page is
//! `book/src/ch10-when-not/sqlite.md`.

use std::fmt;
use std::path::Path;
use std::thread;

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

// ANCHOR: given
/// Given. What can go wrong with a request.
#[derive(Debug)]
pub enum StoreError {
    /// SQLite said no (bad SQL, a constraint, a full disk). The store keeps working.
    Sql(rusqlite::Error),
    /// The database thread is gone: the store was shut down, or the thread died.
    Closed,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Sql(error) => write!(f, "the database refused: {error}"),
            StoreError::Closed => write!(f, "the database thread is gone"),
        }
    }
}

impl std::error::Error for StoreError {}

/// Given. How many requests may wait in the queue for the database thread. A caller that
/// finds the queue full waits in `call`, without blocking the loop, until the thread has
/// taken a request and made room: under overload the callers slow down, and the queue's
/// memory stays bounded.
pub const CAPACITY: usize = 64;
// ANCHOR_END: given

/// One request for the database thread: a closure that gets the connection.
/// It answers its caller itself, through the oneshot it captured.
type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// A SQLite database behind a thread of its own.
pub struct Store {
    /// Requests go to the database thread in order, through a queue of at most
    /// [`CAPACITY`]. An async channel: a caller that finds it full parks in
    /// `send(..).await` and the loop serves other tasks meanwhile (a std `sync_channel`
    /// would block the loop's thread instead, and an unbounded one would let the queue
    /// grow for as long as an overload lasts).
    jobs: mpsc::Sender<Job>,
    /// Joined by `shutdown`, so that the caller knows every queued write has been done.
    worker: thread::JoinHandle<()>,
}

impl Store {
    /// Opens (or creates) the database at `path` and starts its thread. Fails if SQLite
    /// cannot open the file.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        // Open here, on the caller's thread, so that a bad path is the caller's error;
        // then move the connection to the thread that will own it from now on.
        let mut connection = Connection::open(path).map_err(StoreError::Sql)?;
        let (jobs, mut queue) = mpsc::channel::<Job>(CAPACITY);
        let worker = thread::Builder::new()
            .name("sqlite".into())
            .spawn(move || {
                // This thread is not async: it blocks on the queue, asleep until a job
                // comes, which is what a thread is for. `blocking_recv` gives `None` only
                // when every sender is gone *and* the queue is empty, so the jobs already
                // queued are done first: that is how shutdown loses nothing.
                while let Some(job) = queue.blocking_recv() {
                    job(&mut connection);
                }
            })
            .expect("could not start the database thread");
        Ok(Store { jobs, worker })
    }

    /// Runs `query` on the database thread and waits (without blocking the loop) for its
    /// answer. If [`CAPACITY`] requests are waiting already, first waits (the same way)
    /// for room in the queue. An SQLite error is returned to the caller; the store goes on
    /// serving.
    pub async fn call<T, Q>(&self, query: Q) -> Result<T, StoreError>
    where
        Q: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |connection| {
            // The caller may have given up (its future dropped): then nobody listens,
            // and that is fine.
            let _ = reply.send(query(connection));
        });
        // A full queue parks this task here until the thread takes a job: the overload
        // reaches the caller as a wait, and no more than CAPACITY jobs are ever queued.
        self.jobs.send(job).await.map_err(|_| StoreError::Closed)?;
        // The reply is awaited, so the loop runs other tasks meanwhile. If the thread
        // dies before answering, the sender is dropped and this is `Closed`.
        match answer.await {
            Ok(result) => result.map_err(StoreError::Sql),
            Err(_) => Err(StoreError::Closed),
        }
    }

    /// Stops the store: every request sent before this is carried out, then the thread
    /// ends and the database is closed. Returns once that is done: `Ok(())`, or
    /// `Err(StoreError::Closed)` if the thread had died (a query panicked on it).
    pub async fn shutdown(self) -> Result<(), StoreError> {
        let Store { jobs, worker } = self;
        // Dropping the last sender ends the thread's loop once the queue is empty.
        drop(jobs);
        // Joining blocks, so it goes to the blocking pool; the loop stays free. A thread
        // that died of a panic joins as an error, and the caller hears of it.
        tokio::task::spawn_blocking(move || worker.join())
            .await
            .map_err(|_| StoreError::Closed)?
            .map_err(|_| StoreError::Closed)
    }
}

// ANCHOR: kv
/// Given. A small key-value table on top of `call`, as a service would use it.
impl Store {
    /// Creates the table if it is not there yet.
    pub async fn create_table(&self) -> Result<(), StoreError> {
        self.call(|db| {
            db.execute(
                "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
                (),
            )
            .map(|_| ())
        })
        .await
    }

    /// Sets `key` to `value`.
    pub async fn put(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let (key, value) = (key.to_string(), value.to_string());
        self.call(move |db| {
            db.execute(
                "INSERT INTO kv (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (&key, &value),
            )
            .map(|_| ())
        })
        .await
    }

    /// The value of `key`, if it has one.
    pub async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        let key = key.to_string();
        self.call(move |db| {
            let mut statement = db.prepare_cached("SELECT value FROM kv WHERE key = ?1")?;
            let mut rows = statement.query([&key])?;
            match rows.next()? {
                Some(row) => row.get(0).map(Some),
                None => Ok(None),
            }
        })
        .await
    }
}
// ANCHOR_END: kv
