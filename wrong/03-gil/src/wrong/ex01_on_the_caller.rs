//! Wrong: interleaves the programs round robin on the calling thread; no threads at all.
pub use ch03_solution::ex01_gil::{Gil, GilGuard, Program, Step};

pub fn run_threads(gil: &Gil, programs: Vec<Box<dyn Program>>) -> Vec<u64> {
    let mut results: Vec<Option<u64>> = vec![None; programs.len()];
    let mut running: Vec<(usize, Box<dyn Program>)> = programs.into_iter().enumerate().collect();
    while !running.is_empty() {
        running.retain_mut(|(i, p)| {
            let _gil = gil.acquire();
            match p.step() {
                Step::Done(r) => {
                    results[*i] = Some(r);
                    false
                }
                Step::Ran => true,
            }
        });
    }
    results.into_iter().map(Option::unwrap).collect()
}
