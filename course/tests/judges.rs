//! The verifier's judgements, on made-up runs: a stub that passes a test, or a wrong
//! answer that gets through, must be reported by name. (The real runs are in course.rs.)

use course::cargo::parse_test_output;
use course::manifest::Manifest;
use course_verify::verify::{judge_stubs, judge_wrong};
use std::path::Path;

fn manifest() -> Manifest {
    Manifest::load(Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()).unwrap()
}

fn run_of(binary: &str, results: &[(&str, bool)]) -> String {
    let mut text = format!("     Running tests/{binary}.rs (target/debug/deps/{binary}-0)\n");
    for (name, ok) in results {
        text.push_str(&format!(
            "test {name} ... {}\n",
            if *ok { "ok" } else { "FAILED" }
        ));
    }
    text.push_str("test result: done\n");
    text
}

#[test]
fn a_stub_that_passes_a_test_is_named_with_the_test() {
    let manifest = manifest();
    let chapter = &manifest.chapters[0];
    let mut text = String::new();
    for exercise in manifest.exercises_of(chapter) {
        let module = exercise.module();
        let pass = exercise.number() == 2;
        text.push_str(&run_of(
            &module,
            &[("a_real_check", false), ("checks_nothing", pass)],
        ));
    }
    let problems = judge_stubs(&manifest, chapter, &parse_test_output(&text), &text);
    let second = manifest.exercises_of(chapter).nth(1).unwrap();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].contains(&second.id) && problems[0].contains("`checks_nothing`"),
        "the message must name the exercise and the test: {}",
        problems[0]
    );
}

#[test]
fn a_stub_that_does_not_compile_is_reported() {
    let manifest = manifest();
    let chapter = &manifest.chapters[0];
    let text = "error[E0425]: cannot find value `x`\n --> src/ex01.rs:1:1\n";
    let problems = judge_stubs(&manifest, chapter, &parse_test_output(text), text);
    assert_eq!(problems.len(), manifest.exercises_of(chapter).count());
    assert!(problems[0].contains("did not build") && problems[0].contains("E0425"));
}

#[test]
fn a_wrong_answer_that_passes_every_test_is_named() {
    let manifest = manifest();
    let exercise = &manifest.exercises[0];
    let wrong = &exercise.wrong[0];
    let text = run_of(&exercise.module(), &[("a", true), ("b", true)]);
    let problem = judge_wrong(exercise, wrong, &parse_test_output(&text), &text)
        .expect("a wrong answer that passes must be reported");
    assert!(
        problem.contains(&wrong.feature) && problem.contains(&exercise.id),
        "{problem}"
    );

    let caught = run_of(&exercise.module(), &[("a", true), ("b", false)]);
    assert_eq!(
        judge_wrong(exercise, wrong, &parse_test_output(&caught), &caught),
        None
    );
}
