//! Wrong: releases the GIL around blocking calls, but runs one thread after another.
pub use ch03_solution::ex02_release::{BlockingCall, Gil, GilGuard, Program, Step};
use std::thread;

pub fn run_threads(gil: &Gil, programs: Vec<Box<dyn Program>>) -> Vec<u64> {
    thread::scope(|s| {
        programs
            .into_iter()
            .map(|mut p| {
                s.spawn(move || {
                    let mut gil_held = gil.acquire();
                    loop {
                        match p.step() {
                            Step::Ran => {}
                            Step::Blocking(call) => {
                                drop(gil_held);
                                call();
                                gil_held = gil.acquire();
                            }
                            Step::Done(r) => return r,
                        }
                    }
                })
                .join()
                .unwrap()
            })
            .collect()
    })
}
