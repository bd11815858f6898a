"""A store whose records live outside the process (SQLite file, Redis server), shared by
every worker that opens the same URL.

Each process keeps an identity map: the object it handed out for a key stays the object
it hands out, refreshed in place when another process changed the stored copy. The
agent's scheduled effects hold live objects, so they act on current state wherever the
change came from. Every change is written through under `lock`, which is held across
processes, so a read-modify-write (credits, rate limits, ids) is atomic for all workers.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from mock_server.domain import codec
from mock_server.domain.model import Account, Hold, MediaFile, Render, Session, Token
from mock_server.domain.store import Store


class Backend(ABC):
    """The few primitives a shared store needs; one implementation per server kind."""

    @abstractmethod
    def get(self, kind: str, key: str) -> bytes | None: ...
    @abstractmethod
    def put(self, kind: str, key: str, blob: bytes) -> None: ...
    @abstractmethod
    def index_add(self, index: str, member: str) -> None: ...
    @abstractmethod
    def index_remove(self, index: str, member: str) -> None: ...
    @abstractmethod
    def index(self, index: str) -> list[str]: ...
    @abstractmethod
    def hit(self, key: str, at: float) -> None: ...
    @abstractmethod
    def hits(self, key: str) -> list[float]: ...
    @abstractmethod
    def incr(self, scope: str) -> int: ...
    @abstractmethod
    def meta(self, name: str) -> bytes | None: ...
    @abstractmethod
    def put_meta(self, name: str, blob: bytes) -> None: ...
    @abstractmethod
    def append(self, log: str, blob: bytes) -> int: ...
    @abstractmethod
    def tail(self, log: str, after: int = 0) -> list[tuple[int, bytes]]: ...
    @abstractmethod
    def clear(self) -> None: ...
    @abstractmethod
    def locked(self) -> AbstractContextManager[None]:
        """Exclusive across processes (not re-entrant: `SharedLock` makes it so)."""

    def close(self) -> None:  # noqa: B027 - optional
        pass


class SharedLock:
    """Re-entrant in this process, exclusive across processes: `with service.lock:` nests
    (a route calls a service that takes it again), the backend's lock is taken once."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._local = threading.RLock()
        self._depth = 0
        self._held: AbstractContextManager[None] | None = None

    @property
    def local(self) -> threading.RLock:
        return self._local

    @property
    def exclusive(self) -> bool:
        """Whether the caller holds the lock across processes (may write)."""
        return self._held is not None and self._local._is_owned()  # type: ignore[attr-defined]

    def __enter__(self) -> SharedLock:
        self._local.acquire()
        if self._depth == 0:
            held = self._backend.locked()
            try:
                held.__enter__()
            except BaseException:
                self._local.release()
                raise
            self._held = held
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        try:
            if self._depth == 0 and self._held is not None:
                held, self._held = self._held, None
                held.__exit__(None, None, None)
        finally:
            self._local.release()


class SharedStore(Store):
    shared = True

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.lock = SharedLock(backend)
        self.read_lock = self.lock.local
        self._live: dict[tuple[str, str], tuple[bytes, Any]] = {}
        self._guard = threading.Lock()
        # Told of each session written with a turn this process planned and has not
        # landed yet (mock_server.sharing lands it, for every worker).
        self.on_planned_here: Callable[[Session], None] | None = None

    # --- the identity map
    def _get(self, kind: str, key: str) -> Any:
        blob = self.backend.get(kind, key)
        with self._guard:
            cached = self._live.get((kind, key))
            if blob is None:
                self._live.pop((kind, key), None)
                return None
            if cached is not None and cached[0] == blob:
                return cached[1]
            fresh = codec.decode(codec.KINDS[kind], blob)
            if cached is None:
                self._live[(kind, key)] = (blob, fresh)
                return fresh
            codec.refresh(cached[1], fresh)
            self._live[(kind, key)] = (blob, cached[1])
            return cached[1]

    def _put(self, kind: str, key: str, record: codec.Record) -> None:
        blob = codec.encode(record)
        self.backend.put(kind, key, blob)
        with self._guard:
            self._live[(kind, key)] = (blob, record)

    def clear(self) -> None:
        self.backend.clear()
        with self._guard:
            self._live.clear()

    def close(self) -> None:
        self.backend.close()

    # --- records
    def put_account(self, account: Account) -> None:
        self._put("account", account.user_id, account)
        self.backend.index_add("accounts", account.user_id)

    def account(self, user_id: str) -> Account | None:
        found: Account | None = self._get("account", user_id)
        return found

    def put_token(self, token: Token) -> None:
        self._put("token", token.value, token)

    def token(self, value: str) -> Token | None:
        found: Token | None = self._get("token", value)
        return found

    def hit(self, key: str, at: float) -> None:
        self.backend.hit(key, at)

    def hits(self, key: str) -> list[float]:
        return self.backend.hits(key)

    def put_hold(self, hold: Hold) -> None:
        self._put("hold", hold.ref, hold)

    def hold(self, ref: str) -> Hold | None:
        found: Hold | None = self._get("hold", ref)
        return found

    def put_session(self, session: Session) -> None:
        self._put("session", session.session_id, session)
        self.backend.index_add(f"sessions:{session.user_id}", session.session_id)
        self.backend.index_add("sessions", session.session_id)
        if self.on_planned_here is not None and codec.planned_here(session):
            self.on_planned_here(session)

    def session(self, session_id: str) -> Session | None:
        found: Session | None = self._get("session", session_id)
        return found

    def sessions_of(self, user_id: str) -> list[Session]:
        found = (self.session(sid) for sid in self.backend.index(f"sessions:{user_id}"))
        return [s for s in found if s is not None and s.user_id == user_id]

    def put_media(self, media: MediaFile) -> None:
        self._put("media", media.media_id, media)

    def media(self, media_id: str) -> MediaFile | None:
        found: MediaFile | None = self._get("media", media_id)
        return found

    def put_render(self, render: Render) -> None:
        key = f"{render.user_id}:{render.render_id}"  # render ids are per user
        self._put("render", key, render)
        self.backend.index_add(f"published:{render.public_key}", key)
        self.backend.index_add("renders", key)

    def render(self, user_id: str, render_id: str) -> Render | None:
        found: Render | None = self._get("render", f"{user_id}:{render_id}")
        return found

    def published_render(self, public_key: str) -> Render | None:
        keys = self.backend.index(f"published:{public_key}")
        found: Render | None = self._get("render", keys[0]) if keys else None
        return found

    # everything, for the inspector (indexes kept by the puts above)
    def all_accounts(self) -> list[Account]:
        return [a for a in map(self.account, self.backend.index("accounts")) if a is not None]

    def all_sessions(self) -> list[Session]:
        return [s for s in map(self.session, self.backend.index("sessions")) if s is not None]

    def all_renders(self) -> list[Render]:
        found = (self._get("render", key) for key in self.backend.index("renders"))
        return [r for r in found if r is not None]

    def next_count(self, scope: str) -> int:
        return self.backend.incr(scope)

    def index_add(self, index: str, member: str) -> None:
        self.backend.index_add(index, member)

    def index_remove(self, index: str, member: str) -> None:
        self.backend.index_remove(index, member)

    def index(self, index: str) -> list[str]:
        return self.backend.index(index)

    # --- what is not a domain record: configuration, faults, clock, journal
    def meta(self, name: str) -> bytes | None:
        return self.backend.meta(name)

    def put_meta(self, name: str, blob: bytes) -> None:
        self.backend.put_meta(name, blob)

    def append(self, log: str, blob: bytes) -> int:
        return self.backend.append(log, blob)

    def tail(self, log: str, after: int = 0) -> list[tuple[int, bytes]]:
        return self.backend.tail(log, after)
