"""Server processes for the benchmark and the tests: a free loopback port, a process started and
stopped around its first answer, and the raw Oxigraph server's database."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from hcc_kg.constants import RELEASE_NQ
from hcc_kg.errors import HccKgError
from hcc_kg.receipt import checked


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
    """An Oxigraph database in ``location`` holding the release's named graphs (for the raw
    Oxigraph server that `hcc-kg loadtest` measures the endpoint against)."""
    path = checked(RELEASE_NQ, release)
    done = subprocess.run([oxigraph_cli(), "load", "--location", str(location), "--file", str(path)],
                          capture_output=True, text=True, check=False)
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
