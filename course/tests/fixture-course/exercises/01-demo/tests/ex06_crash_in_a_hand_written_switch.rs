#[test]
fn a_test_that_passes() {
    assert_eq!(1 + 1, 2);
}

#[test]
fn the_switch_crashes() {
    ch01_demo::ex06_crash_in_a_hand_written_switch::crash();
}
