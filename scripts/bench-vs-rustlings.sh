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
# Where the time goes (08.2-codec solved, after an edit, on a quiet 2-core machine,
# 2026-12-05; `/usr/bin/time` on each step, and rustc's `-Ztime-passes` on the command
# `cargo test -v` prints, run with RUSTC_BOOTSTRAP=1 into a copy of the target): 0.16 s
# for `cargo run` to find the runner fresh (only `cargo course check` pays it); then the
# nested `cargo test`: 0.22 s for cargo to load the workspace and find the chapter's ~150
# dependencies fresh (0.13 s for chapter 01's few), 0.47 s for rustc to rebuild the
# chapter library's test build with the exercise's tests in it (0.15 s of that linking,
# with rust-lld), then about 0.05 s running the tests. The runner's own work is lost in
# the noise.
#
# What made it so. The runner checks the exercise in the chapter library's own test build
# (a feature named after the exercise puts the test file there), so a save rebuilds one
# crate instead of two one after the other (the library, then the test target; cargo
# cannot start a test binary before the library's rlib is done): 0.95 s became 0.74 s.
# Then no debug info for the course's crates (about 9 % less) and 16 codegen units instead
# of 256 (about 6 % less), each timed with real edits. Tried and kept out: stripping at
# link time, `--offline` (no change either).
#
# Measured with this script the same day (10 runs each): a save in watch mode 0.75 s
# against rustlings' 0.55 s on 08.2 (1.38x), 0.40 s against 0.55 s on 01.1 (0.73x);
# through `cargo course check`, 1.71x and 1.00x. On 08.6-chat, the course's biggest
# exercise, 1.57 s (2.99x): 1.0 s to build (the chat server's axum and websocket code)
# and 0.5 s of tests, which watch the server's thread sleep for a while to prove that it
# does not spin.
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
# Each save changes the file for real, on both sides: a new function at its end, which
# the compiler must compile (`EDIT=touch` only touches the files, which lets it reuse more).
edits=0
edit() {
    edits=$((edits + 1))
    if [ "${EDIT:-append}" = touch ]; then
        touch "$1"
    else
        printf '\npub fn edited_%d() -> u32 {\n    %d\n}\n' "$edits" "$edits" >> "$1"
    fi
}
for i in $(seq "$runs"); do
    edit "$file"
    timed "$runner" check "$exercise" >> "$work/ours"
    edit "$file"
    timed cargo course check "$exercise" >> "$work/alias"
    edit "$rl/$rl_file"
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
