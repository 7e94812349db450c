//! Writes chapter 03's wrong answers from `mutations.toml` (see `support::mutations`).

fn main() {
    support::mutations::build("../../solutions/03-gil/src");
}
