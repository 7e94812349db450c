//! Watching and steering OS threads from a test, through the kernel (Linux).
//!
//! Two things a test of threads cannot do with a clock, and can do with the scheduler:
//!
//! - **Tell a wait that parks from one that spins.** A thread that blocks (a `join`, a
//!   `recv`, a condvar, a mutex) sleeps in the kernel and uses no CPU until it is woken.
//!   One that loops on `try_recv`, `is_finished` or `yield_now` stays runnable; one that
//!   polls (`sleep`, check, `sleep`) wakes up again and again. [`assert_parks`] looks at
//!   the thread's state, its count of context switches and its CPU time in `/proc`,
//!   which the kernel keeps: a parked thread adds to none of them, however slow the
//!   machine, and nothing is compared with a clock.
//! - **Force a thread off its CPU at a chosen point.** [`pin_to_one_cpu`] keeps the
//!   calling thread, and every thread it starts afterwards, on one CPU, and
//!   [`yield_to_every_waker`] puts the calling thread in the kernel's `SCHED_IDLE` class.
//!   The scheduler's rule is that an ordinary thread woken on a CPU preempts an idle-class
//!   thread running there at once: the idle thread stops right where it woke the other
//!   (at the return of the system call that woke it, for example in a mutex's `unlock` or
//!   a condvar's `notify_all`), and does not run again until the woken thread sleeps.
//!   A test uses it to make "another thread slips in between these two lines" happen
//!   every time instead of once in a thousand runs.
//!
//! Elsewhere than Linux the steering functions do nothing and say so (they return
//! `false` or `None`), so that the tests still run there, without the forcing.

use crate::{PATIENCE, within_patience};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// An OS thread's id as the kernel knows it (Linux's `gettid`), to look it up in `/proc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tid(pub i32);

/// The calling thread's kernel id.
pub fn current_tid() -> Tid {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `gettid` has no preconditions and cannot fail.
        Tid(unsafe { libc::gettid() })
    }
    #[cfg(not(target_os = "linux"))]
    {
        Tid(0)
    }
}

/// Whether this machine lets the tests watch threads in `/proc` ([`assert_parks`],
/// [`wait_until_asleep`]). True on Linux.
pub fn can_watch_threads() -> bool {
    cfg!(target_os = "linux") && std::path::Path::new("/proc/thread-self/stat").exists()
}

/// How many times thread `tid` has gone to sleep in the kernel so far (its voluntary
/// context switches: a sleep, a blocking read, a lock or a condvar it had to wait for).
/// A thread that only computes adds none, however long it runs and however often it is
/// preempted (those switches are counted apart). `None` where [`can_watch_threads`] is
/// false.
pub fn sleeps_so_far(tid: Tid) -> Option<u64> {
    if !can_watch_threads() {
        return None;
    }
    let status = std::fs::read_to_string(format!("/proc/self/task/{}/status", tid.0)).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("voluntary_ctxt_switches:"))?
        .trim()
        .parse()
        .ok()
}

/// What `/proc` says about one thread at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sample {
    /// `S`: asleep, waiting for something. `R`: running or ready to run.
    state: char,
    /// Context switches so far: each time the thread went to sleep or was taken off its
    /// CPU. A thread that stays asleep does not add any.
    switches: u64,
    /// CPU time used so far, in the finest unit the kernel gives (nanoseconds from
    /// `schedstat`, else clock ticks from `stat`). A thread that stays asleep uses none.
    ///
    /// The state and the switches alone can be fooled: a loop on a call that looks for
    /// something and returns at once (`try_wait`: the kernel marks the thread asleep while
    /// it looks, and running again when it finds nothing) is often *seen* in state `S`,
    /// and a thread alone on its CPU adds no switches however long it spins. Its CPU time
    /// gives it away.
    cpu: u64,
}

fn sample(tid: Tid) -> Option<Sample> {
    let dir = format!("/proc/self/task/{}", tid.0);
    let stat = std::fs::read_to_string(format!("{dir}/stat")).ok()?;
    // `pid (name) state ...`: the name may hold spaces or brackets, so cut at the last `)`.
    let after_name: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
    let state = after_name.first()?.chars().next()?;
    let status = std::fs::read_to_string(format!("{dir}/status")).ok()?;
    let switches = status
        .lines()
        .filter(|line| line.contains("ctxt_switches:"))
        .filter_map(|line| line.split(':').nth(1)?.trim().parse::<u64>().ok())
        .sum();
    let nanos = std::fs::read_to_string(format!("{dir}/schedstat"))
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse::<u64>().ok());
    // `utime` and `stime` are fields 14 and 15 of `stat`: 11 and 12 after the state.
    let ticks = || -> Option<u64> {
        Some(after_name.get(11)?.parse::<u64>().ok()? + after_name.get(12)?.parse::<u64>().ok()?)
    };
    let cpu = nanos.or_else(ticks)?;
    Some(Sample {
        state,
        switches,
        cpu,
    })
}

/// How long a parked thread must stay asleep, untouched, to count as parked. Any thread
/// that polls more often than this (every millisecond, say) is seen waking up.
const STILL_FOR: Duration = Duration::from_millis(50);

/// Waits until thread `tid` sleeps in the kernel and stays asleep, without waking once
/// and without using any CPU, for a while: the sign of a wait that parks. Panics if that
/// never happens within the [`PATIENCE`], with a message that says the wait for
/// `waiting_for` spins, and `hint`.
///
/// Call it while the thing waited for is held back by the test, and let it go afterwards.
/// It measures nothing: a parked thread is seen parked as soon as it gets there, however
/// busy the machine, and a spinning one never, since it keeps using CPU. Does nothing
/// where [`can_watch_threads`] is false.
pub fn assert_parks(tid: Tid, waiting_for: &str, hint: &str) {
    if !can_watch_threads() {
        return;
    }
    let mut last = None;
    let parked = within_patience(|| {
        stays_asleep(tid, &mut last).unwrap_or_else(|| {
            panic!(
                "the thread that should be waiting for {waiting_for} has ended: it did not \
                 wait at all"
            )
        })
    });
    if parked {
        return;
    }
    let seen = match last {
        Some(Sample { state: 'S', .. }) => "it kept waking up to look",
        _ => "it kept running",
    };
    panic!(
        "while it waited for {waiting_for}, the thread never went to sleep: {seen} for {} s. \
         A wait that spins (a loop on `try_recv`, `try_lock`, `try_wait`, `is_finished`, \
         or `yield_now`) or polls (`sleep`, check, `sleep`) burns a core that other \
         threads need; block instead, so the kernel wakes the thread when there is \
         something to do. {hint}",
        PATIENCE.as_secs()
    );
}

/// Waits until thread `tid` is asleep in the kernel (blocked on a lock, a channel, a
/// read...) and stays so, untouched, as [`assert_parks`] sees it, for at most the
/// [`PATIENCE`]; panics with `what` if it never is. For setting up a scene: "thread A is
/// now waiting for the lock" (a glimpse of it asleep is not enough: a thread on its way
/// there can be seen asleep for an instant inside another system call). Does nothing
/// where [`can_watch_threads`] is false.
pub fn wait_until_asleep(tid: Tid, what: &str) {
    if !can_watch_threads() {
        return;
    }
    let asleep = within_patience(|| {
        stays_asleep(tid, &mut None).unwrap_or_else(|| panic!("{what}: the thread ended instead"))
    });
    assert!(
        asleep,
        "{what}: the thread never went to sleep (probably a spinning wait)"
    );
}

/// Waits (at most the [`PATIENCE`]) until thread `tid` sleeps in a futex wait (a mutex, a
/// condvar, a park: the system call that `/proc/PID/task/TID/syscall` shows) and stays
/// there, untouched. For a scene like "the server's thread now waits for the lock the
/// test holds", told apart from a thread asleep in `epoll_wait` because it has nothing to
/// do yet. False if it never does; where threads cannot be watched, false at once.
pub fn wait_until_blocked_in_futex(tid: Tid) -> bool {
    #[cfg(target_os = "linux")]
    {
        if !can_watch_threads() {
            return false;
        }
        let in_futex = || {
            std::fs::read_to_string(format!("/proc/self/task/{}/syscall", tid.0))
                .ok()
                .and_then(|text| text.split_whitespace().next()?.parse::<libc::c_long>().ok())
                == Some(libc::SYS_futex)
        };
        within_patience(|| in_futex() && stays_asleep(tid, &mut None) == Some(true) && in_futex())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = tid;
        false
    }
}

/// Whether thread `tid` is asleep now and still asleep [`STILL_FOR`] later, with not one
/// more context switch and not one more nanosecond of CPU; `None` if it has ended. `last`
/// gets the latest sample, for a message.
fn stays_asleep(tid: Tid, last: &mut Option<Sample>) -> Option<bool> {
    let before = sample(tid)?;
    *last = Some(before);
    if before.state != 'S' {
        return Some(false);
    }
    thread::sleep(STILL_FOR);
    *last = sample(tid);
    Some(*last == Some(before))
}

/// A thread started by [`spawn_watched`]: its kernel id, to watch it with
/// [`assert_parks`] or [`wait_until_asleep`], and its handle.
#[derive(Debug)]
pub struct Watched<T> {
    /// The thread's id in the kernel.
    pub tid: Tid,
    /// The thread.
    pub thread: thread::JoinHandle<T>,
}

/// Starts `f` on a new thread named `name` (the name shows in its panics), and returns as
/// soon as that thread has told its kernel id, before `f` runs.
pub fn spawn_watched<T, F>(name: &str, f: F) -> Watched<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (tell, told) = mpsc::channel();
    let thread = thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let _ = tell.send(current_tid());
            f()
        })
        .expect("the test could not start a thread");
    let tid = told
        .recv()
        .expect("the watched thread ended before it started");
    Watched { tid, thread }
}

/// Keeps the calling thread on one CPU (the first it may use), and with it every thread
/// it starts from now on. Dropping the returned guard puts the calling thread back on all
/// the CPUs it had; threads started meanwhile stay where they are. `None` where the
/// machine does not allow it.
#[must_use = "the pin lasts while the guard lives"]
pub fn pin_to_one_cpu() -> Option<CpuPin> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `cpu_set_t` is plain data (zeroes are an empty set), and the calls are
        // given its real size; 0 means the calling thread.
        unsafe {
            let mut all: libc::cpu_set_t = std::mem::zeroed();
            let size = std::mem::size_of::<libc::cpu_set_t>();
            if libc::sched_getaffinity(0, size, &mut all) != 0 {
                return None;
            }
            let cpu = (0..libc::CPU_SETSIZE as usize).find(|&cpu| libc::CPU_ISSET(cpu, &all))?;
            let mut one: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(cpu, &mut one);
            if libc::sched_setaffinity(0, size, &one) != 0 {
                return None;
            }
            Some(CpuPin { all })
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// The pin [`pin_to_one_cpu`] made; dropping it lifts the pin on the calling thread.
pub struct CpuPin {
    #[cfg(target_os = "linux")]
    all: libc::cpu_set_t,
}

impl std::fmt::Debug for CpuPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CpuPin")
    }
}

impl Drop for CpuPin {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        // SAFETY: as in `pin_to_one_cpu`. A failure leaves the thread pinned, which is
        // harmless: it is a test's thread, and it ends with the test.
        unsafe {
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &self.all);
        }
    }
}

/// Puts the calling thread in the kernel's `SCHED_IDLE` class for the rest of its life:
/// whenever it wakes an ordinary thread that shares its CPU, the woken thread runs at
/// once and this one waits until that thread sleeps again. Returns `false` where that is
/// not allowed (not Linux, or the system refuses it), so the caller can say the scene
/// was not forced.
///
/// Only for threads that end with the test: a thread cannot leave the class again.
pub fn yield_to_every_waker() -> bool {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: 0 means the calling thread; `param` is a valid `sched_param`.
        unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) == 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}
