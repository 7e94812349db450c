//! Tests for exercise 08.6: the chat server.
//!
//! `publish` and `long_poll` are tested on their own, on tokio's paused clock. The server
//! is tested with real WebSocket clients (tokio-tungstenite) on 127.0.0.1, on the real
//! clock: every wait there gives up after the course's patience, and nothing asserts how
//! long anything took.

mod common;

use ch08_frameworks::ex06_chat::{Chat, Config, Post, SHUTDOWN_NOTICE, lagged_notice};
use common::{paused, poll_limit, real};
use futures::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::sync::mpsc as std_mpsc;
use std::thread;
use std::time::Duration;
use support::sched::{self, Watched};
use support::tokio::on_virtual_clock;
use support::{PATIENCE, within_patience};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::{sleep, timeout};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn config() -> Config {
    Config {
        max_connections: 100,
        room_capacity: 8,
        poll_timeout: Duration::from_secs(30),
        read_buffer: 4 * 1024,
    }
}

fn texts(posts: &[std::sync::Arc<Post>]) -> Vec<(u64, String)> {
    posts.iter().map(|p| (p.id, p.text.clone())).collect()
}

#[test]
fn publish_numbers_posts_per_room_and_sends_them_to_subscribers() {
    let (ids, got) = paused(|| async {
        let chat = Chat::new(config());
        let mut lobby = chat.subscribe("lobby");
        let ids = [
            chat.publish("lobby", "ann: hi".to_string()),
            chat.publish("kitchen", "bob: tea?".to_string()),
            chat.publish("lobby", "cy: hello".to_string()),
        ];
        let got = vec![
            lobby.recv().await.unwrap().text.clone(),
            lobby.recv().await.unwrap().text.clone(),
        ];
        (ids, got)
    });
    assert_eq!(ids, [1, 1, 2], "each room numbers its own posts from 1");
    assert_eq!(
        got,
        ["ann: hi", "cy: hello"],
        "a subscriber gets its room's posts, in order, and no other room's"
    );
}

#[test]
fn a_room_keeps_its_last_room_capacity_posts_for_long_polls() {
    let kept = paused(|| async {
        let chat = Chat::new(config());
        let capacity = config().room_capacity as u64;
        for n in 1..=capacity + 3 {
            chat.publish("r", format!("a: {n}"));
        }
        let posts = chat.long_poll("r", 0).await;
        posts.iter().map(|post| post.id).collect::<Vec<_>>()
    });
    assert_eq!(
        kept,
        (4..=11).collect::<Vec<u64>>(),
        "a room with room_capacity 8 that got 11 posts keeps the last 8 for long polls \
         (ids 4 to 11): drop the oldest once there are more than room_capacity"
    );
}

#[test]
fn a_long_poll_answers_at_once_with_what_it_has_not_seen() {
    let got = paused(|| async {
        let chat = Chat::new(config());
        for text in ["a: 1", "a: 2", "a: 3"] {
            chat.publish("r", text.to_string());
        }
        let (posts, took) = on_virtual_clock(chat.long_poll("r", 1)).await;
        (texts(&posts), took)
    });
    assert_eq!(
        got,
        (
            vec![(2, "a: 2".to_string()), (3, "a: 3".to_string())],
            ms(0)
        ),
        "a poll after id 1 gets posts 2 and 3, without waiting"
    );
}

#[test]
fn a_long_poll_waits_for_the_next_post_without_spinning() {
    let got = paused(|| async {
        let chat = Chat::new(config());
        chat.publish("r", "a: old".to_string());
        let poster = chat.clone();
        tokio::spawn(async move {
            sleep(ms(500)).await;
            poster.publish("r", "b: new".to_string());
        });
        let (posts, took) =
            on_virtual_clock(poll_limit("long_poll", 10, chat.long_poll("r", 1))).await;
        (texts(&posts), took)
    });
    assert_eq!(
        got,
        (vec![(2, "b: new".to_string())], ms(500)),
        "a poll with nothing new waits (parked, not looking again and again) for the next \
         post, and answers with it as soon as it is posted"
    );
}

#[test]
fn a_long_poll_with_nothing_new_ends_empty_after_the_timeout() {
    let got = paused(|| async {
        let chat = Chat::new(config());
        let (posts, took) = on_virtual_clock(chat.long_poll("quiet", 0)).await;
        (posts.len(), took)
    });
    assert_eq!(
        got,
        (0, Duration::from_secs(30)),
        "with nothing posted, a poll answers with nothing after the poll timeout (30 s)"
    );
}

#[test]
fn shutdown_ends_a_waiting_long_poll() {
    let got = paused(|| async {
        let chat = Chat::new(config());
        let stopper = chat.clone();
        tokio::spawn(async move {
            sleep(ms(100)).await;
            stopper.shutdown();
        });
        let (posts, took) = on_virtual_clock(chat.long_poll("quiet", 0)).await;
        (posts.len(), took)
    });
    assert_eq!(
        got,
        (0, ms(100)),
        "on shutdown, a waiting poll answers at once"
    );
}

// The server, with real clients.

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

struct Server {
    addr: SocketAddr,
    chat: Chat,
    serving: JoinHandle<std::io::Result<()>>,
}

async fn start(config: Config) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let chat = Chat::new(config);
    let serving = tokio::spawn(chat.clone().serve(listener));
    Server {
        addr,
        chat,
        serving,
    }
}

/// Connects a WebSocket client to `room` as `name`; an error is the server's refusal.
async fn try_join(
    addr: SocketAddr,
    room: &str,
    name: &str,
    receive_buffer: Option<u32>,
) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    let socket = TcpSocket::new_v4().unwrap();
    if let Some(size) = receive_buffer {
        // A small receive window: a client that does not read fills it quickly.
        socket.set_recv_buffer_size(size).unwrap();
    }
    let stream = socket.connect(addr).await.unwrap();
    let url = format!("ws://{addr}/ws/{room}?name={name}");
    tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(stream))
        .await
        .map(|(ws, _)| ws)
}

async fn join(addr: SocketAddr, room: &str, name: &str) -> Ws {
    try_join(addr, room, name, None)
        .await
        .unwrap_or_else(|e| panic!("{name} could not join {room}: {e}"))
}

/// The next text message, or `None` once the server has closed the connection.
async fn next_text(ws: &mut Ws, waiting_for: &str) -> Option<String> {
    loop {
        match timeout(PATIENCE, ws.next()).await {
            Err(_) => panic!(
                "nothing arrived within {} s while waiting for {waiting_for}",
                PATIENCE.as_secs()
            ),
            Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => return None,
            Ok(Some(Ok(Message::Text(text)))) => return Some(text.as_str().to_string()),
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// How a connection ended, as its client saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum End {
    /// The server sent a Close frame: the WebSocket way to end a connection.
    CloseFrame,
    /// The connection ended without a Close frame (the socket was dropped, or cut).
    CutWithoutClose(String),
    /// Nothing more came within the course's patience, and the connection stayed open.
    StillOpen,
}

/// The text messages a client gets until its connection ends, and how it ended.
async fn read_to_the_end(ws: &mut Ws) -> (Vec<String>, End) {
    let mut texts = Vec::new();
    loop {
        match timeout(PATIENCE, ws.next()).await {
            Err(_) => return (texts, End::StillOpen),
            Ok(Some(Ok(Message::Text(text)))) => texts.push(text.as_str().to_string()),
            Ok(Some(Ok(Message::Close(_)))) => return (texts, End::CloseFrame),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => return (texts, End::CutWithoutClose(e.to_string())),
            Ok(None) => return (texts, End::CutWithoutClose("the stream ended".to_string())),
        }
    }
}

/// Says how a connection ended after `last`, for a failure message.
fn how_it_ended(end: &End, last: Option<&str>) -> String {
    let last = last.map_or("nothing".to_string(), |text| {
        format!("{:?}", &text[..text.len().min(60)])
    });
    match end {
        End::CloseFrame => format!("after {last}, a Close frame came"),
        End::CutWithoutClose(how) => format!(
            "after {last}, the connection ended without a Close frame ({how}): send \
             `Message::Close` before the loop returns, or the client sees a cut, not a goodbye"
        ),
        End::StillOpen => format!(
            "after {last}, nothing more came within {} s, and the connection stayed open",
            PATIENCE.as_secs()
        ),
    }
}

async fn say(ws: &mut Ws, text: &str) {
    ws.send(Message::text(text)).await.unwrap();
}

#[test]
fn clients_in_a_room_hear_each_other_and_no_one_else() {
    let got = real(|| async {
        let server = start(config()).await;
        let mut ann = join(server.addr, "lobby", "ann").await;
        let mut bob = join(server.addr, "lobby", "bob").await;
        let mut cy = join(server.addr, "kitchen", "cy").await;
        say(&mut ann, "hello").await;
        let to_ann = next_text(&mut ann, "ann's own message, back").await;
        let to_bob = next_text(&mut bob, "ann's message, at bob").await;
        say(&mut bob, "hi ann").await;
        let reply = next_text(&mut ann, "bob's reply").await;
        // If the lobby's messages had reached the kitchen, cy would read them first.
        say(&mut cy, "anyone?").await;
        let to_cy = next_text(&mut cy, "cy's own message").await;
        (to_ann, to_bob, reply, to_cy)
    });
    assert_eq!(
        got.0.as_deref(),
        Some("ann: hello"),
        "a message comes back to its sender"
    );
    assert_eq!(
        got.1.as_deref(),
        Some("ann: hello"),
        "and reaches the others in its room"
    );
    assert_eq!(got.2.as_deref(), Some("bob: hi ann"));
    assert_eq!(
        got.3.as_deref(),
        Some("cy: anyone?"),
        "a client in another room hears nothing of the lobby"
    );
}

/// One HTTP/1.1 request, by hand; returns the whole answer.
async fn http(addr: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    timeout(PATIENCE, stream.read_to_string(&mut answer))
        .await
        .expect("the server did not answer the HTTP request")
        .unwrap();
    answer
}

#[test]
fn the_page_long_polling_and_websockets_share_a_room() {
    let (page, heard, polled) = real(|| async {
        let server = start(config()).await;
        let page = http(
            server.addr,
            "GET / HTTP/1.1\r\nHost: chat\r\nConnection: close\r\n\r\n",
        )
        .await;
        let mut ann = join(server.addr, "lobby", "ann").await;
        let body = "no websocket here";
        let request = format!(
            "POST /rooms/lobby/messages?name=old HTTP/1.1\r\nHost: chat\r\nContent-Type: \
             text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        http(server.addr, &request).await;
        let heard = next_text(&mut ann, "a message posted over HTTP").await;
        say(&mut ann, "welcome").await;
        next_text(&mut ann, "ann's own message").await;
        let polled = http(
            server.addr,
            "GET /rooms/lobby/poll?after=0 HTTP/1.1\r\nHost: chat\r\nConnection: close\r\n\r\n",
        )
        .await;
        (page, heard, polled)
    });
    assert!(
        page.starts_with("HTTP/1.1 200") && page.contains("<html") && page.contains("WebSocket"),
        "GET / must answer with the HTML page; got: {}",
        page.lines().next().unwrap_or("")
    );
    assert_eq!(
        heard.as_deref(),
        Some("old: no websocket here"),
        "a message posted over HTTP reaches the room's WebSocket clients"
    );
    assert!(
        polled.ends_with("\r\n\r\n1 old: no websocket here\n2 ann: welcome\n"),
        "a poll after 0 gets both messages, one per line as `id text`; got {polled:?}"
    );
}

#[test]
fn a_connection_over_the_limit_is_refused_until_one_leaves() {
    let (refused, later) = real(|| async {
        let server = start(Config {
            max_connections: 2,
            ..config()
        })
        .await;
        let nobody = server.chat.open_connections();
        let mut ann = join(server.addr, "lobby", "ann").await;
        let _bob = join(server.addr, "lobby", "bob").await;
        assert_eq!(
            (nobody, server.chat.open_connections()),
            (0, 2),
            "open connections before anyone joined, and with ann and bob in"
        );
        let refused = match try_join(server.addr, "lobby", "cy", None).await {
            Ok(_) => "accepted".to_string(),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                response.status().as_u16().to_string()
            }
            Err(e) => format!("{e}"),
        };
        ann.close(None).await.unwrap();
        // ann's connection ends on the server a moment later: try again until it has.
        let later = support::tokio::within_patience(|| async {
            try_join(server.addr, "lobby", "cy", None).await.is_ok()
        })
        .await;
        (refused, later)
    });
    assert_eq!(
        refused, "503",
        "with a limit of 2, a third connection is refused with 503 Service Unavailable"
    );
    assert!(
        later,
        "once a client has left, its place is free again (the permit must go back when a \
         connection ends)"
    );
}

/// Messages big enough that a client that does not read soon blocks the server's writes
/// to it (its receive window is small; the server's send buffer is a few MB at most).
const BIG: usize = 256 * 1024;
const BIG_MESSAGES: usize = 64;

#[test]
fn a_slow_client_is_told_and_dropped_and_the_room_goes_on() {
    let (fast_got, slow_last) = real(|| async {
        let server = start(Config {
            room_capacity: 4,
            ..config()
        })
        .await;
        // The slow client joins and reads nothing for now.
        let mut slow = try_join(server.addr, "lobby", "slow", Some(4096))
            .await
            .unwrap();
        let mut fast = join(server.addr, "lobby", "fast").await;
        // Posts, one at a time: each is read by the fast client before the next is posted.
        let big = "x".repeat(BIG);
        let mut fast_got = 0;
        for n in 0..BIG_MESSAGES {
            server.chat.publish("lobby", format!("{n} {big}"));
            if next_text(&mut fast, "a post, at the fast client")
                .await
                .is_some()
            {
                fast_got += 1;
            }
        }
        // Now the slow client reads: what it was sent, then the notice, then the end.
        let (texts, end) = read_to_the_end(&mut slow).await;
        (fast_got, (texts.last().cloned(), end))
    });
    assert_eq!(
        fast_got, BIG_MESSAGES,
        "the fast client must get every message: a slow client in the room must not slow it"
    );
    let (slow_last, end) = slow_last;
    let slow_last = slow_last.unwrap_or_default();
    assert!(
        slow_last.starts_with("server: you fell behind by"),
        "the slow client's last message must say it fell behind (as `lagged_notice` words \
         it, e.g. {:?}); its last message was {:?}",
        lagged_notice(3),
        &slow_last[..slow_last.len().min(80)]
    );
    assert_eq!(
        end,
        End::CloseFrame,
        "a client that fell behind is told, then disconnected with a Close frame: {}",
        how_it_ended(&end, Some(&slow_last))
    );
}

#[test]
fn shutdown_delivers_what_was_posted_then_says_goodbye_to_everyone() {
    let (slow_tail, other, finished) = real(|| async {
        let server = start(Config {
            room_capacity: 64,
            ..config()
        })
        .await;
        // A client that does not read yet, so that the server still has posts for it
        // when the shutdown starts.
        let mut slow = try_join(server.addr, "lobby", "slow", Some(4096))
            .await
            .unwrap();
        let mut other = join(server.addr, "kitchen", "other").await;
        let big = "x".repeat(BIG);
        for n in 0..16 {
            server.chat.publish("lobby", format!("{n} {big}"));
        }
        server.chat.publish("lobby", "last words".to_string());
        server.chat.shutdown();
        let (slow_tail, slow_end) = read_to_the_end(&mut slow).await;
        let slow_tail: Vec<String> = slow_tail
            .iter()
            .map(|text| text[..text.len().min(30)].to_string())
            .collect();
        let other = read_to_the_end(&mut other).await;
        let finished = timeout(PATIENCE, server.serving).await;
        (
            (slow_tail, slow_end),
            other,
            matches!(finished, Ok(Ok(Ok(())))),
        )
    });
    let (slow_tail, slow_end) = slow_tail;
    let tail: Vec<&str> = slow_tail
        .iter()
        .rev()
        .take(2)
        .rev()
        .map(String::as_str)
        .collect();
    assert_eq!(
        tail,
        ["last words", SHUTDOWN_NOTICE],
        "on shutdown a client first gets everything already posted to it, then the goodbye \
         (it got {} messages in all)",
        slow_tail.len()
    );
    assert_eq!(
        slow_tail.len(),
        18,
        "16 big posts, the last words and the goodbye: none may be lost"
    );
    assert_eq!(
        slow_end,
        End::CloseFrame,
        "after the goodbye, the server closes the connection with a Close frame: {}",
        how_it_ended(&slow_end, slow_tail.last().map(String::as_str))
    );
    let (other_texts, other_end) = other;
    assert_eq!(
        other_texts,
        [SHUTDOWN_NOTICE],
        "every client is told, a client in another room too"
    );
    assert_eq!(
        other_end,
        End::CloseFrame,
        "every client gets a Close frame after the goodbye: {}",
        how_it_ended(&other_end, other_texts.last().map(String::as_str))
    );
    assert!(
        finished,
        "serve must return once every connection has said goodbye"
    );
}

#[test]
fn an_idle_server_sleeps_until_someone_speaks() {
    // The server runs on a runtime of its own, on a thread of its own, so the test can
    // watch that thread from outside. With two clients connected and nobody speaking,
    // every task of the server is waiting (for a frame, for a post, for shutdown) and
    // the thread must sleep in the kernel. A connection loop that looks for posts every
    // few milliseconds instead of awaiting them keeps waking it up. (On Linux the test
    // reads the thread's state in `/proc`; no clock.)
    let heard = real(|| async {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let chat = Chat::new(config());
        let server = {
            let chat = chat.clone();
            support::tokio::on_own_thread(move || async move {
                let listener = TcpListener::from_std(listener).unwrap();
                let _ = chat.serve(listener).await;
            })
        };
        let mut ann = join(addr, "lobby", "ann").await;
        let mut bob = join(addr, "lobby", "bob").await;
        say(&mut ann, "hi").await;
        let first = next_text(&mut bob, "ann's hi").await;
        // ann hears herself too: read it, so that only what comes next is waiting.
        next_text(&mut ann, "ann's own hi").await;
        let tid = server.tid;
        let parked = tokio::task::spawn_blocking(move || {
            support::sched::assert_parks(
                tid,
                "a client to speak",
                "Await the room's posts (`posts.recv()` in the `select!`), do not look for \
                 them on a timer.",
            );
        })
        .await;
        if let Err(failure) = parked {
            chat.shutdown();
            std::panic::resume_unwind(failure.into_panic());
        }
        say(&mut bob, "bye").await;
        let second = next_text(&mut ann, "bob's bye").await;
        chat.shutdown();
        tokio::task::spawn_blocking(move || server.thread.join())
            .await
            .unwrap()
            .expect("the server's thread panicked");
        (first, second)
    });
    assert_eq!(
        heard,
        (Some("ann: hi".to_string()), Some("bob: bye".to_string())),
        "each hears the other"
    );
}

// The server on a thread and a runtime of its own, for tests that must see it from
// outside: whether its thread sleeps (nothing left to do) or has ended (`serve` returned),
// and which hold it still while requests pile up.

/// A chat server running `serve` on its own thread (see `support::tokio::on_own_thread`).
struct OwnServer {
    addr: SocketAddr,
    chat: Chat,
    thread: Watched<()>,
    /// Each `Hold` sent here blocks the server's runtime until it is let go.
    holds: tokio::sync::mpsc::UnboundedSender<Hold>,
}

/// A request to the server's runtime to stand still: it says `holding`, then blocks its
/// only thread until `release` gives (or is dropped).
struct Hold {
    holding: std_mpsc::Sender<()>,
    release: std_mpsc::Receiver<()>,
}

fn start_on_own_thread(config: Config) -> OwnServer {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let chat = Chat::new(config);
    let (holds, mut held) = tokio::sync::mpsc::unbounded_channel::<Hold>();
    let thread = {
        let chat = chat.clone();
        support::tokio::on_own_thread(move || async move {
            // Blocking a runtime's thread inside a task is what a server must never do;
            // here it is the test's brake.
            tokio::spawn(async move {
                while let Some(hold) = held.recv().await {
                    let _ = hold.holding.send(());
                    let _ = hold.release.recv();
                }
            });
            let listener = TcpListener::from_std(listener).unwrap();
            let _ = chat.serve(listener).await;
        })
    };
    OwnServer {
        addr,
        chat,
        thread,
        holds,
    }
}

impl OwnServer {
    /// Blocks the server's runtime; it goes on when the returned sender is dropped.
    async fn hold(&self) -> std_mpsc::Sender<()> {
        let (holding, held) = std_mpsc::channel();
        let (let_go, release) = std_mpsc::channel();
        self.holds.send(Hold { holding, release }).unwrap();
        tokio::task::spawn_blocking(move || held.recv_timeout(PATIENCE))
            .await
            .unwrap()
            .expect("the server's runtime never took up the test's hold");
        let_go
    }

    /// Whether `serve` has returned (its thread ends with it).
    fn has_returned(&self) -> bool {
        self.thread.thread.is_finished()
    }

    /// Waits (at most the course's patience) until the server's thread sleeps and stays
    /// asleep: every task waits for something outside. False if the thread ended instead
    /// (`serve` returned), after printing `expected` and that it ended. Where threads
    /// cannot be watched (not Linux), true at once.
    async fn settles(&self, expected: &'static str) -> bool {
        let tid = self.thread.tid;
        let asleep = tokio::task::spawn_blocking(move || {
            std::panic::catch_unwind(|| sched::wait_until_asleep(tid, expected))
        })
        .await
        .unwrap();
        match asleep {
            Ok(()) => !self.has_returned(),
            Err(_) if self.has_returned() => false,
            Err(failure) => std::panic::resume_unwind(failure),
        }
    }

    /// Shuts the server down and waits for `serve` to return and its thread to end.
    async fn stop(self) {
        self.chat.shutdown();
        let thread = self.thread.thread;
        let ended = tokio::task::spawn_blocking(move || {
            let ended = within_patience(|| thread.is_finished());
            if ended {
                thread.join().expect("the server's thread panicked");
            }
            ended
        })
        .await
        .unwrap();
        assert!(
            ended,
            "after shutdown, serve did not return within {} s",
            PATIENCE.as_secs()
        );
    }
}

/// How many bytes of posts surely fill a loopback connection to a client that does not
/// read and has a receive buffer of 4 KiB: more than the server's largest send buffer
/// (Linux: the third number of `/proc/sys/net/ipv4/tcp_wmem`), with room to spare.
fn posts_that_fill_the_socket() -> usize {
    let send_buffer = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_wmem")
        .ok()
        .and_then(|text| text.split_whitespace().nth(2)?.parse::<usize>().ok())
        .unwrap_or(16 << 20);
    send_buffer / BIG + 8
}

#[test]
fn serve_waits_until_every_connection_has_said_goodbye() {
    // A client that reads nothing holds its connection's task in a send, posts still to
    // go: the connection cannot say goodbye until the client reads. `serve` must wait for
    // it (the connections' tasks are tracked), not return when axum stops accepting.
    // Whether `serve` returned is seen once the server's thread has nothing left to do
    // (it sleeps in the kernel), so the test does not guess how long to wait.
    let (returned_early, texts, end) = real(|| async {
        let posts = posts_that_fill_the_socket();
        let server = start_on_own_thread(Config {
            room_capacity: posts + 1,
            ..config()
        });
        let mut slow = try_join(server.addr, "lobby", "slow", Some(4096))
            .await
            .unwrap();
        let big = "x".repeat(BIG);
        for n in 0..posts {
            server.chat.publish("lobby", format!("{n} {big}"));
        }
        server.chat.shutdown();
        let returned_early = !server
            .settles("after shutdown, serve should wait for the slow client's connection")
            .await;
        // Now the client reads: every post, the goodbye, the Close frame.
        let (texts, end) = read_to_the_end(&mut slow).await;
        let texts: Vec<String> = texts
            .into_iter()
            .map(|text| text[..text.len().min(30)].to_string())
            .collect();
        if !returned_early {
            server.stop().await;
        }
        (returned_early, texts, end)
    });
    assert!(
        !returned_early,
        "serve returned after shutdown while a client that had not read yet still had posts \
         and its goodbye on the way: serve must wait for every connection's task (run each \
         one as a task of the `TaskTracker`, as `accept`'s doc says), since axum's shutdown \
         does not wait for WebSockets"
    );
    assert_eq!(
        texts.last().map(String::as_str),
        Some(SHUTDOWN_NOTICE),
        "the slow client gets what was posted, then the goodbye ({} messages in all)",
        texts.len()
    );
    assert_eq!(
        end,
        End::CloseFrame,
        "then a Close frame: {}",
        how_it_ended(&end, texts.last().map(String::as_str))
    );
}

#[test]
fn a_client_that_vanishes_frees_its_place_and_the_server_goes_back_to_sleep() {
    // bob's socket is closed without a Close frame: his connection's `recv` gives an error,
    // then `None` for ever. A loop that ignores them runs on without end, holding his
    // place (and a CPU).
    let (places, heard) = real(|| async {
        let server = start_on_own_thread(config());
        let mut ann = join(server.addr, "lobby", "ann").await;
        let bob = join(server.addr, "lobby", "bob").await;
        let both = server.chat.open_connections();
        drop(bob);
        let chat = server.chat.clone();
        let freed =
            tokio::task::spawn_blocking(move || within_patience(|| chat.open_connections() == 1))
                .await
                .unwrap();
        if !freed {
            // The server's thread may be spinning: leave it; the test fails below.
            return ((both, server.chat.open_connections()), None);
        }
        let tid = server.thread.tid;
        let parked = tokio::task::spawn_blocking(move || {
            sched::assert_parks(
                tid,
                "ann to speak, after bob went away",
                "A connection whose socket has ended must return: its `recv` gives an \
                 error, then `None`, at once, every time.",
            )
        })
        .await;
        if let Err(failure) = parked {
            std::panic::resume_unwind(failure.into_panic());
        }
        say(&mut ann, "still here").await;
        let heard = next_text(&mut ann, "ann's own message, after bob left").await;
        server.stop().await;
        ((both, 1), heard)
    });
    assert_eq!(
        places,
        (2, 1),
        "with ann and bob in, 2 connections are open; once bob's socket is gone without a \
         goodbye, his connection must end and give its place back (open connections with \
         ann and bob, then after bob vanished)"
    );
    assert_eq!(heard.as_deref(), Some("ann: still here"));
}

/// An HTTP request that asks for a WebSocket in the lobby, by hand.
fn upgrade_request(name: &str) -> String {
    format!(
        "GET /ws/lobby?name={name} HTTP/1.1\r\nHost: chat\r\nConnection: Upgrade\r\n\
         Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
}

/// The status code of the answer to a request sent on `stream`.
async fn status(stream: &mut TcpStream, who: &str) -> u16 {
    let mut head = Vec::new();
    let mut byte = [0];
    while !head.ends_with(b"\r\n\r\n") {
        match timeout(PATIENCE, stream.read(&mut byte)).await {
            Ok(Ok(1)) => head.push(byte[0]),
            Ok(_) => break,
            Err(_) => panic!(
                "{who}'s request for a WebSocket got no answer within {} s",
                PATIENCE.as_secs()
            ),
        }
    }
    let head = String::from_utf8_lossy(&head);
    head.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("{who} got no HTTP answer: {head:?}"))
}

#[test]
fn two_clients_asking_at_once_for_the_last_place_get_one_yes_and_one_no() {
    // The server's runtime is held still while two requests for a WebSocket arrive, so it
    // takes both up in one go: the second request's handler runs before anything the
    // first one's started (its connection's task) has run. A place checked in `accept`
    // and taken later, in the connection's task, is free for both.
    let (codes, open) = real(|| async {
        let server = start_on_own_thread(Config {
            max_connections: 1,
            ..config()
        });
        let let_go = server.hold().await;
        let mut ann = TcpStream::connect(server.addr).await.unwrap();
        let mut bob = TcpStream::connect(server.addr).await.unwrap();
        ann.write_all(upgrade_request("ann").as_bytes())
            .await
            .unwrap();
        bob.write_all(upgrade_request("bob").as_bytes())
            .await
            .unwrap();
        drop(let_go);
        let mut codes = vec![status(&mut ann, "ann").await, status(&mut bob, "bob").await];
        codes.sort();
        let open = server.chat.open_connections();
        drop((ann, bob));
        server.stop().await;
        (codes, open)
    });
    assert_eq!(
        codes,
        [101, 503],
        "with one place left, two clients asking at the same moment: one is accepted (101 \
         Switching Protocols) and the other refused (503). Take the permit in `accept` \
         itself, with `try_acquire_owned`, before the upgrade: a place that is only looked \
         at there and taken later can be promised to both"
    );
    assert_eq!(open, 1, "one connection is open");
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs Linux's /proc to see the server's thread wait for the room's lock"
)]
fn a_client_is_subscribed_before_it_is_told_it_is_in() {
    // A post made the moment a client has its 101 must reach it, so `accept` subscribes
    // before it answers. The test holds the room's lock (`with_room`) while ann asks to
    // join, and waits until the server's thread is stopped at that lock. A handler that
    // subscribes first is stopped before it answers; one that answers first and
    // subscribes later, in the connection's task, has already sent its 101: a post made
    // in between would never reach ann.
    let (blocked, early_answer, code) = real(|| async {
        let server = start_on_own_thread(config());
        let mut ann = TcpStream::connect(server.addr).await.unwrap();
        let (locked, is_locked) = std_mpsc::channel();
        let (let_go, release) = std_mpsc::channel::<()>();
        let chat = server.chat.clone();
        let holder = thread::spawn(move || {
            chat.with_room("lobby", |_| {
                locked.send(()).unwrap();
                let _ = release.recv();
            })
        });
        is_locked.recv().unwrap();
        ann.write_all(upgrade_request("ann").as_bytes())
            .await
            .unwrap();
        let tid = server.thread.tid;
        let blocked = tokio::task::spawn_blocking(move || sched::wait_until_blocked_in_futex(tid))
            .await
            .unwrap();
        // Whatever the server wrote before it stopped is here already (loopback).
        let mut head = [0; 64];
        let early_answer = match ann.try_read(&mut head) {
            Ok(n) => Some(String::from_utf8_lossy(&head[..n]).into_owned()),
            Err(_) => None,
        };
        drop(let_go);
        holder.join().unwrap();
        let code = if early_answer.is_none() {
            Some(status(&mut ann, "ann").await)
        } else {
            None
        };
        drop(ann);
        server.stop().await;
        (blocked, early_answer, code)
    });
    assert!(
        blocked,
        "the test held the room's lock while ann asked to join, and the server's thread \
         never stopped at it: `accept` must subscribe (the given `subscribe` takes the \
         room's lock) before it answers"
    );
    assert_eq!(
        early_answer, None,
        "ann was answered while her room was locked, so she was not subscribed yet: \
         subscribe in `accept`, before the upgrade, not in the connection's task (posts \
         made in between are lost to her)"
    );
    assert_eq!(code, Some(101), "once the room is free, ann is let in");
}

// Two posts at once: each must reach the subscribers in the order of its id. The room's
// state is behind one std Mutex (`with_room`); a post numbered under the lock and sent
// after it can be overtaken by a post numbered a moment later. The test looks at the
// moment post 1 is being sent (its send wakes a receiver, and the waker is the test's):
// a second publisher started then must wait for the room.

/// A waker that, the first time it is woken (by the send of post 1, inside `publish`),
/// starts a second publisher and sees whether it has to wait for the room's lock.
struct SecondPublisherOnWake {
    chat: Chat,
    /// `Some(true)` if the second publisher waited, `Some(false)` if it got through; its
    /// thread, to join.
    seen: std::sync::Mutex<Option<(bool, thread::JoinHandle<u64>)>>,
}

impl std::task::Wake for SecondPublisherOnWake {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        let mut seen = self.seen.lock().unwrap();
        if seen.is_some() {
            return;
        }
        let chat = self.chat.clone();
        let second = sched::spawn_watched("the second publisher", move || {
            chat.publish("r", "b: second".to_string())
        });
        // Still inside post 1's send: the room must still be locked.
        let waited = std::panic::catch_unwind(|| {
            sched::wait_until_asleep(
                second.tid,
                "a second post, published while post 1 is being sent, should wait for the \
                 room's lock",
            )
        });
        let waited = match waited {
            Ok(()) => true,
            Err(_) if second.thread.is_finished() => false,
            Err(failure) => std::panic::resume_unwind(failure),
        };
        *seen = Some((waited, second.thread));
    }
}

#[test]
fn posts_reach_subscribers_in_the_order_of_their_ids_even_when_two_publish_at_once() {
    let (waited, order) = support::timeout(|| {
        use std::future::Future;
        let chat = Chat::new(config());
        let mut posts = chat.subscribe("r");
        let watcher = std::sync::Arc::new(SecondPublisherOnWake {
            chat: chat.clone(),
            seen: std::sync::Mutex::new(None),
        });
        let waker = std::task::Waker::from(watcher.clone());
        {
            // A receive that waits, so that post 1's send wakes the test's waker.
            let mut receive = std::pin::pin!(posts.recv());
            let polled = receive
                .as_mut()
                .poll(&mut std::task::Context::from_waker(&waker));
            assert!(polled.is_pending(), "nothing has been posted yet");
            chat.publish("r", "a: first".to_string());
        }
        let (waited, second) = watcher
            .seen
            .lock()
            .unwrap()
            .take()
            .expect("publishing post 1 must send it to the room's subscribers");
        second.join().expect("the second publisher panicked");
        let mut order = Vec::new();
        while let Ok(post) = posts.try_recv() {
            order.push((post.id, post.text.clone()));
        }
        (waited, order)
    });
    assert!(
        waited,
        "while post 1 was being sent to the room's subscribers, a second post was published \
         without waiting: publish lets go of the room's lock before it sends, so a post \
         numbered a moment later can be sent first. Number the post, keep it and send it \
         under one lock (one `with_room`)"
    );
    assert_eq!(
        order,
        [(1, "a: first".to_string()), (2, "b: second".to_string())],
        "subscribers get the posts in the order of their ids"
    );
}

// A post made while a long poll looks at the history. The look and the subscription must
// happen under one lock (one `with_room`); with two, a post made between them is neither
// in what the poll saw nor on its receiver. "Between them" is a gap of a few
// instructions, so the test asks the kernel to put the publisher there (see
// `support::sched`):
//
// 1. The test holds the rooms' lock. The poller's thread (P), in the kernel's idle class,
//    calls `long_poll` and queues for the lock.
// 2. The publisher's thread (Q), an ordinary one on the same CPU, queues behind P.
// 3. The test lets go: P gets the lock. The moment P lets go of it, the unlock wakes Q,
//    and an ordinary thread woken on an idle-class thread's CPU is run first: Q publishes
//    in P's gap, if P left one.
//
// The scheduler does not promise that last step: on a loaded 2-core machine (three busy
// processes besides the builds of others), a wrong answer escaped one scene in 100 (it
// was caught in the other 99; the kernel let P run on for a moment). The scene is played
// three times, so the odds of an escape are about one in a million. Elsewhere than Linux
// the scene is not forced, and the test still runs.

/// One scene: returns what the long poll answered.
/// How many posts the room has when the scene starts.
const OLD_POSTS: usize = 20_000;

fn a_post_in_the_long_polls_gap() -> Vec<(u64, String)> {
    // A poll that missed the post gives up after the course's patience. The room holds
    // many old posts, all seen: looking through them keeps the poller busy under the lock
    // for a while, after which the scheduler owes it no more time (see above).
    let chat = Chat::new(Config {
        poll_timeout: PATIENCE,
        room_capacity: OLD_POSTS,
        ..config()
    });
    for n in 0..OLD_POSTS {
        chat.publish("r", format!("a: {n}"));
    }
    let (held, lock_is_held) = std_mpsc::channel();
    let (let_go, release) = std_mpsc::channel::<()>();
    let holder = {
        let chat = chat.clone();
        thread::spawn(move || {
            chat.with_room("r", |_| {
                held.send(()).unwrap();
                let _ = release.recv();
            })
        })
    };
    lock_is_held.recv().unwrap();
    let (poller_tid, poller_started) = std_mpsc::channel();
    let poller = {
        let chat = chat.clone();
        thread::spawn(move || {
            let _pin = sched::pin_to_one_cpu();
            poller_tid.send(sched::current_tid()).unwrap();
            sched::yield_to_every_waker();
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(chat.long_poll("r", OLD_POSTS as u64))
        })
    };
    sched::wait_until_asleep(
        poller_started.recv().unwrap(),
        "the long poll should wait for the rooms' lock",
    );
    let (publisher_tid, publisher_started) = std_mpsc::channel();
    let publisher = {
        let chat = chat.clone();
        thread::spawn(move || {
            let _pin = sched::pin_to_one_cpu();
            publisher_tid.send(sched::current_tid()).unwrap();
            chat.publish("r", "b: just now".to_string())
        })
    };
    sched::wait_until_asleep(
        publisher_started.recv().unwrap(),
        "the publisher should wait for the rooms' lock",
    );
    let_go.send(()).unwrap();
    holder.join().unwrap();
    publisher.join().expect("the publisher panicked");
    let polled = poller
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    texts(&polled)
}

#[test]
fn a_post_made_while_a_long_poll_looks_is_not_missed() {
    const SCENES: usize = 3;
    let answers = support::timeout(|| {
        let mut answers = Vec::new();
        // A scene that shows the post missed is enough (and takes the poll's timeout).
        while answers.len() < SCENES
            && answers
                .last()
                .is_none_or(|polled: &Vec<_>| !polled.is_empty())
        {
            answers.push(a_post_in_the_long_polls_gap());
        }
        answers
    });
    for (scene, polled) in answers.into_iter().enumerate() {
        assert_eq!(
            polled,
            [(OLD_POSTS as u64 + 1, "b: just now".to_string())],
            "scene {}: a post made just after the long poll looked at the history must \
             reach it: look at the history and subscribe under one lock (one `with_room`); \
             with two, a post made between them is neither in what the poll saw nor on its \
             receiver",
            scene + 1
        );
    }
}
