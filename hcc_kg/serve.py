"""Serve stage: the Oxigraph server (read-only) behind a guard that checks every query first.

The Oxigraph server executes SERVICE clauses and has no switch to stop it, so it listens only on
an internal loopback port; clients talk to the guard, which parses each query with the same
guard as the CLI (hcc_kg.guard), answers a refused one with HTTP 400 and the reason, refuses
updates, caps request and response sizes, and forwards the rest unchanged (SPARQL 1.1 Protocol:
GET, POST form, POST sparql-query; any result format the client asks for).
"""

from __future__ import annotations

import ipaddress
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from hcc_kg.constants import RELEASE, RELEASE_NQ
from hcc_kg.errors import HccKgError
from hcc_kg.guard import RefusedQuery, cap_rows, check_query
from hcc_kg.release import checked

MAX_REQUEST = 64 * 1024  # bytes of query text
MAX_RESPONSE = 64 * 1024 * 1024  # bytes of results
MAX_ROWS = 10_000  # solutions per query (for CONSTRUCT/DESCRIBE: solutions of its pattern)


def oxigraph_cli() -> str:
    exe = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(exe).exists():
        raise HccKgError("the `oxigraph` server is not installed: pip install oxigraph")
    return exe


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def load_store(release: Path, location: Path) -> None:
    """An Oxigraph database in ``location`` holding the release's named graphs."""
    path = checked(RELEASE_NQ, release)
    done = subprocess.run([oxigraph_cli(), "load", "--location", str(location), "--file", str(path)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise HccKgError(f"{path}: Oxigraph could not load it: {done.stderr.strip()[-400:]}")


def wait_until_up(url: str, seconds: float = 30, process: subprocess.Popen | None = None, log=None) -> None:
    """Wait for ``url`` to answer; if ``process`` exits first, report what it wrote to ``log``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            stderr = ""
            if log is not None:
                log.seek(0)
                stderr = log.read().decode("utf-8", "replace")
            raise HccKgError(f"the server process exited with status {process.returncode}: {stderr.strip()[-500:]}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.1)
    raise HccKgError(f"{url} did not answer within {seconds:.0f} s")


@contextmanager
def running(command: list[str], url: str, seconds: float = 30, cwd: Path | None = None):
    """A server process, entered once ``url`` answers and stopped by its process id (SIGTERM) on
    exit. Its stderr goes to a temporary file, not a pipe: a pipe nobody reads fills up under load
    and stalls the server."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, cwd=cwd)
        try:
            wait_until_up(url, seconds, process, log)
            yield process
        finally:
            process.terminate()
            process.wait(timeout=60)


def make_handler(upstream: str, timeout: float, max_rows: int = MAX_ROWS):
    class Guard(BaseHTTPRequestHandler):
        server_version = "hcc-kg-guard"
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *args: object) -> None:  # quiet; one line per refusal instead
            pass

        def refuse(self, status: int, reason: str) -> None:
            body = (reason + "\n").encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def body(self) -> bytes | None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_REQUEST:
                self.refuse(413, f"request body over {MAX_REQUEST} bytes")
                return None
            return self.rfile.read(length) if length else b""

        def query_text(self, body: bytes) -> str | None:
            url = urllib.parse.urlsplit(self.path)
            params = urllib.parse.parse_qs(url.query)
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            if self.command == "POST" and ctype == "application/sparql-query":
                return body.decode("utf-8", "replace")
            if self.command == "POST" and ctype == "application/x-www-form-urlencoded":
                params.update(urllib.parse.parse_qs(body.decode("utf-8", "replace")))
            if "update" in params:
                return None
            return (params.get("query") or [None])[0]

        def forward(self, body: bytes | None, query: str | None = None) -> None:
            headers = {k: v for k, v in self.headers.items() if k.lower() in ("accept", "content-type")}
            path, method = self.path, self.command
            if query is not None:  # always POST upstream: Oxigraph caps request headers at 8 KB
                params = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                params.update(urllib.parse.parse_qs(body.decode("utf-8", "replace"))
                              if headers.get("Content-Type", "").startswith("application/x-www-form") else {})
                params["query"] = [query]
                body = urllib.parse.urlencode(params, doseq=True).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                path, method = "/query", "POST"
            request = urllib.request.Request(upstream + path, data=body or None, headers=headers, method=method)
            try:
                response = urllib.request.urlopen(request, timeout=timeout)
            except urllib.error.HTTPError as err:
                response = err
            except (urllib.error.URLError, TimeoutError, OSError) as err:
                self.refuse(504, f"the query did not finish: {getattr(err, 'reason', err)}")
                return
            with response:
                self.send_response(response.status)
                for key, value in response.headers.items():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length", "server"):
                        self.send_header(key, value)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                sent = 0
                while chunk := response.read(65536):
                    sent += len(chunk)
                    if sent > MAX_RESPONSE:
                        break  # the client sees a truncated chunked body, never a silent cut
                    self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                else:
                    self.wfile.write(b"0\r\n\r\n")
                    return
                self.close_connection = True

        def handle_request(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            body = self.body() if self.command == "POST" else b""
            if body is None:
                return
            if path == "/update" or (path == "/store" and self.command != "GET"):
                self.refuse(403, "the graph is read-only: updates are refused")
                return
            if path == "/query":
                text = self.query_text(body)
                if text is None:
                    self.refuse(400, "no query (a SPARQL update is refused: the graph is read-only)")
                    return
                if len(text.encode()) > MAX_REQUEST:
                    self.refuse(413, f"query over {MAX_REQUEST} bytes")
                    return
                try:
                    text = cap_rows(text, check_query(text), max_rows)
                except RefusedQuery as err:
                    self.refuse(400, str(err))
                    return
                self.forward(body, text)
                return
            self.forward(body)

        do_GET = do_POST = do_HEAD = handle_request

    return Guard


def _stop(*_: object) -> None:
    """SIGTERM stops the server like Ctrl-C."""
    raise KeyboardInterrupt


def serve(host: str = "127.0.0.1", port: int = 7878, release: Path = RELEASE, data_dir: Path | None = None,
          timeout: int = 30, cors: bool = False, max_rows: int = MAX_ROWS, ready=None) -> None:
    """Run the guarded endpoint until stopped (SIGINT or SIGTERM)."""
    if not ipaddress.ip_address(socket.gethostbyname(host)).is_loopback:
        print(f"warning: binding to {host}: the endpoint is reachable from other machines", file=sys.stderr)
    tmp = None
    if data_dir is None:
        tmp = tempfile.mkdtemp(prefix="hcc-kg-store-")
        data_dir = Path(tmp)
    try:
        load_store(release, data_dir)
        inner = free_port()
        command = [oxigraph_cli(), "serve-read-only", "--location", str(data_dir), "--bind",
                   f"127.0.0.1:{inner}", "--union-default-graph", "--timeout-s", str(timeout)]
        upstream = f"http://127.0.0.1:{inner}"
        with running(command + (["--cors"] if cors else []), upstream + "/"):
            server = ThreadingHTTPServer((host, port), make_handler(upstream, timeout + 5, max_rows))
            server.daemon_threads = True
            signal.signal(signal.SIGTERM, _stop)
            url = f"http://{host}:{server.server_address[1]}"
            print(f"SPARQL endpoint: {url}/query (query UI: {url}/); Ctrl-C to stop", flush=True)
            if ready is not None:
                ready(url)
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass
            finally:
                server.server_close()
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
