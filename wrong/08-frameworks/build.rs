//! Writes chapter 08's wrong answers from `mutations.toml` (see `support::mutations`).

fn main() {
    support::mutations::build("../../solutions/08-frameworks/src");
}
