//! Writes chapter 02's wrong answers from `mutations.toml` (see `support::mutations`).

fn main() {
    support::mutations::build("../../solutions/02-threads/src");
}
