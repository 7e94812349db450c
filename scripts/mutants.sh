#!/usr/bin/env bash
# Runs cargo-mutants on each solution crate with the exercises' own tests (the solution
# crates' `[[test]]`s are the exercise test files), one crate at a time.
#
#   scripts/mutants.sh                 # every chapter
#   scripts/mutants.sh 03-gil          # one chapter
#   JOBS=2 TIMEOUT=60 scripts/mutants.sh 05-green
#   MUTANTS_ARGS=--iterate scripts/mutants.sh 05-green   # only what was missed last time
#
# Needs `cargo install cargo-mutants`. Results go to mutants.out/<chapter>/ (caught.txt,
# missed.txt, timeout.txt, unviable.txt); the figures are kept in scripts/mutants.md.
# Exclusions (each with its reason) are in .cargo/mutants.toml. A mutant that hangs (a
# lock never released, a join that never returns) is killed after TIMEOUT seconds, which
# is well above the 10 s that `support::timeout` gives a test body.
#
# Slow: minutes per chapter on two cores. It runs in CI by hand or weekly
# (.github/workflows/mutants.yml), not on every push. Locally it mutates a copy of the
# tree, so you can keep working; set IN_PLACE=1 to reuse ./target (faster, but do not
# edit the solutions while it runs).
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS="${JOBS:-1}"
TIMEOUT="${TIMEOUT:-60}"
chapters=("$@")
if [ ${#chapters[@]} -eq 0 ]; then
    for dir in solutions/*/; do chapters+=("$(basename "$dir")"); done
fi

extra=()
# cargo-mutants refuses `--jobs` with `--in-place`: there is only one tree to build in.
if [ "${IN_PLACE:-0}" = 1 ]; then extra+=(--in-place); else extra+=(--jobs "$JOBS"); fi
# shellcheck disable=SC2206 # split on purpose: several options may be given
if [ -n "${MUTANTS_ARGS:-}" ]; then extra+=(${MUTANTS_ARGS}); fi

status=0
for chapter in "${chapters[@]}"; do
    package="ch${chapter}-solution"
    echo "== $package"
    mkdir -p "mutants.out/$chapter"
    # --timeout: the limit for each mutant's test run; --minimum-test-timeout: a floor,
    # so a fast baseline does not make the limit too short on a busy machine.
    if ! cargo mutants \
        --package "$package" \
        --test-package "$package" \
        --timeout "$TIMEOUT" \
        --minimum-test-timeout 30 \
        --output "mutants.out/$chapter" \
        "${extra[@]}" \
        --no-shuffle; then
        status=1
    fi
    out="mutants.out/$chapter/mutants.out"
    for outcome in caught missed timeout unviable; do
        count=0
        if [ -f "$out/$outcome.txt" ]; then count=$(wc -l < "$out/$outcome.txt"); fi
        printf '  %-9s %s\n' "$outcome" "$count"
    done
    if [ -s "$out/missed.txt" ]; then
        echo "  missed (each needs a test, or an exclusion with its reason):"
        sed 's/^/    /' "$out/missed.txt"
    fi
done
exit $status
