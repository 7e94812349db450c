//! Tests for exercise 08.2: the line codec on its own (bytes in a buffer, no I/O), then the
//! server on real sockets on 127.0.0.1.
//!
//! Socket tests use the real clock: a paused clock would jump ahead while the runtime
//! waits on a socket. Their time limits are only give-up limits.

mod common;

use ch08_frameworks::ex02_codec::{LineCodec, LineError, NotUtf8, handle, serve};
use common::{poll_limit, real};
use std::time::Duration;
use support::{PATIENCE, timeout};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

type Decoded = Result<Option<Result<String, NotUtf8>>, String>;

/// Feeds `chunks` to one codec, one at a time, decoding everything after each; returns
/// every answer of `decode` in order (an error as its message).
fn feed(max: usize, chunks: &[&[u8]]) -> Vec<Decoded> {
    let chunks: Vec<Vec<u8>> = chunks.iter().map(|c| c.to_vec()).collect();
    timeout(move || {
        let mut codec = LineCodec::new(max);
        let mut buf = BytesMut::new();
        let mut answers = Vec::new();
        for chunk in chunks {
            buf.extend_from_slice(&chunk);
            loop {
                let answer = codec.decode(&mut buf).map_err(|e| e.to_string());
                // A codec that hands out the same frame for ever is wrong: stop looking.
                let more = matches!(answer, Ok(Some(_))) && answers.len() < 20;
                answers.push(answer);
                if !more {
                    break;
                }
            }
            if matches!(answers.last(), Some(Err(_))) {
                break;
            }
        }
        answers
    })
}

fn line(s: &str) -> Decoded {
    Ok(Some(Ok(s.to_string())))
}

#[test]
fn a_line_in_pieces_comes_out_once_it_is_whole() {
    let answers = feed(64, &[b"hel", b"lo wo", b"rld\n"]);
    assert_eq!(
        answers,
        [Ok(None), Ok(None), line("hello world"), Ok(None)],
        "a partial line is no frame yet (Ok(None)); once its newline arrives, the whole \
         line comes out, without the newline"
    );
}

#[test]
fn several_lines_in_one_read_come_out_one_by_one() {
    let answers = feed(64, &[b"one\ntwo\nthr", b"ee\n"]);
    assert_eq!(
        answers,
        [line("one"), line("two"), Ok(None), line("three"), Ok(None)],
        "every whole line in the buffer must come out, and the partial one must wait"
    );
}

#[test]
fn a_line_over_the_limit_is_refused_before_its_end_arrives() {
    let answers = feed(8, &[b"12345", b"6789"]);
    assert_eq!(
        answers,
        [Ok(None), Err("line longer than 8 bytes".to_string())],
        "9 bytes without a newline are already more than a limit of 8: refuse them now, \
         or a peer that never sends a newline makes the buffer grow without end"
    );
}

#[test]
fn a_long_line_that_arrives_whole_is_refused_too() {
    let answers = feed(8, &[b"123456789\n"]);
    assert_eq!(answers, [Err("line longer than 8 bytes".to_string())]);
}

#[test]
fn a_line_of_exactly_the_limit_is_accepted() {
    let answers = feed(8, &[b"12345678", b"\n"]);
    assert_eq!(
        answers,
        [Ok(None), line("12345678"), Ok(None)],
        "the limit counts the line without its newline: 8 bytes fit a limit of 8"
    );
}

#[test]
fn a_line_that_is_not_utf8_is_reported_and_the_next_one_decodes() {
    let answers = feed(64, &[b"ok\nab\xff\xfe\nnext\n"]);
    assert_eq!(
        answers,
        [
            line("ok"),
            Ok(Some(Err(NotUtf8 { valid_up_to: 2 }))),
            line("next"),
            Ok(None)
        ],
        "a line that is not UTF-8 comes out as NotUtf8 (once, with how many bytes were \
         valid), and decoding goes on with the next line"
    );
}

#[test]
fn encoding_writes_the_line_and_a_newline() {
    let bytes = timeout(|| {
        let mut codec = LineCodec::new(64);
        let mut buf = BytesMut::new();
        codec.encode("hi".to_string(), &mut buf).unwrap();
        codec.encode(String::new(), &mut buf).unwrap();
        codec.encode("there".to_string(), &mut buf).unwrap();
        buf.to_vec()
    });
    assert_eq!(
        bytes, b"hi\n\nthere\n",
        "each line is written followed by \\n (an empty line is just the \\n)"
    );
}

#[test]
fn too_long_says_what_the_limit_is() {
    let message = LineError::TooLong { limit: 3 }.to_string();
    assert!(
        message.contains('3'),
        "the error names the limit: {message:?}"
    );
    assert_eq!(
        LineCodec::new(3).max_length(),
        3,
        "the codec says its limit"
    );
    // And the stub must fail this test too: the codec has to work.
    let answers = feed(3, &[b"abcd"]);
    assert_eq!(answers, [Err("line longer than 3 bytes".to_string())]);
}

// One connection, on real sockets: `handle` on its own, so that the test sees what it
// returns.

const MAX: usize = 16;

/// Serves the first connection to a free port of 127.0.0.1 with `handle`; returns the
/// address and the task, whose result is what `handle` returned.
async fn start_handle() -> (std::net::SocketAddr, JoinHandle<Result<(), LineError>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // `handle` waits for lines: it is woken once per read, never polled again and again.
    let handling = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        poll_limit("handle", 50, handle(stream, MAX)).await
    });
    (addr, handling)
}

/// What `handle` returned, once the connection has ended (`after` says how).
async fn returned(
    handling: JoinHandle<Result<(), LineError>>,
    after: &str,
) -> Result<(), LineError> {
    match tokio::time::timeout(PATIENCE, handling).await {
        Ok(Ok(result)) => result,
        Ok(Err(failure)) => std::panic::resume_unwind(failure.into_panic()),
        Err(_) => panic!(
            "handle did not return within {} s after {after}",
            PATIENCE.as_secs()
        ),
    }
}

// The server, on real sockets.

/// Starts the server on a free port of 127.0.0.1; returns its address.
async fn start_server() -> std::net::SocketAddr {
    // What `serve` logs (a connection's error, on stderr) is shown with a failure of
    // this test: say so, so that it is not taken for the reason of the failure.
    eprintln!(
        "(lines from serve's own log, such as \"connection closed: ...\", may follow: \
         they are what your server printed, not the test's verdict, which comes last)"
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // `serve` waits in `accept`: it is woken once per connection (a few in each test),
    // never polled again and again.
    tokio::spawn(async move {
        if let Err(e) = poll_limit("serve", 20, serve(listener, MAX)).await {
            panic!("the server stopped: {e}");
        }
    });
    addr
}

struct Client {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

async fn connect(addr: std::net::SocketAddr) -> Client {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (reader, writer) = stream.into_split();
    Client {
        reader: BufReader::new(reader),
        writer,
    }
}

impl Client {
    async fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.unwrap();
    }
    /// The next line from the server, `None` when it closed the connection. Gives up after
    /// the course's patience: a right server answers at once.
    async fn line(&mut self, waiting_for: &str) -> Option<String> {
        let mut line = String::new();
        match tokio::time::timeout(PATIENCE, self.reader.read_line(&mut line)).await {
            Ok(Ok(0)) => None,
            Ok(Ok(_)) => Some(line.trim_end_matches('\n').to_string()),
            Ok(Err(e)) => panic!("reading {waiting_for}: {e}"),
            Err(_) => panic!(
                "the server did not answer within {} s while waiting for {waiting_for}",
                PATIENCE.as_secs()
            ),
        }
    }
}

#[test]
fn handle_answers_lines_sent_in_pieces_and_returns_ok_when_the_peer_hangs_up() {
    let (first, second, result) = real(|| async {
        let (addr, handling) = start_handle().await;
        let mut client = connect(addr).await;
        client.send(b"hel").await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        client.send(b"lo\nwor").await;
        let first = client.line("the echo of \"hello\"").await;
        client.send(b"ld\n").await;
        let second = client.line("the echo of \"world\"").await;
        client.writer.shutdown().await.unwrap();
        let result = returned(handling, "the peer hung up after a whole line").await;
        (first, second, result.map_err(|e| e.to_string()))
    });
    assert_eq!(
        (first, second),
        (
            Some("echo: hello".to_string()),
            Some("echo: world".to_string())
        )
    );
    assert_eq!(
        result,
        Ok(()),
        "a peer that hangs up after a whole line ends the connection normally: handle \
         returns Ok(())"
    );
}

#[test]
fn an_oversized_line_is_refused_and_handle_returns_the_error() {
    let (refusal, closed, result) = real(|| async {
        let (addr, handling) = start_handle().await;
        let mut bad = connect(addr).await;
        bad.send(&[b'x'; 40]).await;
        let refusal = bad.line("the refusal of a 40-byte line").await;
        let closed = bad
            .line("the end of the refused connection")
            .await
            .is_none();
        let result = returned(handling, "refusing a 40-byte line").await;
        (refusal, closed, result)
    });
    assert_eq!(
        refusal.as_deref(),
        Some("error: line longer than 16 bytes"),
        "an oversized line gets a clear error"
    );
    assert!(closed, "after the refusal the connection is closed");
    match result {
        Err(LineError::TooLong { limit: 16 }) => {}
        other => panic!(
            "after refusing a line that is too long, handle must return the error \
             (LineError::TooLong {{ limit: 16 }}): it is what ends the connection, and what \
             serve logs. It returned {other:?}"
        ),
    }
}

#[test]
fn a_peer_that_hangs_up_mid_line_ends_handle_with_an_io_error() {
    let (echo, result) = real(|| async {
        let (addr, handling) = start_handle().await;
        let mut client = connect(addr).await;
        client.send(b"hello\nhal").await;
        let echo = client.line("the echo of \"hello\"").await;
        client.writer.shutdown().await.unwrap();
        let result = returned(handling, "the peer hung up in the middle of a line").await;
        (echo, result)
    });
    assert_eq!(echo.as_deref(), Some("echo: hello"));
    match result {
        Err(LineError::Io(_)) => {}
        other => panic!(
            "a peer that hangs up in the middle of a line (\"hal\", no newline) is an i/o \
             error (LineError::Io, as its doc says), and handle must return it; it returned \
             {other:?}"
        ),
    }
}

#[test]
fn clients_are_served_at_the_same_time() {
    let got = real(|| async {
        let addr = start_server().await;
        // The first client connects and says nothing (yet).
        let mut quiet = connect(addr).await;
        quiet.send(b"half a li").await;
        let mut other = connect(addr).await;
        other.send(b"hi\n").await;
        let answer = other
            .line("the answer to a second client while a first one is quiet")
            .await;
        quiet.send(b"ne\n").await;
        (answer, quiet.line("the quiet client's echo").await)
    });
    assert_eq!(
        got,
        (
            Some("echo: hi".to_string()),
            Some("echo: half a line".to_string())
        ),
        "a client that is slow to finish its line must not hold up another client"
    );
}

#[test]
fn an_oversized_line_closes_that_connection_and_the_server_goes_on() {
    let (refusal, closed, before, after) = real(|| async {
        let addr = start_server().await;
        let mut before = connect(addr).await;
        let mut bad = connect(addr).await;
        bad.send(&[b'x'; 40]).await;
        let refusal = bad.line("the refusal of a 40-byte line").await;
        let closed = bad
            .line("the end of the refused connection")
            .await
            .is_none();
        before.send(b"still here\n").await;
        let before = before.line("an answer to a client connected before").await;
        let mut after = connect(addr).await;
        after.send(b"new\n").await;
        let after = after.line("an answer to a client connected after").await;
        (refusal, closed, before, after)
    });
    assert_eq!(
        refusal.as_deref(),
        Some("error: line longer than 16 bytes"),
        "an oversized line gets a clear error"
    );
    assert!(
        closed,
        "after the refusal the server closes that connection"
    );
    assert_eq!(
        before.as_deref(),
        Some("echo: still here"),
        "other connections go on"
    );
    assert_eq!(
        after.as_deref(),
        Some("echo: new"),
        "and the server still accepts new ones"
    );
}

#[test]
fn a_line_that_is_not_utf8_gets_an_error_and_the_connection_goes_on() {
    let got = real(|| async {
        let (addr, _handling) = start_handle().await;
        let mut client = connect(addr).await;
        client.send(b"caf\xe9\nok\n").await;
        let first = client.line("the answer to a line that is not UTF-8").await;
        let second = client.line("the answer to the next line").await;
        (first, second)
    });
    assert_eq!(
        got,
        (
            Some("error: not UTF-8 after byte 3".to_string()),
            Some("echo: ok".to_string())
        ),
        "a line that is not UTF-8 gets an error reply, and the next line its echo"
    );
}
