//! Holding a thread at the return of the wake-ups it makes, until the thread it woke has
//! run (Linux).
//!
//! Some mistakes live between two lines of a waker: `unpark` first and the flag after it,
//! a notify before the state it announces. The woken thread must run *in between* for the
//! mistake to show, and a scheduler may or may not let it: on a busy machine, or on a
//! kernel that preempts lazily, the waker often runs on. [`hold_each_wake_up`] leaves
//! nothing to the scheduler. The waking side runs on a thread whose futex wake-ups (the
//! system call behind `Thread::unpark`, a condvar's notify, the unlock of a mutex with
//! waiters) are handed to the test through seccomp's user notification: the test makes
//! the wake-up itself, waits until the woken thread has run and is asleep again (or has
//! ended), and only then lets the waking thread return from its call.
//!
//! The filter is installed on that thread alone (with `no_new_privs`, also for it alone):
//! the rest of the process is untouched, and no privilege is needed.

use crate::sched::Tid;
use std::thread;

/// Runs `waker_side` on a new thread. Each futex wake-up that thread makes is made by the
/// test instead, which then holds the thread at that call's return until thread `woken`
/// has run after the wake-up and is asleep again, untouched (as
/// [`crate::sched::wait_until_asleep`] sees it), or has ended. Returns when `waker_side`
/// has; says whether its wake-ups were held. Where the kernel does not allow it (not
/// Linux, no seccomp user notification), `waker_side` runs unheld and this says `false`,
/// so the caller can tell that the scene was not forced.
pub fn hold_each_wake_up(woken: Tid, waker_side: impl FnOnce() + Send + 'static) -> bool {
    #[cfg(target_os = "linux")]
    {
        linux::hold_each_wake_up(woken, waker_side)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = woken;
        thread::spawn(waker_side)
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        false
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use super::*;
    use crate::within_patience;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI32, Ordering};
    use std::time::Duration;

    /// Not known yet, and could not be installed.
    const UNKNOWN: i32 = -2;
    const REFUSED: i32 = -1;

    pub(super) fn hold_each_wake_up(
        woken: Tid,
        waker_side: impl FnOnce() + Send + 'static,
    ) -> bool {
        // The listener's descriptor comes back through an atomic, not a channel: once the
        // filter is on, a channel's send could itself wake the test with a futex, and be
        // held by a test that is not listening yet.
        let listener = Arc::new(AtomicI32::new(UNKNOWN));
        let theirs = Arc::clone(&listener);
        let waker = thread::Builder::new()
            .name("waker (wake-ups held)".into())
            .spawn(move || {
                theirs.store(install_filter().unwrap_or(REFUSED), Ordering::SeqCst);
                waker_side();
            })
            .expect("the test could not start a thread");
        let mut fd = UNKNOWN;
        within_patience(|| {
            fd = listener.load(Ordering::SeqCst);
            fd != UNKNOWN
        });
        if fd < 0 {
            waker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            return false;
        }
        while !waker.is_finished() {
            if readable(fd) {
                answer_one(fd, woken);
            }
        }
        // SAFETY: `fd` is the listener this thread got, and nothing else closes it.
        unsafe { libc::close(fd) };
        waker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        true
    }

    /// Puts a seccomp filter on the calling thread that sends its `FUTEX_WAKE`s to a
    /// listener; returns the listener's descriptor.
    fn install_filter() -> Option<i32> {
        use libc::{BPF_ABS, BPF_ALU, BPF_AND, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_RET, BPF_W};
        let statement = |code: u32, k: u32| libc::sock_filter {
            code: code as u16,
            jt: 0,
            jf: 0,
            k,
        };
        let jump = |code: u32, k: u32, jt: u8, jf: u8| libc::sock_filter {
            code: code as u16,
            jt,
            jf,
            k,
        };
        // `seccomp_data`: the call's number at byte 0, its arguments from byte 16 (eight
        // bytes each; the low half of the futex operation, little-endian, at byte 24).
        let filter = [
            statement(BPF_LD | BPF_W | BPF_ABS, 0),
            jump(BPF_JMP | BPF_JEQ | BPF_K, libc::SYS_futex as u32, 0, 3),
            statement(BPF_LD | BPF_W | BPF_ABS, 24),
            statement(BPF_ALU | BPF_AND | BPF_K, libc::FUTEX_CMD_MASK as u32),
            jump(BPF_JMP | BPF_JEQ | BPF_K, libc::FUTEX_WAKE as u32, 1, 0),
            statement(BPF_RET | BPF_K, libc::SECCOMP_RET_ALLOW),
            statement(BPF_RET | BPF_K, libc::SECCOMP_RET_USER_NOTIF),
        ];
        let program = libc::sock_fprog {
            len: filter.len() as u16,
            filter: filter.as_ptr() as *mut libc::sock_filter,
        };
        // SAFETY: plain system calls on the calling thread; `program` and `filter` live
        // until the call returns, and the kernel copies them.
        unsafe {
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
                return None;
            }
            let fd = libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                libc::SECCOMP_FILTER_FLAG_NEW_LISTENER,
                &program as *const libc::sock_fprog,
            );
            (fd >= 0).then_some(fd as i32)
        }
    }

    /// Whether a held call waits on `fd` (looks for a few milliseconds).
    fn readable(fd: i32) -> bool {
        let mut poll = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid `pollfd`.
        let ready = unsafe { libc::poll(&mut poll, 1, 5) };
        ready > 0 && poll.revents & libc::POLLIN != 0
    }

    /// Takes one held `FUTEX_WAKE`, makes it, waits until `woken` has run and sleeps again
    /// (or has ended), and lets the caller return with the wake-up's result.
    fn answer_one(fd: i32, woken: Tid) {
        // SAFETY: zeroed `seccomp_notif`/`seccomp_notif_resp` are valid (the kernel wants
        // the first zeroed); the ioctls get pointers to them; the futex call repeats the
        // held one's arguments in this same process, whose memory it names.
        unsafe {
            let mut call: libc::seccomp_notif = std::mem::zeroed();
            if libc::ioctl(fd, libc::SECCOMP_IOCTL_NOTIF_RECV, &mut call) != 0 {
                return; // the waking thread went away meanwhile
            }
            let switches_before = voluntary_switches(woken);
            let [address, operation, count, ..] = call.data.args;
            let result = libc::syscall(libc::SYS_futex, address, operation, count, 0, 0, 0);
            let (val, error) = if result < 0 {
                (0, *libc::__errno_location())
            } else {
                (result, 0)
            };
            wait_until_it_ran_and_sleeps(woken, switches_before);
            let mut answer: libc::seccomp_notif_resp = std::mem::zeroed();
            answer.id = call.id;
            answer.val = val;
            answer.error = -error;
            libc::ioctl(fd, libc::SECCOMP_IOCTL_NOTIF_SEND, &mut answer);
        }
    }

    /// Waits (at most the patience) until thread `tid` has gone to sleep again since
    /// `switches_before` and stays asleep, or has ended. A thread that the wake-up did not
    /// concern (it was not asleep on that futex) is let go at the end of the patience.
    fn wait_until_it_ran_and_sleeps(tid: Tid, switches_before: Option<u64>) {
        within_patience(|| match (state(tid), voluntary_switches(tid)) {
            (Some('S'), Some(now)) if Some(now) > switches_before => {
                thread::sleep(Duration::from_millis(50));
                state(tid) == Some('S') && voluntary_switches(tid) == Some(now)
            }
            (None, _) | (_, None) => true,
            _ => false,
        });
    }

    fn state(tid: Tid) -> Option<char> {
        let stat = std::fs::read_to_string(format!("/proc/self/task/{}/stat", tid.0)).ok()?;
        stat[stat.rfind(')')? + 1..].trim_start().chars().next()
    }

    fn voluntary_switches(tid: Tid) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/self/task/{}/status", tid.0)).ok()?;
        status
            .lines()
            .find(|line| line.starts_with("voluntary_ctxt_switches:"))?
            .split(':')
            .nth(1)?
            .trim()
            .parse()
            .ok()
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use crate::sched::{spawn_watched, wait_until_asleep};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn the_woken_thread_runs_before_the_waker_s_next_line() {
        // The waker unparks first and sets the flag after: the woken thread, run first,
        // finds the flag unset every time.
        let flag = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(AtomicBool::new(true));
        let (theirs, saw) = (Arc::clone(&flag), Arc::clone(&seen));
        let parked = spawn_watched("parked", move || {
            std::thread::park();
            saw.store(theirs.load(Ordering::SeqCst), Ordering::SeqCst);
        });
        wait_until_asleep(parked.tid, "the thread parks");
        let handle = parked.thread.thread().clone();
        let held = hold_each_wake_up(parked.tid, move || {
            handle.unpark();
            flag.store(true, Ordering::SeqCst);
        });
        parked.thread.join().unwrap();
        if held {
            assert!(
                !seen.load(Ordering::SeqCst),
                "the woken thread ran after the flag was set"
            );
        }
    }
}
