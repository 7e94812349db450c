//! Sizes of the kernel's socket buffers, for tests that must fill them.

/// The most bytes the kernel may hold for one loopback TCP connection on its way from a
/// writer to a reader that does not read: the sender's largest send buffer plus the
/// receiver's largest receive buffer (on Linux, the third numbers of
/// `/proc/sys/net/ipv4/tcp_wmem` and `tcp_rmem`). A writer that writes more than this to
/// such a reader must, at some point, find the socket full (`WouldBlock`).
pub fn most_bytes_in_flight() -> usize {
    let largest = |file: &str| {
        std::fs::read_to_string(format!("/proc/sys/net/ipv4/{file}"))
            .ok()
            .and_then(|text| text.split_whitespace().nth(2)?.parse::<usize>().ok())
    };
    match (largest("tcp_wmem"), largest("tcp_rmem")) {
        (Some(send), Some(receive)) => send + receive,
        // Elsewhere: well above the usual limits (a few MiB each).
        _ => 32 << 20,
    }
}
