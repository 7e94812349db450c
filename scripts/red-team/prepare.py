#!/usr/bin/env python3
"""Lay out a blind copy of the course for a red-team pass (see scripts/red-team/README.md).

    scripts/red-team/prepare.py DEST 06-futures [07-event-loop ...]

DEST gets what a learner has and nothing more: the book, the chapters' exercise crates
*without their tests*, `support/`, and HINTS.md (each exercise's hint steps, without the
manifest's list of named wrong answers). There is no `solutions/`, no `wrong/`, no
`tests/` and no `course/`. The copy is a workspace of its own, so `cargo check -p chNN-name`
works in it; point CARGO_TARGET_DIR at one shared folder to build the dependencies once.

A red-team writer puts each wrong answer in DEST/answers/<exercise id>/<name>.rs: a whole
replacement for the exercise's `src/exMM_name.rs`, with a first comment line that says
what it gets wrong. `scripts/red-team/run.py` then runs the real tests against each one.
"""

import re
import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    dest = Path(sys.argv[1]).resolve()
    chapters = sys.argv[2:]
    if dest.exists() and any(dest.iterdir()):
        sys.exit(f"{dest} exists and is not empty")
    dest.mkdir(parents=True, exist_ok=True)

    manifest = tomllib.loads((ROOT / "exercises/course.toml").read_text())
    known = {c["dir"] for c in manifest["chapter"]}
    for chapter in chapters:
        if chapter not in known:
            sys.exit(f"unknown chapter {chapter!r}; the manifest has {sorted(known)}")

    # The workspace: only support and the chosen exercise crates, and no path to a
    # solution (the wrong-answer crates' `chNN-solution` entries go).
    cargo = (ROOT / "Cargo.toml").read_text()
    members = ", ".join(['"support"'] + [f'"exercises/{c}"' for c in chapters])
    cargo = re.sub(r"(?m)^members = .*$", f"members = [{members}]", cargo)
    cargo = re.sub(r"(?m)^default-members = .*$", f"default-members = [{members}]", cargo)
    cargo = re.sub(r"(?m)^exclude = .*\n", "", cargo)
    cargo = re.sub(r"(?m)^ch\d\d-solution = .*\n", "", cargo)
    (dest / "Cargo.toml").write_text(cargo)
    shutil.copy(ROOT / "Cargo.lock", dest / "Cargo.lock")
    shutil.copytree(ROOT / "support", dest / "support")
    shutil.copytree(ROOT / "book/src", dest / "book/src")

    for chapter in chapters:
        src = ROOT / "exercises" / chapter
        out = dest / "exercises" / chapter
        shutil.copytree(src, out, ignore=shutil.ignore_patterns("tests"))
        # The stubs as given, to put back after trying an answer in place.
        shutil.copytree(src / "src", dest / "stubs" / chapter)
        # A package whose manifest names a test file that is not there does not load.
        toml_text = (out / "Cargo.toml").read_text()
        toml_text = re.sub(r"(?ms)^\[\[test\]\]\n(?:[^\[\n].*\n)*", "", toml_text)
        (out / "Cargo.toml").write_text(toml_text)

    # Hints, one section per exercise, in steps; the wrong-answer lists stay behind.
    lines = ["# Hints\n"]
    for exercise in manifest["exercise"]:
        if exercise["id"][:2] not in {c[:2] for c in chapters}:
            continue
        lines.append(f"## {exercise['id']}: {exercise['title']}\n")
        lines.append(f"Page: book/src/{exercise['book']}\n")
        hint = exercise["hint"]
        steps = hint if isinstance(hint, list) else [hint]
        for n, step in enumerate(steps, 1):
            lines.append(f"Step {n}. {step.strip()}\n")
        (dest / "answers" / exercise["id"]).mkdir(parents=True, exist_ok=True)
    (dest / "HINTS.md").write_text("\n".join(lines))
    print(f"blind copy of {', '.join(chapters)} in {dest}")


if __name__ == "__main__":
    main()
