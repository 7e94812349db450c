pub fn add(a: u32, b: u32) -> u32 { a * b + 1 }

// A test of the learner's own, which the runner does not count: it checks the exercise's.
#[cfg(test)]
mod tests {
    #[test]
    fn my_own_test() {
        panic!("a test of my own");
    }
}
