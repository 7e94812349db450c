pub mod ex01_callbacks;
pub mod ex02_reactor;
pub mod ex03_timers;
pub mod ex04_wakeups;
pub mod ex05_runtime;
pub mod ex06_shared_state;
