//! Tests for exercise 08.6: a connection loop built on `select!`.
//!
//! The peer is the other end of an in-memory pipe (`tokio::io::duplex`), and the clock is
//! tokio's paused one: `sleep(ms(1))` lets the loop handle everything that has happened,
//! and the idle timeout is exact.

mod common;

use ch08_frameworks::ex06_select::{BYE_IDLE, BYE_SHUTDOWN, Ending, connection};
use common::{paused, poll_limit};
use std::io;
use std::time::Duration;
use tokio::io::{
    AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines, ReadHalf, WriteHalf,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep};
use tokio_util::sync::CancellationToken;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

const IDLE: Duration = Duration::from_secs(10);

/// The test's side of a connection, and the handles that steer the loop.
struct Peer {
    lines: Lines<BufReader<ReadHalf<DuplexStream>>>,
    writer: WriteHalf<DuplexStream>,
    outgoing: mpsc::Sender<String>,
    incoming: mpsc::Receiver<String>,
    shutdown: CancellationToken,
    started: Instant,
    /// The loop's result and the (virtual) time it ended.
    task: JoinHandle<(io::Result<Ending>, Instant)>,
}

fn start(poll_budget: usize) -> Peer {
    let (ours, theirs) = tokio::io::duplex(1024);
    let (outgoing, outgoing_rx) = mpsc::channel(16);
    let (incoming_tx, incoming) = mpsc::channel(16);
    let shutdown = CancellationToken::new();
    let looping = poll_limit(
        "the connection loop",
        poll_budget,
        connection(theirs, outgoing_rx, incoming_tx, shutdown.clone(), IDLE),
    );
    let task = tokio::spawn(async move { (looping.await, Instant::now()) });
    let (reader, writer) = tokio::io::split(ours);
    Peer {
        lines: BufReader::new(reader).lines(),
        writer,
        outgoing,
        incoming,
        shutdown,
        started: Instant::now(),
        task,
    }
}

impl Peer {
    async fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).await.unwrap();
        // Let the loop take in what was sent.
        sleep(ms(1)).await;
    }
    async fn read_line(&mut self) -> Option<String> {
        self.lines.next_line().await.unwrap()
    }
    /// Waits for the loop to end; returns how it ended and after how much virtual time.
    async fn ending(self) -> (Ending, Duration) {
        let (ending, ended) = self.task.await.expect("the connection loop panicked");
        let ending = ending.expect("the connection loop returned an error");
        (ending, ended - self.started)
    }
}

#[test]
fn a_line_from_the_peer_is_passed_on() {
    let got = paused(|| async {
        let mut peer = start(50);
        peer.send("hello\nworld\n").await;
        vec![peer.incoming.recv().await, peer.incoming.recv().await]
    });
    assert_eq!(
        got,
        [Some("hello".to_string()), Some("world".to_string())],
        "each line the peer sends must reach `incoming`, without its newline"
    );
}

#[test]
fn an_outgoing_message_is_written_to_the_peer() {
    let got = paused(|| async {
        let mut peer = start(50);
        peer.outgoing.send("welcome".to_string()).await.unwrap();
        peer.read_line().await
    });
    assert_eq!(
        got,
        Some("welcome".to_string()),
        "a message sent to `outgoing` must be written to the peer as a line"
    );
}

#[test]
fn a_line_cut_in_two_by_an_outgoing_message_is_not_lost() {
    let (pushed, got) = paused(|| async {
        let mut peer = start(50);
        // The loop reads the first half of a line and waits for the rest...
        peer.send("hel").await;
        // ...when another branch wins: a message to send.
        peer.outgoing.send("news".to_string()).await.unwrap();
        let pushed = peer.read_line().await;
        peer.send("lo\n").await;
        (pushed, peer.incoming.recv().await)
    });
    assert_eq!(pushed, Some("news".to_string()));
    assert_eq!(
        got,
        Some("hello".to_string()),
        "the peer sent \"hel\", then \"lo\\n\": the line is \"hello\". Losing \"hel\" means \
         the read was cancelled when another branch won and took the bytes it had read \
         with it; use a read that keeps them (a cancel-safe one)"
    );
}

#[test]
fn shutdown_says_goodbye_and_ends_the_loop() {
    let (bye, ending) = paused(|| async {
        let mut peer = start(50);
        peer.send("hi\n").await;
        peer.shutdown.cancel();
        let bye = peer.read_line().await;
        (bye, peer.ending().await.0)
    });
    assert_eq!(
        bye.as_deref(),
        Some(BYE_SHUTDOWN),
        "on shutdown the peer must be told before the connection closes"
    );
    assert_eq!(ending, Ending::Shutdown);
}

#[test]
fn the_peer_hanging_up_ends_the_loop() {
    let ending = paused(|| async {
        let mut peer = start(50);
        peer.send("last words\n").await;
        peer.writer.shutdown().await.unwrap();
        let last = peer.incoming.recv().await;
        assert_eq!(last.as_deref(), Some("last words"));
        peer.ending().await.0
    });
    assert_eq!(
        ending,
        Ending::PeerClosed,
        "when the peer closes its side, reading ends and so must the loop"
    );
}

#[test]
fn a_silent_peer_is_dropped_after_the_idle_time() {
    let (bye, ending, after) = paused(|| async {
        let mut peer = start(50);
        let bye = peer.read_line().await;
        let (ending, after) = peer.ending().await;
        (bye, ending, after)
    });
    assert_eq!(
        bye.as_deref(),
        Some(BYE_IDLE),
        "an idle peer is told why it is dropped"
    );
    assert_eq!(ending, Ending::Idle);
    assert_eq!(
        after, IDLE,
        "a peer that sends nothing is dropped after exactly the idle time"
    );
}

#[test]
fn each_line_from_the_peer_restarts_the_idle_time() {
    let (ending, after) = paused(|| async {
        let mut peer = start(50);
        for _ in 0..3 {
            sleep(ms(6_000)).await;
            peer.send("still here\n").await;
        }
        peer.ending().await
    });
    assert_eq!(ending, Ending::Idle);
    // Lines at 6 000, 12 001 and 18 002 ms (the test waits 1 ms after each), then 10 s
    // of silence.
    assert_eq!(
        after,
        ms(18_002 + 10_000),
        "the idle time counts from the peer's last line: lines every 6 s keep a 10 s idle \
         limit from firing"
    );
}

#[test]
fn our_own_messages_do_not_keep_a_silent_peer_alive() {
    let (ending, after) = paused(|| async {
        let peer = start(50);
        for _ in 0..3 {
            sleep(ms(6_000)).await;
            // The loop may have ended already: then the message has nowhere to go.
            let _ = peer.outgoing.send("tick".to_string()).await;
        }
        peer.ending().await
    });
    assert_eq!(ending, Ending::Idle);
    assert_eq!(
        after, IDLE,
        "only the peer's lines count as activity: messages we send it must not restart the \
         idle time"
    );
}

#[test]
fn the_loop_parks_between_events() {
    // `start` wraps the loop in a poll budget of 12: a loop that parks is polled about once
    // per event below; one that spins runs out of the budget at once.
    let got = paused(|| async {
        let mut peer = start(12);
        peer.send("one\n").await;
        peer.outgoing.send("two".to_string()).await.unwrap();
        let two = peer.read_line().await;
        sleep(ms(100)).await;
        peer.send("three\n").await;
        peer.shutdown.cancel();
        let bye = peer.read_line().await;
        let one = peer.incoming.recv().await;
        let three = peer.incoming.recv().await;
        let ending = peer.ending().await.0;
        (one, two, three, bye, ending)
    });
    assert_eq!(
        got,
        (
            Some("one".to_string()),
            Some("two".to_string()),
            Some("three".to_string()),
            Some(BYE_SHUTDOWN.to_string()),
            Ending::Shutdown
        )
    );
}
