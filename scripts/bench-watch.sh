#!/usr/bin/env bash
# How fast the learner's loop is, measured as a learner feels it:
#
#   1. save → result: the time from writing an exercise file to watch mode printing its
#      result line (`cargo course watch --plain`, so that a script can read the screen);
#   2. `cargo course list` with every result cached.
#
# Usage: scripts/bench-watch.sh [EXERCISE] [SAVES]      (default: 01.1-sequence 20)
#
# It edits the exercise's file in place (alternately the reference solution and the stub,
# each with a new comment, so that every save changes the file and alternates solved and
# failing) and puts the file back as it was when it ends, however it ends.
# A benchmark, not a test: it prints figures and judges nothing.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
exercise="${1:-01.1-sequence}"
saves="${2:-20}"

chapter_num="${exercise%%.*}"
chapter_dir="$(cd exercises && ls -d "${chapter_num}"-*/ | head -1)"
chapter_dir="${chapter_dir%/}"
rest="${exercise#*.}"
number="${rest%%-*}"
name="${rest#*-}"
module="$(printf 'ex%02d_%s' "$number" "${name//-/_}")"
file="exercises/$chapter_dir/src/$module.rs"
solution="solutions/$chapter_dir/src/$module.rs"
[ -f "$file" ] && [ -f "$solution" ] || { echo "no $file or $solution" >&2; exit 2; }

work="$(mktemp -d)"
cp "$file" "$work/original.rs"
cleanup() {
    exec 3>&- 2>/dev/null || true
    [ -n "${watch_pid:-}" ] && kill "$watch_pid" 2>/dev/null || true
    cp "$work/original.rs" "$file"
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "Building the runner and the exercise's tests (not timed)…"
cargo build --quiet -p course
cargo test --quiet --no-run -p "ch$chapter_dir" --test "$module" 2>/dev/null || true

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

mkfifo "$work/in"
NO_COLOR=1 cargo course watch "$exercise" --plain <"$work/in" >"$work/out" 2>&1 &
watch_pid=$!
exec 3>"$work/in"

# Waits until the log holds more than $1 result lines for the exercise (at most 120 s).
wait_results() {
    local want=$(($1 + 1)) deadline=$(($(now_ms) + 120000))
    while [ "$(grep -c -- "^-- $exercise: " "$work/out" || true)" -lt "$want" ]; do
        if [ "$(now_ms)" -gt "$deadline" ]; then
            echo "no result within 120 s; watch mode printed:" >&2
            cat "$work/out" >&2
            exit 1
        fi
        sleep 0.005
    done
}

wait_results 0
echo "Watch mode is up; first result: $(grep -- "^-- $exercise: " "$work/out" | tail -1)"
sleep 0.5

: >"$work/times"
for i in $(seq 1 "$saves"); do
    before="$(grep -c -- "^-- $exercise: " "$work/out" || true)"
    if [ $((i % 2)) -eq 1 ]; then source="$solution"; else source="$work/original.rs"; fi
    { cat "$source"; echo "// save $i"; } >"$work/next.rs"
    start="$(now_ms)"
    cp "$work/next.rs" "$file"
    wait_results "$before"
    end="$(now_ms)"
    result="$(grep -- "^-- $exercise: " "$work/out" | tail -1)"
    echo "save $i: $((end - start)) ms   ${result#-- }"
    echo $((end - start)) >>"$work/times"
    # Let the file watcher settle, as a learner typing between saves would.
    sleep 0.3
done
echo "save → result, median of $saves: $(median <"$work/times") ms (min $(sort -n "$work/times" | head -1), max $(sort -n "$work/times" | tail -1))"
echo q >&3

# `cargo course list`, every result cached (watch mode recorded them).
: >"$work/list"
cargo course list >/dev/null
for i in $(seq 1 10); do
    start="$(now_ms)"
    cargo course list >/dev/null
    echo $(($(now_ms) - start)) >>"$work/list"
done
echo "cargo course list, median of 10: $(median <"$work/list") ms"
