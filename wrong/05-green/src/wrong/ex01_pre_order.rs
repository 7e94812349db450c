//! Wrong: yields each value before walking its left subtree (pre-order).
//!
//! A copy of the reference solution with that one change.

use corosensei::{Coroutine, Yielder};

/// A binary tree of numbers, for walking with a coroutine.
#[derive(Clone, Debug)]
pub enum Tree {
    Leaf,
    Node(Box<Tree>, u32, Box<Tree>),
}

impl Tree {
    /// A node with the given left subtree, value and right subtree.
    pub fn node(left: Tree, value: u32, right: Tree) -> Tree {
        Tree::Node(Box::new(left), value, Box::new(right))
    }

    /// A node with no children.
    pub fn leaf(value: u32) -> Tree {
        Tree::node(Tree::Leaf, value, Tree::Leaf)
    }
}

/// A coroutine that adds up the numbers it is resumed with.
///
/// Every `resume(n)` with `n != 0` adds `n` to the total and gets the total so far back as
/// a `Yield`. `resume(0)` ends it: it returns the final total.
pub fn running_total() -> Coroutine<i64, i64, i64> {
    Coroutine::new(|yielder: &Yielder<i64, i64>, first: i64| {
        // The first value arrives as the closure's argument, not from a `suspend`:
        // forgetting it is the classic mistake with this API.
        let mut total = 0;
        let mut input = first;
        while input != 0 {
            total += input;
            // Suspend here, hand `total` to whoever resumed us, and wait for the next
            // number. `total` and `input` stay on this coroutine's own stack meanwhile.
            input = yielder.suspend(total);
        }
        total
    })
}

/// A coroutine that walks `tree` in order (left subtree, value, right subtree) and yields
/// each value. It returns `()` when the walk is over.
///
/// The walk is an ordinary recursive function: the coroutine suspends from deep inside it,
/// and every frame of the recursion waits on the coroutine's stack until it is resumed.
pub fn in_order(tree: Tree) -> Coroutine<(), u32, ()> {
    Coroutine::new(move |yielder: &Yielder<(), u32>, ()| walk(&tree, yielder))
}

fn walk(tree: &Tree, yielder: &Yielder<(), u32>) {
    if let Tree::Node(left, value, right) = tree {
        yielder.suspend(*value);
        walk(left, yielder);
        walk(right, yielder);
    }
}

/// Whether two trees hold the same values in the same order, whatever their shapes.
///
/// The classic "same fringe" problem: walk both trees side by side, one value at a time,
/// and stop at the first difference, without building a list of either.
pub fn same_fringe(a: Tree, b: Tree) -> bool {
    let mut a = in_order(a);
    let mut b = in_order(b);
    loop {
        // Each `resume` runs one walk until its next value; the other walk stays suspended
        // in the middle of its recursion.
        match (a.resume(()).as_yield(), b.resume(()).as_yield()) {
            (Some(x), Some(y)) if x == y => continue,
            (None, None) => return true,
            _ => return false,
        }
    }
}
