//! Copies the modules that the tests also run under loom, the model checker (see
//! `support::model`).

fn main() {
    support::model::copy_modules("src", &["ex04_counter"]);
}
