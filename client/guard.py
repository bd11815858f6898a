"""In-process guard: at most one running turn per (API, session).

Re-sending while a generation runs creates duplicates and double-charges (documented),
so a second message into a busy session raises instead of being sent. Shared by every
client in the process (sync and async alike) unless a test injects its own.
"""

from __future__ import annotations

import threading

from .errors import TurnInProgress


class TurnGuard:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[tuple[str, str]] = set()

    def acquire(self, api_url: str, session_id: str) -> None:
        key = (api_url, session_id)
        with self._lock:
            if key in self._running:
                raise TurnInProgress(
                    f"A turn is already running in session {session_id}; "
                    "wait for it to finish before sending another message"
                )
            self._running.add(key)

    def release(self, api_url: str, session_id: str) -> None:
        with self._lock:
            self._running.discard((api_url, session_id))

    def busy(self, api_url: str, session_id: str) -> bool:
        with self._lock:
            return (api_url, session_id) in self._running


DEFAULT_GUARD = TurnGuard()
