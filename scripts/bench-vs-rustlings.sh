#!/usr/bin/env bash
# The learner's loop after an edit, side by side with rustlings': `touch` the exercise
# file and check it, against `touch` and `rustlings run` on a solved rustlings exercise
# (so that it compiles and runs its tests, as ours does). Alternated, so that a busy
# machine slows both alike: the ratio is the figure, not the seconds.
#
#   scripts/bench-vs-rustlings.sh [EXERCISE] [RUNS] [RUSTLINGS_EXERCISE]
#   (default: 08.2-codec 8 iterators2)
#
# Needs rustlings on PATH (`cargo install rustlings`). The course's exercise is solved for
# the run (the reference solution is copied in) and put back as it was however the
# script ends. A benchmark, not a test: it prints figures and judges nothing.
#
# Where the time goes (08.2-codec solved, after a touch, on a quiet 2-core machine,
# 2026-12-05; `cargo test -p ch08-frameworks --test ex02_codec --no-run --timings`,
# `-Ztime-passes` on the test crate, and `/usr/bin/time` on each step): about 0.2 s for
# `cargo run` to find the runner fresh; then the nested `cargo test`, 1.2 s: 0.3 s for
# cargo to start and find the chapter's ~150 dependencies fresh, 0.36 s recompiling the
# chapter's library (an edit to one module recompiles the crate, incrementally), 0.53 s
# for the test binary (0.23 s of it linking); then 0.03 s running the tests. Total
# 1.67 s against rustlings' 0.76 s: a ratio of 2.2 (wall) and 2.3 (CPU). Turning debug
# info off for the course's own crates changed nothing (2.4 in the same run), so it
# stays on. What is left to cut is structural: the library and the test binary are two
# crates compiled in turn (unit tests in the library would be one), and the two
# freshness checks are cargo's floor.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
exercise="${1:-08.2-codec}"
runs="${2:-8}"
theirs="${3:-iterators2}"
command -v rustlings > /dev/null || { echo "needs rustlings on PATH (cargo install rustlings)" >&2; exit 2; }

chapter_num="${exercise%%.*}"
chapter_dir="$(cd exercises && ls -d "${chapter_num}"-*/ | head -1)"
chapter_dir="${chapter_dir%/}"
rest="${exercise#*.}"
number="${rest%%-*}"
name="${rest#*-}"
module="$(printf 'ex%02d_%s' "$number" "${name//-/_}")"
file="exercises/$chapter_dir/src/$module.rs"
solution="solutions/$chapter_dir/src/$module.rs"

work="$(mktemp -d)"
cp "$file" "$work/original.rs"
cleanup() {
    cp "$work/original.rs" "$file"
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
cp "$solution" "$file"

# rustlings' own project, its exercise solved.
(cd "$work" && rustlings init > /dev/null 2>&1)
rl="$work/rustlings"
rl_file="$(cd "$rl" && ls exercises/*/"$theirs".rs)"
cp "$rl/solutions/${rl_file#exercises/}" "$rl/$rl_file"

echo "Warming up both (not timed)…"
cargo course check "$exercise" > /dev/null 2>&1 || true
(cd "$rl" && rustlings run "$theirs" > /dev/null 2>&1) || true

# Prints "wall user+sys" seconds of a command.
timed() {
    /usr/bin/time -f '%e %U %S' -o "$work/time" "$@" > /dev/null 2>&1 || true
    awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$work/time"
}

: > "$work/ours"; : > "$work/rl"
for i in $(seq "$runs"); do
    touch "$file"
    timed cargo course check "$exercise" >> "$work/ours"
    touch "$rl/$rl_file"
    (cd "$rl" && timed rustlings run "$theirs") >> "$work/rl"
    printf '.'
done
echo

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
ow=$(cut -d' ' -f1 "$work/ours" | median); oc=$(cut -d' ' -f2 "$work/ours" | median)
rw=$(cut -d' ' -f1 "$work/rl" | median); rc=$(cut -d' ' -f2 "$work/rl" | median)
echo "cargo course check $exercise: median wall ${ow} s, CPU ${oc} s ($runs runs)"
echo "rustlings run $theirs: median wall ${rw} s, CPU ${rc} s"
awk -v a="$ow" -v b="$rw" -v c="$oc" -v d="$rc" 'BEGIN { printf "ratio: wall %.2f, CPU %.2f\n", a / b, c / d }'
