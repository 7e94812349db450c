//! Chapter 09's lab: the same echo protocol served many ways, measured from outside.
//!
//! Run it with `cargo run --release -p ch09-c10k-solution --example ch09-lab` (add
//! `--quick` for a short run). Every server and every load generator is a process of its
//! own: this program starts itself again as `ch09-lab serve KIND` and `ch09-lab load ADDR`,
//! and the Python peers as `python3 examples/ch09_peers.py KIND`. It measures each server
//! through `/proc` (exercise 09.3), writes Markdown tables and SVG charts into
//! `book/src/ch09-c10k/` (a `--quick` run writes them under `target/` instead).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use ch09_c10k::ex01_loadgen::{Errors, Plan, open_idle, run_active};
use ch09_c10k::ex02_accept::{
    Accept, Backoff, accept_loop, is_out_of_resources, is_per_connection,
};
use ch09_c10k::ex03_proc::{Sample, sample, unmeasured};
use support::chart::{BarChart, Figures, Samples, Table, Unit};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => serve(args.get(1).map(String::as_str).unwrap_or("")),
        Some("load") => load(args.get(1).expect("load ADDR")),
        _ => lab(&args),
    }
}

// ---------------------------------------------------------------------------------------
// The servers. Each prints "listening ADDR" and echoes bytes until the client hangs up.
// ---------------------------------------------------------------------------------------

// ANCHOR: servers
/// One row of the lab: a name and the command line that starts the server. Adding a
/// server (another runtime, another language) is adding an entry: the lab only needs the
/// process to print `listening 127.0.0.1:PORT` on its stdout and echo what it reads.
struct ServerSpec {
    name: String,
    command: Vec<String>,
}

fn rust_servers(me: &str) -> Vec<ServerSpec> {
    let row = |name: &str, kind: &str| ServerSpec {
        name: name.to_string(),
        command: vec![me.to_string(), "serve".to_string(), kind.to_string()],
    };
    vec![
        row("Rust: thread per connection", "threads"),
        row("Rust: pool of 8 threads", "pool"),
        row("Rust: green threads (chapter 05)", "green"),
        row("Rust: tokio current_thread", "tokio-ct"),
        row("Rust: tokio multi-thread", "tokio-mt"),
        row("Rust: smol (one thread)", "smol"),
        row("Rust: the course's runtime (chapter 07)", "course"),
    ]
}
// ANCHOR_END: servers

fn serve(kind: &str) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    // std listens with a backlog of 128: a burst of connects beyond it waits for a SYN to
    // be sent again, a second later. Listen again with 4096 (Linux takes the new value,
    // capped at `net.core.somaxconn`), as the Python peers do, so that every server starts
    // from the same backlog.
    #[cfg(unix)]
    unsafe {
        use std::os::fd::AsRawFd;
        libc::listen(listener.as_raw_fd(), 4096);
    }
    println!("listening {}", listener.local_addr().unwrap());
    io::stdout().flush().unwrap();
    match kind {
        "threads" => serve_threads(listener),
        "pool" => serve_pool(listener, 8),
        "green" => serve_green(listener),
        "tokio-ct" => serve_tokio(listener, false),
        "tokio-mt" => serve_tokio(listener, true),
        "smol" => serve_smol(listener),
        "course" => serve_course(listener),
        _ => eprintln!("unknown server kind {kind:?}"),
    }
}

/// Says once on stderr that accept ran out of something; the lab reads it as the cause.
fn out_of_resources(error: &io::Error) {
    static TOLD: AtomicBool = AtomicBool::new(false);
    if !TOLD.swap(true, Ordering::Relaxed) {
        eprintln!("accept: {error}; backing off");
    }
}

/// A blocking echo: the thread waits in `read`, which is the whole point of the row.
fn echo_blocking(mut stream: TcpStream) {
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if stream.write_all(&buf[..n]).is_err() {
                    return;
                }
            }
        }
    }
}

/// The listener, telling stderr (once) why accept failed when it runs out of resources:
/// the lab reads it as the reason a server stopped taking connections.
struct Noting(TcpListener);

impl Accept for Noting {
    fn accept(&self) -> io::Result<TcpStream> {
        let result = Accept::accept(&self.0);
        if let Err(e) = &result
            && is_out_of_resources(e)
        {
            out_of_resources(e);
        }
        result
    }
}

fn serve_threads(listener: TcpListener) {
    let error = accept_loop(
        &Noting(listener),
        Backoff::default(),
        thread::sleep,
        |stream| {
            // A thread that cannot be started drops its closure, and with it the stream.
            if let Err(e) = thread::Builder::new().spawn(move || echo_blocking(stream)) {
                eprintln!("thread: {e}");
            }
        },
    );
    eprintln!("accept: {error}");
}

fn serve_pool(listener: TcpListener, workers: usize) {
    // Chapter 02's pool: a queue of connections and a fixed set of workers. A worker
    // serves one connection to its end, so idle connections hold workers hostage.
    let (tx, rx) = mpsc::channel::<TcpStream>();
    let rx = Arc::new(Mutex::new(rx));
    for _ in 0..workers {
        let rx = rx.clone();
        thread::spawn(move || {
            loop {
                let next = rx.lock().unwrap().recv();
                match next {
                    Ok(stream) => echo_blocking(stream),
                    Err(_) => return,
                }
            }
        });
    }
    let error = accept_loop(
        &Noting(listener),
        Backoff::default(),
        thread::sleep,
        |stream| {
            let _ = tx.send(stream);
        },
    );
    eprintln!("accept: {error}");
}

fn serve_green(listener: TcpListener) {
    use ch05_solution::ex02_scheduler::{run, spawn};
    use ch05_solution::ex03_sleep_channel::sleep;
    use ch05_solution::ex04_green_io::{accept, handle_client};
    run(move || {
        let backoff = Backoff::default();
        let mut wait = backoff.first;
        loop {
            match accept(&listener) {
                Ok(stream) => {
                    wait = backoff.first;
                    spawn(move || {
                        let _ = handle_client(stream);
                    });
                }
                Err(e) if is_per_connection(&e) => {}
                Err(e) if is_out_of_resources(&e) => {
                    out_of_resources(&e);
                    sleep(wait);
                    wait = (wait * 2).min(backoff.max);
                }
                Err(e) => {
                    eprintln!("accept: {e}");
                    return;
                }
            }
        }
    });
}

thread_local! {
    /// One read buffer per OS thread, shared by all its connections: an idle connection
    /// then owns no buffer at all, only its socket and its task.
    static BUFFER: RefCell<Vec<u8>> = RefCell::new(vec![0; 16 * 1024]);
}

/// What a non-blocking read and write did with the shared buffer.
enum Step {
    Again,
    Done,
    /// The send buffer was full: these bytes must wait for it, in a buffer of their own.
    Rest(Vec<u8>),
}

/// Reads what is there into the thread's buffer and writes back what fits, without
/// waiting: the buffer is never borrowed across an `.await`.
fn echo_step(
    read: impl FnOnce(&mut [u8]) -> io::Result<usize>,
    write: impl FnOnce(&[u8]) -> io::Result<usize>,
) -> Step {
    BUFFER.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        match read(&mut buffer) {
            Ok(0) => Step::Done,
            Ok(n) => match write(&buffer[..n]) {
                Ok(w) if w == n => Step::Again,
                Ok(w) => Step::Rest(buffer[w..n].to_vec()),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Step::Rest(buffer[..n].to_vec()),
                Err(_) => Step::Done,
            },
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Step::Again,
            Err(_) => Step::Done,
        }
    })
}

fn serve_tokio(listener: TcpListener, multi_thread: bool) {
    use tokio::io::AsyncWriteExt;
    let runtime = if multi_thread {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    }
    .enable_all()
    .build()
    .expect("a tokio runtime");
    runtime.block_on(async move {
        listener.set_nonblocking(true).unwrap();
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        let backoff = Backoff::default();
        let mut wait = backoff.first;
        loop {
            match listener.accept().await {
                Ok((mut stream, _)) => {
                    wait = backoff.first;
                    tokio::spawn(async move {
                        loop {
                            if stream.readable().await.is_err() {
                                return;
                            }
                            match echo_step(|b| stream.try_read(b), |b| stream.try_write(b)) {
                                Step::Again => {}
                                Step::Done => return,
                                Step::Rest(rest) => {
                                    if stream.write_all(&rest).await.is_err() {
                                        return;
                                    }
                                }
                            }
                        }
                    });
                }
                Err(e) if is_per_connection(&e) => {}
                Err(e) if is_out_of_resources(&e) => {
                    out_of_resources(&e);
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(backoff.max);
                }
                Err(e) => {
                    eprintln!("accept: {e}");
                    return;
                }
            }
        }
    });
}

/// The course's own runtime from chapter 07 (its reactor on `polling`, its executor),
/// serving the same echo with the same shared buffer as the tokio and smol rows.
fn serve_course(listener: TcpListener) {
    use ch07_solution::ex05_runtime::{TcpListener as CourseListener, block_on, sleep, spawn};
    block_on(async move {
        let listener = CourseListener::from_std(listener).expect("a non-blocking listener");
        let backoff = Backoff::default();
        let mut wait = backoff.first;
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    wait = backoff.first;
                    spawn(async move {
                        loop {
                            if stream.readable().await.is_err() {
                                return;
                            }
                            let step = echo_step(
                                |b| stream.get_ref().read(b),
                                |b| stream.get_ref().write(b),
                            );
                            match step {
                                Step::Again => {}
                                Step::Done => return,
                                Step::Rest(rest) => {
                                    // The send buffer is full: wait until it drains.
                                    let mut rest = &rest[..];
                                    while !rest.is_empty() {
                                        match stream.get_ref().write(rest) {
                                            Ok(n) => rest = &rest[n..],
                                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                                                if stream.writable().await.is_err() {
                                                    return;
                                                }
                                            }
                                            Err(_) => return,
                                        }
                                    }
                                }
                            }
                        }
                    });
                }
                Err(e) if is_per_connection(&e) => {}
                Err(e) if is_out_of_resources(&e) => {
                    out_of_resources(&e);
                    sleep(wait).await;
                    wait = (wait * 2).min(backoff.max);
                }
                Err(e) => {
                    eprintln!("accept: {e}");
                    return;
                }
            }
        }
    });
}

fn serve_smol(listener: TcpListener) {
    use smol::io::AsyncWriteExt;
    let executor = smol::LocalExecutor::new();
    smol::block_on(executor.run(async {
        let listener = smol::Async::new(listener).expect("a non-blocking listener");
        let backoff = Backoff::default();
        let mut wait = backoff.first;
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    wait = backoff.first;
                    executor
                        .spawn(async move {
                            loop {
                                if stream.readable().await.is_err() {
                                    return;
                                }
                                let step = echo_step(
                                    |b| (&mut stream.get_ref()).read(b),
                                    |b| (&mut stream.get_ref()).write(b),
                                );
                                match step {
                                    Step::Again => {}
                                    Step::Done => return,
                                    Step::Rest(rest) => {
                                        if (&stream).write_all(&rest).await.is_err() {
                                            return;
                                        }
                                    }
                                }
                            }
                        })
                        .detach();
                }
                Err(e) if is_per_connection(&e) => {}
                Err(e) if is_out_of_resources(&e) => {
                    out_of_resources(&e);
                    smol::Timer::after(wait).await;
                    wait = (wait * 2).min(backoff.max);
                }
                Err(e) => {
                    eprintln!("accept: {e}");
                    return;
                }
            }
        }
    }));
}

// ---------------------------------------------------------------------------------------
// The load generator process (exercise 09.1), driven by lines on its stdin.
// ---------------------------------------------------------------------------------------

/// The bytes per request: a short line, as in a chat or a game server.
const LINE: usize = 64;

/// `idle N`: opens N more idle connections and answers `held TOTAL ERRORS`.
/// `active CLIENTS REQUESTS SECONDS`: runs the active clients and answers
/// `active COMPLETED P50_US P99_US MAX_US ERRORS`. End of input: closes everything.
fn load(addr: &str) {
    let target: SocketAddr = addr.parse().expect("load ADDR");
    let mut held: Vec<TcpStream> = Vec::new();
    for line in io::stdin().lock().lines() {
        let line = line.unwrap();
        let words: Vec<u64> = line
            .split_whitespace()
            .skip(1)
            .map(|w| w.parse().unwrap())
            .collect();
        if line.starts_with("idle") {
            let mut errors = Errors::default();
            // 3 s per connect: a SYN dropped by a full backlog is sent again after 1 s.
            let more = open_idle(
                &[target],
                words[0] as usize,
                Duration::from_secs(3),
                &mut errors,
            );
            held.extend(more);
            println!("held {} {}", held.len(), error_words(&errors));
        } else if line.starts_with("active") {
            let plan = Plan {
                targets: vec![target],
                idle: 0,
                active: words[0] as usize,
                requests: words[1],
                time_limit: Duration::from_secs(words[2]),
                io_timeout: Duration::from_secs(2),
                line_len: LINE,
                allow_remote: false,
            };
            let active = run_active(&plan);
            let h = &active.latency;
            println!(
                "active {} {} {} {} {}",
                active.completed,
                h.value_at_quantile(0.5),
                h.value_at_quantile(0.99),
                h.max(),
                error_words(&active.errors)
            );
        }
        io::stdout().flush().unwrap();
    }
}

fn error_words(e: &Errors) -> String {
    format!("{} {} {} {}", e.refused, e.reset, e.timed_out, e.other)
}

fn parse_errors(words: &[&str]) -> Errors {
    let n = |i: usize| words.get(i).and_then(|w| w.parse().ok()).unwrap_or(0);
    Errors {
        refused: n(0),
        reset: n(1),
        timed_out: n(2),
        other: n(3),
    }
}

fn describe_errors(e: &Errors) -> String {
    let mut parts = Vec::new();
    for (n, what) in [
        (e.refused, "refused"),
        (e.reset, "reset"),
        (e.timed_out, "timed out"),
        (e.other, "other"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    parts.join(", ")
}

// ---------------------------------------------------------------------------------------
// The lab: start each server, load it, measure it from outside.
// ---------------------------------------------------------------------------------------

/// How big a run is.
struct Scale {
    small: usize,
    large: usize,
    clients: usize,
    requests: u64,
    rounds: usize,
    /// How many idle connections to try in all when looking for the limit (0: skip).
    probe: usize,
}

const FULL: Scale = Scale {
    small: 1_000,
    large: 10_000,
    clients: 100,
    requests: 300,
    rounds: 3,
    probe: 20_500,
};

const QUICK: Scale = Scale {
    small: 100,
    large: 1_000,
    clients: 20,
    requests: 200,
    rounds: 1,
    probe: 0,
};

/// A child process whose stdout arrives line by line, and whose stderr is kept.
struct Process {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Process {
    fn start(command: &[String]) -> io::Result<Process> {
        let mut child = Command::new(&command[0])
            .args(&command[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let (tx, lines) = mpsc::channel();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let kept = stderr.clone();
        let err = BufReader::new(child.stderr.take().unwrap());
        thread::spawn(move || {
            for line in err.lines().map_while(Result::ok) {
                let mut kept = kept.lock().unwrap();
                if kept.len() < 50 {
                    kept.push(line);
                }
            }
        });
        Ok(Process {
            stdin: child.stdin.take(),
            child,
            lines,
            stderr,
        })
    }

    fn send(&mut self, line: &str) {
        if let Some(stdin) = self.stdin.as_mut() {
            let _ = writeln!(stdin, "{line}");
        }
    }

    /// The rest of the next line that starts with `prefix`, within `limit`.
    fn expect(&self, prefix: &str, limit: Duration) -> Option<String> {
        let give_up = Instant::now() + limit;
        loop {
            let left = give_up.saturating_duration_since(Instant::now());
            let line = self.lines.recv_timeout(left).ok()?;
            if let Some(rest) = line.strip_prefix(prefix) {
                return Some(rest.trim().to_string());
            }
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            _ => None,
        }
    }

    /// The first two different lines the process wrote on stderr.
    fn stderr(&self) -> String {
        let mut seen: Vec<String> = Vec::new();
        for line in self.stderr.lock().unwrap().iter() {
            if !line.trim().is_empty() && !seen.contains(line) && seen.len() < 2 {
                seen.push(line.clone());
            }
        }
        seen.join(" / ")
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the lab measured of one server.
#[derive(Default)]
struct Row {
    name: String,
    /// Bytes of resident memory per idle connection, at `small` and at `large`.
    per_idle: [Option<f64>; 2],
    threads_large: Option<u64>,
    /// Memory mappings at `large` (each thread's stack is one or more).
    maps_large: Option<u64>,
    /// Server CPU per answered request, in ns, one per round.
    cpu_per_request: Vec<f64>,
    /// p99 latency in ns, one per round.
    p99: Vec<f64>,
    /// Requests answered / asked, over all rounds.
    answered: (u64, u64),
    /// What went wrong in the active rounds.
    active_errors: Errors,
    /// The most idle connections held, and what failed.
    limit: Option<(u64, String)>,
    note: String,
}

/// Waits until the server holds `target` descriptors, or makes no progress for 3 s.
fn settle(pid: u32, target: u64) -> Option<Sample> {
    let mut last = sample(pid).ok()?;
    let mut progress = Instant::now();
    loop {
        let fds = last.open_fds?;
        if fds >= target || progress.elapsed() > Duration::from_millis(1500) {
            // The last accepts may still be starting their threads or tasks: let them.
            thread::sleep(Duration::from_millis(300));
            return sample(pid).ok();
        }
        thread::sleep(Duration::from_millis(20));
        let now = sample(pid).ok()?;
        if now.open_fds > last.open_fds {
            progress = Instant::now();
        }
        last = now;
    }
}

fn held(reply: &str) -> (u64, Errors) {
    let words: Vec<&str> = reply.split_whitespace().collect();
    (
        words.first().and_then(|w| w.parse().ok()).unwrap_or(0),
        parse_errors(&words[1.min(words.len())..]),
    )
}

const LONG: Duration = Duration::from_secs(120);

/// The time limit of one round of active clients, in seconds: several times what a round
/// takes on a slow, shared machine, so that only a server that stalls reaches it.
const ROUND_LIMIT: u64 = 15;

fn measure(spec: &ServerSpec, me: &str, scale: &Scale) -> Row {
    let mut row = Row {
        name: spec.name.clone(),
        ..Row::default()
    };
    let mut server = match Process::start(&spec.command) {
        Ok(p) => p,
        Err(e) => {
            row.note = format!("could not start: {e}");
            return row;
        }
    };
    let Some(addr) = server.expect("listening", Duration::from_secs(20)) else {
        row.note = format!("did not start: {}", server.stderr());
        return row;
    };
    let started = Instant::now();
    let load_cmd = vec![me.to_string(), "load".to_string(), addr.clone()];
    let pid = server.pid();
    thread::sleep(Duration::from_millis(200));
    let Ok(base) = sample(pid) else {
        row.note = "exited at once".into();
        return row;
    };
    let base_fds = base.open_fds.unwrap_or(0);

    // Idle connections, held by one load generator process.
    let mut idle = Process::start(&load_cmd).expect("start the load generator");
    let mut holding = 0;
    for (i, n) in [scale.small, scale.large].into_iter().enumerate() {
        idle.send(&format!("idle {}", n - holding));
        let reply = idle.expect("held", LONG).unwrap_or_default();
        let (count, errors) = held(&reply);
        holding = count as usize;
        let now = settle(pid, base_fds + holding as u64);
        if errors.total() > 0 || holding < n {
            row.note = format!(
                "held {holding} of {n} idle connections ({})",
                describe_errors(&errors)
            );
        }
        if let (Some(now), Some(b)) = (now, base.rss_bytes) {
            if let Some(rss) = now.rss_bytes {
                row.per_idle[i] = Some((rss as f64 - b as f64) / holding.max(1) as f64);
            }
            if i == 1 {
                row.threads_large = now.threads;
                row.maps_large = std::fs::read_to_string(format!("/proc/{pid}/maps"))
                    .ok()
                    .map(|maps| maps.lines().count() as u64);
            }
        }
        if let Some(status) = server.exited() {
            row.note = format!("the server exited ({status}): {}", server.stderr());
            return row;
        }
    }

    eprintln!(
        "    idle phases done after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // Active clients while the idle ones sit there, from a second process.
    let mut active = Process::start(&load_cmd).expect("start the load generator");
    for _ in 0..scale.rounds {
        let before = sample(pid).ok().and_then(|s| s.cpu);
        active.send(&format!(
            "active {} {} {}",
            scale.clients, scale.requests, ROUND_LIMIT
        ));
        let Some(reply) = active.expect("active", LONG) else {
            break;
        };
        let after = sample(pid).ok().and_then(|s| s.cpu);
        let words: Vec<&str> = reply.split_whitespace().collect();
        let number = |i: usize| {
            words
                .get(i)
                .and_then(|w| w.parse::<u64>().ok())
                .unwrap_or(0)
        };
        let completed = number(0);
        row.answered.0 += completed;
        row.answered.1 += scale.clients as u64 * scale.requests;
        row.active_errors
            .add(&parse_errors(&words[4.min(words.len())..]));
        let errors = parse_errors(&words[4.min(words.len())..]);
        eprintln!(
            "    round: {completed} answered, errors: {}",
            describe_errors(&errors)
        );
        if completed == 0 {
            // Nothing got through (a pool whose workers are all held by idle clients):
            // another round would only say it again.
            row.note = format!(
                "a round of {} clients answered nothing ({}); the other rounds were skipped",
                scale.clients,
                describe_errors(&errors)
            );
            break;
        }
        let asked = scale.clients as u64 * scale.requests;
        if completed < asked {
            let note = format!(
                "a round answered {} of {} requests ({})",
                count(completed as usize),
                count(asked as usize),
                describe_errors(&errors)
            );
            row.note = if row.note.is_empty() {
                note
            } else {
                format!("{}; {note}", row.note)
            };
        }
        if completed > 0 {
            row.p99.push(number(2) as f64 * 1000.0);
            if let (Some(b), Some(a)) = (before, after) {
                row.cpu_per_request
                    .push((a - b).as_nanos() as f64 / completed as f64);
            }
        }
    }
    drop(active);
    eprintln!(
        "    active rounds done after {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // The limit: more idle connections from another process, until something fails.
    if scale.probe > 0 {
        row.limit = Some(probe(
            &mut server,
            &load_cmd,
            holding,
            base_fds,
            scale.probe,
        ));
    }
    row
}

fn probe(
    server: &mut Process,
    load_cmd: &[String],
    holding: usize,
    base_fds: u64,
    total: usize,
) -> (u64, String) {
    let pid = server.pid();
    let mut more = Process::start(load_cmd).expect("start the load generator");
    let mut opened = holding;
    let mut errors = Errors::default();
    let mut most = 0;
    while opened < total {
        let chunk = 1_000.min(total - opened);
        more.send(&format!("idle {chunk}"));
        let Some(reply) = more.expect("held", LONG) else {
            break;
        };
        let (count, e) = held(&reply);
        opened = holding + count as usize;
        errors = e;
        // Keep the most seen: a server that dies takes its descriptors with it.
        if let Some(fds) = sample(pid).ok().and_then(|s| s.open_fds) {
            most = most.max(fds);
        }
        if errors.total() > 0 || server.exited().is_some() {
            break;
        }
    }
    let now = settle(pid, base_fds + opened as u64);
    let fds = now.and_then(|s| s.open_fds).unwrap_or(0).max(most);
    let held_by_server = fds.saturating_sub(base_fds);
    let everything = server.stderr.lock().unwrap().join("\n");
    let stderr = server.stderr();
    // What the server said: a panic's message is the line after "panicked at …", not
    // the line with the source location; keep it short, it goes into a table cell.
    let lines: Vec<&str> = stderr.split(" / ").collect();
    let said = lines
        .iter()
        .position(|l| l.contains("panicked at"))
        .and_then(|at| lines.get(at + 1))
        .or(lines.first())
        .copied()
        .unwrap_or("");
    let first: String = said.chars().take(70).collect();
    let failed = if let Some(status) = server.exited() {
        format!("the server died ({status}): {first}")
    } else if everything.contains("os error 24")
        || everything.contains("Errno 24")
        || everything.contains("Too many open files")
    {
        "the server's open files (EMFILE)".to_string()
    } else if everything.contains("thread") {
        format!("the server's threads: {first}")
    } else if fds.saturating_add(20) >= open_files_limit() {
        // Some servers (uvloop) say nothing; their descriptor count says it for them.
        "the server's open files (it said nothing)".to_string()
    } else if errors.total() > 0 {
        format!("the client's connects: {}", describe_errors(&errors))
    } else {
        format!("nothing up to {total}")
    };
    (held_by_server, failed)
}

fn python_servers(skipped: &mut Vec<String>) -> Vec<ServerSpec> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/ch09_peers.py");
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
    let has = |module: &str| {
        Command::new(&python)
            .args(["-c", &format!("import {module}")])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !has("asyncio") {
        skipped.push(format!("the Python rows: `{python}` was not found"));
        return Vec::new();
    }
    let mut rows = Vec::new();
    for (name, kind, module) in [
        ("Python: asyncio", "asyncio", "asyncio"),
        ("Python: asyncio + uvloop", "uvloop", "uvloop"),
        ("Python: thread per connection", "threads", "threading"),
        ("Python: gevent", "gevent", "gevent"),
    ] {
        if has(module) {
            rows.push(ServerSpec {
                name: name.to_string(),
                command: vec![python.clone(), script.to_string(), kind.to_string()],
            });
        } else {
            skipped.push(format!(
                "{name}: `import {module}` failed (`pip install {module}`)"
            ));
        }
    }
    rows
}

fn lab(args: &[String]) {
    let quick = args.iter().any(|a| a == "--quick");
    let no_python = args.iter().any(|a| a == "--no-python");
    let only: Option<Vec<String>> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.split(',').map(str::to_string).collect());
    let scale = if quick { QUICK } else { FULL };
    let me = std::env::current_exe().unwrap().display().to_string();
    let started = Instant::now();
    let load_before = load_average();

    if !cfg!(target_os = "linux") {
        let missing = unmeasured(&sample(std::process::id()).unwrap_or_default());
        println!(
            "This system has no /proc: the lab cannot measure {} of a server from outside, \
             so it stops here rather than print zeros.",
            missing.join(", ")
        );
        return;
    }

    let mut skipped = Vec::new();
    let mut servers = rust_servers(&me);
    if no_python {
        skipped.push("the Python rows: --no-python".to_string());
    } else {
        servers.extend(python_servers(&mut skipped));
    }
    // Any other server, as NAME=COMMAND ARGS...: e.g. one built on chapter 07's runtime.
    for (i, a) in args.iter().enumerate() {
        if a == "--server"
            && let Some((name, command)) = args.get(i + 1).and_then(|s| s.split_once('='))
        {
            servers.push(ServerSpec {
                name: name.to_string(),
                command: command.split_whitespace().map(str::to_string).collect(),
            });
        }
    }
    if let Some(only) = &only {
        servers.retain(|s| only.iter().any(|o| s.name.contains(o.as_str())));
    }

    println!(
        "Chapter 09 lab ({}): {} servers; idle {} and {}, {} active clients × {} requests, \
         {} round(s){}",
        if quick { "quick" } else { "full" },
        servers.len(),
        scale.small,
        scale.large,
        scale.clients,
        scale.requests,
        scale.rounds,
        if scale.probe > 0 {
            format!(", limit probe to {}", scale.probe)
        } else {
            String::new()
        }
    );
    for s in &skipped {
        println!("skipped: {s}");
    }
    let mut rows = Vec::new();
    for spec in &servers {
        let t = Instant::now();
        let row = measure(spec, &me, &scale);
        println!(
            "{:<36} {:>10} {:>10} cpu/req {:>12} p99 {:>12} answered {}/{} {} ({:.0} s)",
            row.name,
            row.per_idle[0]
                .map(|b| Unit::Bytes.format(b))
                .unwrap_or("-".into()),
            row.per_idle[1]
                .map(|b| Unit::Bytes.format(b))
                .unwrap_or("-".into()),
            range(Unit::Nanos, &row.cpu_per_request),
            range(Unit::Nanos, &row.p99),
            row.answered.0,
            row.answered.1,
            row.limit
                .as_ref()
                .map(|(n, why)| format!("limit {n}: {why}"))
                .unwrap_or_default(),
            t.elapsed().as_secs_f64()
        );
        if !row.note.is_empty() {
            println!("    note: {}", row.note);
        }
        rows.push(row);
    }
    let elapsed = started.elapsed();
    let load_after = load_average();
    println!("done in {:.0} s", elapsed.as_secs_f64());

    let out = args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1));
    let figures = if let Some(out) = out {
        Figures::in_dir(out)
    } else if quick {
        Figures::in_dir(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../target/ch09-lab-quick"
        ))
    } else {
        Figures::for_chapter(env!("CARGO_MANIFEST_DIR"), "ch09-c10k")
    };
    write_figures(
        &figures,
        &rows,
        &scale,
        &skipped,
        elapsed,
        &load_before,
        &load_after,
    );
}

fn range(unit: Unit, values: &[f64]) -> String {
    if values.is_empty() {
        "-".to_string()
    } else {
        unit.range(&Samples::of(values))
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn count(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn write_figures(
    figures: &Figures,
    rows: &[Row],
    scale: &Scale,
    skipped: &[String],
    elapsed: Duration,
    load_before: &str,
    load_after: &str,
) {
    let small = count(scale.small);
    let large = count(scale.large);
    let rounds = scale.rounds;
    // Two narrow tables rather than one wide one: the book's column holds four or five.
    let mut idle = Table::new([
        "server",
        &format!("memory per idle connection, {small} held"),
        &format!("at {large}"),
        &format!("threads at {large}"),
        &format!("memory mappings at {large}"),
    ]);
    let mut active = Table::new([
        "server",
        &format!("server CPU per request ({rounds} rounds)"),
        &format!("p99, {} active + {large} idle", scale.clients),
        "requests answered",
    ]);
    for row in rows {
        let bytes = |b: Option<f64>| b.map(|b| Unit::Bytes.format(b)).unwrap_or("-".into());
        let mut answered = format!(
            "{} of {}",
            count(row.answered.0 as usize),
            count(row.answered.1 as usize)
        );
        if row.active_errors.total() > 0 {
            answered.push_str(&format!(" ({})", describe_errors(&row.active_errors)));
        }
        idle.push(vec![
            row.name.clone(),
            bytes(row.per_idle[0]),
            bytes(row.per_idle[1]),
            row.threads_large
                .map(|t| count(t as usize))
                .unwrap_or("-".into()),
            row.maps_large
                .map(|m| count(m as usize))
                .unwrap_or("-".into()),
        ]);
        active.push(vec![
            row.name.clone(),
            range(Unit::Nanos, &row.cpu_per_request),
            range(Unit::Nanos, &row.p99),
            answered,
        ]);
    }
    let _ = figures.write("lab-idle.md", &idle.to_markdown());
    let mut md = active.to_markdown();
    let notes: Vec<String> = rows
        .iter()
        .filter(|r| !r.note.is_empty())
        .map(|r| format!("- {}: {}", r.name, r.note))
        .collect();
    if !notes.is_empty() {
        md.push('\n');
        md.push_str(&notes.join("\n"));
        md.push('\n');
    }
    let _ = figures.write("lab-active.md", &md);

    if rows.iter().any(|r| r.limit.is_some()) {
        let mut limits = Table::new([
            "server",
            "idle connections held at most",
            "what failed first",
        ]);
        for row in rows {
            if let Some((n, why)) = &row.limit {
                limits.push(vec![row.name.clone(), count(*n as usize), why.clone()]);
            }
        }
        let _ = figures.write("lab-limits.md", &limits.to_markdown());
    }

    let mut run = format!(
        "Measured on {} CPUs (Linux {}), in {:.0} s; load average {} before and {} after \
         (other work shares this machine).\n",
        thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim(),
        elapsed.as_secs_f64(),
        load_before,
        load_after
    );
    for s in skipped {
        run.push_str(&format!("Skipped: {s}.\n"));
    }
    let _ = figures.write("lab-run.md", &run);
    let _ = figures.write("lab-machine.md", &machine_limits().to_markdown());

    let mut by_name: BTreeMap<&str, &Row> = BTreeMap::new();
    for row in rows {
        by_name.insert(&row.name, row);
    }
    let mut memory = BarChart::new(
        format!("Resident memory per idle connection, {large} held"),
        Unit::Bytes,
    )
    .log_scale();
    let mut cpu = BarChart::new("Server CPU per request", Unit::Nanos);
    let mut p99 = BarChart::new(
        format!(
            "p99 latency, {} active clients and {large} idle",
            scale.clients
        ),
        Unit::Nanos,
    )
    .log_scale();
    for row in rows {
        if let Some(b) = row.per_idle[1].filter(|b| *b > 0.0) {
            memory = memory.bar(&row.name, Samples::one(b));
        }
        if !row.cpu_per_request.is_empty() {
            cpu = cpu.bar(&row.name, Samples::of(&row.cpu_per_request));
        }
        if !row.p99.is_empty() {
            p99 = p99.bar(&row.name, Samples::of(&row.p99));
        }
    }
    let _ = figures.write("lab-memory.svg", &memory.to_svg());
    let _ = figures.write("lab-cpu.svg", &cpu.to_svg());
    let _ = figures.write("lab-p99.svg", &p99.to_svg());
}

/// This process's open-files limit, which the servers it starts inherit.
fn open_files_limit() -> u64 {
    // "Max open files            20000                20000                files"
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
            line.split_whitespace().nth(3)?.parse().ok()
        })
        .unwrap_or(u64::MAX)
}

/// The soft and hard limits on open files (`ulimit -n`), as counts; "unknown" where the
/// system has no such limit to read (Windows limits handles differently).
fn open_files_limits() -> (String, String) {
    #[cfg(unix)]
    {
        let mut files = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `files` is a valid `rlimit` for the call to fill in.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut files) } == 0 {
            return (
                count(files.rlim_cur as usize),
                count(files.rlim_max as usize),
            );
        }
    }
    ("unknown".into(), "unknown".into())
}

/// The limits of this machine that a C10K server meets, read from where the kernel keeps
/// them.
fn machine_limits() -> Table {
    let read = |path: &str| {
        std::fs::read_to_string(path)
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|_| "unknown".into())
    };
    let (files_soft, files_hard) = open_files_limits();
    let ports = read("/proc/sys/net/ipv4/ip_local_port_range");
    let port_count = ports
        .split_once(' ')
        .and_then(|(a, b)| Some(b.parse::<usize>().ok()? - a.parse::<usize>().ok()? + 1))
        .map(|n| format!(" ({} ports)", count(n)))
        .unwrap_or_default();
    let memory = read("/proc/meminfo")
        .split(" kB")
        .next()
        .and_then(|s| s.rsplit(' ').next()?.parse::<f64>().ok())
        .map(|kib| Unit::Bytes.format(kib * 1024.0))
        .unwrap_or_else(|| "unknown".into());
    let mut table = Table::new(["limit", "where", "here", "what it bounds"]);
    for (limit, place, value, bounds) in [
        (
            "open files per process",
            "`ulimit -n` (RLIMIT_NOFILE)",
            format!("{} (hard limit {})", files_soft, files_hard),
            "sockets a server (or a load generator) can hold",
        ),
        (
            "ephemeral ports",
            "`net.ipv4.ip_local_port_range`",
            format!("{}{port_count}", ports.replace(' ', "–")),
            "connections from one source address to one destination",
        ),
        (
            "accept backlog",
            "`net.core.somaxconn`",
            read("/proc/sys/net/core/somaxconn"),
            "connections waiting for `accept` (the `listen` argument is capped to it)",
        ),
        (
            "half-open connections",
            "`net.ipv4.tcp_max_syn_backlog`",
            read("/proc/sys/net/ipv4/tcp_max_syn_backlog"),
            "handshakes in progress",
        ),
        (
            "process and thread ids",
            "`kernel.pid_max`",
            read("/proc/sys/kernel/pid_max"),
            "threads and processes on the whole machine",
        ),
        (
            "threads",
            "`kernel.threads-max`",
            read("/proc/sys/kernel/threads-max"),
            "threads on the whole machine",
        ),
        (
            "memory mappings per process",
            "`vm.max_map_count`",
            read("/proc/sys/vm/max_map_count"),
            "thread stacks (and their guard pages) in one process",
        ),
        ("memory", "`/proc/meminfo`", memory, "everything else"),
    ] {
        table.push(vec![
            limit.to_string(),
            place.to_string(),
            value,
            bounds.to_string(),
        ]);
    }
    table
}

/// The lab's own logic on small numbers: each Rust server echoes for the load generator
/// of 09.1, and the helpers read what the load-generator process writes.
#[cfg(test)]
mod tests {
    use super::*;
    use ch09_c10k::ex01_loadgen::run;

    fn check(name: &str, serve: fn(TcpListener)) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        // The server runs for ever; the test process ends it.
        thread::spawn(move || serve(listener));
        let plan = Plan {
            idle: 20,
            active: 4,
            requests: 50,
            line_len: LINE,
            ..Plan::new(addr)
        };
        let report = support::timeout(move || run(&plan).unwrap());
        assert_eq!(report.idle_held, 20, "{name}");
        assert_eq!(report.active.completed, 200, "{name}: {report:?}");
        assert_eq!(report.active.errors.total(), 0, "{name}");
    }

    #[test]
    fn every_rust_server_echoes_while_idle_clients_wait() {
        check("threads", serve_threads);
        check("green", serve_green);
        check("tokio current_thread", |l| serve_tokio(l, false));
        check("tokio multi-thread", |l| serve_tokio(l, true));
        check("smol", serve_smol);
        check("course runtime", serve_course);
    }

    #[test]
    fn a_pool_with_its_workers_held_by_idle_clients_answers_nobody() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || serve_pool(listener, 2));
        let plan = Plan {
            idle: 2,
            active: 1,
            time_limit: Duration::from_millis(300),
            ..Plan::new(addr)
        };
        let report = support::timeout(move || run(&plan).unwrap());
        assert_eq!(report.active.completed, 0);
        assert_eq!(report.active.errors.timed_out, 1);
    }

    #[test]
    fn the_load_generators_replies_are_read_back() {
        let (n, errors) = held("1200 0 3 1 0");
        assert_eq!(n, 1200);
        assert_eq!((errors.reset, errors.timed_out), (3, 1));
        assert_eq!(describe_errors(&errors), "3 reset, 1 timed out");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(999), "999");
    }
}
