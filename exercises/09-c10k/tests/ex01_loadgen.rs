//! Tests for exercise 09.1: the load generator, run against small servers inside the test.

use ch09_c10k::ex01_loadgen::{Errors, Failure, Plan, PlanError, Report, classify, run};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;
use support::{PATIENCE, Rendezvous, timeout};

/// What a report says, in a line: its counts, not the histogram's buckets (the Debug of
/// a `Histogram` is pages of numbers).
fn summary(report: &Report) -> String {
    let latency = &report.active.latency;
    format!(
        "{} idle connections held (idle errors {:?}); {} round trips completed, {} latency \
         samples, errors {:?}",
        report.idle_held,
        report.idle_errors,
        report.active.completed,
        latency.len(),
        report.active.errors
    )
}

/// What the test server does with each connection.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Sends back every line.
    Echo,
    /// Waits until the client has sent something, then closes without reading it: the
    /// unread bytes make the kernel answer with a reset.
    Reset,
    /// Reads and never answers.
    Silent,
    /// Answers every line with another line.
    Wrong,
    /// Sends back the first half of the first line, then hangs up.
    HalfEcho,
}

/// A thread-per-connection server on 127.0.0.1 that counts the connections it accepts.
fn server(behaviour: Behaviour) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            count.fetch_add(1, Ordering::SeqCst);
            thread::spawn(move || serve(stream, behaviour));
        }
    });
    (addr, accepted)
}

fn serve(stream: TcpStream, behaviour: Behaviour) {
    match behaviour {
        Behaviour::Echo => {
            let mut reader = BufReader::new(&stream);
            let mut line = Vec::new();
            while let Ok(n) = reader.read_until(b'\n', &mut line) {
                if n == 0 || (&stream).write_all(&line).is_err() {
                    return;
                }
                line.clear();
            }
        }
        Behaviour::Reset => {
            let mut first = [0u8; 1];
            let _ = stream.peek(&mut first);
            drop(stream);
        }
        Behaviour::HalfEcho => {
            let mut line = Vec::new();
            if BufReader::new(&stream).read_until(b'\n', &mut line).is_ok() {
                let _ = (&stream).write_all(&line[..line.len() / 2]);
            }
        }
        Behaviour::Wrong => {
            let mut reader = BufReader::new(&stream);
            let mut line = Vec::new();
            while let Ok(n) = reader.read_until(b'\n', &mut line) {
                if n == 0 || (&stream).write_all(b"no\n").is_err() {
                    return;
                }
                line.clear();
            }
        }
        Behaviour::Silent => {
            let mut sink = [0u8; 1024];
            while let Ok(n) = (&stream).read(&mut sink) {
                if n == 0 {
                    return;
                }
            }
        }
    }
}

/// Waits (up to PATIENCE) until `counter` reaches `n`; returns what it reached.
fn wait_for(counter: &AtomicUsize, n: usize) -> usize {
    support::within_patience(|| counter.load(Ordering::SeqCst) >= n);
    counter.load(Ordering::SeqCst)
}

/// An address where nobody listens: a port that was just bound and let go.
fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

#[test]
fn every_request_is_answered_and_timed() {
    timeout(|| {
        let (addr, accepted) = server(Behaviour::Echo);
        let plan = Plan {
            idle: 5,
            active: 4,
            requests: 25,
            ..Plan::new(addr)
        };
        let report = run(&plan).expect("a loopback plan must be accepted");
        assert_eq!(
            report.idle_held, 5,
            "the report must say how many idle connections were held"
        );
        assert_eq!(
            report.active.completed,
            100,
            "4 clients × 25 requests must all complete against an echo server: {}",
            summary(&report)
        );
        assert_eq!(
            report.active.latency.len(),
            100,
            "the latency histogram must hold one sample per completed request, from every \
             client (are the clients' histograms merged?)"
        );
        assert!(
            report.active.latency.max() >= 1,
            "every latency is recorded as at least 1 µs"
        );
        assert_eq!(
            report.active.errors.total(),
            0,
            "no errors expected: {}",
            summary(&report)
        );
        assert_eq!(
            wait_for(&accepted, 9),
            9,
            "the server must see 5 idle and 4 active connections"
        );
    });
}

#[test]
fn idle_connections_are_spread_over_the_targets() {
    timeout(|| {
        let (a, accepted_a) = server(Behaviour::Echo);
        let (b, accepted_b) = server(Behaviour::Echo);
        let plan = Plan {
            targets: vec![a, b],
            idle: 6,
            active: 2,
            requests: 1,
            ..Plan::new(a)
        };
        let report = run(&plan).expect("a loopback plan must be accepted");
        assert_eq!(
            report.idle_held,
            6,
            "the report must say that 6 idle connections were held: {}",
            summary(&report)
        );
        assert_eq!(
            report.active.completed,
            2,
            "2 active clients × 1 request: {}",
            summary(&report)
        );
        wait_for(&accepted_a, 5);
        wait_for(&accepted_b, 3);
        assert_eq!(
            (
                accepted_a.load(Ordering::SeqCst),
                accepted_b.load(Ordering::SeqCst)
            ),
            (5, 3),
            "6 idle connections over 2 targets: 3 each, in turn (a destination has only so \
             many ephemeral ports); the 2 active clients all go to the first target. \
             (connections seen by the first target, by the second)"
        );
    });
}

#[test]
fn a_refused_connection_is_counted_not_a_panic() {
    timeout(|| {
        let plan = Plan {
            idle: 3,
            active: 2,
            ..Plan::new(closed_port())
        };
        let report = run(&plan).expect("a loopback plan must be accepted");
        assert_eq!(
            report.idle_held, 0,
            "nobody listens: no idle connection can be held"
        );
        assert_eq!(
            report.idle_errors.refused,
            1,
            "opening idle connections stops at the first refusal, and counts it: {}",
            summary(&report)
        );
        assert_eq!(
            report.active.errors.refused,
            2,
            "each active client that is refused counts one refusal: {}",
            summary(&report)
        );
        assert_eq!(
            report.active.completed, 0,
            "nobody listens: no round trip can complete"
        );
    });
}

#[test]
fn a_reset_is_counted_as_a_reset() {
    timeout(|| {
        assert_eq!(
            classify(&io::Error::from(io::ErrorKind::ConnectionReset)),
            Failure::Reset
        );
        assert_eq!(
            classify(&io::Error::from(io::ErrorKind::ConnectionRefused)),
            Failure::Refused
        );
        let (addr, _) = server(Behaviour::Reset);
        let plan = Plan {
            active: 3,
            ..Plan::new(addr)
        };
        let report = run(&plan).expect("a loopback plan must be accepted");
        assert_eq!(report.active.completed, 0);
        assert_eq!(
            report.active.errors.reset, 3,
            "a server that drops the connection mid-request is a reset, once per client: {:?}",
            report.active.errors
        );
        let (addr, _) = server(Behaviour::HalfEcho);
        let report = run(&Plan {
            active: 2,
            ..Plan::new(addr)
        })
        .expect("a loopback plan must be accepted");
        assert_eq!(
            report.active.errors.reset, 2,
            "a server that hangs up halfway through its answer is a reset too: {:?}",
            report.active.errors
        );
    });
}

#[test]
fn a_silent_server_times_out_within_the_time_limit() {
    timeout(|| {
        let (addr, _) = server(Behaviour::Silent);
        let plan = Plan {
            active: 2,
            // Each read could wait a minute; the run as a whole may not.
            io_timeout: Duration::from_secs(60),
            time_limit: Duration::from_millis(300),
            ..Plan::new(addr)
        };
        let report = run(&plan).expect("a loopback plan must be accepted");
        assert_eq!(report.active.completed, 0);
        assert_eq!(
            report.active.errors.timed_out, 2,
            "a client whose server never answers stops at the time limit and counts a \
             timeout: {:?}",
            report.active.errors
        );
    });
}

#[test]
fn a_remote_target_is_refused_before_connecting() {
    timeout(|| {
        let (local, accepted) = server(Behaviour::Echo);
        // 192.0.2.1 is TEST-NET-1, reserved for documentation: nobody answers there.
        let remote: SocketAddr = "192.0.2.1:7".parse().unwrap();
        let plan = Plan {
            targets: vec![local, remote],
            idle: 4,
            active: 1,
            io_timeout: Duration::from_millis(200),
            ..Plan::new(local)
        };
        match run(&plan) {
            Err(error @ PlanError::NotLoopback(addr)) => {
                assert_eq!(addr, remote);
                assert!(
                    error
                        .to_string()
                        .contains("192.0.2.1:7 is not a loopback address")
                );
            }
            other => panic!(
                "a plan with a target that is not loopback must be refused with \
                 PlanError::NotLoopback, before connecting anywhere; got {other:?}"
            ),
        }
        assert_eq!(
            accepted.load(Ordering::SeqCst),
            0,
            "a refused plan must not connect at all"
        );
        assert_eq!(
            run(&Plan {
                targets: vec![],
                ..Plan::new(local)
            })
            .err(),
            Some(PlanError::NoTarget)
        );
    });
}

#[test]
fn an_answer_that_is_not_the_echo_is_counted_as_other() {
    timeout(|| {
        let (addr, _) = server(Behaviour::Wrong);
        let plan = Plan {
            active: 2,
            ..Plan::new(addr)
        };
        let report = run(&plan).expect("a loopback plan must be accepted");
        assert_eq!(report.active.completed, 0);
        assert_eq!(
            report.active.errors,
            Errors {
                other: 2,
                ..Errors::default()
            },
            "a server that answers something else than the echo is an `Other` failure, \
             once per client"
        );
        let mixed = Errors {
            refused: 1,
            reset: 2,
            timed_out: 3,
            other: 4,
        };
        assert_eq!(mixed.total(), 10);
    });
}

/// An echo server whose connections each hold back their first echo until `parties`
/// connections have sent their first line (a rendezvous). If they never all come, the
/// first one's connection is closed and `apart` is set, and every later one echoes at once,
/// so that the run ends soon and the test can say what it saw.
fn meeting_server(parties: usize) -> (SocketAddr, Arc<Rendezvous>, Arc<AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().unwrap();
    let meeting = Arc::new(Rendezvous::new(parties));
    let apart = Arc::new(AtomicBool::new(false));
    let (meet, gave_up) = (meeting.clone(), apart.clone());
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let (meeting, apart) = (meet.clone(), gave_up.clone());
            thread::spawn(move || {
                let mut first = [0u8; 1];
                if stream.peek(&mut first).is_err() {
                    return;
                }
                if !apart.load(Ordering::SeqCst) && !meeting.try_meet() {
                    apart.store(true, Ordering::SeqCst);
                    return; // closes the connection: that client's run ends
                }
                serve(stream, Behaviour::Echo);
            });
        }
    });
    (addr, meeting, apart)
}

#[test]
fn active_clients_run_at_the_same_time() {
    timeout(|| {
        let (addr, meeting, apart) = meeting_server(4);
        let plan = Plan {
            active: 4,
            requests: 3,
            // Long enough that only the server's patience decides.
            io_timeout: Duration::from_secs(60),
            time_limit: Duration::from_secs(60),
            ..Plan::new(addr)
        };
        let report = run(&plan).expect("a loopback plan must be accepted");
        assert!(
            !apart.load(Ordering::SeqCst),
            "the server held back every active client's first echo until all 4 clients had sent \
             their first line, and after {} s only {} of 4 had: the active clients did not run \
             at the same time. run_active must start every client's thread before it joins any \
             (a client joined right after it is spawned runs alone). The run: {}",
            PATIENCE.as_secs(),
            meeting.arrived(),
            summary(&report)
        );
        assert_eq!(
            report.active.completed,
            12,
            "4 clients × 3 requests: {}",
            summary(&report)
        );
    });
}

/// An echo server that, each time a line arrives, notes how many connections to it are
/// open at the clients' end (the kernel's table of sockets, Linux only).
fn counting_server() -> (SocketAddr, Arc<Mutex<Vec<usize>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let log = log.clone();
            thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                let mut line = Vec::new();
                while let Ok(n) = reader.read_until(b'\n', &mut line) {
                    if n == 0 {
                        return;
                    }
                    if let Some(open) = support::tcp_table::open_clients_of(addr) {
                        log.lock().unwrap().push(open);
                    }
                    if (&stream).write_all(&line).is_err() {
                        return;
                    }
                    line.clear();
                }
            });
        }
    });
    (addr, seen)
}

#[test]
fn idle_connections_stay_open_while_the_active_clients_run() {
    timeout(|| {
        if support::tcp_table::rows().is_none() {
            return; // no table of sockets to look at on this system
        }
        let (addr, seen) = counting_server();
        let plan = Plan {
            idle: 5,
            active: 1,
            requests: 3,
            ..Plan::new(addr)
        };
        let report = run(&plan).expect("a loopback plan must be accepted");
        assert_eq!(
            report.active.completed,
            3,
            "1 client × 3 requests: {}",
            summary(&report)
        );
        // One count per line, and only the active client sends lines.
        let during = seen.lock().unwrap().clone();
        assert!(
            during.len() == 3 && during.iter().all(|&open| open >= 6),
            "each time the active client's request arrived, the kernel showed {during:?} \
             connections to the server still open at the client's end; with 5 idle \
             connections held and 1 active client, that is 6 every time. The idle connections \
             must stay open until the active clients are done: keep the streams in a named \
             variable until run_active returns (`let _ = open_idle(..)`, or keeping only \
             their count, closes them at once). The run: {}",
            summary(&report)
        );
    });
}

/// An echo server that holds back every first echo until the test opens the gate (or the
/// patience runs out).
fn gated_server() -> (SocketAddr, Arc<(Mutex<bool>, std::sync::Condvar)>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().unwrap();
    let gate = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
    let shared = gate.clone();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let gate = shared.clone();
            thread::spawn(move || {
                let mut first = [0u8; 1];
                if stream.peek(&mut first).is_err() {
                    return;
                }
                let (open, opened) = &*gate;
                let open = open.lock().unwrap();
                let _ = opened.wait_timeout_while(open, PATIENCE, |open| !*open);
                serve(stream, Behaviour::Echo);
            });
        }
    });
    (addr, gate)
}

#[test]
fn run_waits_for_its_clients_asleep() {
    timeout(|| {
        let (addr, gate) = gated_server();
        let plan = Plan {
            active: 2,
            requests: 2,
            io_timeout: Duration::from_secs(60),
            time_limit: Duration::from_secs(60),
            ..Plan::new(addr)
        };
        let running = support::sched::spawn_watched("run", move || run(&plan));
        support::sched::assert_parks(
            running.tid,
            "its active clients (the server holds back their echoes)",
            "Join the clients' threads (a `thread::scope` joins them at its end), which sleeps \
             until they are done.",
        );
        let (open, opened) = &*gate;
        *open.lock().unwrap() = true;
        opened.notify_all();
        let report = running
            .thread
            .join()
            .expect("run panicked")
            .expect("a loopback plan must be accepted");
        assert_eq!(
            report.active.completed,
            4,
            "2 clients × 2 requests, once the server answered: {}",
            summary(&report)
        );
    });
}
