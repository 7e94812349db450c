//! Tests for exercise 08.5: a connection loop built on `select!`.
//!
//! The peer is the other end of an in-memory pipe (`tokio::io::duplex`), and the clock is
//! tokio's paused one: `sleep(ms(1))` lets the loop handle everything that has happened,
//! and the idle timeout is exact.

mod common;

use ch08_frameworks::ex05_select::{BYE_IDLE, BYE_SHUTDOWN, Ending, connection};
use common::{paused, poll_limit};
use std::io;
use std::time::Duration;
use support::conn_double::{self, Behaviour};
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

#[test]
fn the_loop_goes_on_when_the_server_drops_its_sender() {
    // With a budget of 12 polls: a loop whose `outgoing` branch is ready at once in every
    // round (a closed channel's `recv` gives `None` at once) spins and runs out of it.
    let (line, bye, (ending, after)) = paused(|| async {
        let mut peer = start(12);
        // The server drops its end of `outgoing`: there will be nothing more to send.
        peer.outgoing = mpsc::channel(1).0;
        peer.send("still here\n").await;
        let line = peer.incoming.recv().await;
        let bye = peer.read_line().await;
        (line, bye, peer.ending().await)
    });
    assert_eq!(
        line.as_deref(),
        Some("still here"),
        "after the server dropped its sender, the peer's lines must still be passed on"
    );
    assert_eq!(
        (bye.as_deref(), ending),
        (Some(BYE_IDLE), Ending::Idle),
        "after the server dropped its sender, the loop waits for the peer as before, and \
         drops it when it is idle"
    );
    assert_eq!(
        after, IDLE,
        "the idle time counts from the peer's last line"
    );
}

#[test]
fn the_loop_goes_on_when_the_server_stops_listening() {
    // The server drops its receiver of `incoming`: a send of the peer's line fails. The
    // line has nowhere to go, but the connection is still wanted: it goes on.
    let (news, bye, ending) = paused(|| async {
        let mut peer = start(50);
        peer.incoming = mpsc::channel(1).1;
        peer.send("nobody hears this\n").await;
        peer.outgoing.send("news".to_string()).await.unwrap();
        let news = peer.read_line().await;
        peer.shutdown.cancel();
        let bye = peer.read_line().await;
        let (ending, _) = peer.task.await.expect("the connection loop panicked");
        (news, bye, ending.map_err(|e| e.to_string()))
    });
    assert_eq!(
        (news.as_deref(), bye.as_deref()),
        (Some("news"), Some(BYE_SHUTDOWN)),
        "after the server dropped its receiver of `incoming` and the peer sent a line, the \
         loop must still write the server's messages and say goodbye on shutdown (the \
         peer read these two lines); it ended with {ending:?}"
    );
    assert_eq!(
        ending,
        Ok(Ending::Shutdown),
        "a line that has nowhere to go is dropped: it is not an error that ends the \
         connection"
    );
}

/// Runs the loop over a stream that keeps what is written until it is flushed (and takes
/// it a byte at a time, and hands out reads a byte at a time), with `news` to send; ends
/// it with `shutdown` (or lets it go idle); returns what the peer had after the news,
/// at the end, and how the loop ended.
fn over_a_buffering_stream(shutdown: bool) -> (String, String, Ending) {
    paused(move || async move {
        let (stream, peer) = conn_double::connection(Behaviour::HOSTILE);
        let (outgoing, outgoing_rx) = mpsc::channel(16);
        let (incoming_tx, mut incoming) = mpsc::channel(16);
        let stop = CancellationToken::new();
        let looping = tokio::spawn(poll_limit(
            "the connection loop",
            50,
            connection(stream, outgoing_rx, incoming_tx, stop.clone(), IDLE),
        ));
        peer.send(b"hi\n");
        assert_eq!(
            incoming.recv().await.as_deref(),
            Some("hi"),
            "a line that arrives a byte at a time must reach `incoming`"
        );
        outgoing.send("news".to_string()).await.unwrap();
        // Let the loop handle it (the clock is paused: this is exact).
        sleep(ms(1)).await;
        let after_news = peer.describe();
        if shutdown {
            stop.cancel();
        }
        let ending = looping
            .await
            .expect("the connection loop panicked")
            .expect("the connection loop returned an error");
        (after_news, peer.describe(), ending)
    })
}

#[test]
fn every_line_to_the_peer_is_flushed_on_a_stream_that_buffers() {
    for (shutdown, bye, ending) in [
        (true, BYE_SHUTDOWN, Ending::Shutdown),
        (false, BYE_IDLE, Ending::Idle),
    ] {
        let (after_news, at_the_end, ended) = over_a_buffering_stream(shutdown);
        assert_eq!(
            after_news, "the peer got \"news\\n\"",
            "a message from `outgoing` must reach the peer at once: write the whole line, \
             then flush it (the stream may keep what is written until it is flushed, and \
             may take a write a byte at a time): {after_news}"
        );
        assert_eq!(ended, ending);
        assert_eq!(
            at_the_end,
            format!("the peer got \"news\\n{bye}\\n\""),
            "the goodbye must reach the peer before the loop returns (flush it: a goodbye \
             left in the stream's buffer is lost with it): {at_the_end}"
        );
    }
}
