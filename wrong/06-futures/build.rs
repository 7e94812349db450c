//! Writes chapter 06's wrong answers from `mutations.toml` (see `support::mutations`), and
//! the copies of the modules that the tests also run under loom (see `support::model`).

fn main() {
    support::mutations::build_with_model(
        "../../solutions/06-futures/src",
        &["ex02_delay", "ex05_executor", "ex06_channel"],
    );
}
