//! Exercise 08.1: Twisted's Deferred, then the same flow as a future, twice.
//!
//! A `Deferred` is a chain of callbacks and errbacks that runs once, when someone fires it.
//! The page is `book/src/ch08-frameworks/deferred.md`.

use futures::TryFutureExt;
use futures::future;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;

/// What goes wrong in a chain. Twisted wraps the exception in a `Failure`; a message will do.
pub type Failure = String;

/// A step that runs when the chain holds a value; it may fail.
pub type Callback<T> = Box<dyn FnOnce(T) -> Result<T, Failure>>;
/// A step that runs when the chain holds a failure; `Ok` recovers, `Err` passes it on.
pub type Errback<T> = Box<dyn FnOnce(Failure) -> Result<T, Failure>>;

/// One link of the chain: each link runs on one of the two paths and is skipped on the other.
pub enum Link<T> {
    Callback(Callback<T>),
    Errback(Errback<T>),
}

/// Firing a `Deferred` a second time: Twisted raises `AlreadyCalledError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlreadyCalled;

impl fmt::Display for AlreadyCalled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("this Deferred has already been fired")
    }
}

impl std::error::Error for AlreadyCalled {}

impl<T> Link<T> {
    /// Runs this link if it is on the result's path; otherwise the result goes on unchanged.
    pub fn apply(self, result: Result<T, Failure>) -> Result<T, Failure> {
        match (self, result) {
            (Link::Callback(f), Ok(value)) => f(value),
            (Link::Errback(f), Err(failure)) => f(failure),
            (_, unchanged) => unchanged,
        }
    }
}

/// A result that is not there yet, with what to do once it is.
pub struct Deferred<T> {
    /// The links that have not run yet, oldest first. Links added after the Deferred has
    /// fired run at once (there is nothing to wait for any more).
    chain: VecDeque<Link<T>>,
    /// `None` until fired; from then on, the result so far, which each link replaces.
    result: Option<Result<T, Failure>>,
}

impl<T> Default for Deferred<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Deferred<T> {
    /// A Deferred that has not fired.
    pub fn new() -> Self {
        Self {
            chain: VecDeque::new(),
            result: None,
        }
    }

    /// Adds a step for the value path; runs at once if the Deferred has already fired.
    pub fn add_callback(&mut self, f: impl FnOnce(T) -> Result<T, Failure> + 'static) -> &mut Self {
        self.chain.push_back(Link::Callback(Box::new(f)));
        self.run_chain();
        self
    }

    /// Adds a step for the failure path; runs at once if the Deferred has already fired.
    pub fn add_errback(
        &mut self,
        f: impl FnOnce(Failure) -> Result<T, Failure> + 'static,
    ) -> &mut Self {
        self.chain.push_back(Link::Errback(Box::new(f)));
        self.run_chain();
        self
    }

    /// Fires the Deferred with a value: the chain starts on the value path.
    pub fn callback(&mut self, value: T) -> Result<(), AlreadyCalled> {
        self.fire(Ok(value))
    }

    /// Fires the Deferred with a failure: the chain starts on the failure path.
    pub fn errback(&mut self, failure: Failure) -> Result<(), AlreadyCalled> {
        self.fire(Err(failure))
    }

    /// The result so far: `None` before the Deferred fires.
    pub fn result(&self) -> Option<&Result<T, Failure>> {
        self.result.as_ref()
    }

    /// Stores the first result and runs the chain; refuses a second one.
    fn fire(&mut self, result: Result<T, Failure>) -> Result<(), AlreadyCalled> {
        todo!("refuse a second result; store the first and run the chain")
    }

    /// Once fired, runs the waiting links in order, each on the result of the one before;
    /// the last result stays for links added later.
    fn run_chain(&mut self) {
        todo!("while there is a result and a link: pop the oldest link and apply it")
    }
}

thread_local! {
    /// The steps run on this thread, in order: the tests read it with [`steps_taken`].
    static STEPS: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
}

fn step(name: &'static str) {
    STEPS.with(|steps| steps.borrow_mut().push(name));
}

/// The steps run on this thread since the last call, oldest first.
pub fn steps_taken() -> Vec<&'static str> {
    STEPS.with(|steps| steps.take())
}

/// Finds the text between `<title>` and `</title>` in a page.
pub fn parse_title(page: String) -> Result<String, Failure> {
    step("parse_title");
    let start = page.find("<title>").ok_or("no title")? + "<title>".len();
    let len = page[start..].find("</title>").ok_or("no title")?;
    Ok(page[start..start + len].to_string())
}

/// Recovers from a page without a title; any other failure goes on.
pub fn recover(failure: Failure) -> Result<String, Failure> {
    step("recover");
    if failure == "no title" {
        Ok("(untitled)".to_string())
    } else {
        Err(failure)
    }
}

/// Trims a title and collapses its runs of spaces.
pub fn tidy(title: String) -> Result<String, Failure> {
    step("tidy");
    Ok(title.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Says which operation failed, for the caller's error message.
pub fn annotate(failure: Failure) -> Failure {
    step("annotate");
    format!("fetching the title: {failure}")
}

/// The flow as a chain, waiting to be fired with a page (or a fetch failure):
/// `parse_title`, then `recover`, then `tidy`, then `annotate` on failure.
pub fn title_deferred() -> Deferred<String> {
    todo!("a Deferred with four links: parse_title, recover, tidy, annotate")
}

/// The same flow with `futures` combinators over the fetch.
pub fn title_with_combinators(
    fetch: impl Future<Output = Result<String, Failure>>,
) -> impl Future<Output = Result<String, Failure>> {
    let _ = &fetch;
    async { todo!("fetch.and_then(..).or_else(..).and_then(..).map_err(..)") }
}

/// The same flow with `async`/`await`.
pub async fn title_with_await(
    fetch: impl Future<Output = Result<String, Failure>>,
) -> Result<String, Failure> {
    todo!("await the fetch, then the same steps with match and ?")
}
