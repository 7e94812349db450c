//! Copies the modules that the tests also run under loom, the model checker (see
//! `support::model`).

fn main() {
    support::model::copy_modules("src", &["ex03_switch_interval", "ex04_per_object_locks"]);
}
