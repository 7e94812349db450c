//! Wrong: runs the instructions without taking the GIL at all.
pub use ch03_solution::ex01_gil::{Gil, GilGuard, Program, Step};
use std::thread;

pub fn run_threads(_gil: &Gil, programs: Vec<Box<dyn Program>>) -> Vec<u64> {
    thread::scope(|s| {
        let threads: Vec<_> = programs
            .into_iter()
            .map(|mut p| {
                s.spawn(move || {
                    loop {
                        if let Step::Done(r) = p.step() {
                            return r;
                        }
                    }
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    })
}
