//! Exercise 11.5: seeing inside. A request handler whose events, across its awaits and in
//! the task it spawns, are all recorded inside one `tracing` span for that request, and
//! nowhere else. The page is `book/src/ch11-production/tracing.md`.

use std::future::Future;

use tokio_util::task::TaskTracker;
use tracing::Instrument;

// ANCHOR: given
/// Given. Writes a request's audit record: one event, `"audited"`, at level INFO. The
/// event names no request: which one it belongs to is said by the span it is recorded in.
/// The request's handler runs it as a task of its own.
pub async fn audit() {
    tracing::info!("audited");
}
// ANCHOR_END: given

/// Handles request `id`, whose caller sent the credential `token`.
///
/// - Everything the request records is inside one span for it: a span named `request`,
///   at level INFO, with one field, `id`, recorded as the number `id` (not as text). The
///   token is never recorded, in the span or in any event.
/// - Inside that span, in this order: the event `"started"` (INFO); then `work(token)`,
///   awaited, whose own events are the request's too; then the audit task is spawned;
///   then the event `"done"` (INFO).
/// - While the work waits, the span is not entered: the events other tasks record
///   meanwhile are not inside it, and a request that starts meanwhile gets a span of its
///   own, not one inside this one. And `handle` waits without being polled again until
///   the work wakes it.
/// - The audit, [`audit`], runs as a task of its own, spawned on `audits` (so that whoever
///   shuts the service down can wait for it), and its events are recorded in the
///   request's span itself: that span, not a new one made for the task. `handle` does not
///   wait for it.
pub async fn handle<F, Fut>(id: u64, token: String, work: F, audits: &TaskTracker)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()>,
{
    todo!(
        "put the body in a `request` span that is entered only while it is polled (what does \
         `#[tracing::instrument]` record by default?), and give the spawned task a span too"
    )
}
