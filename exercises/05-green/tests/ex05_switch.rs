//! Tests for exercise 05.5: the hand-written context switch, and the scheduler on it.
//!
//! On targets without a hand-written switch (Windows, and processors other than x86_64
//! and aarch64) every test is ignored, with the reason: there is nothing to check there.
//!
//! A broken switch seldom fails an assertion: it makes some later instruction fault, and
//! the process dies. So each test runs in a child process of its own
//! (`support::isolated`): a crash fails that test, with a sentence, and not the whole file.

use ch05_green::ex05_switch::{AsmContext, Context, run, spawn, yield_now};
use std::cell::{Cell, RefCell};

use std::rc::Rc;
use support::{isolated, timeout};

/// What a crash in these tests usually means.
const A_CRASH: &str = "a green thread ran on a broken stack. Look for a frame that \
    `prepare_stack` does not lay out the way `switch` pops it, a stack misaligned by 8 \
    bytes (at a function's first instruction, rsp + 8 must be a multiple of 16: the \
    trampoline `call`s entry, and the frame's size decides where that call starts), or a \
    callee-saved register that `switch` saves and restores in different orders";

type Log = Rc<RefCell<Vec<String>>>;

#[test]
#[cfg_attr(
    not(all(unix, any(target_arch = "x86_64", target_arch = "aarch64"))),
    ignore = "no hand-written context switch for this target (Unix on x86_64 or aarch64 only)"
)]
fn a_context_runs_until_it_suspends_and_goes_on_from_there() {
    isolated::run(A_CRASH, || {
        let log = timeout(|| {
            let log: Log = Rc::default();
            let inner = Rc::clone(&log);
            let mut context = AsmContext::new(Box::new(move || {
                inner.borrow_mut().push("green 1".into());
                AsmContext::suspend();
                inner.borrow_mut().push("green 2".into());
                AsmContext::suspend();
                inner.borrow_mut().push("green 3".into());
            }));
            let mut finished = Vec::new();
            for n in 1..=3 {
                log.borrow_mut().push(format!("main {n}"));
                finished.push(context.resume());
            }
            assert_eq!(
                finished,
                [false, false, true],
                "resume must return false while the context suspends and true when its body \
                 returns"
            );
            log.take()
        });
        assert_eq!(
            log,
            [
                "main 1", "green 1", "main 2", "green 2", "main 3", "green 3"
            ],
            "each resume must run the context up to its next suspend, from where it left off"
        );
    });
}

/// Recurses `depth` levels, suspending at the bottom, and adds up its locals on the way
/// back: right only if every frame survived the switches.
fn deep(depth: u64) -> u64 {
    let here = depth * 3 + 1;
    if depth == 0 {
        AsmContext::suspend();
        return here;
    }
    here + deep(depth - 1)
}

#[test]
#[cfg_attr(
    not(all(unix, any(target_arch = "x86_64", target_arch = "aarch64"))),
    ignore = "no hand-written context switch for this target (Unix on x86_64 or aarch64 only)"
)]
fn the_green_stack_keeps_every_frame_while_suspended() {
    isolated::run(A_CRASH, || {
        let total = timeout(|| {
            let result = Rc::new(RefCell::new(0));
            let out = Rc::clone(&result);
            let mut context = AsmContext::new(Box::new(move || *out.borrow_mut() = deep(500)));
            assert!(
                !context.resume(),
                "the context suspends at the bottom of the recursion"
            );
            // Use the OS stack in between, to catch a switch that shares a stack.
            let noise: u64 = (0..1000u64).map(std::hint::black_box).sum();
            assert_eq!(noise, 499_500);
            assert!(context.resume(), "the second resume finishes the body");
            result.take()
        });
        let expected: u64 = (0..=500u64).map(|d| d * 3 + 1).sum();
        assert_eq!(
            total, expected,
            "the frames of a suspended context must be intact when it resumes"
        );
    });
}

#[test]
#[cfg_attr(
    not(all(unix, any(target_arch = "x86_64", target_arch = "aarch64"))),
    ignore = "no hand-written context switch for this target (Unix on x86_64 or aarch64 only)"
)]
fn a_context_may_resume_another() {
    isolated::run(A_CRASH, || {
        let log = timeout(|| {
            let log: Log = Rc::default();
            let inner_log = Rc::clone(&log);
            let outer_log = Rc::clone(&log);
            let mut outer = AsmContext::new(Box::new(move || {
                let mut inner = AsmContext::new(Box::new(move || {
                    inner_log.borrow_mut().push("inner 1".into());
                    AsmContext::suspend();
                    inner_log.borrow_mut().push("inner 2".into());
                }));
                inner.resume();
                outer_log.borrow_mut().push("outer between".into());
                // This suspends `outer`, not `inner`: back to the test.
                AsmContext::suspend();
                inner.resume();
                outer_log.borrow_mut().push("outer end".into());
            }));
            outer.resume();
            log.borrow_mut().push("main between".into());
            assert!(
                outer.resume(),
                "the outer context finishes on its second resume"
            );
            log.take()
        });
        assert_eq!(
            log,
            [
                "inner 1",
                "outer between",
                "main between",
                "inner 2",
                "outer end"
            ],
            "suspend must go back to whoever resumed the running context, also when contexts \
             are nested"
        );
    });
}

#[test]
#[cfg_attr(
    not(all(unix, any(target_arch = "x86_64", target_arch = "aarch64"))),
    ignore = "no hand-written context switch for this target (Unix on x86_64 or aarch64 only)"
)]
fn the_scheduler_runs_on_the_hand_written_switch() {
    isolated::run(A_CRASH, || {
        let (log, results) = timeout(|| {
            run(|| {
                let log: Log = Rc::default();
                let handles: Vec<_> = ["a", "b", "c"]
                    .into_iter()
                    .map(|name| {
                        let log = Rc::clone(&log);
                        spawn(move || {
                            for step in 1..=2 {
                                log.borrow_mut().push(format!("{name}{step}"));
                                yield_now();
                            }
                            name.len()
                        })
                    })
                    .collect();
                let results: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
                (log.take(), results)
            })
        });
        assert_eq!(log, ["a1", "b1", "c1", "a2", "b2", "c2"]);
        assert_eq!(results, [1, 1, 1]);
    });
}

#[test]
#[cfg_attr(
    not(all(unix, any(target_arch = "x86_64", target_arch = "aarch64"))),
    ignore = "no hand-written context switch for this target (Unix on x86_64 or aarch64 only)"
)]
fn a_panic_on_a_hand_made_stack_is_caught_by_the_scheduler() {
    isolated::run(A_CRASH, || {
        let (failed, survived) = timeout(|| {
            run(|| {
                let doomed = spawn(|| -> u8 {
                    yield_now();
                    panic!("boom on my own stack")
                });
                let survivor = spawn(|| {
                    yield_now();
                    yield_now();
                    5u8
                });
                (doomed.join(), survivor.join())
            })
        });
        let error = failed.expect_err("the panicking thread's join must return Err");
        assert!(error.message().contains("boom on my own stack"));
        assert_eq!(survived, Ok(5));
    });
}

#[test]
#[cfg_attr(
    not(all(unix, any(target_arch = "x86_64", target_arch = "aarch64"))),
    ignore = "no hand-written context switch for this target (Unix on x86_64 or aarch64 only)"
)]
fn two_hundred_green_threads_on_hand_made_stacks() {
    isolated::run(A_CRASH, || {
        let sum = timeout(|| {
            run(|| {
                let handles: Vec<_> = (0..200u64)
                    .map(|n| {
                        spawn(move || {
                            yield_now();
                            n
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).sum::<u64>()
            })
        });
        assert_eq!(sum, 199 * 200 / 2);
    });
}

/// How far from a multiple of 16 the address of a local that wants 16 is. The compiler
/// places such a local assuming that the stack was aligned as the ABI wants when this
/// function was called, so on a misaligned stack it lands 8 bytes off. (`black_box` hides
/// the address from the optimizer, which would otherwise assume the answer is 0.)
#[inline(never)]
fn misalignment() -> usize {
    #[repr(align(16))]
    struct Wants16 {
        _bytes: [u8; 16],
    }
    let local = Wants16 { _bytes: [0; 16] };
    std::hint::black_box(&local) as *const Wants16 as usize % 16
}

#[test]
#[cfg_attr(
    not(all(unix, any(target_arch = "x86_64", target_arch = "aarch64"))),
    ignore = "no hand-written context switch for this target (Unix on x86_64 or aarch64 only)"
)]
fn a_green_thread_s_stack_is_aligned_as_the_abi_wants() {
    isolated::run(A_CRASH, || {
        let (first, later) = timeout(|| {
            let seen = Rc::new(Cell::new((usize::MAX, usize::MAX)));
            let report = Rc::clone(&seen);
            let mut context = AsmContext::new(Box::new(move || {
                // On the first run (entered through the trampoline) and after a switch.
                let first = misalignment();
                AsmContext::suspend();
                report.set((first, misalignment()));
            }));
            assert!(!context.resume(), "the context suspends once");
            assert!(context.resume(), "the second resume finishes the body");
            seen.get()
        });
        assert!(
            first == 0 && later == 0,
            "a local that must sit at a multiple of 16 bytes was {first} bytes off on the \
             green thread's first run and {later} after a switch: the new stack is not \
             aligned as the ABI wants (16 bytes at a call, so rsp + 8 is a multiple of 16 at a \
             function's first instruction). Count the words `prepare_stack` writes below the \
             aligned top, and check that the trampoline `call`s entry (a `call` pushes one)"
        );
    });
}

/// Calls `f(arg)` with `base + 1` … `base + 6` in the callee-saved registers rbx, rbp,
/// r12–r15, and returns a bit mask of those that did not survive the call (bit 0 = rbx …
/// bit 5 = r15).
#[cfg(all(unix, target_arch = "x86_64"))]
#[unsafe(naked)]
extern "C" fn call_with_sentinels(f: extern "C" fn(*mut u8), arg: *mut u8, base: u64) -> u64 {
    core::arch::naked_asm!(
        "push rbx",
        "push rbp",
        "push r12",
        "push r13",
        "push r14",
        "push r15",
        // Keep `base`; it also realigns the stack to 16 bytes for the call.
        "push rdx",
        "mov rax, rdi",
        "mov rdi, rsi",
        "lea rbx, [rdx + 1]",
        "lea rbp, [rdx + 2]",
        "lea r12, [rdx + 3]",
        "lea r13, [rdx + 4]",
        "lea r14, [rdx + 5]",
        "lea r15, [rdx + 6]",
        "call rax",
        "mov rdx, [rsp]",
        "xor eax, eax",
        "lea rcx, [rdx + 1]",
        "cmp rbx, rcx",
        "je 21f",
        "or rax, 1",
        "21:",
        "lea rcx, [rdx + 2]",
        "cmp rbp, rcx",
        "je 22f",
        "or rax, 2",
        "22:",
        "lea rcx, [rdx + 3]",
        "cmp r12, rcx",
        "je 23f",
        "or rax, 4",
        "23:",
        "lea rcx, [rdx + 4]",
        "cmp r13, rcx",
        "je 24f",
        "or rax, 8",
        "24:",
        "lea rcx, [rdx + 5]",
        "cmp r14, rcx",
        "je 25f",
        "or rax, 16",
        "25:",
        "lea rcx, [rdx + 6]",
        "cmp r15, rcx",
        "je 26f",
        "or rax, 32",
        "26:",
        "add rsp, 8",
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop rbp",
        "pop rbx",
        "ret",
    )
}

#[cfg(all(unix, target_arch = "x86_64"))]
extern "C" fn resume_once(context: *mut u8) {
    // SAFETY (test): `context` is the `&mut AsmContext` passed below, alive for the call.
    let context = unsafe { &mut *context.cast::<AsmContext>() };
    context.resume();
}

#[cfg(all(unix, target_arch = "x86_64"))]
extern "C" fn suspend_once(_: *mut u8) {
    AsmContext::suspend();
}

#[cfg(all(unix, target_arch = "x86_64"))]
fn register_names(mask: u64) -> Vec<&'static str> {
    let names = ["rbx", "rbp", "r12", "r13", "r14", "r15"];
    (0..6)
        .filter(|bit| mask & (1 << bit) != 0)
        .map(|bit| names[bit])
        .collect()
}

#[test]
#[cfg_attr(
    not(all(unix, target_arch = "x86_64")),
    ignore = "the register check is written for x86_64 (on Unix) only"
)]
fn callee_saved_registers_survive_a_switch() {
    isolated::run(A_CRASH, || {
        #[cfg(all(unix, target_arch = "x86_64"))]
        {
            let (outside, inside) = timeout(|| {
                let inside = Rc::new(std::cell::Cell::new(0));
                let report = Rc::clone(&inside);
                let mut context = AsmContext::new(Box::new(move || {
                    // The green side holds other values in the same registers while it
                    // switches out and back in.
                    report.set(call_with_sentinels(
                        suspend_once,
                        std::ptr::null_mut(),
                        0x7700,
                    ));
                }));
                let first = call_with_sentinels(resume_once, (&raw mut context).cast(), 0x1100);
                let second = call_with_sentinels(resume_once, (&raw mut context).cast(), 0x2200);
                (first | second, inside.get())
            });
            assert!(
                outside == 0 && inside == 0,
                "callee-saved registers changed across a switch: {:?} for the resumer, {:?} for \
                 the green thread. The switch must save them on the old stack and restore them \
                 from the new one",
                register_names(outside),
                register_names(inside)
            );
        }
    });
}
