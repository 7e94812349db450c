//! Writes chapter 10's wrong answers from `mutations.toml` (see `support::mutations`).

fn main() {
    support::mutations::build("../../solutions/10-when-not/src");
}
