//! loom's primitives under every name of `std` that the chapters' `crate::sync` gives
//! (feature `loom`).
//!
//! [`crate::loom::sync`] re-exports loom's `Arc`, `Mutex`, `Condvar`, atomics and threads.
//! Some exercises name more of `std` than loom has: a `MutexGuard` in a signature,
//! `Condvar::wait_while`, `JoinHandle::is_finished`, `thread::scope`. A test file whose
//! copy of a learner's module may use them says `use support::loom_std as sync;` instead
//! of `use support::loom::sync;`: the same primitives, with those filled in, so that a
//! right answer written with std's whole toolbox compiles and runs under the model too.
//!
//! ```ignore
//! use support::loom_std as sync;
//! mod under_loom {
//!     include!(concat!(env!("OUT_DIR"), "/model/ex03_switch_interval.rs"));
//! }
//! ```

pub use ::loom::sync::{Arc, Mutex, MutexGuard, atomic};
pub use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

/// loom's condition variable, with std's `wait_while` as well.
#[derive(Debug, Default)]
pub struct Condvar(::loom::sync::Condvar);

impl Condvar {
    pub fn new() -> Self {
        Self(::loom::sync::Condvar::new())
    }

    /// As `std::sync::Condvar::wait`.
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        self.0.wait(guard)
    }

    /// As `std::sync::Condvar::wait_while`: waits again as long as `condition` holds.
    pub fn wait_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: F,
    ) -> LockResult<MutexGuard<'a, T>>
    where
        F: FnMut(&mut T) -> bool,
    {
        while condition(&mut *guard) {
            guard = self.0.wait(guard)?;
        }
        Ok(guard)
    }

    pub fn notify_one(&self) {
        self.0.notify_one();
    }

    pub fn notify_all(&self) {
        self.0.notify_all();
    }
}

/// loom's threads, with std's `JoinHandle::is_finished` and `thread::scope` as well.
/// `sleep` (real time) means nothing to the model: it lets another thread run instead.
pub mod thread {
    pub use ::loom::thread::{AccessError, LocalKey, Thread, ThreadId, current, park, yield_now};

    use ::loom::sync::atomic::{AtomicBool, Ordering};
    use std::marker::PhantomData;
    // Plain std locks for what only this module touches, and never across a step of the
    // model: loom runs its threads one at a time, so they are never contended.
    use std::sync::{Arc as StdArc, Mutex as StdMutex};

    pub fn sleep(_: std::time::Duration) {
        yield_now();
    }

    /// A thread started by [`spawn`] or [`Builder::spawn`].
    #[derive(Debug)]
    pub struct JoinHandle<T> {
        inner: ::loom::thread::JoinHandle<T>,
        finished: ::loom::sync::Arc<AtomicBool>,
    }

    impl<T> JoinHandle<T> {
        pub fn join(self) -> std::thread::Result<T> {
            self.inner.join()
        }

        /// Whether the thread's closure has returned (the model sees the check).
        pub fn is_finished(&self) -> bool {
            self.finished.load(Ordering::SeqCst)
        }

        pub fn thread(&self) -> &Thread {
            self.inner.thread()
        }
    }

    /// `f`, and then a flag that says it has returned.
    fn flagged<F, T>(f: F) -> (impl FnOnce() -> T, ::loom::sync::Arc<AtomicBool>)
    where
        F: FnOnce() -> T,
    {
        let finished = ::loom::sync::Arc::new(AtomicBool::new(false));
        let flag = ::loom::sync::Arc::clone(&finished);
        let run = move || {
            let value = f();
            flag.store(true, Ordering::SeqCst);
            value
        };
        (run, finished)
    }

    pub fn spawn<F, T>(f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (run, finished) = flagged(f);
        JoinHandle {
            inner: ::loom::thread::spawn(run),
            finished,
        }
    }

    /// As `std::thread::Builder`.
    #[derive(Debug)]
    pub struct Builder(::loom::thread::Builder);

    impl Default for Builder {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Builder {
        pub fn new() -> Self {
            Self(::loom::thread::Builder::new())
        }

        pub fn name(self, name: String) -> Self {
            Self(self.0.name(name))
        }

        pub fn stack_size(self, size: usize) -> Self {
            Self(self.0.stack_size(size))
        }

        pub fn spawn<F, T>(self, f: F) -> std::io::Result<JoinHandle<T>>
        where
            F: FnOnce() -> T + Send + 'static,
            T: Send + 'static,
        {
            let (run, finished) = flagged(f);
            Ok(JoinHandle {
                inner: self.0.spawn(run)?,
                finished,
            })
        }
    }

    /// One thread of a [`scope`]: its loom handle until someone joins it.
    type Slot = StdArc<StdMutex<Option<::loom::thread::JoinHandle<()>>>>;

    /// As `std::thread::Scope`: threads spawned here may borrow what outlives the scope.
    pub struct Scope<'scope, 'env: 'scope> {
        threads: StdMutex<Vec<Slot>>,
        scope: PhantomData<&'scope mut &'scope ()>,
        env: PhantomData<&'env mut &'env ()>,
    }

    /// As `std::thread::ScopedJoinHandle`.
    pub struct ScopedJoinHandle<'scope, T> {
        thread: Slot,
        result: StdArc<StdMutex<Option<T>>>,
        finished: ::loom::sync::Arc<AtomicBool>,
        scope: PhantomData<&'scope ()>,
    }

    /// As `std::thread::scope`: every thread spawned in the scope has ended when it
    /// returns.
    pub fn scope<'env, F, T>(f: F) -> T
    where
        F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
    {
        let scope = Scope {
            threads: StdMutex::new(Vec::new()),
            scope: PhantomData,
            env: PhantomData,
        };
        let result = f(&scope);
        let threads = std::mem::take(&mut *scope.threads.lock().unwrap());
        for slot in threads {
            let unjoined = slot.lock().unwrap().take();
            if let Some(Err(panic)) = unjoined.map(|thread| thread.join()) {
                std::panic::resume_unwind(panic);
            }
        }
        result
    }

    impl<'scope> Scope<'scope, '_> {
        pub fn spawn<F, T>(&'scope self, f: F) -> ScopedJoinHandle<'scope, T>
        where
            F: FnOnce() -> T + Send + 'scope,
            T: Send + 'scope,
        {
            let result = StdArc::new(StdMutex::new(None));
            let slot = StdArc::clone(&result);
            let (run, finished) = flagged(f);
            let job: Box<dyn FnOnce() + Send + 'scope> = Box::new(move || {
                let value = run();
                *slot.lock().unwrap() = Some(value);
            });
            // SAFETY: the job borrows only what lives for 'scope, and `scope` joins every
            // thread it spawned before it returns, so the job never outlives a borrow.
            // loom needs a 'static closure; this is how std's own scope gets one too.
            let job: Box<dyn FnOnce() + Send + 'static> = unsafe { std::mem::transmute(job) };
            let thread = StdArc::new(StdMutex::new(Some(::loom::thread::spawn(job))));
            self.threads.lock().unwrap().push(StdArc::clone(&thread));
            ScopedJoinHandle {
                thread,
                result,
                finished,
                scope: PhantomData,
            }
        }
    }

    impl<T> ScopedJoinHandle<'_, T> {
        pub fn join(self) -> std::thread::Result<T> {
            let thread = self.thread.lock().unwrap().take();
            thread.expect("a scoped thread is joined once").join()?;
            let value = self.result.lock().unwrap().take();
            Ok(value.expect("a thread that ended well has stored its result"))
        }

        /// Whether the thread's closure has returned (the model sees the check).
        pub fn is_finished(&self) -> bool {
            self.finished.load(Ordering::SeqCst)
        }
    }
}
