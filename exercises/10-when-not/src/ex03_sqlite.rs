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

/// A SQLite database behind a thread of its own.
pub struct Store {
    // Add the fields the store needs: how requests reach the database thread (the
    // sending half of a bounded channel of boxed closures, for example), and how
    // `shutdown` waits for that thread to finish.
}

impl Store {
    /// Opens (or creates) the database at `path` and starts its thread. Fails if SQLite
    /// cannot open the file.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        todo!("open the connection, then start a thread that owns it and runs the jobs it receives")
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
        todo!(
            "send a job that answers through a oneshot (await the send: the queue is bounded), then await the oneshot"
        )
    }

    /// Stops the store: every request sent before this is carried out, then the thread
    /// ends and the database is closed. Returns once that is done: `Ok(())`, or
    /// `Err(StoreError::Closed)` if the thread had died (a query panicked on it).
    pub async fn shutdown(self) -> Result<(), StoreError> {
        todo!("drop the sender, then wait for the thread without blocking the loop")
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
