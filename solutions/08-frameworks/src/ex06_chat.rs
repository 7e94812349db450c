//! Exercise 08.6: long-lived connections, Tornado's job. A chat server on axum: rooms of
//! WebSocket clients, one `broadcast` channel per room, a connection limit, long polling
//! for clients without WebSockets, and a shutdown that says goodbye. The page is
//! `book/src/ch08-frameworks/chat.md`.

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::{HashMap, VecDeque};
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, broadcast};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// What the server may hold.
#[derive(Debug, Clone)]
pub struct Config {
    /// WebSocket connections open at once; one more is refused with 503.
    pub max_connections: usize,
    /// How many messages a room's channel keeps for a client that is behind. A client
    /// further behind than this is told so and disconnected.
    pub room_capacity: usize,
    /// How long a long poll waits for a message before it answers with none.
    pub poll_timeout: Duration,
    /// The bytes each WebSocket keeps ready for reading. axum's default, 128 KiB, is
    /// reserved up front for every connection, so it sets the memory an idle one costs.
    pub read_buffer: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_connections: 10_000,
            room_capacity: 64,
            poll_timeout: Duration::from_secs(30),
            read_buffer: 4 * 1024,
        }
    }
}

/// One message in a room: its number in the room (from 1) and its text, `name: words`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    pub id: u64,
    pub text: String,
}

/// A room: its channel and the last messages, for long polls.
pub struct Room {
    /// Every WebSocket connection in the room holds a receiver. Sending never waits: a
    /// receiver that falls more than `room_capacity` behind loses the oldest messages
    /// and learns it (`RecvError::Lagged`) on its next receive.
    pub sender: broadcast::Sender<Arc<Post>>,
    /// The last `room_capacity` messages, so a long poll can ask for "after id N".
    pub history: VecDeque<Arc<Post>>,
    /// The id of the next message.
    pub next_id: u64,
}

/// The chat server's shared state. Cheap to clone: handlers get a clone each.
#[derive(Clone)]
pub struct Chat {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    /// Rooms by name, made on first use. A std Mutex: it is held for a few map and
    /// queue operations and never across an `.await`.
    rooms: Mutex<HashMap<String, Room>>,
    /// One permit per open WebSocket connection. The connection's task owns its permit,
    /// so the permit returns when the connection ends, however it ends.
    connections: Arc<Semaphore>,
    /// Cancelled to shut down: connection loops say goodbye, long polls return.
    shutdown: CancellationToken,
    /// The connections' tasks. axum's graceful shutdown does not wait for a connection
    /// once it has been upgraded to a WebSocket, so `serve` waits for these itself.
    tasks: TaskTracker,
}

/// What a client sends as its name: `?name=alice`.
#[derive(Deserialize)]
struct Who {
    name: String,
}

/// Where a long poll starts: `?after=N`, the last id the client has seen.
#[derive(Deserialize)]
struct After {
    after: u64,
}

/// What a client is told before it is dropped for being too slow.
pub fn lagged_notice(missed: u64) -> String {
    format!("server: you fell behind by {missed} messages; disconnecting")
}

/// What every client is told when the server shuts down.
pub const SHUTDOWN_NOTICE: &str = "server: shutting down";

impl Chat {
    /// A chat server with no rooms yet.
    pub fn new(config: Config) -> Self {
        Self {
            inner: Arc::new(Inner {
                connections: Arc::new(Semaphore::new(config.max_connections)),
                config,
                rooms: Mutex::new(HashMap::new()),
                shutdown: CancellationToken::new(),
                tasks: TaskTracker::new(),
            }),
        }
    }

    /// The routes: the page, the WebSocket, and the two long-polling endpoints.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/", get(page))
            .route("/ws/{room}", get(websocket))
            .route("/rooms/{room}/poll", get(poll))
            .route("/rooms/{room}/messages", post(send))
            .with_state(self.clone())
    }

    /// Serves on `listener` until `shutdown` is called, then waits for every connection
    /// to say goodbye.
    pub async fn serve(self, listener: TcpListener) -> io::Result<()> {
        let shutdown = self.inner.shutdown.clone();
        let tasks = self.inner.tasks.clone();
        axum::serve(listener, self.router())
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await?;
        tasks.close();
        tasks.wait().await;
        Ok(())
    }

    /// Starts the shutdown: no new connections; every open one is told and closed.
    pub fn shutdown(&self) {
        self.inner.shutdown.cancel();
    }

    /// How many WebSocket connections are open.
    pub fn open_connections(&self) -> usize {
        self.inner.config.max_connections - self.inner.connections.available_permits()
    }

    /// Runs `f` on the room called `name`, made if it does not exist yet.
    pub fn with_room<T>(&self, name: &str, f: impl FnOnce(&mut Room) -> T) -> T {
        let mut rooms = self.inner.rooms.lock().unwrap_or_else(|e| e.into_inner());
        let room = rooms.entry(name.to_string()).or_insert_with(|| Room {
            sender: broadcast::channel(self.inner.config.room_capacity).0,
            history: VecDeque::new(),
            next_id: 1,
        });
        f(room)
    }

    /// A receiver of the room's messages from now on.
    pub fn subscribe(&self, room: &str) -> broadcast::Receiver<Arc<Post>> {
        self.with_room(room, |room| room.sender.subscribe())
    }

    /// Posts `text` to `room`: numbers it, keeps it for long polls, and sends it to every
    /// connection in the room. Returns its id. Never waits, whoever is slow.
    pub fn publish(&self, room: &str, text: String) -> u64 {
        let capacity = self.inner.config.room_capacity;
        self.with_room(room, |room| {
            let post = Arc::new(Post {
                id: room.next_id,
                text,
            });
            room.next_id += 1;
            room.history.push_back(post.clone());
            if room.history.len() > capacity {
                room.history.pop_front();
            }
            // An error only means nobody is connected by WebSocket: the post is kept.
            let _ = room.sender.send(post.clone());
            post.id
        })
    }

    /// The messages of `room` after id `after`: at once if there are some, else the next
    /// one to be posted, or none after the poll timeout or on shutdown.
    pub async fn long_poll(&self, room: &str, after: u64) -> Vec<Arc<Post>> {
        // Look and subscribe under one lock: a post that comes after the look is sure to
        // reach the receiver.
        let newer = self.with_room(room, |room| {
            let newer: Vec<_> = room
                .history
                .iter()
                .filter(|post| post.id > after)
                .cloned()
                .collect();
            if newer.is_empty() {
                Err(room.sender.subscribe())
            } else {
                Ok(newer)
            }
        });
        let mut posts = match newer {
            Ok(newer) => return newer,
            Err(posts) => posts,
        };
        tokio::select! {
            post = posts.recv() => post.map(|post| vec![post]).unwrap_or_default(),
            () = tokio::time::sleep(self.inner.config.poll_timeout) => Vec::new(),
            () = self.inner.shutdown.cancelled() => Vec::new(),
        }
    }

    /// Accepts or refuses a WebSocket: refused with 503 when `max_connections` are open,
    /// else upgraded and served by `connection` on a tracked task that owns the permit.
    pub fn accept(&self, upgrade: WebSocketUpgrade, room: String, name: String) -> Response {
        let Ok(permit) = self.inner.connections.clone().try_acquire_owned() else {
            return (StatusCode::SERVICE_UNAVAILABLE, "too many connections").into_response();
        };
        let chat = self.clone();
        // Subscribe before the upgrade, so that nothing posted after the client was
        // accepted is missed.
        let posts = self.subscribe(&room);
        let tasks = self.inner.tasks.clone();
        upgrade.on_upgrade(move |socket| {
            tasks.track_future(chat.connection(socket, room, name, posts, permit))
        })
    }

    /// One client's loop: its text messages are posted to the room as `name: text`, the
    /// room's messages are sent to it; if it falls behind it is told and dropped; on
    /// shutdown it gets what was already posted, then the goodbye.
    pub async fn connection(
        self,
        mut socket: WebSocket,
        room: String,
        name: String,
        mut posts: broadcast::Receiver<Arc<Post>>,
        _permit: OwnedSemaphorePermit,
    ) {
        loop {
            tokio::select! {
                // Both `recv`s are cancel safe: a branch that loses keeps nothing.
                frame = socket.recv() => match frame {
                    Some(Ok(Message::Text(text))) => {
                        self.publish(&room, format!("{name}: {}", text.as_str()));
                    }
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                    // Pings are answered by axum; anything else is ignored.
                    Some(Ok(_)) => {}
                },
                post = posts.recv() => match post {
                    Ok(post) => {
                        // While this send waits for a slow client, the room goes on: its
                        // channel keeps `room_capacity` posts, and then this receiver lags.
                        if socket.send(Message::text(post.text.as_str())).await.is_err() {
                            return;
                        }
                    }
                    Err(RecvError::Lagged(missed)) => {
                        // Dropping one slow client is better than slowing the room, or
                        // keeping an unbounded queue for it.
                        let _ = socket.send(Message::text(lagged_notice(missed))).await;
                        let _ = socket.send(Message::Close(None)).await;
                        return;
                    }
                    Err(RecvError::Closed) => return,
                },
                () = self.inner.shutdown.cancelled() => {
                    // Finish the messages already posted to this client, then say goodbye.
                    while let Ok(post) = posts.try_recv() {
                        if socket.send(Message::text(post.text.as_str())).await.is_err() {
                            return;
                        }
                    }
                    let _ = socket.send(Message::text(SHUTDOWN_NOTICE)).await;
                    let _ = socket.send(Message::Close(None)).await;
                    return;
                }
            }
        }
    }
}

async fn websocket(
    State(chat): State<Chat>,
    Path(room): Path<String>,
    Query(who): Query<Who>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let upgrade = upgrade.read_buffer_size(chat.inner.config.read_buffer);
    chat.accept(upgrade, room, who.name)
}

/// `GET /rooms/{room}/poll?after=N`: one line per message, `id text`.
async fn poll(
    State(chat): State<Chat>,
    Path(room): Path<String>,
    Query(after): Query<After>,
) -> String {
    chat.long_poll(&room, after.after)
        .await
        .iter()
        .map(|post| format!("{} {}\n", post.id, post.text))
        .collect()
}

/// `POST /rooms/{room}/messages?name=alice` with the text as the body; answers the id.
async fn send(
    State(chat): State<Chat>,
    Path(room): Path<String>,
    Query(who): Query<Who>,
    text: String,
) -> String {
    chat.publish(&room, format!("{}: {text}", who.name))
        .to_string()
}

/// The page: a small chat client, to try the server from two browser tabs.
async fn page() -> Html<&'static str> {
    Html(PAGE)
}

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Chat</title>
<style>
body { font-family: sans-serif; max-width: 40em; margin: 2em auto; }
#log { border: 1px solid #888; height: 20em; overflow-y: auto; padding: .5em; white-space: pre-wrap; }
</style></head>
<body>
<h1>Chat</h1>
<p><input id="name" placeholder="your name"> in room <input id="room" value="lobby">
<button id="join">Join</button></p>
<div id="log"></div>
<form id="say"><input id="text" size="50" placeholder="say something"> <button>Send</button></form>
<script>
let socket = null;
const log = line => {
  const box = document.getElementById("log");
  box.textContent += line + "\n";
  box.scrollTop = box.scrollHeight;
};
document.getElementById("join").onclick = () => {
  if (socket) socket.close();
  const name = encodeURIComponent(document.getElementById("name").value || "anonymous");
  const room = encodeURIComponent(document.getElementById("room").value || "lobby");
  socket = new WebSocket(`ws://${location.host}/ws/${room}?name=${name}`);
  socket.onopen = () => log("(joined " + decodeURIComponent(room) + ")");
  socket.onmessage = event => log(event.data);
  socket.onclose = () => log("(disconnected)");
};
document.getElementById("say").onsubmit = event => {
  event.preventDefault();
  const text = document.getElementById("text");
  if (socket && socket.readyState === WebSocket.OPEN && text.value) socket.send(text.value);
  text.value = "";
};
</script>
</body>
</html>
"#;
