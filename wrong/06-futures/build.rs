//! Writes chapter 06's wrong answers from `mutations.toml` (see `support::mutations`).

fn main() {
    support::mutations::build("../../solutions/06-futures/src");
}
