"""State behind a small interface. In memory is the embedded default; a shared store
(SQLite, Redis) implements the same methods without touching routers or the agent."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import defaultdict
from contextlib import AbstractContextManager
from typing import Any

from mock_server.domain.model import Account, Hold, MediaFile, Render, Session, Token


class Store(ABC):
    # `shared`: other processes see this store's records (SQLite, Redis); then the fake
    # also keeps its configuration, faults, clock and journal in it (stores.shared).
    shared = False
    # Held around every read-modify-write: re-entrant, and across processes when shared.
    lock: AbstractContextManager[Any]
    # Held around reads that change nothing: the same lock in memory; with a shared store
    # only this process's (other workers' writes land whole, so a read never sees half).
    read_lock: AbstractContextManager[Any]

    @abstractmethod
    def clear(self) -> None: ...

    def close(self) -> None:  # noqa: B027 - only stores holding connections need it
        pass

    # accounts and tokens
    @abstractmethod
    def put_account(self, account: Account) -> None: ...
    @abstractmethod
    def account(self, user_id: str) -> Account | None: ...
    @abstractmethod
    def put_token(self, token: Token) -> None: ...
    @abstractmethod
    def token(self, value: str) -> Token | None: ...

    # rate-limit windows: append an event time, list the times under a key
    @abstractmethod
    def hit(self, key: str, at: float) -> None: ...
    @abstractmethod
    def hits(self, key: str) -> list[float]: ...

    # credits holds
    @abstractmethod
    def put_hold(self, hold: Hold) -> None: ...
    @abstractmethod
    def hold(self, ref: str) -> Hold | None: ...

    # sessions, media, renders
    @abstractmethod
    def put_session(self, session: Session) -> None: ...
    @abstractmethod
    def session(self, session_id: str) -> Session | None: ...
    @abstractmethod
    def sessions_of(self, user_id: str) -> list[Session]: ...
    @abstractmethod
    def put_media(self, media: MediaFile) -> None: ...
    @abstractmethod
    def media(self, media_id: str) -> MediaFile | None: ...
    @abstractmethod
    def put_render(self, render: Render) -> None: ...
    @abstractmethod
    def render(self, user_id: str, render_id: str) -> Render | None:
        """Render ids are the client's choice, so each user has their own."""

    @abstractmethod
    def published_render(self, public_key: str) -> Render | None: ...

    # everything, for the inspector's overview (mock_server/inspector)
    @abstractmethod
    def all_accounts(self) -> list[Account]: ...
    @abstractmethod
    def all_sessions(self) -> list[Session]: ...
    @abstractmethod
    def all_renders(self) -> list[Render]: ...

    # per-scope counters, for interleaving-independent id derivation
    @abstractmethod
    def next_count(self, scope: str) -> int: ...


class MemoryStore(Store):
    def __init__(self) -> None:
        self.lock = self.read_lock = threading.RLock()
        self.clear()

    def clear(self) -> None:
        self._accounts: dict[str, Account] = {}
        self._tokens: dict[str, Token] = {}
        self._hits: defaultdict[str, list[float]] = defaultdict(list)
        self._holds: dict[str, Hold] = {}
        self._sessions: dict[str, Session] = {}
        # each user's sessions (a GET of credits settles them all: not a scan of everyone's)
        self._sessions_by_user: defaultdict[str, dict[str, Session]] = defaultdict(dict)
        self._media: dict[str, MediaFile] = {}
        self._renders: dict[tuple[str, str], Render] = {}
        self._published: dict[str, Render] = {}
        self._counters: defaultdict[str, int] = defaultdict(int)

    def put_account(self, account: Account) -> None:
        self._accounts[account.user_id] = account

    def account(self, user_id: str) -> Account | None:
        return self._accounts.get(user_id)

    def put_token(self, token: Token) -> None:
        self._tokens[token.value] = token

    def token(self, value: str) -> Token | None:
        return self._tokens.get(value)

    def hit(self, key: str, at: float) -> None:
        self._hits[key].append(at)

    def hits(self, key: str) -> list[float]:
        return list(self._hits.get(key, ()))

    def put_hold(self, hold: Hold) -> None:
        self._holds[hold.ref] = hold

    def hold(self, ref: str) -> Hold | None:
        return self._holds.get(ref)

    def put_session(self, session: Session) -> None:
        old = self._sessions.get(session.session_id)
        if old is not None and old.user_id != session.user_id:
            del self._sessions_by_user[old.user_id][session.session_id]
        self._sessions[session.session_id] = session
        self._sessions_by_user[session.user_id][session.session_id] = session

    def session(self, session_id: str) -> Session | None:
        return self._sessions.get(session_id)

    def sessions_of(self, user_id: str) -> list[Session]:
        return list(self._sessions_by_user.get(user_id, {}).values())

    def put_media(self, media: MediaFile) -> None:
        self._media[media.media_id] = media

    def media(self, media_id: str) -> MediaFile | None:
        return self._media.get(media_id)

    def put_render(self, render: Render) -> None:
        self._renders[render.user_id, render.render_id] = render
        self._published[render.public_key] = render

    def render(self, user_id: str, render_id: str) -> Render | None:
        return self._renders.get((user_id, render_id))

    def published_render(self, public_key: str) -> Render | None:
        return self._published.get(public_key)

    def all_accounts(self) -> list[Account]:
        return list(self._accounts.values())

    def all_sessions(self) -> list[Session]:
        return list(self._sessions.values())

    def all_renders(self) -> list[Render]:
        return list(self._renders.values())

    def next_count(self, scope: str) -> int:
        self._counters[scope] += 1
        return self._counters[scope]
