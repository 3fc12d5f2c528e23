#!/usr/bin/env python3
"""IP-echo service of the KaelioProxy test network (python3 standard library only).

Runs in the kaelio-private namespace and tells a client which address it came from,
so a test can prove which way its traffic went:

  GET /          -> text/plain  "<client ip>\\n"
  GET /json      -> {"ip":"<client ip>"}
  GET /json-geo  -> {"ip":"<client ip>","city":"Testville","region":"Test Region",
                     "country":"Testland","country_code":"TL"}
  anything else  -> 404

Threaded, HTTP/1.1 with keep-alive, never resolves client names, logs quietly to a file.

  python3 ip-echo.py --bind 10.213.58.2 --port 8080 --log /path/echo.log --pid-file /path/echo.pid
"""
import argparse
import json
import logging
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

GEO = {"city": "Testville", "region": "Test Region", "country": "Testland", "country_code": "TL"}
log = logging.getLogger("ip-echo")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kaelio-ip-echo/1"
    sys_version = ""
    timeout = 30  # a silent client cannot hold a thread forever

    def address_string(self):  # never a reverse lookup
        return self.client_address[0]

    def log_message(self, fmt, *args):
        log.info("%s %s", self.client_address[0], fmt % args)

    def _reply(self, status, body, content_type, head_only=False):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head_only:
            self.wfile.write(data)

    def _route(self, head_only):
        ip = self.client_address[0]
        path = urlsplit(self.path).path
        if path == "/":
            self._reply(200, ip + "\n", "text/plain; charset=utf-8", head_only)
        elif path == "/json":
            self._reply(200, json.dumps({"ip": ip}, separators=(",", ":")), "application/json", head_only)
        elif path == "/json-geo":
            body = dict({"ip": ip}, **GEO)
            self._reply(200, json.dumps(body, separators=(",", ":")), "application/json", head_only)
        else:
            self._reply(404, "not found\n", "text/plain; charset=utf-8", head_only)

    def do_GET(self):
        self._route(head_only=False)

    def do_HEAD(self):
        self._route(head_only=True)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def handle_error(self, request, client_address):  # a dropped client is not news
        log.warning("error with client %s: %s", client_address[0], sys.exc_info()[1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--log", default=None, help="log file (default: stderr)")
    ap.add_argument("--pid-file", default=None)
    a = ap.parse_args()

    handler = logging.FileHandler(a.log) if a.log else logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)

    server = Server((a.bind, a.port), Handler)
    if a.pid_file:
        with open(a.pid_file, "w") as f:
            f.write("%d\n" % os.getpid())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log.info("listening on %s:%d", a.bind, a.port)
    try:
        server.serve_forever(poll_interval=0.5)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        log.info("stopping")
        if a.pid_file:
            try:
                os.unlink(a.pid_file)
            except OSError:
                pass


if __name__ == "__main__":
    main()
