//! Tests for exercise 01.4: `fetch_overlapped`.
//!
//! The device here runs on a *logical* clock: every request takes 10 ticks from the
//! moment it is submitted, and `wait` moves the clock forward to when the answer
//! arrives. So the tests see exactly how much waiting an answer causes, on any machine.

use ch01_sync::ex04_overlap::{Device, fetch_one_by_one, fetch_overlapped};
use std::cell::RefCell;
use support::timeout;

const LATENCY: u64 = 10;

#[derive(Default)]
struct FakeDevice {
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    now: u64,
    in_flight: usize,
    most_in_flight: usize,
    submitted: Vec<u32>,
    next_ticket: usize,
    /// For each ticket: its request, when the answer arrives, and whether it was collected.
    tickets: Vec<(u32, u64, bool)>,
}

/// A ticket that cannot be forged or copied: only `submit` makes one.
#[derive(Debug)]
struct Ticket(usize);

impl Device for FakeDevice {
    type Ticket = Ticket;

    fn submit(&self, request: u32) -> Ticket {
        let mut s = self.state.borrow_mut();
        let ready_at = s.now + LATENCY;
        s.submitted.push(request);
        s.tickets.push((request, ready_at, false));
        s.in_flight += 1;
        s.most_in_flight = s.most_in_flight.max(s.in_flight);
        s.next_ticket += 1;
        Ticket(s.next_ticket - 1)
    }

    fn wait(&self, ticket: Ticket) -> u64 {
        let mut s = self.state.borrow_mut();
        let (request, ready_at, collected) = s.tickets[ticket.0];
        assert!(!collected, "a ticket was waited for twice");
        s.tickets[ticket.0].2 = true;
        s.in_flight -= 1;
        s.now = s.now.max(ready_at); // blocking: time passes until the answer is there
        u64::from(request) * 100
    }
}

fn run(requests: &'static [u32]) -> (Vec<u64>, State) {
    timeout(move || {
        let device = FakeDevice::default();
        let answers = fetch_overlapped(&device, requests);
        (answers, device.state.into_inner())
    })
}

#[test]
fn every_request_is_in_flight_before_the_first_wait() {
    let (_, state) = run(&[1, 2, 3, 4]);
    assert_eq!(
        state.most_in_flight, 4,
        "at most {} request(s) were in flight at once; all 4 should be, or their waits \
         cannot overlap",
        state.most_in_flight
    );
}

#[test]
fn the_waits_overlap_so_the_run_takes_one_latency() {
    let (_, state) = run(&[1, 2, 3]);
    let one_by_one = {
        let device = FakeDevice::default();
        fetch_one_by_one(&device, &[1, 2, 3]);
        device.state.into_inner().now
    };
    assert_eq!(
        one_by_one,
        3 * LATENCY,
        "(the given one-by-one version is the baseline)"
    );
    assert_eq!(
        state.now, LATENCY,
        "three overlapped requests should take {LATENCY} ticks, like one; this run took \
         {} (one by one takes {one_by_one})",
        state.now
    );
}

#[test]
fn a_long_list_is_all_in_flight_before_the_first_wait() {
    // However many requests there are, every one is submitted before the first wait: a
    // cap on the requests in flight (batches of 4, 16, 100...) makes a long list pay one
    // latency per batch.
    const MANY: usize = 1000;
    let requests: &'static [u32] = Vec::leak((0..MANY as u32).collect());
    let (answers, state) = run(requests);
    assert_eq!(
        answers.len(),
        MANY,
        "{MANY} requests, but {} answers came back",
        answers.len()
    );
    assert_eq!(
        state.most_in_flight, MANY,
        "at most {} of {MANY} requests were in flight at once: submit every one of them \
         before waiting for any, however long the list",
        state.most_in_flight
    );
    assert_eq!(
        state.now, LATENCY,
        "{MANY} overlapped requests should take {LATENCY} ticks, like one; this run took {}",
        state.now
    );
}

#[test]
fn answers_come_back_in_request_order() {
    let (answers, _) = run(&[7, 3, 5]);
    assert_eq!(
        answers,
        [700, 300, 500],
        "answers must be in the order of the requests"
    );
}

#[test]
fn each_request_is_sent_once_and_each_answer_collected() {
    let (answers, state) = run(&[4, 4, 9]);
    assert_eq!(
        state.submitted,
        [4, 4, 9],
        "each request must be submitted once, in order"
    );
    assert!(
        state.tickets.iter().all(|t| t.2),
        "some answers were never waited for: {:?}",
        state.tickets
    );
    assert_eq!(
        answers,
        [400, 400, 900],
        "each request's own answer, in the order of the requests"
    );
}

#[test]
fn no_requests_gives_no_answers() {
    let (answers, state) = run(&[]);
    assert!(
        answers.is_empty(),
        "no requests, yet answers came back: {answers:?}"
    );
    assert_eq!(state.now, 0, "with nothing to fetch, no time should pass");
}
