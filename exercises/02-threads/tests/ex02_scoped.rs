//! Tests for exercise 02.2: `map_chunks`.
//!
//! Every test borrows local data and a local meeting point: nothing here is `'static`,
//! which is exactly what scoped threads allow.

use ch02_threads::ex02_scoped::map_chunks;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, RwLock};
use std::thread;
use support::{PATIENCE, Rendezvous, sched, timeout};

#[test]
fn each_chunk_runs_on_its_own_thread_at_the_same_time() {
    let sums = timeout(|| {
        let data: Vec<u64> = (1..=12).collect();
        let meeting = Rendezvous::new(3);
        let caller = thread::current().id();
        map_chunks(&data, 3, |chunk| {
            assert_ne!(
                thread::current().id(),
                caller,
                "a chunk was processed on the calling thread"
            );
            meeting.meet();
            chunk.iter().sum::<u64>()
        })
    });
    assert_eq!(sums, [10, 26, 42], "the sums of 1..=4, 5..=8 and 9..=12");
}

#[test]
fn chunks_cover_the_data_in_order() {
    let chunks = timeout(|| {
        let data: Vec<u32> = (0..10).collect();
        map_chunks(&data, 4, |chunk| chunk.to_vec())
    });
    assert_eq!(
        chunks,
        vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7, 8], vec![9]],
        "10 items in 4 parts: chunks of 3, 3, 3 and the 1 left over, in order"
    );
}

#[test]
fn never_more_chunks_than_parts() {
    let cases = [
        (10, 4),
        (7, 2),
        (9, 3),
        (9, 4),
        (5, 5),
        (3, 8),
        (1, 1),
        (11, 3),
    ];
    for (len, parts) in cases {
        let sizes = timeout(move || {
            let data = vec![0u8; len];
            map_chunks(&data, parts, <[u8]>::len)
        });
        assert!(
            sizes.len() <= parts,
            "{len} items in {parts} parts gave {} chunks: {sizes:?}",
            sizes.len()
        );
        assert_eq!(
            sizes.iter().sum::<usize>(),
            len,
            "{len} items in {parts} parts: the chunks {sizes:?} lost or repeated items"
        );
        // Every chunk but the last holds len.div_ceil(parts) items, the last the rest.
        let size = len.div_ceil(parts);
        let expected: Vec<usize> = (0..len)
            .step_by(size)
            .map(|start| size.min(len - start))
            .collect();
        assert_eq!(
            sizes, expected,
            "{len} items in {parts} parts: every chunk but the last holds \
             {len}.div_ceil({parts}) = {size} items, and the last the rest"
        );
    }
}

#[test]
fn the_closure_may_borrow_the_caller_s_state() {
    let words = timeout(|| {
        let text = String::from("threads borrow what the scope owns");
        let words: Vec<&str> = text.split(' ').collect();
        let separator = String::from("+");
        // `f` borrows `separator`, the chunks borrow `words`, which borrows `text`.
        map_chunks(&words, 2, |chunk| chunk.join(&separator)).join(" | ")
    });
    assert_eq!(
        words, "threads+borrow+what | the+scope+owns",
        "6 words in 2 parts: each chunk joined with the borrowed separator, in order"
    );
}

#[test]
fn empty_data_gives_no_results() {
    let results = timeout(|| map_chunks(&[] as &[u8], 3, |chunk| chunk.len()));
    assert!(
        results.is_empty(),
        "no data, yet results came back: {results:?}"
    );
}

#[test]
fn results_come_back_in_chunk_order_not_finishing_order() {
    // Three chunks of one item each. Chunk 0 finishes only once chunk 1 has, and chunk 1
    // only once chunk 2 has: they finish last to first, every time.
    let results = timeout(|| {
        let data = [0_usize, 1, 2];
        let finished = Mutex::new([false; 3]);
        let changed = Condvar::new();
        map_chunks(&data, 3, |chunk| {
            let me = chunk[0];
            let mut done = finished.lock().unwrap();
            if me < 2 {
                let (waited, _) = changed
                    .wait_timeout_while(done, PATIENCE, |done| !done[me + 1])
                    .unwrap();
                done = waited;
                if !done[me + 1] {
                    return None; // chunk me + 1 never finished: they did not run together
                }
            }
            done[me] = true;
            changed.notify_all();
            Some(me)
        })
    });
    assert_eq!(
        results,
        [Some(0), Some(1), Some(2)],
        "the chunks finished in the order 2, 1, 0, and the results must still be in chunk \
         order (a None is a chunk that waited in vain for the next one to finish: the \
         chunks must run at the same time). Join the threads in chunk order; a channel \
         gives the results in the order the threads finished"
    );
}

/// What a panic said, if it said it with a string.
fn message(payload: &(dyn std::any::Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

#[test]
fn a_chunk_s_panic_reaches_the_caller_with_its_message() {
    let outcome = timeout(|| {
        let data = [1_u32, 2, 3, 4];
        panic::catch_unwind(AssertUnwindSafe(|| {
            map_chunks(&data, 2, |chunk| {
                if chunk.contains(&3) {
                    panic!("the chunk with 3 in it is cursed");
                }
                chunk.len()
            })
        }))
    });
    match outcome {
        Ok(sizes) => panic!(
            "`f` panicked on the second chunk, yet `map_chunks` returned {sizes:?} as if all \
             had gone well: pass the panic that `join` returns on with \
             `std::panic::resume_unwind`"
        ),
        Err(payload) if message(&*payload) == Some("the chunk with 3 in it is cursed") => {}
        Err(payload) => match message(&*payload) {
            Some(todo) if todo.starts_with("not yet implemented") => panic::resume_unwind(payload),
            said => panic!(
                "`f` panicked with \"the chunk with 3 in it is cursed\", but the caller got \
                 a panic that says {said:?}: the chunk's own message was lost. Pass the \
                 payload that `join` returns on with `std::panic::resume_unwind` (`unwrap` \
                 replaces it with its own, and so does a scope that was left to join a \
                 panicked thread itself)"
            ),
        },
    }
}

#[test]
fn the_caller_sleeps_while_the_chunks_run() {
    // The chunks wait at a gate the test holds shut. Meanwhile the thread that called
    // `map_chunks` has nothing to do but wait for them, and it must wait asleep: `join`
    // parks it until the thread has ended. (On Linux the test reads the thread's state in
    // `/proc`; no clock.)
    timeout(|| {
        let gate = std::sync::Arc::new(RwLock::new(()));
        let shut = gate.write().unwrap();
        let caller = {
            let gate = std::sync::Arc::clone(&gate);
            sched::spawn_watched("caller", move || {
                let data: Vec<u32> = (0..6).collect();
                map_chunks(&data, 2, |chunk| {
                    drop(gate.read().unwrap());
                    chunk.len()
                })
            })
        };
        sched::assert_parks(
            caller.tid,
            "its chunks' threads to finish",
            "`ScopedJoinHandle::join` sleeps until the thread has ended.",
        );
        drop(shut);
        let sizes = caller
            .thread
            .join()
            .unwrap_or_else(|panic| panic::resume_unwind(panic));
        assert_eq!(sizes, [3, 3], "6 items in 2 parts are chunks of 3 and 3");
    });
}
