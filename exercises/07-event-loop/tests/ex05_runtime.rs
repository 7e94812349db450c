//! Tests for exercise 07.5: the runtime, its TCP types, and an echo server on it, with
//! real clients on loopback.

use ch07_event_loop::ex05_runtime::{
    BUDGET, MAX_LINE, Runtime, TOO_LONG, TcpListener, TcpStream, block_on, handle_client, reactor,
    serve_echo, sleep, spawn,
};
use futures::StreamExt;
use futures::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use std::future::Future;
use std::io::{self, BufRead, Read, Write};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;
use support::wakers::FreshWakers;
use support::{PATIENCE, Rendezvous, timeout, within_patience};

type Server = thread::JoinHandle<io::Result<()>>;

/// Starts the echo server for `clients` connections on its own thread and runtime.
fn start_server(clients: usize) -> (SocketAddr, Server) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().unwrap();
    let server = thread::Builder::new()
        .name("echo server".into())
        .spawn(move || {
            let outcome = block_on(serve_echo(listener, clients));
            ENDED.lock().unwrap().push((addr, format!("{outcome:?}")));
            outcome
        })
        .unwrap();
    (addr, server)
}

/// The servers that have returned, by address, with what they returned: so that a client
/// the server stopped answering can say why.
static ENDED: Mutex<Vec<(SocketAddr, String)>> = Mutex::new(Vec::new());

/// What the server at `addr` returned, if it has; `wait` gives it the patience to get
/// there (its sockets close a moment before `serve_echo` returns).
fn ended(addr: SocketAddr, wait: bool) -> Option<String> {
    let find = || {
        let ended = ENDED.lock().unwrap();
        ended
            .iter()
            .find(|(a, _)| *a == addr)
            .map(|(_, o)| o.clone())
    };
    if wait {
        within_patience(|| find().is_some());
    }
    find()
}

/// A blocking, line-oriented test client.
struct Client {
    writer: std::net::TcpStream,
    reader: io::BufReader<std::net::TcpStream>,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let stream = std::net::TcpStream::connect(addr).expect("connect to the echo server");
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        Client {
            reader: io::BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }

    fn echo(&mut self, line: &str) -> String {
        let server = self.writer.peer_addr().unwrap();
        let sent = self.writer.write_all(line.as_bytes());
        let mut back = String::new();
        let read = sent.and_then(|()| self.reader.read_line(&mut back));
        if read.as_ref().is_ok_and(|&n| n > 0) {
            return back;
        }
        let timed_out = matches!(&read, Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut));
        match (read, ended(server, !timed_out)) {
            (_, Some(outcome)) => panic!(
                "no echo of {line:?}: serve_echo returned {outcome} while this client was \
                 still connected. A client's error must end that client only (its task \
                 logs it), and serve_echo returns once every client has hung up"
            ),
            (Ok(_), None) => {
                panic!("the server closed the connection instead of echoing {line:?}")
            }
            (Err(e), None) if timed_out => panic!(
                "no echo of {line:?} within {} s ({e}): the server is not serving this \
                 client (a read that blocks the whole loop? one client at a time?)",
                PATIENCE.as_secs()
            ),
            (Err(e), None) => panic!(
                "the server broke this client's connection ({e}) instead of echoing {line:?}"
            ),
        }
    }
}

fn finish(server: Server) {
    let outcome = server.join().expect("the server thread panicked");
    outcome.expect("serve_echo must return Ok once every client has hung up");
}

#[test]
fn block_on_sleeps_in_the_poller_while_nothing_is_ready() {
    timeout(|| {
        let (spins, waits) = block_on(async {
            sleep(Duration::from_millis(20)).await;
            (reactor().non_blocking_waits(), reactor().waits())
        });
        assert_eq!(
            spins, 0,
            "block_on polled the OS without sleeping while nothing was ready: the loop \
             must wait in the poller (bounded by the next timer) when no task is ready"
        );
        assert!(waits >= 1, "a sleep must be waited for in the poller");
    });
}

#[test]
fn a_read_with_nothing_to_read_sleeps_in_the_poller() {
    timeout(|| {
        let (spins, got) = block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let theirs = reactor();
            let accepted = Arc::new(AtomicBool::new(false));
            let server_accepted = accepted.clone();
            // The client writes only once the server has accepted it and the loop is
            // asleep in the poller again: the server's first read finds nothing to read,
            // and must wait without spinning.
            let client = thread::spawn(move || {
                let mut stream = std::net::TcpStream::connect(addr).unwrap();
                until_the_loop_sleeps_after(&accepted, &theirs);
                stream.write_all(b"late").unwrap();
            });
            let (mut stream, _) = listener.accept().await.unwrap();
            server_accepted.store(true, Ordering::SeqCst);
            let mut got = String::new();
            stream.read_to_string(&mut got).await.unwrap();
            client.join().unwrap();
            (reactor().non_blocking_waits(), got)
        });
        assert_eq!(got, "late", "the read must give what the client sent");
        assert_eq!(
            spins, 0,
            "while the read had nothing to read, the loop polled the OS without sleeping: \
             a read that would block must leave its waker with the reactor and return \
             Pending, not wake itself"
        );
    });
}

#[test]
fn spawned_tasks_run_and_their_handles_give_their_output() {
    timeout(|| {
        let (sum, spins) = block_on(async {
            let handles: Vec<_> = (1..=10u64)
                .map(|n| {
                    spawn(async move {
                        sleep(Duration::from_millis(n)).await;
                        n
                    })
                })
                .collect();
            let mut sum = 0;
            for handle in handles {
                sum += handle.await;
            }
            (sum, reactor().non_blocking_waits())
        });
        assert_eq!(sum, 55, "ten tasks gave 1 to 10, which add up to 55");
        assert!(
            spins <= 20,
            "the loop polled the OS {spins} times without sleeping for ten sleeping tasks: \
             it should sleep whenever no task is ready"
        );
    });
}

#[test]
fn futures_io_copy_and_lines_work_on_the_tcp_types() {
    timeout(|| {
        // A plain std server on the other end: sends three lines, then echoes bytes.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let peer = thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            stream.write_all(b"one\ntwo\nthree\n").unwrap();
            let (mut second, _) = listener.accept().unwrap();
            let mut got = Vec::new();
            second.read_to_end(&mut got).unwrap();
            got
        });
        let (lines, sent) = block_on(async move {
            let stream = TcpStream::connect(addr).await.unwrap();
            let lines: Vec<String> = BufReader::new(stream)
                .lines()
                .take(3)
                .map(|line| line.unwrap())
                .collect()
                .await;
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let data = vec![7u8; 200_000];
            let sent = futures::io::copy(&mut &data[..], &mut stream)
                .await
                .unwrap();
            stream.close().await.unwrap();
            (lines, sent)
        });
        assert_eq!(
            lines,
            ["one", "two", "three"],
            "lines() on a TcpStream must give the three lines the peer sent"
        );
        assert_eq!(sent, 200_000, "copy must write all 200,000 bytes");
        assert!(
            peer.join().unwrap() == vec![7u8; 200_000],
            "the peer must receive the 200,000 bytes copied, and then the end of the stream"
        );
    });
}

#[test]
fn a_listener_accepts_and_reads_with_the_async_traits() {
    timeout(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        let server = thread::spawn(move || {
            block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                let (mut stream, _) = listener.accept().await.unwrap();
                let mut got = String::new();
                stream.read_to_string(&mut got).await.unwrap();
                got
            })
        });
        let addr = rx.recv().unwrap();
        let mut client = std::net::TcpStream::connect(addr).unwrap();
        client.write_all(b"through the reactor").unwrap();
        drop(client);
        assert_eq!(
            server.join().unwrap(),
            "through the reactor",
            "read_to_string on an accepted stream must give what the client sent"
        );
    });
}

#[test]
fn a_client_gets_its_lines_back() {
    timeout(|| {
        let (addr, server) = start_server(1);
        let mut client = Client::connect(addr);
        assert_eq!(
            client.echo("hello\n"),
            "hello\n",
            "the echo of a line is the line"
        );
        assert_eq!(
            client.echo("event loop\n"),
            "event loop\n",
            "the echo of a second line is that line"
        );
        drop(client);
        finish(server);
    });
}

#[test]
fn twenty_clients_are_served_at_the_same_time() {
    timeout(|| {
        const CLIENTS: usize = 20;
        let (addr, server) = start_server(CLIENTS);
        let meeting = Rendezvous::new(CLIENTS);
        thread::scope(|s| {
            for id in 0..CLIENTS {
                let meeting = &meeting;
                s.spawn(move || {
                    let mut client = Client::connect(addr);
                    let first = format!("client {id} says hello\n");
                    assert_eq!(client.echo(&first), first, "the echo of a line is the line");
                    meeting.meet();
                    let second = format!("client {id} says goodbye\n");
                    assert_eq!(
                        client.echo(&second),
                        second,
                        "the echo of a line is the line"
                    );
                });
            }
        });
        finish(server);
    });
}

#[test]
fn silent_half_line_garbage_and_rude_clients_stop_no_one() {
    timeout(|| {
        let (addr, server) = start_server(6);
        // Connected first, so the server meets them first.
        let silent = std::net::TcpStream::connect(addr).unwrap();
        let mut half = std::net::TcpStream::connect(addr).unwrap();
        half.write_all(b"this line never ends").unwrap();
        let mut good = Client::connect(addr);
        assert_eq!(
            good.echo("before\n"),
            "before\n",
            "the echo of a line is the line"
        );

        let mut garbage = std::net::TcpStream::connect(addr).unwrap();
        garbage.set_read_timeout(Some(PATIENCE)).unwrap();
        let junk: Vec<u8> = (0..MAX_LINE).map(|i| (i * 7 % 251) as u8 | 0x80).collect();
        garbage.write_all(&junk).unwrap();
        let mut reply = Vec::new();
        let _ = garbage.read_to_end(&mut reply);
        assert!(
            reply == TOO_LONG,
            "MAX_LINE bytes with no newline among them make a line too long: it must get \
             {:?}, and nothing else, and then the connection closes; got {} bytes",
            String::from_utf8_lossy(TOO_LONG),
            reply.len()
        );

        // Hangs up with an echo still unread in its socket (`peek` proves it is there):
        // its OS sends a reset, and the server's next read on it fails.
        let mut rude = Client::connect(addr);
        assert_eq!(rude.echo("hi\n"), "hi\n", "the echo of a line is the line");
        rude.writer.write_all(b"gone\n").unwrap();
        rude.reader.get_ref().peek(&mut [0; 1]).unwrap();
        drop(rude);

        let mut late = Client::connect(addr);
        assert_eq!(
            late.echo("after\n"),
            "after\n",
            "a new client must still be served"
        );
        assert_eq!(
            good.echo("still here\n"),
            "still here\n",
            "a client connected before the others must still be served"
        );
        drop((silent, half, good, late));
        finish(server);
    });
}

/// Waits (politely, on this test thread) until the loop sleeps in the poller again after
/// `ready` is set: the task it runs is waiting for the OS. A limit, not a measurement.
fn until_the_loop_sleeps_after(
    ready: &AtomicBool,
    reactor: &ch07_event_loop::ex02_reactor::Reactor,
) {
    assert!(
        support::within_patience(|| ready.load(Ordering::SeqCst) && reactor.is_waiting()),
        "the loop never went to sleep in the poller while the task waited for the OS"
    );
}

#[test]
fn a_wake_from_another_thread_reaches_the_sleeping_loop() {
    // A task waits for a value that another thread sends once the loop is asleep in the
    // poller. The wake comes from that other thread: it must interrupt the poller's wait
    // (`notify`), or the loop sleeps for ever with the task ready.
    let got = timeout(|| {
        block_on(async {
            let (send, receive) = futures::channel::oneshot::channel();
            let (theirs, waiting) = (reactor(), Arc::new(AtomicBool::new(false)));
            let started = waiting.clone();
            let sender = thread::spawn(move || {
                until_the_loop_sleeps_after(&started, &theirs);
                send.send(42).unwrap();
            });
            let task = spawn(async move { receive.await.unwrap() });
            waiting.store(true, Ordering::SeqCst);
            let got = task.await;
            sender.join().unwrap();
            got
        })
    });
    assert_eq!(got, 42, "the task must get the value the other thread sent");
}

#[test]
fn ready_tasks_run_in_batches_and_the_loop_never_sleeps_while_one_is_ready() {
    // 3 * BUDGET tasks, all ready at once, and the main future waits for the *last* one
    // first, so it is not woken until the last batch has run. Between batches the loop
    // must turn the reactor without sleeping (tasks are ready, even though the main future
    // is not); a loop that sleeps there never wakes up, as nothing else will happen.
    let (turns, results) = timeout(|| {
        block_on(async {
            let handles: Vec<_> = (0..3 * BUDGET).map(|n| spawn(async move { n })).collect();
            let mut results = Vec::new();
            for handle in handles.into_iter().rev() {
                results.push(handle.await);
            }
            ((reactor().waits(), reactor().non_blocking_waits()), results)
        })
    });
    assert_eq!(results.len(), 3 * BUDGET, "every task must give its output");
    assert_eq!(
        turns,
        (3, 3),
        "{} ready tasks should run in 3 batches of BUDGET, with one turn of the reactor \
         (with a zero timeout) after each: (waits, zero-timeout waits) were {turns:?}",
        3 * BUDGET
    );
}

#[test]
fn a_read_or_a_write_on_a_reset_connection_fails() {
    // The client closes with bytes from the server still unread: its OS resets the
    // connection. The server's next read must fail with the reset, not look like a
    // clean end of file, and so must its next write.
    let (read, write) = timeout(|| {
        block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            let (stream, _) = listener.accept().await.unwrap();
            (&stream).write_all(b"never read\n").await.unwrap();
            client.peek(&mut [0; 1]).unwrap(); // the bytes are in the client's socket
            drop(client);
            let mut buf = [0; 16];
            let read = (&stream).read(&mut buf).await.map_err(|e| e.kind());
            let write = (&stream).write_all(b"more\n").await.map_err(|e| e.kind());
            (read, write)
        })
    });
    assert_eq!(
        read,
        Err(io::ErrorKind::ConnectionReset),
        "a read on a connection the peer reset must return the error (only `WouldBlock` \
         means wait and try again)"
    );
    assert!(
        write.is_err(),
        "a write on a connection the peer reset must return the error, not wait for room"
    );
}

#[test]
fn a_write_to_a_slow_reader_waits_for_room_and_close_ends_the_stream() {
    // More bytes than the kernel can hold on their way: the write must fill the socket,
    // wait (the loop asleep in the poller) until the reader makes room, and go on. The
    // reader starts only once the loop sleeps, so the write has waited by then. `close`
    // must end the stream: the reader's `read_to_end` returns while the server still
    // holds its socket.
    let (written, read, spins) = timeout(|| {
        block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let total = support::net::most_bytes_in_flight() + (1 << 20);
            let (theirs, accepted) = (reactor(), Arc::new(AtomicBool::new(false)));
            let started = accepted.clone();
            let reader = thread::spawn(move || {
                let mut stream = std::net::TcpStream::connect(addr).unwrap();
                until_the_loop_sleeps_after(&started, &theirs);
                let mut all = Vec::new();
                stream.read_to_end(&mut all).map(|_| all.len())
            });
            let (stream, _) = listener.accept().await.unwrap();
            accepted.store(true, Ordering::SeqCst);
            let written = (&stream).write_all(&vec![7; total]).await;
            let spins = reactor().non_blocking_waits();
            let closed = (&stream).close().await;
            let read = if written.is_ok() && closed.is_ok() {
                reader.join().unwrap().ok()
            } else {
                None
            };
            drop(stream);
            (
                written.map(|()| total).map_err(|e| e.to_string()),
                read,
                spins,
            )
        })
    });
    let total = written.expect(
        "writing to a reader that reads late failed: when the socket is full the write \
         gets `WouldBlock`, which means wait until it is writable and try again",
    );
    assert_eq!(
        spins, 0,
        "while the write waited for room, the loop polled the OS {spins} times without \
         sleeping: a write that would block must leave its waker with the reactor \
         (poll_writable) and return Pending, not wake itself"
    );
    assert_eq!(
        read,
        Some(total),
        "the reader should have read every byte and then the end of the stream, while \
         the server still held its socket: `close` shuts down the writing half"
    );
}

#[test]
fn readable_and_writable_wait_for_the_os() {
    // `readable` must not return before there is something to read, nor `writable`
    // before there is room: the next non-blocking call then succeeds.
    let (read, wrote) = timeout(|| {
        block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let theirs = reactor();
            let to_read = Arc::new(AtomicBool::new(false));
            let for_room = Arc::new(AtomicBool::new(false));
            let (waits_to_read, waits_for_room) = (to_read.clone(), for_room.clone());
            let peer = thread::spawn(move || {
                let mut stream = std::net::TcpStream::connect(addr).unwrap();
                // Speak only once the server waits to read...
                until_the_loop_sleeps_after(&waits_to_read, &theirs);
                stream.write_all(b"hello").unwrap();
                // ...and read only once it waits for room.
                until_the_loop_sleeps_after(&waits_for_room, &theirs);
                let mut all = Vec::new();
                let _ = stream.read_to_end(&mut all);
            });
            let (stream, _) = listener.accept().await.unwrap();
            to_read.store(true, Ordering::SeqCst);
            stream.readable().await.unwrap();
            let read = stream.get_ref().read(&mut [0; 16]).map_err(|e| e.kind());
            // Fill the socket with non-blocking writes until the OS says it is full.
            let chunk = vec![1; 64 * 1024];
            while stream.get_ref().write(&chunk).is_ok() {}
            for_room.store(true, Ordering::SeqCst);
            stream.writable().await.unwrap();
            let wrote = stream.get_ref().write(&chunk).map_err(|e| e.kind());
            drop(stream);
            peer.join().unwrap();
            (read, wrote.is_ok())
        })
    });
    assert_eq!(
        read,
        Ok(5),
        "after `readable`, the read finds the 5 bytes sent"
    );
    assert!(wrote, "after `writable`, a write finds room");
}

#[test]
fn a_task_still_pending_when_block_on_returns_is_dropped() {
    // `block_on` returns as soon as its future is ready; a task still waiting then (here
    // for a read that never comes) must be dropped with the runtime, closing its socket:
    // the client sees the end of the stream. (A runtime left in place, or tasks kept
    // alive by their own wakers, would hold the socket open.)
    let seen = timeout(|| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        block_on(async move {
            let listener = TcpListener::from_std(listener).unwrap();
            let (stream, _) = listener.accept().await.unwrap();
            let _waiting = spawn(async move {
                let mut buf = [0; 1];
                let _ = (&stream).read(&mut buf).await;
            });
            // Let the task run once, so that it waits in the reactor.
            sleep(Duration::from_millis(1)).await;
        });
        client.set_read_timeout(Some(PATIENCE)).unwrap();
        (&client).read(&mut [0; 1]).map_err(|e| e.kind())
    });
    assert_eq!(
        seen,
        Ok(0),
        "after block_on returned, the client should see the end of the stream: the task \
         that held the socket must have been dropped"
    );
}

#[test]
fn a_client_that_hangs_up_mid_line_gets_no_answer() {
    // Half a line and then the end of the stream: the client has stopped talking, and
    // the line is not too long, only unfinished. The server drops it quietly and closes.
    let answer = timeout(|| {
        let (addr, server) = start_server(1);
        let mut client = std::net::TcpStream::connect(addr).unwrap();
        client.set_read_timeout(Some(PATIENCE)).unwrap();
        client.write_all(b"half a li").unwrap();
        client.shutdown(std::net::Shutdown::Write).unwrap();
        let mut answer = Vec::new();
        let _ = client.read_to_end(&mut answer);
        drop(client);
        finish(server);
        answer
    });
    assert_eq!(
        String::from_utf8_lossy(&answer),
        "",
        "a line cut short by a hang-up is not too long: answer nothing, just close"
    );
}

#[test]
fn closing_a_stream_ends_it_for_the_peer() {
    let got = timeout(|| {
        block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            client.set_read_timeout(Some(PATIENCE)).unwrap();
            let (mut stream, _) = listener.accept().await.unwrap();
            stream.write_all(b"bye").await.unwrap();
            stream.close().await.unwrap();
            // The server still holds `stream`: only the close can end the client's read.
            let mut got = String::new();
            let outcome = (&client).read_to_string(&mut got).map(|_| got);
            drop(stream);
            outcome.map_err(|e| e.kind())
        })
    });
    assert_eq!(
        got,
        Ok("bye".to_string()),
        "after `close`, the peer reads what was written and then the end of the stream"
    );
}

/// Runs `handle_client` on one connection whose client sends `bytes` in one write (and
/// then hangs up, if `hang_up`); returns what it returned and what the client got back.
fn handle(bytes: Vec<u8>, hang_up: bool) -> (io::Result<()>, Vec<u8>) {
    timeout(move || {
        block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            client.set_read_timeout(Some(PATIENCE)).unwrap();
            client.write_all(&bytes).unwrap();
            if hang_up {
                client.shutdown(std::net::Shutdown::Write).unwrap();
            }
            let (stream, _) = listener.accept().await.unwrap();
            // The stream is handle_client's: it closes when handle_client returns.
            let outcome = handle_client(stream).await;
            let mut reply = Vec::new();
            let _ = client.read_to_end(&mut reply);
            (outcome, reply)
        })
    })
}

#[test]
fn handle_client_echoes_a_line_of_exactly_max_line_bytes_and_fails_on_one_byte_more() {
    let longest = format!("{}\n", "x".repeat(MAX_LINE - 1));
    let (outcome, reply) = handle(longest.clone().into_bytes(), true);
    assert_eq!(
        String::from_utf8_lossy(&reply),
        longest,
        "a line of exactly MAX_LINE bytes, newline included, must be echoed"
    );
    assert!(
        outcome.is_ok(),
        "the client sent the longest line there is and hung up: handle_client must return \
         Ok(()), it returned {outcome:?}"
    );
    let (outcome, reply) = handle(format!("{}\n", "y".repeat(MAX_LINE)).into_bytes(), false);
    assert_eq!(
        String::from_utf8_lossy(&reply),
        String::from_utf8_lossy(TOO_LONG),
        "a line of MAX_LINE + 1 bytes (newline included) must get TOO_LONG, and nothing else"
    );
    assert!(
        outcome.is_err(),
        "after a line too long, handle_client must end the connection with an error, not \
         Ok(()): its caller (serve_echo's task) is the one that decides what an error means"
    );
}

#[test]
fn handle_client_returns_ok_when_the_client_hangs_up_between_lines_or_mid_line() {
    let (outcome, reply) = handle(b"one\ntwo\n".to_vec(), true);
    assert_eq!(
        String::from_utf8_lossy(&reply),
        "one\ntwo\n",
        "every line must be echoed before the hang-up is noticed"
    );
    assert!(
        outcome.is_ok(),
        "a client that hangs up between lines is done: Ok(()), not {outcome:?}"
    );
    let (outcome, reply) = handle("z".repeat(MAX_LINE - 1).into_bytes(), true);
    assert_eq!(
        String::from_utf8_lossy(&reply),
        "",
        "a client sent {} bytes with no newline and hung up: the half line is not too long, \
         only unfinished; nobody is left to read an answer",
        MAX_LINE - 1
    );
    assert!(
        outcome.is_ok(),
        "a client that hangs up mid-line is done: Ok(()), not {outcome:?}"
    );
}

#[test]
fn an_accept_with_nobody_knocking_sleeps_in_the_poller() {
    let (spins, accepted) = timeout(|| {
        block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let (theirs, accepting) = (reactor(), Arc::new(AtomicBool::new(false)));
            let started = accepting.clone();
            // The client connects only once the loop sleeps while the accept waits.
            let client = thread::spawn(move || {
                until_the_loop_sleeps_after(&started, &theirs);
                std::net::TcpStream::connect(addr).unwrap()
            });
            accepting.store(true, Ordering::SeqCst);
            let accepted = listener.accept().await.is_ok();
            let spins = reactor().non_blocking_waits();
            drop(client.join().unwrap());
            (spins, accepted)
        })
    });
    assert!(accepted, "accept must give the connection that came");
    assert_eq!(
        spins, 0,
        "while nobody connected, the loop polled the OS {spins} times without sleeping: an \
         accept that would block must wait until the listener is readable (readable()), \
         not wake itself to try again"
    );
}

/// Wraps a future and counts its polls.
struct Counted<F> {
    inner: Pin<Box<F>>,
    polls: Arc<AtomicUsize>,
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        self.inner.as_mut().poll(cx)
    }
}

/// Gives the loop back once: `Pending`, after asking to be polled again.
async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if std::mem::replace(&mut yielded, true) {
            return Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}

#[test]
fn block_on_polls_its_future_only_when_it_was_woken() {
    // The main future waits for a task that takes three batches to finish: the loop goes
    // round three times, and the main future is woken once, when the task is done.
    let (polls, output) = timeout(|| {
        let polls = Arc::new(AtomicUsize::new(0));
        let main = Counted {
            inner: Box::pin(async {
                spawn(async {
                    for _ in 0..3 * BUDGET {
                        yield_now().await;
                    }
                    7
                })
                .await
            }),
            polls: polls.clone(),
        };
        let output = block_on(main);
        (polls.load(Ordering::SeqCst), output)
    });
    assert_eq!(output, 7, "block_on must return its future's output");
    assert_eq!(
        polls, 2,
        "the main future was polled {polls} times: once to start, and once when the task it \
         awaits was done. block_on polled it on turns that had not woken it: poll it only \
         when its flag was set"
    );
}

#[test]
fn accept_read_and_write_wake_the_waker_of_their_latest_poll() {
    // Each wait is polled twice, each time with a waker it has never seen (as a future
    // moved into another task is), and the test turns the reactor itself: only the
    // latest waker may be woken.
    timeout(|| {
        let runtime = Runtime::new().unwrap();
        let _enter = runtime.enter();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let turn = || runtime.reactor().turn(true).unwrap();
        let woke_latest = |what: &str, latest: usize, stale: usize| {
            assert_eq!(
                (latest, stale),
                (1, 0),
                "{what}: the waker of the latest poll must be woken once, and no older one \
                 (latest, older)"
            );
        };

        let mut accept = FreshWakers::new(listener.accept());
        assert!(
            accept.poll().is_pending(),
            "nobody is knocking: accept is Pending"
        );
        assert!(
            accept.poll().is_pending(),
            "nobody is knocking: accept is Pending"
        );
        let mut peer = std::net::TcpStream::connect(addr).unwrap();
        turn();
        woke_latest("accept", accept.latest().wakes(), accept.stale_wakes());
        let Poll::Ready(Ok((stream, _))) = accept.poll() else {
            panic!("woken, accept must give the connection that came")
        };

        let mut buf = [0; 16];
        let mut read = FreshWakers::new(std::future::poll_fn(|cx| stream.poll_read(cx, &mut buf)));
        assert!(read.poll().is_pending(), "nothing to read yet: Pending");
        assert!(read.poll().is_pending(), "nothing to read yet: Pending");
        peer.write_all(b"hello").unwrap();
        turn();
        woke_latest("poll_read", read.latest().wakes(), read.stale_wakes());
        assert!(
            matches!(read.poll(), Poll::Ready(Ok(5))),
            "woken, poll_read must read the 5 bytes sent"
        );
        drop(read);

        // Fill the socket, then wait for room; the peer reads everything on its own thread.
        let chunk = vec![1; 64 * 1024];
        while stream.get_ref().write(&chunk).is_ok() {}
        let mut write = FreshWakers::new(std::future::poll_fn(|cx| stream.poll_write(cx, &chunk)));
        assert!(write.poll().is_pending(), "the socket is full: Pending");
        assert!(write.poll().is_pending(), "the socket is full: Pending");
        let reader = thread::spawn(move || {
            let mut all = Vec::new();
            let _ = peer.read_to_end(&mut all);
        });
        turn();
        woke_latest("poll_write", write.latest().wakes(), write.stale_wakes());
        assert!(
            matches!(write.poll(), Poll::Ready(Ok(n)) if n > 0),
            "woken, poll_write must find room"
        );
        drop(write);
        drop(stream);
        reader.join().unwrap();
    });
}
