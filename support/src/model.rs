//! Model checking a learner's module with `loom` (for build scripts; enabled by this
//! crate's `model` feature).
//!
//! An exercise whose correctness is an ordering of locks, atomics, park/unpark and wakers
//! takes its primitives from the chapter's `crate::sync` module (std's own) instead of
//! `std::sync`. Its test file compiles the module a second time, inside the test crate,
//! next to a `sync` module of the test's that holds loom's primitives:
//!
//! ```ignore
//! mod sync {
//!     pub use loom::sync::{Arc, Condvar, Mutex, atomic};
//!     pub use loom::thread;
//! }
//! mod under_loom {
//!     include!(concat!(env!("OUT_DIR"), "/model/ex02_delay.rs"));
//! }
//! ```
//!
//! In that copy, `crate::sync` is the test's module, so `loom::model` can run the
//! learner's own code and try every interleaving of its threads. The build script of the
//! exercise crate (and of the solution crate, which runs the same tests) calls
//! [`copy_modules`] to write the copies; a wrong-answer crate's `mutations::build` writes
//! its mutated module there instead when its feature is on.

use std::path::PathBuf;
use std::{env, fs};

/// Writes each of `modules` (files `<src>/<module>.rs`, relative to the crate) to
/// `OUT_DIR/model/<module>.rs`, ready for `include!`. Call it from a build script.
pub fn copy_modules(src: &str, modules: &[&str]) {
    let here = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("run from a build script"));
    let out = model_dir();
    for module in modules {
        let path = here.join(src).join(format!("{module}.rs"));
        println!("cargo::rerun-if-changed={}", path.display());
        let source = fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        fs::write(out.join(format!("{module}.rs")), for_include(&source))
            .expect("OUT_DIR is writable");
    }
}

/// `OUT_DIR/model`, made if need be.
pub fn model_dir() -> PathBuf {
    let out = PathBuf::from(env::var("OUT_DIR").expect("run from a build script")).join("model");
    fs::create_dir_all(&out).expect("OUT_DIR is writable");
    out
}

/// A module's source as `include!` takes it: items only, so without the module's inner
/// doc comments (`//!`) and inner attributes (`#![…]`).
pub fn for_include(source: &str) -> String {
    source
        .lines()
        .filter(|line| {
            let line = line.trim_start();
            !line.starts_with("//!") && !line.starts_with("#![")
        })
        .map(|line| format!("{line}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_docs_and_attributes_are_left_out() {
        let source = "//! Module doc.\n#![allow(dead_code)]\n\n/// Item doc.\nfn f() {}\n";
        assert_eq!(for_include(source), "\n/// Item doc.\nfn f() {}\n");
    }
}
