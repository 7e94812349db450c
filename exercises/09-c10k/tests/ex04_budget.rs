//! Tests for exercise 09.4: a connection budget on a tokio echo server.

use ch09_c10k::ex04_budget::{BUSY, MAX_LINE, serve};
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use support::{PATIENCE, timeout};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Runs `body` on a multi-thread runtime, under the test's time limit.
fn run<F: Future<Output = ()> + Send + 'static>(body: impl FnOnce() -> F + Send + 'static) {
    timeout(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(body())
    });
}

/// Starts the server with `limit` on a task; returns its address.
async fn start(limit: usize) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        if let Err(e) = serve(listener, limit).await {
            panic!("serve ended with an error: {e}");
        }
    });
    addr
}

struct Client {
    reader: BufReader<TcpStream>,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Client {
        Client {
            reader: BufReader::new(TcpStream::connect(addr).await.unwrap()),
        }
    }

    /// The next line the server sends, or what happened instead.
    async fn line(&mut self) -> Result<String, String> {
        let mut line = String::new();
        match tokio::time::timeout(PATIENCE, self.reader.read_line(&mut line)).await {
            Err(_) => Err(format!("nothing within {} s", PATIENCE.as_secs())),
            Ok(Err(e)) => Err(format!("an error: {e}")),
            Ok(Ok(0)) => Err("the connection closed".into()),
            Ok(Ok(_)) => Ok(line),
        }
    }

    async fn echo(&mut self, text: &str) {
        self.reader
            .get_mut()
            .write_all(text.as_bytes())
            .await
            .unwrap();
        let back = self.line().await;
        assert_eq!(
            back.as_deref(),
            Ok(text),
            "a client within the budget must get its line back"
        );
    }

    /// Expects the refusal, then the end of the connection.
    async fn refused(&mut self, when: &str) {
        let busy = String::from_utf8_lossy(BUSY).to_string();
        let got = self.line().await;
        assert_eq!(
            got.as_deref(),
            Ok(busy.as_str()),
            "{when}: the client over the budget must read the BUSY line at once"
        );
        assert_eq!(
            self.line().await,
            Err("the connection closed".to_string()),
            "{when}: after BUSY the server closes the connection"
        );
    }
}

#[test]
fn clients_within_the_budget_are_served_at_the_same_time() {
    run(|| async {
        let addr = start(3).await;
        let mut clients = Vec::new();
        for _ in 0..3 {
            clients.push(Client::connect(addr).await);
        }
        // All three are connected before any speaks: each must have a place.
        for (i, client) in clients.iter_mut().enumerate() {
            client.echo(&format!("hello from {i}\n")).await;
        }
        for (i, client) in clients.iter_mut().enumerate().rev() {
            client.echo(&format!("goodbye from {i}\n")).await;
        }
        // Long lines, but within MAX_LINE (64 KiB), come back whole.
        assert_eq!(MAX_LINE, 64 * 1024, "the limit is 64 KiB");
        let long = format!("{}\n", "x".repeat(MAX_LINE / 2));
        clients[0].echo(&long).await;
    });
}

#[test]
fn the_client_over_the_budget_is_refused_clearly() {
    run(|| async {
        let addr = start(2).await;
        let mut a = Client::connect(addr).await;
        a.echo("a\n").await;
        let mut b = Client::connect(addr).await;
        b.echo("b\n").await;
        let mut c = Client::connect(addr).await;
        c.refused("a third client with a budget of 2").await;
        // The two within the budget go on as before.
        a.echo("a again\n").await;
        b.echo("b again\n").await;
    });
}

#[test]
fn a_place_given_back_goes_to_the_next_client() {
    run(|| async {
        let addr = start(1).await;
        let mut a = Client::connect(addr).await;
        a.echo("a\n").await;
        Client::connect(addr)
            .await
            .refused("a second client with a budget of 1")
            .await;
        // A leaves, and waits until the server has closed its side too.
        a.reader.get_mut().shutdown().await.unwrap();
        let mut rest = Vec::new();
        let _ = a.reader.read_to_end(&mut rest).await;
        // The server gives A's place back when A's task ends, which may be a moment after
        // the close: knock until let in (bounded by PATIENCE).
        let give_up = tokio::time::Instant::now() + PATIENCE;
        loop {
            let mut d = Client::connect(addr).await;
            d.reader.get_mut().write_all(b"d\n").await.unwrap();
            match d.line().await {
                Ok(line) if line == "d\n" => break,
                Ok(_) | Err(_) if tokio::time::Instant::now() < give_up => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                other => panic!(
                    "after the only client left, a new client must be served (the permit \
                     must be given back when a client's task ends); got {other:?}"
                ),
            }
        }
    });
}

#[test]
fn a_client_that_sends_garbage_loses_only_its_own_place() {
    run(|| async {
        let addr = start(1).await;
        let mut garbage = TcpStream::connect(addr).await.unwrap();
        // A "line" longer than the server accepts, with no newline.
        let junk = vec![0xFFu8; MAX_LINE + 1];
        let _ = garbage.write_all(&junk).await;
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(PATIENCE, garbage.read_to_end(&mut rest)).await;
        assert!(
            closed.is_ok(),
            "the server must close a connection that sends a line longer than MAX_LINE"
        );
        let give_up = tokio::time::Instant::now() + PATIENCE;
        loop {
            let mut next = Client::connect(addr).await;
            next.reader.get_mut().write_all(b"ok\n").await.unwrap();
            match next.line().await {
                Ok(line) if line == "ok\n" => break,
                _ if tokio::time::Instant::now() < give_up => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                other => panic!(
                    "the place of a client cut off for bad input must go to the next \
                     client; got {other:?}"
                ),
            }
        }
    });
}

#[test]
fn an_idle_server_sleeps() {
    // The server runs on a runtime of its own, on a thread of its own, so the test can
    // watch that thread from outside. With one client connected and silent, the server
    // has nothing to do but wait (for a connection, for a line), and its thread must
    // sleep in the kernel. An accept loop that wakes up on a timer to look again (an
    // `accept` under a short `timeout`, say, like Python's `serve_forever(poll_interval)`)
    // keeps waking it. (On Linux the test reads the thread's state in `/proc`; no clock.)
    run(|| async {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let server = support::tokio::on_own_thread(move || async move {
            let listener = TcpListener::from_std(listener).unwrap();
            // The server runs until the test's process ends (`serve` never returns).
            let _ = serve(listener, 2).await;
        });
        let mut a = Client::connect(addr).await;
        a.echo("hello\n").await;
        let tid = server.tid;
        let parked = tokio::task::spawn_blocking(move || {
            support::sched::assert_parks(
                tid,
                "a client to connect or to speak",
                "Await `listener.accept()`: it wakes the task when a client connects.",
            );
        })
        .await;
        if let Err(failure) = parked {
            std::panic::resume_unwind(failure.into_panic());
        }
        a.echo("still here\n").await;
    });
}

#[test]
fn a_refused_client_that_already_hung_up_does_not_stop_the_server() {
    run(|| async {
        // The listener is bound before the server starts, so the clients wait in its
        // backlog and are accepted in the order they connected.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut first = Client::connect(addr).await; // takes the only place
        let gone = TcpStream::connect(addr).await.unwrap();
        let gone_addr = gone.local_addr().unwrap();
        // Hangs up with a reset before the server has even accepted it: writing the
        // refusal to it fails.
        gone.set_zero_linger().unwrap();
        drop(gone);
        if support::tcp_table::rows().is_some() {
            let reset = support::tokio::within_patience(|| async {
                support::tcp_table::row(addr, gone_addr)
                    .is_none_or(|row| row.state != support::tcp_table::ESTABLISHED)
            })
            .await;
            assert!(reset, "the test's client could not reset its connection");
        }
        let server = tokio::spawn(serve(listener, 1));
        first.echo("first\n").await;
        // The server must still be there: the next client over the budget is refused.
        let busy = String::from_utf8_lossy(BUSY).to_string();
        let next = match TcpStream::connect(addr).await {
            Ok(stream) => Client {
                reader: BufReader::new(stream),
            }
            .line()
            .await
            .map_err(|e| format!("the next client got {e}")),
            Err(e) => Err(format!("the next client could not connect ({e})")),
        };
        if next.as_deref() != Ok(busy.as_str()) {
            let why = if server.is_finished() {
                match server.await {
                    Ok(ended) => format!("serve returned {ended:?}"),
                    Err(panicked) => format!("serve panicked: {panicked}"),
                }
            } else {
                "serve is still running".to_string()
            };
            panic!(
                "a client over the budget had hung up (a reset) before its refusal was \
                 written; after that, {why}, and {}. Writing the refusal to a client that has \
                 gone fails, and that failure is that client's, not the server's: refuse in a \
                 task of its own and ignore its error, so that serve returns only if accept \
                 fails",
                next.err().unwrap_or_default()
            );
        }
        first.echo("first again\n").await;
    });
}
