//! Exercise 06.4: `join` and `select` by hand: several futures driven by one.
//!
//! Book: `book/src/ch06-futures/join-select.md`. A combinator is a future whose `poll`
//! polls the futures inside it: concurrency inside one task, with no executor help.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// One of two outputs: which future of a [`select`] finished first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Either<A, B> {
    /// The first future finished first.
    Left(A),
    /// The second future finished first.
    Right(B),
}

/// The future of [`join`]: ready with both outputs once both futures are.
pub struct Join<A: Future, B: Future> {
    /// The futures, boxed so that `Join` can move freely (it is `Unpin`) while they stay
    /// pinned where they are.
    a: Pin<Box<A>>,
    b: Pin<Box<B>>,
    /// Each output, once its future has returned it. A future that has returned `Ready`
    /// must never be polled again: these say which ones have.
    a_out: Option<A::Output>,
    b_out: Option<B::Output>,
}

// `Join` never pins its outputs (only the boxed futures are pinned, and the boxes stay
// put), so moving a `Join` is fine whatever the outputs are.
impl<A: Future, B: Future> Unpin for Join<A, B> {}

/// Runs `a` and `b` concurrently, in the task that polls the result, and returns both
/// outputs.
pub fn join<A: Future, B: Future>(a: A, b: B) -> Join<A, B> {
    Join {
        a: Box::pin(a),
        b: Box::pin(b),
        a_out: None,
        b_out: None,
    }
}

impl<A: Future, B: Future> Future for Join<A, B> {
    type Output = (A::Output, B::Output);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // Poll *both* on every wake-up (each that is not done): a waiting `a` must not
        // keep `b` from running. Both store the same waker, so either can wake us.
        if this.a_out.is_none()
            && let Poll::Ready(out) = this.a.as_mut().poll(cx)
        {
            this.a_out = Some(out);
        }
        if this.b_out.is_none()
            && let Poll::Ready(out) = this.b.as_mut().poll(cx)
        {
            this.b_out = Some(out);
        }
        if this.a_out.is_some() && this.b_out.is_some() {
            let a = this.a_out.take().expect("checked above");
            let b = this.b_out.take().expect("checked above");
            Poll::Ready((a, b))
        } else {
            Poll::Pending
        }
    }
}

/// The future of [`join_all`]: ready with every output, in the order given.
pub struct JoinAll<F: Future> {
    /// The futures, each pinned in its own box.
    futures: Vec<Pin<Box<F>>>,
    /// One slot per future: `Some` once it has returned `Ready`.
    outputs: Vec<Option<F::Output>>,
}

impl<F: Future> Unpin for JoinAll<F> {}

/// Runs every future concurrently and returns their outputs in the order given.
pub fn join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> JoinAll<F> {
    let futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let outputs = futures.iter().map(|_| None).collect();
    JoinAll { futures, outputs }
}

impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut all_done = true;
        for (future, output) in this.futures.iter_mut().zip(&mut this.outputs) {
            // Finished ones are skipped: polling them again is a bug (many panic).
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(out) => *output = Some(out),
                    Poll::Pending => all_done = false,
                }
            }
        }
        if all_done {
            Poll::Ready(
                this.outputs
                    .iter_mut()
                    .map(|o| o.take().expect("all done"))
                    .collect(),
            )
        } else {
            Poll::Pending
        }
    }
}

/// The future of [`select`]: ready with the output of whichever future finishes first.
pub struct Select<A, B> {
    /// `None` once the select has finished: the winner has given its output and the loser
    /// has been dropped.
    a: Option<Pin<Box<A>>>,
    b: Option<Pin<Box<B>>>,
}

impl<A, B> Unpin for Select<A, B> {}

/// Waits for the first of `a` and `b` to finish and returns its output. The other one is
/// dropped at that moment: it is cancelled, and never runs again.
///
/// When both are ready in the same poll, `a` wins (the select is *biased*).
pub fn select<A: Future, B: Future>(a: A, b: B) -> Select<A, B> {
    Select {
        a: Some(Box::pin(a)),
        b: Some(Box::pin(b)),
    }
}

impl<A: Future, B: Future> Future for Select<A, B> {
    type Output = Either<A::Output, B::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let (Some(a), Some(b)) = (&mut this.a, &mut this.b) else {
            panic!("a Select was polled after it returned Ready");
        };
        let winner = if let Poll::Ready(out) = a.as_mut().poll(cx) {
            Either::Left(out)
        } else if let Poll::Ready(out) = b.as_mut().poll(cx) {
            Either::Right(out)
        } else {
            return Poll::Pending;
        };
        // Cancel the loser now, not whenever this `Select` happens to be dropped: its
        // destructor runs here (a timer deregistered, a connection closed, a lock freed).
        this.a = None;
        this.b = None;
        Poll::Ready(winner)
    }
}
