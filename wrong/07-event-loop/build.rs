//! Writes chapter 07's wrong answers from `mutations.toml` (see `support::mutations`),
//! the copy of 07.4's module that its tests also run under loom (see `support::model`),
//! and an unchanged copy of the reactor for the wrong answers of 07.3.

use std::path::PathBuf;
use std::{env, fs};

fn main() {
    support::mutations::build_with_model("../../solutions/07-event-loop/src", &["ex04_wakeups"]);
    // 07.3's timers are methods of the reactor (`impl Reactor` in ex03_timers), which only
    // the reactor's own crate may define: a wrong ex03 needs the reactor beside it.
    let out = PathBuf::from(env::var("OUT_DIR").expect("run by cargo"));
    let reactor = fs::read_to_string("../../solutions/07-event-loop/src/ex02_reactor.rs")
        .expect("the solution's reactor is there");
    let items: String = reactor
        .lines()
        .filter(|line| !line.starts_with("//!"))
        .map(|line| format!("{line}\n"))
        .collect();
    fs::write(out.join("ex02_reactor.rs"), items).expect("OUT_DIR is writable");
}
