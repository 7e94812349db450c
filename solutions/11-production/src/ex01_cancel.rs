//! Exercise 11.1: cancellation you can reason about. A tree of tokens, so that one cancel
//! stops a whole group of workers and another stops just one; a worker that runs its
//! asynchronous clean-up after its token fires; and a frame reader whose `next_frame` can
//! be dropped at any await without losing a byte. The page is
//! `book/src/ch11-production/cancel.md`.

use std::future::Future;
use std::io;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

// ANCHOR: given
/// Given. What the workers work for. Both methods are asynchronous: handling a job is a
/// request to another service, and a flush is a write that must be awaited, so neither
/// can run in a `Drop`.
pub trait Backend: Send + Sync + 'static {
    /// Handles one job and gives its result.
    fn handle(&self, job: u64) -> impl Future<Output = u64> + Send;

    /// Writes the results of worker `worker`, in the order its jobs were taken. Returns
    /// once they are written.
    fn flush(&self, worker: usize, results: Vec<u64>) -> impl Future<Output = ()> + Send;
}

/// Given. Why a worker stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Its token was cancelled (its own, or one above it in the tree).
    Cancelled,
    /// Its job channel was closed and empty.
    NoMoreJobs,
}

/// Given. What a worker gives back when it has stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Its number: its place in the list given to [`start_workers`].
    pub worker: usize,
    /// How many jobs it handled. Their results were flushed before it returned.
    pub handled: usize,
    /// Why it stopped.
    pub stopped: Stop,
}

/// Given. A worker started by [`start_workers`].
#[derive(Debug)]
pub struct Worker {
    /// Cancels this worker, and no other.
    pub token: CancellationToken,
    /// Its task, which gives its summary once its results are flushed.
    pub task: JoinHandle<Summary>,
}

/// Given. The largest body a frame may have, in bytes. A frame that announces more is
/// refused before anything of its body is read, so a bad peer cannot make the reader
/// wait for, or keep, more than this.
pub const MAX_FRAME: usize = 64 * 1024;
// ANCHOR_END: given

/// Starts one worker per channel of `queues` (worker `i` takes its jobs from
/// `queues[i]`), each on a task of its own, with [`run_worker`]. Each worker gets a token
/// of its own under `parent`: cancelling `parent` stops every worker; cancelling one
/// worker's token stops that worker only, never `parent` or the others.
pub fn start_workers<B: Backend>(
    parent: &CancellationToken,
    queues: Vec<mpsc::Receiver<u64>>,
    backend: Arc<B>,
) -> Vec<Worker> {
    queues
        .into_iter()
        .enumerate()
        .map(|(id, jobs)| {
            // A child, not a clone: a clone is the same token (cancel one, all of them
            // are cancelled, the parent too), and a new token would not hear the
            // parent. A child hears its parent's cancel; its own goes no higher.
            let token = parent.child_token();
            let task = tokio::spawn(run_worker(id, token.clone(), jobs, Arc::clone(&backend)));
            Worker { token, task }
        })
        .collect()
}

/// Runs worker `id`: takes jobs from `jobs` one at a time, has `backend` handle each, and
/// keeps the results. It stops when `token` is cancelled (it then takes no new job, even
/// if some are waiting; a job it has taken is finished first) or when `jobs` is closed
/// and empty. Either way it flushes its results to `backend`, and returns its summary
/// only once the flush is done. While there is no job, it sleeps until a job comes or
/// the token fires.
pub async fn run_worker<B: Backend>(
    id: usize,
    token: CancellationToken,
    mut jobs: mpsc::Receiver<u64>,
    backend: Arc<B>,
) -> Summary {
    let mut results = Vec::new();
    let stopped = loop {
        // Waiting for a job and waiting for the token are one wait: a worker that only
        // looked at the token between jobs would never see a cancel while idle.
        // `biased`: the token is looked at first, so once it has fired no new job is
        // taken. Dropping the `recv` that lost is harmless: `recv` is cancel safe (a job
        // is either taken and returned, or left in the channel).
        let job = tokio::select! {
            biased;
            () = token.cancelled() => break Stop::Cancelled,
            job = jobs.recv() => job,
        };
        let Some(job) = job else {
            break Stop::NoMoreJobs;
        };
        // Handled outside the `select!`: a job taken is finished even if the token fires
        // meanwhile. Inside a branch's future, a cancel would drop it half done, and it
        // would be in no channel and no flush.
        results.push(backend.handle(job).await);
    };
    // The clean-up awaits, so no `Drop` can do it: it runs here, after the loop, on both
    // ways out. It is awaited, not spawned: the summary means "flushed".
    let handled = results.len();
    backend.flush(id, results).await;
    Summary {
        worker: id,
        handled,
        stopped,
    }
}

/// Reads frames from a byte stream: each frame is its body's length (a `u32`, big-endian)
/// and then that many bytes.
pub struct FrameReader<R> {
    reader: R,
    /// What has arrived and has not been handed out yet: the start of the current frame
    /// (and maybe more). It lives here, not in `next_frame`'s future, so that dropping
    /// that future loses nothing.
    buffer: Vec<u8>,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    /// A reader of the frames that `reader` carries.
    pub fn new(reader: R) -> Self {
        FrameReader {
            reader,
            buffer: Vec::new(),
        }
    }

    /// The next frame's body, or `Ok(None)` if the stream ended cleanly between two
    /// frames.
    ///
    /// Cancel safe: if the future is dropped before it is ready (a `select!` took another
    /// branch, a timeout fired), no byte is lost: what was read stays in the reader, and
    /// the next call goes on from there. While no bytes come, the future sleeps until the
    /// stream wakes it.
    ///
    /// Errors: `UnexpectedEof` if the stream ends inside a frame (in its length or its
    /// body); `InvalidData` if a frame announces a body longer than [`MAX_FRAME`], before
    /// any of that body is read; an error of the stream itself, as it came.
    pub async fn next_frame(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(header) = self.buffer.first_chunk::<4>() {
                let len = u32::from_be_bytes(*header) as usize;
                if len > MAX_FRAME {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("a frame of {len} bytes, over the limit of {MAX_FRAME}"),
                    ));
                }
                if self.buffer.len() >= 4 + len {
                    let body = self.buffer[4..4 + len].to_vec();
                    self.buffer.drain(..4 + len);
                    return Ok(Some(body));
                }
            }
            // The only await. `read_buf` is cancel safe: dropped before it is ready, it
            // has read nothing; ready, it has put the bytes in `self.buffer` already.
            // (`read_exact` is not: what it read so far lives in its own future.)
            if self.reader.read_buf(&mut self.buffer).await? == 0 {
                return if self.buffer.is_empty() {
                    Ok(None)
                } else {
                    Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the stream ended inside a frame",
                    ))
                };
            }
        }
    }
}
