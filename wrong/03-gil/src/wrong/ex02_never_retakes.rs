//! Wrong: releases the GIL for the first blocking call and never takes it back.
pub use ch03_solution::ex02_release::{BlockingCall, Gil, GilGuard, Program, Step};
use std::thread;

pub fn run_threads(gil: &Gil, programs: Vec<Box<dyn Program>>) -> Vec<u64> {
    thread::scope(|s| {
        let threads: Vec<_> = programs
            .into_iter()
            .map(|mut p| {
                s.spawn(move || {
                    let mut gil_held = Some(gil.acquire());
                    loop {
                        match p.step() {
                            Step::Ran => {}
                            Step::Blocking(call) => {
                                gil_held = None;
                                call();
                            }
                            Step::Done(r) => {
                                drop(gil_held);
                                return r;
                            }
                        }
                    }
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    })
}
