"""Servers on loopback for the boundary tests: a listener standing in for another machine (it
answers, so a client that reaches it would succeed), and a fake Graph Store Protocol store whose
misbehaviour each test chooses."""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def listener(body: bytes = b"{}", ctype: str = "application/ld+json"):
    """A real TCP listener on loopback that answers every connection with 200 and ``body``;
    yields (its base URL, the first bytes of every connection it received)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.1)
    hits: list[bytes] = []
    stop = threading.Event()
    answer = (f"HTTP/1.0 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body

    def accept():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                hits.append(conn.recv(65536))
                conn.sendall(answer)
            except OSError:
                hits.append(b"")
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/", hits
    finally:
        stop.set()
        thread.join(timeout=2)
        server.close()


class Handler(BaseHTTPRequestHandler):
    """Hands every request to the store's ``behave(handler, method)``; by default an honest store
    (PUT replaces, POST adds, GET returns the graph as N-Triples)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def graph(self) -> str:
        return urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("graph", [""])[0]

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_method(self):
        self.server.requests.append((self.command, self.path, dict(self.headers)))
        self.server.behave(self, self.command)

    do_GET = do_HEAD = do_PUT = do_POST = handle_method


def honest(handler: Handler, method: str) -> None:
    graphs = handler.server.graphs
    if method in ("PUT", "POST"):
        lines = [line for line in handler.body().decode("utf-8").splitlines() if line.strip()]
        graphs[handler.graph()] = (graphs.get(handler.graph(), []) if method == "POST" else []) + lines
        handler.reply(204)
    elif method == "GET" and handler.graph() in graphs:
        handler.reply(200, ("\n".join(graphs[handler.graph()]) + "\n").encode(), {"Content-Type": "application/n-triples"})
    else:
        handler.reply(404 if method == "GET" else 200)


def trickle(handler: Handler) -> None:
    """Answer one byte every 0.2 s, for as long as the client listens."""
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000:
        try:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
        except OSError:
            return
        time.sleep(0.2)


@contextmanager
def fake_store(behave: Callable[[Handler, str], None] = honest):
    """A Graph Store Protocol server on loopback; yields it (``.url``, ``.requests``, ``.graphs``)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.behave = behave
    server.requests = []
    server.graphs = {}
    server.url = f"http://127.0.0.1:{server.server_address[1]}/store"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
