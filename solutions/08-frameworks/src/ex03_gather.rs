//! Exercise 08.3: tokio as asyncio: `gather` with a limit, a per-call timeout, and the rest
//! cancelled on the first error.
//!
//! The page is `book/src/ch08-frameworks/gather.md`.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// A slow remote service: one call per item id.
pub trait Service: Send + Sync + 'static {
    /// Fetches item `id`. Dropping the future cancels the call.
    fn call(&self, id: u32) -> impl Future<Output = Result<String, String>> + Send;
}

/// Why `fetch_all` gave up. The first error wins; the calls still running are cancelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// The call for `id` took longer than the per-call limit.
    Timeout { id: u32 },
    /// The service answered the call for `id` with an error.
    Failed { id: u32, reason: String },
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Timeout { id } => write!(f, "item {id}: the call timed out"),
            FetchError::Failed { id, reason } => write!(f, "item {id}: {reason}"),
        }
    }
}

impl std::error::Error for FetchError {}

/// Fetches every id, at most `limit` calls at a time, each call given at most `per_call`.
/// Returns the items in the order of `ids`, or the first error; on an error, the calls
/// still in flight are cancelled before this returns.
pub async fn fetch_all<S: Service>(
    service: Arc<S>,
    ids: Vec<u32>,
    limit: usize,
    per_call: Duration,
) -> Result<Vec<String>, FetchError> {
    // The semaphore is asyncio's `Semaphore(limit)`: a task holds a permit for the length
    // of its call, so at most `limit` calls are in flight; the others wait for a permit.
    let permits = Arc::new(Semaphore::new(limit));
    // A JoinSet owns its tasks, so on an error it can stop every call still running.
    let mut tasks = JoinSet::new();
    for (slot, id) in ids.iter().copied().enumerate() {
        let service = service.clone();
        let permits = permits.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("never closed");
            // `timeout` drops the call's future when time is up, which cancels the call
            // itself, not just our wait for it.
            let outcome = match tokio::time::timeout(per_call, service.call(id)).await {
                Ok(Ok(item)) => Ok(item),
                Ok(Err(reason)) => Err(FetchError::Failed { id, reason }),
                Err(_) => Err(FetchError::Timeout { id }),
            };
            (slot, outcome)
        });
    }
    let mut items = vec![String::new(); ids.len()];
    // Results in the order they finish, so the first error is seen as soon as it happens.
    while let Some(joined) = tasks.join_next().await {
        let (slot, outcome) = joined.expect("a fetch task panicked");
        match outcome {
            Ok(item) => items[slot] = item,
            Err(error) => {
                // Dropping the JoinSet would only *ask* its tasks to stop: each is dropped
                // when the runtime next gets to it, after we have returned. `shutdown`
                // aborts them and waits until every one is gone, so no call is still
                // running (or about to start) when the caller sees the error.
                tasks.shutdown().await;
                return Err(error);
            }
        }
    }
    Ok(items)
}
