#[test]
fn the_answer_is_42() {
    assert_eq!(ch01_demo::ex04_stub::answer(), 42);
}
