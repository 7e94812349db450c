//! Tests for exercise 10.3: SQLite behind a thread of its own.
//!
//! The slow query waits for a signal that only the event loop can send: if the query
//! holds the loop's thread, the signal never comes and the query gives up after a while
//! with the course's deadlock message. No stopwatch is involved.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::task::Poll;

use ch10_when_not::ex03_sqlite::{CAPACITY, Store, StoreError};
use support::PATIENCE;
use support::tokio::real_time;
use support::wakers::Counted;

/// A fresh database file for one test (removed first if an earlier run left it).
fn fresh_db(test: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("ch10-{test}-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// A query that waits for the test's signal. If the signal does not come within the
/// course's patience, it notes that it gave up (and returns, so the test can say why).
fn slow_query(
    signal: mpsc::Receiver<()>,
    gave_up: Arc<AtomicBool>,
) -> impl FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<i64> + Send + 'static {
    move |db| {
        if signal.recv_timeout(PATIENCE).is_err() {
            gave_up.store(true, Ordering::SeqCst);
        }
        db.query_row("SELECT 40 + 2", (), |row| row.get(0))
    }
}

const BLOCKED: &str = "probably a deadlock: the slow query waited for a signal that the event \
                       loop sends while the query runs, and it never came: the query held the \
                       loop's thread (run it on the database thread, and await the answer)";

#[test]
fn other_tasks_run_while_a_slow_query_runs() {
    let path = fresh_db("others-run");
    let (answer, gave_up) = real_time(move || async move {
        let store = Arc::new(Store::open(&path).expect("the database should open"));
        let (signal, wait) = mpsc::channel();
        let gave_up = Arc::new(AtomicBool::new(false));
        let query = tokio::spawn({
            let store = store.clone();
            let slow = slow_query(wait, gave_up.clone());
            async move { store.call(slow).await }
        });
        // Meanwhile the loop serves another request (one that needs no database).
        let ping = tokio::spawn(async { "pong" });
        assert_eq!(ping.await.unwrap(), "pong");
        let _ = signal.send(());
        let answer = query.await.expect("the query's task panicked");
        (answer, gave_up.load(Ordering::SeqCst))
    });
    assert!(!gave_up, "{BLOCKED}");
    assert_eq!(answer.expect("the slow query should succeed"), 42);
}

#[test]
fn the_caller_waits_for_the_answer_without_polling_again() {
    let path = fresh_db("parks");
    let (polls, gave_up) = real_time(move || async move {
        let store = Arc::new(Store::open(&path).expect("the database should open"));
        let (signal, wait) = mpsc::channel();
        let gave_up = Arc::new(AtomicBool::new(false));
        let polls = Arc::new(AtomicU64::new(0));
        let query = tokio::spawn(Counted {
            inner: Box::pin({
                let store = store.clone();
                let slow = slow_query(wait, gave_up.clone());
                async move { store.call(slow).await }
            }),
            polls: polls.clone(),
        });
        // Twenty turns of the loop while the query runs.
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        let _ = signal.send(());
        query.await.unwrap().expect("the slow query should succeed");
        (polls.load(Ordering::SeqCst), gave_up.load(Ordering::SeqCst))
    });
    assert!(!gave_up, "{BLOCKED}");
    assert!(
        polls <= 3,
        "the caller's future was polled {polls} times over twenty turns of the loop: it should \
         sleep until the answer comes (await a channel), not look again and again"
    );
}

#[test]
fn what_is_put_can_be_got() {
    let path = fresh_db("put-get");
    let (found, missing) = real_time(move || async move {
        let store = Store::open(&path).expect("the database should open");
        store.create_table().await.expect("create the table");
        store.put("answer", "42").await.expect("put");
        store.put("answer", "forty-two").await.expect("put again");
        let found = store.get("answer").await.expect("get");
        let missing = store.get("question").await.expect("get");
        store.shutdown().await.expect("shut down");
        (found, missing)
    });
    assert_eq!(
        found.as_deref(),
        Some("forty-two"),
        "the last put should win"
    );
    assert_eq!(missing, None, "a key never put has no value");
}

#[test]
fn a_failed_query_is_an_error_and_the_store_goes_on() {
    let path = fresh_db("failed-query");
    let (failure, after) = real_time(move || async move {
        let store = Store::open(&path).expect("the database should open");
        store.create_table().await.expect("create the table");
        let failure = store
            .call(|db| db.execute("THIS IS NOT SQL", ()))
            .await
            .err();
        store
            .put("still", "here")
            .await
            .expect("a put after a failed query");
        let after = store.get("still").await;
        store.shutdown().await.expect("shut down");
        (failure, after.map_err(|error| error.to_string()))
    });
    assert!(
        matches!(failure, Some(StoreError::Sql(_))),
        "a bad query should come back to its caller as StoreError::Sql, got {failure:?}"
    );
    let said = failure.map(|error| error.to_string()).unwrap_or_default();
    assert!(
        said.starts_with("the database refused: ") && said.contains("syntax error"),
        "the error should say what SQLite said, got {said:?}"
    );
    assert_eq!(
        after,
        Ok(Some("here".to_string())),
        "after a failed query, the store should go on serving"
    );
}

#[test]
fn a_file_that_cannot_be_opened_is_an_error() {
    let outcome = real_time(|| async {
        Store::open(std::path::Path::new("/no/such/folder/for/ch10/test.db")).map(|_| ())
    });
    assert!(
        matches!(outcome, Err(StoreError::Sql(_))),
        "opening a database in a folder that does not exist should be StoreError::Sql, got \
         {outcome:?}"
    );
}

#[test]
fn nothing_written_is_lost_on_shutdown() {
    let path = fresh_db("shutdown");
    let check = path.clone();
    let (finished_early, polls) = real_time(move || async move {
        let store = Store::open(&path).expect("the database should open");
        store.create_table().await.expect("create the table");
        // The database thread is busy with a query that waits for the test's signal...
        let (signal, wait) = mpsc::channel();
        let gave_up = Arc::new(AtomicBool::new(false));
        let mut slow = Box::pin(store.call(slow_query(wait, gave_up)));
        poll_once(slow.as_mut()).await;
        // ...and fifty writes queue up behind it. Each put sends its request on its
        // first poll; the test does not wait for the answers.
        for n in 0..50 {
            let key = format!("key {n}");
            let mut put = Box::pin(store.put(&key, "value"));
            poll_once(put.as_mut()).await;
        }
        drop(slow);
        let polls = Arc::new(AtomicU64::new(0));
        let shutdown = tokio::spawn(Counted {
            inner: Box::pin(store.shutdown()),
            polls: polls.clone(),
        });
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        let finished_early = shutdown.is_finished();
        let _ = signal.send(());
        shutdown
            .await
            .expect("shutdown panicked")
            .expect("shutdown should succeed");
        (finished_early, polls.load(Ordering::SeqCst))
    });
    assert!(
        !finished_early,
        "shutdown returned while the database thread was still busy, with fifty writes queued: \
         it should return only once they are done"
    );
    assert!(
        polls <= 3,
        "shutdown was polled {polls} times while the database thread finished its work: it \
         should sleep until the thread is done, not look again and again"
    );
    let db = rusqlite::Connection::open(&check).expect("reopen the database");
    let rows: i64 = db
        .query_row("SELECT count(*) FROM kv", (), |row| row.get(0))
        .expect("count the rows");
    assert_eq!(
        rows, 50,
        "fifty writes were queued before shutdown; {rows} are in the file"
    );
}

/// Polls `future` once, whatever it says, and goes on.
async fn poll_once<F: Future>(mut future: Pin<&mut F>) {
    std::future::poll_fn(|cx| {
        let _ = future.as_mut().poll(cx);
        Poll::Ready(())
    })
    .await
}

#[test]
fn a_caller_waits_for_room_when_the_queue_is_full_and_the_loop_goes_on() {
    let path = fresh_db("bounded");
    let check = path.clone();
    let (gave_up, extra_polls) = real_time(move || async move {
        let store = Arc::new(Store::open(&path).expect("the database should open"));
        store.create_table().await.expect("create the table");
        // The database thread takes a slow query off the queue and is busy with it...
        let (started, has_started) = tokio::sync::oneshot::channel();
        let (signal, wait) = mpsc::channel();
        let gave_up = Arc::new(AtomicBool::new(false));
        let slow = slow_query(wait, gave_up.clone());
        let mut slow = Box::pin(store.call(move |db| {
            let _ = started.send(());
            slow(db)
        }));
        poll_once(slow.as_mut()).await;
        has_started
            .await
            .expect("the slow query never started on the database thread");
        // ...while CAPACITY writes fill the queue (each sends its request on its first
        // poll and waits for its answer)...
        let mut queued = Vec::new();
        for n in 0..CAPACITY {
            let store = store.clone();
            let mut put = Box::pin(async move { store.put(&format!("key {n}"), "value").await });
            poll_once(put.as_mut()).await;
            queued.push(put);
        }
        // ...and one more caller comes. It must wait for room, parked, while the loop
        // turns twenty times.
        let polls = Arc::new(AtomicU64::new(0));
        let extra = tokio::spawn(Counted {
            inner: Box::pin({
                let store = store.clone();
                async move { store.put("one too many", "value").await }
            }),
            polls: polls.clone(),
        });
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        let extra_polls = polls.load(Ordering::SeqCst);
        // It gives up: a caller that was only waiting for room has sent nothing.
        extra.abort();
        let _ = extra.await;
        let _ = signal.send(());
        slow.await.expect("the slow query should succeed");
        for put in queued {
            put.await.expect("a queued put");
        }
        let store = Arc::into_inner(store).expect("every caller is done with the store");
        store.shutdown().await.expect("shut down");
        (gave_up.load(Ordering::SeqCst), extra_polls)
    });
    assert!(
        !gave_up,
        "the slow query waited for a signal that the event loop sends while the queue is \
         full, and it never came: the caller that found the queue full blocked the loop's \
         thread (a std `sync_channel`'s send does). Await the send of an async channel \
         (`tokio::sync::mpsc`), so the caller parks and the loop goes on"
    );
    assert!(
        extra_polls <= 2,
        "the caller that found the queue full was polled {extra_polls} times over twenty \
         turns of the loop: it should sleep until there is room (`send(..).await`), not try \
         again and again"
    );
    let db = rusqlite::Connection::open(&check).expect("reopen the database");
    let rows: i64 = db
        .query_row("SELECT count(*) FROM kv", (), |row| row.get(0))
        .expect("count the rows");
    assert_eq!(
        rows, CAPACITY as i64,
        "while the database thread was busy, {CAPACITY} writes filled the queue and one more \
         caller came, then gave up before there was room; the file holds {rows} rows, so that \
         last write was queued anyway. The queue must hold at most CAPACITY requests: a \
         caller beyond that waits in `call` (a bounded channel's `send(..).await`), instead \
         of the queue growing for as long as the overload lasts"
    );
}

#[test]
fn shutdown_says_so_when_the_database_thread_has_died() {
    let path = fresh_db("died");
    let (answer, later, shutdown) = real_time(move || async move {
        let store = Store::open(&path).expect("the database should open");
        let answer = store
            .call(|_| -> rusqlite::Result<()> { panic!("a query that panics") })
            .await;
        let later = store.call(|db| db.query_row("SELECT 1", (), |row| row.get::<_, i64>(0)));
        let later = later.await;
        (answer, later, store.shutdown().await)
    });
    assert!(
        matches!(answer, Err(StoreError::Closed)),
        "a query that panicked on the database thread can give no answer: its caller should \
         get StoreError::Closed, got {answer:?}"
    );
    assert!(
        matches!(later, Err(StoreError::Closed)),
        "after the database thread died, a request should get StoreError::Closed, got \
         {later:?}"
    );
    assert!(
        matches!(shutdown, Err(StoreError::Closed)),
        "the database thread died of a panic, and shutdown said {shutdown:?}: joining a \
         thread that panicked gives an error, and shutdown must pass it on as \
         StoreError::Closed, not swallow it"
    );
}

#[test]
fn the_database_thread_sleeps_while_there_is_nothing_to_do() {
    let path = fresh_db("idle");
    real_time(move || async move {
        let store = Store::open(&path).expect("the database should open");
        // A query runs on the database thread: it can say which thread that is.
        let tid = store
            .call(|_| Ok(support::sched::current_tid()))
            .await
            .expect("a query that only looks at its thread");
        let parked = tokio::task::spawn_blocking(move || {
            support::sched::assert_parks(
                tid,
                "the next request",
                "Take the jobs with the channel's blocking receive (`blocking_recv`), which \
                 sleeps until a job comes or every sender is gone.",
            );
        })
        .await;
        if let Err(failure) = parked {
            std::panic::resume_unwind(failure.into_panic());
        }
        store
            .create_table()
            .await
            .expect("a request after a quiet time");
        store.shutdown().await.expect("shut down");
    });
}
