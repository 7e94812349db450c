//! Exercise 06.4: `join` and `select` by hand: several futures driven by one.
//!
//! Book: `book/src/ch06-futures/join-select.md`. Fill in the `todo!()`s: the `poll` of
//! `Join`, `JoinAll` and `Select`. The constructors are given.

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

// ANCHOR: join
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
// ANCHOR_END: join

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
        todo!("poll each future that has no output yet; Ready when both have one")
    }
}

// ANCHOR: join_all
/// The future of [`join_all`]: ready with every output, in the order given.
pub struct JoinAll<F: Future> {
    /// The futures, each pinned in its own box.
    futures: Vec<Pin<Box<F>>>,
    /// One slot per future: `Some` once it has returned `Ready`.
    outputs: Vec<Option<F::Output>>,
}
// ANCHOR_END: join_all

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
        todo!("the same as Join, for every future")
    }
}

// ANCHOR: select
/// The future of [`select`]: ready with the output of whichever future finishes first.
pub struct Select<A, B> {
    /// `None` once the select has finished: the winner has given its output and the loser
    /// has been dropped.
    a: Option<Pin<Box<A>>>,
    b: Option<Pin<Box<B>>>,
}
// ANCHOR_END: select

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
        todo!("poll a, then b; the first Ready wins, and the loser is dropped now")
    }
}
