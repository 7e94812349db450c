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
    todo!(
        "for each channel: a token of its own under the parent (which kind of token hears the parent but not the other way round?), and a task running run_worker"
    )
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
    jobs: mpsc::Receiver<u64>,
    backend: Arc<B>,
) -> Summary {
    todo!(
        "wait for a job and for the token at the same time; finish a job once taken; clean up on every way out, and return only when the clean-up is done"
    )
}

/// Reads frames from a byte stream: each frame is its body's length (a `u32`, big-endian)
/// and then that many bytes.
pub struct FrameReader<R> {
    // Add the fields: the stream, and a place for what has arrived but has not been
    // handed out yet (a cancelled read must not take it away with it). Then remove this
    // placeholder, which only keeps `R` in use until then.
    _placeholder: std::marker::PhantomData<R>,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    /// A reader of the frames that `reader` carries.
    pub fn new(reader: R) -> Self {
        todo!("keep the stream, and an empty place for bytes")
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
        todo!(
            "look for a whole frame in what you kept; if there is none, read more into what you keep (with a read that loses nothing when dropped), and look again"
        )
    }
}
