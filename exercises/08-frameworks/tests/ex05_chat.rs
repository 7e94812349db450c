//! Tests for exercise 08.5: the chat server.
//!
//! `publish` and `long_poll` are tested on their own, on tokio's paused clock. The server
//! is tested with real WebSocket clients (tokio-tungstenite) on 127.0.0.1, on the real
//! clock: every wait there gives up after the course's patience, and nothing asserts how
//! long anything took.

mod common;

use ch08_frameworks::ex05_chat::{Chat, Config, Post, SHUTDOWN_NOTICE, lagged_notice};
use common::{paused, poll_limit, real};
use futures::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::time::Duration;
use support::PATIENCE;
use support::tokio::on_virtual_clock;
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
        let mut last = None;
        while let Some(text) = next_text(&mut slow, "the slow client's messages").await {
            last = Some(text);
        }
        (fast_got, last)
    });
    assert_eq!(
        fast_got, BIG_MESSAGES,
        "the fast client must get every message: a slow client in the room must not slow it"
    );
    let slow_last = slow_last.unwrap_or_default();
    assert!(
        slow_last.starts_with("server: you fell behind by"),
        "the slow client's last message must say it fell behind (as `lagged_notice` words \
         it, e.g. {:?}); its last message was {:?}",
        lagged_notice(3),
        &slow_last[..slow_last.len().min(80)]
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
        let mut slow_tail = Vec::new();
        while let Some(text) = next_text(&mut slow, "the slow client's messages").await {
            slow_tail.push(text[..text.len().min(30)].to_string());
        }
        let other = next_text(&mut other, "the goodbye to a client in another room").await;
        let finished = timeout(PATIENCE, server.serving).await;
        (slow_tail, other, matches!(finished, Ok(Ok(Ok(())))))
    });
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
        other.as_deref(),
        Some(SHUTDOWN_NOTICE),
        "every client is told"
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
