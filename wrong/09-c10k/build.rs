//! Writes chapter 09's wrong answers from `mutations.toml` (see `support::mutations`).

fn main() {
    support::mutations::build("../../solutions/09-c10k/src");
}
