//! Copies the module that the tests also run under loom, the model checker (see
//! `support::model`): 11.3's gate, whose callers race on its atomics.

fn main() {
    support::model::copy_modules("src", &["ex03_admission"]);
}
