//! Exercise 09.1: a load generator that is a good citizen.
//!
//! Book: `book/src/ch09-c10k/load-generator.md`. It holds idle connections open, runs
//! active clients that send a line and wait for its echo, and reports latency percentiles
//! and errors by kind: bounded in count and in time, and aimed at loopback unless told.

use std::fmt;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

/// What to do to the server: how many connections of each kind, for how long.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Where to connect. Idle connections are spread over these in turn, so that a run can
    /// go past the ephemeral ports that one destination allows; active clients use the
    /// first.
    pub targets: Vec<SocketAddr>,
    /// Connections opened and then held without a word, as most C10K clients are.
    pub idle: usize,
    /// Clients that send a line, wait for its echo, and send the next.
    pub active: usize,
    /// Round trips per active client: the run is bounded in count...
    pub requests: u64,
    /// ...and in time: after this, every client stops, finished or not.
    pub time_limit: Duration,
    /// How long one connect or one read may take before it counts as timed out.
    pub io_timeout: Duration,
    /// Bytes per request, newline included (at least 1).
    pub line_len: usize,
    /// Loopback only unless this is set: a load test aimed at somebody else's server by a
    /// typo is an attack.
    pub allow_remote: bool,
}

impl Plan {
    /// A small plan against one loopback address: no idle connections, one active client
    /// making 10 requests of 32 bytes, 1 s per operation, 10 s in all.
    pub fn new(target: SocketAddr) -> Plan {
        Plan {
            targets: vec![target],
            idle: 0,
            active: 1,
            requests: 10,
            time_limit: Duration::from_secs(10),
            io_timeout: Duration::from_secs(1),
            line_len: 32,
            allow_remote: false,
        }
    }
}

/// Why a plan was refused before any connection was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanError {
    /// The plan has no target.
    NoTarget,
    /// A target is not a loopback address and `allow_remote` is not set.
    NotLoopback(SocketAddr),
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::NoTarget => write!(f, "the plan has no target"),
            PlanError::NotLoopback(addr) => write!(
                f,
                "{addr} is not a loopback address; set allow_remote to load another machine"
            ),
        }
    }
}

impl std::error::Error for PlanError {}

/// The kinds of failure a load test reports, instead of panicking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Failure {
    /// Nobody listens there (`ECONNREFUSED`), or the backlog is full on some systems.
    Refused,
    /// The server dropped the connection abruptly (`ECONNRESET`, a broken pipe, or a
    /// close in the middle of an answer).
    Reset,
    /// No answer within `io_timeout`, or the run's time limit came first.
    TimedOut,
    /// Anything else (out of files, out of ports, ...).
    Other,
}

/// How many failures of each kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Errors {
    pub refused: u64,
    pub reset: u64,
    pub timed_out: u64,
    pub other: u64,
}

impl Errors {
    /// Counts one failure.
    pub fn count(&mut self, failure: Failure) {
        match failure {
            Failure::Refused => self.refused += 1,
            Failure::Reset => self.reset += 1,
            Failure::TimedOut => self.timed_out += 1,
            Failure::Other => self.other += 1,
        }
    }

    /// Adds another set of counts to these.
    pub fn add(&mut self, other: &Errors) {
        self.refused += other.refused;
        self.reset += other.reset;
        self.timed_out += other.timed_out;
        self.other += other.other;
    }

    /// All failures, whatever their kind.
    pub fn total(&self) -> u64 {
        self.refused + self.reset + self.timed_out + self.other
    }
}

/// What the active clients did.
#[derive(Clone, Debug)]
pub struct Active {
    /// Round trips that got their echo back, whole and unchanged.
    pub completed: u64,
    /// Latency of each completed round trip, in microseconds.
    pub latency: Histogram<u64>,
    pub errors: Errors,
}

/// What a whole run did.
#[derive(Clone, Debug)]
pub struct Report {
    /// Idle connections that were open while the active clients ran.
    pub idle_held: usize,
    /// Failures while opening the idle connections.
    pub idle_errors: Errors,
    pub active: Active,
}

/// A histogram for latencies from 1 µs to 1 hour, to 3 significant digits.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds")
}

/// The request an active client sends: `len - 1` bytes of `x` and a newline.
pub fn request_line(len: usize) -> Vec<u8> {
    let mut line = vec![b'x'; len.max(1)];
    *line.last_mut().unwrap() = b'\n';
    line
}

/// Which kind of failure `error` is.
pub fn classify(error: &io::Error) -> Failure {
    todo!("match on error.kind(): refused, reset (and its cousins), timed out, or other")
}

/// Opens `count` connections, the i-th to `targets[i % targets.len()]`, each within
/// `timeout`. Stops at the first failure, which it counts in `errors`: once connecting
/// fails, the next attempt would almost surely fail the same way. Returns the open ones.
pub fn open_idle(
    targets: &[SocketAddr],
    count: usize,
    timeout: Duration,
    errors: &mut Errors,
) -> Vec<TcpStream> {
    todo!(
        "connect_timeout to each target in turn; keep the streams; stop at the first error, counted"
    )
}

/// One active client (for `run_active`): connects to `target`, then makes up to `plan.requests` round trips,
/// stopping at the first failure or at `deadline`.
pub fn one_client(target: SocketAddr, plan: &Plan, deadline: Instant) -> Active {
    let mut latency = new_histogram();
    let mut errors = Errors::default();
    let mut completed = 0;
    let outcome = (|| -> io::Result<()> {
        let stream = TcpStream::connect_timeout(&target, plan.io_timeout)?;
        stream.set_nodelay(true)?;
        let mut reader = BufReader::new(&stream);
        let line = request_line(plan.line_len);
        let mut echo = Vec::with_capacity(line.len());
        for _ in 0..plan.requests {
            // Each read waits at most io_timeout, and never past the run's deadline.
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::ErrorKind::TimedOut.into());
            }
            stream.set_read_timeout(Some(left.min(plan.io_timeout)))?;
            let start = Instant::now();
            (&stream).write_all(&line)?;
            echo.clear();
            reader.read_until(b'\n', &mut echo)?;
            if echo != line {
                // Closed mid-answer (a short echo) or answered with something else
                // (a refusal): either way this connection is over.
                return Err(if echo.is_empty() || line.starts_with(&echo) {
                    io::ErrorKind::UnexpectedEof.into()
                } else {
                    io::Error::other("the server answered something else than the echo")
                });
            }
            let micros = start.elapsed().as_micros().max(1) as u64;
            latency.saturating_record(micros);
            completed += 1;
        }
        Ok(())
    })();
    if let Err(error) = outcome {
        errors.count(classify(&error));
    }
    Active {
        completed,
        latency,
        errors,
    }
}

/// Runs `plan.active` clients at the same time, each on its own thread, against
/// `plan.targets[0]`, and merges what they measured.
pub fn run_active(plan: &Plan) -> Active {
    todo!(
        "one thread per client (thread::scope), each running one_client; then merge their histograms and counts"
    )
}

/// Checks the plan, opens the idle connections, runs the active clients while the idle
/// ones stay open, then closes everything.
pub fn run(plan: &Plan) -> Result<Report, PlanError> {
    todo!(
        "refuse a plan with no target or a target that is not loopback; hold the idle connections while run_active runs"
    )
}
