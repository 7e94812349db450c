//! Tests for exercise 10.5: the same tests for the async version (given) and for the
//! blocking one (yours). Each test runs its scenario against both, async first, so a
//! failure names the version that failed.
//!
//! Concurrency is proven by order, not by time: the second client must get its answer
//! while the first is still connected. A reply that never comes fails after the course's
//! patience, with a message that says which reply it was.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};

use ch10_when_not::ex05_few_clients::{serve_async, serve_blocking};
use support::sched::{Watched, assert_parks, spawn_watched};
use support::{PATIENCE, timeout};

#[derive(Clone, Copy, Debug)]
enum Version {
    Async,
    Blocking,
}

const BOTH: [Version; 2] = [Version::Async, Version::Blocking];

/// Starts `version` on a fresh loopback port for `clients` clients, on a thread of its
/// own whose kernel id the test knows.
fn start(version: Version, clients: usize) -> (SocketAddr, Watched<std::io::Result<()>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().unwrap();
    let server = spawn_watched("the line server", move || match version {
        Version::Async => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                listener.set_nonblocking(true)?;
                serve_async(tokio::net::TcpListener::from_std(listener)?, clients).await
            })
        }
        Version::Blocking => serve_blocking(listener, clients),
    });
    (addr, server)
}

struct Client {
    write: TcpStream,
    read: BufReader<TcpStream>,
    version: Version,
    name: &'static str,
}

impl Client {
    fn connect(addr: SocketAddr, version: Version, name: &'static str) -> Client {
        let stream = TcpStream::connect(addr).expect("connect to the server");
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        Client {
            write: stream.try_clone().unwrap(),
            read: BufReader::new(stream),
            version,
            name,
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.write.write_all(bytes).expect("send to the server");
    }

    /// The next line from the server (without its `\n`).
    fn reply(&mut self) -> String {
        let mut line = String::new();
        match self.read.read_line(&mut line) {
            Ok(0) => panic!(
                "{:?} version: the server hung up on the {} client instead of answering",
                self.version, self.name
            ),
            Ok(_) => line.trim_end_matches('\n').to_string(),
            Err(e) => panic!(
                "{:?} version: the {} client waited {} s for an answer that never came ({e}): is \
                 the server busy with another client?",
                self.version,
                self.name,
                PATIENCE.as_secs()
            ),
        }
    }
}

fn finish(version: Version, server: Watched<std::io::Result<()>>) {
    let outcome = server.thread.join().expect("the server panicked");
    assert!(
        outcome.is_ok(),
        "{version:?} version: once every client had hung up, serve should return Ok, got \
         {outcome:?}"
    );
}

#[test]
fn lines_come_back_in_capitals() {
    timeout(|| {
        for version in BOTH {
            let (addr, server) = start(version, 1);
            let mut client = Client::connect(addr, version, "only");
            client.send(b"hello\nGr\xc3\xbc\xc3\x9fe, world\n");
            assert_eq!(client.reply(), "HELLO", "{version:?} version");
            assert_eq!(client.reply(), "GRÜSSE, WORLD", "{version:?} version");
            drop(client);
            finish(version, server);
        }
    });
}

#[test]
fn two_clients_are_served_at_the_same_time() {
    timeout(|| {
        for version in BOTH {
            let (addr, server) = start(version, 2);
            let mut first = Client::connect(addr, version, "first");
            first.send(b"one\n");
            assert_eq!(first.reply(), "ONE", "{version:?} version");
            // The first client stays connected while the second one asks.
            let mut second = Client::connect(addr, version, "second");
            second.send(b"two\n");
            assert_eq!(second.reply(), "TWO", "{version:?} version");
            first.send(b"three\n");
            assert_eq!(first.reply(), "THREE", "{version:?} version");
            drop((first, second));
            finish(version, server);
        }
    });
}

#[test]
fn bytes_that_are_not_text_get_an_error_line_and_the_connection_goes_on() {
    timeout(|| {
        for version in BOTH {
            let (addr, server) = start(version, 1);
            let mut client = Client::connect(addr, version, "only");
            client.send(b"\xff\xfe\n");
            assert_eq!(
                client.reply(),
                "ERR not UTF-8",
                "{version:?} version: a line that is not UTF-8 gets an error line"
            );
            client.send(b"still here\n");
            assert_eq!(client.reply(), "STILL HERE", "{version:?} version");
            drop(client);
            finish(version, server);
        }
    });
}

#[test]
fn a_client_that_hangs_up_mid_line_does_not_stop_the_others() {
    timeout(|| {
        for version in BOTH {
            let (addr, server) = start(version, 2);
            let mut leaver = Client::connect(addr, version, "leaving");
            leaver.send(b"half a li");
            drop(leaver);
            let mut stayer = Client::connect(addr, version, "staying");
            stayer.send(b"whole line\n");
            assert_eq!(stayer.reply(), "WHOLE LINE", "{version:?} version");
            drop(stayer);
            finish(version, server);
        }
    });
}

#[test]
fn the_server_waits_asleep_until_every_client_has_hung_up() {
    timeout(|| {
        for version in BOTH {
            let (addr, server) = start(version, 2);
            let mut first = Client::connect(addr, version, "first");
            first.send(b"one\n");
            assert_eq!(first.reply(), "ONE", "{version:?} version");
            let mut second = Client::connect(addr, version, "second");
            second.send(b"two\n");
            assert_eq!(second.reply(), "TWO", "{version:?} version");
            // Both clients are accepted, connected and quiet: serve must not return yet,
            // and it waits for them asleep.
            assert_parks(
                server.tid,
                &format!(
                    "its two clients to hang up ({version:?} version: serve must return only \
                     once every client has hung up, so it joins their threads first)"
                ),
                "Join every client's thread: `std::thread::scope` does it for you, asleep.",
            );
            drop(first);
            second.send(b"still here\n");
            assert_eq!(second.reply(), "STILL HERE", "{version:?} version");
            drop(second);
            finish(version, server);
        }
    });
}

#[test]
fn a_line_cut_off_by_a_hang_up_gets_no_answer() {
    timeout(|| {
        for version in BOTH {
            let (addr, server) = start(version, 1);
            let mut client = Client::connect(addr, version, "only");
            client.send(b"whole\nhalf a li");
            // The client stops sending (and still listens): the half line will never end.
            client.write.shutdown(Shutdown::Write).unwrap();
            assert_eq!(client.reply(), "WHOLE", "{version:?} version");
            let mut rest = String::new();
            let _ = client.read.read_to_string(&mut rest);
            assert_eq!(
                rest, "",
                "{version:?} version: a line that the client cut off by hanging up (no `\\n`) \
                 gets no answer, as in the async version; the server answered {rest:?}"
            );
            finish(version, server);
        }
    });
}

#[test]
fn each_line_gets_one_answer_however_the_bytes_arrive() {
    timeout(|| {
        for version in BOTH {
            let (addr, server) = start(version, 1);
            let mut client = Client::connect(addr, version, "only");
            let me = client.write.local_addr().unwrap();
            // Half a line, read by the server on its own before the rest is sent (the
            // kernel's table of sockets shows when; Linux only)...
            client.send(b"hel");
            if let Some(read) = support::tcp_table::wait_until_read(me, addr) {
                assert!(
                    read,
                    "the server never read the first bytes the client sent"
                );
            }
            client.send(b"lo\n");
            assert_eq!(
                client.reply(),
                "HELLO",
                "{version:?} version: \"hel\" and \"lo\\n\" are one line, sent in two pieces \
                 (and read in two): they get one answer. Answer lines, not reads: \
                 `read_until(b'\\n', ..)` gathers a line whatever the pieces"
            );
            // ...and three lines in one piece, one of them not UTF-8.
            client.send(b"one\n\xff\ntwo\n");
            for expected in ["ONE", "ERR not UTF-8", "TWO"] {
                assert_eq!(
                    client.reply(),
                    expected,
                    "{version:?} version: \"one\", a line that is not UTF-8 and \"two\", sent \
                     in one piece, get one answer each, in order"
                );
            }
            drop(client);
            finish(version, server);
        }
    });
}

#[test]
fn a_client_that_resets_its_connection_ends_only_itself() {
    timeout(|| {
        for version in BOTH {
            let (addr, server) = start(version, 2);
            let mut rude = Client::connect(addr, version, "rude");
            rude.send(b"one\n");
            // The answer arrives and is left unread: closing a socket with unread bytes
            // resets the connection, so the server's next read of it fails.
            let mut peek = [0u8; 1];
            rude.write.peek(&mut peek).expect("the answer arrives");
            drop(rude);
            let mut polite = Client::connect(addr, version, "polite");
            polite.send(b"two\n");
            assert_eq!(polite.reply(), "TWO", "{version:?} version");
            drop(polite);
            let outcome = server.thread.join().expect("the server panicked");
            assert!(
                outcome.is_ok(),
                "{version:?} version: one client reset its connection, the other hung up \
                 politely, and serve returned {outcome:?}: an error on one client's \
                 connection ends that client only (the async version ignores it), and serve \
                 returns Ok once every client has hung up"
            );
        }
    });
}
