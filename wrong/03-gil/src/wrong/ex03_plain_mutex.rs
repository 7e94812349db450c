//! Wrong: a GIL that is a plain lock (a flag and a condition variable, no tickets). A
//! thread that drops it and asks again usually gets it straight back: no fairness.
pub use ch03_solution::ex03_switch_interval::{Program, Step};
use std::sync::{Condvar, Mutex};
use std::thread;

#[derive(Debug, Default)]
pub struct FairGil {
    state: Mutex<(bool, usize)>,
    freed: Condvar,
}

#[derive(Debug)]
pub struct FairGilGuard<'a> {
    gil: &'a FairGil,
}

impl FairGilGuard<'_> {
    pub fn switch(&mut self) {
        self.gil.release();
        let _again = std::mem::ManuallyDrop::new(self.gil.acquire());
    }
}

impl Drop for FairGilGuard<'_> {
    fn drop(&mut self) {
        self.gil.release();
    }
}

impl FairGil {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn acquire(&self) -> FairGilGuard<'_> {
        let mut state = self.state.lock().unwrap();
        state.1 += 1;
        while state.0 {
            state = self.freed.wait(state).unwrap();
        }
        state.0 = true;
        state.1 -= 1;
        FairGilGuard { gil: self }
    }

    fn release(&self) {
        self.state.lock().unwrap().0 = false;
        self.freed.notify_one();
    }

    pub fn queued(&self) -> usize {
        self.state.lock().unwrap().1
    }
}

pub fn run_threads(gil: &FairGil, programs: Vec<Box<dyn Program>>, interval: usize) -> Vec<u64> {
    thread::scope(|s| {
        let threads: Vec<_> = programs
            .into_iter()
            .map(|mut p| {
                s.spawn(move || {
                    let mut gil_held = gil.acquire();
                    let mut since_switch = 0;
                    loop {
                        if let Step::Done(r) = p.step() {
                            return r;
                        }
                        since_switch += 1;
                        if since_switch == interval {
                            gil_held.switch();
                            since_switch = 0;
                        }
                    }
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    })
}
