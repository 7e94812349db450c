#!/usr/bin/env bash
# The course on macOS and Windows, checked from Linux: `cargo check` and
# `cargo clippy -D warnings` over the whole workspace, all targets, for each target below.
#
#   scripts/cross-check.sh                                  # the three targets
#   TARGETS=x86_64-pc-windows-gnu scripts/cross-check.sh    # one
#   PREBUILT=1 scripts/cross-check.sh                       # rustup's targets (CI)
#
# It needs a toolchain that can build the standard library for another target. Debian's
# rustc-web, cargo-web and rust-web-src (1.96) carry the library's source, which
# `-Zbuild-std` builds (RUSTC_BOOTSTRAP=1 lets a stable compiler take the flag); rustup's
# prebuilt targets do the same job faster where they can be downloaded (GitHub's runners:
# see .github/workflows/ci.yml). The packages are installed by name when missing (as root).
#
# C in build scripts: for Windows GNU, mingw-w64 compiles it for real. For macOS and MSVC
# there are no SDK headers here, so scripts/cross/cc-stand-in stands in for the C compiler
# and writes empty objects: a check links nothing, so every line of Rust is still checked,
# and only SQLite's and psm's C goes unchecked (the native runners build it).
#
# One line per target at the end. Cold, the first target builds the standard library and
# the host's build scripts (about ten minutes on two cores); each further one, a few
# minutes. target/cross holds about a gigabyte per target.
set -euo pipefail
cd "$(dirname "$0")/.."

read -r -a targets <<< "${TARGETS:-aarch64-apple-darwin x86_64-pc-windows-gnu x86_64-pc-windows-msvc}"
packages=(rustc-web cargo-web rust-web-src rust-web-clippy mingw-w64 clang)

if [ -n "${PREBUILT:-}" ]; then
    # rustup's prebuilt standard library for each target (`rustup target add`), and the
    # toolchain on PATH: no -Zbuild-std, no Debian toolchain.
    packages=(mingw-w64 clang)
    build_std=()
else
    build_std=(-Zbuild-std=std,panic_abort)
fi

. scripts/cross/packages.sh
need_packages cross-check "${packages[@]}"

if [ -z "${PREBUILT:-}" ]; then
    # Debian's toolchain, not rustup's: /usr/bin first, for cargo, rustc and clippy alike.
    export PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/cross}" CARGO_INCREMENTAL=0
stand_in="$PWD/scripts/cross/cc-stand-in"
ar_stand_in="$PWD/scripts/cross/ar-stand-in"

results=()
status=0
for target in "${targets[@]}"; do
    env_vars=()
    lints=()
    var="${target//-/_}"
    case "$target" in
        *-windows-gnu)
            # mingw-w64's gcc, which the cc crate finds by its name. Clippy's
            # missing_const_for_thread_local fires on `thread_local!`s that are const
            # already, on targets whose thread-locals are the OS's (rust-clippy#17566).
            lints=(-A clippy::missing_const_for_thread_local) ;;
        *-windows-msvc)
            env_vars=("CC_$var=$stand_in" "CXX_$var=$stand_in" "AR_$var=$ar_stand_in") ;;
        *) env_vars=("CC_$var=$stand_in" "CXX_$var=$stand_in" "AR_$var=ar" "SDKROOT=/nonexistent") ;;
    esac
    start=$SECONDS
    log="$CARGO_TARGET_DIR/$target.log"
    mkdir -p "$CARGO_TARGET_DIR"
    if env "${env_vars[@]}" cargo check "${build_std[@]}" --target "$target" \
            --workspace --all-targets --locked > "$log" 2>&1 \
        && env "${env_vars[@]}" cargo clippy "${build_std[@]}" --target "$target" \
            --workspace --all-targets --locked -- -D warnings "${lints[@]}" >> "$log" 2>&1; then
        results+=("ok      $target: check and clippy -D warnings ($((SECONDS - start)) s)")
    else
        status=1
        results+=("FAILED  $target: see $log ($((SECONDS - start)) s)")
        grep -E '^(error|warning)' -A6 "$log" | head -40 >&2 || true
    fi
done
printf '%s\n' "${results[@]}"
exit $status
