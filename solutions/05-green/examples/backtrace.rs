//! What a backtrace looks like from inside a green thread: a panic three calls deep in a
//! green thread spawned by another one. Run it with
//! `RUST_BACKTRACE=1 cargo run -p ch05-green-solution --example ch05-backtrace`
//! (a debug build: its frames have names and lines), or under gdb with a breakpoint on
//! `parse_reply` and `bt` (see `book/src/ch05-green/safety.md`). With the argument `asm`,
//! the green threads run on the hand-written switch of exercise 05.5 instead of corosensei.

use ch05_green::ex02_scheduler::spawn;

#[inline(never)]
fn parse_reply(reply: &str) -> u32 {
    reply.trim().parse().expect("the reply is not a number")
}

#[inline(never)]
fn fetch(request: u32) -> u32 {
    // A green thread would wait for the network here; this one has an answer at once.
    let reply = if request == 2 { "two" } else { "7" };
    parse_reply(reply)
}

#[inline(never)]
fn worker(request: u32) -> u32 {
    fetch(request) + 1
}

fn main() {
    let main = || {
        let handles: Vec<_> = (1..=2).map(|r| spawn(move || worker(r))).collect();
        handles.into_iter().map(|h| h.join()).collect::<Vec<_>>()
    };
    let results = if std::env::args().any(|a| a == "asm") {
        ch05_green::ex05_switch::run(main)
    } else {
        ch05_green::ex02_scheduler::run(main)
    };
    for (request, result) in (1..).zip(results) {
        match result {
            Ok(value) => println!("request {request}: {value}"),
            Err(e) => println!("request {request} failed: {e}"),
        }
    }
}
