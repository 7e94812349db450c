//! Writes chapter 02's wrong answers from `mutations.toml` (see `support::mutations`), and
//! the copies of the modules that the tests also run under loom (see `support::model`).

fn main() {
    support::mutations::build_with_model("../../solutions/02-threads/src", &["ex04_counter"]);
}
