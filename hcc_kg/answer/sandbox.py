"""No network by construction: a seccomp filter, installed in every engine process once its pipe
to the parent exists, under which that process cannot open a network connection.

The engines (pyoxigraph) execute ``SERVICE <url>``; a guard that reads the query text has to
guess how the engine will read it. The filter does not read text: the kernel ends the process
(SIGSYS) when it calls ``socket()`` for any address family but AF_UNIX (AF_INET, AF_INET6, and
AF_PACKET, AF_NETLINK, ... alike), so a SERVICE call, a DNS lookup or anything else that needs
a network socket stops the engine before a packet is sent, and the parent reports it as a refused
SERVICE. ``socket(AF_UNIX)`` fails with EPERM instead (the engine talks to its parent over a
socketpair made before the filter; refusing new local sockets also closes a lookup through a
local resolver daemon), and ``io_uring_setup`` fails with ENOSYS (io_uring can open sockets
without the ``socket`` system call). The filter is inherited by every thread (TSYNC) and cannot
be removed by the process.

Where it cannot be installed (not Linux, or libseccomp missing) :func:`deny_network` says why,
and the guard's word ban applies instead (:mod:`hcc_kg.answer.guard`).
"""

from __future__ import annotations

import errno
import signal
import socket
import sys

#: the signal the kernel ends a filtered process with when it tries to open a network socket
SIGNAL = getattr(signal, "SIGSYS", None)

_in_force = False
_open = False


def in_force() -> bool:
    """Whether this process runs under the filter (then the guard drops its word ban)."""
    return _in_force


def open_for_tests() -> None:
    """Neither the filter nor the word ban in this process: only an engine started with
    ``network=True`` (the tests' control, and ``hcc-kg query --allow-service``) calls this."""
    global _open
    _open = True


def is_open() -> bool:
    return _open


def deny_network() -> str | None:
    """Install the filter in this process: None once it is in force, else the reason it cannot be
    (the caller then falls back on the word ban)."""
    global _in_force
    if not sys.platform.startswith("linux"):
        return f"seccomp is Linux-only (this is {sys.platform})"
    try:
        import pyseccomp as sc
    except (ImportError, RuntimeError, OSError) as err:  # RuntimeError: libseccomp not found
        return f"libseccomp is not available ({err})"
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an engine ended by the filter writes no core file
    try:
        rules = sc.SyscallFilter(sc.ALLOW)
        rules.set_attr(sc.Attr.CTL_TSYNC, 1)
        rules.add_rule(sc.KILL_PROCESS, "socket", sc.Arg(0, sc.NE, socket.AF_UNIX))
        rules.add_rule(sc.ERRNO(errno.EPERM), "socket", sc.Arg(0, sc.EQ, socket.AF_UNIX))
        rules.add_rule(sc.ERRNO(errno.ENOSYS), "io_uring_setup")
        rules.load()
    except OSError as err:  # a kernel without seccomp, or a libseccomp that does not know a call
        return f"the seccomp filter could not be loaded ({err})"
    _in_force = True
    return None
