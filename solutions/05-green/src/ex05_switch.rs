//! Exercise 05.5: your own context switch, in assembly, on stable Rust.
//!
//! Book: `book/src/ch05-green/switch.md`. [`AsmContext`] implements the scheduler's
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

// ANCHOR: x86_64
/// Saves the callee-saved registers on the current stack, stores the stack pointer in
/// `*save_sp`, loads `load_sp` and restores the registers saved there, then returns into
/// the other context.
///
/// # Safety
/// `load_sp` must be a stack pointer saved by `switch` or built by `prepare_stack`, on a
/// stack that is still alive; `save_sp` must be valid for a write.
#[cfg(all(unix, target_arch = "x86_64"))]
#[unsafe(naked)]
unsafe extern "C" fn switch(save_sp: *mut *mut u8, load_sp: *mut u8) {
    // System V (Linux, macOS): rdi = save_sp, rsi = load_sp. The caller has
    // already saved every caller-saved register it cares about (this is a function call),
    // so only the callee-saved ones must survive: rbx, rbp, r12–r15 (and rsp itself).
    core::arch::naked_asm!(
        "push rbp",
        "push rbx",
        "push r12",
        "push r13",
        "push r14",
        "push r15",
        "mov [rdi], rsp",
        // From here on we are on the other stack.
        "mov rsp, rsi",
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop rbx",
        "pop rbp",
        // Returns to where the other context called `switch`, or, the first time, to the
        // trampoline that `prepare_stack` left on top of a new stack.
        "ret",
    )
}

/// The first code on a new stack: calls `entry(arg)`, which `prepare_stack` left in r13
/// and r12. `entry` never returns; `ud2` traps if it ever did.
#[cfg(all(unix, target_arch = "x86_64"))]
#[unsafe(naked)]
unsafe extern "C" fn trampoline() {
    core::arch::naked_asm!("mov rdi, r12", "call r13", "ud2")
}

/// Writes the frame that the first `switch` into a new stack pops: six zeroed callee-saved
/// registers (r12 = `arg`, r13 = `entry`) and, as the return address, the trampoline.
/// Returns the stack pointer to give `switch`.
///
/// # Safety
/// `top` must be the high end of a writable stack with room for 64 bytes below it.
#[cfg(all(unix, target_arch = "x86_64"))]
unsafe fn prepare_stack(top: *mut u8, entry: extern "C" fn(*mut u8) -> !, arg: *mut u8) -> *mut u8 {
    // The ABI wants rsp 16-byte aligned before a `call`: after the `ret` into the
    // trampoline pops the last word, rsp is `top`, aligned, and `call r13` is right.
    let top = (top as usize) & !15;
    let frame: [usize; 7] = [
        0,                                // r15
        0,                                // r14
        entry as usize,                   // r13
        arg as usize,                     // r12
        0,                                // rbx
        0,                                // rbp
        trampoline as *const () as usize, // return address
    ];
    let sp = (top - frame.len() * 8) as *mut usize;
    // SAFETY: the caller promises 64 writable bytes below `top`; `sp` is 8-aligned.
    unsafe { ptr::copy_nonoverlapping(frame.as_ptr(), sp, frame.len()) };
    sp.cast()
}
// ANCHOR_END: x86_64

// ANCHOR: aarch64
/// aarch64 version of the switch: x19–x28, the frame pointer x29, the link register x30
/// (our return address) and d8–d15 are callee-saved (AAPCS64).
///
/// # Safety
/// As for the x86_64 version.
#[cfg(all(unix, target_arch = "aarch64"))]
#[unsafe(naked)]
unsafe extern "C" fn switch(save_sp: *mut *mut u8, load_sp: *mut u8) {
    core::arch::naked_asm!(
        "sub sp, sp, #160",
        "stp x19, x20, [sp, #0]",
        "stp x21, x22, [sp, #16]",
        "stp x23, x24, [sp, #32]",
        "stp x25, x26, [sp, #48]",
        "stp x27, x28, [sp, #64]",
        "stp x29, x30, [sp, #80]",
        "stp d8, d9, [sp, #96]",
        "stp d10, d11, [sp, #112]",
        "stp d12, d13, [sp, #128]",
        "stp d14, d15, [sp, #144]",
        "mov x2, sp",
        "str x2, [x0]",
        // From here on we are on the other stack.
        "mov sp, x1",
        "ldp x19, x20, [sp, #0]",
        "ldp x21, x22, [sp, #16]",
        "ldp x23, x24, [sp, #32]",
        "ldp x25, x26, [sp, #48]",
        "ldp x27, x28, [sp, #64]",
        "ldp x29, x30, [sp, #80]",
        "ldp d8, d9, [sp, #96]",
        "ldp d10, d11, [sp, #112]",
        "ldp d12, d13, [sp, #128]",
        "ldp d14, d15, [sp, #144]",
        "add sp, sp, #160",
        // Jumps to x30: where the other context called `switch`, or the trampoline.
        "ret",
    )
}

/// The first code on a new stack: calls `entry(arg)` (left in x20 and x19).
#[cfg(all(unix, target_arch = "aarch64"))]
#[unsafe(naked)]
unsafe extern "C" fn trampoline() {
    core::arch::naked_asm!("mov x0, x19", "blr x20", "brk #1")
}

/// Writes the 160-byte frame that the first `switch` into a new stack loads: x19 = `arg`,
/// x20 = `entry`, x30 = the trampoline, everything else zero.
///
/// # Safety
/// `top` must be the high end of a writable stack with room for 160 bytes below it.
#[cfg(all(unix, target_arch = "aarch64"))]
unsafe fn prepare_stack(top: *mut u8, entry: extern "C" fn(*mut u8) -> !, arg: *mut u8) -> *mut u8 {
    // sp must always be 16-byte aligned on aarch64.
    let top = (top as usize) & !15;
    let mut frame = [0usize; 20];
    frame[0] = arg as usize; // x19
    frame[1] = entry as usize; // x20
    frame[11] = trampoline as *const () as usize; // x30
    let sp = (top - frame.len() * 8) as *mut usize;
    // SAFETY: the caller promises 160 writable bytes below `top`; `sp` is 16-aligned.
    unsafe { ptr::copy_nonoverlapping(frame.as_ptr(), sp, frame.len()) };
    sp.cast()
}
// ANCHOR_END: aarch64

/// Other targets: no switch. `AsmContext::new` refuses before these are reached.
#[cfg(not(all(unix, any(target_arch = "x86_64", target_arch = "aarch64"))))]
unsafe fn switch(_save_sp: *mut *mut u8, _load_sp: *mut u8) {
    unreachable!("no hand-written switch for this target")
}

#[cfg(not(all(unix, any(target_arch = "x86_64", target_arch = "aarch64"))))]
unsafe fn prepare_stack(
    _top: *mut u8,
    _entry: extern "C" fn(*mut u8) -> !,
    _arg: *mut u8,
) -> *mut u8 {
    unreachable!("no hand-written switch for this target")
}
