//! Tests for exercise 08.4: the same library, unchanged, on tokio, async-std and smol.
//!
//! Each runtime runs the same test body (`check`) over real sockets on 127.0.0.1. Waits
//! for an answer give up after the course's patience, on smol's `Timer`, which works under
//! any runtime.

mod common;

use ch08_frameworks::ex04_runtimes::{Client, serve};
use common::poll_limit;
use futures::Stream;
use futures::future::{self, BoxFuture, Either};
use futures::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use support::{PATIENCE, timeout};

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
    use tokio_util::compat::TokioAsyncReadCompatExt;
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
