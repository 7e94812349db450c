//! Exercise 05.5: your own context switch, in assembly, on stable Rust.
//!
//! Book: `book/src/ch05-green/switch.md`. Write `switch` and `prepare_stack` (and a
//! trampoline) in assembly; the rest is given. [`AsmContext`] implements the scheduler's
//! [`Context`] with a hand-written switch for x86_64 and aarch64; [`run`] runs the
//! scheduler of 05.2 on it. On other targets [`SUPPORTED`] is `false` and creating a
//! context panics.

use std::any::Any;
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::ptr;

use corosensei::stack::{DefaultStack, Stack};

pub use crate::ex02_scheduler::{Context, JoinHandle, spawn, yield_now};

/// Whether this target has a hand-written switch: x86_64 and aarch64, on Unix (Windows
/// has another calling convention and more callee-saved registers).
pub const SUPPORTED: bool = cfg!(all(
    unix,
    any(target_arch = "x86_64", target_arch = "aarch64")
));

/// The usable size of each green stack (a guard page below it catches overflows).
pub const STACK_SIZE: usize = 1024 * 1024;

/// Runs `main` and its green threads on the scheduler of 05.2, switching with
/// [`AsmContext`] instead of corosensei.
pub fn run<T: 'static>(main: impl FnOnce() -> T + 'static) -> T {
    crate::ex02_scheduler::run_with::<AsmContext, T>(main)
}

/// A green thread's context: its own stack and, while it is not running, its saved stack
/// pointer (the registers it needs are saved on that stack).
pub struct AsmContext {
    // Boxed: the green thread's first frame and `CURRENT` point at it, so it must not
    // move when the `AsmContext` does.
    inner: Box<Inner>,
}

struct Inner {
    /// mmap'ed by corosensei's `DefaultStack`, with a guard page below it: an overflow
    /// hits the guard page and the process dies with SIGSEGV instead of overwriting the
    /// heap.
    stack: DefaultStack,
    /// The green thread's stack pointer while it is suspended (or about to start).
    sp: *mut u8,
    /// The stack pointer of whoever resumed it, while it runs.
    caller_sp: *mut u8,
    /// The body, until the green thread starts and takes it.
    body: Option<Box<dyn FnOnce()>>,
    /// A panic that escaped the body, carried across the switch to be raised again by
    /// `resume` on the resumer's stack. (The scheduler catches panics before this.)
    panic: Option<Box<dyn Any + Send>>,
    started: bool,
    finished: bool,
}

thread_local! {
    /// The context running on this OS thread: how `suspend` (a free function) finds
    /// where to save the stack pointer and where to go back to.
    static CURRENT: Cell<*mut Inner> = const { Cell::new(ptr::null_mut()) };
}

impl Context for AsmContext {
    fn new(body: Box<dyn FnOnce()>) -> Self {
        if !SUPPORTED {
            panic!("no hand-written switch for this target (only x86_64 and aarch64, on Unix)");
        }
        let stack = DefaultStack::new(STACK_SIZE).expect("the OS refused to map a stack");
        let mut inner = Box::new(Inner {
            stack,
            sp: ptr::null_mut(),
            caller_sp: ptr::null_mut(),
            body: Some(body),
            panic: None,
            started: false,
            finished: false,
        });
        let top = inner.stack.base().get() as *mut u8;
        let arg: *mut Inner = &mut *inner;
        // SAFETY: `top` is the high end of a stack we own (mapped, writable, 16-byte
        // aligned, far bigger than the frame written), and nothing runs on it yet.
        inner.sp = unsafe { prepare_stack(top, green_entry, arg.cast()) };
        Self { inner }
    }

    fn resume(&mut self) -> bool {
        assert!(
            !self.inner.finished,
            "resumed a green thread that has finished"
        );
        self.inner.started = true;
        let inner: *mut Inner = &mut *self.inner;
        // Remember who was running (nesting: a green thread may resume another).
        let outer = CURRENT.replace(inner);
        // SAFETY: `sp` is what `prepare_stack` or the thread's last `switch` left: a stack
        // pointer into its own live stack with a switch frame on top. `caller_sp` is a
        // valid place to write ours. We return here when it switches back to `caller_sp`.
        unsafe { switch(&raw mut (*inner).caller_sp, (*inner).sp) };
        CURRENT.set(outer);
        if let Some(payload) = self.inner.panic.take() {
            // Unwinding never crosses a switch: it starts again here, on our own stack.
            panic::resume_unwind(payload);
        }
        self.inner.finished
    }

    fn suspend() {
        let inner = CURRENT.get();
        assert!(
            !inner.is_null(),
            "suspend was called outside a green thread"
        );
        // SAFETY: `CURRENT` is the context running right now (set by its `resume`), so we
        // are on its stack, and `caller_sp` is the resumer's stack pointer, saved by the
        // `switch` in `resume`, whose frame is still waiting there.
        unsafe { switch(&raw mut (*inner).sp, (*inner).caller_sp) };
    }
}

impl Drop for AsmContext {
    fn drop(&mut self) {
        if self.inner.started && !self.inner.finished {
            // A suspended green thread has frames on its stack whose destructors never
            // ran, and we cannot unwind them (corosensei can). Freeing that memory could
            // break promises made by values on it (`Pin`'s, for one), so leak the stack:
            // never freed is safe, freed too early is not.
            let stack = std::mem::replace(&mut self.inner.stack, empty_stack());
            std::mem::forget(stack);
        }
    }
}

/// A minimal stack, to stand in for the one being leaked.
fn empty_stack() -> DefaultStack {
    DefaultStack::new(0).expect("the OS refused to map a stack")
}

/// The first Rust code on a new green stack. It never returns: there is nothing to
/// return to (the trampoline that called it was entered by a `ret`, not a `call`).
extern "C" fn green_entry(arg: *mut u8) -> ! {
    let inner: *mut Inner = arg.cast();
    // SAFETY: `arg` is the `Inner` this stack belongs to (passed by `new`); it is boxed
    // and outlives the green thread, which only runs while its `AsmContext` is resumed.
    let body = unsafe { (*inner).body.take() }.expect("a green thread starts once");
    // Unwinding past this frame would reach the trampoline, which has no unwind
    // information: catch the panic here and let `resume` raise it on the other side.
    let outcome = panic::catch_unwind(AssertUnwindSafe(body));
    // SAFETY: as in `suspend`: we run on this context's stack and `caller_sp` is the
    // resumer's. Nothing on this stack needs dropping any more (the panic, if any, is
    // moved out); the context is never resumed again.
    unsafe {
        (*inner).panic = outcome.err();
        (*inner).finished = true;
        switch(&raw mut (*inner).sp, (*inner).caller_sp);
    }
    // `resume` refuses to resume a finished context, so this is never reached.
    std::process::abort();
}

/// Saves the callee-saved registers of the running code on its stack, stores its stack
/// pointer in `*save_sp`, loads `load_sp`, restores the registers saved there and returns
/// into that other context: on its stack, at the place where it called `switch` (or, the
/// first time, into the code `prepare_stack` set up).
///
/// Write it as `#[unsafe(naked)] unsafe extern "C" fn` with `core::arch::naked_asm!`, once
/// for x86_64 and once for aarch64, each under `#[cfg(all(unix, target_arch = "…"))]`, and
/// keep a version for other targets that is never reached (`SUPPORTED` is false there).
///
/// # Safety
/// `load_sp` must be a stack pointer saved by `switch` or built by `prepare_stack`, on a
/// stack that is still alive; `save_sp` must be valid for a write.
unsafe fn switch(save_sp: *mut *mut u8, load_sp: *mut u8) {
    todo!("naked: push the callee-saved registers, save sp, load the other sp, pop, ret")
}

/// Prepares a new stack whose high end is `top` so that the first `switch` to the stack
/// pointer it returns starts running `entry(arg)` on it, with the stack aligned as the ABI
/// wants (16 bytes at a call).
///
/// `switch` ends with a `ret`, not a call: so the frame you write is what `switch` pops
/// (registers, then a return address). Point that return address at a tiny naked
/// trampoline that moves `arg` into the first-argument register and calls `entry`, both of
/// which you left in callee-saved registers of the frame.
///
/// # Safety
/// `top` must be the high end of a writable stack with room for the frame below it.
unsafe fn prepare_stack(top: *mut u8, entry: extern "C" fn(*mut u8) -> !, arg: *mut u8) -> *mut u8 {
    todo!("write the frame that `switch` pops, ending in a trampoline that calls entry(arg)")
}
