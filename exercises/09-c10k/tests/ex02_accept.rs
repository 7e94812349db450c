//! Tests for exercise 09.2: an accept loop that survives running out of files.
//!
//! Each test runs the server in a *child process* (this same test binary, started again
//! with an environment variable) whose open-files limit is lowered to a few descriptors:
//! the test runner's own limit is never touched. The child reports on its stdout each
//! connection it accepts and each pause, with how many accepts had failed by then.
#![cfg(unix)]

use ch09_c10k::ex02_accept::{Accept, Backoff, accept_loop};
use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;
use support::{PATIENCE, timeout};

const CHILD: &str = "CH09_ACCEPT_CHILD";
const BACKOFF: Backoff = Backoff {
    first: Duration::from_millis(2),
    max: Duration::from_millis(64),
};

/// A listener that counts the accepts that failed, and says so when it sees a loop retry
/// without pausing.
struct Counting {
    listener: TcpListener,
    failures: AtomicU64,
    pauses: AtomicU64,
}

impl Accept for Counting {
    fn accept(&self) -> io::Result<TcpStream> {
        let result = Accept::accept(&self.listener);
        if result.is_err() {
            let failures = self.failures.fetch_add(1, Ordering::SeqCst) + 1;
            if failures == self.pauses.load(Ordering::SeqCst) + 100 {
                println!("no pause after 100 failed accepts in a row");
            }
        }
        result
    }
}

/// The child's side: lower the limit, serve, report.
fn child_main() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    // Allow the descriptors up to the listener's, plus three.
    let limit = listener.as_raw_fd() as u64 + 4;
    let rlimit = libc::rlimit {
        rlim_cur: limit as libc::rlim_t,
        rlim_max: libc::RLIM_INFINITY,
    };
    let mut current = rlimit;
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut current) };
    let lowered = libc::rlimit {
        rlim_max: current.rlim_max,
        ..rlimit
    };
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lowered) }, 0);
    // How many connections fit, found by trying (a descriptor above the listener's may be
    // taken already).
    let mut probes = Vec::new();
    while let Ok(socket) = std::net::UdpSocket::bind("127.0.0.1:0") {
        probes.push(socket);
    }
    println!("capacity {}", probes.len());
    drop(probes);
    println!("listening {}", listener.local_addr().unwrap());
    let counting = Counting {
        listener,
        failures: AtomicU64::new(0),
        pauses: AtomicU64::new(0),
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        accept_loop(
            &counting,
            BACKOFF,
            |wait| {
                let pauses = counting.pauses.fetch_add(1, Ordering::SeqCst) + 1;
                let failures = counting.failures.load(Ordering::SeqCst);
                println!("pause {} {pauses} {failures}", wait.as_micros());
                thread::sleep(wait);
            },
            |stream| {
                println!("accepted");
                thread::spawn(move || echo(stream));
            },
        )
    }));
    match outcome {
        Ok(error) => println!("loop ended: {error}"),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            println!("loop ended: panicked: {message}");
        }
    }
}

fn echo(stream: TcpStream) {
    // No try_clone: a second descriptor per client would change the arithmetic.
    let mut reader = BufReader::new(&stream);
    let mut line = Vec::new();
    while let Ok(n) = reader.read_until(b'\n', &mut line) {
        if n == 0 || (&stream).write_all(&line).is_err() {
            return;
        }
        line.clear();
    }
}

/// The parent's handle on the child server.
struct Server {
    process: Child,
    lines: mpsc::Receiver<String>,
    addr: SocketAddr,
    capacity: usize,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

impl Server {
    /// Starts this test again as the child server.
    fn start(test: &str) -> Server {
        let mut process = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", test, "--nocapture", "--test-threads=1"])
            .env(CHILD, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the child server");
        // A thread turns the child's stdout into a channel, so that waiting for a line
        // can give up after PATIENCE.
        let stdout = BufReader::new(process.stdout.take().unwrap());
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in stdout.lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut server = Server {
            process,
            lines,
            addr: "127.0.0.1:0".parse().unwrap(),
            capacity: 0,
        };
        server.capacity = server.expect("capacity").parse().unwrap();
        server.addr = server.expect("listening").parse().unwrap();
        server
    }

    /// The rest of the next line that starts with `what`, skipping others. Fails at once
    /// if the accept loop has ended or spins.
    fn expect(&self, what: &str) -> String {
        loop {
            let line = self.lines.recv_timeout(PATIENCE).unwrap_or_else(|_| {
                panic!(
                    "waited {} s for the server to report `{what}`. While out of files, \
                     the loop must call `pause` after each failed accept.",
                    PATIENCE.as_secs()
                )
            });
            // libtest's "test name ... " may start the line: look inside it.
            if let Some((_, rest)) = line.split_once("loop ended: panicked: ") {
                panic!("accept_loop panicked in the child server: {rest}");
            }
            if let Some((_, rest)) = line.split_once("loop ended: ") {
                panic!(
                    "accept_loop returned ({rest}) when the process ran out of files: it \
                     must pause and try again, since a closing client gives a descriptor \
                     back"
                );
            }
            if line.contains("no pause after") {
                panic!(
                    "{line}: when accept fails with EMFILE the connection stays in the \
                     backlog, so retrying at once fails at once. Call `pause` first."
                );
            }
            if let Some((_, rest)) = line.split_once(what) {
                return rest.trim().to_string();
            }
        }
    }

    /// If the child's accept loop has ended, fails with what it said.
    fn last_words(&self) {
        while let Ok(line) = self
            .lines
            .recv_timeout(std::time::Duration::from_millis(500))
        {
            if let Some((_, rest)) = line.split_once("loop ended: ") {
                panic!("accept_loop ended in the child server: {rest}");
            }
        }
    }

    /// The next pause: (wait in µs, pauses so far, failed accepts so far).
    fn pause(&self) -> (u64, u64, u64) {
        let rest = self.expect("pause");
        let numbers: Vec<u64> = rest.split(' ').map(|n| n.parse().unwrap()).collect();
        (numbers[0], numbers[1], numbers[2])
    }
}

struct Client {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Client {
    fn connect(server: &Server) -> Client {
        let stream = TcpStream::connect(server.addr).unwrap_or_else(|e| {
            // The child is gone: its last words say why.
            server.last_words();
            panic!("could not connect to the child server: {e}")
        });
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            stream,
        }
    }

    fn send(&mut self, line: &str) {
        self.stream.write_all(line.as_bytes()).unwrap();
    }

    fn receive(&mut self, expected: &str, when: &str, server: &Server) {
        let mut back = String::new();
        match self.reader.read_line(&mut back) {
            Ok(_) if back == expected => {}
            Ok(_) => {
                server.last_words();
                panic!("{when}: expected the echo {expected:?}, got {back:?}")
            }
            Err(e) => {
                server.last_words();
                panic!("{when}: no echo of {expected:?} within 5 s ({e})")
            }
        }
    }
}

/// Fills the child's descriptors with clients (each echoes once), then connects one more
/// that cannot be accepted and sends it a line.
fn exhaust(server: &Server) -> (Vec<Client>, Client) {
    let mut clients = Vec::new();
    for i in 0..server.capacity {
        let mut client = Client::connect(server);
        let line = format!("client {i}\n");
        client.send(&line);
        client.receive(
            &line,
            "a client while the server had descriptors to spare",
            server,
        );
        clients.push(client);
    }
    let mut waiting = Client::connect(server);
    waiting.send("waiting\n");
    (clients, waiting)
}

/// Runs `parent` in the test runner, or the child server when this is the child.
fn scenario(test: String, parent: impl FnOnce(Server) + Send + 'static) {
    if std::env::var_os(CHILD).is_some() {
        child_main();
        return;
    }
    timeout(move || parent(Server::start(&test)));
}

#[test]
fn out_of_files_the_loop_pauses_longer_each_time_instead_of_spinning() {
    scenario(
        support::test_name!(out_of_files_the_loop_pauses_longer_each_time_instead_of_spinning),
        |server| {
            let (_clients, _waiting) = exhaust(&server);
            let mut waits = Vec::new();
            for _ in 1..=4 {
                let (wait, pauses, failures) = server.pause();
                assert_eq!(
                    failures, pauses,
                    "pause {pauses}: each failed accept must be followed by one pause; \
                     {failures} accepts had failed by pause {pauses}"
                );
                waits.push(Duration::from_micros(wait));
            }
            let first = BACKOFF.first;
            let expected = [first, first * 2, first * 4, first * 8];
            assert_eq!(
                waits,
                expected,
                "out of files, the first four pauses waited {}; expected {}: the first waits \
                 Backoff::first, and each next one twice as long (up to Backoff::max)",
                in_ms(&waits),
                in_ms(&expected)
            );
        },
    );
}

#[test]
fn clients_already_connected_are_served_while_out_of_files() {
    scenario(
        support::test_name!(clients_already_connected_are_served_while_out_of_files),
        |server| {
            let (mut clients, _waiting) = exhaust(&server);
            server.pause();
            server.pause();
            for (i, client) in clients.iter_mut().enumerate() {
                let line = format!("client {i} again\n");
                client.send(&line);
                client.receive(
                    &line,
                    "a connected client while the server was out of files",
                    &server,
                );
            }
            server.pause();
        },
    );
}

#[test]
fn a_freed_descriptor_lets_the_waiting_client_in_and_the_wait_starts_over() {
    scenario(
        support::test_name!(a_freed_descriptor_lets_the_waiting_client_in_and_the_wait_starts_over),
        |server| {
            let (mut clients, mut waiting) = exhaust(&server);
            server.pause();
            server.pause();
            // One client leaves: its handler ends and its descriptor is closed.
            drop(clients.remove(0));
            server.expect("accepted");
            waiting.receive(
                "waiting\n",
                "the client that waited in the backlog, once a descriptor was free",
                &server,
            );
            // Full again: the next failure starts a new round of pauses.
            let (wait, _, _) = server.pause();
            assert_eq!(
                wait,
                BACKOFF.first.as_micros() as u64,
                "after a successful accept the next pause must start over at Backoff::first \
                 ({} µs); it waited {wait} µs",
                BACKOFF.first.as_micros()
            );
        },
    );
}

/// Waits as a list, in milliseconds: "2, 4, 8 ms".
fn in_ms(waits: &[Duration]) -> String {
    let each: Vec<String> = waits
        .iter()
        .map(|wait| format!("{}", wait.as_secs_f64() * 1000.0))
        .collect();
    format!("{} ms", each.join(", "))
}

/// One step of a scripted listener: a failure, or a connection accepted.
enum Step {
    Fail(io::Error),
    Accept,
}

/// A listener that fails (or accepts) in a scripted way, for the decisions that need no
/// real shortage.
struct Scripted {
    steps: std::sync::Mutex<Vec<Step>>,
    calls: AtomicU64,
    /// Where the scripted connections come from, and their client ends, kept open.
    real: TcpListener,
    clients: std::sync::Mutex<Vec<TcpStream>>,
}

impl Scripted {
    fn new(steps: Vec<Step>) -> Scripted {
        Scripted {
            steps: std::sync::Mutex::new(steps),
            calls: AtomicU64::new(0),
            real: TcpListener::bind("127.0.0.1:0").unwrap(),
            clients: std::sync::Mutex::new(Vec::new()),
        }
    }

    fn failing(errors: Vec<io::Error>) -> Scripted {
        Scripted::new(errors.into_iter().map(Step::Fail).collect())
    }
}

impl Accept for Scripted {
    fn accept(&self) -> io::Result<TcpStream> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let mut steps = self.steps.lock().unwrap();
        if steps.is_empty() {
            return Err(io::Error::other(
                "the script ran out: the loop should have returned by now",
            ));
        }
        match steps.remove(0) {
            Step::Fail(error) => Err(error),
            Step::Accept => {
                let client = TcpStream::connect(self.real.local_addr().unwrap())?;
                self.clients.lock().unwrap().push(client);
                Ok(self.real.accept()?.0)
            }
        }
    }
}

#[test]
fn errors_are_told_apart_retry_pause_or_return() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    timeout(|| {
        let broken = io::Error::new(io::ErrorKind::InvalidInput, "the listener is broken");
        let listener = Scripted::failing(vec![
            io::Error::from(io::ErrorKind::ConnectionAborted),
            io::Error::from(io::ErrorKind::Interrupted),
            io::Error::from_raw_os_error(24), // EMFILE
            io::Error::from_raw_os_error(24),
            broken,
        ]);
        let mut pauses = Vec::new();
        let error = accept_loop(
            &listener,
            BACKOFF,
            |wait| pauses.push(wait),
            |_| panic!("nothing was accepted"),
        );
        assert_eq!(
            error.kind(),
            io::ErrorKind::InvalidInput,
            "an error that is neither one connection's nor a lack of resources must be \
             returned; got {error}"
        );
        assert_eq!(listener.calls.load(Ordering::SeqCst), 5);
        assert_eq!(
            pauses,
            [BACKOFF.first, BACKOFF.first * 2],
            "an aborted connection and an interrupted call are retried at once; each \
             EMFILE is followed by a pause"
        );
    });
}

#[test]
fn the_wait_doubles_up_to_the_ceiling_stays_there_and_starts_over_after_an_accept() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    timeout(|| {
        // A ceiling that doubling never lands on: 3, 6, 12, 24, 48, then 50 (not 96).
        let backoff = Backoff {
            first: Duration::from_millis(3),
            max: Duration::from_millis(50),
        };
        let emfile = || Step::Fail(io::Error::from_raw_os_error(24));
        let mut steps: Vec<Step> = (0..8).map(|_| emfile()).collect();
        steps.push(Step::Accept);
        steps.extend([emfile(), emfile()]);
        steps.push(Step::Fail(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the listener is broken",
        )));
        let listener = Scripted::new(steps);
        let mut waits = Vec::new();
        let mut served = 0;
        let error = accept_loop(&listener, backoff, |wait| waits.push(wait), |_| served += 1);
        assert_eq!(
            error.kind(),
            io::ErrorKind::InvalidInput,
            "a broken listener's error must be returned; got {error}"
        );
        assert_eq!(served, 1, "the one connection accepted must be served");
        let ms = Duration::from_millis;
        let expected = [
            ms(3),
            ms(6),
            ms(12),
            ms(24),
            ms(48),
            ms(50),
            ms(50),
            ms(50),
            ms(3),
            ms(6),
        ];
        assert_eq!(
            waits,
            expected,
            "with Backoff {{ first: 3 ms, max: 50 ms }}, eight failed accepts in a row, one \
             accepted connection, then two more failures, the loop paused {}; expected {}. \
             Each wait is twice the one before but never more than max (cap it after \
             doubling: 48 ms doubled is 96, capped to 50), it stays at max while the shortage \
             lasts, and it starts over at first after a connection is accepted",
            in_ms(&waits),
            in_ms(&expected)
        );
    });
}
