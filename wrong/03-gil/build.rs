//! Writes chapter 03's wrong answers from `mutations.toml` (see `support::mutations`), and
//! the copies of the modules that the tests also run under loom (see `support::model`).

fn main() {
    support::mutations::build_with_model(
        "../../solutions/03-gil/src",
        &["ex03_switch_interval", "ex04_per_object_locks"],
    );
}
