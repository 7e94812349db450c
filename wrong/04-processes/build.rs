//! Writes chapter 04's wrong answers from `mutations.toml` (see `support::mutations`).

fn main() {
    support::mutations::build("../../solutions/04-processes/src");
}
