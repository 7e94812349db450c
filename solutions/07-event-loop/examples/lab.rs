//! Chapter 07 lab: the same echo served by the course's runtime, tokio's current-thread
//! runtime and smol, each in a server process of its own, driven by a load generator in
//! another process. Measures server CPU per request, memory per idle connection, and
//! system calls per request.
//!
//! ```text
//! cargo run --release -p ch07-event-loop-solution --example ch07-lab            # the book's figures
//! cargo run --release -p ch07-event-loop-solution --example ch07-lab -- --quick # a short run
//! ```
//!
//! Loopback only, a fixed number of requests and connections, and every child process
//! ends when the lab closes its stdin. CPU and memory come from Linux's `/proc`; on other
//! systems the lab says so and stops. System calls are counted with `strace -c -f` when it
//! is installed (the row is skipped otherwise).

use std::cell::RefCell;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::chart::{BarChart, Figures, Samples, Table, Unit};

/// The three servers, by the name the lab passes to `serve`.
const RUNTIMES: [&str; 3] = ["course", "tokio", "smol"];

/// The size of one echo request.
const MESSAGE: usize = 1024;

/// Concurrent clients in the CPU runs.
const CLIENTS: usize = 10;

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1]),
        Some("load") => load(&args[1..]),
        Some("idle") => idle(&args[1..]),
        _ => drive(args.iter().any(|a| a == "--quick")),
    }
}

// ---------------------------------------------------------------------------------------
// The servers. Each task reads into one buffer shared by the whole thread and writes the
// bytes back; only a write that would block keeps bytes of its own. An idle connection
// is therefore a task waiting for "readable", and nothing else.
// ---------------------------------------------------------------------------------------

thread_local! {
    /// The read buffer every connection of this thread shares.
    static BUFFER: RefCell<Vec<u8>> = RefCell::new(vec![0; 64 * 1024]);
}

/// Reads what `read` gives into the shared buffer: `Ok(None)` if it would block,
/// `Ok(Some(bytes))` otherwise (empty at end of file).
fn read_shared(
    mut read: impl FnMut(&mut [u8]) -> io::Result<usize>,
) -> io::Result<Option<Vec<u8>>> {
    BUFFER.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        match read(&mut buffer) {
            Ok(n) => Ok(Some(buffer[..n].to_vec())),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    })
}

/// Serves the echo on 127.0.0.1 with `runtime`, prints the port, and exits when stdin
/// closes.
fn serve(runtime: &str) -> io::Result<()> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    println!("{}", listener.local_addr()?.port());
    io::stdout().flush()?;
    std::thread::spawn(|| {
        // The lab closes our stdin to stop us.
        let _ = io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
    match runtime {
        "course" => serve_course(listener),
        "tokio" => serve_tokio(listener),
        "smol" => serve_smol(listener),
        other => panic!("no runtime called {other}"),
    }
}

// ANCHOR: course
fn serve_course(listener: std::net::TcpListener) -> io::Result<()> {
    use ch07_event_loop::ex05_runtime::{TcpListener, block_on, spawn};
    block_on(async move {
        let listener = TcpListener::from_std(listener)?;
        loop {
            let (stream, _) = listener.accept().await?;
            spawn(async move {
                loop {
                    stream.readable().await?;
                    let Some(bytes) = read_shared(|buf| stream.get_ref().read(buf))? else {
                        continue; // the readiness was stale
                    };
                    if bytes.is_empty() {
                        return Ok::<(), io::Error>(());
                    }
                    let mut rest = &bytes[..];
                    while !rest.is_empty() {
                        match stream.get_ref().write(rest) {
                            Ok(n) => rest = &rest[n..],
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                                stream.writable().await?
                            }
                            Err(e) => return Err(e),
                        }
                    }
                }
            });
        }
    })
}
// ANCHOR_END: course

fn serve_tokio(listener: std::net::TcpListener) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        loop {
            let (stream, _) = listener.accept().await?;
            tokio::spawn(async move {
                loop {
                    stream.readable().await?;
                    let Some(bytes) = read_shared(|buf| stream.try_read(buf))? else {
                        continue;
                    };
                    if bytes.is_empty() {
                        return Ok::<(), io::Error>(());
                    }
                    let mut rest = &bytes[..];
                    while !rest.is_empty() {
                        match stream.try_write(rest) {
                            Ok(n) => rest = &rest[n..],
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                                stream.writable().await?
                            }
                            Err(e) => return Err(e),
                        }
                    }
                }
            });
        }
    })
}

fn serve_smol(listener: std::net::TcpListener) -> io::Result<()> {
    let executor = smol::LocalExecutor::new();
    smol::block_on(executor.run(async {
        let listener = smol::Async::new(listener)?;
        loop {
            let (stream, _) = listener.accept().await?;
            executor
                .spawn(async move {
                    loop {
                        stream.readable().await?;
                        let Some(bytes) = read_shared(|buf| stream.get_ref().read(buf))? else {
                            continue;
                        };
                        if bytes.is_empty() {
                            return Ok::<(), io::Error>(());
                        }
                        let mut rest = &bytes[..];
                        while !rest.is_empty() {
                            match stream.get_ref().write(rest) {
                                Ok(n) => rest = &rest[n..],
                                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                                    stream.writable().await?
                                }
                                Err(e) => return Err(e),
                            }
                        }
                    }
                })
                .detach();
        }
    }))
}

// ---------------------------------------------------------------------------------------
// The load generator: a process of its own, so that the servers' figures are theirs alone
// and 10,000 client sockets do not share a process's file limit with 10,000 server ones.
// ---------------------------------------------------------------------------------------

/// `load PORT CLIENTS REQUESTS`: CLIENTS blocking clients, each sending REQUESTS
/// messages of MESSAGE bytes one after another and reading each echo back.
fn load(args: &[String]) -> io::Result<()> {
    let port: u16 = args[0].parse().expect("a port");
    let clients: usize = args[1].parse().expect("a client count");
    let requests: usize = args[2].parse().expect("a request count");
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            std::thread::spawn(move || -> io::Result<()> {
                let mut stream = TcpStream::connect(addr)?;
                stream.set_nodelay(true)?;
                stream.set_read_timeout(Some(Duration::from_secs(10)))?;
                let message = vec![b'x'; MESSAGE];
                let mut back = vec![0; MESSAGE];
                for _ in 0..requests {
                    stream.write_all(&message)?;
                    stream.read_exact(&mut back)?;
                }
                Ok(())
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("a client thread panicked")?;
    }
    println!("done");
    Ok(())
}

/// `idle PORT N`: opens N connections, makes each one echo a byte (so the server has
/// surely accepted it), says "ready", and holds them until stdin closes.
fn idle(args: &[String]) -> io::Result<()> {
    let port: u16 = args[0].parse().expect("a port");
    let n: usize = args[1].parse().expect("a connection count");
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut streams = Vec::with_capacity(n);
    for _ in 0..n {
        let stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        streams.push(stream);
    }
    for mut stream in &streams {
        stream.write_all(b"x")?;
    }
    for mut stream in &streams {
        stream.read_exact(&mut [0])?;
    }
    println!("ready");
    io::stdout().flush()?;
    let _ = io::stdin().read_to_end(&mut Vec::new());
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The driver.
// ---------------------------------------------------------------------------------------

/// A child process of this lab (a server or a client), stopped by closing its stdin.
struct Process {
    child: Child,
    stdout: BufReader<std::process::ChildStdout>,
}

impl Process {
    fn start(args: &[&str], under_strace: Option<&str>) -> io::Result<Process> {
        let me = std::env::current_exe()?;
        let mut command = match under_strace {
            Some(output) => {
                let mut c = Command::new("strace");
                c.args(["-c", "-f", "-o", output]).arg(&me);
                c
            }
            None => Command::new(&me),
        };
        let mut child = command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        Ok(Process { child, stdout })
    }

    fn line(&mut self) -> io::Result<String> {
        let mut line = String::new();
        self.stdout.read_line(&mut line)?;
        Ok(line.trim().to_string())
    }

    /// Closes stdin and waits for the process to end.
    fn stop(mut self) -> io::Result<()> {
        drop(self.child.stdin.take());
        self.child.wait()?;
        Ok(())
    }
}

/// A server process and its port.
fn start_server(runtime: &str, under_strace: Option<&str>) -> io::Result<(Process, u16)> {
    let mut server = Process::start(&["serve", runtime], under_strace)?;
    let port = server.line()?.parse().expect("the server prints its port");
    Ok((server, port))
}

/// CPU time of every thread of process `pid`, from `/proc/PID/task/*/schedstat` (its
/// first field is nanoseconds on a CPU).
fn cpu_time(pid: u32) -> io::Result<Duration> {
    let mut total = 0u64;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let stat = std::fs::read_to_string(task?.path().join("schedstat"))?;
        total += stat
            .split_whitespace()
            .next()
            .unwrap_or("0")
            .parse::<u64>()
            .unwrap_or(0);
    }
    Ok(Duration::from_nanos(total))
}

/// Resident memory of process `pid` in bytes, from `/proc/PID/status`.
fn rss(pid: u32) -> io::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmRSS in /proc/PID/status");
    Ok(kib * 1024)
}

/// Server CPU nanoseconds per request for one run of `requests` requests.
fn cpu_per_request(runtime: &str, per_client: usize) -> io::Result<f64> {
    let (server, port) = start_server(runtime, None)?;
    let pid = server.child.id();
    let port = port.to_string();
    // A short warm-up, so that the run does not measure the first allocations.
    let mut warm = Process::start(&["load", &port, "2", "200"], None)?;
    assert_eq!(warm.line()?, "done");
    warm.stop()?;
    let before = cpu_time(pid)?;
    let mut load = Process::start(
        &["load", &port, &CLIENTS.to_string(), &per_client.to_string()],
        None,
    )?;
    assert_eq!(load.line()?, "done", "the load generator did not finish");
    load.stop()?;
    let used = cpu_time(pid)? - before;
    server.stop()?;
    Ok(used.as_nanos() as f64 / (CLIENTS * per_client) as f64)
}

/// Server memory growth per connection with `n` idle connections.
fn memory_per_connection(runtime: &str, n: usize) -> io::Result<f64> {
    let (server, port) = start_server(runtime, None)?;
    let pid = server.child.id();
    let port = port.to_string();
    // Warm up with a few connections, so that the runtime's own start-up is not counted.
    let mut warm = Process::start(&["idle", &port, "10"], None)?;
    assert_eq!(warm.line()?, "ready");
    warm.stop()?;
    std::thread::sleep(Duration::from_millis(200));
    let before = rss(pid)?;
    let mut idle = Process::start(&["idle", &port, &n.to_string()], None)?;
    assert_eq!(
        idle.line()?,
        "ready",
        "the idle clients could not all connect"
    );
    let after = rss(pid)?;
    idle.stop()?;
    server.stop()?;
    Ok(after.saturating_sub(before) as f64 / n as f64)
}

/// System calls per request, counted by `strace -c -f` over a run of `requests`
/// requests (warm-up included in neither), with the busiest calls named.
fn syscalls_per_request(runtime: &str, per_client: usize) -> io::Result<Option<(f64, String)>> {
    let output = std::env::temp_dir().join(format!(
        "ch07-lab-strace-{runtime}-{}.txt",
        std::process::id()
    ));
    let output_str = output.to_string_lossy().to_string();
    let Ok((server, port)) = start_server(runtime, Some(&output_str)) else {
        return Ok(None);
    };
    let port = port.to_string();
    let mut load = Process::start(
        &["load", &port, &CLIENTS.to_string(), &per_client.to_string()],
        None,
    )?;
    assert_eq!(load.line()?, "done");
    load.stop()?;
    server.stop()?;
    let report = std::fs::read_to_string(&output)?;
    let _ = std::fs::remove_file(&output);
    // strace -c: "% time  seconds  usecs/call  calls  errors  syscall", then a total.
    let mut calls: Vec<(u64, String)> = report
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let name = *fields.last()?;
            let count = fields.get(3)?.parse::<u64>().ok()?;
            (name != "total").then(|| (count, name.to_string()))
        })
        .collect();
    calls.sort_by_key(|c| std::cmp::Reverse(c.0));
    let requests = (CLIENTS * per_client) as f64;
    let total: u64 = calls.iter().map(|c| c.0).sum();
    let top = calls
        .iter()
        .take(5)
        .filter(|(count, _)| *count as f64 / requests >= 0.05)
        .map(|(count, name)| format!("{name} {:.2}", *count as f64 / requests))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(Some((total as f64 / requests, top)))
}

fn strace_available() -> bool {
    Command::new("strace")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn drive(quick: bool) -> io::Result<()> {
    if !cfg!(target_os = "linux") {
        println!(
            "This lab reads CPU time and memory from Linux's /proc; it has nothing to measure here."
        );
        return Ok(());
    }
    let (runs, per_client, idle_n) = if quick {
        (1, 1_000, 1_000)
    } else {
        (5, 10_000, 10_000)
    };
    let figures = if quick {
        Figures::in_dir(std::env::temp_dir().join("ch07-lab-quick"))
    } else {
        Figures::for_chapter(env!("CARGO_MANIFEST_DIR"), "ch07-event-loop")
    };
    let started = Instant::now();
    println!(
        "{runs} run(s) per runtime: {CLIENTS} clients x {per_client} requests of {MESSAGE} B; \
         {idle_n} idle connections"
    );

    // Interleaved: run 1 of each runtime, then run 2 of each, … so that a neighbour's
    // busy minute lands on every runtime alike.
    let mut cpu: Vec<Vec<f64>> = vec![Vec::new(); RUNTIMES.len()];
    let mut memory: Vec<Vec<f64>> = vec![Vec::new(); RUNTIMES.len()];
    for run in 1..=runs {
        for (i, runtime) in RUNTIMES.iter().enumerate() {
            let ns = cpu_per_request(runtime, per_client)?;
            let bytes = memory_per_connection(runtime, idle_n)?;
            println!(
                "run {run}: {runtime:6} {:>8.2} µs CPU per request, {:>6.0} B per idle connection",
                ns / 1000.0,
                bytes
            );
            cpu[i].push(ns);
            memory[i].push(bytes);
        }
    }

    let mut syscalls = Vec::new();
    if strace_available() {
        for runtime in RUNTIMES {
            syscalls.push(syscalls_per_request(runtime, per_client / 10)?);
        }
    } else {
        println!("strace is not installed: no system-call counts");
    }

    let cpu: Vec<Samples> = cpu.iter().map(|v| Samples::of(v)).collect();
    let memory: Vec<Samples> = memory.iter().map(|v| Samples::of(v)).collect();
    let label = |r: &str| match r {
        "course" => "the course's runtime (07.5)",
        "tokio" => "tokio, current_thread",
        _ => "smol (LocalExecutor)",
    };

    let mut table = Table::new([
        "server",
        "CPU per request",
        "vs tokio (medians)",
        "memory per idle connection",
        "system calls per request",
    ]);
    for (i, runtime) in RUNTIMES.iter().enumerate() {
        let calls = match syscalls.get(i) {
            Some(Some((total, top))) => format!("{total:.1} ({top})"),
            _ => "not counted".to_string(),
        };
        table.push(vec![
            label(runtime).to_string(),
            Unit::Nanos.range(&cpu[i]),
            Unit::Times.format(cpu[i].median / cpu[1].median),
            Unit::Bytes.range(&memory[i]),
            calls,
        ]);
    }
    figures.write("lab-table.md", &table.to_markdown())?;

    let runs_note = format!("median and min–max of {runs} runs; 2-core VM, shared");
    let mut chart = BarChart::new(
        format!("Server CPU per request ({CLIENTS} clients, 1 KiB echo)"),
        Unit::Nanos,
    )
    .note(runs_note.clone());
    for (i, runtime) in RUNTIMES.iter().enumerate() {
        chart = if i == 0 {
            chart.highlighted_bar(label(runtime), cpu[i])
        } else {
            chart.bar(label(runtime), cpu[i])
        };
    }
    figures.write("cpu-per-request.svg", &chart.to_svg())?;

    let mut chart = BarChart::new(
        format!("Server memory per idle connection ({idle_n} connections)"),
        Unit::Bytes,
    )
    .note(runs_note);
    for (i, runtime) in RUNTIMES.iter().enumerate() {
        chart = if i == 0 {
            chart.highlighted_bar(label(runtime), memory[i])
        } else {
            chart.bar(label(runtime), memory[i])
        };
    }
    figures.write("memory-per-connection.svg", &chart.to_svg())?;

    println!("{}", table.to_markdown());
    println!("lab done in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}
