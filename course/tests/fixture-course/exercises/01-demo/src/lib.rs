pub mod ex01_pass;
pub mod ex02_fail;
pub mod ex03_deadlock;
pub mod ex04_stub;
pub mod ex05_noisy;
pub mod ex06_crash_in_a_hand_written_switch;

#[cfg(test)]
extern crate self as ch01_demo;
#[cfg(test)]
#[path = "../tests"]
mod exercise_tests {
    #[cfg(feature = "ex02_fail")]
    #[path = "ex02_fail.rs"]
    mod ex02_fail;
    #[cfg(feature = "ex03_deadlock")]
    #[path = "ex03_deadlock.rs"]
    mod ex03_deadlock;
    #[cfg(feature = "ex06_crash_in_a_hand_written_switch")]
    #[path = "ex06_crash_in_a_hand_written_switch.rs"]
    mod ex06_crash_in_a_hand_written_switch;
}
