#!/usr/bin/env bash
# Checks a running test network from the host, the way the tests use it.
#
#   bash tests/network/selftest.sh        # after `testnet.sh up`; root; prints "N passed, N failed"
#
# Uses OpenSSH's ssh -L / -W, psql, the mariadb client and bash's /dev/tcp; runs under
# isolated-dns.sh so that no name lookup can leave the machine.
set -uo pipefail

export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ "${KAELIO_ISOLATED_DNS:-}" != 1 ]; then
    exec bash "$SCRIPT_DIR/isolated-dns.sh" bash "$SCRIPT_DIR/selftest.sh" "$@"
fi
cd /

D="${KAELIO_TESTNET_DIR:-/tmp/kaelio-testnet}"
J="$D/testnet.json"
[ -r "$J" ] || { echo "selftest: $J not found: run testnet.sh up first" >&2; exit 1; }
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
jq_() { "$PY" -c 'import json,sys; v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v[int(k)] if isinstance(v,list) else v[k]
print(v)' "$J" "$1"; }

BAS="$(jq_ bastion.address)"; USER_="$(jq_ ssh.user)"; KH="$(jq_ bastion.knownHostsFile)"
NOFWD="$(jq_ bastion.noForwardingPort)"; PRIV="$(jq_ private.address)"; BASPRIV="$(jq_ bastion.privateAddress)"
DBHOST="$(jq_ postgres.host)"; ECHOHOST="$(jq_ echo.host)"; CA="$(jq_ tls.caFile)"
UNREACH="$(jq_ unreachable.address)"; CLOSED="$(jq_ unreachable.closedPort)"
DBPW_FILE="$(jq_ postgres.passwordFile)"; PW_FILE="$(jq_ ssh.passwordFile)"; PP_FILE="$(jq_ ssh.passphraseFile)"
KEY="$(jq_ ssh.keys.ed25519)"

pass=0; fail=0
ok()  { pass=$((pass + 1)); printf 'ok    %s\n' "$1"; }
bad() { fail=$((fail + 1)); printf 'FAIL  %s\n' "$1"; [ -n "${2:-}" ] && printf '      %s\n' "$2"; }
check() { local name="$1"; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }

SSH=(ssh -F /dev/null -o UserKnownHostsFile="$KH" -o StrictHostKeyChecking=yes -o ConnectTimeout=5
     -o IdentitiesOnly=yes -o IdentityAgent=none)
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# --- direct attempts fail at once on this machine
t=$(date +%s%N); out="$(timeout 5 bash -c "exec 3<>/dev/tcp/$PRIV/5432" 2>&1)"; rc=$?; el=$(ms_since "$t")
if [ $rc -ne 0 ] && [ "$el" -lt 1000 ] && [[ "$out" == *"No route to host"* ]]; then ok "host -> $PRIV:5432 fails at once (${el} ms, no route)"; else bad "host -> $PRIV:5432 must fail at once" "rc=$rc ${el}ms $out"; fi
t=$(date +%s%N); out="$(timeout 5 bash -c "exec 3<>/dev/tcp/$UNREACH/22" 2>&1)"; rc=$?; el=$(ms_since "$t")
if [ $rc -ne 0 ] && [ "$el" -lt 1000 ]; then ok "host -> unreachable $UNREACH:22 fails at once (${el} ms)"; else bad "unreachable bastion" "rc=$rc ${el}ms $out"; fi
out="$(timeout 5 bash -c "exec 3<>/dev/tcp/$BAS/$CLOSED" 2>&1)"; rc=$?
if [ $rc -ne 0 ] && [[ "$out" == *refused* ]]; then ok "closed port $BAS:$CLOSED refuses"; else bad "closed port" "$out"; fi
check "private names do not resolve on the host" bash -c "! getent hosts '$DBHOST' >/dev/null"
check "private names resolve in the bastion" bash -c "ip netns exec kaelio-bastion getent hosts '$DBHOST' | grep -q '$PRIV'"
t=$(date +%s%N); getent hosts nosuch.example >/dev/null 2>&1; rc=$?; el=$(ms_since "$t")
if [ $rc -ne 0 ] && [ "$el" -lt 2000 ]; then ok "unknown names fail fast under isolated-dns (${el} ms)"; else bad "unknown name lookup" "rc=$rc ${el}ms"; fi

# --- one tunnel carries PostgreSQL, MariaDB and the echo service
PGP=$(free_port); MYP=$(free_port); EP=$(free_port)
"${SSH[@]}" -o BatchMode=yes -o ExitOnForwardFailure=yes -i "$KEY" -N \
    -L "127.0.0.1:$PGP:$DBHOST:5432" -L "127.0.0.1:$MYP:$DBHOST:3306" -L "127.0.0.1:$EP:$ECHOHOST:8080" \
    "$USER_@$BAS" </dev/null 2>/tmp/kaelio-selftest-ssh.$$ &
SP=$!
if wait_port "$PGP" && wait_port "$MYP" && wait_port "$EP"; then ok "ssh -L with id_ed25519 through $BAS"; else bad "ssh -L" "$(cat /tmp/kaelio-selftest-ssh.$$)"; fi
out="$(PGPASSWORD="$(cat "$DBPW_FILE")" psql -X -At \
    "host=$DBHOST hostaddr=127.0.0.1 port=$PGP dbname=app user=kaelio sslmode=verify-full sslrootcert=$CA connect_timeout=5" \
    -c "select count(*), count(note), sum(amount) from orders" 2>&1)"
if [ "$out" = "3|2|145.49" ]; then ok "psql through the tunnel, TLS verify-full as $DBHOST: $out"; else bad "psql through the tunnel" "$out"; fi
out="$(PGPASSWORD="$(cat "$DBPW_FILE")" psql -X -At "host=127.0.0.1 port=$PGP dbname=app user=kaelio sslmode=require" \
    -c "select ssl from pg_stat_ssl where pid = pg_backend_pid()" 2>&1)"
if [ "$out" = "t" ]; then ok "psql sslmode=require: connection is TLS"; else bad "psql TLS" "$out"; fi
out="$(MYSQL_PWD="$(cat "$DBPW_FILE")" mariadb --no-defaults -h 127.0.0.1 -P "$MYP" -u kaelio --ssl --ssl-ca="$CA" \
    --connect-timeout=5 -N -B app -e "select count(*), count(note), sum(amount) from orders; show session status like 'Ssl_version'" 2>&1)"
if [[ "$out" == "3"$'\t'"2"$'\t'"145.49"$'\n'"Ssl_version"$'\t'TLSv1.* ]]; then ok "mariadb client through the tunnel with TLS: ${out//$'\n'/ | }"; else bad "mariadb through the tunnel" "$out"; fi
http_get() { timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0"; printf "GET %s HTTP/1.0\r\nHost: x\r\n\r\n" "$1" >&3; cat <&3' "$1" "$2" | tr -d '\r'; }
out="$(http_get "$EP" / | tail -n1)"
if [ "$out" = "$BASPRIV" ]; then ok "echo service sees $out"; else bad "echo /" "$out"; fi
out="$(http_get "$EP" /json-geo | tail -n1)"
if [[ "$out" == *"\"ip\":\"$BASPRIV\""*"\"country_code\":\"TL\""* ]]; then ok "echo /json-geo: $out"; else bad "echo /json-geo" "$out"; fi
out="$(http_get "$EP" /nope | head -n1)"
if [[ "$out" == *" 404 "* ]]; then ok "echo: other paths 404"; else bad "echo 404" "$out"; fi
kill "$SP" 2>/dev/null; wait "$SP" 2>/dev/null; rm -f /tmp/kaelio-selftest-ssh.$$

# --- authentication variants
ASK="$(mktemp /tmp/kaelio-askpass.XXXXXX)"; chmod 0700 "$ASK"
login() { # login <secret file or ""> <ssh args...>
    local secret="$1"; shift
    if [ -n "$secret" ]; then printf '#!/bin/sh\ncat %s\n' "$secret" >"$ASK"; else printf '#!/bin/sh\necho wrong-secret\n' >"$ASK"; fi
    SSH_ASKPASS="$ASK" SSH_ASKPASS_REQUIRE=force DISPLAY=none setsid -w "${SSH[@]}" -o LogLevel=ERROR -o NumberOfPasswordPrompts=1 "$@" \
        "$USER_@$BAS" true </dev/null 2>/dev/null
}
check "password login (SSH_ASKPASS)" login "$PW_FILE" -o PreferredAuthentications=password -o PubkeyAuthentication=no
refused() { ! "$@"; }
check "wrong password is refused" refused login '' -o PreferredAuthentications=password -o PubkeyAuthentication=no
for k in ed25519 ed25519Encrypted rsaPem rsaPemEncrypted rsaOpenSsh ecdsaPkcs8Encrypted; do
    check "key login: $k" login "$PP_FILE" -o PreferredAuthentications=publickey -i "$(jq_ "ssh.keys.$k")"
done
check "key login: unauthorized key is refused" refused login '' -o PreferredAuthentications=publickey -i "$(jq_ ssh.keys.unauthorized)"
rm -f "$ASK"

# --- port 2222 refuses forwarding
out="$(printf '' | "${SSH[@]}" -o BatchMode=yes -i "$KEY" -p "$NOFWD" -W "$DBHOST:5432" "$USER_@$BAS" 2>&1)"; rc=$?
if [ $rc -ne 0 ] && [[ "$out" == *"administratively prohibited"* || "$out" == *"forwarding failed"* ]]; then ok "port $NOFWD: forwarding refused ($(echo "$out" | head -n1))"; else bad "port $NOFWD forwarding" "rc=$rc $out"; fi
out="$(printf 'GET / HTTP/1.0\r\n\r\n' | "${SSH[@]}" -o BatchMode=yes -i "$KEY" -W "$ECHOHOST:8080" "$USER_@$BAS" 2>&1 | tr -d '\r' | tail -n1)"
if [ "$out" = "$BASPRIV" ]; then ok "port 22: ssh -W to $ECHOHOST works"; else bad "port 22 -W" "$out"; fi

echo "selftest: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
