//! Exercise 02.3: many producers, one consumer, an `mpsc` channel between them.
//!
//! Book: `book/src/ch02-threads/channels.md`.

use std::sync::mpsc::Sender;

/// Runs each producer on a thread of its own and gives it a [`Sender`] to send its
/// messages with. Hands every message to `on_message`, on the calling thread, as soon as it
/// arrives (while the producers are still running).
///
/// Returns how many messages there were, once every producer has hung up and every
/// producer thread has been joined. If a producer panicked, this panics with that
/// producer's own panic (its message intact).
pub fn fan_in<T, P>(producers: Vec<P>, on_message: impl FnMut(T)) -> usize
where
    T: Send + 'static,
    P: FnOnce(Sender<T>) + Send + 'static,
{
    todo!("one channel; a clone of the sender per producer; receive until every sender is gone")
}
