#[test]
fn two_and_two_make_four() {
    let got = ch01_demo::ex02_fail::add(2, 2);
    assert_eq!(got, 4, "expected 2 + 2 = 4, got {got}");
}

#[test]
fn zero_is_neutral() {
    assert_eq!(ch01_demo::ex02_fail::add(0, 0), 1);
}
