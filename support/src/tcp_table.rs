//! What the kernel says about this machine's TCP connections: their state and how many
//! bytes wait in their queues, from Linux's table of sockets (`/proc/net/tcp`).
//!
//! A test of a client or a server sometimes needs a fact that neither end can see from
//! its own side without a clock:
//!
//! - **Is this connection still open at the other end?** A socket that its program has
//!   closed leaves the `ESTABLISHED` state *inside* `close()`, before the call returns;
//!   so a test that looks at the table after the close happened sees it, every time, and
//!   one that looks while the socket is held never sees it.
//! - **Has the program read what it was sent?** The receive queue counts the bytes the
//!   kernel holds for a socket that its program has not read yet; it drops to zero when
//!   the program's `read` has taken them. A test that waits for that before it sends the
//!   rest of a line knows the program got the line in two pieces.
//!
//! Elsewhere than Linux there is no table: the functions return `None`, and a test skips
//! the check.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// This end of the connection.
    pub local: SocketAddrV4,
    /// The other end.
    pub remote: SocketAddrV4,
    /// The kernel's number for the state: see [`ESTABLISHED`].
    pub state: u8,
    /// Bytes this socket sent that the other end has not acknowledged yet: zero once the
    /// other end's kernel holds them all.
    pub send_queue: u64,
    /// Bytes received for this socket that its program has not read yet.
    pub receive_queue: u64,
}

/// The state of a connection open at both ends (`TCP_ESTABLISHED`). A socket whose
/// program has closed it is in another state (`FIN_WAIT1`, `FIN_WAIT2`, `TIME_WAIT`...),
/// or gone from the table.
pub const ESTABLISHED: u8 = 1;

/// Every IPv4 TCP socket of this machine (of this network namespace), or `None` where the
/// kernel keeps no such table.
pub fn rows() -> Option<Vec<Row>> {
    let text = std::fs::read_to_string("/proc/net/tcp").ok()?;
    Some(text.lines().skip(1).filter_map(parse_row).collect())
}

/// The row of the socket at `local` connected to `remote`, if the table has one. `None`
/// also where there is no table: see [`rows`].
pub fn row(local: SocketAddr, remote: SocketAddr) -> Option<Row> {
    rows()?
        .into_iter()
        .find(|row| SocketAddr::V4(row.local) == local && SocketAddr::V4(row.remote) == remote)
}

/// Waits (at most the [`crate::PATIENCE`]) until the program at `server` has read every
/// byte that the client at `client` sent it: the other end's kernel has acknowledged them
/// all (the client's send queue is empty), and its program has taken them all (the
/// server's receive queue is empty). Returns whether that happened; `None` where there is
/// no table.
pub fn wait_until_read(client: SocketAddr, server: SocketAddr) -> Option<bool> {
    rows()?;
    Some(crate::within_patience(|| {
        let sent = row(client, server).is_some_and(|row| row.send_queue == 0);
        sent && row(server, client).is_some_and(|row| row.receive_queue == 0)
    }))
}

/// How many sockets are connected to `server` and open (`ESTABLISHED`) at the clients'
/// end: the connections its clients hold. `None` where there is no table.
pub fn open_clients_of(server: SocketAddr) -> Option<usize> {
    Some(
        rows()?
            .iter()
            .filter(|row| SocketAddr::V4(row.remote) == server && row.state == ESTABLISHED)
            .count(),
    )
}

/// `"  3: 0100007F:A1B2 0100007F:1F90 01 00000000:00000000 ..."`: addresses are the raw
/// 32-bit value in the machine's byte order, then the port, in hex.
fn parse_row(line: &str) -> Option<Row> {
    let mut fields = line.split_whitespace().skip(1);
    let local = parse_addr(fields.next()?)?;
    let remote = parse_addr(fields.next()?)?;
    let state = u8::from_str_radix(fields.next()?, 16).ok()?;
    let (send, receive) = fields.next()?.split_once(':')?;
    Some(Row {
        local,
        remote,
        state,
        send_queue: u64::from_str_radix(send, 16).ok()?,
        receive_queue: u64::from_str_radix(receive, 16).ok()?,
    })
}

fn parse_addr(text: &str) -> Option<SocketAddrV4> {
    let (ip, port) = text.split_once(':')?;
    let ip = u32::from_str_radix(ip, 16).ok()?;
    let port = u16::from_str_radix(port, 16).ok()?;
    Some(SocketAddrV4::new(Ipv4Addr::from(ip.to_ne_bytes()), port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn a_held_connection_is_established_and_a_closed_one_is_not() {
        if rows().is_none() {
            return;
        }
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let server = listener.local_addr().unwrap();
        let client = TcpStream::connect(server).unwrap();
        let (_accepted, _) = listener.accept().unwrap();
        assert_eq!(open_clients_of(server), Some(1));
        drop(client);
        assert_eq!(open_clients_of(server), Some(0));
    }

    #[test]
    fn unread_bytes_are_in_the_receive_queue_until_read() {
        if rows().is_none() {
            return;
        }
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let server = listener.local_addr().unwrap();
        let mut client = TcpStream::connect(server).unwrap();
        let (mut accepted, peer) = listener.accept().unwrap();
        client.write_all(b"hello").unwrap();
        assert!(crate::within_patience(
            || row(server, peer).is_some_and(|row| row.receive_queue == 5)
        ));
        let mut buffer = [0; 5];
        accepted.read_exact(&mut buffer).unwrap();
        assert_eq!(row(server, peer).map(|row| row.receive_queue), Some(0));
        assert_eq!(wait_until_read(peer, server), Some(true));
    }
}
