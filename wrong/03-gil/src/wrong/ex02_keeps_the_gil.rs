//! Wrong: makes the blocking call while still holding the GIL.
pub use ch03_solution::ex02_release::{BlockingCall, Gil, GilGuard, Program, Step};
use std::thread;

pub fn run_threads(gil: &Gil, programs: Vec<Box<dyn Program>>) -> Vec<u64> {
    thread::scope(|s| {
        let threads: Vec<_> = programs
            .into_iter()
            .map(|mut p| {
                s.spawn(move || {
                    let _gil = gil.acquire();
                    loop {
                        match p.step() {
                            Step::Ran => {}
                            Step::Blocking(call) => call(),
                            Step::Done(r) => return r,
                        }
                    }
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    })
}
