#!/usr/bin/env bash
# Runs a command with a resolver that never leaves this machine.
#
#   bash tests/network/isolated-dns.sh <command> [args...]
#
# The command runs in a private mount namespace in which /etc/resolv.conf says
# "nameserver 127.0.0.1" (where nothing answers), so a test that looks up an
# unknown name fails at once here instead of asking the machine's real resolver.
# /etc/hosts is untouched, IP addresses and the network namespaces keep working
# (`ip netns exec kaelio-bastion ...` inside still gets the bastion's own
# /etc/netns files). The command's exit code is passed through.
# As root it uses `unshare --mount`; otherwise it tries a user namespace
# (`unshare --map-root-user --mount`), where `ip netns exec` is not available.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 <command> [args...]" >&2
    exit 2
fi

if [ "${KAELIO_ISOLATED_DNS:-}" = 1 ] && grep -qx 'nameserver 127.0.0.1' /etc/resolv.conf 2>/dev/null \
   && [ "$(grep -c '^nameserver' /etc/resolv.conf)" = 1 ]; then
    exec "$@"   # already isolated (nested call)
fi

command -v unshare >/dev/null 2>&1 || { echo "isolated-dns: unshare (util-linux) is missing" >&2; exit 127; }

# A fixed file, never replaced once written: it must stay linked while any
# isolated command runs, or `ip netns exec` inside cannot bind over it.
content='# written by KaelioProxy tests/network/isolated-dns.sh: lookups stay on this machine
nameserver 127.0.0.1
options timeout:1 attempts:1'
if [ "$(id -u)" -eq 0 ]; then
    confdir=/run
else
    confdir="${XDG_RUNTIME_DIR:-/tmp/kaelio-$(id -u)}"
    mkdir -p "$confdir"
fi
conf="$confdir/kaelio-isolated-resolv.conf"
if [ ! -f "$conf" ] || [ -L "$conf" ] || [ "$(cat "$conf" 2>/dev/null)" != "$content" ]; then
    tmp="$(mktemp "$confdir/kaelio-isolated-resolv.XXXXXX")"
    printf '%s\n' "$content" >"$tmp"
    chmod 0644 "$tmp"
    mv -f "$tmp" "$conf"
fi

ns_opts=(--mount --propagation private)
[ "$(id -u)" -eq 0 ] || ns_opts=(--map-root-user "${ns_opts[@]}")

# Inside: bind the file over /etc/resolv.conf, then run the command.
export KAELIO_ISOLATED_DNS=1
exec unshare "${ns_opts[@]}" -- /bin/sh -c '
    conf="$1"; shift
    if ! mount --bind "$conf" /etc/resolv.conf; then
        echo "isolated-dns: cannot bind-mount over /etc/resolv.conf" >&2
        exit 126
    fi
    exec "$@"' isolated-dns "$conf" "$@"
