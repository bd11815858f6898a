"""The one place a listening socket is made (the CLI's servers, the test server thread,
the benchmarks): bound and listening before anyone is told the URL, so early clients
queue instead of failing."""

from __future__ import annotations

import socket


def listen(host: str, port: int = 0, backlog: int = 2048) -> socket.socket:
    """A TCP socket bound to host:port (0: a free port) and listening; IPv6 when `host`
    has a colon. Raises OSError when the address is taken or not local."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


def url_of(host: str, sock: socket.socket) -> str:
    """`http://host:port` for a socket `listen(host, ...)` made (IPv6 hosts bracketed)."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{sock.getsockname()[1]}"
