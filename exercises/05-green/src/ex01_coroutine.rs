//! Exercise 05.1: a stackful coroutine, the primitive under every green thread.
//!
//! Book: `book/src/ch05-green/coroutine.md`. Fill in the three `todo!()`s:
//! `running_total`, `walk` and `same_fringe`.

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
    todo!(
        "Coroutine::new with a loop: add, suspend(total), repeat until the input is 0 (the first input is the closure's argument)"
    )
}

// ANCHOR: walk
/// A coroutine that walks `tree` in order (left subtree, value, right subtree) and yields
/// each value. It returns `()` when the walk is over.
///
/// The walk is an ordinary recursive function: the coroutine suspends from deep inside it,
/// and every frame of the recursion waits on the coroutine's stack until it is resumed.
pub fn in_order(tree: Tree) -> Coroutine<(), u32, ()> {
    Coroutine::new(move |yielder: &Yielder<(), u32>, ()| walk(&tree, yielder))
}

fn walk(tree: &Tree, yielder: &Yielder<(), u32>) {
    todo!("recurse left, suspend with the value, recurse right")
}
// ANCHOR_END: walk

// ANCHOR: same_fringe
/// Whether two trees hold the same values in the same order, whatever their shapes.
///
/// The classic "same fringe" problem: walk both trees side by side, one value at a time,
/// and stop at the first difference, without building a list of either.
pub fn same_fringe(a: Tree, b: Tree) -> bool {
    todo!("two in_order walks, resumed side by side until they differ or both end")
}
// ANCHOR_END: same_fringe
