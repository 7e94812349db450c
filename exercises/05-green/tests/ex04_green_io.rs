//! Tests for exercise 05.4: a green echo server on one OS thread, with real TCP clients on
//! loopback.

use ch05_green::ex02_scheduler::{current, park, park_until, run, spawn, turns, unpark, yield_now};
use ch05_green::ex04_green_io::{MAX_LINE, TOO_LONG, accept, read, serve_echo, write_all};
use std::cell::Cell;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::rc::Rc;
use std::thread;
use std::time::{Duration, Instant};
use support::{PATIENCE, Rendezvous, timeout};

/// Starts the green server for `clients` connections on its own OS thread.
fn start_server(clients: usize) -> (SocketAddr, thread::JoinHandle<io::Result<()>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().unwrap();
    let server = thread::Builder::new()
        .name("green echo server".into())
        .spawn(move || run(move || serve_echo(listener, clients)))
        .unwrap();
    (addr, server)
}

/// A line-oriented test client.
struct Client {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).expect("connect to the echo server");
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }

    /// Sends `line` and returns what came back, or panics with what went wrong.
    fn echo(&mut self, line: &str) -> String {
        self.writer.write_all(line.as_bytes()).unwrap();
        let mut back = String::new();
        match self.reader.read_line(&mut back) {
            Ok(0) => panic!("the server closed the connection instead of echoing {line:?}"),
            Ok(_) => back,
            Err(e) => panic!(
                "no echo of {line:?} within {} s ({e}): the server is not serving this \
                 client (is a read blocking the whole OS thread, or one client served at a \
                 time?)",
                PATIENCE.as_secs()
            ),
        }
    }
}

/// What a caught panic said.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Waits for the server to finish and checks it ended well.
fn finish(server: thread::JoinHandle<io::Result<()>>) {
    let outcome = server.join().expect("the server thread panicked");
    outcome.expect("serve_echo must return Ok once every client has been served");
}

#[test]
fn a_client_gets_its_lines_back() {
    timeout(|| {
        let (addr, server) = start_server(1);
        let mut client = Client::connect(addr);
        assert_eq!(client.echo("hello\n"), "hello\n");
        assert_eq!(client.echo("green threads\n"), "green threads\n");
        drop(client);
        finish(server);
    });
}

#[test]
fn twenty_clients_are_served_at_the_same_time_on_one_os_thread() {
    timeout(|| {
        const CLIENTS: usize = 20;
        let (addr, server) = start_server(CLIENTS);
        // Every client sends a first line and waits at the meeting point before its second
        // line: the server must hold all twenty connections open at once to get there.
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
        finish(server);
    });
}

#[test]
fn a_client_that_never_sends_does_not_hold_up_the_others() {
    timeout(|| {
        let (addr, server) = start_server(4);
        // Connects first, then says nothing at all until the others are done.
        let silent = TcpStream::connect(addr).unwrap();
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
        // Every other client got its echoes while the silent one was connected.
        drop(silent);
        finish(server);
    });
}

#[test]
fn a_client_that_sends_garbage_is_cut_off_and_the_others_go_on() {
    timeout(|| {
        let (addr, server) = start_server(2);
        let mut good = Client::connect(addr);
        assert_eq!(good.echo("before\n"), "before\n");

        // Binary junk with no newline, as long as a line may be: one byte too many, since
        // the newline would be the extra one. (Exactly that many, so the server has read
        // all of it when it hangs up: unread data would turn its close into a reset.)
        let mut garbage = TcpStream::connect(addr).unwrap();
        garbage.set_read_timeout(Some(PATIENCE)).unwrap();
        let junk: Vec<u8> = (0..MAX_LINE).map(|i| (i * 7 % 251) as u8 | 0x80).collect();
        garbage.write_all(&junk).unwrap();
        let mut reply = Vec::new();
        let _ = garbage.read_to_end(&mut reply);
        assert!(
            reply.ends_with(TOO_LONG),
            "a line longer than MAX_LINE must get {:?} and then the connection closes; got \
             {} bytes: {:?}",
            String::from_utf8_lossy(TOO_LONG),
            reply.len(),
            String::from_utf8_lossy(&reply[reply.len().saturating_sub(40)..])
        );

        assert_eq!(
            good.echo("after\n"),
            "after\n",
            "one client's garbage must not disturb another client"
        );
        drop(good);
        finish(server);
    });
}

#[test]
fn a_client_that_hangs_up_mid_line_does_not_disturb_the_others() {
    timeout(|| {
        let (addr, server) = start_server(2);
        let mut good = Client::connect(addr);
        assert_eq!(good.echo("one\n"), "one\n");
        {
            let mut quitter = TcpStream::connect(addr).unwrap();
            quitter.write_all(b"half a li").unwrap();
        } // Dropped: the connection closes in the middle of a line.
        assert_eq!(good.echo("two\n"), "two\n");
        assert_eq!(good.echo("three\n"), "three\n");
        drop(good);
        finish(server);
    });
}

#[test]
fn accept_and_read_park_until_the_socket_is_ready() {
    let (accept_turns, read_turns, got) = timeout(|| {
        run(|| {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
            let addr = listener.local_addr().unwrap();
            let server = spawn(move || {
                let stream = accept(&listener).expect("accept");
                let accept_turns = turns();
                let mut buf = [0u8; 8];
                let n = read(&stream, &mut buf).expect("read");
                (accept_turns, turns() - accept_turns, buf[..n].to_vec())
            });
            // The client keeps the scheduler busy for 100 turns before it connects, and
            // 100 more before it writes.
            let client = spawn(move || {
                for _ in 0..100 {
                    yield_now();
                }
                let mut stream = TcpStream::connect(addr).expect("connect");
                for _ in 0..100 {
                    yield_now();
                }
                stream.write_all(b"hi").unwrap();
                stream
            });
            let outcome = server.join().unwrap();
            drop(client.join().unwrap());
            outcome
        })
    });
    assert_eq!(got, b"hi", "read must return what the client sent");
    assert!(
        accept_turns <= 3,
        "accept took {accept_turns} turns while no client had connected: on WouldBlock it \
         must wait until the listener is readable (park), not yield and try again"
    );
    assert!(
        read_turns <= 3,
        "read took {read_turns} more turns while nothing had been sent: on WouldBlock it \
         must wait until the stream is readable (park), not yield and try again"
    );
}

#[test]
fn a_read_on_a_reset_connection_returns_the_error() {
    let outcome = timeout(|| {
        run(|| {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
            let peer = TcpStream::connect(listener.local_addr().unwrap()).expect("connect");
            let stream = accept(&listener).expect("accept");
            write_all(&stream, b"never read").unwrap();
            // Closing a socket with unread data resets the connection (Linux sends RST).
            drop(peer);
            let mut buf = [0u8; 8];
            read(&stream, &mut buf).map_err(|e| e.kind())
        })
    });
    assert!(
        outcome.is_err(),
        "the peer reset the connection, so read must return an error (retry only on \
         Interrupted, wait only on WouldBlock); got {outcome:?}"
    );
}

#[test]
fn a_write_bigger_than_the_socket_buffer_waits_for_the_reader() {
    // 8 MiB is more than a loopback socket buffers: write_all must meet WouldBlock, park
    // until the reader has made room, and go on, while the reader runs on the same OS
    // thread.
    const SIZE: usize = 8 * 1024 * 1024;
    let (written, received) = timeout(|| {
        run(|| {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
            let peer = TcpStream::connect(listener.local_addr().unwrap()).expect("connect");
            peer.set_nonblocking(true).unwrap();
            let stream = accept(&listener).expect("accept");
            let writer = spawn(move || write_all(&stream, &vec![7u8; SIZE]).is_ok());
            let reader = spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                let mut received = 0;
                while received < SIZE {
                    match read(&peer, &mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => received += n,
                    }
                }
                received
            });
            (writer.join().unwrap(), reader.join().unwrap())
        })
    });
    assert!(
        written,
        "write_all of 8 MiB failed: when the socket's buffer is full, `write` says \
         WouldBlock, and write_all must wait until the socket is writable, then go on"
    );
    assert_eq!(received, SIZE, "the reader must get every byte written");
}

#[test]
fn a_thread_that_computes_and_yields_does_not_starve_one_waiting_for_io() {
    // The busy thread is always ready to run, so the scheduler never runs out of work and
    // never blocks in the reactor: it must still look for ready sockets now and then, or
    // the reader waits forever. (The busy thread gives up after ROUNDS turns, so a
    // scheduler that never looks fails here instead of looping.)
    const ROUNDS: u32 = 100_000;
    let (got, rounds) = timeout(|| {
        run(|| {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
            let mut peer = TcpStream::connect(listener.local_addr().unwrap()).expect("connect");
            let stream = accept(&listener).expect("accept");
            let done = std::rc::Rc::new(std::cell::Cell::new(false));
            let reader = {
                let done = std::rc::Rc::clone(&done);
                spawn(move || {
                    let mut buf = [0u8; 8];
                    let n = read(&stream, &mut buf).expect("read");
                    done.set(true);
                    buf[..n].to_vec()
                })
            };
            let busy = spawn(move || {
                // The reader has parked by now (it ran first and found nothing to read).
                peer.write_all(b"ping").unwrap();
                let mut rounds = 0;
                while !done.get() && rounds < ROUNDS {
                    yield_now();
                    rounds += 1;
                }
                rounds
            });
            let rounds = busy.join().unwrap();
            let got = if rounds < ROUNDS {
                reader.join().unwrap()
            } else {
                Vec::new()
            };
            (got, rounds)
        })
    });
    assert!(
        rounds < ROUNDS,
        "the reader's data had arrived, but after {ROUNDS} turns of a busy thread it was still \
         parked: while threads are ready, the scheduler must still poll the reactor (without \
         blocking) every so often"
    );
    assert_eq!(got, b"ping");
}

#[test]
fn a_join_that_can_never_finish_still_ends_in_the_deadlock_panic_after_green_io() {
    // Once a run has used green I/O it has a reactor; with nobody waiting for I/O, the
    // reactor cannot wake anyone either, so a stuck join is still a deadlock to report.
    let message = timeout(|| {
        let outcome = std::panic::catch_unwind(|| {
            run(|| {
                let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
                let addr = listener.local_addr().unwrap();
                // The client connects only after accept has had to wait (and so made
                // the reactor).
                let client = spawn(move || TcpStream::connect(addr).unwrap());
                let _stream = accept(&listener).expect("accept");
                let _peer = client.join().unwrap();
                let stuck = spawn(ch05_green::ex02_scheduler::park);
                let _ = stuck.join();
            })
        });
        match outcome {
            Ok(()) => "run returned".to_string(),
            Err(payload) => payload
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_default(),
        }
    });
    assert!(
        message.contains("nothing can wake them"),
        "nobody waits for I/O and nothing else can wake the parked threads: the scheduler \
         must panic with its deadlock message instead of waiting on the reactor forever; \
         got {message:?}"
    );
}

#[cfg(unix)]
#[test]
fn an_accept_error_is_returned_not_retried() {
    let outcome = timeout(|| {
        run(|| {
            // A connected socket, not a listening one: accept(2) fails with EINVAL.
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
            let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            let not_listening = TcpListener::from(std::os::fd::OwnedFd::from(stream));
            accept(&not_listening).map(|_| ()).map_err(|e| e.kind())
        })
    });
    assert!(
        outcome.is_err(),
        "accept on a socket that does not listen must return the error (retry only on \
         Interrupted, wait only on WouldBlock); got {outcome:?}"
    );
}

#[test]
fn a_write_to_a_reset_connection_returns_the_error() {
    let outcome = timeout(|| {
        run(|| {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
            let peer = TcpStream::connect(listener.local_addr().unwrap()).expect("connect");
            let stream = accept(&listener).expect("accept");
            write_all(&stream, b"never read").unwrap();
            // Closing a socket with unread data resets the connection (Linux sends RST).
            drop(peer);
            write_all(&stream, b"anyone there?").map_err(|e| e.kind())
        })
    });
    assert!(
        outcome.is_err(),
        "the peer reset the connection, so write_all must return an error (retry only on \
         Interrupted, wait only on WouldBlock); got {outcome:?}"
    );
}

#[test]
fn serve_echo_returns_only_once_every_client_has_been_served() {
    timeout(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let (tell, returned) = std::sync::mpsc::channel();
        let server = thread::Builder::new()
            .name("green echo server".into())
            .spawn(move || {
                run(move || {
                    let outcome = serve_echo(listener, 1);
                    let _ = tell.send(());
                    outcome
                })
            })
            .unwrap();
        let mut client = Client::connect(addr);
        assert_eq!(client.echo("still here\n"), "still here\n");
        // The client has been answered and is still connected: its green thread is still
        // serving it, so serve_echo cannot have returned.
        assert!(
            returned.try_recv().is_err(),
            "serve_echo returned while its client was still connected and being served: it \
             must join the green thread of every client it accepted before it returns"
        );
        drop(client);
        finish(server);
        assert!(
            returned.try_recv().is_ok(),
            "serve_echo's caller never got control back"
        );
    });
}

#[test]
fn accept_and_read_woken_before_their_socket_is_ready_wait_on() {
    let got = timeout(|| {
        run(|| {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
            let addr = listener.local_addr().unwrap();
            let accepted = Rc::new(Cell::new(false));
            let server = {
                let accepted = Rc::clone(&accepted);
                spawn(move || {
                    let stream = accept(&listener).map_err(|e| format!("accept: {e}"))?;
                    accepted.set(true);
                    let mut buf = [0u8; 8];
                    let n = read(&stream, &mut buf).map_err(|e| format!("read: {e}"))?;
                    Ok::<_, String>(buf[..n].to_vec())
                })
            };
            // Each stage: a stray wake-up for the server while it waits (as `park`'s doc
            // warns), then a few turns, then what it waits for.
            let server_id = server.id();
            let client = spawn(move || {
                unpark(server_id);
                for _ in 0..5 {
                    yield_now();
                }
                let mut stream = TcpStream::connect(addr).expect("connect");
                // The server runs until it waits again: in read, once it has accepted.
                while !accepted.get() {
                    yield_now();
                }
                unpark(server_id);
                for _ in 0..5 {
                    yield_now();
                }
                stream.write_all(b"late").unwrap();
                stream
            });
            let got = server.join().unwrap();
            drop(client.join().unwrap());
            got
        })
    });
    assert_eq!(
        got,
        Ok(b"late".to_vec()),
        "the server was unparked while it waited in accept and again in read, before its \
         socket was ready: a wake-up does not mean the socket is ready, so on WouldBlock \
         wait again (a loop), and return only what the socket gives"
    );
}

#[test]
fn the_reactor_keeps_working_after_thousands_of_waits() {
    // More than the 1024 events that `Events::new()` holds: a reactor that never clears
    // its events runs out of room.
    const WAITS: usize = 3000;
    let outcome = timeout(|| {
        std::panic::catch_unwind(|| {
            run(|| {
                let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
                let mut peer = TcpStream::connect(listener.local_addr().unwrap()).expect("connect");
                let stream = accept(&listener).expect("accept");
                let taken = Rc::new(Cell::new(0));
                let writer = current();
                let reader = {
                    let taken = Rc::clone(&taken);
                    spawn(move || {
                        let mut byte = [0u8; 1];
                        while taken.get() < WAITS {
                            match read(&stream, &mut byte) {
                                Ok(1) => taken.set(taken.get() + 1),
                                other => return Err(format!("read gave {other:?}")),
                            }
                            unpark(writer);
                        }
                        Ok(())
                    })
                };
                // One byte at a time, each once the reader has taken the last: every byte
                // finds the reader waiting in the reactor, and is one event.
                for sent in 1..=WAITS {
                    peer.write_all(b"x").unwrap();
                    while taken.get() < sent {
                        park();
                    }
                }
                reader.join().unwrap().map(|()| taken.get())
            })
        })
        .unwrap_or_else(|panic| Err(format!("the run panicked: {}", panic_message(&*panic))))
    });
    assert_eq!(
        outcome,
        Ok(WAITS),
        "a reader that waited {WAITS} times in the reactor did not get every byte: each \
         poll must start from an empty event list (`events.clear()`) and wake only the \
         threads whose sockets are ready now"
    );
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "reads the thread's state in /proc, which only Linux has"
)]
fn a_green_server_with_nothing_to_do_sleeps_in_the_poller() {
    // When every green thread waits for a socket, the OS thread has nothing to do but
    // wait in `Reactor::poll`, and it must wait asleep, in the poller. (Linux only: the
    // test reads the thread's state in `/proc`; no clock.)
    if !support::sched::can_watch_threads() {
        return;
    }
    timeout(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let server = support::sched::spawn_watched("green echo server", move || {
            run(move || serve_echo(listener, 1))
        });
        let hint = "When no green thread is ready, the scheduler calls `Reactor::poll` with \
                    the time until the next timer (`None`: no limit), and `poll` must pass \
                    that timeout to `Poller::wait`, which sleeps until a socket is ready.";
        support::sched::assert_parks(server.tid, "a client to connect", hint);
        let mut client = Client::connect(addr);
        assert_eq!(client.echo("hi\n"), "hi\n");
        support::sched::assert_parks(server.tid, "the client's next line", hint);
        drop(client);
        finish(server.thread);
    });
}

#[test]
fn a_timer_still_fires_while_the_others_wait_for_io() {
    let outcome = timeout(|| {
        run(|| {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
            let addr = listener.local_addr().unwrap();
            let acceptor = spawn(move || accept(&listener).map(|_| ()).map_err(|e| e.kind()));
            // The only client connects once its timer has fired. Meanwhile the scheduler
            // can only wait in the reactor, with the timer's deadline as the timeout.
            let client = spawn(move || {
                park_until(Instant::now() + Duration::from_millis(20));
                TcpStream::connect(addr).map(|_| ()).map_err(|e| e.kind())
            });
            (client.join().unwrap(), acceptor.join().unwrap())
        })
    });
    assert_eq!(
        outcome,
        (Ok(()), Ok(())),
        "a green thread's timer must fire while another waits for a socket"
    );
}

#[cfg(unix)]
#[test]
fn an_accept_error_ends_serve_echo_with_that_error() {
    let outcome = timeout(|| {
        run(|| {
            // A connected socket, not a listening one: accept(2) fails with EINVAL.
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
            let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            let not_listening = TcpListener::from(std::os::fd::OwnedFd::from(stream));
            serve_echo(not_listening, 2).map_err(|e| e.kind())
        })
    });
    assert!(
        outcome.is_err(),
        "accept failed (the socket does not listen), so serve_echo can serve nobody: it must \
         return that error, not Ok; got {outcome:?}"
    );
}
