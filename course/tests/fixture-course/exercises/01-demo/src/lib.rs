pub mod ex01_pass;
pub mod ex02_fail;
pub mod ex03_deadlock;
pub mod ex04_stub;
pub mod ex05_noisy;
pub mod ex06_crash_in_a_hand_written_switch;
