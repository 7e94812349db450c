//! Exercise 09.3: measuring a server from outside, through `/proc`.
//!
//! Book: `book/src/ch09-c10k/measuring.md`. The same four numbers for every server,
//! whatever it is written in: resident memory, CPU time, threads and open descriptors.
//! Where there is no `/proc`, each number is `None`, never a made-up zero.

use std::io;
use std::time::Duration;

/// One look at a process. `None` means "cannot be measured here", not zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sample {
    /// Resident memory (`VmRSS`), in bytes: the pages that are really in RAM.
    pub rss_bytes: Option<u64>,
    /// CPU time used so far, user and system together.
    pub cpu: Option<Duration>,
    /// OS threads in the process.
    pub threads: Option<u64>,
    /// Open file descriptors: sockets, files, pipes, epoll instances...
    pub open_fds: Option<u64>,
}

/// Clock ticks per second, the unit of the CPU times in `/proc/PID/stat`. 100 on every
/// Linux that matters (`getconf CLK_TCK`).
pub const TICKS_PER_SECOND: u64 = 100;

/// Reads `VmRSS` (in bytes) and `Threads` from the text of `/proc/PID/status`.
pub fn parse_status(status: &str) -> (Option<u64>, Option<u64>) {
    todo!("find the VmRSS: and Threads: lines; VmRSS is in kB")
}

/// Reads the CPU time (user + system) from the text of `/proc/PID/stat`, whose times are
/// in clock ticks.
pub fn parse_stat_cpu(stat: &str, ticks_per_second: u64) -> Option<Duration> {
    todo!("count the fields after the last ')': utime and stime are fields 14 and 15")
}

/// Samples process `pid`. On Linux every field is read from `/proc/PID`; an error means
/// the process is gone (or not ours to read). Elsewhere the sample is all `None`.
pub fn sample(pid: u32) -> io::Result<Sample> {
    todo!("read /proc/PID/status and /proc/PID/stat, and count the entries of /proc/PID/fd")
}

/// What a [`Sample`] cannot say on this system, in words, for the lab to print instead
/// of zeros. Empty when everything was measured.
pub fn unmeasured(sample: &Sample) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if sample.rss_bytes.is_none() {
        missing.push("resident memory");
    }
    if sample.cpu.is_none() {
        missing.push("CPU time");
    }
    if sample.threads.is_none() {
        missing.push("threads");
    }
    if sample.open_fds.is_none() {
        missing.push("open descriptors");
    }
    missing
}
