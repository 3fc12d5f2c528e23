#!/usr/bin/env bash
# KaelioProxy test network: an SSH bastion and a private network with real
# PostgreSQL, MariaDB and an IP-echo service, in Linux network namespaces.
#
#   sudo bash tests/network/testnet.sh up      # (re)build everything, wait until it serves
#   sudo bash tests/network/testnet.sh status  # exit 0 when up and serving, 1 otherwise
#   sudo bash tests/network/testnet.sh down    # remove everything (also after a crashed run)
#
# State dir: ${KAELIO_TESTNET_DIR:-/tmp/kaelio-testnet}; tests read $dir/testnet.json.
# Needs root and the tools that install-prereqs.sh installs. See README.md.
set -euo pipefail

export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd /

DIR="${KAELIO_TESTNET_DIR:-/tmp/kaelio-testnet}"
DIR="${DIR%/}"

NS_B=kaelio-bastion
NS_P=kaelio-private
NS_TSN=kaelio-tsnode   # Tailscale stand-in: where a node's own traffic leaves ("this machine")
NS_TSX=kaelio-tsexit   # Tailscale stand-in: where traffic leaves through the exit node
IF_HOST=kp-host0   # host        10.213.57.1/24
IF_B0=kp-bas0      # bastion     10.213.57.2/24
IF_B1=kp-bas1      # bastion     10.213.58.1/24
IF_P=kp-priv0      # private     10.213.58.2/24
IF_TSN=kp-tsn0     # tsnode      10.213.61.1/24
IF_P_TSN=kp-priv1  # private     10.213.61.2/24
IF_TSX=kp-tsx0     # tsexit      10.213.62.1/24
IF_P_TSX=kp-priv2  # private     10.213.62.2/24
HOST_ADDR=10.213.57.1
BASTION_ADDR=10.213.57.2
BASTION_PRIV_ADDR=10.213.58.1
PRIVATE_ADDR=10.213.58.2
PRIVATE_NET=10.213.58.0/24
UNREACH_NET=10.213.59.0/24
UNREACH_ADDR=10.213.59.1
TSNODE_ADDR=10.213.61.1
TSNODE_GW=10.213.61.2
TSNODE_NET=10.213.61.0/24
TSEXIT_ADDR=10.213.62.1
TSEXIT_GW=10.213.62.2
TSEXIT_NET=10.213.62.0/24
INTERNET_ADDR=10.213.64.2      # an "internet" address, on kaelio-private's lo
INTERNET_NET=10.213.64.0/24
INTERNET_HOST=echo.internet.test
TS_PEER_NET=100.101.0.0/16     # the stand-in tailnet's online peers answer on kaelio-private's lo
TS_ROUTER_IP=100.101.0.1       # peer "router-private", advertises $PRIVATE_NET
TS_EXIT_IP=100.101.102.103     # peer "exit-paris", exit node, online
TS_EXIT_NAME=exit-paris
TS_EXIT_OFFLINE_IP=100.101.102.104  # peer "exit-offline", exit node, offline
TS_TAILNET=kaelio-test.ts.net
TS_CONTROL_URL=https://headscale.kaelio.test
TS_DEFAULT_CONTROL_URL=https://controlplane.tailscale.com
STANDIN_DIR="$SCRIPT_DIR/../tailscale-standin"
[ -d "$STANDIN_DIR" ] && STANDIN_DIR="$(cd "$STANDIN_DIR" && pwd)"
SSH_PORT=22
NOFWD_PORT=2222
CLOSED_PORT=2223
PG_PORT=5432
MY_PORT=3306
ECHO_PORT=8080
SSH_USER=kaeliotest
DB_USER=kaelio
DB_NAME=app
DB_HOST=db.private.test
ECHO_HOST=echo.private.test
MARKER=.kaelio-testnet

log() { printf 'testnet: %s\n' "$*"; }
die() { printf 'testnet: error: %s\n' "$*" >&2; exit 1; }

check_dir_name() {
    case "$DIR" in
        /*/*) ;;
        *) die "KAELIO_TESTNET_DIR must be an absolute path below a folder (got '$DIR')" ;;
    esac
    case "$DIR" in
        *[[:space:]\'\"\\\$\`]*) die "KAELIO_TESTNET_DIR must not contain spaces, quotes, \\, \$ or \` (got '$DIR')" ;;
    esac
}

need_root() { [ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, servers, a test user)"; }

ns_exists() { [ -e "/run/netns/$1" ]; }
link_exists() { ip link show "$1" >/dev/null 2>&1; }

# Command lines must name the state dir before a pid from a pid file is trusted.
pid_is_ours() {
    local p="$1"
    [[ "$p" =~ ^[0-9]+$ ]] || return 1
    [ -r "/proc/$p/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$DIR/"
}

# A zombie (exited, not yet reaped by init) counts as gone: it holds no namespace, port or file.
pid_alive() {
    local st
    st="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1 || true)"   # state follows "(comm) "
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

read_pid() { [ -r "$1" ] && head -n1 "$1" 2>/dev/null | tr -dc '0-9' || true; }

# ---------------------------------------------------------------- TCP probes
tcp_open() { # tcp_open [ns] host port: exits 0 when a TCP connection is accepted
    local ns="$1" host="$2" port="$3"
    if [ -n "$ns" ]; then
        ip netns exec "$ns" timeout 2 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null
    else
        timeout 2 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null
    fi
}
ssh_banner() { # ssh_banner host port
    local b
    b="$(timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2; head -c 8 <&3" 2>/dev/null || true)"
    [ "${b:0:8}" = "SSH-2.0-" ]
}
http_get_from_bastion() { # http_get_from_bastion path -> body on stdout
    ip netns exec "$NS_B" timeout 3 bash -c '
        exec 3<>"/dev/tcp/$0/$1" || exit 1
        printf "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" "$2" "$3" >&3
        awk "{ sub(/\r\$/, \"\") } body { print } /^\$/ { body = 1 }" <&3' "$PRIVATE_ADDR" "$ECHO_PORT" "$1" "$ECHO_HOST" 2>/dev/null
}
wait_until() { # wait_until seconds description command...
    local secs="$1" what="$2"; shift 2
    local deadline=$(( $(date +%s) + secs ))
    until "$@"; do
        [ "$(date +%s)" -lt "$deadline" ] || die "timed out after ${secs}s waiting for $what"
        sleep 0.1
    done
}

# ---------------------------------------------------------------------- down
down() {
    check_dir_name
    need_root
    local pids=() p ns self_ns postmaster=""

    for ns in "$NS_B" "$NS_P" "$NS_TSN" "$NS_TSX"; do
        if ns_exists "$ns"; then
            for p in $(ip netns pids "$ns" 2>/dev/null || true); do pids+=("$p"); done
        fi
    done
    if [ -d "$DIR" ]; then
        postmaster="$(read_pid "$DIR/pg/data/postmaster.pid")"
        pid_is_ours "$postmaster" || postmaster=""
        for f in "$DIR/ssh/sshd.pid" "$DIR/mysql/run/mariadbd.pid" "$DIR/echo/echo.pid" "$DIR/pg/data/postmaster.pid"; do
            p="$(read_pid "$f")"
            pid_is_ours "$p" && pids+=("$p")
        done
    fi
    # Survivors of a crashed run: a process in another network namespace
    # (e.g. a namespace that was deleted under it) whose command line names the state dir.
    self_ns="$(readlink /proc/self/ns/net)"
    for p in /proc/[0-9]*; do
        p="${p#/proc/}"
        ns="$(readlink "/proc/$p/ns/net" 2>/dev/null || true)"
        [ -n "$ns" ] && [ "$ns" != "$self_ns" ] || continue
        pid_is_ours "$p" && pids+=("$p")
    done

    if [ "${#pids[@]}" -gt 0 ]; then
        # PostgreSQL: SIGQUIT = immediate shutdown (the data is thrown away anyway),
        # which still releases its shared memory; everything else gets SIGTERM.
        [ -n "$postmaster" ] && kill -QUIT "$postmaster" 2>/dev/null || true
        for p in "${pids[@]}"; do
            [ "$p" = "$postmaster" ] || kill -TERM "$p" 2>/dev/null || true
        done
        local alive
        for _ in $(seq 1 50); do
            alive=0
            for p in "${pids[@]}"; do pid_alive "$p" && alive=1 && break; done
            [ "$alive" = 0 ] && break
            sleep 0.1
        done
        for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
        for _ in $(seq 1 30); do
            alive=0
            for p in "${pids[@]}"; do pid_alive "$p" && alive=1 && break; done
            [ "$alive" = 0 ] && break
            sleep 0.1
        done
    fi

    # Links (deleting one end of a veth deletes its peer), then namespaces.
    link_exists "$IF_HOST" && ip link del "$IF_HOST" 2>/dev/null || true
    if ns_exists "$NS_B"; then ip -n "$NS_B" link del "$IF_B1" 2>/dev/null || true; fi
    for ns in "$NS_B" "$NS_P" "$NS_TSN" "$NS_TSX"; do
        if ns_exists "$ns" || [ -e "/run/netns/$ns" ]; then ip netns del "$ns" 2>/dev/null || rm -f "/run/netns/$ns"; fi
        rm -rf "/etc/netns/$ns"
    done
    rmdir /etc/netns 2>/dev/null || true

    local net
    for net in "$PRIVATE_NET" "$UNREACH_NET" "$TSNODE_NET" "$TSEXIT_NET" "$INTERNET_NET"; do
        while ip route show type unreachable "$net" 2>/dev/null | grep -q .; do
            ip route del unreachable "$net" 2>/dev/null || break
        done
    done

    for _ in $(seq 1 50); do link_exists "$IF_HOST" || break; sleep 0.1; done
    link_exists "$IF_HOST" && die "link $IF_HOST still exists after down"

    if [ -e "$DIR" ]; then
        if [ -e "$DIR/$MARKER" ] || [ -z "$(ls -A "$DIR" 2>/dev/null)" ]; then
            rm -rf "$DIR"
        else
            die "$DIR exists but was not made by testnet.sh (no $MARKER in it): not removing it"
        fi
    fi
}

# ------------------------------------------------------------------------ up
find_pg_bin() {
    if [ -n "${KAELIO_PG_BIN:-}" ]; then echo "$KAELIO_PG_BIN"; return; fi
    if [ -x /usr/lib/postgresql/15/bin/initdb ]; then echo /usr/lib/postgresql/15/bin; return; fi
    local d
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
    [ -n "$d" ] && [ -x "$d/initdb" ] || die "PostgreSQL server binaries not found: run tests/network/install-prereqs.sh"
    echo "$d"
}

find_python() {
    if [ -x /usr/bin/python3 ]; then echo /usr/bin/python3; return; fi
    command -v python3 >/dev/null 2>&1 || die "python3 not found: run tests/network/install-prereqs.sh"
    python3 -c 'import sys; print(sys.executable)'
}

check_tools() {
    local t missing=()
    for t in ip unshare runuser setsid flock openssl ssh ssh-keygen mariadbd mariadb-install-db mariadb mariadb-admin useradd chpasswd timeout; do
        command -v "$t" >/dev/null 2>&1 || missing+=("$t")
    done
    [ -x /usr/sbin/sshd ] || missing+=(/usr/sbin/sshd)
    getent passwd postgres >/dev/null || missing+=("user postgres")
    getent passwd mysql >/dev/null || missing+=("user mysql")
    [ "${#missing[@]}" -eq 0 ] || die "missing: ${missing[*]} (run tests/network/install-prereqs.sh)"
}

new_secret() { openssl rand -base64 24 | tr -d '\n=' | tr '+/' '-_'; }

UP_DONE=0
on_up_exit() {
    local rc=$?
    [ "$UP_DONE" = 1 ] && return 0
    {
        echo "testnet: up FAILED (exit $rc). Last lines of the logs in $DIR:"
        local f
        for f in "$DIR/ssh/sshd.log" "$DIR/pg/initdb.log" "$DIR/pg/postgres.log" "$DIR/mysql/install-db.log" \
                 "$DIR/mysql/error.log" "$DIR/echo/stdout.log" "$DIR/echo/echo.log"; do
            [ -s "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }
        done
        echo "testnet: the half-built network is left for inspection; 'testnet.sh down' removes it."
    } >&2
}

up() {
    check_dir_name
    need_root
    check_tools
    local t0 PG_BIN PY
    t0="$(date +%s%N)"
    PG_BIN="$(find_pg_bin)"
    PY="$(find_python)"

    down
    trap on_up_exit EXIT

    # ---- state dir (every folder above a data dir traversable by postgres/mysql/kaeliotest)
    mkdir -p "$DIR"
    chmod 0755 "$DIR"
    touch "$DIR/$MARKER"
    mkdir -p "$DIR/secrets" "$DIR/keys" "$DIR/tls" "$DIR/ssh" "$DIR/pg" "$DIR/mysql" "$DIR/echo"
    chmod 0700 "$DIR/secrets" "$DIR/keys"
    chmod 0755 "$DIR/tls" "$DIR/ssh" "$DIR/pg" "$DIR/mysql" "$DIR/echo"
    chown postgres:postgres "$DIR/pg"   # pg_ctl -l writes its log here as postgres
    chown mysql:mysql "$DIR/mysql"      # mariadbd writes its error log here as mysql

    # ---- secrets: generated anew, files 0600, never printed
    local SSH_PW KEY_PW DB_PW
    SSH_PW="$(new_secret)"; KEY_PW="$(new_secret)"; DB_PW="$(new_secret)"
    ( umask 077
      printf '%s' "$SSH_PW" >"$DIR/secrets/ssh-password"
      printf '%s' "$KEY_PW" >"$DIR/secrets/key-passphrase"
      printf '%s' "$DB_PW"  >"$DIR/secrets/db-password" )
    chmod 0600 "$DIR/secrets/"*

    # ---- the slow parts first, in the background: database initialisation
    install -d -o postgres -g postgres -m 0700 "$DIR/pg/data"
    install -d -o postgres -g postgres -m 0755 "$DIR/pg/run"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$DIR/pg/data" -U postgres -E UTF8 --locale=C \
        --auth-local=trust --auth-host=scram-sha-256 --no-sync \
        </dev/null >"$DIR/pg/initdb.log" 2>&1 9>&- &
    local initdb_job=$!

    install -d -o mysql -g mysql -m 0750 "$DIR/mysql/data"
    install -d -o mysql -g mysql -m 0755 "$DIR/mysql/run" "$DIR/mysql/tmp"
    local MY_OPTS=(--innodb-log-file-size=8M --innodb-buffer-pool-size=32M --character-set-server=utf8mb4
                   --collation-server=utf8mb4_unicode_ci --tmpdir="$DIR/mysql/tmp")
    mariadb-install-db --no-defaults --user=mysql --datadir="$DIR/mysql/data" --skip-test-db \
        --skip-name-resolve --auth-root-authentication-method=socket "${MY_OPTS[@]}" \
        </dev/null >"$DIR/mysql/install-db.log" 2>&1 9>&- &
    local installdb_job=$!

    # ---- network
    ip netns add "$NS_B"
    ip netns add "$NS_P"
    ip link add "$IF_HOST" type veth peer name "$IF_B0" netns "$NS_B"
    sysctl -qw "net.ipv6.conf.$IF_HOST.disable_ipv6=1" 2>/dev/null || true
    ip addr add "$HOST_ADDR/24" dev "$IF_HOST"
    ip link set "$IF_HOST" up
    ip -n "$NS_B" link set lo up
    ip -n "$NS_B" link add "$IF_B1" type veth peer name "$IF_P" netns "$NS_P"
    ip netns exec "$NS_B" sysctl -qw net.ipv4.ip_forward=0
    ip netns exec "$NS_B" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true
    ip netns exec "$NS_B" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
    ip -n "$NS_B" addr add "$BASTION_ADDR/24" dev "$IF_B0"
    ip -n "$NS_B" addr add "$BASTION_PRIV_ADDR/24" dev "$IF_B1"
    ip -n "$NS_B" link set "$IF_B0" up
    ip -n "$NS_B" link set "$IF_B1" up
    ip -n "$NS_P" link set lo up
    ip netns exec "$NS_P" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true
    ip netns exec "$NS_P" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
    ip -n "$NS_P" addr add "$PRIVATE_ADDR/24" dev "$IF_P"
    ip -n "$NS_P" link set "$IF_P" up
    ip route add unreachable "$PRIVATE_NET"
    ip route add unreachable "$UNREACH_NET"

    # Tailscale stand-in (tests/tailscale-standin): a node's connections leave from kaelio-tsnode
    # (direct, and through the subnet router), or from kaelio-tsexit (through the exit node).
    # Both reach only kaelio-private: its database subnet, its "internet" address and the peers.
    ip netns add "$NS_TSN"
    ip netns add "$NS_TSX"
    ip -n "$NS_TSN" link add "$IF_TSN" type veth peer name "$IF_P_TSN" netns "$NS_P"
    ip -n "$NS_TSX" link add "$IF_TSX" type veth peer name "$IF_P_TSX" netns "$NS_P"
    local tns tif taddr tgw
    for tns in "$NS_TSN" "$NS_TSX"; do
        if [ "$tns" = "$NS_TSN" ]; then tif=$IF_TSN; taddr=$TSNODE_ADDR; tgw=$TSNODE_GW
        else tif=$IF_TSX; taddr=$TSEXIT_ADDR; tgw=$TSEXIT_GW; fi
        ip netns exec "$tns" sysctl -qw net.ipv4.ip_forward=0
        ip netns exec "$tns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true
        ip netns exec "$tns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
        ip -n "$tns" link set lo up
        ip -n "$tns" addr add "$taddr/24" dev "$tif"
        ip -n "$tns" link set "$tif" up
        ip -n "$tns" route add "$PRIVATE_NET" via "$tgw"
        ip -n "$tns" route add "$INTERNET_NET" via "$tgw"
        ip -n "$tns" route add "$TS_PEER_NET" via "$tgw"
    done
    ip -n "$NS_P" addr add "$TSNODE_GW/24" dev "$IF_P_TSN"
    ip -n "$NS_P" addr add "$TSEXIT_GW/24" dev "$IF_P_TSX"
    ip -n "$NS_P" link set "$IF_P_TSN" up
    ip -n "$NS_P" link set "$IF_P_TSX" up
    ip -n "$NS_P" addr add "$INTERNET_ADDR/32" dev lo
    ip -n "$NS_P" addr add "$TS_ROUTER_IP/32" dev lo
    ip -n "$NS_P" addr add "$TS_EXIT_IP/32" dev lo
    ip route add unreachable "$TSNODE_NET"
    ip route add unreachable "$TSEXIT_NET"
    ip route add unreachable "$INTERNET_NET"

    # Name service inside the namespaces: private names only in the bastion,
    # and a resolver that never leaves the namespace.
    mkdir -p "/etc/netns/$NS_B" "/etc/netns/$NS_P" "/etc/netns/$NS_TSN" "/etc/netns/$NS_TSX"
    cat >"/etc/netns/$NS_B/hosts" <<EOF
127.0.0.1 localhost
::1 localhost ip6-localhost ip6-loopback
$PRIVATE_ADDR $DB_HOST $ECHO_HOST
EOF
    printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"/etc/netns/$NS_B/resolv.conf"
    printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"/etc/netns/$NS_P/resolv.conf"
    chmod 0644 "/etc/netns/$NS_B/hosts" "/etc/netns/$NS_B/resolv.conf" "/etc/netns/$NS_P/resolv.conf"
    for tns in "$NS_TSN" "$NS_TSX"; do
        printf '127.0.0.1 localhost\n' >"/etc/netns/$tns/hosts"
        printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"/etc/netns/$tns/resolv.conf"
        chmod 0644 "/etc/netns/$tns/hosts" "/etc/netns/$tns/resolv.conf"
    done

    # ---- TLS: a test CA and a certificate for db.private.test
    local tls="$DIR/tls"
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -keyout "$tls/ca.key" -out "$tls/ca.crt" \
        -subj "/CN=KaelioProxy Test CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -new -newkey rsa:2048 -nodes -sha256 -keyout "$tls/server.key" -out "$tls/server.csr" \
        -subj "/CN=$DB_HOST" 2>/dev/null
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
        "extendedKeyUsage=serverAuth" "subjectAltName=DNS:$DB_HOST,IP:$PRIVATE_ADDR" >"$tls/server.ext"
    openssl x509 -req -sha256 -days 30 -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" \
        -set_serial "0x$(openssl rand -hex 12)" -extfile "$tls/server.ext" -out "$tls/server.crt" 2>/dev/null
    chmod 0600 "$tls/ca.key" "$tls/server.key"
    chmod 0644 "$tls/ca.crt" "$tls/server.crt"
    install -o postgres -g postgres -m 0600 "$tls/server.key" "$DIR/pg/server.key"
    install -o postgres -g postgres -m 0644 "$tls/server.crt" "$DIR/pg/server.crt"
    install -o mysql -g mysql -m 0600 "$tls/server.key" "$DIR/mysql/server.key"
    install -o mysql -g mysql -m 0644 "$tls/server.crt" "$DIR/mysql/server.crt"
    install -o mysql -g mysql -m 0644 "$tls/ca.crt" "$DIR/mysql/ca.crt"

    # ---- SSH: test user, user keys, host keys, sshd
    if ! getent passwd "$SSH_USER" >/dev/null; then
        useradd -m -s /bin/bash -c "KaelioProxy test network" "$SSH_USER"
    else
        [ "$(getent passwd "$SSH_USER" | cut -d: -f7)" = /bin/bash ] || usermod -s /bin/bash "$SSH_USER"
        [ -d "$(getent passwd "$SSH_USER" | cut -d: -f6)" ] || mkhomedir_for_user
    fi
    printf '%s:%s\n' "$SSH_USER" "$SSH_PW" | chpasswd

    local k="$DIR/keys"
    ssh-keygen -q -t ed25519 -N ''        -C "kaeliotest ed25519"           -f "$k/id_ed25519"
    ssh-keygen -q -t ed25519 -N "$KEY_PW" -C "kaeliotest ed25519 encrypted" -f "$k/id_ed25519_enc"
    ssh-keygen -q -t rsa -b 2048 -m PEM -N ''        -C "kaeliotest rsa pem"           -f "$k/id_rsa_pem"
    ssh-keygen -q -t rsa -b 2048 -m PEM -N "$KEY_PW" -C "kaeliotest rsa pem encrypted" -f "$k/id_rsa_pem_enc"
    ssh-keygen -q -t rsa -b 2048 -N ''    -C "kaeliotest rsa openssh"       -f "$k/id_rsa_openssh"
    ssh-keygen -q -t ecdsa -b 256 -m PKCS8 -N "$KEY_PW" -C "kaeliotest ecdsa pkcs8 encrypted" -f "$k/id_ecdsa_pkcs8_enc"
    ssh-keygen -q -t ed25519 -N ''        -C "kaeliotest NOT authorized"    -f "$k/id_ed25519_unauthorized"
    for f in id_ed25519 id_ed25519_enc id_rsa_pem id_rsa_pem_enc id_rsa_openssh id_ecdsa_pkcs8_enc id_ed25519_unauthorized; do
        chmod 0600 "$k/$f"
        chmod 0644 "$k/$f.pub"
    done
    cat "$k/id_ed25519.pub" "$k/id_ed25519_enc.pub" "$k/id_rsa_pem.pub" "$k/id_rsa_pem_enc.pub" \
        "$k/id_rsa_openssh.pub" "$k/id_ecdsa_pkcs8_enc.pub" >"$DIR/ssh/authorized_keys"
    chmod 0644 "$DIR/ssh/authorized_keys"

    ssh-keygen -q -t ed25519 -N '' -C "kaelio-bastion" -f "$DIR/ssh/ssh_host_ed25519_key"
    ssh-keygen -q -t rsa -b 3072 -N '' -C "kaelio-bastion" -f "$DIR/ssh/ssh_host_rsa_key"
    chmod 0600 "$DIR/ssh/ssh_host_ed25519_key" "$DIR/ssh/ssh_host_rsa_key"
    {
        local kt kb
        for f in "$DIR/ssh/ssh_host_ed25519_key.pub" "$DIR/ssh/ssh_host_rsa_key.pub"; do
            read -r kt kb _ <"$f"
            echo "$BASTION_ADDR $kt $kb"
        done
        for f in "$DIR/ssh/ssh_host_ed25519_key.pub" "$DIR/ssh/ssh_host_rsa_key.pub"; do
            read -r kt kb _ <"$f"
            echo "[$BASTION_ADDR]:$NOFWD_PORT $kt $kb"
        done
    } >"$DIR/known_hosts"
    chmod 0644 "$DIR/known_hosts"

    cat >"$DIR/ssh/sshd_config" <<EOF
# KaelioProxy test bastion (generated by tests/network/testnet.sh)
ListenAddress $BASTION_ADDR:$SSH_PORT
ListenAddress $BASTION_ADDR:$NOFWD_PORT
AddressFamily inet
HostKey $DIR/ssh/ssh_host_ed25519_key
HostKey $DIR/ssh/ssh_host_rsa_key
PidFile $DIR/ssh/sshd.pid
AuthorizedKeysFile $DIR/ssh/authorized_keys
UsePAM no
PasswordAuthentication yes
PermitEmptyPasswords no
PubkeyAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin no
AllowUsers $SSH_USER
AllowTcpForwarding yes
AllowStreamLocalForwarding no
GatewayPorts no
PermitTunnel no
X11Forwarding no
StrictModes no
UseDNS no
PrintMotd no
LogLevel VERBOSE
MaxStartups 100:30:200
MaxSessions 50
MaxAuthTries 10
LoginGraceTime 30
Subsystem sftp internal-sftp

# Port $NOFWD_PORT: the "forwarding refused by the server" case.
Match LocalPort $NOFWD_PORT
    AllowTcpForwarding no
EOF
    mkdir -p /run/sshd
    chmod 0755 /run/sshd
    /usr/sbin/sshd -t -f "$DIR/ssh/sshd_config"
    ip netns exec "$NS_B" /usr/sbin/sshd -f "$DIR/ssh/sshd_config" -E "$DIR/ssh/sshd.log" </dev/null >/dev/null 2>&1 9>&-

    # ---- IP-echo service (a copy, so the running service does not depend on the work tree)
    install -m 0644 "$SCRIPT_DIR/ip-echo.py" "$DIR/echo/ip-echo.py"
    # On every address of kaelio-private: 10.213.58.2, the "internet" 10.213.64.2, the tailnet peers.
    ip netns exec "$NS_P" setsid "$PY" "$DIR/echo/ip-echo.py" --bind 0.0.0.0 --port "$ECHO_PORT" \
        --log "$DIR/echo/echo.log" --pid-file "$DIR/echo/echo.pid" </dev/null >>"$DIR/echo/stdout.log" 2>&1 9>&- &

    # ---- MariaDB
    wait "$installdb_job" || die "mariadb-install-db failed (see $DIR/mysql/install-db.log)"
    ip netns exec "$NS_P" setsid mariadbd --no-defaults --user=mysql --datadir="$DIR/mysql/data" \
        --socket="$DIR/mysql/run/mysqld.sock" --pid-file="$DIR/mysql/run/mariadbd.pid" \
        --bind-address="$PRIVATE_ADDR" --port="$MY_PORT" --skip-name-resolve \
        --max-connect-errors=1000000 --max-connections=300 \
        --ssl-ca="$DIR/mysql/ca.crt" --ssl-cert="$DIR/mysql/server.crt" --ssl-key="$DIR/mysql/server.key" \
        --log-error="$DIR/mysql/error.log" --innodb-flush-log-at-trx-commit=0 --performance-schema=OFF \
        --skip-log-bin "${MY_OPTS[@]}" \
        </dev/null >>"$DIR/mysql/stdout.log" 2>&1 9>&- &

    # ---- PostgreSQL
    wait "$initdb_job" || die "initdb failed (see $DIR/pg/initdb.log)"
    cat >>"$DIR/pg/data/postgresql.conf" <<EOF

# KaelioProxy test network (generated by tests/network/testnet.sh)
listen_addresses = '$PRIVATE_ADDR'
port = $PG_PORT
unix_socket_directories = '$DIR/pg/run'
unix_socket_permissions = 0700
ssl = on
ssl_cert_file = '$DIR/pg/server.crt'
ssl_key_file = '$DIR/pg/server.key'
password_encryption = 'scram-sha-256'
max_connections = 200
shared_buffers = 32MB
fsync = off
synchronous_commit = off
full_page_writes = off
log_connections = on
log_line_prefix = '%m [%p] %q%u@%d from %h '
EOF
    cat >"$DIR/pg/data/pg_hba.conf" <<EOF
# TYPE   DATABASE USER ADDRESS          METHOD
local    all      all                   trust
hostssl  all      all  $PRIVATE_NET     scram-sha-256
host     all      all  $PRIVATE_NET     scram-sha-256
hostssl  all      all  $TSNODE_NET      scram-sha-256
host     all      all  $TSNODE_NET      scram-sha-256
hostssl  all      all  $TSEXIT_NET      scram-sha-256
host     all      all  $TSEXIT_NET      scram-sha-256
EOF
    chown postgres:postgres "$DIR/pg/data/postgresql.conf" "$DIR/pg/data/pg_hba.conf"
    ip netns exec "$NS_P" runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$DIR/pg/data" -l "$DIR/pg/postgres.log" \
        -w -t 30 -s start </dev/null >/dev/null 9>&-

    runuser -u postgres -- "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR/pg/run" -p "$PG_PORT" -U postgres -d postgres \
        >/dev/null 9>&- <<EOF
CREATE ROLE $DB_USER LOGIN PASSWORD '$DB_PW';
CREATE DATABASE $DB_NAME OWNER $DB_USER;
\\connect $DB_NAME
SET ROLE $DB_USER;
CREATE TABLE orders (
    id        int PRIMARY KEY,
    item      text NOT NULL,
    amount    numeric(10,2) NOT NULL,
    placed_at timestamptz NOT NULL,
    note      text NULL
);
INSERT INTO orders (id, item, amount, placed_at, note) VALUES
    (1, 'widget', 19.99,  '2024-01-15 10:30:00+00', 'first order'),
    (2, 'gadget', 5.50,   '2024-02-01 08:00:00+00', NULL),
    (3, 'gizmo',  120.00, '2024-03-10 17:45:30+00', 'rush delivery');
EOF

    local my_cli=(mariadb --no-defaults --protocol=socket --socket="$DIR/mysql/run/mysqld.sock" -uroot)
    wait_until 30 "MariaDB to start (see $DIR/mysql/error.log)" \
        mysql_ping
    local have_ssl
    have_ssl="$("${my_cli[@]}" -N -B -e 'SELECT @@have_ssl' 9>&-)"
    [ "$have_ssl" = YES ] || die "MariaDB has no TLS (have_ssl=$have_ssl; see $DIR/mysql/error.log)"
    "${my_cli[@]}" 9>&- <<EOF
DELETE FROM mysql.global_priv WHERE User = '';
DELETE FROM mysql.proxies_priv WHERE Host NOT IN ('localhost', '%') OR User = '';
FLUSH PRIVILEGES;
CREATE USER '$DB_USER'@'%' IDENTIFIED BY '$DB_PW';
CREATE DATABASE $DB_NAME CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
GRANT ALL PRIVILEGES ON $DB_NAME.* TO '$DB_USER'@'%';
FLUSH PRIVILEGES;
USE $DB_NAME;
CREATE TABLE orders (
    id        INT PRIMARY KEY,
    item      TEXT NOT NULL,
    amount    DECIMAL(10,2) NOT NULL,
    placed_at DATETIME NOT NULL,
    note      TEXT NULL
);
INSERT INTO orders (id, item, amount, placed_at, note) VALUES
    (1, 'widget', 19.99,  '2024-01-15 10:30:00', 'first order'),
    (2, 'gadget', 5.50,   '2024-02-01 08:00:00', NULL),
    (3, 'gizmo',  120.00, '2024-03-10 17:45:30', 'rush delivery');
EOF

    # ---- wait until everything accepts connections, the way tests will reach it
    wait_until 10 "sshd on $BASTION_ADDR:$SSH_PORT"   ssh_banner "$BASTION_ADDR" "$SSH_PORT"
    wait_until 10 "sshd on $BASTION_ADDR:$NOFWD_PORT" ssh_banner "$BASTION_ADDR" "$NOFWD_PORT"
    wait_until 10 "PostgreSQL on $PRIVATE_ADDR:$PG_PORT" tcp_open "$NS_B" "$PRIVATE_ADDR" "$PG_PORT"
    wait_until 10 "MariaDB on $PRIVATE_ADDR:$MY_PORT"    tcp_open "$NS_B" "$PRIVATE_ADDR" "$MY_PORT"
    wait_until 10 "IP echo on $PRIVATE_ADDR:$ECHO_PORT"  echo_answers
    wait_until 10 "IP echo from $NS_TSN"                  ts_echo_answers "$NS_TSN" "$PRIVATE_ADDR" "$TSNODE_ADDR"
    wait_until 10 "internet IP echo from $NS_TSX"         ts_echo_answers "$NS_TSX" "$INTERNET_ADDR" "$TSEXIT_ADDR"
    tcp_open "$NS_TSN" "$PRIVATE_ADDR" "$PG_PORT" || die "PostgreSQL not reachable from $NS_TSN"
    ip netns exec "$NS_B" getent hosts "$DB_HOST" >/dev/null || die "$DB_HOST does not resolve in $NS_B"
    ssh -F /dev/null -i "$k/id_ed25519" -o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=5 \
        -o UserKnownHostsFile="$DIR/known_hosts" -o StrictHostKeyChecking=yes -o LogLevel=ERROR \
        -p "$SSH_PORT" "$SSH_USER@$BASTION_ADDR" true </dev/null 9>&- \
        || die "key login to the bastion failed (see $DIR/ssh/sshd.log)"

    # ---- MaxMind-format GeoIP database for Test-KaelioProxy's location lookup
    mkdir -p "$DIR/geoip"
    "$PY" "$SCRIPT_DIR/make-geoip-db.py" "$DIR/geoip/test-city.mmdb" \
        "$BASTION_PRIV_ADDR/32=Bastionville|Namespace County|Testland|TL" \
        "10.213.57.0/24=|||TL" \
        "$TSNODE_NET=|||TL" \
        "$TSEXIT_NET=Paris|Ile-de-France|France|FR"
    chmod 0644 "$DIR/geoip/test-city.mmdb"

    write_tailnet
    write_json
    UP_DONE=1
    local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    log "up in $((ms / 1000)).$(printf '%03d' $((ms % 1000)))s; state dir $DIR; description $DIR/testnet.json"
}

mysql_ping() {
    mariadb-admin --no-defaults --protocol=socket --socket="$DIR/mysql/run/mysqld.sock" -uroot ping >/dev/null 2>&1 9>&-
}
echo_answers() { [ "$(http_get_from_bastion / 2>/dev/null)" = "$BASTION_PRIV_ADDR" ]; }
ts_echo_answers() { # ts_echo_answers ns address expected-client-ip
    local got
    got="$(ip netns exec "$1" timeout 3 bash -c '
        exec 3<>"/dev/tcp/$0/$1" || exit 1
        printf "GET / HTTP/1.0\r\nHost: %s\r\n\r\n" "$0" >&3
        awk "{ sub(/\r\$/, \"\") } body { print } /^\$/ { body = 1 }" <&3' "$2" "$ECHO_PORT" 2>/dev/null || true)"
    [ "$got" = "$3" ]
}

# The stand-in tailnet (tests/tailscale-standin/README.md): $DIR/tailnet/tailnet.json (0600, holds
# the auth keys) and one 0600 file per auth key in $DIR/secrets, without a trailing newline.
write_tailnet() {
    local py
    py="$(find_python)"
    mkdir -p "$DIR/tailnet"
    chmod 0700 "$DIR/tailnet"
    K_DIR="$DIR" K_PRIVNET="$PRIVATE_NET" K_PRIV="$PRIVATE_ADDR" K_INET="$INTERNET_ADDR" K_INETHOST="$INTERNET_HOST" \
    K_DBHOST="$DB_HOST" K_ECHOHOST="$ECHO_HOST" K_ROUTER="$TS_ROUTER_IP" K_EXIT="$TS_EXIT_IP" K_EXITNAME="$TS_EXIT_NAME" \
    K_EXITOFF="$TS_EXIT_OFFLINE_IP" K_TAILNET="$TS_TAILNET" K_CTRL="$TS_CONTROL_URL" K_DEFCTRL="$TS_DEFAULT_CONTROL_URL" \
    K_NSN="$NS_TSN" K_NSX="$NS_TSX" K_HOSTNET="${HOST_ADDR%.*}.0/24" \
    "$py" - <<'EOF'
import json, os, secrets, string
e = os.environ
d = e["K_DIR"]
alnum = string.ascii_letters + string.digits
def rnd(n):
    return "".join(secrets.choice(alnum) for _ in range(n))
def new_key():  # the shape of a real one: tskey-auth-<key id>CNTRL-<secret>
    return "tskey-auth-k%sCNTRL-%s" % (rnd(10), rnd(32))
keys = {
    "valid": {"key": new_key(), "reusable": True, "ephemeral": True, "preauthorized": True,
              "expires": "2099-12-31T23:59:59Z", "tags": ["tag:kaelio-proxy"]},
    "expired": {"key": new_key(), "reusable": True, "ephemeral": True, "preauthorized": True,
                "expires": "2024-01-01T00:00:00Z", "tags": ["tag:kaelio-proxy"]},
    "needsApproval": {"key": new_key(), "reusable": True, "ephemeral": True, "preauthorized": False,
                      "expires": "2099-12-31T23:59:59Z", "tags": []},
}
files = {"valid": "tailscale-authkey-valid", "expired": "tailscale-authkey-expired",
         "needsApproval": "tailscale-authkey-needs-approval"}
old = os.umask(0o077)
try:
    for name, k in keys.items():
        path = "%s/secrets/%s" % (d, files[name])
        with open(path, "w") as f:
            f.write(k["key"])
        os.chmod(path, 0o600)
    doc = {
        "_comment": "KaelioProxy test STAND-IN tailnet for tests/tailscale-standin (not Tailscale). Holds test auth keys: keep 0600.",
        "tailnet": {"name": e["K_TAILNET"], "magicDNSSuffix": e["K_TAILNET"], "magicDNSEnabled": True},
        "controlUrls": [e["K_DEFCTRL"], e["K_CTRL"]],
        "authKeys": keys,
        "nodeAddresses": "100.64.0.0/24",
        "peers": [
            {"name": "router-private", "ip": e["K_ROUTER"], "os": "linux", "online": True,
             "advertisedRoutes": [e["K_PRIVNET"]]},
            {"name": e["K_EXITNAME"], "ip": e["K_EXIT"], "os": "linux", "online": True, "exitNodeOption": True,
             "location": {"Country": "France", "CountryCode": "FR", "City": "Paris", "CityCode": "PAR",
                          "Latitude": 48.8566, "Longitude": 2.3522}},
            {"name": "exit-offline", "ip": e["K_EXITOFF"], "os": "linux", "online": False, "exitNodeOption": True},
        ],
        "dns": {
            "splitDns": {e["K_DBHOST"]: e["K_PRIV"], e["K_ECHOHOST"]: e["K_PRIV"]},
            "public": {e["K_INETHOST"]: e["K_INET"]},
        },
        "namespaces": {"node": e["K_NSN"], "exit": e["K_NSX"]},
        "hostReachable": ["127.0.0.0/8", "::1/128", e["K_HOSTNET"]],
        "timings": {"startingMs": 300, "loginMs": 150, "controlUnreachableMs": 1500, "dialTimeoutMs": 5000},
    }
    tmp = d + "/tailnet/tailnet.json.tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, d + "/tailnet/tailnet.json")
finally:
    os.umask(old)
EOF
}

mkhomedir_for_user() {
    local home
    home="$(getent passwd "$SSH_USER" | cut -d: -f6)"
    mkdir -p "$home"
    chown "$SSH_USER:" "$home"
}

write_json() {
    local fp=() f
    for f in "$DIR/ssh/ssh_host_ed25519_key.pub" "$DIR/ssh/ssh_host_rsa_key.pub"; do
        fp+=("$(ssh-keygen -lf "$f" | awk '{print $2}')")
    done
    local py
    py="$(find_python)"
    K_DIR="$DIR" K_FP="${fp[*]}" K_HOST="$HOST_ADDR" K_BAS="$BASTION_ADDR" K_BASPRIV="$BASTION_PRIV_ADDR" \
    K_PRIV="$PRIVATE_ADDR" K_NET="$PRIVATE_NET" K_SSHPORT="$SSH_PORT" K_NOFWD="$NOFWD_PORT" K_USER="$SSH_USER" \
    K_DBHOST="$DB_HOST" K_PG="$PG_PORT" K_MY="$MY_PORT" K_DB="$DB_NAME" K_DBUSER="$DB_USER" \
    K_ECHOHOST="$ECHO_HOST" K_ECHOPORT="$ECHO_PORT" K_UNREACH="$UNREACH_ADDR" K_CLOSED="$CLOSED_PORT" \
    K_STANDIN="$STANDIN_DIR" K_EXIT="$TS_EXIT_IP" K_EXITNAME="$TS_EXIT_NAME" K_EXITOFF="$TS_EXIT_OFFLINE_IP" \
    K_TSN="$TSNODE_ADDR" K_TSX="$TSEXIT_ADDR" K_INETHOST="$INTERNET_HOST" K_CTRL="$TS_CONTROL_URL" \
    "$py" - <<'EOF'
import json, os
e = os.environ
d = e["K_DIR"]
keys = d + "/keys/"
doc = {
    "stateDir": d,
    "hostAddress": e["K_HOST"],
    "bastion": {
        "address": e["K_BAS"], "sshPort": int(e["K_SSHPORT"]), "noForwardingPort": int(e["K_NOFWD"]),
        "privateAddress": e["K_BASPRIV"],
        "hostKeyFingerprints": e["K_FP"].split(),
        "knownHostsFile": d + "/known_hosts",
    },
    "private": {"address": e["K_PRIV"], "subnet": e["K_NET"]},
    "ssh": {
        "user": e["K_USER"],
        "passwordFile": d + "/secrets/ssh-password",
        "passphraseFile": d + "/secrets/key-passphrase",
        "keys": {
            "ed25519": keys + "id_ed25519",
            "ed25519Encrypted": keys + "id_ed25519_enc",
            "rsaPem": keys + "id_rsa_pem",
            "rsaPemEncrypted": keys + "id_rsa_pem_enc",
            "rsaOpenSsh": keys + "id_rsa_openssh",
            "ecdsaPkcs8Encrypted": keys + "id_ecdsa_pkcs8_enc",
            "unauthorized": keys + "id_ed25519_unauthorized",
        },
    },
    "postgres": {"host": e["K_DBHOST"], "address": e["K_PRIV"], "port": int(e["K_PG"]), "database": e["K_DB"],
                 "user": e["K_DBUSER"], "passwordFile": d + "/secrets/db-password"},
    "mysql": {"host": e["K_DBHOST"], "address": e["K_PRIV"], "port": int(e["K_MY"]), "database": e["K_DB"],
              "user": e["K_DBUSER"], "passwordFile": d + "/secrets/db-password"},
    "echo": {"host": e["K_ECHOHOST"], "port": int(e["K_ECHOPORT"]),
             "url": "http://%s:%s/" % (e["K_ECHOHOST"], e["K_ECHOPORT"])},
    "tls": {"caFile": d + "/tls/ca.crt", "serverName": e["K_DBHOST"]},
    "unreachable": {"address": e["K_UNREACH"], "closedPort": int(e["K_CLOSED"])},
    "geoip": {"database": d + "/geoip/test-city.mmdb"},
    "tailscale": {
        "standinDir": e["K_STANDIN"],
        "tailscaled": e["K_STANDIN"] + "/tailscaled",
        "tailscale": e["K_STANDIN"] + "/tailscale",
        "config": d + "/tailnet/tailnet.json",
        "authKeyFiles": {
            "valid": d + "/secrets/tailscale-authkey-valid",
            "expired": d + "/secrets/tailscale-authkey-expired",
            "needsApproval": d + "/secrets/tailscale-authkey-needs-approval",
        },
        "exitNode": e["K_EXIT"],
        "exitNodeName": e["K_EXITNAME"],
        "offlineExitNode": e["K_EXITOFF"],
        "nodeAddress": e["K_TSN"],
        "exitAddress": e["K_TSX"],
        "internetEchoUrl": "http://%s:%s/" % (e["K_INETHOST"], e["K_ECHOPORT"]),
        "controlUrl": e["K_CTRL"],
    },
}
tmp = d + "/testnet.json.tmp"
with open(tmp, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
os.chmod(tmp, 0o644)
os.replace(tmp, d + "/testnet.json")
EOF
}

# -------------------------------------------------------------------- status
status() {
    check_dir_name
    local problems=() p
    ns_exists "$NS_B" || problems+=("namespace $NS_B missing")
    ns_exists "$NS_P" || problems+=("namespace $NS_P missing")
    if [ "${#problems[@]}" -eq 2 ] && [ ! -e "$DIR/testnet.json" ]; then
        log "down"
        return 1
    fi
    [ "$(id -u)" -eq 0 ] || { log "status needs root"; return 1; }
    link_exists "$IF_HOST" || problems+=("link $IF_HOST missing")
    ip route show type unreachable "$PRIVATE_NET" | grep -q . || problems+=("unreachable route $PRIVATE_NET missing")
    ip route show type unreachable "$UNREACH_NET" | grep -q . || problems+=("unreachable route $UNREACH_NET missing")
    ns_exists "$NS_TSN" || problems+=("namespace $NS_TSN missing")
    ns_exists "$NS_TSX" || problems+=("namespace $NS_TSX missing")
    for p in "$TSNODE_NET" "$TSEXIT_NET" "$INTERNET_NET"; do
        ip route show type unreachable "$p" | grep -q . || problems+=("unreachable route $p missing")
    done
    [ -s "$DIR/tailnet/tailnet.json" ] || problems+=("$DIR/tailnet/tailnet.json missing")
    [ -s "$DIR/testnet.json" ] || problems+=("$DIR/testnet.json missing")
    p="$(read_pid "$DIR/ssh/sshd.pid")";          pid_is_ours "$p" || problems+=("sshd not running")
    p="$(read_pid "$DIR/pg/data/postmaster.pid")"; pid_is_ours "$p" || problems+=("postgres not running")
    p="$(read_pid "$DIR/mysql/run/mariadbd.pid")"; pid_is_ours "$p" || problems+=("mariadbd not running")
    p="$(read_pid "$DIR/echo/echo.pid")";          pid_is_ours "$p" || problems+=("ip-echo not running")
    if ns_exists "$NS_B"; then
        ssh_banner "$BASTION_ADDR" "$SSH_PORT"   || problems+=("sshd not answering on $BASTION_ADDR:$SSH_PORT")
        ssh_banner "$BASTION_ADDR" "$NOFWD_PORT" || problems+=("sshd not answering on $BASTION_ADDR:$NOFWD_PORT")
        tcp_open "$NS_B" "$PRIVATE_ADDR" "$PG_PORT" || problems+=("postgres not answering on $PRIVATE_ADDR:$PG_PORT")
        tcp_open "$NS_B" "$PRIVATE_ADDR" "$MY_PORT" || problems+=("mariadb not answering on $PRIVATE_ADDR:$MY_PORT")
        echo_answers || problems+=("ip-echo not answering on $PRIVATE_ADDR:$ECHO_PORT")
    fi
    if ns_exists "$NS_TSN" && ns_exists "$NS_TSX"; then
        ts_echo_answers "$NS_TSN" "$PRIVATE_ADDR" "$TSNODE_ADDR" || problems+=("ip-echo not answering $NS_TSN on $PRIVATE_ADDR:$ECHO_PORT")
        ts_echo_answers "$NS_TSX" "$INTERNET_ADDR" "$TSEXIT_ADDR" || problems+=("ip-echo not answering $NS_TSX on $INTERNET_ADDR:$ECHO_PORT")
    fi
    if [ "${#problems[@]}" -eq 0 ]; then
        log "up (state dir $DIR; bastion $BASTION_ADDR:$SSH_PORT/$NOFWD_PORT; private $PRIVATE_ADDR: postgres $PG_PORT, mariadb $MY_PORT, echo $ECHO_PORT; tailnet stand-in $NS_TSN/$NS_TSX)"
        return 0
    fi
    log "NOT up:"
    for p in "${problems[@]}"; do printf '  - %s\n' "$p"; done
    return 1
}

# ------------------------------------------------------------------------ main
with_lock() {
    local lock=/run/kaelio-testnet.lock
    [ -w /run ] || lock="/tmp/kaelio-testnet.lock"
    exec 9>"$lock"
    flock -w 300 9 || die "another testnet.sh is running (lock $lock)"
    "$@"
}

case "${1:-}" in
    up)     with_lock up ;;
    down)   with_lock down; log "down" ;;
    status) status ;;
    *)      echo "usage: $0 up|down|status   (state dir: \${KAELIO_TESTNET_DIR:-/tmp/kaelio-testnet})" >&2; exit 2 ;;
esac
