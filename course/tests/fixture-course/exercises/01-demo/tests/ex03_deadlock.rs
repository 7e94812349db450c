#[test]
fn finishes() {
    ch01_demo::ex03_deadlock::wait_forever();
}
