/// Writes through a null pointer: the process dies by SIGSEGV, as a bad context switch does.
pub fn crash() {
    // SAFETY: none; this is the bug the runner must explain.
    unsafe { std::ptr::null_mut::<u8>().write_volatile(1) }
}
