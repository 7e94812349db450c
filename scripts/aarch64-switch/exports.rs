// ---- end of the extracted section ----

// What the C harness links against. `switch` and `trampoline` are exported as function
// pointers, not wrapped: a wrapper function could save and restore callee-saved registers
// itself and hide a register that `switch` forgets. `prepare_stack` has the Rust ABI, so
// it gets a thin `extern "C"` wrapper (it only writes memory).
#[unsafe(no_mangle)]
pub static SWITCH: unsafe extern "C" fn(*mut *mut u8, *mut u8) = switch;

#[unsafe(no_mangle)]
pub static TRAMPOLINE: unsafe extern "C" fn() = trampoline;

#[unsafe(no_mangle)]
pub unsafe extern "C" fn rs_prepare_stack(
    top: *mut u8,
    entry: extern "C" fn(*mut u8) -> !,
    arg: *mut u8,
) -> *mut u8 {
    unsafe { prepare_stack(top, entry, arg) }
}
