//! Tests for exercise 07.1: a callback echo server on one poller, with real TCP clients
//! on loopback.

use ch07_event_loop::ex01_callbacks::{MAX_LINE, Stats, TOO_LONG, serve_echo};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::thread;
use support::{PATIENCE, Rendezvous, timeout, within_patience};

/// The server's thread, and its id in the kernel (to watch it in `/proc`).
type Server = support::sched::Watched<io::Result<()>>;

/// Starts the callback server for `clients` connections on its own thread.
fn start_server(clients: usize) -> (SocketAddr, Arc<Stats>, Server) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    start_server_on(listener, clients)
}

/// As [`start_server`], on a listener the test made (and may have connected to already).
fn start_server_on(listener: TcpListener, clients: usize) -> (SocketAddr, Arc<Stats>, Server) {
    let addr = listener.local_addr().unwrap();
    let stats = Arc::new(Stats::default());
    let theirs = stats.clone();
    let server = support::sched::spawn_watched("callback echo server", move || {
        let outcome = serve_echo(listener, clients, &theirs);
        ENDED.lock().unwrap().push((addr, format!("{outcome:?}")));
        outcome
    });
    (addr, stats, server)
}

/// The servers that have returned, by address, with what they returned: so that a client
/// the server stopped answering can say why.
static ENDED: Mutex<Vec<(SocketAddr, String)>> = Mutex::new(Vec::new());

/// What the server at `addr` returned, if it has; `wait` gives it the patience to get
/// there (its socket is closed a moment before the function returns).
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

/// Why a server that returned while a client still needed it was wrong, from what it
/// returned.
fn why_it_ended(outcome: &str) -> String {
    if outcome.starts_with("Err") {
        format!(
            "serve_echo returned {outcome} while this client was still connected: a \
             client's error must close that client only (print it and go on); only \
             `accept` failing ends the server"
        )
    } else {
        format!(
            "serve_echo returned {outcome} while this client still needed it: it must go \
             on until it has accepted `clients` connections and closed every one of them"
        )
    }
}

/// A line-oriented test client.
struct Client {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).unwrap_or_else(|e| match ended(addr, true) {
            Some(outcome) => panic!("could not connect ({e}): {}", why_it_ended(&outcome)),
            None => panic!("could not connect to the echo server: {e}"),
        });
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }

    /// Sends `line` and returns what came back, or panics with what went wrong.
    fn echo(&mut self, line: &str) -> String {
        let server = self.writer.peer_addr().unwrap();
        let sent = self.writer.write_all(line.as_bytes());
        let mut back = String::new();
        let read = sent.and_then(|()| self.reader.read_line(&mut back));
        if read.as_ref().is_ok_and(|&n| n > 0) {
            return back;
        }
        // What went wrong. A closed or broken connection may be the server's return
        // closing everything: give it the patience to say so.
        let timed_out = matches!(&read, Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut));
        match (read, ended(server, !timed_out)) {
            (_, Some(outcome)) => panic!("no echo of {line:?}: {}", why_it_ended(&outcome)),
            (Ok(_), None) => panic!(
                "the server closed this client's connection instead of echoing {line:?} (did \
                 a new client get the key of one still open, and take its place in the \
                 table? a key must not be handed out again while its connection lives)"
            ),
            (Err(e), None) if timed_out => panic!(
                "no echo of {line:?} within {} s ({e}): the server did not answer this \
                 client (was its socket, or the listener, re-armed with `poller.modify` \
                 after its last event? is one client blocking the loop?)",
                PATIENCE.as_secs()
            ),
            (Err(e), None) => panic!(
                "the server broke this client's connection ({e}) instead of echoing {line:?}"
            ),
        }
    }

    /// Hangs up (the server reads end of file) and waits until the server has closed its
    /// side of the connection too.
    fn hang_up(self) {
        self.writer.shutdown(std::net::Shutdown::Write).unwrap();
        let mut rest = Vec::new();
        let mut reader = self.reader;
        match reader.read_to_end(&mut rest) {
            Ok(_) => assert!(
                rest.is_empty(),
                "after its last line was echoed, a client hung up and got {:?} back",
                String::from_utf8_lossy(&rest)
            ),
            Err(e) => panic!(
                "a client hung up and the server did not close its side of the connection \
                 ({e}): end of file sets the connection closing, and a closing connection \
                 with nothing left to send is deleted from the poller and dropped"
            ),
        }
    }
}

/// Connects, sends `bytes` in one write, and returns everything the server sends back
/// until it closes the connection (a reset after the reply ends it too).
fn reply_to(addr: SocketAddr, bytes: &[u8], hang_up: bool) -> Vec<u8> {
    let mut client = TcpStream::connect(addr).unwrap();
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    client.write_all(bytes).unwrap();
    if hang_up {
        client.shutdown(std::net::Shutdown::Write).unwrap();
    }
    let mut reply = Vec::new();
    let _ = client.read_to_end(&mut reply);
    reply
}

/// Waits for the server to finish and checks it ended well and never spun.
fn finish(server: Server, stats: &Stats) {
    let outcome = server.thread.join().expect("the server thread panicked");
    if let Err(e) = outcome {
        panic!(
            "serve_echo returned Err({e}) instead of Ok once its clients were done: a \
             client's error must close that client only (print it and go on)"
        );
    }
    let spins = stats.non_blocking.load(Ordering::SeqCst);
    assert_eq!(
        spins, 0,
        "the loop polled {spins} times with a zero timeout: with nothing to do it must \
         sleep in the poller (timeout None), not spin"
    );
}

/// Waits until the server sits in the poller's wait (it has nothing to do).
fn until_waiting(stats: &Stats) {
    assert!(
        support::within_patience(|| stats.in_wait.load(Ordering::SeqCst)),
        "the server never waited in the poller: wait through ex01_callbacks::wait"
    );
}

#[test]
fn a_client_gets_its_lines_back() {
    timeout(|| {
        let (addr, stats, server) = start_server(1);
        let mut client = Client::connect(addr);
        assert_eq!(client.echo("hello\n"), "hello\n");
        assert_eq!(client.echo("callbacks\n"), "callbacks\n");
        assert_eq!(client.echo("third time\n"), "third time\n");
        drop(client);
        finish(server, &stats);
    });
}

#[test]
fn an_idle_server_sleeps_in_the_poller() {
    timeout(|| {
        let (addr, stats, server) = start_server(1);
        let mut client = Client::connect(addr);
        assert_eq!(client.echo("first\n"), "first\n");
        // The client says nothing now: the loop must be asleep in one wait, and stay.
        // (On Linux the test reads the server thread's state in `/proc`: a loop that gets
        // an event again and again, say for a socket it asked to write to with nothing
        // to write, never sleeps.)
        support::sched::assert_parks(
            server.tid,
            "the client's next line",
            "Ask the poller only for what the connection needs now: readable unless \
             closing, writable only while bytes wait to be sent.",
        );
        until_waiting(&stats);
        let waits = stats.waits.load(Ordering::SeqCst);
        assert_eq!(client.echo("second\n"), "second\n");
        assert!(
            stats.waits.load(Ordering::SeqCst) <= waits + 3,
            "a line costs a few waits at most; the loop waited {} times for one line",
            stats.waits.load(Ordering::SeqCst) - waits
        );
        drop(client);
        finish(server, &stats);
    });
}

#[test]
fn twenty_clients_are_served_at_the_same_time_on_one_thread() {
    timeout(|| {
        const CLIENTS: usize = 20;
        let (addr, stats, server) = start_server(CLIENTS);
        // Each client meets the others between its two lines: the server must hold all
        // twenty connections at once to get them there.
        let meeting = Rendezvous::new(CLIENTS);
        thread::scope(|s| {
            for id in 0..CLIENTS {
                let meeting = &meeting;
                s.spawn(move || {
                    let mut client = Client::connect(addr);
                    let first = format!("client {id} says hello\n");
                    assert_eq!(client.echo(&first), first);
                    meeting.meet();
                    let second = format!("client {id} says goodbye\n");
                    assert_eq!(client.echo(&second), second);
                });
            }
        });
        finish(server, &stats);
    });
}

#[test]
fn a_silent_client_and_one_that_stops_mid_line_do_not_hold_up_the_others() {
    timeout(|| {
        let (addr, stats, server) = start_server(5);
        let silent = TcpStream::connect(addr).unwrap();
        let mut half = TcpStream::connect(addr).unwrap();
        half.write_all(b"this line never ends").unwrap();
        thread::scope(|s| {
            for id in 0..3 {
                s.spawn(move || {
                    let mut client = Client::connect(addr);
                    for n in 0..3 {
                        let line = format!("{id}:{n}\n");
                        assert_eq!(client.echo(&line), line);
                    }
                });
            }
        });
        drop(silent);
        drop(half);
        finish(server, &stats);
    });
}

#[test]
fn garbage_is_cut_off_and_an_abrupt_disconnect_ends_only_that_client() {
    timeout(|| {
        let (addr, stats, server) = start_server(3);
        let mut good = Client::connect(addr);
        assert_eq!(good.echo("before\n"), "before\n");

        // Binary junk with no newline, exactly as long as a line may be.
        let mut garbage = TcpStream::connect(addr).unwrap();
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

        // A client that resets the connection: it closes with an echo still unread in
        // its socket (`peek` proves the echo is there), so its OS sends a reset and the
        // server's next read on it fails.
        let mut rude = Client::connect(addr);
        assert_eq!(rude.echo("hi\n"), "hi\n");
        rude.writer.write_all(b"unread\n").unwrap();
        rude.writer.peek(&mut [0; 1]).unwrap();
        drop(rude);

        assert_eq!(
            good.echo("after\n"),
            "after\n",
            "one client's garbage or reset must not disturb another client"
        );
        drop(good);
        finish(server, &stats);
    });
}

#[test]
fn a_client_that_does_not_read_for_a_while_still_gets_every_byte_back() {
    // The client sends more lines than the kernel can hold on their way back before it
    // reads a byte. The server's writes to it must fill the socket and fail with
    // `WouldBlock` at some point: the rest waits in the connection's `outgoing` and goes
    // when the poller says the socket is writable again. Nothing is lost, and the server
    // does not end the connection.
    let (sent, got) = timeout(|| {
        let (addr, stats, server) = start_server(1);
        let total = support::net::most_bytes_in_flight() + (1 << 20);
        let line = format!("{}\n", "x".repeat(99));
        let lines = total.div_ceil(line.len());
        let client = TcpStream::connect(addr).unwrap();
        client.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut writer = client.try_clone().unwrap();
        let sending = thread::spawn(move || {
            for _ in 0..lines {
                writer.write_all(line.as_bytes()).unwrap();
            }
            writer.shutdown(std::net::Shutdown::Write).unwrap();
        });
        // Not a byte read until every line is sent: the server's socket is full by then.
        sending
            .join()
            .expect("the client could not send all its lines");
        let mut back = Vec::new();
        let _ = (&client).read_to_end(&mut back);
        drop(client);
        finish(server, &stats);
        (lines * 100, back.len())
    });
    assert_eq!(
        got, sent,
        "the client sent {sent} bytes of lines before reading and got {got} back: when a \
         write would block, keep the rest in `outgoing` and send it on the next writable \
         event (`WouldBlock` is not an error)"
    );
}

#[test]
fn a_client_beyond_the_count_is_left_waiting_and_the_server_still_finishes() {
    // Two clients connect before the server starts; it is asked to serve one. It must
    // accept exactly one, not ask the poller about the listener any more (the second
    // client's pending connection would report it readable again and again), and return
    // once the one it served has gone.
    timeout(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        // Both are connected (in the listener's backlog) before the server runs.
        let mut first = Client::connect(addr);
        let second = TcpStream::connect(addr).unwrap();
        let (_, stats, server) = start_server_on(listener, 1);
        assert_eq!(first.echo("one\n"), "one\n");
        support::sched::assert_parks(
            server.tid,
            "its one client's next line",
            "Once it has accepted its last client, the loop must stop asking the poller \
             about the listener: a client left waiting in the backlog keeps it readable.",
        );
        drop(first);
        assert!(
            support::within_patience(|| server.thread.is_finished()),
            "serve_echo was asked to serve 1 client; that client has gone, but the server \
             is still running: it accepted the second client too (accept while `accepted < \
             clients`)"
        );
        drop(second);
        finish(server, &stats);
    });
}

#[test]
fn a_line_of_exactly_max_line_bytes_is_echoed_and_one_byte_more_is_too_long() {
    timeout(|| {
        let (addr, stats, server) = start_server(2);
        // MAX_LINE bytes, counting the newline: the longest line there is.
        let longest = format!("{}\n", "x".repeat(MAX_LINE - 1));
        let mut client = Client::connect(addr);
        assert_eq!(
            client.echo(&longest),
            longest,
            "a line of exactly MAX_LINE bytes, newline included, must be echoed"
        );
        assert_eq!(
            client.echo("and after it\n"),
            "and after it\n",
            "after the longest line, the connection goes on"
        );
        // One byte more: MAX_LINE bytes and no newline among them.
        let too_long = format!("{}\n", "y".repeat(MAX_LINE));
        let reply = reply_to(addr, too_long.as_bytes(), false);
        assert_eq!(
            String::from_utf8_lossy(&reply),
            String::from_utf8_lossy(TOO_LONG),
            "a line of MAX_LINE + 1 bytes (newline included) must get TOO_LONG, and nothing \
             else, before the connection closes"
        );
        drop(client);
        finish(server, &stats);
    });
}

#[test]
fn a_client_that_hangs_up_mid_line_gets_no_answer() {
    // A line one byte short of the limit, with no newline, and then the end of the
    // stream: the line is not too long, only unfinished, and nobody is left to read an
    // answer. The server drops it and closes.
    timeout(|| {
        let (addr, stats, server) = start_server(1);
        let reply = reply_to(addr, "z".repeat(MAX_LINE - 1).as_bytes(), true);
        assert_eq!(
            String::from_utf8_lossy(&reply),
            "",
            "a client sent {} bytes with no newline and hung up: the half line must not be \
             echoed, nor answered as too long",
            MAX_LINE - 1
        );
        finish(server, &stats);
    });
}

#[test]
fn after_a_line_too_long_nothing_more_is_read_or_echoed() {
    // A line too long, and a good line behind it in the same write. The connection ends
    // at the line too long: the line behind it is never echoed.
    timeout(|| {
        let (addr, stats, server) = start_server(1);
        let bytes = format!("{}\nafter\n", "w".repeat(MAX_LINE));
        let reply = reply_to(addr, bytes.as_bytes(), false);
        assert_eq!(
            String::from_utf8_lossy(&reply),
            String::from_utf8_lossy(TOO_LONG),
            "after a line too long the server must send TOO_LONG and close: it read on and \
             echoed what came after (stop reading at the line too long)"
        );
        finish(server, &stats);
    });
}

#[test]
fn clients_that_come_and_go_are_each_served_on_their_own_connection() {
    // One at a time, then two at once: the first leaves before the second comes (the
    // server has no connection left, and must go on), the second comes after the
    // listener's first event (it must have been re-armed), and a fourth comes while the
    // third is still connected and the second has gone (it needs a key of its own).
    timeout(|| {
        let (addr, stats, server) = start_server(4);
        let mut first = Client::connect(addr);
        assert_eq!(first.echo("first\n"), "first\n", "the first client's line");
        first.hang_up();
        let mut second = Client::connect(addr);
        assert_eq!(
            second.echo("second\n"),
            "second\n",
            "the second client, who came after the first had gone"
        );
        let mut third = Client::connect(addr);
        assert_eq!(third.echo("third\n"), "third\n", "the third client's line");
        second.hang_up();
        let mut fourth = Client::connect(addr);
        assert_eq!(
            fourth.echo("fourth\n"),
            "fourth\n",
            "the fourth client's line"
        );
        assert_eq!(
            third.echo("third again\n"),
            "third again\n",
            "the third client, still connected when the fourth came, must still be served"
        );
        assert_eq!(
            fourth.echo("fourth again\n"),
            "fourth again\n",
            "the fourth client's line"
        );
        drop((third, fourth));
        finish(server, &stats);
    });
}
