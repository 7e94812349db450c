#!/usr/bin/env bash
# Proves that the aarch64 context switch of exercise 05.5 (the `// ANCHOR: aarch64`
# section of solutions/05-green/src/ex05_switch.rs, taken verbatim from that file)
# compiles with rustc for aarch64-unknown-linux-gnu and switches stacks correctly when run
# on aarch64 (under qemu user-mode emulation). Then shows that the same tests catch a
# broken switch: each mutation below must make them FAIL. See README.md.
#
# Usage: scripts/aarch64-switch/run.sh                  real switch must PASS, mutants FAIL
#        scripts/aarch64-switch/run.sh --mutate NAME    build and run one mutant only
#                                                       (NAME: x19 or d8; exits non-zero)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
solution="$root/solutions/05-green/src/ex05_switch.rs"
sysroot=/usr/aarch64-linux-gnu
target=aarch64-unknown-linux-gnu

die() { echo "run.sh: ERROR: $*" >&2; exit 2; }

# Mutations of the extracted text: a sed script, and the register the harness must then
# name in its FAIL line (so a mutant "caught" by an unrelated crash does not count).
mutations=(x19 d8)
mutation_sed() {
    case "$1" in
        # x19 is no longer saved (xzr is stored instead): it comes back as 0.
        x19) echo 's/"stp x19, x20, \[sp, #0\]"/"stp xzr, x20, [sp, #0]"/' ;;
        # d8/d9 are no longer restored: they keep the other context's values.
        d8) echo '/"ldp d8, d9, \[sp, #96\]",/d' ;;
        *) die "unknown mutation '$1' (known: ${mutations[*]})" ;;
    esac
}

only_mutation=""
case "${1:-}" in
    "") ;;
    --mutate) [ $# -eq 2 ] || die "usage: $0 [--mutate NAME]"; mutation_sed "$2" >/dev/null; only_mutation="$2" ;;
    *) die "usage: $0 [--mutate NAME]" ;;
esac

# ---- Tools ---------------------------------------------------------------------------
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found; install it with: $2"; }
need rustc "rustup (https://rustup.rs)"
need aarch64-linux-gnu-gcc "apt-get install gcc-aarch64-linux-gnu"
need qemu-aarch64 "apt-get install qemu-user"
need awk "apt-get install gawk"
need sed "apt-get install sed"
[ -e "$sysroot/lib/ld-linux-aarch64.so.1" ] || die "no aarch64 C library in $sysroot; install it with: apt-get install libc6-arm64-cross"
[ -e "$sysroot/lib/crt1.o" ] || die "no aarch64 C library headers/startup files in $sysroot; install them with: apt-get install libc6-dev-arm64-cross"
rustc --print target-list | grep -qx "$target" || die "this rustc has no built-in $target target"
# The edition the solution is compiled with (the workspace's).
edition="$(sed -n 's/^edition *= *"\([0-9]*\)".*/\1/p' "$root/Cargo.toml" | head -n1)"
[ -n "$edition" ] || die "no 'edition = \"...\"' in $root/Cargo.toml"

work="$(mktemp -d "${TMPDIR:-/tmp}/aarch64-switch.XXXXXX")"
# Kept after a failure, to look at (except with --mutate, where failing is the point).
cleanup() {
    status=$?
    if [ $status -ne 0 ] && [ -z "$only_mutation" ]; then
        echo "run.sh: build files kept in $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

# ---- Extract the section --------------------------------------------------------------
[ -f "$solution" ] || die "no $solution"
[ "$(grep -c '^// ANCHOR: aarch64$' "$solution")" = 1 ] && [ "$(grep -c '^// ANCHOR_END: aarch64$' "$solution")" = 1 ] \
    || die "expected exactly one '// ANCHOR: aarch64' ... '// ANCHOR_END: aarch64' pair in $solution"
awk '/^\/\/ ANCHOR_END: aarch64$/ { on = 0 } on { print } /^\/\/ ANCHOR: aarch64$/ { on = 1 }' \
    "$solution" > "$work/section.rs"
for item in 'fn switch(' 'fn trampoline(' 'fn prepare_stack(' 'target_arch = "aarch64"'; do
    grep -qF "$item" "$work/section.rs" || die "extraction: '$item' not found in the aarch64 section of $solution"
done
[ "$(grep -c 'naked_asm!' "$work/section.rs")" -ge 2 ] || die "extraction: expected naked_asm! in switch and trampoline"
start="$(grep -n '^// ANCHOR: aarch64$' "$solution" | cut -d: -f1)"
echo "extracted ${solution#"$root"/} lines $((start + 1))-$((start + $(wc -l < "$work/section.rs"))): switch, trampoline, prepare_stack"

# ---- Build and run --------------------------------------------------------------------
# build DIR SECTION: compiles the section with rustc (no_core, see minicore.rs) into an
# object file, and links it with the C harness into DIR/test.
build() {
    local dir="$1" section="$2"
    mkdir -p "$dir"
    cat "$here/minicore.rs" "$section" "$here/exports.rs" > "$dir/switch.rs"
    # RUSTC_BOOTSTRAP: no_core and lang items are unstable. opt-level=2 and no overflow
    # checks keep prepare_stack free of panic paths (which would need more lang items);
    # the naked functions are emitted verbatim at any opt-level.
    RUSTC_BOOTSTRAP=1 rustc --edition "$edition" --target "$target" --crate-type lib \
        --crate-name aarch64_switch --emit obj -C panic=abort -C opt-level=2 \
        -C overflow-checks=off -o "$dir/switch.o" "$dir/switch.rs"
    # -ffp-contract=off: the harness compares double arithmetic done on a green stack with
    # the same arithmetic done on the main stack; no fused multiply-add in one of them.
    aarch64-linux-gnu-gcc -std=gnu11 -O2 -ffp-contract=off -Wall -Wextra -Werror \
        -o "$dir/test" "$here/harness.c" "$here/regs.S" "$dir/switch.o"
}

run() { qemu-aarch64 -L "$sysroot" "$1/test"; }

# mutant NAME: builds the section with mutation NAME into $work/NAME.
mutant() {
    local name="$1"
    sed -e "$(mutation_sed "$name")" "$work/section.rs" > "$work/section-$name.rs"
    ! cmp -s "$work/section.rs" "$work/section-$name.rs" \
        || die "mutation $name changed nothing: the asm text in $solution no longer matches it"
    build "$work/$name" "$work/section-$name.rs"
}

if [ -n "$only_mutation" ]; then
    mutant "$only_mutation"
    echo "== mutant $only_mutation (expected to FAIL) =="
    run "$work/$only_mutation"   # its exit status is ours
    exit 0
fi

echo "== the switch as written in the solution =="
build "$work/real" "$work/section.rs"
echo "rustc: compiled for $target ($(rustc --version))"
if ! output="$(run "$work/real" 2>&1)"; then
    echo "$output"
    echo "run.sh: FAILED: the aarch64 switch from the solution does not pass the tests (above)" >&2
    exit 1
fi
echo "$output"
[ "$(tail -n1 <<< "$output")" = PASS ] || die "the harness exited 0 without printing PASS"

for name in "${mutations[@]}"; do
    echo "== negative check: mutant $name (the harness must FAIL, naming $name) =="
    mutant "$name"
    status=0
    output="$(run "$work/$name" 2>&1)" || status=$?
    echo "$output" | sed 's/^/  | /'
    if [ $status -eq 0 ]; then
        echo "run.sh: FAILED: mutant $name passed: the harness does not catch it" >&2
        exit 1
    fi
    grep -q "^FAIL: .*: $name = " <<< "$output" \
        || { echo "run.sh: FAILED: mutant $name failed (status $status) but not on a $name check" >&2; exit 1; }
    echo "caught (exit status $status)"
done

echo "== OK: the aarch64 switch compiles with rustc and passes on qemu-aarch64; the ${#mutations[@]} mutants fail =="
