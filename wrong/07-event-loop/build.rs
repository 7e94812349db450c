//! Writes chapter 07's wrong answers from `mutations.toml` (see `support::mutations`).

fn main() {
    support::mutations::build("../../solutions/07-event-loop/src");
}
