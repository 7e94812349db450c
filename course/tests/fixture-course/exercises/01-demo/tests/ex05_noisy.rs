#[test]
fn is_quiet() {
    assert_eq!(ch01_demo::ex05_noisy::shout(), 0);
}
