//! The chapter's worker process: `ch04-worker line` answers one line (exercise 04.1);
//! `ch04-worker` serves framed jobs until its stdin closes (exercises 04.3 and 04.4).

fn main() {
    let code = match std::env::args().nth(1).as_deref() {
        Some("line") => ch04_processes::ex01_spawn::serve_one_line(),
        _ => ch04_processes::ex03_worker::run_worker_process(),
    };
    std::process::exit(code);
}
