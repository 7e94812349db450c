//! Tests for exercise 02.2: `map_chunks`.
//!
//! Every test borrows local data and a local meeting point: nothing here is `'static`,
//! which is exactly what scoped threads allow.

use ch02_threads::ex02_scoped::map_chunks;
use std::thread;
use support::{Rendezvous, timeout};

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
    for (len, parts) in [(10, 4), (7, 2), (9, 3), (5, 5), (3, 8), (1, 1)] {
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
