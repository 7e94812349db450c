# Sourced by the scripts that build for other systems (cross-check.sh, aarch64-tests.sh,
# windows-tests.sh): `need_packages WHO PACKAGE…` installs the Debian packages that are
# missing, by name, when run as root, and otherwise stops and names them.
need_packages() {
    local who="$1" missing=() p
    shift
    for p in "$@"; do
        dpkg -s "$p" > /dev/null 2>&1 || missing+=("$p")
    done
    [ ${#missing[@]} -gt 0 ] || return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "$who needs these Debian packages: ${missing[*]} (apt-get install, as root)" >&2
        exit 2
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null
}
