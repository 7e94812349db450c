//! Exercise 01.4: start every request before waiting for any.
//!
//! Book: `book/src/ch01-sync/overlap.md`.

// ANCHOR: device
/// Something slow that answers requests: a disk, a database, a web server.
///
/// Submitting returns at once with a ticket; the answer is then on its way, and
/// `wait` blocks until it has arrived.
pub trait Device {
    /// A claim on one answer.
    type Ticket;
    /// Sends `request` and returns at once.
    fn submit(&self, request: u32) -> Self::Ticket;
    /// Blocks until the answer for `ticket` has arrived, and returns it.
    fn wait(&self, ticket: Self::Ticket) -> u64;
}

/// The synchronous way, given for comparison: each request is sent, then waited for,
/// before the next is sent. The waits add up.
pub fn fetch_one_by_one<D: Device>(device: &D, requests: &[u32]) -> Vec<u64> {
    requests
        .iter()
        .map(|&request| {
            let ticket = device.submit(request);
            device.wait(ticket)
        })
        .collect()
}
// ANCHOR_END: device

/// Like [`fetch_one_by_one`], but every request is submitted before any is waited for,
/// so that the waits overlap. Still one thread. Returns the answers in request order.
pub fn fetch_overlapped<D: Device>(device: &D, requests: &[u32]) -> Vec<u64> {
    todo!("submit them all first, keep the tickets, then wait for each")
}
