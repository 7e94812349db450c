//! Tests for exercise 07.2: the reactor. The tests poll `readable()` futures by hand with
//! wakers that count, and turn the reactor themselves, so every wake is accounted for.

use ch07_event_loop::ex02_reactor::{Async, Reactor};
use std::future::Future;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use support::eager::EagerWaker;
use support::timeout;
use support::wakers::FreshWakers;

/// A waker that counts its wakes.
#[derive(Default)]
struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Counter {
    fn waker() -> (Arc<Counter>, Waker) {
        let counter = Arc::new(Counter::default());
        (counter.clone(), Waker::from(counter))
    }

    fn wakes(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Two connected sockets on loopback: `(ours, theirs)`, ours non-blocking.
fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let theirs = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (ours, _) = listener.accept().unwrap();
    ours.set_nonblocking(true).unwrap();
    (ours, theirs)
}

/// Polls `future` once with `waker`.
fn poll_once<F: Future>(future: std::pin::Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

/// Reads what `ours` holds until it would block.
fn drain(ours: &Async<TcpStream>) {
    let mut buf = [0; 64];
    while ours.get_ref().read(&mut buf).is_ok_and(|n| n > 0) {}
}

#[test]
fn a_readable_future_is_woken_once_when_data_arrives() {
    timeout(|| {
        let reactor = Reactor::new().unwrap();
        let (ours, mut theirs) = pair();
        let ours = Async::new(&reactor, ours).unwrap();
        let (counter, waker) = Counter::waker();
        let mut readable = pin!(ours.readable());
        assert!(
            poll_once(readable.as_mut(), &waker).is_pending(),
            "readable() must be Pending while no data has arrived"
        );
        assert_eq!(
            counter.wakes(),
            0,
            "nothing happened yet, so nobody may be woken"
        );
        theirs.write_all(b"hello").unwrap();
        let woken = reactor.react(None).unwrap();
        assert_eq!(
            (woken, counter.wakes()),
            (1, 1),
            "react must wake the one waiting task once (and say it woke 1)"
        );
        assert!(
            matches!(poll_once(readable.as_mut(), &waker), Poll::Ready(Ok(()))),
            "after the wake, readable() must be Ready"
        );
    });
}

#[test]
fn the_waker_of_the_latest_poll_is_the_one_woken() {
    timeout(|| {
        let reactor = Reactor::new().unwrap();
        let (ours, mut theirs) = pair();
        let ours = Async::new(&reactor, ours).unwrap();
        let (first, first_waker) = Counter::waker();
        let (latest, latest_waker) = Counter::waker();
        let mut readable = pin!(ours.readable());
        assert!(
            poll_once(readable.as_mut(), &first_waker).is_pending(),
            "nothing to read yet: Pending"
        );
        // The same future, polled again by another task (it moved into a `select`, say):
        // from now on only that task waits for it.
        assert!(
            poll_once(readable.as_mut(), &latest_waker).is_pending(),
            "nothing to read yet: Pending"
        );
        theirs.write_all(b"hello").unwrap();
        reactor.react(None).unwrap();
        assert_eq!(
            (first.wakes(), latest.wakes()),
            (0, 1),
            "poll_ready must keep the waker of the latest poll: the task that polled first \
             no longer waits, and the one that polled last would sleep for ever"
        );
    });
}

#[test]
fn a_second_wait_on_the_same_socket_is_woken_too() {
    timeout(|| {
        let reactor = Reactor::new().unwrap();
        let (ours, mut theirs) = pair();
        let ours = Async::new(&reactor, ours).unwrap();
        for round in 1..=3 {
            let (counter, waker) = Counter::waker();
            let mut readable = pin!(ours.readable());
            assert!(
                poll_once(readable.as_mut(), &waker).is_pending(),
                "round {round}: the socket was drained, so readable() must be Pending (an \
                 event is used up by the poll that returned Ready for it)"
            );
            theirs.write_all(b"more").unwrap();
            // A reactor that does not re-arm the source waits here forever: the poller
            // reports a registration once (oneshot) until `modify` arms it again.
            reactor.react(None).unwrap();
            assert_eq!(
                counter.wakes(),
                1,
                "round {round}: the task waiting on the socket was not woken"
            );
            assert!(
                poll_once(readable.as_mut(), &waker).is_ready(),
                "round {round}: after its wake, readable() must be Ready"
            );
            drain(&ours);
        }
    });
}

#[test]
fn only_the_task_whose_socket_is_ready_is_woken() {
    timeout(|| {
        let reactor = Reactor::new().unwrap();
        let (a, mut a_peer) = pair();
        let (b, _b_peer) = pair();
        let (a, b) = (
            Async::new(&reactor, a).unwrap(),
            Async::new(&reactor, b).unwrap(),
        );
        let (a_counter, a_waker) = Counter::waker();
        let (b_counter, b_waker) = Counter::waker();
        let mut a_readable = pin!(a.readable());
        let mut b_readable = pin!(b.readable());
        assert!(
            poll_once(a_readable.as_mut(), &a_waker).is_pending(),
            "nothing to read yet: Pending"
        );
        assert!(
            poll_once(b_readable.as_mut(), &b_waker).is_pending(),
            "nothing to read yet: Pending"
        );
        a_peer.write_all(b"for a").unwrap();
        reactor.react(None).unwrap();
        assert_eq!(
            a_counter.wakes(),
            1,
            "the task on the ready socket must be woken"
        );
        assert_eq!(
            b_counter.wakes(),
            0,
            "a task whose socket is not ready was woken: each wake costs a poll of a task \
             that has nothing to do (wake only the wakers under the event's key)"
        );
    });
}

#[test]
fn an_event_one_way_keeps_the_wait_the_other_way() {
    timeout(|| {
        let reactor = Reactor::new().unwrap();
        let (ours, mut theirs) = pair();
        let ours = Async::new(&reactor, ours).unwrap();
        let (reader, reader_waker) = Counter::waker();
        let (writer, writer_waker) = Counter::waker();
        let mut readable = pin!(ours.readable());
        let mut writable = pin!(ours.writable());
        assert!(
            poll_once(readable.as_mut(), &reader_waker).is_pending(),
            "nothing to read yet: Pending"
        );
        assert!(
            poll_once(writable.as_mut(), &writer_waker).is_pending(),
            "no event yet: Pending"
        );
        // A fresh socket has room to write and nothing to read: this event is the writer's.
        reactor.react(None).unwrap();
        assert_eq!(
            (reader.wakes(), writer.wakes()),
            (0, 1),
            "a fresh socket has room and nothing to read: (reader, writer) wakes"
        );
        // The event disarmed the whole registration, the reader's interest with it. A
        // reactor that does not arm it again waits here for ever.
        theirs.write_all(b"now read").unwrap();
        reactor.react(None).unwrap();
        assert_eq!(
            reader.wakes(),
            1,
            "the reader, still waiting after the writer's event, must be woken when data comes"
        );
    });
}

#[test]
fn a_writer_is_woken_when_the_socket_has_room() {
    timeout(|| {
        let reactor = Reactor::new().unwrap();
        let (ours, _theirs) = pair();
        let ours = Async::new(&reactor, ours).unwrap();
        let (counter, waker) = Counter::waker();
        let mut writable = pin!(ours.writable());
        assert!(
            poll_once(writable.as_mut(), &waker).is_pending(),
            "no event yet: Pending"
        );
        reactor.react(None).unwrap();
        assert_eq!(
            counter.wakes(),
            1,
            "a fresh socket has room: the writer must be woken"
        );
        assert!(
            poll_once(writable.as_mut(), &waker).is_ready(),
            "after its wake, writable() must be Ready"
        );
    });
}

#[test]
fn a_dropped_socket_leaves_the_reactor_and_its_waker_is_never_called() {
    timeout(|| {
        let reactor = Reactor::new().unwrap();
        let (old_counter, old_waker) = Counter::waker();
        {
            let (ours, _theirs) = pair();
            let ours = Async::new(&reactor, ours).unwrap();
            let mut readable = pin!(ours.readable());
            assert!(
                poll_once(readable.as_mut(), &old_waker).is_pending(),
                "nothing to read yet: Pending"
            );
        } // the socket is dropped, its peer too
        assert_eq!(
            reactor.registrations(),
            0,
            "a dropped socket must leave the reactor (remove_io takes it out of the poller \
             and out of the table)"
        );
        // The OS hands out the lowest free descriptor: the new socket very likely gets
        // the old one's number. Its events must reach its own waker only.
        let (ours, mut theirs) = pair();
        let ours = Async::new(&reactor, ours).unwrap();
        let (counter, waker) = Counter::waker();
        let mut readable = pin!(ours.readable());
        assert!(
            poll_once(readable.as_mut(), &waker).is_pending(),
            "nothing to read yet: Pending"
        );
        theirs.write_all(b"new").unwrap();
        reactor.react(None).unwrap();
        assert_eq!(
            counter.wakes(),
            1,
            "the new socket's task must be woken once when its data arrives"
        );
        assert_eq!(
            old_counter.wakes(),
            0,
            "the dropped socket's waker was woken"
        );
        assert_eq!(
            reactor.registrations(),
            1,
            "one socket is registered now: the new one"
        );
    });
}

#[test]
fn readable_and_writable_wake_the_waker_of_their_latest_poll() {
    // Each future is polled twice before its event, each time with a waker it has never
    // seen (as a future moved into another task is): only the latest may be woken.
    timeout(|| {
        let reactor = Reactor::new().unwrap();
        let (ours, mut theirs) = pair();
        let ours = Async::new(&reactor, ours).unwrap();
        let mut readable = FreshWakers::new(ours.readable());
        let mut writable = FreshWakers::new(ours.writable());
        for _ in 0..2 {
            assert!(readable.poll().is_pending(), "nothing to read yet: Pending");
            assert!(writable.poll().is_pending(), "no event yet: Pending");
        }
        // A fresh socket has room: the writer's event comes first.
        reactor.react(None).unwrap();
        theirs.write_all(b"now read").unwrap();
        reactor.react(None).unwrap();
        for (dir, future) in [
            ("writable", writable.latest()),
            ("readable", readable.latest()),
        ] {
            assert_eq!(
                future.wakes(),
                1,
                "{dir}(): the waker of the latest poll was not woken once: poll_ready must \
                 keep the waker of every poll, replacing the one before"
            );
        }
        assert_eq!(
            (readable.stale_wakes(), writable.stale_wakes()),
            (0, 0),
            "the wakers of earlier polls were woken: their tasks no longer wait"
        );
    });
}

#[test]
fn a_wait_one_way_keeps_the_wait_the_other_way_armed() {
    // A writer waits first, then a reader polls on the same socket. The reader's poll
    // arms the poller again: with both directions, or the writer's interest is gone.
    let woken = timeout(|| {
        let reactor = Reactor::new().unwrap();
        let (ours, _theirs) = pair();
        let ours = Async::new(&reactor, ours).unwrap();
        let (writer, writer_waker) = Counter::waker();
        let (_, reader_waker) = Counter::waker();
        let mut writable = pin!(ours.writable());
        let mut readable = pin!(ours.readable());
        assert!(
            poll_once(writable.as_mut(), &writer_waker).is_pending(),
            "no event yet: Pending"
        );
        assert!(
            poll_once(readable.as_mut(), &reader_waker).is_pending(),
            "nothing to read yet: Pending"
        );
        // A fresh socket has room at once: the event is there as soon as the poller is
        // armed for writing. (The limit only keeps a wrong answer from waiting for ever.)
        reactor.react(Some(support::PATIENCE)).unwrap();
        writer.wakes()
    });
    assert_eq!(
        woken, 1,
        "a writer waited on a fresh socket, which has room, and was not woken: the reader's \
         poll re-armed the source for reading only and wiped the writer's interest. Arm \
         every direction that has a waker"
    );
}

/// The key and the descriptor of a registered socket, as its (given) `Debug` shows them.
fn key_and_raw(io: &Async<TcpStream>) -> (String, String) {
    let text = format!("{io:?}");
    let source = &text[text
        .find("source: Source {")
        .expect("Async's Debug shows its source")..];
    let field = |name: &str| {
        let start = source
            .find(&format!("{name}: "))
            .expect("Source's Debug shows it")
            + name.len()
            + 2;
        source[start..]
            .split([',', ' ', '}'])
            .next()
            .unwrap_or_default()
            .to_string()
    };
    (field("key"), field("raw"))
}

#[test]
fn a_new_socket_with_an_old_descriptor_gets_a_new_key() {
    // A socket closes and the OS hands its number to the next socket it opens (the lowest
    // free one). The key must still be new: a late event for the old socket must find no
    // source, not the new one's waker.
    timeout(|| {
        let reactor = Reactor::new().unwrap();
        for _ in 0..100 {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let theirs = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            let (ours, _) = listener.accept().unwrap();
            ours.set_nonblocking(true).unwrap();
            let old = Async::new(&reactor, ours).unwrap();
            let (old_key, old_raw) = key_and_raw(&old);
            drop(old);
            // The lowest free number: the one just closed, unless another test's thread
            // took it meanwhile (then try again).
            let again = theirs.try_clone().unwrap();
            again.set_nonblocking(true).unwrap();
            let new = Async::new(&reactor, again).unwrap();
            let (new_key, new_raw) = key_and_raw(&new);
            if new_raw == old_raw {
                assert_ne!(
                    new_key, old_key,
                    "a new socket with the descriptor of a closed one ({new_raw}) got the \
                     closed one's key ({new_key}): keys are handed out once and never \
                     reused (a counter, not the descriptor)"
                );
                return;
            }
        }
        // Unix hands out the lowest free descriptor; Windows' socket handles need not
        // come back, and there the test has nothing to compare.
        #[cfg(unix)]
        panic!("in 100 tries the OS never gave a closed socket's number to the next socket");
    });
}

#[test]
fn react_wakes_after_releasing_its_locks() {
    // The woken task is polled at once on another thread, as on a multi-threaded
    // executor: its poll takes the source's lock, and asks the reactor for its table. If
    // react still holds those locks while it wakes, that poll waits until the wake returns.
    let (stuck, seen) = timeout(|| {
        let reactor = Reactor::new().unwrap();
        let (ours, mut theirs) = pair();
        let ours = Arc::new(Async::new(&reactor, ours).unwrap());
        let seen: Arc<Mutex<Option<(bool, usize)>>> = Arc::default();
        let (socket, table, polled) = (ours.clone(), reactor.clone(), seen.clone());
        let (eager, waker) = EagerWaker::new(move || {
            let ready = socket
                .poll_readable(&mut Context::from_waker(Waker::noop()))
                .is_ready();
            *polled.lock().unwrap() = Some((ready, table.registrations()));
        });
        assert!(
            ours.poll_readable(&mut Context::from_waker(&waker))
                .is_pending(),
            "nothing to read yet: Pending"
        );
        theirs.write_all(b"hello").unwrap();
        reactor.react(None).unwrap();
        assert_eq!(
            eager.wakes(),
            1,
            "the task on the ready socket must be woken once"
        );
        assert!(
            support::within_patience(|| seen.lock().unwrap().is_some()),
            "the woken task's poll never finished"
        );
        let seen = seen.lock().unwrap().take();
        (eager.stuck(), seen)
    });
    assert_eq!(
        stuck, 0,
        "the woken task, polled at once on another thread, could not take the reactor's \
         locks while the wake ran: react called the waker while it still held them. \
         Collect the wakers, let go of every lock, then wake"
    );
    assert_eq!(
        seen,
        Some((true, 1)),
        "polled after its wake, readable() must be Ready (and the reactor holds 1 socket)"
    );
}

#[test]
fn react_with_no_timeout_sleeps_in_the_poller_until_an_event_comes() {
    // The data is sent only once the reactor waits in the poller: react(None) must be
    // asleep there, and come back with the event, not poll the OS and return empty.
    let (woken, waits) = timeout(|| {
        let reactor = Reactor::new().unwrap();
        let (ours, mut theirs) = pair();
        let ours = Async::new(&reactor, ours).unwrap();
        let (counter, waker) = Counter::waker();
        let mut readable = pin!(ours.readable());
        assert!(
            poll_once(readable.as_mut(), &waker).is_pending(),
            "nothing to read yet: Pending"
        );
        let theirs_reactor = reactor.clone();
        let sender = std::thread::spawn(move || {
            let waiting = support::within_patience(|| theirs_reactor.is_waiting());
            theirs.write_all(b"late").unwrap();
            waiting
        });
        reactor.react(None).unwrap();
        assert!(
            sender.join().unwrap(),
            "react(None) never waited in the poller: it must wait through wait_for_events"
        );
        (
            counter.wakes(),
            (reactor.waits(), reactor.non_blocking_waits()),
        )
    });
    assert_eq!(
        waits,
        (1, 0),
        "react(None) must wait in the poller once, with no timeout, until an event comes: \
         (waits, zero-timeout waits)"
    );
    assert_eq!(
        woken, 1,
        "the event that ended the wait must wake the waiting task"
    );
}
