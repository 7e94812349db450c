#[test]
fn two_and_two_make_four() {
    assert_eq!(ch01_demo::ex01_pass::add(2, 2), 4);
}
