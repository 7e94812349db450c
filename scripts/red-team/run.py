#!/usr/bin/env python3
"""Run the course's real tests against the answers of a red-team pass.

    scripts/red-team/run.py DEST [ID-or-chapter ...]

DEST is a blind copy made by `prepare.py` whose writer has finished. This brings in the
current tests and `support/` from this checkout (so run it again after a fix to get the
"passed after" count) and the reference solutions of every exercise (an answer runs on
the solved exercises it builds on), then, for each DEST/answers/<exercise id>/<name>.rs,
swaps the answer in for the exercise's module, runs that exercise's test file, and puts
the solution back. It prints one line per answer (PASSED means the tests did not catch
it) and a count per exercise; DEST/results.tsv keeps them.

CARGO_TARGET_DIR is honoured (share one between copies to build tokio once). COURSE_ROOT
names another checkout whose tests to run (`git worktree add ../base <commit>` for the
tests as they were before a fix).
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# The checkout whose tests are run: this one, or COURSE_ROOT (a worktree of an older
# commit, for the "passed before" count).
ROOT = Path(os.environ.get("COURSE_ROOT") or Path(__file__).resolve().parents[2])
LIMIT = 15 * 60  # seconds for one answer's build and tests


def module_of(exercise_id: str) -> tuple[str, str]:
    """`06.2-delay` -> (chapter dir prefix "06", module "ex02_delay")."""
    m = re.fullmatch(r"(\d\d)\.(\d+)-(.+)", exercise_id)
    if not m:
        raise SystemExit(f"not an exercise id: {exercise_id}")
    return m.group(1), f"ex{int(m.group(2)):02}_{m.group(3).replace('-', '_')}"


def add_new_dependencies(manifest: Path) -> None:
    """Adds to DEST's root manifest the registry dependencies (not paths) that this
    checkout's `[workspace.dependencies]` declares and DEST's does not: one that the tests
    or `support/` took up after the copy was made (loom, say)."""
    def declared(text: str) -> dict[str, str]:
        section = text.split("[workspace.dependencies]", 1)[1].split("\n[", 1)[0]
        lines = {}
        for line in section.splitlines():
            m = re.match(r"([A-Za-z0-9_-]+)\s*=", line)
            if m and "path =" not in line:
                lines[m.group(1)] = line
        return lines
    text = manifest.read_text()
    theirs = declared(text)
    missing = [line for name, line in declared((ROOT / "Cargo.toml").read_text()).items()
               if name not in theirs]
    if missing:
        text = text.replace("[workspace.dependencies]\n",
                            "[workspace.dependencies]\n" + "\n".join(missing) + "\n", 1)
        manifest.write_text(text)


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    dest = Path(sys.argv[1]).resolve()
    only = sys.argv[2:]

    # The tests as they are now, and the support crate they use.
    shutil.rmtree(dest / "support")
    shutil.copytree(ROOT / "support", dest / "support")
    add_new_dependencies(dest / "Cargo.toml")
    for chapter_dir in sorted((dest / "exercises").iterdir()):
        src = ROOT / "exercises" / chapter_dir.name
        solved = ROOT / "solutions" / chapter_dir.name / "src"
        shutil.copy(src / "Cargo.toml", chapter_dir / "Cargo.toml")
        # A build script (one that copies modules for the model checker, say) comes along.
        if (src / "build.rs").exists():
            shutil.copy(src / "build.rs", chapter_dir / "build.rs")
        shutil.rmtree(chapter_dir / "tests", ignore_errors=True)
        shutil.copytree(src / "tests", chapter_dir / "tests")
        for stub in (src / "src").glob("*.rs"):
            # The other exercises of the chapter are solved, as a learner's are when they
            # get to this one: 04.4's pool speaks 04.2's frames, 05.4's server runs on
            # 05.2's scheduler. With their stubs, every test of a later exercise would
            # fail on a `todo!()` and "catch" every answer.
            solution = solved / stub.name
            given = solution if stub.name.startswith("ex") and solution.exists() else stub
            shutil.copy(given, chapter_dir / "src" / stub.name)

    rows = []
    for answer_dir in sorted((dest / "answers").iterdir()):
        exercise = answer_dir.name
        if only and not any(exercise == o or exercise.startswith(o + ".") for o in only):
            continue
        number, module = module_of(exercise)
        [chapter_dir] = [d for d in (dest / "exercises").iterdir() if d.name.startswith(number)]
        package = "ch" + chapter_dir.name
        target = chapter_dir / "src" / f"{module}.rs"
        stub = target.read_text()
        for answer in sorted(answer_dir.glob("*.rs")):
            try:
                target.write_text(answer.read_text())
                cmd = ["cargo", "test", "-q", "-p", package, "--test", module,
                       "--", "--test-threads=16"]
                try:
                    run = subprocess.run(cmd, cwd=dest, capture_output=True, text=True,
                                         timeout=LIMIT, env=dict(os.environ, CARGO_INCREMENTAL="0"))
                    out = run.stdout + run.stderr
                    if "could not compile" in out or "error[E" in out:
                        verdict = "DOES-NOT-COMPILE"
                    elif run.returncode == 0:
                        verdict = "PASSED"
                    else:
                        verdict = "caught"
                    failed = re.findall(r"(?m)^    (\S+)$", out.split("failures:")[-1]) if verdict == "caught" else []
                except subprocess.TimeoutExpired:
                    verdict, failed = "caught (timed out)", []
            finally:
                target.write_text(stub)
            rows.append((exercise, answer.stem, verdict, " ".join(failed[:3])))
            print(f"{exercise:28} {answer.stem:40} {verdict:18} {' '.join(failed[:3])}", flush=True)

    (dest / "results.tsv").write_text(
        "exercise\tanswer\tverdict\tfailed tests\n"
        + "".join("\t".join(r) + "\n" for r in rows))
    by_exercise: dict[str, list[int]] = {}
    for exercise, _, verdict, _ in rows:
        tried_passed = by_exercise.setdefault(exercise, [0, 0])
        if verdict != "DOES-NOT-COMPILE":
            tried_passed[0] += 1
            tried_passed[1] += verdict == "PASSED"
    print("\nexercise  tried  passed")
    for exercise, (tried, passed) in by_exercise.items():
        print(f"{exercise:28} {tried:3} {passed:3}")


if __name__ == "__main__":
    main()
