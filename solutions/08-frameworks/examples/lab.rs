//! Chapter 08's lab: the chat server (08.6) holding many idle WebSocket connections, and
//! how long one message takes to reach all of them; Tornado's chat beside it when Python
//! and Tornado are installed.
//!
//! ```text
//! cargo run --release -p ch08-frameworks-solution --example ch08-lab            # the book's figures
//! cargo run --release -p ch08-frameworks-solution --example ch08-lab -- --quick # a short run
//! ```
//!
//! Everything runs on 127.0.0.1 and stops by itself. The server and the clients are
//! separate processes (this program, started again with `--serve` or `--clients`): a
//! process may hold about 20,000 open files here, and 10,000 connections take 10,000 on
//! each side. Each server runs on one thread (tokio's current-thread runtime; Tornado's
//! single loop), and so does the client.

use ch08_frameworks::ex06_chat::{Chat, Config};
use futures::{SinkExt, StreamExt};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};
use support::chart::{BarChart, Figures, Samples, Table, Unit};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// Tornado's own chat, the same URL and the same broadcast: each message goes to every
/// connection in the room, sender included.
const TORNADO_CHAT: &str = r#"
import sys
import tornado.httpserver, tornado.ioloop, tornado.netutil, tornado.web, tornado.websocket

rooms = {}

class ChatSocket(tornado.websocket.WebSocketHandler):
    def open(self, room):
        self.room = room
        self.name = self.get_argument("name", "anonymous")
        rooms.setdefault(room, set()).add(self)

    def on_message(self, message):
        text = "%s: %s" % (self.name, message)
        for waiter in list(rooms.get(self.room, ())):
            try:
                waiter.write_message(text)
            except tornado.websocket.WebSocketClosedError:
                pass

    def on_close(self):
        rooms.get(self.room, set()).discard(self)

app = tornado.web.Application([(r"/ws/([^/]+)", ChatSocket)])
sockets = tornado.netutil.bind_sockets(0, "127.0.0.1", backlog=4096)
server = tornado.httpserver.HTTPServer(app)
server.add_sockets(sockets)
print(sockets[0].getsockname()[1], flush=True)
tornado.ioloop.IOLoop.current().start()
"#;

/// How many connections are being opened at once by the client process.
const CONNECTING_AT_ONCE: usize = 100;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--serve") => serve(args[2].parse().unwrap()),
        Some("--clients") => clients(&args[2], args[3].parse().unwrap(), args[4].parse().unwrap()),
        _ => coordinate(args.iter().any(|a| a == "--quick")),
    }
}

/// `--serve BYTES`: the chat server of exercise 08.6 on one thread, with WebSocket read
/// buffers of BYTES; prints its port.
fn serve(read_buffer: usize) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("{}", listener.local_addr().unwrap().port());
        let chat = Chat::new(Config {
            max_connections: 20_000,
            room_capacity: 256,
            poll_timeout: Duration::from_secs(30),
            read_buffer,
        });
        chat.serve(listener).await.unwrap();
    });
}

/// `--clients ADDR N ROUNDS`: opens N WebSocket connections to room `lab`, says
/// `connected`, then on `fanout` sends ROUNDS messages one at a time from the first
/// connection and reports the time from each send to its arrival at every connection
/// (`latencies p50 p99 max`, in ns), then waits for `quit`.
fn clients(addr: &str, n: usize, rounds: usize) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (arrived, mut arrivals) = mpsc::unbounded_channel::<(usize, Instant)>();
        let urls: Vec<String> = (0..n)
            .map(|i| format!("ws://{addr}/ws/lab?name=c{i}"))
            .collect();
        let mut sinks = Vec::with_capacity(n);
        let mut connecting = futures::stream::iter(urls)
            .map(|url| async move {
                // Small read buffers: the clients' process holds thousands of them too.
                let config = WebSocketConfig::default().read_buffer_size(4 * 1024);
                tokio_tungstenite::connect_async_with_config(url, Some(config), false).await
            })
            .buffered(CONNECTING_AT_ONCE);
        while let Some(connected) = connecting.next().await {
            let (ws, _) = connected.expect("a client could not connect");
            let (sink, mut stream) = ws.split();
            sinks.push(sink);
            let arrived = arrived.clone();
            tokio::spawn(async move {
                while let Some(Ok(message)) = stream.next().await {
                    if let Message::Text(text) = message {
                        // "c0: 7": round 7.
                        if let Some(round) = text.rsplit(' ').next().and_then(|r| r.parse().ok()) {
                            let _ = arrived.send((round, Instant::now()));
                        }
                    }
                }
            });
        }
        let stdin = std::io::stdin();
        say(&format!("connected {n}"));
        let mut command = String::new();
        stdin.read_line(&mut command).unwrap();
        assert_eq!(command.trim(), "fanout");
        let mut latencies = Vec::with_capacity(n * rounds);
        for round in 0..rounds {
            let sent = Instant::now();
            sinks[0]
                .send(Message::text(round.to_string()))
                .await
                .unwrap();
            let mut got = 0;
            while got < n {
                let (r, at) = tokio::time::timeout(Duration::from_secs(120), arrivals.recv())
                    .await
                    .expect("a message did not reach every client within 120 s")
                    .unwrap();
                if r == round {
                    latencies.push(at - sent);
                    got += 1;
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        latencies.sort();
        let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize].as_nanos();
        say(&format!("latencies {} {} {}", at(0.5), at(0.99), at(1.0)));
        command.clear();
        stdin.read_line(&mut command).unwrap();
        drop(sinks);
    });
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}

/// A child process that speaks in lines.
struct Talker {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Talker {
    fn start(mut command: Command) -> Talker {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("could not start a child process");
        Talker {
            input: child.stdin.take().unwrap(),
            output: BufReader::new(child.stdout.take().unwrap()),
            child,
        }
    }
    fn line(&mut self) -> String {
        let mut line = String::new();
        self.output.read_line(&mut line).unwrap();
        assert!(!line.is_empty(), "a child process ended early");
        line.trim().to_string()
    }
    fn tell(&mut self, line: &str) {
        writeln!(self.input, "{line}").unwrap();
        self.input.flush().unwrap();
    }
    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The resident memory of a process, in bytes.
fn rss(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS in /proc/PID/status");
    kb * 1024.0
}

/// One measurement: a fresh server, `n` clients, `rounds` messages.
struct Measured {
    bytes_per_connection: f64,
    p50: f64,
    p99: f64,
}

fn measure(server: Command, n: usize, rounds: usize) -> Measured {
    let mut server = Talker::start(server);
    let port = server.line();
    let pid = server.child.id();
    std::thread::sleep(Duration::from_millis(300));
    let before = rss(pid);
    let me = std::env::current_exe().unwrap();
    let mut command = Command::new(me);
    command.args([
        "--clients",
        &format!("127.0.0.1:{port}"),
        &n.to_string(),
        &rounds.to_string(),
    ]);
    let mut clients = Talker::start(command);
    let connected = clients.line();
    assert_eq!(connected, format!("connected {n}"));
    // Let the server finish the handshakes' leftovers before reading its memory.
    std::thread::sleep(Duration::from_secs(1));
    let after = rss(pid);
    clients.tell("fanout");
    let report = clients.line();
    let numbers: Vec<f64> = report
        .strip_prefix("latencies ")
        .expect("latencies")
        .split(' ')
        .map(|v| v.parse().unwrap())
        .collect();
    clients.tell("quit");
    let _ = clients.child.wait();
    server.stop();
    Measured {
        bytes_per_connection: (after - before) / n as f64,
        p50: numbers[0],
        p99: numbers[1],
    }
}

fn tornado_available() -> bool {
    Command::new("python3")
        .args(["-c", "import tornado"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// How to start one of the servers.
type Starter = Box<dyn Fn() -> Command>;

fn coordinate(quick: bool) {
    let (sizes, runs, rounds): (&[usize], usize, usize) = if quick {
        (&[100, 1_000], 1, 3)
    } else {
        (&[1_000, 10_000], 3, 5)
    };
    let me = std::env::current_exe().unwrap();
    let tornado = tornado_available();
    let script = std::env::temp_dir().join("ch08-tornado-chat.py");
    if tornado {
        std::fs::write(&script, TORNADO_CHAT).unwrap();
    } else {
        println!(
            "python3 with tornado not found: the Tornado rows are left out (pip install tornado)"
        );
    }
    let rust = |read_buffer: usize| -> Starter {
        let me = me.clone();
        Box::new(move || {
            let mut c = Command::new(&me);
            c.args(["--serve", &read_buffer.to_string()]);
            c
        })
    };
    // (name in the tables, name in the charts, how to start it)
    let mut servers: Vec<(&str, &str, Starter)> = vec![
        (
            "Rust: axum, 128 KiB read buffers (axum's default)",
            "axum, 128 KiB buffers",
            rust(128 * 1024),
        ),
        (
            "Rust: axum, 4 KiB read buffers (08.6's default)",
            "axum, 4 KiB buffers",
            rust(4 * 1024),
        ),
    ];
    if tornado {
        let script = script.clone();
        servers.push((
            "Python: Tornado chat",
            "Tornado",
            Box::new(move || {
                let mut c = Command::new("python3");
                c.arg(&script);
                c
            }),
        ));
    }
    // results[server][size] = the runs' measurements
    let mut results: Vec<Vec<Vec<Measured>>> = servers
        .iter()
        .map(|_| sizes.iter().map(|_| Vec::new()).collect())
        .collect();
    let started = Instant::now();
    for run in 1..=runs {
        for (s, (name, _, command)) in servers.iter().enumerate() {
            for (z, &n) in sizes.iter().enumerate() {
                let m = measure(command(), n, rounds);
                println!(
                    "run {run}: {name}, {n} clients: {:.0} B per connection, fan-out p50 {:.2} ms, p99 {:.2} ms",
                    m.bytes_per_connection,
                    m.p50 / 1e6,
                    m.p99 / 1e6
                );
                results[s][z].push(m);
            }
        }
    }
    println!("took {:.0} s", started.elapsed().as_secs_f64());

    let largest = sizes.len() - 1;
    let samples = |s: usize, z: usize, f: fn(&Measured) -> f64| {
        Samples::of(&results[s][z].iter().map(f).collect::<Vec<_>>())
    };
    let runs_note = format!("median, min–max of {runs} runs");
    let mut memory = Table::new([
        "server",
        "clients",
        &format!("memory per idle connection ({runs_note})"),
    ]);
    let mut fanout = Table::new([
        "server",
        "clients",
        &format!("fan-out p50 ({runs_note})"),
        &format!("fan-out p99 ({runs_note})"),
    ]);
    let mut memory_chart = BarChart::new(
        format!(
            "Server memory per idle WebSocket, {} clients",
            sizes[largest]
        ),
        Unit::Bytes,
    );
    let mut p99_chart =
        BarChart::new("One message to a room: p99 arrival", Unit::Nanos).log_scale();
    for (s, (name, short, _)) in servers.iter().enumerate() {
        for (z, &n) in sizes.iter().enumerate() {
            let bytes = samples(s, z, |m| m.bytes_per_connection);
            let p50 = samples(s, z, |m| m.p50);
            let p99 = samples(s, z, |m| m.p99);
            memory.push(vec![
                name.to_string(),
                n.to_string(),
                Unit::Bytes.range(&bytes),
            ]);
            fanout.push(vec![
                name.to_string(),
                n.to_string(),
                Unit::Nanos.range(&p50),
                Unit::Nanos.range(&p99),
            ]);
            p99_chart = p99_chart.bar(
                format!("{short}, {} clients", Unit::Count.format(n as f64)),
                p99,
            );
            if z == largest {
                memory_chart = memory_chart.bar(short.to_string(), bytes);
            }
        }
    }
    if !tornado {
        memory_chart =
            memory_chart.note("Tornado not measured: python3 with tornado was not found");
        p99_chart = p99_chart.note("Tornado not measured: python3 with tornado was not found");
    }
    let figures = if quick {
        Figures::in_dir(std::env::temp_dir().join("ch08-lab-quick"))
    } else {
        Figures::for_chapter(env!("CARGO_MANIFEST_DIR"), "ch08-frameworks")
    };
    let machine = machine();
    let memory_md = format!("{}\n{machine}\n", memory.to_markdown());
    let fanout_md = format!("{}\n{machine}\n", fanout.to_markdown());
    print!("{memory_md}\n{fanout_md}");
    // Markdown tables that the lab page includes (a fragment, not a page of its own).
    figures.write("lab-memory.md", &memory_md).unwrap();
    figures.write("lab-fanout.md", &fanout_md).unwrap();
    figures
        .write("lab-memory.svg", &memory_chart.to_svg())
        .unwrap();
    figures
        .write("lab-fanout.svg", &p99_chart.to_svg())
        .unwrap();
}

/// One line about the machine: CPU model and count.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".to_string());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!(
        "Measured on {model}, {cores} cores, Linux; server and clients on 127.0.0.1, one thread each."
    )
}
