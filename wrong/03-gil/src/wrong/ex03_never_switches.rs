//! Wrong: a thread keeps the GIL until its program ends; the interval is ignored.
pub use ch03_solution::ex03_switch_interval::{FairGil, FairGilGuard, Program, Step};
use std::thread;

pub fn run_threads(gil: &FairGil, programs: Vec<Box<dyn Program>>, _interval: usize) -> Vec<u64> {
    thread::scope(|s| {
        let threads: Vec<_> = programs
            .into_iter()
            .map(|mut p| {
                s.spawn(move || {
                    let _gil = gil.acquire();
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
