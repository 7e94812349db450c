//! Writes chapter 11's wrong answers from `mutations/` (see `support::mutations`), and
//! the copies of 11.3's module that its model tests compile with loom's atomics.

fn main() {
    support::mutations::build_with_model("../../solutions/11-production/src", &["ex03_admission"]);
}
