"""Shared code of the KaelioProxy Tailscale STAND-IN (./tailscaled and ./tailscale).

This is NOT Tailscale. It mimics what the KaelioProxy module sees of tailscaled and the tailscale
CLI (flags, messages, exit codes, the LocalAPI over a unix socket, the SOCKS5 server) on top of
the test network's namespaces. See README.md beside this file. Python 3.9+ standard library only.
"""
import fcntl
import hmac
import ipaddress
import json
import os
import re
import socket
import sys
import time

VERSION_SHORT = "1.80.3"
VERSION_LONG = "1.80.3-kaelio-standin"
LOCALAPI_HOST = "local-tailscaled.sock"
DEFAULT_SOCKET = "/var/run/tailscale/tailscaled.sock"
DEFAULT_CONTROL_URL = "https://controlplane.tailscale.com"
# ipn.IsLoginServerSynonym: both name Tailscale's own control plane.
CONTROL_SYNONYMS = ("https://controlplane.tailscale.com", "https://login.tailscale.com")
# ipn.State, in enum order (the IPN bus carries the number, the status the name).
STATES = ["NoState", "InUseOtherUser", "NeedsLogin", "NeedsMachineAuth", "Stopped", "Starting", "Running"]
CONFIG_ENV = "KAELIO_TAILNET_STANDIN_CONFIG"
LOG_ENV = "KAELIO_TAILNET_STANDIN_LOG"
SOCKS_ERRORS_ENV = "KAELIO_TAILNET_STANDIN_SOCKS_ERRORS"
ZERO_TIME = "0001-01-01T00:00:00Z"
ZERO_NODEKEY = "nodekey:" + "0" * 64
CGNAT = ipaddress.ip_network("100.64.0.0/10")
TS_ULA = ipaddress.ip_network("fd7a:115c:a1e0::/48")
_KEY_TOKEN = re.compile(r"tskey-[A-Za-z0-9-]*")


class StandinError(Exception):
    """A failure with a message meant for the user, and an exit code."""

    def __init__(self, message, code=1):
        super().__init__(message)
        self.code = code


def now_rfc3339():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)


def scrub(text):
    """Like the real CLI's sanitizeWriter: the secret part of any tskey-… token becomes XXXX…
    (the kind prefix, e.g. "tskey-auth-", stays)."""
    def one(m):
        tok = m.group(0)
        for kind in ("tskey-auth-", "tskey-client-", "tskey-api-", "tskey-"):
            if tok.startswith(kind):
                return kind + "X" * (len(tok) - len(kind))
        return tok

    return _KEY_TOKEN.sub(one, text)


# --------------------------------------------------------------------------- Go's flag package
class FlagParseError(Exception):
    pass


class FlagHelp(Exception):
    pass


_GO_DURATION = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_go_duration(text):
    """time.ParseDuration: "30s", "1m30s", "1.5h", "0"; returns seconds. ValueError when invalid."""
    s = text
    sign = 1.0
    if s[:1] in "+-" and s:
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:]
    if s == "0":
        return 0.0
    if not s:
        raise ValueError(text)
    total, pos = 0.0, 0
    while pos < len(s):
        m = _GO_DURATION.match(s, pos)
        if not m or m.group(1) in ("", "."):
            raise ValueError(text)
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    return sign * total


def format_go_duration(seconds):
    if seconds == 0:
        return "0s"
    out = ""
    if seconds >= 3600:
        h = int(seconds // 3600)
        out += "%dh" % h
        seconds -= h * 3600
    if seconds >= 60 or out:
        m = int(seconds // 60)
        out += "%dm" % m
        seconds -= m * 60
    return out + ("%g" % seconds) + "s"


class Flag:
    def __init__(self, name, kind, default, usage):
        self.name, self.kind, self.default, self.usage = name, kind, default, usage


class FlagSet:
    """A subset of Go's flag.FlagSet: -name, --name, -name=value, -name value; bools without value;
    parsing stops at the first non-flag argument or after "--"."""

    def __init__(self, name, no_dup=False):
        self.name = name
        self.no_dup = no_dup  # the tailscale CLI refuses a flag given twice
        self.flags = {}

    def add(self, name, kind, default, usage=""):
        self.flags[name] = Flag(name, kind, default, usage)

    def usage_text(self):
        lines = []
        for name in sorted(self.flags):
            f = self.flags[name]
            kind = {"string": " string", "int": " int", "duration": " duration", "bool": ""}[f.kind]
            line = "  -%s%s\n    \t%s" % (name, kind, f.usage)
            if f.kind == "string" and f.default != "":
                line += " (default %s)" % json.dumps(f.default)
            elif f.kind in ("int",) and f.default != 0:
                line += " (default %d)" % f.default
            elif f.kind == "bool" and f.default:
                line += " (default true)"
            elif f.kind == "duration" and f.default:
                line += " (default %s)" % format_go_duration(f.default)
            lines.append(line)
        return "\n".join(lines)

    def _convert(self, f, raw):
        if f.kind == "string":
            return raw
        if f.kind == "bool":
            if raw in ("1", "t", "T", "true", "TRUE", "True"):
                return True
            if raw in ("0", "f", "F", "false", "FALSE", "False"):
                return False
            raise FlagParseError('invalid boolean value %s for -%s: parse error' % (json.dumps(raw), f.name))
        if f.kind == "int":
            try:
                return int(raw, 0)
            except ValueError:
                raise FlagParseError('invalid value %s for flag -%s: parse error' % (json.dumps(raw), f.name))
        if f.kind == "duration":
            try:
                return parse_go_duration(raw)
            except ValueError:
                raise FlagParseError('invalid value %s for flag -%s: parse error' % (json.dumps(raw), f.name))
        raise AssertionError(f.kind)

    def parse(self, args):
        """Returns (values, set_names, rest). Raises FlagParseError / FlagHelp."""
        values = {n: f.default for n, f in self.flags.items()}
        seen = []
        i = 0
        while i < len(args):
            a = args[i]
            if len(a) < 2 or a[0] != "-":
                break
            dashes = 2 if a.startswith("--") else 1
            if a == "--":
                i += 1
                break
            name = a[dashes:]
            if not name or name[0] in "-=":
                raise FlagParseError("bad flag syntax: %s" % a)
            i += 1
            has_value, raw = False, None
            if "=" in name:
                name, raw = name.split("=", 1)
                has_value = True
            if name not in self.flags:
                if name in ("help", "h"):
                    raise FlagHelp()
                raise FlagParseError("flag provided but not defined: -%s" % name)
            f = self.flags[name]
            if f.kind == "bool":
                v = self._convert(f, raw) if has_value else True
            else:
                if not has_value:
                    if i >= len(args):
                        raise FlagParseError("flag needs an argument: -%s" % name)
                    raw = args[i]
                    i += 1
                v = self._convert(f, raw)
            if self.no_dup and name in seen:
                shown = raw if raw is not None else "true"
                raise FlagParseError('invalid value %s for flag -%s: flag provided multiple times' % (json.dumps(shown), name))
            seen.append(name)
            values[name] = v
        return values, seen, args[i:]


# --------------------------------------------------------------------------- records
def _append_jsonl(filename, doc):
    folder = os.environ.get(LOG_ENV)
    if not folder:
        return
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        path = os.path.join(folder, filename)
        line = (json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError as e:
        sys.stderr.write("%s: stand-in: cannot write %s record in %s: %s\n" % (os.path.basename(sys.argv[0]), filename, folder, e))


def known_secrets():
    """(name, value) of the stand-in tailnet's auth keys, or [] when there is no readable config."""
    path = os.environ.get(CONFIG_ENV)
    if not path:
        return []
    try:
        with open(path) as f:
            doc = json.load(f)
        return [(n, k["key"]) for n, k in (doc.get("authKeys") or {}).items() if k.get("key")]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []


def record_invocation(program, argv):
    """invocations.jsonl: one line per start of either program, before anything else happens.
    A configured auth key found in argv or env is replaced by a marker (the stand-in never writes a
    key) and named in "secretsInArgvOrEnv", which tests assert to be empty."""
    if not os.environ.get(LOG_ENV):
        return
    secrets_ = known_secrets()
    found = []

    def redact(text):
        for name, value in secrets_:
            if value and value in text:
                if name not in found:
                    found.append(name)
                text = text.replace(value, "tskey-auth-[REDACTED-STANDIN-AUTH-KEY:%s]" % name)
        return text

    doc = {
        "time": now_rfc3339(),
        "program": program,
        "argv": [redact(a) for a in argv],
        "env": {k: redact(v) for k, v in os.environ.items()},
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "cwd": os.getcwd() if os.path.isdir(".") else None,
        "secretsInArgvOrEnv": found,
    }
    _append_jsonl("invocations.jsonl", doc)


def record_control(event, **fields):
    doc = {"time": now_rfc3339(), "event": event}
    doc.update(fields)
    _append_jsonl("control.jsonl", doc)


# --------------------------------------------------------------------------- the tailnet
def _b62(data, n):
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    v = int.from_bytes(data, "big")
    out = ""
    for _ in range(n):
        v, r = divmod(v, 62)
        out += alphabet[r]
    return out


def stable_id(seed_bytes):
    """A StableNodeID in the shape control uses: n + 10 chars + CNTRL."""
    return "n" + _b62(seed_bytes, 10) + "CNTRL"


def ula_for(ip4):
    """The stand-in's IPv6 for a node: fd7a:115c:a1e0:: + the IPv4's 32 bits."""
    v = int(ipaddress.IPv4Address(ip4))
    return str(ipaddress.IPv6Address(int(TS_ULA.network_address) | v))


def dns_label(name):
    label = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    return label[:63] or "localhost"


class AuthKey:
    def __init__(self, name, d):
        self.name = name
        self.value = d["key"]
        self.reusable = bool(d.get("reusable", True))
        self.ephemeral = bool(d.get("ephemeral", False))
        self.preauthorized = bool(d.get("preauthorized", True))
        self.expires = d.get("expires")
        self.tags = list(d.get("tags") or [])
        self.approve_after_ms = d.get("approveAfterMs")

    def expired(self):
        return bool(self.expires) and _epoch(self.expires) < time.time()


def _epoch(rfc3339):
    """Seconds since the epoch of "YYYY-MM-DDTHH:MM:SS…Z" (UTC)."""
    import calendar
    return calendar.timegm(time.strptime(rfc3339[:19], "%Y-%m-%dT%H:%M:%S"))


class Peer:
    def __init__(self, d, tailnet_name, suffix):
        import hashlib
        self.name = d["name"]
        self.ip4 = str(ipaddress.IPv4Address(d["ip"]))
        self.ip6 = d.get("ipv6") or ula_for(self.ip4)
        self.os = d.get("os", "linux")
        self.online = bool(d.get("online", True))
        self.exit_option = bool(d.get("exitNodeOption", False))
        self.routes = [ipaddress.ip_network(r) for r in d.get("advertisedRoutes") or []]
        self.location = d.get("location")
        seed = hashlib.sha256(("%s/%s" % (tailnet_name, self.name)).encode()).digest()
        self.id = d.get("id") or stable_id(seed)
        self.node_key = "nodekey:" + hashlib.sha256(b"nodekey/" + seed).hexdigest()
        self.dns_name = "%s.%s." % (dns_label(self.name), suffix)
        self.user_id = int.from_bytes(seed[:3], "big") + 1000
        self.created = d.get("created", "2024-11-05T09:30:00Z")
        self.last_used = 0.0

    def ips(self):
        return [self.ip4, self.ip6]


class Tailnet:
    def __init__(self, path):
        try:
            with open(path) as f:
                d = json.load(f)
        except OSError as e:
            raise StandinError("stand-in tailnet config %s: %s" % (path, e.strerror or e))
        except ValueError as e:
            raise StandinError("stand-in tailnet config %s is not JSON: %s" % (path, e))
        try:
            t = d.get("tailnet") or {}
            self.path = path
            self.name = t.get("name", "example.ts.net")
            self.suffix = t.get("magicDNSSuffix", self.name).strip(".")
            self.magic_dns = bool(t.get("magicDNSEnabled", True))
            self.control_urls = [u.rstrip("/") for u in d.get("controlUrls") or [DEFAULT_CONTROL_URL]]
            self.keys = [AuthKey(n, k) for n, k in (d.get("authKeys") or {}).items()]
            self.node_net = ipaddress.ip_network(d.get("nodeAddresses", "100.64.0.0/24"))
            self.peers = [Peer(p, self.name, self.suffix) for p in d.get("peers") or []]
            dns = d.get("dns") or {}
            self.split_dns = {k.lower().rstrip("."): v for k, v in (dns.get("splitDns") or {}).items()}
            self.public_dns = {k.lower().rstrip("."): v for k, v in (dns.get("public") or {}).items()}
            ns = d.get("namespaces") or {}
            self.ns_node = ns.get("node", "kaelio-tsnode")
            self.ns_exit = ns.get("exit", "kaelio-tsexit")
            self.host_reachable = [ipaddress.ip_network(n) for n in d.get("hostReachable") or ["127.0.0.0/8", "::1/128"]]
            tm = d.get("timings") or {}
            self.starting_s = tm.get("startingMs", 300) / 1000.0
            self.login_s = tm.get("loginMs", 150) / 1000.0
            self.unreachable_s = tm.get("controlUnreachableMs", 1500) / 1000.0
            self.dial_timeout_s = tm.get("dialTimeoutMs", 5000) / 1000.0
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise StandinError("stand-in tailnet config %s is malformed: %r" % (path, e))

    def find_key(self, value):
        """The configured key equal to value (constant-time comparisons), or None."""
        found = None
        for k in self.keys:
            if hmac.compare_digest(k.value.encode(), value.encode()):
                found = k
        return found

    def control_known(self, url):
        u = url.rstrip("/")
        if u in self.control_urls:
            return True
        return u in CONTROL_SYNONYMS and any(c in CONTROL_SYNONYMS for c in self.control_urls)

    def peer_by_ip(self, ip):
        s = str(ip)
        for p in self.peers:
            if s in (p.ip4, p.ip6):
                return p
        return None


def load_tailnet(program):
    path = os.environ.get(CONFIG_ENV)
    if not path:
        raise StandinError(
            "%s: this is the KaelioProxy test STAND-IN for Tailscale, not the real %s. It needs %s: the path of a "
            "stand-in tailnet JSON file (tests/network/testnet.sh up writes $KAELIO_TESTNET_DIR/tailnet/tailnet.json; "
            "see tests/tailscale-standin/README.md)." % (program, program, CONFIG_ENV))
    return Tailnet(path)


# --------------------------------------------------------------------------- control "server" state
class Registry:
    """The stand-in control server's node list, shared by all stand-in daemons of one tailnet config:
    <config dir>/control-state.json, guarded by flock. Gives out 100.64.0.N and unique DNS labels."""

    def __init__(self, tailnet):
        base = os.path.dirname(os.path.abspath(tailnet.path))
        self.path = os.path.join(base, "control-state.json")
        self.lock_path = os.path.join(base, "control-state.lock")
        self.tailnet = tailnet

    def _locked(self, fn):
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError:
            return fn({"nodes": {}}, writable=False)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                with open(self.path) as f:
                    state = json.load(f)
            except (OSError, ValueError):
                state = {"nodes": {}}
            result = fn(state, writable=True)
            tmp = self.path + ".tmp"
            with open(tmp, "w") as f:
                json.dump(state, f, indent=1)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
            return result
        finally:
            os.close(fd)

    @staticmethod
    def _alive(pid):
        if not pid:
            return False
        try:
            with open("/proc/%d/stat" % pid) as f:
                st = f.read().rsplit(")", 1)[1].split()[0]
            return st not in ("Z", "X")
        except OSError:
            return False

    def register(self, node_key, hostname, ephemeral, pid):
        """Returns (ip4, dns_label)."""

        def fn(state, writable):
            nodes = state.setdefault("nodes", {})
            for k in list(nodes):  # ephemeral nodes of dead daemons are gone (control removes them)
                if nodes[k].get("ephemeral") and not self._alive(nodes[k].get("pid")) and k != node_key:
                    del nodes[k]
            if node_key in nodes:
                n = nodes[node_key]
                n["pid"] = pid
                return n["ip"], n["label"]
            used_ips = {n["ip"] for n in nodes.values()} | {p.ip4 for p in self.tailnet.peers}
            used_labels = {n["label"] for n in nodes.values()} | {dns_label(p.name) for p in self.tailnet.peers}
            ip = None
            for cand in self.tailnet.node_net.hosts():
                if str(cand) not in used_ips:
                    ip = str(cand)
                    break
            if ip is None:
                raise StandinError("stand-in control: no free address in %s" % self.tailnet.node_net)
            base = dns_label(hostname)
            label, i = base, 0
            while label in used_labels:
                i += 1
                label = "%s-%d" % (base, i)
            if writable:
                nodes[node_key] = {"ip": ip, "label": label, "hostname": hostname, "ephemeral": ephemeral, "pid": pid}
            return ip, label

        return self._locked(fn)

    def release(self, node_key, remove=True):
        def fn(state, writable):
            nodes = state.setdefault("nodes", {})
            if node_key in nodes:
                if remove:
                    del nodes[node_key]
                else:
                    nodes[node_key]["pid"] = None

        try:
            self._locked(fn)
        except OSError:
            pass


# --------------------------------------------------------------------------- LocalAPI client
class LocalAPIError(Exception):
    pass


class LocalClient:
    """HTTP/1.1 over tailscaled's unix socket, the way the real client talks to it."""

    def __init__(self, path):
        self.path = path

    def _connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(self.path)
        except OSError as e:
            s.close()
            raise LocalAPIError(
                "failed to connect to local tailscaled; it doesn't appear to be running "
                "(dial unix %s: connect: %s)" % (self.path, (e.strerror or str(e)).lower()))
        return s

    def _send(self, method, path, body):
        s = self._connect()
        data = b"" if body is None else json.dumps(body).encode()
        head = ("%s %s HTTP/1.1\r\nHost: %s\r\nSec-Tailscale: localapi\r\nUser-Agent: tailscale-cli-standin/%s\r\n"
                "Connection: close\r\nContent-Length: %d\r\n" % (method, path, LOCALAPI_HOST, VERSION_SHORT, len(data)))
        if body is not None:
            head += "Content-Type: application/json\r\n"
        s.sendall(head.encode() + b"\r\n" + data)
        f = s.makefile("rb")
        status_line = f.readline().decode("latin-1").strip()
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            s.close()
            raise LocalAPIError("bad LocalAPI response: %r" % status_line)
        status = int(parts[1])
        headers = {}
        while True:
            line = f.readline().decode("latin-1")
            if line in ("\r\n", "\n", ""):
                break
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        return s, f, status, headers

    @staticmethod
    def _chunks(f):
        while True:
            size_line = f.readline()
            if not size_line:
                return
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                f.readline()
                return
            data = f.read(size)
            f.readline()
            yield data

    def request(self, method, path, body=None):
        s, f, status, headers = self._send(method, path, body)
        try:
            if headers.get("transfer-encoding", "").lower() == "chunked":
                data = b"".join(self._chunks(f))
            elif "content-length" in headers:
                data = f.read(int(headers["content-length"]))
            else:
                data = f.read()
        finally:
            f.close()
            s.close()
        return status, data

    def json(self, method, path, body=None):
        status, data = self.request(method, path, body)
        if status >= 400:
            raise LocalAPIError("%d %s: %s" % (status, _reason(status), data.decode("utf-8", "replace").strip()))
        if status == 204 or not data.strip():
            return None
        return json.loads(data)

    def watch(self, mask=0):
        """Opens the IPN bus now (like WatchIPNBus before Start); iterate it for the notifications."""
        s, f, status, headers = self._send("GET", "/localapi/v0/watch-ipn-bus?mask=%d" % mask, None)
        if status != 200:
            f.close()
            s.close()
            raise LocalAPIError("watch-ipn-bus: %d" % status)
        return Watcher(self, s, f)


class Watcher:
    def __init__(self, client, sock, f):
        self.client, self.sock, self.f = client, sock, f

    def __iter__(self):
        buf = b""
        for chunk in LocalClient._chunks(self.f):
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line.strip():
                    yield json.loads(line)

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.f.close()
        self.sock.close()


def _reason(status):
    from http import HTTPStatus
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
