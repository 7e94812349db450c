//! Tests for exercise 04.2: `write_frame` and `read_frame`.

use ch04_processes::ex02_frames::{MAX_FRAME, read_frame, write_frame};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{self, ErrorKind, Read, Write};
use support::timeout;

/// The system allocator, keeping the largest allocation asked for on each thread, so a
/// test can see an allocation that the OS would only map lazily (a 4 GiB `vec![0; n]`
/// succeeds at once on Linux and costs nothing until it is touched).
struct Counting;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is passed on to `System` unchanged; the thread-local is a `Cell`
// with a const initialiser and no destructor, so touching it never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.set(LARGEST.get().max(layout.size()));
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LARGEST.set(LARGEST.get().max(layout.size()));
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.set(LARGEST.get().max(new_size));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A reader that hands out at most `chunk` bytes per call, as a pipe may, and fails
/// every other call with `Interrupted` if `interrupt` is set, as a read hit by a signal
/// does. It counts how many bytes it handed out.
struct Trickle {
    data: Vec<u8>,
    at: usize,
    chunk: usize,
    interrupt: bool,
    calls: usize,
}

impl Trickle {
    fn new(data: Vec<u8>, chunk: usize) -> Self {
        Trickle {
            data,
            at: 0,
            chunk,
            interrupt: false,
            calls: 0,
        }
    }
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.interrupt && self.calls % 2 == 1 {
            return Err(io::Error::new(ErrorKind::Interrupted, "a signal arrived"));
        }
        let n = buf.len().min(self.chunk).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// A writer that takes at most 3 bytes per call, as a pipe or a socket may: `write`
/// returns how many bytes it took, and that may be fewer than it was given.
struct Narrow {
    taken: Vec<u8>,
}

impl Write for Narrow {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(3);
        self.taken.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A writer that takes at most 3 bytes per call and fails every other call with
/// `Interrupted`, as a write hit by a signal does: nothing was written, try again.
struct Interrupted {
    taken: Vec<u8>,
    calls: usize,
}

impl Write for Interrupted {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls % 2 == 1 {
            return Err(io::Error::new(ErrorKind::Interrupted, "a signal arrived"));
        }
        let n = buf.len().min(3);
        self.taken.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut bytes = (payload.len() as u32).to_be_bytes().to_vec();
    bytes.extend_from_slice(payload);
    bytes
}

#[test]
fn a_frame_is_a_big_endian_length_then_the_payload() {
    let bytes = timeout(|| {
        let mut bytes = Vec::new();
        write_frame(&mut bytes, b"hi").expect("writing to a Vec cannot fail");
        write_frame(&mut bytes, &[7; 300]).expect("writing to a Vec cannot fail");
        bytes
    });
    assert_eq!(
        &bytes[..6],
        &[0, 0, 0, 2, b'h', b'i'],
        "\"hi\" must be written as its length in 4 big-endian bytes, then the 2 bytes"
    );
    assert_eq!(
        &bytes[6..10],
        &[0, 0, 1, 44],
        "300 is 0x0000012C in 4 big-endian bytes"
    );
    assert_eq!(bytes.len(), 6 + 4 + 300, "nothing else may be written");
}

#[test]
fn a_frame_is_written_whole_to_a_writer_that_takes_a_few_bytes_at_a_time() {
    let written = timeout(|| {
        let mut output = Narrow { taken: Vec::new() };
        write_frame(&mut output, b"more than three bytes").expect("writing failed");
        output.taken
    });
    assert_eq!(
        written,
        frame(b"more than three bytes"),
        "`write` may take only part of the buffer (it returns how much it took): the \
         header and the payload must be written whole, as `write_all` does"
    );
}

#[test]
fn an_interrupted_write_is_tried_again() {
    let written = timeout(|| {
        let mut output = Interrupted {
            taken: Vec::new(),
            calls: 0,
        };
        let result = write_frame(&mut output, b"still here").map_err(|e| e.kind());
        (result, output.taken)
    });
    assert_eq!(
        written,
        (Ok(()), frame(b"still here")),
        "a `write` that fails with `Interrupted` has written nothing and should simply be \
         tried again, as `write_all` does (and a short write goes on with the rest): the \
         frame must be written whole"
    );
}

#[test]
fn frames_come_back_one_by_one_then_the_end() {
    let frames = timeout(|| {
        let mut bytes = Vec::new();
        for payload in [&b"first"[..], b"", b"third"] {
            write_frame(&mut bytes, payload).unwrap();
        }
        let mut input = &bytes[..];
        let mut frames = Vec::new();
        for _ in 0..4 {
            frames.push(read_frame(&mut input).expect("reading a whole frame failed"));
        }
        frames
    });
    assert_eq!(
        frames,
        [
            Some(b"first".to_vec()),
            Some(Vec::new()),
            Some(b"third".to_vec()),
            None
        ],
        "expected the three payloads (an empty one too), then None at the end of the stream"
    );
}

#[test]
fn a_frame_that_arrives_in_pieces_is_put_together() {
    let frames = timeout(|| {
        let mut one_byte = Trickle::new(frame(b"a message that arrives one byte at a time"), 1);
        let first = read_frame(&mut one_byte).expect("reading failed");
        let mut seven_bytes = Trickle::new(frame(&[42; 1000]), 7);
        let second = read_frame(&mut seven_bytes).expect("reading failed");
        (first, second)
    });
    assert_eq!(
        frames.0.as_deref(),
        Some(&b"a message that arrives one byte at a time"[..]),
        "a read may return fewer bytes than asked for: keep reading until the frame is whole"
    );
    assert_eq!(
        frames.1,
        Some(vec![42; 1000]),
        "a 1000-byte payload that came 7 bytes at a time was not put together"
    );
}

#[test]
fn an_interrupted_read_is_tried_again() {
    let got = timeout(|| {
        let mut input = Trickle::new(frame(b"still here"), 3);
        input.interrupt = true;
        read_frame(&mut input)
    });
    match got {
        Ok(Some(payload)) => assert_eq!(payload, b"still here"),
        other => panic!(
            "a read that fails with `Interrupted` has read nothing and should simply be \
             tried again (as `read_exact` does); got {other:?}"
        ),
    }
}

#[test]
fn a_truncated_frame_is_an_error() {
    let (short_payload, short_header) = timeout(|| {
        let mut cut = frame(b"ten bytes!");
        cut.truncate(4 + 3);
        let short_payload = read_frame(&mut &cut[..]);
        let short_header = read_frame(&mut &[0u8, 0][..]);
        (short_payload, short_header)
    });
    for (what, got) in [
        ("a payload cut after 3 of its 10 bytes", short_payload),
        ("a header cut after 2 of its 4 bytes", short_header),
    ] {
        match got {
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => {}
            other => panic!(
                "{what} must be an `UnexpectedEof` error (the writer stopped mid-frame), \
                 not {other:?}"
            ),
        }
    }
}

#[test]
fn an_oversized_length_is_refused_before_reading_or_allocating() {
    // Checked one length at a time: a reader that trusts the length fails on the first
    // one before it gets to allocate 4 GiB for the second.
    for length in [MAX_FRAME as u32 + 1, u32::MAX] {
        let (got, consumed) = timeout(move || {
            // A header, then more bytes: a reader that trusts the length would try to
            // read (and first allocate) them all.
            let mut bytes = length.to_be_bytes().to_vec();
            bytes.extend_from_slice(&[0; 64]);
            let mut input = Trickle::new(bytes, usize::MAX);
            let got = read_frame(&mut input).map(|frame| frame.map(|f| f.len()));
            (got, input.at)
        });
        match got {
            Err(e) if e.kind() == ErrorKind::InvalidData => {}
            other => panic!(
                "a frame that says it is {length} bytes long, over MAX_FRAME ({MAX_FRAME}), \
                 must be refused with an `InvalidData` error before its payload is read, \
                 not {other:?}"
            ),
        }
        assert_eq!(
            consumed,
            4,
            "an oversized frame must be refused right after its header, but {} more \
             bytes were read",
            consumed.saturating_sub(4)
        );
    }
}

#[test]
fn an_oversized_length_is_refused_before_anything_is_allocated() {
    let largest = timeout(|| {
        let mut bytes = u32::MAX.to_be_bytes().to_vec();
        bytes.extend_from_slice(&[0; 64]);
        LARGEST.set(0);
        let got = read_frame(&mut &bytes[..]);
        let largest = LARGEST.get();
        assert!(got.is_err(), "a 4 GiB frame must be refused, got {got:?}");
        largest
    });
    assert!(
        largest <= 1024,
        "read_frame refused a frame that claimed 4 GiB, but first asked the allocator for \
         {largest} bytes: check the length against MAX_FRAME before `vec![0; length]`"
    );
}

#[test]
fn an_error_before_the_first_byte_is_passed_on_not_retried() {
    /// Fails at once with an error that is neither `Interrupted` nor the end.
    struct Broken;
    impl Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::new(ErrorKind::ConnectionReset, "the pipe broke"))
        }
    }
    let got = timeout(|| read_frame(&mut Broken).map_err(|e| e.kind()));
    assert_eq!(
        got,
        Err(ErrorKind::ConnectionReset),
        "the reader failed with ConnectionReset before a frame began: return that error; \
         only `Interrupted` is tried again"
    );
}

#[test]
fn an_error_inside_a_frame_is_passed_on_as_it_is() {
    /// Two bytes of a header, then a failure that is not the end of the stream.
    struct Broken(usize);
    impl Read for Broken {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0 == 2 {
                return Err(io::Error::new(ErrorKind::ConnectionReset, "the pipe broke"));
            }
            buf[0] = 0;
            self.0 += 1;
            Ok(1)
        }
    }
    let got = timeout(|| read_frame(&mut Broken(0)).map_err(|e| e.kind()));
    assert_eq!(
        got,
        Err(ErrorKind::ConnectionReset),
        "the reader failed with ConnectionReset inside a frame: pass that error on; only \
         an end of the stream inside a frame is `UnexpectedEof`"
    );
}

#[test]
fn a_payload_over_the_limit_is_not_written() {
    let (result, written) = timeout(|| {
        let mut bytes = Vec::new();
        let result = write_frame(&mut bytes, &vec![0; MAX_FRAME + 1]);
        (result, bytes.len())
    });
    match result {
        Err(e) if e.kind() == ErrorKind::InvalidInput => {}
        other => panic!(
            "a payload of MAX_FRAME + 1 bytes must be refused with an `InvalidInput` error, \
             not {other:?}"
        ),
    }
    assert_eq!(
        written, 0,
        "nothing of a refused frame may be written, not even its header"
    );
}

#[test]
fn a_payload_of_exactly_the_limit_goes_through() {
    assert_eq!(MAX_FRAME, 16 << 20, "MAX_FRAME is 16 MiB, as its doc says");
    let ok = timeout(|| {
        let payload = vec![1u8; MAX_FRAME];
        let mut bytes = Vec::new();
        write_frame(&mut bytes, &payload).expect("MAX_FRAME bytes is allowed");
        read_frame(&mut &bytes[..]).expect("MAX_FRAME bytes is allowed") == Some(payload)
    });
    assert!(ok, "a frame of exactly MAX_FRAME bytes must round-trip");
}
