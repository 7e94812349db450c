#!/usr/bin/env bash
# The learner's loop after an edit, side by side with rustlings': `touch` the exercise
# file and check it, against `touch` and `rustlings run` on a solved rustlings exercise
# (so that it compiles and runs its tests, as ours does). Alternated, so that a busy
# machine slows both alike: the ratio is the figure, not the seconds.
#
# Ours is timed two ways. `course check` (the runner's binary, already built) is what
# watch mode does after each save, the loop a learner lives in, and what `rustlings run`
# is for rustlings (an installed binary that runs cargo). `cargo course check` adds
# cargo's look at whether the runner itself is up to date (about 0.16 s), which a learner
# pays when typing the command, not on a save in watch mode.
#
#   scripts/bench-vs-rustlings.sh [EXERCISE] [RUNS] [RUSTLINGS_EXERCISE]
#   (default: 08.2-codec 8 iterators2)
#
# Needs rustlings on PATH (`cargo install rustlings`). The course's exercise is solved for
# the run (the reference solution is copied in) and put back as it was however the
# script ends. A benchmark, not a test: it prints figures and judges nothing.
#
# Where the time goes (08.2-codec solved, after a touch, on a quiet 2-core machine,
# 2026-12-05; `cargo test -p ch08-frameworks --test ex02_codec --no-run --timings` and
# `/usr/bin/time` on each step): 0.16 s for `cargo run` to find the runner fresh (only
# `cargo course check` pays it); then the nested `cargo test`: 0.21 s for cargo to start
# and find the chapter's ~150 dependencies fresh (0.12 s for chapter 01's few), 0.42 s
# recompiling the chapter's library (an edit to one module recompiles the crate,
# incrementally), 0.54 s for the test binary (about 0.23 s of it linking, with rust-lld);
# then 0.03 s running the tests. The runner's own work is lost in the noise.
#
# Measured with this script the same day: a save in watch mode 1.15 s against
# rustlings' 0.59 s on 08.2 (1.97x), 0.55 s against 0.63 s on 01.1 (0.88x); through
# `cargo course check`, 2.23x and 1.21x. What is left to cut on chapter 08 is
# structural: the library and the test binary are two crates compiled one after the
# other (cargo cannot start a test binary before the library's rlib is done), where
# rustlings compiles one small crate. Tried and kept out: debug info off for the course's
# crates (no change), stripping at link time (no change), `--offline` (no change); fewer
# codegen units for the course's crates looked about 10 % faster after a touch, which
# favours them (nothing to recompile), so it needs a run with real edits first.
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
runner="${CARGO_TARGET_DIR:-$root/target}/debug/course"
(cd "$rl" && rustlings run "$theirs" > /dev/null 2>&1) || true

# Prints "wall user+sys" seconds of a command.
timed() {
    /usr/bin/time -f '%e %U %S' -o "$work/time" "$@" > /dev/null 2>&1 || true
    awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$work/time"
}

: > "$work/ours"; : > "$work/alias"; : > "$work/rl"
for i in $(seq "$runs"); do
    touch "$file"
    timed "$runner" check "$exercise" >> "$work/ours"
    touch "$file"
    timed cargo course check "$exercise" >> "$work/alias"
    touch "$rl/$rl_file"
    (cd "$rl" && timed rustlings run "$theirs") >> "$work/rl"
    printf '.'
done
echo

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
ow=$(cut -d' ' -f1 "$work/ours" | median); oc=$(cut -d' ' -f2 "$work/ours" | median)
aw=$(cut -d' ' -f1 "$work/alias" | median); ac=$(cut -d' ' -f2 "$work/alias" | median)
rw=$(cut -d' ' -f1 "$work/rl" | median); rc=$(cut -d' ' -f2 "$work/rl" | median)
echo "course check $exercise (a save in watch mode): median wall ${ow} s, CPU ${oc} s ($runs runs)"
echo "cargo course check $exercise: median wall ${aw} s, CPU ${ac} s"
echo "rustlings run $theirs: median wall ${rw} s, CPU ${rc} s"
awk -v a="$ow" -v b="$rw" -v c="$oc" -v d="$rc" 'BEGIN { printf "ratio, a save in watch mode: wall %.2f, CPU %.2f\n", a / b, c / d }'
awk -v a="$aw" -v b="$rw" -v c="$ac" -v d="$rc" 'BEGIN { printf "ratio, cargo course check: wall %.2f, CPU %.2f\n", a / b, c / d }'
