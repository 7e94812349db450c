/// Prints megabytes, with escape sequences that would clear a terminal, then fails.
pub fn shout() -> u32 {
    for _ in 0..100_000 {
        println!("\x1b[2J\x1b[H NOISE NOISE NOISE NOISE NOISE NOISE NOISE NOISE");
    }
    panic!("\x1b[2Jtoo loud");
}
