//! Tests for exercise 11.5: spans that follow a request across awaits and into its tasks.
//!
//! Each test installs a subscriber of its own (a `tracing_subscriber` registry with a
//! small recording layer, below) as the default of the thread its runtime runs on: the
//! runtime has one thread, so every task of the test records into it. The layer keeps, for
//! each event, its message and the spans around it (innermost first), each with a serial
//! number the layer gives it, its name, its level and its fields as they were recorded
//! (a number stays a number). The tests read that log; no clock is involved.
//!
//! The order of events between requests is forced, not hoped for: a request's work waits
//! at a gate the test opens, and tells the test (through a oneshot) that it has got there,
//! so "request 1 is waiting while request 2 runs" happens on every run. Waiting is checked
//! by counting the polls of `handle`'s future while the loop turns.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ch11_production::ex05_tracing::handle;
use support::tokio::paused;
use support::wakers::Counted;
use support::wakers::Gate;
use tokio::sync::oneshot;
use tokio::task::LocalSet;
use tokio_util::task::TaskTracker;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context as LayerContext, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

// ---------------------------------------------------------------------------------------
// The recording layer.

/// A field's value as it was recorded.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Number(u64),
    Signed(i64),
    Text(String),
}

impl Value {
    fn text(&self) -> String {
        match self {
            Value::Number(n) => n.to_string(),
            Value::Signed(n) => n.to_string(),
            Value::Text(text) => text.clone(),
        }
    }
}

/// The fields of a span or an event, in the order they were recorded.
#[derive(Clone, Debug, Default)]
struct Fields(Vec<(String, Value)>);

impl Visit for Fields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0
            .push((field.name().to_string(), Value::Number(value)));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0
            .push((field.name().to_string(), Value::Signed(value)));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0
            .push((field.name().to_string(), Value::Text(value.to_string())));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .push((field.name().to_string(), Value::Text(format!("{value:?}"))));
    }
}

/// A span as the layer saw it.
#[derive(Clone, Debug)]
struct SpanSeen {
    /// Given by the layer, one per span ever made in the test (the registry's own ids
    /// are reused once a span closes, so they cannot tell two spans apart).
    serial: u64,
    name: &'static str,
    level: Level,
    fields: Fields,
}

impl SpanSeen {
    fn id_field(&self) -> Option<&Value> {
        self.fields
            .0
            .iter()
            .find(|(name, _)| name == "id")
            .map(|(_, value)| value)
    }

    fn describe(&self) -> String {
        let fields: Vec<String> = self
            .fields
            .0
            .iter()
            .map(|(name, value)| format!("{name} = {value:?}"))
            .collect();
        format!(
            "span #{} `{}` ({}) {{{}}}",
            self.serial,
            self.name,
            self.level,
            fields.join(", ")
        )
    }
}

/// An event as the layer saw it.
#[derive(Clone, Debug)]
struct EventSeen {
    message: String,
    level: Level,
    fields: Fields,
    /// The spans around the event, innermost first.
    scope: Vec<SpanSeen>,
}

impl EventSeen {
    /// The request spans around the event, innermost first.
    fn requests(&self) -> Vec<&SpanSeen> {
        self.scope.iter().filter(|s| s.name == "request").collect()
    }

    fn describe_scope(&self) -> String {
        if self.scope.is_empty() {
            return "no span at all".to_string();
        }
        let spans: Vec<String> = self.scope.iter().map(SpanSeen::describe).collect();
        format!("{} (innermost first)", spans.join(" inside "))
    }
}

#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<EventSeen>>>);

struct Recorder {
    log: Log,
    serials: AtomicU64,
}

impl<S> Layer<S> for Recorder
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let seen = SpanSeen {
            serial: self.serials.fetch_add(1, Ordering::SeqCst) + 1,
            name: attrs.metadata().name(),
            level: *attrs.metadata().level(),
            fields,
        };
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(seen);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: LayerContext<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(seen) = span.extensions_mut().get_mut::<SpanSeen>()
        {
            values.record(&mut seen.fields);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: LayerContext<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let message = fields
            .0
            .iter()
            .find(|(name, _)| name == "message")
            .map(|(_, value)| value.text())
            .unwrap_or_default();
        let scope = ctx
            .event_scope(event)
            .map(|scope| {
                scope
                    .filter_map(|span| span.extensions().get::<SpanSeen>().cloned())
                    .collect()
            })
            .unwrap_or_default();
        self.log.0.lock().unwrap().push(EventSeen {
            message,
            level: *event.metadata().level(),
            fields,
            scope,
        });
    }
}

/// Runs `body` on a paused current-thread runtime, inside a `LocalSet` (so requests can be
/// spawned as tasks of their own with `spawn_local`), with the recording subscriber as
/// the thread's default. `body` gets the tracker to spawn audit tasks on; once it is done,
/// every audit task is awaited. Returns what the body returned and every event recorded.
fn traced<B, Fut, T>(body: B) -> (T, Vec<EventSeen>)
where
    B: FnOnce(TaskTracker) -> Fut + Send + 'static,
    Fut: Future<Output = T> + 'static,
    T: Send + 'static,
{
    paused(move || async move {
        let log = Log::default();
        let subscriber = tracing_subscriber::registry().with(Recorder {
            log: log.clone(),
            serials: AtomicU64::new(0),
        });
        let _default = tracing::subscriber::set_default(subscriber);
        let audits = TaskTracker::new();
        let local = LocalSet::new();
        let output = local.run_until(body(audits.clone())).await;
        audits.close();
        local.run_until(audits.wait()).await;
        let events = log.0.lock().unwrap().clone();
        (output, events)
    })
}

/// The one event with this message; fails, saying what was recorded, if there is not
/// exactly one.
fn the_event<'a>(events: &'a [EventSeen], message: &str) -> &'a EventSeen {
    let found: Vec<&EventSeen> = events.iter().filter(|e| e.message == message).collect();
    assert_eq!(
        found.len(),
        1,
        "expected exactly one event {message:?}, found {}; the events recorded were {:?}",
        found.len(),
        messages(events)
    );
    found[0]
}

fn messages(events: &[EventSeen]) -> Vec<&str> {
    events.iter().map(|e| e.message.as_str()).collect()
}

/// Checks that `event` is inside exactly one request span, with `id` recorded as the
/// number `id`, and returns that span.
fn in_request(event: &EventSeen, id: u64) -> &SpanSeen {
    let requests = event.requests();
    assert!(
        requests.len() == 1 && requests[0].id_field() == Some(&Value::Number(id)),
        "the event {:?} should be inside exactly one span named `request`, the one with \
         id = {id}; it was inside {}",
        event.message,
        event.describe_scope()
    );
    requests[0]
}

/// A work for `handle` that records `"working"`, hands back the token it was given,
/// and finishes at once.
fn quick_work(got: Arc<Mutex<Option<String>>>) -> impl FnOnce(String) -> std::future::Ready<()> {
    move |token| {
        tracing::info!("working");
        *got.lock().unwrap() = Some(token);
        std::future::ready(())
    }
}

// ---------------------------------------------------------------------------------------
// The tests.

#[test]
fn the_request_span_is_named_request_at_info_with_only_its_id_as_a_number() {
    let ((), events) = traced(|audits| async move {
        let got = Arc::new(Mutex::new(None));
        handle(7, "token-7".into(), quick_work(got), &audits).await;
    });
    let started = the_event(&events, "started");
    let requests = started.requests();
    assert_eq!(
        requests.len(),
        1,
        "the event \"started\" should be inside one span named `request`; it was inside {}",
        started.describe_scope()
    );
    let span = requests[0];
    assert_eq!(
        span.level,
        Level::INFO,
        "the request span should be at level INFO; it was {}",
        span.describe()
    );
    let names: Vec<&str> = span.fields.0.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["id"],
        "the request span should have one field, `id`; it was {}",
        span.describe()
    );
    assert_eq!(
        span.id_field(),
        Some(&Value::Number(7)),
        "the request span's `id` should be recorded as the number 7 (a u64, so that a log \
         query can compare it), not as text; it was {}",
        span.describe()
    );
}

#[test]
fn started_the_work_and_done_are_recorded_in_order_inside_the_request_span() {
    let ((), events) = traced(|audits| async move {
        let got = Arc::new(Mutex::new(None));
        handle(3, "token-3".into(), quick_work(got), &audits).await;
    });
    let order: Vec<&str> = messages(&events)
        .into_iter()
        .filter(|m| ["started", "working", "done"].contains(m))
        .collect();
    assert_eq!(
        order,
        ["started", "working", "done"],
        "handle should record \"started\", then run the work (which records \"working\"), \
         then record \"done\"; the events came in this order: {:?}",
        messages(&events)
    );
    let mut spans = Vec::new();
    for message in ["started", "working", "done"] {
        let event = the_event(&events, message);
        assert_eq!(
            event.level,
            Level::INFO,
            "the event {message:?} should be at level INFO; it was at {}",
            event.level
        );
        spans.push(in_request(event, 3).serial);
    }
    assert!(
        spans.iter().all(|s| *s == spans[0]),
        "\"started\", the work's \"working\" and \"done\" should be inside the same request \
         span; they were in the spans #{:?}",
        spans
    );
}

#[test]
fn the_work_gets_the_token_and_the_token_is_never_recorded() {
    const TOKEN: &str = "s3cret-token-of-request-9";
    let (got, events) = traced(|audits| async move {
        let got = Arc::new(Mutex::new(None));
        handle(9, TOKEN.into(), quick_work(got.clone()), &audits).await;
        got.lock().unwrap().clone()
    });
    assert_eq!(
        got.as_deref(),
        Some(TOKEN),
        "the work should be called with the request's token"
    );
    assert!(
        !events.is_empty(),
        "handle recorded nothing: it should record \"started\" and \"done\""
    );
    for event in &events {
        for (name, value) in &event.fields.0 {
            assert!(
                !value.text().contains(TOKEN),
                "the token was recorded, in the field `{name}` of the event {:?}: it is a \
                 secret, and must never reach the logs",
                event.message
            );
        }
        for span in &event.scope {
            for (name, value) in &span.fields.0 {
                assert!(
                    !value.text().contains(TOKEN),
                    "the token was recorded, in the field `{name}` of {}: it is a secret, and \
                     must never reach the logs (`#[instrument]` records every argument it \
                     does not skip)",
                    span.describe()
                );
            }
        }
    }
}

#[test]
fn while_a_request_waits_other_tasks_record_outside_its_span() {
    let ((), events) = traced(|audits| async move {
        let gate = Gate::default();
        let (arrived, at_gate) = oneshot::channel();
        let request = tokio::task::spawn_local({
            let gate = gate.clone();
            async move {
                let work = move |_| async move {
                    let _ = arrived.send(());
                    gate.wait().await;
                };
                handle(1, "token-1".into(), work, &audits).await
            }
        });
        // The request is now suspended at the gate. This task, which belongs to no
        // request, records an event, and so does a task spawned now.
        at_gate
            .await
            .expect("the request never ran its work (or dropped it before the gate)");
        tracing::info!("meanwhile, the test");
        tokio::task::spawn_local(async { tracing::info!("meanwhile, another task") })
            .await
            .expect("the other task panicked");
        gate.open();
        request.await.expect("the request panicked");
    });
    for message in ["meanwhile, the test", "meanwhile, another task"] {
        let event = the_event(&events, message);
        assert!(
            event.scope.is_empty(),
            "while request 1 was waiting for its work, another task recorded {message:?}, and \
             it landed inside {}. A request's span must be entered only while the request \
             runs: a guard from `span.enter()` held across an `.await` keeps it entered on \
             the thread while the request is suspended, and every other task polled there \
             records inside it",
            event.describe_scope()
        );
    }
    let done = the_event(&events, "done");
    in_request(done, 1);
}

#[test]
fn two_interleaved_requests_each_record_only_in_their_own_span() {
    let ((), events) = traced(|audits| async move {
        let gate = Gate::default();
        let (arrived, at_gate) = oneshot::channel();
        // Request 1 starts and waits at the gate...
        let first = tokio::task::spawn_local({
            let (gate, audits) = (gate.clone(), audits.clone());
            async move {
                let work = move |_| async move {
                    tracing::info!("working on 1");
                    let _ = arrived.send(());
                    gate.wait().await;
                    tracing::info!("back to 1");
                };
                handle(1, "token-1".into(), work, &audits).await
            }
        });
        at_gate.await.expect("request 1 never ran its work");
        // ...request 2 runs from start to end, meanwhile, and so does its audit task (on a
        // tracker of its own, which the test waits for)...
        let second_audits = TaskTracker::new();
        let second = tokio::task::spawn_local({
            let second_audits = second_audits.clone();
            async move {
                let work = |_| async { tracing::info!("working on 2") };
                handle(2, "token-2".into(), work, &second_audits).await
            }
        });
        second.await.expect("request 2 panicked");
        second_audits.close();
        second_audits.wait().await;
        // ...and request 1 goes on.
        gate.open();
        first.await.expect("request 1 panicked");
    });
    for (message, id) in [("working on 1", 1), ("working on 2", 2), ("back to 1", 1)] {
        in_request(the_event(&events, message), id);
    }
    let mut by_request = [0, 0];
    for event in events.iter().filter(|e| e.message == "done") {
        let span = event.requests();
        assert_eq!(
            span.len(),
            1,
            "each \"done\" should be inside exactly one request span, its own; one was \
             inside {}",
            event.describe_scope()
        );
        match span[0].id_field() {
            Some(Value::Number(1)) => by_request[0] += 1,
            Some(Value::Number(2)) => by_request[1] += 1,
            other => panic!("a \"done\" was in a request span with id {other:?}"),
        }
    }
    assert_eq!(
        by_request,
        [1, 1],
        "each request should record \"done\" once, in its own span"
    );
    for event in events.iter().filter(|e| e.message == "audited") {
        let requests = event.requests();
        assert_eq!(
            requests.len(),
            1,
            "an audit's \"audited\" should be inside exactly one request span; it was inside \
             {} (request 2 ran while request 1 was suspended: if request 1's span was still \
             entered, request 2's span was made inside it)",
            event.describe_scope()
        );
    }
}

#[test]
fn the_audit_task_records_in_the_requests_own_span() {
    let (tracked, events) = traced(|audits| async move {
        let got = Arc::new(Mutex::new(None));
        handle(5, "token-5".into(), quick_work(got), &audits).await;
        audits.len()
    });
    assert_eq!(
        tracked, 1,
        "when handle returned, the tracker `audits` held {tracked} tasks, on a runtime with \
         one thread where a spawned task has not run yet: the audit should be spawned on it \
         (`audits.spawn(..)`), as a task of its own that handle does not wait for"
    );
    let started = in_request(the_event(&events, "started"), 5);
    let audited = the_event(&events, "audited");
    let innermost = audited.scope.first();
    assert!(
        innermost.is_some_and(|span| span.serial == started.serial),
        "the audit task's \"audited\" should be recorded in the request's own span ({}); it \
         was inside {}. A spawned task starts with no span: instrument it with the request's \
         span itself (`in_current_span()`, or `.instrument(Span::current())`), not with a new \
         one",
        started.describe(),
        audited.describe_scope()
    );
    in_request(audited, 5);
}

#[test]
fn a_waiting_request_is_not_polled_again_until_its_work_wakes_it() {
    let (polls, _events) = traced(|audits| async move {
        let gate = Gate::default();
        let polls = Arc::new(AtomicU64::new(0));
        let request = tokio::task::spawn_local(Counted {
            inner: Box::pin({
                let gate = gate.clone();
                async move {
                    let work = move |_| async move { gate.wait().await };
                    handle(4, "token-4".into(), work, &audits).await
                }
            }),
            polls: polls.clone(),
        });
        // Twenty turns of the loop while the work waits at the gate.
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        let polls_while_waiting = polls.load(Ordering::SeqCst);
        gate.open();
        request.await.expect("the request panicked");
        polls_while_waiting
    });
    assert!(
        (1..=2).contains(&polls),
        "the request's future was polled {polls} times over twenty turns of the loop while its \
         work waited: it should be polled once, then sleep until the work wakes it (await the \
         work), not look again and again"
    );
}

#[test]
fn the_audit_is_spawned_only_once_the_work_is_done() {
    let (seen_while_waiting, events) = traced(|audits| async move {
        let gate = Gate::default();
        let request = tokio::task::spawn_local({
            let (gate, audits) = (gate.clone(), audits.clone());
            async move {
                let work = move |_| async move {
                    tracing::info!("working");
                    gate.wait().await
                };
                handle(6, "token-6".into(), work, &audits).await
            }
        });
        // Twenty turns of the loop while the work waits at the gate: time enough for an
        // audit spawned too early to run and record.
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        let seen_while_waiting = audits.len();
        gate.open();
        request.await.expect("the request panicked");
        seen_while_waiting
    });
    let order = messages(&events);
    assert!(
        seen_while_waiting == 0 && order == ["started", "working", "done", "audited"],
        "while the work waited, the tracker `audits` held {seen_while_waiting} tasks, and the \
         events came in the order {order:?}: the audit must be spawned after the work is done \
         (started, working, then the audit is spawned, then done; the audit runs after \
         handle returns, on this one-thread runtime)"
    );
}
