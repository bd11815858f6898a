"""Where state lives, chosen by a URL: `memory://` (the embedded default: one process),
`sqlite:///path/fake.db` (survives restarts; several workers on one host),
`redis://host:port/db` (several workers and hosts)."""

from __future__ import annotations

from urllib.parse import urlsplit

from mock_server.domain.store import MemoryStore, Store

SCHEMES = ("memory", "sqlite", "redis", "rediss")


def open_store(url: str | None) -> Store:
    if not url or url == "memory://":
        return MemoryStore()
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        from mock_server.domain.stores.shared import SharedStore
        from mock_server.domain.stores.sqlite import SqliteBackend

        # SQLAlchemy's convention: sqlite:///relative.db, sqlite:////absolute/path.db
        path = url.removeprefix("sqlite:///")
        if path == url or not path.strip("/"):
            raise ValueError("a sqlite store needs a file: sqlite:///fake.db or sqlite:////abs/fake.db")
        return SharedStore(SqliteBackend(path))
    if scheme in ("redis", "rediss"):
        from mock_server.domain.stores.redis import RedisBackend
        from mock_server.domain.stores.shared import SharedStore

        return SharedStore(RedisBackend(url))
    raise ValueError(f"store URL must start with one of {', '.join(s + '://' for s in SCHEMES)}")
