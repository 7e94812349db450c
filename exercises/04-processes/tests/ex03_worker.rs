//! Tests for exercise 04.3: `serve`, the worker loop.
//!
//! First in this process, on byte buffers; then for real, in the `ch04-worker` process.
//! The frames are built and taken apart by hand here (4-byte big-endian length, then the
//! payload), so these tests do not depend on anything but `serve`.

use ch04_processes::ex03_worker::serve;
use std::cell::RefCell;
use std::io::{self, ErrorKind, Read, Write};
use std::process::{Command, Stdio};
use std::rc::Rc;
use support::timeout;

const WORKER: &str = env!("CARGO_BIN_EXE_ch04-worker");

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut bytes = (payload.len() as u32).to_be_bytes().to_vec();
    bytes.extend_from_slice(payload);
    bytes
}

fn frames(payloads: &[&str]) -> Vec<u8> {
    payloads.iter().flat_map(|p| frame(p.as_bytes())).collect()
}

/// Splits a byte stream into the payloads of its frames.
fn unframe(mut bytes: &[u8]) -> Vec<String> {
    let mut payloads = Vec::new();
    while bytes.len() >= 4 {
        let length = u32::from_be_bytes(bytes[..4].try_into().unwrap()) as usize;
        let end = (4 + length).min(bytes.len());
        payloads.push(String::from_utf8_lossy(&bytes[4..end]).into_owned());
        bytes = &bytes[end..];
    }
    assert!(bytes.is_empty(), "the output ends with a partial frame");
    payloads
}

fn shout(job: &[u8]) -> Vec<u8> {
    job.to_ascii_uppercase()
}

#[test]
fn every_job_is_answered_in_order() {
    let (result, output) = timeout(|| {
        let input = frames(&["a", "bb", "", "dddd"]);
        let mut output = Vec::new();
        let result = serve(&input[..], &mut output, shout).map_err(|e| e.to_string());
        (result, output)
    });
    assert_eq!(
        unframe(&output),
        ["A", "BB", "", "DDDD"],
        "each job's answer must be written as one frame, in the order of the jobs"
    );
    assert_eq!(result, Ok(4), "serve must return how many jobs it answered");
}

#[test]
fn the_end_of_the_input_ends_the_loop_without_error() {
    let (result, output) = timeout(|| {
        let mut output = Vec::new();
        let result = serve(&[][..], &mut output, shout).map_err(|e| e.to_string());
        (result, output)
    });
    assert_eq!(
        result,
        Ok(0),
        "an input that ends between frames is the parent saying \"no more jobs\": serve \
         must return Ok(0) here, not an error"
    );
    assert!(output.is_empty(), "no jobs, yet something was written");
}

#[test]
fn a_truncated_job_is_an_error_after_the_whole_ones_are_answered() {
    let (result, output) = timeout(|| {
        let mut input = frames(&["whole"]);
        input.extend_from_slice(&[0, 0, 0, 9, b'c', b'u', b't']);
        let mut output = Vec::new();
        let result = serve(&input[..], &mut output, shout).map_err(|e| e.kind());
        (result, output)
    });
    assert_eq!(
        unframe(&output),
        ["WHOLE"],
        "the whole job must be answered"
    );
    assert_eq!(
        result,
        Err(ErrorKind::UnexpectedEof),
        "an input that ends inside a frame is broken: serve must return the error"
    );
}

/// Input that checks, before it gives out the next job, that the previous answer has
/// been flushed: a parent waits for each answer before it sends the next job.
struct Jobs {
    bytes: Vec<u8>,
    at: usize,
    /// Where each job's frame ends in `bytes`.
    ends: Vec<usize>,
    flushed: Rc<RefCell<Vec<u8>>>,
    complaints: Rc<RefCell<Vec<String>>>,
}

impl Read for Jobs {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // How many jobs have been handed out completely so far?
        let handed_out = self.ends.iter().filter(|&&end| end <= self.at).count();
        if handed_out > 0 && self.at < self.bytes.len() {
            let answered = unframe_count(&self.flushed.borrow());
            if answered < handed_out {
                self.complaints.borrow_mut().push(format!(
                    "job {} was read before the answer to job {} was flushed",
                    handed_out + 1,
                    handed_out
                ));
            }
        }
        // One job at a time, as if the parent were waiting.
        let next_end = self
            .ends
            .iter()
            .copied()
            .find(|&end| end > self.at)
            .unwrap_or(self.bytes.len());
        let n = buf.len().min(next_end - self.at);
        buf[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn unframe_count(bytes: &[u8]) -> usize {
    let mut count = 0;
    let mut at = 0;
    while at + 4 <= bytes.len() {
        let length = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        if at + 4 + length > bytes.len() {
            break;
        }
        at += 4 + length;
        count += 1;
    }
    count
}

/// Output that, like a pipe behind a buffer, shows nothing until it is flushed.
struct Buffered {
    pending: Vec<u8>,
    flushed: Rc<RefCell<Vec<u8>>>,
}

impl Write for Buffered {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.flushed.borrow_mut().append(&mut self.pending);
        Ok(())
    }
}

#[test]
fn each_answer_is_flushed_before_the_next_job_is_read() {
    let (complaints, flushed) = timeout(|| {
        let payloads = ["one", "two", "three"];
        let mut ends = Vec::new();
        let mut bytes = Vec::new();
        for p in payloads {
            bytes.extend(frame(p.as_bytes()));
            ends.push(bytes.len());
        }
        let flushed = Rc::new(RefCell::new(Vec::new()));
        let complaints = Rc::new(RefCell::new(Vec::new()));
        let input = Jobs {
            bytes,
            at: 0,
            ends,
            flushed: Rc::clone(&flushed),
            complaints: Rc::clone(&complaints),
        };
        let output = Buffered {
            pending: Vec::new(),
            flushed: Rc::clone(&flushed),
        };
        serve(input, output, shout).expect("serve failed");
        let complaints = complaints.borrow().clone();
        let flushed = flushed.borrow().clone();
        (complaints, flushed)
    });
    assert!(
        complaints.is_empty(),
        "{}: the parent waits for each answer before it sends the next job, so an answer \
         left in a buffer is a deadlock. Flush after each answer.",
        complaints.join("; ")
    );
    assert_eq!(unframe(&flushed), ["ONE", "TWO", "THREE"]);
}

/// An output whose reader has gone away, as a pipe whose parent closed its end: after
/// taking `takes` bytes, every `write` fails with `BrokenPipe`; with `flush_fails`, every
/// `flush` does too.
struct GoneAway {
    takes: usize,
    flush_fails: bool,
}

impl Write for GoneAway {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.takes == 0 {
            return Err(io::Error::new(
                ErrorKind::BrokenPipe,
                "the parent has gone away",
            ));
        }
        let n = buf.len().min(self.takes);
        self.takes -= n;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        if self.flush_fails {
            return Err(io::Error::new(
                ErrorKind::BrokenPipe,
                "the parent has gone away",
            ));
        }
        Ok(())
    }
}

#[test]
fn an_answer_that_cannot_be_delivered_ends_serve_with_the_error() {
    let outcomes = timeout(|| {
        let input = frames(&["one", "two", "three"]);
        [
            ("a write that fails at once", 0, false),
            ("a write that fails in the middle of the answer", 2, false),
            ("a flush that fails", usize::MAX, true),
        ]
        .map(|(what, takes, flush_fails)| {
            let output = GoneAway { takes, flush_fails };
            (what, serve(&input[..], output, shout).map_err(|e| e.kind()))
        })
    });
    for (what, got) in outcomes {
        assert_eq!(
            got,
            Err(ErrorKind::BrokenPipe),
            "{what} (the parent stopped reading) must end serve with that error: an answer \
             nobody received is not a job answered, and the worker must exit with 1, not \
             go on as if all were well (got {got:?})"
        );
    }
}

/// Input that hands out one byte per `read`, as a pipe may.
struct OneByte<'a>(&'a [u8]);

impl Read for OneByte<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(1).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

/// Output that takes one byte per `write`, as a full pipe may.
struct OneByteOut(Vec<u8>);

impl Write for OneByteOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(1);
        self.0.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn jobs_that_come_a_byte_at_a_time_are_answered_whole_a_byte_at_a_time() {
    let (result, output) = timeout(|| {
        let input = frames(&["first job", "", "third"]);
        let mut output = OneByteOut(Vec::new());
        let result = serve(OneByte(&input), &mut output, shout).map_err(|e| e.to_string());
        (result, output.0)
    });
    assert_eq!(
        unframe(&output),
        ["FIRST JOB", "", "THIRD"],
        "a pipe hands out a few bytes at a time and takes a few at a time: every job must \
         be read whole and every answer written whole (the codec's `read_frame` and \
         `write_frame` do both)"
    );
    assert_eq!(result, Ok(3), "three jobs were answered");
}

/// Runs `ch04-worker`, sends it `jobs`, closes its stdin, and returns its pid, every
/// answer it wrote, and its exit code.
fn run_worker(jobs: &'static [&'static str]) -> (u32, Vec<String>, Option<i32>) {
    timeout(move || {
        let mut child = Command::new(WORKER)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("could not start ch04-worker");
        let pid = child.id();
        {
            let mut stdin = child.stdin.take().unwrap();
            // A worker that has died cannot take its input: the write fails; that is fine.
            let _ = stdin.write_all(&frames(jobs));
        } // dropped: the worker sees the end of its input
        let mut output = Vec::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_end(&mut output)
            .unwrap();
        let status = child.wait().expect("could not wait for ch04-worker");
        (pid, unframe(&output), status.code())
    })
}

#[test]
fn the_worker_process_answers_over_its_pipes_and_exits_0_at_the_end() {
    let (pid, answers, code) = run_worker(&["hello", "pid", "bye"]);
    assert_eq!(
        answers,
        ["hello".to_string(), pid.to_string(), "bye".to_string()],
        "ch04-worker runs `serve` with the chapter's jobs: it must answer each job over \
         its stdout (`pid` answers the worker's process id; other jobs are echoed)"
    );
    assert_eq!(
        code,
        Some(0),
        "a worker whose stdin closed between jobs must exit with 0"
    );
}

#[test]
fn a_crash_job_ends_the_worker_process_at_once() {
    let (_, answers, code) = run_worker(&["before", "crash", "after"]);
    assert_eq!(
        answers,
        ["before"],
        "the job before the crash is answered, the one after never is"
    );
    assert_eq!(
        code,
        Some(3),
        "the `crash` job makes the worker exit with code 3"
    );
}

#[test]
fn a_worker_whose_parent_stopped_reading_exits_with_1() {
    let code = timeout(|| {
        let mut child = Command::new(WORKER)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // Its complaint about the broken pipe is expected; keep it out of the report.
            .stderr(Stdio::null())
            .spawn()
            .expect("could not start ch04-worker");
        // The parent goes away first: nobody will ever read the worker's answers.
        drop(child.stdout.take());
        {
            let mut stdin = child.stdin.take().unwrap();
            // The worker may already have exited and closed its stdin: that is fine.
            let _ = stdin.write_all(&frames(&["hello", "anyone?"]));
        }
        child.wait().expect("could not wait for ch04-worker").code()
    });
    assert_eq!(
        code,
        Some(1),
        "nobody read the worker's answers (its stdout was a broken pipe), so its first \
         answer could not be written: serve must return that error and the worker exit \
         with 1, the sign of a broken stream, not 0"
    );
}
