"""Where state lives, chosen by a URL: `memory://` (the embedded default: one process),
`sqlite:///path/fake.db` (survives restarts; several workers on one host),
`redis://host:port/db` (several workers and hosts)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from mock_server.domain.store import MemoryStore, Store

SCHEMES = ("memory", "sqlite", "redis", "rediss")


def sqlite_path(url: str) -> str:
    # SQLAlchemy's convention: sqlite:///relative.db, sqlite:////absolute/path.db
    path = url.removeprefix("sqlite:///")
    if path == url or not path.strip("/"):
        raise ValueError("a sqlite store needs a file: sqlite:///fake.db or sqlite:////abs/fake.db")
    return path


def default_data_dir(url: str | None) -> Path | None:
    """Media beside a SQLite file (`fake.db` → `fake.db-data/`), so a restart finds
    the uploads and renders its records point at; other stores: the caller's choice."""
    if url and url.startswith("sqlite:"):
        return Path(f"{sqlite_path(url)}-data")
    return None


def open_store(url: str | None) -> Store:
    if not url or url == "memory://":
        return MemoryStore()
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        from mock_server.domain.stores.shared import SharedStore
        from mock_server.domain.stores.sqlite import SqliteBackend

        return SharedStore(SqliteBackend(sqlite_path(url)))
    if scheme in ("redis", "rediss"):
        from mock_server.domain.stores.redis import RedisBackend
        from mock_server.domain.stores.shared import SharedStore

        return SharedStore(RedisBackend(url))
    raise ValueError(f"store URL must start with one of {', '.join(s + '://' for s in SCHEMES)}")
