//! Tests for exercise 05.1: values in and out of a coroutine, and a walk that suspends
//! from deep inside a recursion.

use ch05_green::ex01_coroutine::{Tree, in_order, running_total, same_fringe};
use corosensei::CoroutineResult;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use support::timeout;

/// The system allocator, adding up on each thread the bytes asked for, so that a test can
/// see a list being built (coroutine stacks are mapped by corosensei itself, not
/// allocated here).
struct Counting;

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is passed on to `System` unchanged; the thread-local is a `Cell`
// with a const initialiser and no destructor, so touching it never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.set(ALLOCATED.get() + layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.set(ALLOCATED.get() + layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATED.set(ALLOCATED.get() + new_size.saturating_sub(layout.size()));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// 4, 2, 6, 1, 3, 5, 7 arranged as a balanced search tree.
fn balanced() -> Tree {
    Tree::node(
        Tree::node(Tree::leaf(1), 2, Tree::leaf(3)),
        4,
        Tree::node(Tree::leaf(5), 6, Tree::leaf(7)),
    )
}

/// 1..=7 as a chain leaning right: the same values, another shape.
fn chain(values: &[u32]) -> Tree {
    values
        .iter()
        .rev()
        .fold(Tree::Leaf, |right, &v| Tree::node(Tree::Leaf, v, right))
}

/// `values` as a balanced search tree (the middle value at the root).
fn balanced_of(values: &[u32]) -> Tree {
    if values.is_empty() {
        return Tree::Leaf;
    }
    let middle = values.len() / 2;
    Tree::node(
        balanced_of(&values[..middle]),
        values[middle],
        balanced_of(&values[middle + 1..]),
    )
}

/// Drives a walk to its end and collects what it yielded.
fn collect(tree: Tree) -> Vec<u32> {
    let mut walk = in_order(tree);
    let mut seen = Vec::new();
    loop {
        match walk.resume(()) {
            CoroutineResult::Yield(v) => seen.push(v),
            CoroutineResult::Return(()) => return seen,
        }
    }
}

#[test]
fn the_running_total_comes_back_after_each_number() {
    let yields = timeout(|| {
        let mut total = running_total();
        [5, 10, -3, 100]
            .into_iter()
            .map(|n| total.resume(n).as_yield())
            .collect::<Vec<_>>()
    });
    assert_eq!(
        yields,
        [Some(5), Some(15), Some(12), Some(112)],
        "each resume(n) must yield the total so far, the first number included (it arrives \
         as the closure's argument, not from suspend)"
    );
}

#[test]
fn zero_ends_the_coroutine_with_the_total() {
    let (last, done) = timeout(|| {
        let mut total = running_total();
        total.resume(7);
        total.resume(8);
        let last = total.resume(0);
        (last.as_return(), total.done())
    });
    assert_eq!(
        last,
        Some(15),
        "resume(0) must return (not yield) the final total"
    );
    assert!(done, "after returning, the coroutine must be finished");
}

#[test]
fn zero_first_returns_zero_at_once() {
    let first = timeout(|| running_total().resume(0).as_return());
    assert_eq!(
        first,
        Some(0),
        "resume(0) as the very first call must return 0"
    );
}

#[test]
fn the_walk_yields_values_in_order() {
    let seen = timeout(|| collect(balanced()));
    assert_eq!(
        seen,
        [1, 2, 3, 4, 5, 6, 7],
        "an in-order walk visits the left subtree, then the node, then the right subtree"
    );
}

#[test]
fn the_walk_of_an_empty_tree_returns_at_once() {
    let seen = timeout(|| collect(Tree::Leaf));
    assert!(seen.is_empty(), "an empty tree has nothing to yield");
}

#[test]
fn two_walks_advance_independently() {
    let (a, b) = timeout(|| {
        let mut a = in_order(balanced());
        let mut b = in_order(chain(&[10, 20, 30]));
        let mut seen_a = Vec::new();
        let mut seen_b = Vec::new();
        // Alternate: each walk must pick up exactly where it was suspended.
        for _ in 0..3 {
            seen_a.extend(a.resume(()).as_yield());
            seen_b.extend(b.resume(()).as_yield());
        }
        (seen_a, seen_b)
    });
    assert_eq!(a, [1, 2, 3], "the first walk lost its place");
    assert_eq!(b, [10, 20, 30], "the second walk lost its place");
}

#[test]
fn same_fringe_ignores_the_shape() {
    let same = timeout(|| same_fringe(balanced(), chain(&[1, 2, 3, 4, 5, 6, 7])));
    assert!(
        same,
        "the two trees hold 1..=7 in the same order: their fringes are the same"
    );
}

#[test]
fn same_fringe_sees_a_difference_or_a_longer_tree() {
    let (different, longer) = timeout(|| {
        (
            same_fringe(balanced(), chain(&[1, 2, 3, 9, 5, 6, 7])),
            same_fringe(chain(&[1, 2]), chain(&[1, 2, 3])),
        )
    });
    assert!(!different, "4 differs from 9: the fringes are not the same");
    assert!(
        !longer,
        "one tree has a value more: the fringes are not the same"
    );
}

#[test]
fn same_fringe_stops_at_the_first_difference_without_building_a_list() {
    const VALUES: u32 = 4095;
    let (same, allocated) = timeout(|| {
        // Two trees of 4095 values that differ at the very first one.
        let a: Vec<u32> = (1..=VALUES).collect();
        let mut b = a.clone();
        b[0] = 0;
        let (a, b) = (balanced_of(&a), balanced_of(&b));
        ALLOCATED.set(0);
        let same = same_fringe(a, b);
        (same, ALLOCATED.get())
    });
    assert!(
        !same,
        "the first values differ (1 and 0): the fringes are not the same"
    );
    let one_list = VALUES as usize * size_of::<u32>();
    assert!(
        allocated < one_list,
        "same_fringe asked the allocator for {allocated} bytes to compare two trees of \
         {VALUES} values that differ at the first one, more than a list of one tree's \
         values takes ({one_list} bytes): walk both trees side by side, one value at a time, \
         and stop at the first difference, without collecting either fringe"
    );
}
