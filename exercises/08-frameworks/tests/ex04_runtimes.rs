//! Tests for exercise 08.4: the same library, unchanged, on tokio, async-std and smol.
//!
//! Each runtime runs the same test body (`check`) over real sockets on 127.0.0.1. Waits
//! for an answer give up after the course's patience, on smol's `Timer`, which works under
//! any runtime.

mod common;

use ch08_frameworks::ex04_runtimes::{Client, handle, serve};
use common::poll_limit;
use futures::Stream;
use futures::future::{self, BoxFuture, Either};
use futures::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use support::conn_double::{Behaviour, Conn, Peer, connection};
use support::wakers::FreshWakers;
use support::{PATIENCE, timeout};
use tokio_util::compat::{Compat, TokioAsyncReadCompatExt};

/// Waits for `what` for at most the course's patience.
async fn patiently<T>(waiting_for: &str, what: impl Future<Output = T>) -> T {
    let what = std::pin::pin!(what);
    match future::select(what, smol::Timer::after(PATIENCE)).await {
        Either::Left((value, _)) => value,
        Either::Right(_) => panic!(
            "no answer within {} s while waiting for {waiting_for}",
            PATIENCE.as_secs()
        ),
    }
}

/// What the three runtimes' tests share: the server (the library's `serve`, on the given
/// incoming connections and spawner) runs next to a client side that checks it. The
/// server is polled by the test itself, so a panic in it fails the test.
async fn check<S, C, Conn, Fut>(incoming: S, spawn: impl Fn(BoxFuture<'static, ()>), connect: Conn)
where
    S: Stream<Item = io::Result<C>> + Unpin,
    C: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    Conn: Fn() -> Fut,
    Fut: Future<Output = C>,
{
    // Three connections: `serve` is woken about once for each, and a few times more.
    let server = poll_limit("serve", 20, serve(incoming, spawn));
    let clients = async {
        // One client sends half a line and waits...
        let mut quiet = connect().await;
        quiet.write_all(b"half a li").await.unwrap();
        quiet.flush().await.unwrap();
        // ...while another is answered.
        let mut other = Client::new(connect().await);
        let answer = patiently(
            "an answer to a second client while the first is mid-line",
            other.call("hi"),
        )
        .await
        .unwrap();
        assert_eq!(
            answer, "HI",
            "a client mid-line must not hold up another client"
        );
        let mut quiet = Client::new(quiet);
        let answer = patiently("the first client's answer", quiet.call("ne")).await;
        assert_eq!(answer.unwrap(), "HALF A LINE");
        // Two lines in one write: both must be answered.
        let mut both = connect().await;
        both.write_all(b"one\ntwo\n").await.unwrap();
        let mut both = futures::io::BufReader::new(both);
        let mut answers = Vec::new();
        for _ in 0..2 {
            let mut line = String::new();
            let read = futures::io::AsyncBufReadExt::read_line(&mut both, &mut line);
            patiently("an answer to each of two lines sent in one write", read)
                .await
                .unwrap();
            answers.push(line);
        }
        assert_eq!(
            answers,
            ["ONE\n", "TWO\n"],
            "two lines that arrive in one read must both be answered"
        );
    };
    let server = std::pin::pin!(server);
    let clients = std::pin::pin!(clients);
    match future::select(server, clients).await {
        Either::Left((ended, _)) => {
            panic!("the server stopped before the clients were done: {ended:?}")
        }
        Either::Right(((), _)) => {}
    }
}

#[test]
fn the_library_runs_on_tokio() {
    timeout(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr: SocketAddr = listener.local_addr().unwrap();
            // tokio's types implement tokio's I/O traits; `.compat()` adapts them to the
            // futures traits the library is written against.
            let incoming = futures::stream::unfold(listener, |listener| async {
                let accepted = listener.accept().await.map(|(stream, _)| stream.compat());
                Some((accepted, listener))
            });
            check(
                Box::pin(incoming),
                |task| {
                    tokio::spawn(task);
                },
                || async move { tokio::net::TcpStream::connect(addr).await.unwrap().compat() },
            )
            .await;
        });
    });
}

#[test]
fn the_library_runs_on_async_std() {
    timeout(|| {
        async_std::task::block_on(async {
            let listener = async_std::net::TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap();
            let addr = listener.local_addr().unwrap();
            check(
                listener.incoming(),
                |task| {
                    async_std::task::spawn(task);
                },
                || async move { async_std::net::TcpStream::connect(addr).await.unwrap() },
            )
            .await;
        });
    });
}

#[test]
fn the_library_runs_on_smol() {
    timeout(|| {
        smol::block_on(async {
            let listener = smol::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            check(
                listener.incoming(),
                |task| smol::spawn(task).detach(),
                || async move { smol::net::TcpStream::connect(addr).await.unwrap() },
            )
            .await;
        });
    });
}

#[test]
fn the_library_runs_on_futures_own_executor_with_async_io() {
    // No runtime at all: futures' block_on and smol's building blocks (async-io's
    // reactor and async-executor's executor, started by hand).
    timeout(|| {
        let executor = std::sync::Arc::new(smol::Executor::new());
        let ex = executor.clone();
        futures::executor::block_on(executor.run(async move {
            let listener = smol::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            check(
                listener.incoming(),
                move |task| ex.spawn(task).detach(),
                || async move { smol::net::TcpStream::connect(addr).await.unwrap() },
            )
            .await;
        }));
    });
}

// The library on its own, driven by hand over a connection the test holds the other end
// of (`support::conn_double`). That connection does what the traits allow and a loopback
// socket never shows: it keeps what is written until it is flushed (as a TLS stream or a
// `BufWriter` does), takes each write a byte at a time, and hands out reads a byte at a
// time. Every future is polled with a new waker each time (`FreshWakers`), as a future
// that moves between tasks is.

/// A connection for `handle`, `serve` or `Client`, through `compat` (the double speaks
/// tokio's traits, like tokio's own types), and the test's end of it.
fn hostile() -> (Compat<Conn>, Peer) {
    let (conn, peer) = connection(Behaviour::HOSTILE);
    (conn.compat(), peer)
}

/// A future of the library polled by hand, each time with a new waker (`FreshWakers`),
/// and checked at each step: after a poll that is pending it must not have woken itself
/// (that is a spin, not a wait); after an event it waits for, the event must have woken
/// the waker of its latest poll (not one of an earlier poll, which nobody listens to).
struct ByHand<F: Future> {
    what: &'static str,
    future: FreshWakers<F>,
    /// Wakes of earlier polls' wakers, counted at the latest poll.
    stale: usize,
}

impl<F: Future> ByHand<F> {
    fn new(what: &'static str, future: F) -> Self {
        ByHand {
            what,
            future: FreshWakers::new(future),
            stale: 0,
        }
    }

    /// Polls; if pending, checks that the future is parked.
    fn poll(&mut self) -> Poll<F::Output> {
        let polled = self.future.poll();
        self.stale = self.future.stale_wakes();
        if polled.is_pending() {
            assert_eq!(
                self.future.latest().wakes(),
                0,
                "{} woke itself while nothing had happened: it looks again and again instead \
                 of waiting to be woken",
                self.what
            );
        }
        polled
    }

    /// Polls after `event`, which must have woken the latest poll's waker.
    fn poll_after(&mut self, event: &str) -> Poll<F::Output> {
        if self.future.latest().wakes() == 0 {
            let stale = self.future.stale_wakes() > self.stale;
            panic!(
                "{event}, but {} was not woken{}",
                self.what,
                if stale {
                    ": the waker of an earlier poll was woken instead of the latest one (keep \
                     the waker each poll is given, not the first)"
                } else {
                    ""
                }
            );
        }
        self.poll()
    }
}

#[test]
fn handle_answers_every_line_at_once_on_a_connection_that_buffers() {
    timeout(|| {
        let (conn, peer) = hostile();
        let mut handling = ByHand::new("handle", handle(conn));
        assert!(
            handling.poll().is_pending(),
            "handle must wait for the peer's first line"
        );
        for (sent, what, expected) in [
            ("hello\n", "a line", "HELLO\n"),
            (
                "\n",
                "a blank line, whose answer is a blank line",
                "HELLO\n\n",
            ),
            (
                "two\nlines\n",
                "two lines in one write",
                "HELLO\n\nTWO\nLINES\n",
            ),
        ] {
            peer.send(sent.as_bytes());
            let polled = handling.poll_after("a line arrived");
            assert!(
                polled.is_pending(),
                "after {what}, handle must answer and wait for the next line; it returned"
            );
            assert_eq!(
                peer.delivered(),
                expected,
                "after {what}, the peer must have its answer: {}. Each answer must reach \
                 the peer before handle waits for the next line: `write_all` (a write may \
                 take fewer bytes than it is given), then `flush` (a connection may keep \
                 what is written until it is flushed)",
                peer.describe()
            );
        }
        peer.hang_up();
        match handling.poll_after("the peer hung up") {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => {
                panic!("when the peer hangs up, handle must return Ok(()); it returned {e}")
            }
            Poll::Pending => panic!(
                "when the peer hangs up (a read gives 0 bytes), handle must return Ok(()); it \
                 still waits"
            ),
        }
    });
}

#[test]
fn a_call_sends_its_line_flushed_and_returns_the_answer() {
    timeout(|| {
        let (conn, peer) = hostile();
        let mut client = Client::new(conn);
        for (line, sent, answer) in [("hi", "hi\n", "HI\n"), ("again", "hi\nagain\n", "AGAIN\n")] {
            let mut call = ByHand::new("call", client.call(line));
            assert!(
                call.poll().is_pending(),
                "a call must wait for the server's answer"
            );
            assert_eq!(
                peer.delivered(),
                sent,
                "a call must have sent its line, with a newline, before it waits for the \
                 answer: {}",
                peer.describe()
            );
            peer.send(answer.as_bytes());
            match call.poll_after("the answer arrived") {
                Poll::Ready(Ok(got)) => assert_eq!(
                    got,
                    answer.trim_end(),
                    "a call returns the answer's line without its newline"
                ),
                Poll::Ready(Err(e)) => {
                    panic!("the answer {answer:?} arrived, yet the call failed: {e}")
                }
                Poll::Pending => panic!("the answer {answer:?} arrived, yet the call still waits"),
            }
        }
    });
}

#[test]
fn a_call_whose_server_hangs_up_before_answering_is_an_unexpected_eof() {
    let outcome = timeout(|| {
        let (conn, peer) = hostile();
        let mut client = Client::new(conn);
        let mut call = ByHand::new("call", client.call("hello?"));
        assert!(
            call.poll().is_pending(),
            "a call must wait for the server's answer"
        );
        peer.hang_up();
        match call.poll_after("the server hung up") {
            Poll::Ready(outcome) => outcome.map_err(|e| e.kind()),
            Poll::Pending => panic!("the server hung up, yet the call still waits"),
        }
    });
    assert_eq!(
        outcome,
        Err(io::ErrorKind::UnexpectedEof),
        "a server that hangs up before answering (a read of 0 bytes) is an UnexpectedEof \
         error, not an empty answer"
    );
}

/// The tasks a test's spawner was handed, not run: the test runs them by hand.
type Spawned = Arc<Mutex<Vec<BoxFuture<'static, ()>>>>;

fn spawner(spawned: &Spawned) -> impl Fn(BoxFuture<'static, ()>) + use<> {
    let spawned = spawned.clone();
    move |task| spawned.lock().unwrap().push(task)
}

#[test]
fn serve_hands_each_connection_to_the_spawner_and_ends_with_the_stream() {
    timeout(|| {
        let (first, first_peer) = hostile();
        let (second, second_peer) = hostile();
        let spawned = Spawned::default();
        let incoming = futures::stream::iter([Ok(first), Ok(second)]);
        let mut serving = ByHand::new("serve", serve(incoming, spawner(&spawned)));
        match serving.poll() {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => panic!("serve failed: {e}"),
            Poll::Pending => panic!(
                "serve waited although its stream had two connections and then ended: it \
                 must hand each connection to the spawner, not wait for it, and return Ok(()) \
                 when the stream ends"
            ),
        }
        let tasks: Vec<_> = std::mem::take(&mut *spawned.lock().unwrap());
        assert_eq!(
            tasks.len(),
            2,
            "two connections: serve must call the spawner once for each"
        );
        // Each spawned task serves its own connection.
        for (task, (peer, line)) in tasks
            .into_iter()
            .zip([(first_peer, "one"), (second_peer, "two")])
        {
            let mut task = ByHand::new("a spawned connection's task", task);
            assert!(
                task.poll().is_pending(),
                "a connection's task waits for a line"
            );
            peer.send(format!("{line}\n").as_bytes());
            assert!(task.poll_after("a line arrived").is_pending());
            assert_eq!(
                peer.delivered(),
                format!("{}\n", line.to_uppercase()),
                "each spawned task serves its connection with handle: {}",
                peer.describe()
            );
        }
    });
}

#[test]
fn a_failed_accept_ends_serve_with_its_error() {
    timeout(|| {
        let (first, _first_peer) = hostile();
        let (third, _third_peer) = hostile();
        let spawned = Spawned::default();
        let incoming = futures::stream::iter([
            Ok(first),
            Err(io::Error::other("too many open files")),
            Ok(third),
        ]);
        let mut serving = ByHand::new("serve", serve(incoming, spawner(&spawned)));
        match serving.poll() {
            Poll::Ready(Err(e)) => assert_eq!(
                e.to_string(),
                "too many open files",
                "serve must return the accept's own error"
            ),
            Poll::Ready(Ok(())) => panic!(
                "the second accept failed, yet serve went on and returned Ok(()) when the \
                 stream ended: a failed accept ends the server with its error (`conn?`)"
            ),
            Poll::Pending => panic!("serve waited instead of handing out the first connection"),
        }
        assert_eq!(
            spawned.lock().unwrap().len(),
            1,
            "after a failed accept, serve must not take more connections"
        );
    });
}
