#!/usr/bin/env bash
# Installs what tests/network/testnet.sh needs, and only what is missing.
#
#   bash tests/network/install-prereqs.sh
#
# Idempotent: when every tool is already present, apt is not touched at all.
# On Debian/Ubuntu as root it installs the missing packages with apt-get, while
# making sure no package post-install script leaves a server (sshd, PostgreSQL,
# MariaDB) running on the host: a temporary /usr/sbin/policy-rc.d that returns
# 101 forbids service starts, and any postgres/mariadbd/sshd process that still
# appeared during the install is stopped afterwards.
# Elsewhere it names the packages and exits 1.
set -euo pipefail

export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

have() { command -v "$1" >/dev/null 2>&1; }

have_postgres_server() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] && return 0
    done
    return 1
}

missing=()
check() { # check <package> <condition command...>
    local pkg="$1"; shift
    if "$@"; then return 0; fi
    missing+=("$pkg")
}

check openssh-server  test -x /usr/sbin/sshd
check openssh-client  bash -c 'command -v ssh && command -v ssh-keygen' >/dev/null
check postgresql      have_postgres_server
check mariadb-server  bash -c 'command -v mariadbd && command -v mariadb-install-db' >/dev/null
check mariadb-client  bash -c 'command -v mariadb && command -v mariadb-admin' >/dev/null
check openssl         have openssl
check iproute2        have ip
check util-linux      bash -c 'command -v unshare && command -v runuser && command -v setsid' >/dev/null
check python3         have python3   # a pyenv shim on PATH is fine

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-prereqs: all prerequisites present (openssh-server, openssh-client, postgresql, mariadb-server, mariadb-client, openssl, iproute2, util-linux, python3)"
    exit 0
fi

echo "install-prereqs: missing: ${missing[*]}"

if [ "$(id -u)" -ne 0 ] || ! have apt-get || ! have dpkg-query; then
    echo "install-prereqs: cannot install automatically (needs root and apt-get)." >&2
    echo "install-prereqs: please install these packages: ${missing[*]}" >&2
    echo "install-prereqs: (full list used by the test network: openssh-server openssh-client postgresql mariadb-server mariadb-client openssl iproute2 util-linux python3)" >&2
    exit 1
fi

# --- forbid service starts during the install --------------------------------
POLICY=/usr/sbin/policy-rc.d
POLICY_BACKUP="$POLICY.kaelio-backup.$$"
policy_saved=0
restore_policy() {
    if [ "$policy_saved" = 1 ]; then
        mv -f "$POLICY_BACKUP" "$POLICY"
    else
        rm -f "$POLICY"
    fi
}
if [ -e "$POLICY" ] || [ -L "$POLICY" ]; then
    mv -f "$POLICY" "$POLICY_BACKUP"
    policy_saved=1
fi
trap restore_policy EXIT
printf '#!/bin/sh\n# written by KaelioProxy tests/network/install-prereqs.sh for the duration of an install\nexit 101\n' >"$POLICY"
chmod 0755 "$POLICY"

# Server processes of the host network namespace that exist before the install.
host_netns="$(readlink /proc/self/ns/net)"
server_pids() {
    local p ns
    for p in $(pgrep -x 'postgres|postmaster|mariadbd|mysqld|mysqld_safe|mariadbd-safe|sshd' 2>/dev/null || true); do
        ns="$(readlink "/proc/$p/ns/net" 2>/dev/null || true)"
        [ "$ns" = "$host_netns" ] && echo "$p"
    done
    return 0
}
before="$(server_pids | sort -n)"

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold --no-install-recommends)
echo "install-prereqs: apt-get update"
apt-get update -q >/dev/null
echo "install-prereqs: apt-get install ${missing[*]}"
apt-get install "${apt_opts[@]}" "${missing[@]}"

# --- stop whatever the post-install scripts still started ----------------------
after="$(server_pids | sort -n)"
new_pids="$(comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$after") | grep -v '^$' || true)"
if [ -n "$new_pids" ]; then
    echo "install-prereqs: stopping servers started by the package install: $(echo $new_pids)"
    # Prefer the packaging tools, then signals.
    if have pg_lsclusters && have pg_ctlcluster; then
        pg_lsclusters --no-header 2>/dev/null | while read -r ver name _port status _rest; do
            [ "$status" = online ] && pg_ctlcluster "$ver" "$name" stop -m fast || true
        done
    fi
    for p in $new_pids; do kill -TERM "$p" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
        alive=""
        for p in $new_pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
        [ -z "$alive" ] && break
        sleep 0.2
    done
    for p in $new_pids; do kill -KILL "$p" 2>/dev/null || true; done
fi

# --- verify -------------------------------------------------------------------
missing=()
check openssh-server  test -x /usr/sbin/sshd
check openssh-client  bash -c 'command -v ssh && command -v ssh-keygen' >/dev/null
check postgresql      have_postgres_server
check mariadb-server  bash -c 'command -v mariadbd && command -v mariadb-install-db' >/dev/null
check mariadb-client  bash -c 'command -v mariadb && command -v mariadb-admin' >/dev/null
check openssl         have openssl
check iproute2        have ip
check util-linux      bash -c 'command -v unshare && command -v runuser && command -v setsid' >/dev/null
check python3         have python3
if [ "${#missing[@]}" -ne 0 ]; then
    echo "install-prereqs: still missing after install: ${missing[*]}" >&2
    exit 1
fi
echo "install-prereqs: done"
