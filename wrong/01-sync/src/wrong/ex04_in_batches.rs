//! Wrong: never has more than 4 requests in flight ("so as not to flood the device"): it
//! submits a batch of 4, waits for it, then submits the next. A list of 4 or fewer passes
//! for overlapped; a longer one pays one latency per batch.
pub use ch01_solution::ex04_overlap::*;

pub fn fetch_overlapped<D: Device>(device: &D, requests: &[u32]) -> Vec<u64> {
    const MOST_IN_FLIGHT: usize = 4;
    let mut answers = Vec::with_capacity(requests.len());
    for batch in requests.chunks(MOST_IN_FLIGHT) {
        let tickets: Vec<D::Ticket> = batch.iter().map(|&r| device.submit(r)).collect();
        answers.extend(tickets.into_iter().map(|t| device.wait(t)));
    }
    answers
}
