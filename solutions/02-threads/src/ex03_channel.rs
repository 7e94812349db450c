//! Exercise 02.3: many producers, one consumer, an `mpsc` channel between them.
//!
//! Book: `book/src/ch02-threads/channels.md`.

use std::sync::mpsc::{self, Sender};
use std::thread;

/// Runs each producer on a thread of its own and gives it a [`Sender`] to send its
/// messages with. Hands every message to `on_message`, on the calling thread, as soon as it
/// arrives (while the producers are still running).
///
/// Returns how many messages there were, once every producer has hung up and every
/// producer thread has been joined. If a producer panicked, this panics with that
/// producer's own panic (its message intact).
pub fn fan_in<T, P>(producers: Vec<P>, mut on_message: impl FnMut(T)) -> usize
where
    T: Send + 'static,
    P: FnOnce(Sender<T>) + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    let handles: Vec<_> = producers
        .into_iter()
        .map(|produce| {
            let tx = tx.clone();
            thread::spawn(move || produce(tx))
        })
        .collect();
    // The receiving loop below ends when *every* sender is gone. The producers' clones go
    // when they finish; this original would keep the channel open forever, and the loop
    // would wait for a message that can never come. So it goes now.
    drop(tx);

    // Receive while the producers run: each message is handled as it arrives.
    let mut count = 0;
    for message in rx {
        on_message(message);
        count += 1;
    }

    // The channel is closed, but a producer may still be running after hanging up.
    // Joining makes "returned" mean "finished", and passes on a producer's panic.
    for handle in handles {
        handle
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
    }
    count
}
