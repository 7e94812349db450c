//! Watch mode, `cargo course`: the first unsolved exercise, checked again on every save.
//!
//! One loop owns all the state and reacts to events from four sources, each on a thread
//! of its own: the keyboard (or stdin lines in `--plain` mode), the file watcher, the
//! worker that checks an exercise, and a tick that keeps the "checking…" clock moving.
//! The loop never waits for a check, so `q` works while a deadlocked test is running: it
//! cancels the check, which kills the test binary.

use crate::term::{self, Screen};
use anyhow::Result;
use course::check::{Checked, check_cancellable};
use course::check::{Crate, Outcome, exercise_file, run_limit};
use course::manifest::{Exercise, Manifest};
use course::progress::{self, Progress, Status};
use course::ui::{self, bold, dim, green, red, yellow};
use notify::{RecursiveMode, Watcher};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long the file watcher waits for a burst of writes (an editor's save can be a
/// write, a rename and a chmod) to end before it reports them: short, since it adds to
/// every save's time to result.
const DEBOUNCE: Duration = Duration::from_millis(50);

#[derive(Debug, Clone)]
pub struct Options {
    /// No file watching: Enter (or `r`) checks again.
    pub manual: bool,
    /// Line-oriented: plain lines out, commands as lines in; ends at `q` or end of input.
    pub plain: bool,
    /// The exercise to start at, instead of the first unsolved one.
    pub start: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Hint,
    List,
    Next,
    Rerun,
    CheckAll,
    Quit,
    Back,
    Other,
}

enum Event {
    Key(Key),
    /// Something under `exercises/` was written.
    Files,
    /// The watcher failed; watch mode goes on in manual mode.
    WatchFailed(String),
    /// A check finished (check-all sends one per exercise).
    Checked {
        index: usize,
        fingerprint: String,
        result: Result<Checked, String>,
        took: Duration,
    },
    /// Check-all (job `.0`) moved on to the exercise `.1`.
    Checking(u64, usize),
    /// The worker of job `.0` is done with everything it was given.
    Finished(u64),
    /// End of input (plain mode): finish the check under way, then stop.
    InputClosed,
    Redraw,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Work {
    One(usize),
    All,
}

struct Running {
    /// Tells this job's events from those of a job that was called off.
    id: u64,
    work: Work,
    /// The fingerprint of the files being checked (for `Work::One`).
    fingerprint: String,
    cancel: Arc<AtomicBool>,
    handle: JoinHandle<()>,
    started: Instant,
    /// Check-all: the exercise it is on.
    on: Option<usize>,
}

/// The current exercise's last result.
struct Shown {
    fingerprint: String,
    result: Result<Checked, String>,
    took: Duration,
}

#[derive(PartialEq, Eq)]
enum View {
    Exercise,
    List,
}

struct Watch {
    root: PathBuf,
    manifest: Arc<Manifest>,
    options: Options,
    tx: Sender<Event>,
    current: usize,
    shown: Option<Shown>,
    running: Option<Running>,
    /// Files changed while check-all was running: check the current exercise after it.
    dirty: bool,
    view: View,
    /// How many steps of the current exercise's hint are shown (0: none). Each `h`
    /// shows one more; after the last, `h` hides them.
    hint_steps: usize,
    /// A one-line notice under the result ("`n` moves on once this passes").
    notice: Option<String>,
    statuses: Vec<Status>,
    quit_after_run: bool,
    /// Plain mode: the exercise whose header was printed last.
    announced: Option<usize>,
    jobs: u64,
}

pub fn run(root: &Path, manifest: Manifest, options: Options) -> Result<ExitCode> {
    let (tx, rx) = mpsc::channel();
    let mut options = options;

    // Keep the watcher alive for the whole session: dropping it stops the watching.
    let _watcher = if options.manual {
        None
    } else {
        match watch_files(root, tx.clone()) {
            Ok(watcher) => Some(watcher),
            Err(e) => {
                options.manual = true;
                let _ = tx.send(Event::WatchFailed(format!("{e:#}")));
                None
            }
        }
    };

    let mut screen = None;
    if options.plain {
        read_lines(tx.clone());
    } else {
        screen = Some(Screen::enter()?);
        read_keys(tx.clone());
    }

    let manifest = Arc::new(manifest);
    let statuses = statuses(root, &manifest);
    let first_unsolved = statuses.iter().position(|s| *s != Status::Solved);
    let current = options
        .start
        .as_ref()
        .and_then(|id| manifest.exercises.iter().position(|e| e.id == *id))
        .or(first_unsolved)
        .unwrap_or(0);
    let mut watch = Watch {
        root: root.to_path_buf(),
        manifest,
        options,
        tx,
        current,
        shown: None,
        running: None,
        dirty: false,
        view: View::Exercise,
        hint_steps: 0,
        notice: None,
        statuses,
        quit_after_run: false,
        announced: None,
        jobs: 0,
    };
    watch.start(Work::One(current));
    watch.draw(screen.as_mut())?;
    let code = watch.event_loop(&rx, screen.as_mut())?;
    watch.stop_running();
    drop(screen);
    Ok(code)
}

impl Watch {
    fn event_loop(
        &mut self,
        rx: &Receiver<Event>,
        mut screen: Option<&mut Screen>,
    ) -> Result<ExitCode> {
        loop {
            // While a check runs, wake up now and then to move the clock on the screen.
            let event = if self.running.is_some() && screen.is_some() {
                match rx.recv_timeout(Duration::from_millis(250)) {
                    Ok(event) => event,
                    Err(RecvTimeoutError::Timeout) => Event::Redraw,
                    Err(RecvTimeoutError::Disconnected) => return Ok(ExitCode::SUCCESS),
                }
            } else {
                match rx.recv() {
                    Ok(event) => event,
                    Err(_) => return Ok(ExitCode::SUCCESS),
                }
            };
            match event {
                Event::Key(Key::Quit) => return Ok(ExitCode::SUCCESS),
                Event::Key(key) => self.key(key),
                Event::Files => self.files_changed(),
                Event::WatchFailed(why) => {
                    self.notice = Some(format!(
                        "Cannot watch your files ({why}): press Enter or r after each save."
                    ));
                }
                Event::Checking(id, index) => {
                    if let Some(running) = self.running.as_mut().filter(|r| r.id == id) {
                        running.on = Some(index);
                    }
                }
                Event::Checked {
                    index,
                    fingerprint,
                    result,
                    took,
                } => self.checked(index, fingerprint, result, took),
                Event::Finished(id) => {
                    // A job that was called off may have finished before it saw that.
                    if self.running.as_ref().is_none_or(|r| r.id != id) {
                        continue;
                    }
                    if let Some(running) = self.running.take() {
                        let _ = running.handle.join();
                        if running.work == Work::All {
                            self.all_checked();
                        }
                    }
                    if self.quit_after_run {
                        return Ok(self.exit_code());
                    }
                    if std::mem::take(&mut self.dirty) {
                        self.files_changed();
                    }
                }
                Event::InputClosed => {
                    if self.running.is_none() {
                        return Ok(self.exit_code());
                    }
                    self.quit_after_run = true;
                }
                Event::Redraw => {}
            }
            self.draw(screen.as_deref_mut())?;
        }
    }

    fn exit_code(&self) -> ExitCode {
        match &self.shown {
            Some(Shown {
                result: Ok(checked),
                ..
            }) if checked.outcome.is_solved() => ExitCode::SUCCESS,
            _ => ExitCode::FAILURE,
        }
    }

    fn exercise(&self, index: usize) -> &Exercise {
        &self.manifest.exercises[index]
    }

    fn fingerprint(&self, index: usize) -> String {
        progress::fingerprint(&self.root, &self.manifest, self.exercise(index))
    }

    /// Whether the current exercise passed, for its files as they are now.
    fn current_solved(&self) -> bool {
        matches!(&self.shown, Some(Shown { result: Ok(c), .. }) if c.outcome.is_solved())
    }

    fn key(&mut self, key: Key) {
        let was_list = self.view == View::List;
        self.view = View::Exercise;
        self.notice = None;
        match key {
            Key::Hint => {
                let steps = self.exercise(self.current).hints.len();
                self.hint_steps = if self.hint_steps >= steps {
                    0
                } else {
                    self.hint_steps + 1
                };
                if self.options.plain && self.hint_steps > 0 {
                    self.print_hint();
                }
            }
            Key::List => {
                if !was_list {
                    self.view = View::List;
                    if self.options.plain {
                        for line in self.list_lines() {
                            println!("{line}");
                        }
                    }
                }
            }
            Key::Next => self.next(),
            Key::Rerun => {
                if self.running.as_ref().is_some_and(|r| r.work == Work::All) {
                    self.dirty = true;
                } else {
                    self.start(Work::One(self.current));
                }
            }
            Key::CheckAll => self.start(Work::All),
            Key::Back | Key::Quit => {}
            Key::Other => {
                self.notice = Some(self.keys_help());
                if self.options.plain {
                    println!("{}", self.keys_help());
                }
            }
        }
    }

    fn keys_help(&self) -> String {
        let rerun = if self.options.manual {
            "Enter or r: check again"
        } else {
            "r: check again"
        };
        format!("Keys: h hint · l list · n next (once solved) · {rerun} · c check all · q quit")
    }

    fn next(&mut self) {
        if !self.current_solved() {
            let id = &self.exercise(self.current).id;
            let notice =
                format!("Not yet: n moves on once {id} passes. Stuck? Press h for a hint.");
            if self.options.plain {
                println!("{notice}");
            }
            self.notice = Some(notice);
            return;
        }
        let n = self.manifest.exercises.len();
        let next = (1..n)
            .map(|step| (self.current + step) % n)
            .find(|&i| self.statuses[i] != Status::Solved);
        match next {
            Some(index) => {
                self.current = index;
                self.shown = None;
                self.hint_steps = 0;
                self.start(Work::One(index));
            }
            None => {
                let notice = "Every exercise is solved. Well done!".to_string();
                if self.options.plain {
                    println!("{notice}");
                }
                self.notice = Some(notice);
            }
        }
    }

    fn files_changed(&mut self) {
        if self.options.manual {
            return;
        }
        if self.running.as_ref().is_some_and(|r| r.work == Work::All) {
            self.dirty = true;
            return;
        }
        let now = self.fingerprint(self.current);
        let same_as_running = self.running.as_ref().is_some_and(|r| r.fingerprint == now);
        let same_as_shown =
            self.running.is_none() && self.shown.as_ref().is_some_and(|s| s.fingerprint == now);
        // Saving without a change (or a change to another exercise's file) checks nothing.
        if same_as_running || same_as_shown {
            return;
        }
        self.start(Work::One(self.current));
    }

    /// Starts checking, calling off any check under way (its result is for files that
    /// have changed since).
    fn start(&mut self, work: Work) {
        self.stop_running();
        self.jobs += 1;
        let cancel = Arc::new(AtomicBool::new(false));
        let fingerprint = match work {
            Work::One(index) => self.fingerprint(index),
            Work::All => String::new(),
        };
        let handle = {
            let (root, manifest, tx, cancel) = (
                self.root.clone(),
                Arc::clone(&self.manifest),
                self.tx.clone(),
                Arc::clone(&cancel),
            );
            let fingerprint = fingerprint.clone();
            let id = self.jobs;
            thread::spawn(move || worker(id, &root, &manifest, work, fingerprint, &cancel, &tx))
        };
        if self.options.plain {
            match work {
                Work::One(index) => {
                    self.announce(index);
                    println!("-- checking {} …", self.exercise(index).id);
                }
                Work::All => println!("-- checking every exercise …"),
            }
        }
        self.running = Some(Running {
            id: self.jobs,
            work,
            fingerprint,
            cancel,
            handle,
            started: Instant::now(),
            on: None,
        });
    }

    fn stop_running(&mut self) {
        if let Some(running) = self.running.take() {
            running.cancel.store(true, Ordering::Relaxed);
            // The worker polls the flag every few milliseconds and then kills its child;
            // do not wait forever for it all the same.
            let waited = Instant::now();
            while !running.handle.is_finished() && waited.elapsed() < Duration::from_secs(3) {
                thread::sleep(Duration::from_millis(2));
            }
            // Its `Finished` (and maybe a result) are still in the channel: they are
            // recognised as stale because `self.running` no longer matches.
            if running.handle.is_finished() {
                let _ = running.handle.join();
            }
        }
    }

    fn checked(
        &mut self,
        index: usize,
        fingerprint: String,
        result: Result<Checked, String>,
        took: Duration,
    ) {
        // Record only a result for the files as they are now: a save during the check
        // makes it stale (and starts another).
        let still = self.fingerprint(index) == fingerprint;
        if still && let Ok(checked) = &result {
            let mut progress = Progress::load(&self.root);
            progress.record(
                &self.root,
                &self.manifest,
                self.exercise(index),
                checked.outcome.is_solved(),
            );
            self.statuses[index] =
                progress.status(&self.root, &self.manifest, self.exercise(index));
        }
        if !still {
            return;
        }
        if index == self.current {
            self.shown = Some(Shown {
                fingerprint,
                result,
                took,
            });
            if self.options.plain {
                self.print_result();
            }
        } else if self.options.plain
            && let Ok(checked) = &result
        {
            println!(
                "-- {}: {}",
                self.exercise(index).id,
                summary(&checked.outcome)
            );
        }
    }

    fn all_checked(&mut self) {
        let solved = self
            .statuses
            .iter()
            .filter(|s| **s == Status::Solved)
            .count();
        let notice = format!(
            "Checked every exercise: {solved} of {} solved.",
            self.statuses.len()
        );
        if self.options.plain {
            for line in self.list_lines() {
                println!("{line}");
            }
            println!("{notice}");
        } else {
            self.view = View::List;
        }
        self.notice = Some(notice);
    }

    // ----- what is shown -----

    fn announce(&mut self, index: usize) {
        if self.announced == Some(index) {
            return;
        }
        self.announced = Some(index);
        for line in self.header_lines() {
            println!("{line}");
        }
    }

    fn header_lines(&self) -> Vec<String> {
        let exercise = self.exercise(self.current);
        let chapter = self.manifest.chapter_of(exercise);
        let file = exercise_file(chapter, exercise);
        let shown = crate::reset::shown(&self.root, &file);
        let (solved, total) = self.count(|_| true);
        let (ch_solved, ch_total) = self.count(|e| e.chapter_number() == chapter.number());
        let file_text = if self.options.plain || !ui::colour() {
            shown.display().to_string()
        } else {
            term::link(&shown.display().to_string(), &self.root.join(&file))
        };
        let mut lines = vec![
            format!(
                "{}  {} {solved}/{total}   chapter {} {} {ch_solved}/{ch_total}",
                bold("Progress"),
                term::bar(solved, total, 20),
                chapter.number(),
                term::bar(ch_solved, ch_total, 10),
            ),
            String::new(),
            format!("{}  {}", bold(&exercise.id), exercise.title),
            format!("  Edit  {file_text}"),
            format!("  Read  {}", ui::page_link(&self.root, &exercise.book)),
        ];
        // Off Linux, some mistakes are invisible to the tests: say so, not let it be found.
        if let Some(note) = exercise.checked_less_here() {
            lines.push(dim(&format!("  Note  {note}")));
        }
        lines.push(String::new());
        lines
    }

    fn count(&self, filter: impl Fn(&Exercise) -> bool) -> (usize, usize) {
        let mut solved = 0;
        let mut total = 0;
        for (exercise, status) in self.manifest.exercises.iter().zip(&self.statuses) {
            if filter(exercise) {
                total += 1;
                solved += usize::from(*status == Status::Solved);
            }
        }
        (solved, total)
    }

    fn result_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let Some(shown) = &self.shown else {
            return lines;
        };
        match &shown.result {
            Err(e) => lines.push(red(&format!("error: {}", term::sanitize(e)))),
            Ok(checked) => {
                let outcome = term::clean(&checked.outcome);
                lines.extend(ui::report(&outcome));
                if let Some(tail) = &checked.raw_tail
                    && matches!(outcome, Outcome::Failing(_) | Outcome::TimedOut(_))
                {
                    lines.push(dim("What the tests printed last:"));
                    lines.extend(term::sanitize(tail).lines().map(|l| format!("    {l}")));
                }
                if outcome.is_solved() {
                    let id = &self.exercise(self.current).id;
                    lines.push(String::new());
                    lines.push(green(&format!("✓ {id} is solved!")));
                    lines.push(self.next_offer());
                    lines.push(dim(&format!(
                        "Compare with the reference solution: cargo course solution {id}"
                    )));
                }
            }
        }
        lines
    }

    fn next_offer(&self) -> String {
        let n = self.manifest.exercises.len();
        match (1..n)
            .map(|step| (self.current + step) % n)
            .find(|&i| self.statuses[i] != Status::Solved)
        {
            Some(i) => format!(
                "Press n for the next exercise: {}  {}",
                bold(&self.exercise(i).id),
                self.exercise(i).title
            ),
            None => green("Every exercise is solved. Well done!"),
        }
    }

    fn hint_lines(&self) -> Vec<String> {
        let exercise = self.exercise(self.current);
        let steps = &exercise.hints;
        let shown = self.hint_steps.clamp(1, steps.len());
        let mut lines = vec![bold(&if steps.len() > 1 {
            format!("Hint, step {shown} of {}", steps.len())
        } else {
            "Hint".to_string()
        })];
        for (n, step) in steps.iter().enumerate().take(shown) {
            if n > 0 {
                lines.push(String::new());
            }
            lines.extend(step.trim().lines().map(|l| format!("  {l}")));
        }
        if shown < steps.len() {
            lines.push(dim("  (h again: the next step)"));
        }
        lines.push(format!(
            "  The chapter explains it: {}",
            ui::page_link(&self.root, &exercise.book)
        ));
        lines
    }

    fn list_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let width = self
            .manifest
            .exercises
            .iter()
            .map(|e| e.id.len())
            .max()
            .unwrap_or(0);
        for chapter in &self.manifest.chapters {
            let (solved, total) = self.count(|e| e.chapter_number() == chapter.number());
            lines.push(bold(&format!(
                "{}  {}  ({solved}/{total})",
                chapter.number(),
                chapter.title
            )));
            for (index, exercise) in self.manifest.exercises.iter().enumerate() {
                if exercise.chapter_number() != chapter.number() {
                    continue;
                }
                let mark = self.statuses[index].mark();
                let here = if index == self.current { "▶" } else { " " };
                lines.push(format!(
                    " {here} {mark}  {:<width$} {}",
                    exercise.id, exercise.title
                ));
            }
        }
        lines
    }

    fn status_line(&self) -> Option<String> {
        let running = self.running.as_ref()?;
        let secs = running.started.elapsed().as_secs_f64();
        Some(match running.work {
            Work::One(_) => yellow(&format!("Checking… {secs:.1} s")),
            Work::All => {
                let on = running.on.map_or(String::new(), |i| {
                    format!(
                        " {} ({} of {})",
                        self.exercise(i).id,
                        i + 1,
                        self.manifest.exercises.len()
                    )
                });
                yellow(&format!("Checking every exercise…{on} {secs:.0} s"))
            }
        })
    }

    fn draw(&mut self, screen: Option<&mut Screen>) -> Result<()> {
        let Some(screen) = screen else {
            let _ = std::io::stdout().flush();
            return Ok(());
        };
        let mut lines = vec![bold("Async Processing in Rust")];
        lines.extend(self.header_lines());
        if self.view == View::List {
            lines.truncate(1);
            lines.push(String::new());
            lines.extend(self.list_lines());
            lines.push(String::new());
            lines.push(dim("Press l or Esc to go back."));
        } else {
            if let Some(status) = self.status_line() {
                lines.push(status);
                let stale = self
                    .running
                    .as_ref()
                    .zip(self.shown.as_ref())
                    .is_some_and(|(r, s)| {
                        r.work == Work::One(self.current) && r.fingerprint != s.fingerprint
                    });
                if stale {
                    lines.push(dim(
                        "Until it is done, the result for the files as they were before:",
                    ));
                }
            } else if let Some(shown) = &self.shown {
                lines.push(dim(&format!(
                    "Checked in {:.2} s.",
                    shown.took.as_secs_f64()
                )));
            }
            lines.extend(self.result_lines());
            if self.hint_steps > 0 {
                lines.push(String::new());
                lines.extend(self.hint_lines());
            }
        }
        if let Some(notice) = &self.notice {
            lines.push(String::new());
            lines.push(yellow(notice));
        }
        let mut footer = vec![
            "h hint",
            "l list",
            if self.current_solved() { "n next" } else { "" },
            if self.options.manual {
                "Enter check"
            } else {
                "r re-run"
            },
            "c check all",
            "q quit",
        ];
        footer.retain(|k| !k.is_empty());
        let footer = dim(&footer.join(" · "));
        screen.draw(&lines, &footer)
    }

    fn print_result(&self) {
        let id = &self.exercise(self.current).id;
        for line in self.result_lines() {
            // A test that prints one huge line must not flood a CI log either.
            println!("{}", term::fit(&line, 300));
        }
        let said = match &self.shown {
            Some(Shown {
                result: Ok(checked),
                took,
                ..
            }) => {
                format!(
                    "{} ({:.2} s)",
                    summary(&checked.outcome),
                    took.as_secs_f64()
                )
            }
            Some(Shown { result: Err(_), .. }) => "error".to_string(),
            None => return,
        };
        println!("-- {id}: {said}");
    }

    fn print_hint(&self) {
        for line in self.hint_lines() {
            println!("{line}");
        }
    }
}

/// One word and a reason: what a result line in plain mode says.
fn summary(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Solved(b) => format!("solved, all {} tests pass", b.tests.len()),
        Outcome::Failing(b) if b.crash.is_some() => {
            let first = b.crash.as_ref().and_then(|c| c.first()).cloned();
            format!("failing: {}", first.unwrap_or_default())
        }
        Outcome::Failing(b) if b.tests.is_empty() => {
            "failing, the tests did not run to the end".to_string()
        }
        Outcome::Failing(b) => format!("failing, {} of {} tests pass", b.passed(), b.tests.len()),
        Outcome::CompileError(_) => "does not compile".to_string(),
        Outcome::TimedOut(_) => format!(
            "timed out after {} s, probably a deadlock or an infinite loop",
            run_limit().as_secs()
        ),
    }
}

fn statuses(root: &Path, manifest: &Manifest) -> Vec<Status> {
    let progress = Progress::load(root);
    manifest
        .exercises
        .iter()
        .map(|e| progress.status(root, manifest, e))
        .collect()
}

/// The worker thread: checks one exercise, or all of them in order, and reports each
/// result, unless cancelled.
fn worker(
    id: u64,
    root: &Path,
    manifest: &Manifest,
    work: Work,
    fingerprint: String,
    cancel: &AtomicBool,
    tx: &Sender<Event>,
) {
    let indexes: Vec<usize> = match work {
        Work::One(index) => vec![index],
        Work::All => (0..manifest.exercises.len()).collect(),
    };
    for index in indexes {
        let exercise = &manifest.exercises[index];
        let fingerprint = match work {
            Work::One(_) => fingerprint.clone(),
            Work::All => {
                let _ = tx.send(Event::Checking(id, index));
                progress::fingerprint(root, manifest, exercise)
            }
        };
        let started = Instant::now();
        // A bug of the runner's in a check must not leave watch mode "checking" forever.
        let check = std::panic::AssertUnwindSafe(|| {
            check_cancellable(root, manifest, exercise, Crate::Exercise, cancel)
        });
        let result = match std::panic::catch_unwind(check) {
            Ok(Ok(Some(checked))) => Ok(checked),
            Ok(Ok(None)) => break,
            Ok(Err(e)) => Err(format!("{e:#}")),
            Err(_) => Err("the runner failed while checking (a bug: please report it)".to_string()),
        };
        if cancel.load(Ordering::Relaxed) {
            break;
        }
        let took = started.elapsed();
        if tx
            .send(Event::Checked {
                index,
                fingerprint,
                result,
                took,
            })
            .is_err()
        {
            return;
        }
    }
    if !cancel.load(Ordering::Relaxed) {
        let _ = tx.send(Event::Finished(id));
    }
}

/// Watches `exercises/` for saves of Rust files and manifests.
///
/// One save is several file events (an editor writes a temporary file, renames it, touches
/// the directory): a thread waits until events stop for `DEBOUNCE` and then sends one
/// `Event::Files`. The thread ends when the returned watcher is dropped.
fn watch_files(root: &Path, tx: Sender<Event>) -> Result<impl Drop> {
    let (raw_tx, raw) = mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher = notify::recommended_watcher(raw_tx)?;
    let dir = root.join("exercises");
    watcher
        .watch(&dir, RecursiveMode::Recursive)
        .map_err(|e| anyhow::anyhow!("cannot watch {}: {e}", dir.display()))?;
    thread::spawn(move || {
        // Editors also write swap and backup files (`.x.rs.swp`, `x.rs~`, vim's `4913`):
        // only a Rust file or a manifest can change a result.
        let relevant = |event: &notify::Event| {
            let rust_or_manifest =
                |p: &PathBuf| p.extension().is_some_and(|x| x == "rs" || x == "toml");
            event.paths.iter().any(rust_or_manifest)
        };
        while let Ok(first) = raw.recv() {
            let mut changed = match first {
                Ok(event) => relevant(&event),
                Err(e) => {
                    let _ = tx.send(Event::WatchFailed(e.to_string()));
                    continue;
                }
            };
            // The rest of this save's events, until the files are quiet.
            loop {
                match raw.recv_timeout(DEBOUNCE) {
                    Ok(Ok(event)) => changed |= relevant(&event),
                    Ok(Err(_)) => {}
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
            if changed && tx.send(Event::Files).is_err() {
                return;
            }
        }
    });
    Ok(watcher)
}

/// Plain mode: one command per line on stdin (an empty line checks again).
fn read_lines(tx: Sender<Event>) {
    thread::spawn(move || {
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            let Ok(line) = line else { break };
            let key = match line.trim() {
                "" | "r" => Key::Rerun,
                "h" => Key::Hint,
                "l" => Key::List,
                "n" => Key::Next,
                "c" => Key::CheckAll,
                "q" => Key::Quit,
                _ => Key::Other,
            };
            if tx.send(Event::Key(key)).is_err() {
                return;
            }
        }
        let _ = tx.send(Event::InputClosed);
    });
}

/// The terminal: single key presses, and resizes.
fn read_keys(tx: Sender<Event>) {
    use crossterm::event::{self, KeyCode, KeyEventKind, KeyModifiers};
    thread::spawn(move || {
        loop {
            let event = match event::read() {
                Ok(event::Event::Key(key)) if key.kind != KeyEventKind::Release => {
                    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
                    Event::Key(match key.code {
                        KeyCode::Char('c') if ctrl => Key::Quit,
                        KeyCode::Char('h') => Key::Hint,
                        KeyCode::Char('l') => Key::List,
                        KeyCode::Char('n') => Key::Next,
                        KeyCode::Char('r') | KeyCode::Enter => Key::Rerun,
                        KeyCode::Char('c') => Key::CheckAll,
                        KeyCode::Char('q') => Key::Quit,
                        KeyCode::Esc => Key::Back,
                        _ => Key::Other,
                    })
                }
                Ok(event::Event::Resize(..)) => Event::Redraw,
                Ok(_) => continue,
                Err(_) => Event::Key(Key::Quit),
            };
            if tx.send(event).is_err() {
                return;
            }
        }
    });
}
