// Crate header and "minicore" for the aarch64 switch check (see README.md).
//
// There is no `core` for aarch64 on this machine, so the crate is `#![no_core]` and
// declares the few lang items and helpers that the extracted section needs, in the manner
// of rustc's own tests/auxiliary/minicore.rs. `run.sh` appends the `// ANCHOR: aarch64`
// section of ex05_switch.rs, verbatim, and then exports.rs.
//
// Each item below exists because the extracted code (or rustc) asked for it; the
// compiler errors name it if a change to the solution needs one more.
#![feature(no_core, lang_items, rustc_attrs, decl_macro, intrinsics, auto_traits)]
#![allow(internal_features)]
#![no_core]
// Lets this crate write inherent impls on arrays and raw pointers (as `core` does).
#![rustc_coherence_is_core]

// The `Sized` hierarchy (rustc >= 1.89 wants all three).
#[lang = "pointee_sized"]
pub trait PointeeSized {}
#[lang = "meta_sized"]
pub trait MetaSized: PointeeSized {}
#[lang = "sized"]
pub trait Sized: MetaSized {}

#[lang = "copy"]
pub trait Copy {}
impl Copy for usize {}
impl<T: PointeeSized> Copy for *mut T {}
impl<T: PointeeSized> Copy for *const T {}

// Statics must be `Sync` (exports.rs holds function pointers in statics).
#[lang = "sync"]
pub unsafe trait Sync {}
unsafe impl Sync for unsafe extern "C" fn(*mut *mut u8, *mut u8) {}
unsafe impl Sync for unsafe extern "C" fn() {}

#[lang = "freeze"]
pub unsafe auto trait Freeze {}

// `&self` / `&mut self` methods.
#[lang = "legacy_receiver"]
pub trait LegacyReceiver {}
impl<T: PointeeSized> LegacyReceiver for &T {}
impl<T: PointeeSized> LegacyReceiver for &mut T {}

#[lang = "drop_in_place"]
#[allow(unconditional_recursion)]
pub unsafe fn drop_in_place<T: PointeeSized>(to_drop: *mut T) {
    unsafe { drop_in_place(to_drop) }
}

// Operators used by `prepare_stack` (`&`, `!`, `-`, `*` on usize). The bodies use the
// built-in operation: for primitive types rustc does not call these impls.
#[lang = "bitand"]
pub trait BitAnd<Rhs = Self> { type Output; fn bitand(self, rhs: Rhs) -> Self::Output; }
impl BitAnd for usize { type Output = usize; fn bitand(self, rhs: usize) -> usize { self & rhs } }
#[lang = "not"]
pub trait Not { type Output; fn not(self) -> Self::Output; }
impl Not for usize { type Output = usize; fn not(self) -> usize { !self } }
#[lang = "sub"]
pub trait Sub<Rhs = Self> { type Output; fn sub(self, rhs: Rhs) -> Self::Output; }
impl Sub for usize { type Output = usize; fn sub(self, rhs: usize) -> usize { self - rhs } }
#[lang = "mul"]
pub trait Mul<Rhs = Self> { type Output; fn mul(self, rhs: Rhs) -> Self::Output; }
impl Mul for usize { type Output = usize; fn mul(self, rhs: usize) -> usize { self * rhs } }

// `frame[i] = ...` (built-in indexing, but typeck wants the traits to exist).
#[lang = "index"]
pub trait Index<Idx> { type Output: ?Sized; fn index(&self, index: Idx) -> &Self::Output; }
#[lang = "index_mut"]
pub trait IndexMut<Idx>: Index<Idx> { fn index_mut(&mut self, index: Idx) -> &mut Self::Output; }
impl<T, const N: usize> Index<usize> for [T; N] {
    type Output = T;
    fn index(&self, i: usize) -> &T { &self[i] }
}
impl<T, const N: usize> IndexMut<usize> for [T; N] {
    fn index_mut(&mut self, i: usize) -> &mut T { &mut self[i] }
}

// Bounds checks of `frame[i]`: optimized away at opt-level 2 (constant indices), but
// rustc wants the lang item whenever one is left in.
#[lang = "panic_bounds_check"]
fn panic_bounds_check(_index: usize, _len: usize) -> ! {
    loop {}
}

// The methods `prepare_stack` calls. In `core`, `len` and `as_ptr` are slice methods
// reached through unsizing; same results here.
impl<T, const N: usize> [T; N] {
    pub const fn len(&self) -> usize { N }
    pub const fn as_ptr(&self) -> *const T { self as *const [T; N] as *const T }
}
impl<T> *mut T {
    pub const fn cast<U>(self) -> *mut U { self as *mut U }
}

// `ptr::copy_nonoverlapping` is the compiler intrinsic itself (a memcpy).
pub mod ptr {
    #[rustc_intrinsic]
    pub const unsafe fn copy_nonoverlapping<T>(src: *const T, dst: *mut T, count: usize);
}

// `core::arch::naked_asm!` as written in the solution: with no `core` crate, the path
// resolves to this module at the crate root.
pub mod core {
    pub mod arch {
        #[rustc_builtin_macro]
        pub macro naked_asm("assembly template", $(operands,)* $(options($(option),*))?) {
            /* compiler built-in */
        }
    }
}

// ---- extracted from solutions/05-green/src/ex05_switch.rs (ANCHOR: aarch64) ----
