//! Tests for exercise 09.3: measuring a process from outside, through `/proc`.

use ch09_c10k::ex03_proc::{Sample, parse_stat_cpu, parse_status, sample};
use std::time::Duration;
use support::timeout;

const STATUS: &str = "Name:\tmy server\nUmask:\t0022\nState:\tS (sleeping)\nPid:\t4242\n\
VmPeak:\t  120000 kB\nVmSize:\t  118000 kB\nVmHWM:\t    6000 kB\nVmRSS:\t    5324 kB\n\
RssAnon:\t    1200 kB\nFDSize:\t64\nThreads:\t7\nSigQ:\t0/96365\n";

#[test]
fn status_gives_resident_bytes_and_threads() {
    timeout(|| {
        assert_eq!(
            parse_status(STATUS),
            (Some(5324 * 1024), Some(7)),
            "VmRSS is in kB (KiB): 5324 kB is {} bytes; Threads is 7",
            5324 * 1024
        );
        assert_eq!(
            parse_status("Name:\tkthreadd\nThreads:\t1\n"),
            (None, Some(1)),
            "a kernel thread has no VmRSS line: that is None, not 0"
        );
    });
}

#[test]
fn stat_gives_user_plus_system_time_even_with_an_odd_name() {
    timeout(|| {
        // Fields 14 and 15 (utime, stime) are 250 and 50 ticks. The name, in parentheses,
        // holds spaces and a ')' of its own.
        let stat = "4242 (my (odd) server) S 1 4242 4242 0 -1 4194304 900 0 0 0 250 50 0 0 \
                    20 0 7 0 12345 120000000 1331 18446744073709551615 1 1 0 0 0 0 0 4096 \
                    17664 0 0 0 17 1 0 0 0 0 0";
        assert_eq!(
            parse_stat_cpu(stat, 100),
            Some(Duration::from_secs(3)),
            "utime 250 + stime 50 = 300 ticks at 100 per second is 3 s (count the fields \
             after the last ')': the name may hold spaces)"
        );
        assert_eq!(
            parse_stat_cpu("4242 (x) S 1 2 3", 100),
            None,
            "a line too short to hold utime and stime gives None"
        );
    });
}

#[test]
fn cpu_time_is_counted_at_the_clock_rate_given_to_the_fraction_of_a_second() {
    timeout(|| {
        // utime 251 + stime 50 = 301 ticks. At 250 ticks per second that is 1.204 s; at
        // the usual 100 it would be 3.01 s.
        let stat = "7 (tick tock) S 1 7 7 0 -1 4194304 900 0 0 0 251 50 0 0 20 0 1 0 99 \
                    120000000 1331 18446744073709551615 1 1 0 0 0 0 0 4096 17664 0 0 0 17 1 0";
        let cpu = parse_stat_cpu(stat, 250);
        let expected = Duration::from_millis(1204);
        let close = cpu.is_some_and(|cpu| cpu.abs_diff(expected) < Duration::from_micros(1));
        assert!(
            close,
            "301 ticks at 250 ticks per second are 1.204 s; parse_stat_cpu(stat, 250) gave \
             {cpu:?}. Use the rate it is given (`ticks_per_second`), not TICKS_PER_SECOND, and \
             keep the fraction of a second (whole seconds would say 1 s)"
        );
        let short = "7 (x) S 1 7 7 0 -1 4194304 900 0 0 0 3 4 0 0 20 0 1 0 99 1 1 1";
        assert_eq!(
            parse_stat_cpu(short, 100),
            Some(Duration::from_millis(70)),
            "7 ticks at 100 per second are 70 ms, not zero"
        );
    });
}

#[cfg(target_os = "linux")]
mod linux {
    use super::*;
    use ch09_c10k::ex03_proc::unmeasured;
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};

    const CHILD: &str = "CH09_PROC_CHILD";
    const GROWTH: usize = 64 << 20;
    const SOCKETS: usize = 5;
    const THREADS: usize = 3;
    const BURN: Duration = Duration::from_millis(200);

    /// This process's own CPU time, from the kernel's clock.
    fn own_cpu() -> Duration {
        let mut now = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
        Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
    }

    /// The child: on "grow", touches 64 MiB, opens 5 sockets, starts 3 threads and
    /// burns 200 ms of CPU, then says "grown" and waits to be killed.
    fn child_main() {
        println!("ready");
        let mut command = String::new();
        std::io::stdin().read_line(&mut command).unwrap();
        let memory = std::hint::black_box(vec![1u8; GROWTH]);
        let sockets: Vec<_> = (0..SOCKETS)
            .map(|_| std::net::UdpSocket::bind("127.0.0.1:0").unwrap())
            .collect();
        for _ in 0..THREADS {
            std::thread::spawn(std::thread::park);
        }
        let start = own_cpu();
        let mut spin = 0u64;
        while own_cpu() < start + BURN {
            spin = std::hint::black_box(spin.wrapping_add(1));
        }
        println!("grown");
        std::io::stdout().flush().unwrap();
        std::thread::park();
        drop((memory, sockets));
    }

    #[test]
    fn a_child_is_measured_from_outside() {
        if std::env::var_os(CHILD).is_some() {
            child_main();
            return;
        }
        timeout(|| {
            let mut child = Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    &support::test_name!(a_child_is_measured_from_outside),
                ])
                .args(["--nocapture", "--test-threads=1"])
                .env(CHILD, "1")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
            let mut wait_for = |what: &str| {
                for line in lines.by_ref() {
                    // libtest's "test name ... " may start the line.
                    if line.unwrap().ends_with(what) {
                        return;
                    }
                }
                panic!("the child ended before saying {what:?}");
            };
            wait_for("ready");
            let pid = child.id();
            let before = sample(pid).expect("sample a live child");
            writeln!(child.stdin.as_mut().unwrap(), "grow").unwrap();
            wait_for("grown");
            let after = sample(pid).expect("sample a live child");
            let _ = child.kill();
            let _ = child.wait();

            let delta = |f: fn(&Sample) -> Option<u64>, name: &str| {
                let (Some(a), Some(b)) = (f(&after), f(&before)) else {
                    panic!("{name} must be measured on Linux: {before:?} then {after:?}")
                };
                a as i64 - b as i64
            };
            let rss = delta(|s| s.rss_bytes, "resident memory");
            assert!(
                rss >= (GROWTH - (4 << 20)) as i64,
                "the child touched 64 MiB, but its resident memory grew by {rss} bytes (is \
                 VmRSS converted from kB to bytes?)"
            );
            assert_eq!(
                delta(|s| s.open_fds, "open descriptors"),
                SOCKETS as i64,
                "the child opened 5 sockets"
            );
            assert_eq!(
                delta(|s| s.threads, "threads"),
                THREADS as i64,
                "the child started 3 threads"
            );
            let cpu = delta(|s| s.cpu.map(|d| d.as_millis() as u64), "CPU time");
            assert!(
                cpu >= 150,
                "the child burned 200 ms of CPU, but its CPU time grew by {cpu} ms"
            );
        });
    }

    #[test]
    fn a_process_that_is_gone_is_an_error_not_zeros() {
        timeout(|| {
            let mut child = Command::new(std::env::current_exe().unwrap())
                .arg("--list")
                .stdout(Stdio::null())
                .spawn()
                .unwrap();
            let pid = child.id();
            child.wait().unwrap();
            assert!(
                sample(pid).is_err(),
                "a process that has exited (and been waited for) cannot be measured: \
                 sample must return an error"
            );
            let me = sample(std::process::id()).expect("sample this process");
            assert!(me.rss_bytes.unwrap() > 0 && me.threads.unwrap() >= 1);
            assert!(me.open_fds.unwrap() >= 3 && me.cpu.is_some());
            // What the lab prints instead of zeros where there is no /proc.
            assert!(unmeasured(&me).is_empty());
            assert_eq!(
                unmeasured(&Sample::default()),
                ["resident memory", "CPU time", "threads", "open descriptors"]
            );
        });
    }
}

#[cfg(not(target_os = "linux"))]
#[test]
fn without_proc_nothing_is_made_up() {
    timeout(|| {
        assert_eq!(
            sample(std::process::id()).unwrap(),
            Sample::default(),
            "without /proc every field is None: the lab says what it cannot measure"
        );
    });
}
