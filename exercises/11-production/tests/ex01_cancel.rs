//! Tests for exercise 11.1: a token tree, clean-up after a cancel, a cancel-safe read.
//!
//! How they prove it, with no stopwatch:
//!
//! - The workers run on tokio's paused clock. A worker that should stop is given a minute
//!   of that clock to do it: the clock only moves when every task is waiting, so "still
//!   running a minute later" means "waiting for something that will never come".
//! - The backend is a double that records what was handled and flushed. A slow job takes
//!   ten seconds of the paused clock and says when it has started, so the test cancels while
//!   the job is surely in hand; a held flush waits for the test, so the test can look at
//!   the worker's task while its clean-up is still running.
//! - The frame reader reads from a stream the test controls, which hands out one byte per
//!   read and only the bytes the test has released, and says `Pending` otherwise. The test
//!   polls `next_frame` by hand, each time with a new waker (`FreshWakers`), and drops it
//!   after each byte: every cancellation point is taken, in the same order every run.
//! - Waits are counted: a worker's polls while nothing happens, the wakes of a read's
//!   waker while no byte comes. An answer that loops instead of sleeping fails.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use ch11_production::ex01_cancel::{
    Backend, FrameReader, MAX_FRAME, Stop, Summary, Worker, run_worker, start_workers,
};
use support::tokio::paused;
use support::wakers::Counted;
use support::wakers::{FreshWakers, Gate};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

// ---------------------------------------------------------------------------------------
// The backend double
// ---------------------------------------------------------------------------------------

/// How long a slow job takes, on the paused clock.
const SLOW: Duration = Duration::from_secs(10);

/// A backend that records what it was asked to do. A job's result is the job times ten.
#[derive(Default)]
struct Recorder {
    /// Jobs whose handling was finished, in order.
    handled: Mutex<Vec<u64>>,
    /// Each flush: the worker, and the results it wrote.
    flushes: Mutex<Vec<(usize, Vec<u64>)>>,
    /// Jobs that take [`SLOW`] (less than the minute `stops` waits) to handle; each says so on `started` when it begins.
    slow: Vec<u64>,
    started: Option<mpsc::UnboundedSender<u64>>,
    /// Told each time a job's handling is finished.
    done: Option<mpsc::UnboundedSender<u64>>,
    /// If set, each flush says so and then waits until the gate opens before it writes.
    held: Option<(mpsc::UnboundedSender<usize>, Gate)>,
}

impl Backend for Recorder {
    async fn handle(&self, job: u64) -> u64 {
        if self.slow.contains(&job) {
            if let Some(started) = &self.started {
                let _ = started.send(job);
            }
            tokio::time::sleep(SLOW).await;
        }
        self.handled.lock().unwrap().push(job);
        if let Some(done) = &self.done {
            let _ = done.send(job);
        }
        job * 10
    }

    async fn flush(&self, worker: usize, results: Vec<u64>) {
        if let Some((started, gate)) = &self.held {
            let _ = started.send(worker);
            gate.wait().await;
        }
        self.flushes.lock().unwrap().push((worker, results));
    }
}

impl Recorder {
    fn handled(&self) -> Vec<u64> {
        self.handled.lock().unwrap().clone()
    }

    fn flushes(&self) -> Vec<(usize, Vec<u64>)> {
        let mut flushes = self.flushes.lock().unwrap().clone();
        flushes.sort();
        flushes
    }
}

/// `n` job channels: the senders for the test, the receivers for the workers.
fn queues(n: usize) -> (Vec<mpsc::Sender<u64>>, Vec<mpsc::Receiver<u64>>) {
    (0..n).map(|_| mpsc::channel(16)).unzip()
}

/// Waits for the worker's summary, for at most a minute of the paused clock.
async fn stops(task: JoinHandle<Summary>, what: &str) -> Summary {
    match tokio::time::timeout(Duration::from_secs(60), task).await {
        Ok(summary) => summary.expect("the worker's task panicked"),
        Err(_) => panic!(
            "{what}, and a minute later (on the test's paused clock, which only moves when \
             every task is waiting) the worker had not stopped: it waits for something that \
             will never come"
        ),
    }
}

/// Waits for `n` messages on `rx`.
async fn receive(rx: &mut mpsc::UnboundedReceiver<u64>, n: usize) {
    for _ in 0..n {
        rx.recv().await.expect("the backend double is gone");
    }
}

// ---------------------------------------------------------------------------------------
// The token tree
// ---------------------------------------------------------------------------------------

#[test]
fn cancelling_the_parent_stops_every_worker_and_each_flushes_first() {
    let (summaries, flushes) = paused(|| async {
        let (done, mut finished) = mpsc::unbounded_channel();
        let backend = Arc::new(Recorder {
            done: Some(done),
            ..Recorder::default()
        });
        let parent = CancellationToken::new();
        let (senders, receivers) = queues(3);
        let workers = start_workers(&parent, receivers, backend.clone());
        for (n, sender) in senders.iter().enumerate() {
            sender.send(n as u64 + 1).await.unwrap();
        }
        receive(&mut finished, 3).await;
        // The senders are kept: only the cancel can stop the workers.
        parent.cancel();
        let mut summaries = Vec::new();
        for worker in workers {
            let what = "the parent token was cancelled while the workers waited for jobs";
            summaries.push(stops(worker.task, what).await);
        }
        drop(senders);
        (summaries, backend.flushes())
    });
    for (n, summary) in summaries.iter().enumerate() {
        assert_eq!(
            summary,
            &Summary {
                worker: n,
                handled: 1,
                stopped: Stop::Cancelled
            },
            "worker {n} handled one job, then the parent token was cancelled: its summary \
             should say so"
        );
    }
    assert_eq!(
        flushes,
        vec![(0, vec![10]), (1, vec![20]), (2, vec![30])],
        "each worker handled one job and was cancelled: each should have flushed its one \
         result before it returned (the flushes are listed by worker)"
    );
}

#[test]
fn cancelling_one_worker_stops_that_worker_only() {
    let (parent_cancelled, others_cancelled, stopped, summaries) = paused(|| async {
        let backend = Arc::new(Recorder::default());
        let parent = CancellationToken::new();
        let (senders, receivers) = queues(3);
        let mut workers: Vec<Worker> = start_workers(&parent, receivers, backend.clone());
        let middle = workers.remove(1);
        middle.token.cancel();
        let stopped = stops(middle.task, "worker 1's own token was cancelled").await;
        let parent_cancelled = parent.is_cancelled();
        let others_cancelled = workers
            .iter()
            .map(|w| w.token.is_cancelled())
            .collect::<Vec<_>>();
        // The other two must still be working: each gets a job, then the end of its jobs.
        for (n, sender) in senders.into_iter().enumerate() {
            if n != 1 {
                sender.send(7).await.unwrap();
            }
        }
        let mut summaries = Vec::new();
        for worker in workers {
            let what = "the worker's jobs ended (its channel was closed)";
            summaries.push(stops(worker.task, what).await);
        }
        (parent_cancelled, others_cancelled, stopped, summaries)
    });
    assert!(
        !parent_cancelled,
        "cancelling worker 1's token cancelled the parent token too: each worker should get \
         a child of the parent (`child_token`), not a clone of it (a clone is the same token)"
    );
    assert_eq!(
        others_cancelled,
        [false, false],
        "cancelling worker 1's token cancelled the tokens of workers 0 and 2 as well"
    );
    assert_eq!(
        stopped.stopped,
        Stop::Cancelled,
        "worker 1 was cancelled by its own token; its summary says {stopped:?}"
    );
    for summary in &summaries {
        assert_eq!(
            (summary.handled, summary.stopped),
            (1, Stop::NoMoreJobs),
            "only worker 1 was cancelled: worker {} should have gone on, handled the job \
             it was sent after that, and stopped when its channel closed; its summary says \
             {summary:?}",
            summary.worker
        );
    }
}

// ---------------------------------------------------------------------------------------
// The worker's clean-up
// ---------------------------------------------------------------------------------------

#[test]
fn a_worker_cancelled_while_waiting_for_a_job_flushes_and_stops() {
    let (summary, flushes) = paused(|| async {
        let (done, mut finished) = mpsc::unbounded_channel();
        let backend = Arc::new(Recorder {
            done: Some(done),
            ..Recorder::default()
        });
        let parent = CancellationToken::new();
        let (senders, receivers) = queues(1);
        let mut workers = start_workers(&parent, receivers, backend.clone());
        senders[0].send(7).await.unwrap();
        receive(&mut finished, 1).await;
        // No job comes now, and the channel stays open: the worker waits for a job when
        // its token fires.
        workers[0].token.cancel();
        let what = "the worker's token was cancelled while it waited for a job (none came)";
        let summary = stops(workers.remove(0).task, what).await;
        drop(senders);
        (summary, backend.flushes())
    });
    assert_eq!(
        summary,
        Summary {
            worker: 0,
            handled: 1,
            stopped: Stop::Cancelled
        },
        "the worker handled one job, then was cancelled while it waited for the next"
    );
    assert_eq!(
        flushes,
        vec![(0, vec![70])],
        "the worker was cancelled after one job: it should flush that job's result before \
         it returns (the clean-up runs on every way out, the cancel too)"
    );
}

#[test]
fn a_worker_whose_jobs_end_flushes_its_results_in_order() {
    let (summary, flushes) = paused(|| async {
        let backend = Arc::new(Recorder::default());
        let parent = CancellationToken::new();
        let (senders, receivers) = queues(1);
        let mut workers = start_workers(&parent, receivers, backend.clone());
        for job in [3, 1, 2] {
            senders[0].send(job).await.unwrap();
        }
        drop(senders);
        let what = "the worker's job channel was closed after three jobs";
        (stops(workers.remove(0).task, what).await, backend.flushes())
    });
    assert_eq!(
        summary,
        Summary {
            worker: 0,
            handled: 3,
            stopped: Stop::NoMoreJobs
        },
        "three jobs, then the channel was closed"
    );
    assert_eq!(
        flushes,
        vec![(0, vec![30, 10, 20])],
        "the worker should flush the results of its three jobs once, in the order it took \
         the jobs, when its channel closes"
    );
}

#[test]
fn a_job_in_hand_when_the_token_fires_is_finished_and_flushed() {
    let (summary, handled, flushes) = paused(|| async {
        let (started, mut has_started) = mpsc::unbounded_channel();
        let backend = Arc::new(Recorder {
            slow: vec![5],
            started: Some(started),
            ..Recorder::default()
        });
        let parent = CancellationToken::new();
        let (senders, receivers) = queues(1);
        let mut workers = start_workers(&parent, receivers, backend.clone());
        senders[0].send(5).await.unwrap();
        // The slow job has begun: the worker holds it, mid-way, when the parent fires.
        receive(&mut has_started, 1).await;
        parent.cancel();
        let what = "the parent was cancelled while the worker handled a slow job";
        let summary = stops(workers.remove(0).task, what).await;
        drop(senders);
        (summary, backend.handled(), backend.flushes())
    });
    assert_eq!(
        handled,
        [5],
        "the token fired while job 5 was being handled, and its handling was never \
         finished: a job taken from the channel was dropped half done. Handle the job \
         outside the `select!` (after it has given you the job), so a cancel cannot drop it"
    );
    assert_eq!(
        (summary.handled, flushes),
        (1, vec![(0, vec![50])]),
        "the job in hand when the token fired should be finished and its result flushed"
    );
}

#[test]
fn a_cancelled_worker_takes_no_new_job_even_if_some_are_waiting() {
    let handled = paused(|| async {
        let (started, mut has_started) = mpsc::unbounded_channel();
        let backend = Arc::new(Recorder {
            slow: vec![5],
            started: Some(started),
            ..Recorder::default()
        });
        let parent = CancellationToken::new();
        let (senders, receivers) = queues(1);
        let mut workers = start_workers(&parent, receivers, backend.clone());
        for job in [5, 6, 7] {
            senders[0].send(job).await.unwrap();
        }
        receive(&mut has_started, 1).await;
        parent.cancel();
        let what = "the parent was cancelled while the worker handled a slow job";
        stops(workers.remove(0).task, what).await;
        drop(senders);
        backend.handled()
    });
    assert_eq!(
        handled,
        [5],
        "the token fired while job 5 was in hand, with jobs 6 and 7 waiting in the channel: \
         the worker should finish 5 and take no new job (once the token has fired, look at \
         it first: a `biased` `select!` with the token's branch first)"
    );
}

#[test]
fn the_summary_comes_only_after_the_flush_is_done() {
    let (returned_early, flushes) = paused(|| async {
        let (flushing, mut is_flushing) = mpsc::unbounded_channel();
        let gate = Gate::default();
        let backend = Arc::new(Recorder {
            held: Some((flushing, gate.clone())),
            ..Recorder::default()
        });
        let parent = CancellationToken::new();
        let (senders, receivers) = queues(1);
        let mut workers = start_workers(&parent, receivers, backend.clone());
        senders[0].send(4).await.unwrap();
        parent.cancel();
        // The flush has begun, and the test holds it.
        is_flushing.recv().await.expect("the worker never flushed");
        let task = workers.remove(0).task;
        let returned_early = task.is_finished();
        gate.open();
        stops(task, "the worker's flush was let through").await;
        drop(senders);
        (returned_early, backend.flushes())
    });
    assert!(
        !returned_early,
        "the worker's task had finished while its flush was still waiting to be written: \
         the summary must mean \"flushed\". Await the flush in the worker (a flush spawned \
         on a task of its own is not waited for)"
    );
    assert_eq!(flushes.len(), 1, "one worker, one flush: got {flushes:?}");
}

#[test]
fn an_idle_worker_sleeps_until_a_job_comes() {
    let (polls_while_idle, summary) = paused(|| async {
        let backend = Arc::new(Recorder::default());
        let (sender, jobs) = mpsc::channel(16);
        let polls = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(Counted {
            inner: Box::pin(run_worker(0, CancellationToken::new(), jobs, backend)),
            polls: polls.clone(),
        });
        // Twenty turns of the loop, then a minute of the paused clock, with no job and no
        // cancel: a worker that wakes up on a timer to look again is polled on each.
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        // (A worker polled on every turn already fails; and it would keep the paused
        // clock from moving, so the minute is waited for only by one that slept.)
        if polls.load(Ordering::SeqCst) <= 2 {
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        let polls_while_idle = polls.load(Ordering::SeqCst);
        sender.send(1).await.unwrap();
        drop(sender);
        let summary = stops(
            task,
            "the worker's only job was sent, then its channel closed",
        );
        (polls_while_idle, summary.await)
    });
    assert!(
        polls_while_idle <= 2,
        "the worker was polled {polls_while_idle} times over twenty turns of the loop and a \
         minute of the clock while no job came: it should sleep until a job comes or its token fires (await both in a \
         `select!`), not look again and again"
    );
    assert_eq!((summary.handled, summary.stopped), (1, Stop::NoMoreJobs));
}

// ---------------------------------------------------------------------------------------
// The frame reader
// ---------------------------------------------------------------------------------------

/// `body` as a frame: its length as a big-endian `u32`, then the body.
fn frame(body: &[u8]) -> Vec<u8> {
    let mut frame = (body.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(body);
    frame
}

/// A stream the test controls. It holds `data`, hands out at most one byte per read and
/// only bytes the test has released; otherwise it is `Pending` (and wakes the waker of
/// the latest read when the test releases more). Once every byte is read it ends the way
/// the test said: not yet (`Pending`), cleanly, or with an error.
#[derive(Clone)]
struct Trickle(Arc<Mutex<TrickleState>>);

struct TrickleState {
    data: VecDeque<u8>,
    released: usize,
    /// `None`: more may come. `Some(None)`: the end. `Some(Some(kind))`: that error.
    end: Option<Option<io::ErrorKind>>,
    waker: Option<Waker>,
}

impl Trickle {
    fn new(data: &[u8]) -> Self {
        Trickle(Arc::new(Mutex::new(TrickleState {
            data: data.iter().copied().collect(),
            released: 0,
            end: None,
            waker: None,
        })))
    }

    fn change(&self, change: impl FnOnce(&mut TrickleState)) {
        let waker = {
            let mut state = self.0.lock().unwrap();
            change(&mut state);
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn release(&self, n: usize) {
        self.change(|state| state.released += n);
    }

    fn end(&self, how: Option<io::ErrorKind>) {
        self.change(|state| state.end = Some(how));
    }
}

impl AsyncRead for Trickle {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let mut state = self.0.lock().unwrap();
        if state.released > 0
            && let Some(byte) = state.data.pop_front()
        {
            state.released -= 1;
            buf.put_slice(&[byte]);
            return Poll::Ready(Ok(()));
        }
        match state.end {
            Some(None) if state.data.is_empty() => Poll::Ready(Ok(())),
            Some(Some(kind)) if state.data.is_empty() => {
                Poll::Ready(Err(io::Error::new(kind, "the test's stream failed")))
            }
            _ => {
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// The test's frames: uneven lengths, an empty one among them.
fn bodies() -> Vec<Vec<u8>> {
    vec![
        b"hello".to_vec(),
        Vec::new(),
        b"a frame that is somewhat longer".to_vec(),
        vec![0, 1, 2, 3],
    ]
}

fn show(frames: &[Vec<u8>]) -> Vec<String> {
    frames
        .iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect()
}

#[test]
fn frames_come_out_whole_and_in_order_then_none_at_a_clean_end() {
    let (frames, after) = paused(|| async {
        let bytes: Vec<u8> = bodies().iter().flat_map(|b| frame(b)).collect();
        let mut reader = FrameReader::new(&bytes[..]);
        let mut frames = Vec::new();
        while let Some(frame) = reader.next_frame().await.expect("a well-formed stream") {
            frames.push(frame);
        }
        let after = reader.next_frame().await.expect("the end, asked again");
        (frames, after)
    });
    assert_eq!(
        show(&frames),
        show(&bodies()),
        "four frames were sent (the second one empty); these came out"
    );
    assert_eq!(after, None, "after the end, the end again");
}

#[test]
fn no_byte_is_lost_when_each_read_is_dropped_after_one_byte() {
    let frames = paused(|| async {
        let bytes: Vec<u8> = bodies().iter().flat_map(|b| frame(b)).collect();
        let stream = Trickle::new(&bytes);
        let mut reader = FrameReader::new(stream.clone());
        let mut frames = Vec::new();
        for _ in 0..bytes.len() {
            stream.release(1);
            // A read that takes the byte and then waits for the next one: polled twice
            // (each time with a new waker), then dropped, as a `select!` drops the branch
            // that lost.
            let mut read = FreshWakers::new(reader.next_frame());
            for _ in 0..2 {
                if let Poll::Ready(frame) = read.poll() {
                    frames.push(frame.expect("a well-formed stream").expect("a frame"));
                    break;
                }
            }
        }
        frames
    });
    assert_eq!(
        show(&frames),
        show(&bodies()),
        "the stream gave one byte at a time, and each `next_frame` future was dropped after \
         its byte: the frames above should have come out whole. What a read has taken must \
         be kept in the FrameReader, not in the future (`read_exact` keeps it in its future, \
         and a dropped future takes it away)"
    );
}

#[test]
fn frames_come_out_whole_from_a_select_loop_with_a_ticker() {
    let (frames, ticks, bytes) = paused(|| async {
        let bytes: Vec<u8> = bodies().iter().flat_map(|b| frame(b)).collect();
        let stream = Trickle::new(&bytes);
        // A slow peer: a byte every ten milliseconds, then the end.
        let peer = tokio::spawn({
            let (stream, n) = (stream.clone(), bytes.len());
            async move {
                for _ in 0..n {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    stream.release(1);
                }
                stream.end(None);
            }
        });
        let mut reader = FrameReader::new(stream);
        let mut ticker = tokio::time::interval(Duration::from_millis(3));
        let (mut frames, mut ticks) = (Vec::new(), 0);
        loop {
            tokio::select! {
                frame = reader.next_frame() => match frame.expect("a well-formed stream") {
                    Some(frame) => frames.push(frame),
                    None => break,
                },
                _ = ticker.tick() => ticks += 1,
            }
        }
        peer.await.unwrap();
        (frames, ticks, bytes.len())
    });
    assert!(
        ticks >= bytes,
        "the ticker ticked {ticks} times for {bytes} bytes: the test expected the reads to be \
         cancelled between bytes"
    );
    assert_eq!(
        show(&frames),
        show(&bodies()),
        "a `select!` loop read frames from a slow stream while a ticker cancelled the read \
         between bytes: the frames should come out whole"
    );
}

#[test]
fn a_read_sleeps_until_bytes_come_and_the_stream_wakes_it() {
    let (woken_while_empty, woken_by_stream, stale, frame) = paused(|| async {
        let stream = Trickle::new(&frame(b"ok"));
        let mut reader = FrameReader::new(stream.clone());
        let mut read = FreshWakers::new(reader.next_frame());
        assert!(
            read.poll().is_pending(),
            "no byte has come: the read should wait"
        );
        assert!(
            read.poll().is_pending(),
            "no byte has come: the read should wait"
        );
        let woken_while_empty = read.latest().wakes();
        stream.release(6);
        let (woken_by_stream, stale) = (read.latest().wakes(), read.stale_wakes());
        let mut frame = None;
        for _ in 0..10 {
            if let Poll::Ready(ready) = read.poll() {
                frame = Some(ready);
                break;
            }
        }
        (woken_while_empty, woken_by_stream, stale, frame)
    });
    assert_eq!(
        woken_while_empty, 0,
        "the read was woken {woken_while_empty} times while no byte had come: it woke its \
         own task, which will poll it again and again. It should sleep until the stream \
         wakes it (await the read)"
    );
    assert_eq!(
        (woken_by_stream, stale),
        (1, 0),
        "when bytes came, the stream should have woken the waker of the read's latest poll \
         once, and no older waker"
    );
    let frame = frame.expect("the frame had come, and the read kept saying Pending");
    assert_eq!(
        frame.expect("a well-formed stream").as_deref(),
        Some(&b"ok"[..])
    );
}

#[test]
fn a_stream_that_ends_inside_a_frame_is_an_unexpected_eof() {
    let outcomes = paused(|| async {
        let whole = frame(b"body");
        let mut outcomes = Vec::new();
        // It ends inside the length, then inside the body.
        for cut in [2, 6] {
            let mut reader = FrameReader::new(&whole[..cut]);
            outcomes.push(reader.next_frame().await.map_err(|error| error.kind()));
        }
        outcomes
    });
    for (outcome, place) in outcomes.iter().zip(["its length", "its body"]) {
        assert_eq!(
            outcome,
            &Err(io::ErrorKind::UnexpectedEof),
            "the stream ended inside a frame ({place}): that is an error (UnexpectedEof), \
             not a clean end (Ok(None), which means \"between frames\")"
        );
    }
}

#[test]
fn a_frame_at_the_limit_is_read_and_one_over_it_is_refused_at_once() {
    let (at_limit, over) = paused(|| async {
        let body = vec![7; MAX_FRAME];
        let bytes = frame(&body);
        let at_limit = FrameReader::new(&bytes[..])
            .next_frame()
            .await
            .map(|frame| frame.map(|f| f.len()));
        // Only the length of the next frame arrives, and the stream stays open.
        let stream = Trickle::new(&(MAX_FRAME as u32 + 1).to_be_bytes());
        stream.release(4);
        let mut reader = FrameReader::new(stream);
        let mut read = FreshWakers::new(reader.next_frame());
        let over = read.poll();
        (at_limit, over)
    });
    assert_eq!(
        at_limit.map_err(|e| e.kind()),
        Ok(Some(MAX_FRAME)),
        "a frame of exactly MAX_FRAME bytes is allowed"
    );
    match over {
        Poll::Ready(Err(error)) => assert_eq!(
            error.kind(),
            io::ErrorKind::InvalidData,
            "a frame over MAX_FRAME should be refused with InvalidData, got {error}"
        ),
        other => panic!(
            "a frame announced MAX_FRAME + 1 bytes: the read should refuse it (InvalidData) as \
             soon as it has the length, without waiting for the body; it said {other:?}"
        ),
    }
}

#[test]
fn an_error_of_the_stream_mid_frame_is_passed_on() {
    let outcome = paused(|| async {
        let whole = frame(b"body");
        let stream = Trickle::new(&whole[..6]);
        stream.release(6);
        stream.end(Some(io::ErrorKind::ConnectionReset));
        FrameReader::new(stream)
            .next_frame()
            .await
            .map_err(|e| e.kind())
    });
    assert_eq!(
        outcome,
        Err(io::ErrorKind::ConnectionReset),
        "the stream failed (a reset) in the middle of a frame: next_frame should return that \
         error as it came"
    );
}
