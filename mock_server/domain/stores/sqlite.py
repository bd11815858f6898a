"""The SQLite backend: one file (WAL mode) that survives restarts and serves every
worker on one host; the cross-process lock is an advisory `flock` on `<db>.lock`."""

from __future__ import annotations

import fcntl
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mock_server.domain.stores.shared import Backend

LOG_CAPACITY = 10_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (kind TEXT, key TEXT, blob BLOB, PRIMARY KEY (kind, key));
CREATE TABLE IF NOT EXISTS members (idx TEXT, member TEXT, PRIMARY KEY (idx, member));
CREATE TABLE IF NOT EXISTS hits (key TEXT, at REAL);
CREATE INDEX IF NOT EXISTS hits_key ON hits (key);
CREATE TABLE IF NOT EXISTS counters (scope TEXT PRIMARY KEY, n INTEGER);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, blob BLOB);
CREATE TABLE IF NOT EXISTS logs (seq INTEGER PRIMARY KEY AUTOINCREMENT, log TEXT, blob BLOB);
"""


class SqliteBackend(Backend):
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._conns_guard = threading.Lock()
        self._lockfile = open(f"{self.path}.lock", "a+b")  # noqa: SIM115 - held for life
        self._thread_lock = threading.Lock()  # flock is per open file, not per thread
        with self.locked():
            self._db.executescript(SCHEMA)

    @property
    def _db(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # autocommit: each statement is its own transaction; atomicity across several
            # statements comes from `locked()`, which every writer holds.
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=10000")
            self._local.conn = conn
            with self._conns_guard:
                self._conns.append(conn)
        return conn

    @contextmanager
    def locked(self) -> Iterator[None]:
        with self._thread_lock:
            fcntl.flock(self._lockfile.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._lockfile.fileno(), fcntl.LOCK_UN)

    def get(self, kind: str, key: str) -> bytes | None:
        row = self._db.execute(
            "SELECT blob FROM records WHERE kind=? AND key=?", (kind, key)
        ).fetchone()
        return None if row is None else bytes(row[0])

    def put(self, kind: str, key: str, blob: bytes) -> None:
        self._db.execute(
            "INSERT INTO records VALUES (?,?,?) ON CONFLICT (kind, key) DO UPDATE SET blob=excluded.blob",
            (kind, key, blob),
        )

    def index_add(self, index: str, member: str) -> None:
        self._db.execute("INSERT OR IGNORE INTO members VALUES (?,?)", (index, member))

    def index_remove(self, index: str, member: str) -> None:
        self._db.execute("DELETE FROM members WHERE idx=? AND member=?", (index, member))

    def index(self, index: str) -> list[str]:
        rows = self._db.execute("SELECT member FROM members WHERE idx=? ORDER BY rowid", (index,))
        return [r[0] for r in rows]

    def hit(self, key: str, at: float) -> None:
        self._db.execute("INSERT INTO hits VALUES (?,?)", (key, at))

    def hits(self, key: str) -> list[float]:
        return [r[0] for r in self._db.execute("SELECT at FROM hits WHERE key=?", (key,))]

    def incr(self, scope: str) -> int:
        row = self._db.execute(
            "INSERT INTO counters VALUES (?,1) ON CONFLICT (scope) DO UPDATE SET n=n+1 RETURNING n",
            (scope,),
        ).fetchone()
        return int(row[0])

    def meta(self, name: str) -> bytes | None:
        row = self._db.execute("SELECT blob FROM meta WHERE name=?", (name,)).fetchone()
        return None if row is None else bytes(row[0])

    def put_meta(self, name: str, blob: bytes) -> None:
        self._db.execute(
            "INSERT INTO meta VALUES (?,?) ON CONFLICT (name) DO UPDATE SET blob=excluded.blob",
            (name, blob),
        )

    def append(self, log: str, blob: bytes) -> int:
        cur = self._db.execute("INSERT INTO logs (log, blob) VALUES (?,?)", (log, blob))
        seq = int(cur.lastrowid or 0)
        if seq % 1000 == 0:  # trim now and then: the journal keeps the last LOG_CAPACITY
            self._db.execute("DELETE FROM logs WHERE log=? AND seq<=?", (log, seq - LOG_CAPACITY))
        return seq

    def tail(self, log: str, after: int = 0) -> list[tuple[int, bytes]]:
        rows = self._db.execute(
            "SELECT seq, blob FROM logs WHERE log=? AND seq>? ORDER BY seq", (log, after)
        )
        return [(int(r[0]), bytes(r[1])) for r in rows]

    def clear(self) -> None:
        # a reset starts the seeded ids over, as the memory store does (a restart does not)
        for table in ("records", "members", "hits", "counters", "meta", "logs"):
            self._db.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        with self._conns_guard:
            for conn in self._conns:
                conn.close()
            self._conns.clear()
        self._lockfile.close()
