//! Copies the modules that the tests also run under loom, the model checker (see
//! `support::model`).

fn main() {
    support::model::copy_modules("src", &["ex02_delay", "ex05_executor", "ex06_channel"]);
}
