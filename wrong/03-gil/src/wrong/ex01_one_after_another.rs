//! Wrong: starts each thread only after the previous one has finished.
pub use ch03_solution::ex01_gil::{Gil, GilGuard, Program, Step};
use std::thread;

pub fn run_threads(gil: &Gil, programs: Vec<Box<dyn Program>>) -> Vec<u64> {
    thread::scope(|s| {
        programs
            .into_iter()
            .map(|mut p| {
                s.spawn(move || {
                    loop {
                        let step = {
                            let _gil = gil.acquire();
                            p.step()
                        };
                        if let Step::Done(r) = step {
                            return r;
                        }
                    }
                })
                .join()
                .unwrap()
            })
            .collect()
    })
}
