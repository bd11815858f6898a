"""The Redis backend: shared by several processes and hosts. Keys live under one prefix
(`nf:` by default) so a reset never touches another application's keys; the
cross-process lock is redis-py's `Lock` (SET NX with a timeout, released by token)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mock_server.domain.stores.shared import Backend

LOCK_TIMEOUT = 30.0
LOG_CAPACITY = 10_000  # the journal keeps this many entries, as the in-memory one does  # a worker killed while holding the lock frees it after this long


class RedisBackend(Backend):
    def __init__(self, url: str, prefix: str = "nf:") -> None:
        import redis

        self.client: Any = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
        self.client.ping()  # fail at start-up, with the URL's error, not on the first request
        self.p = prefix

    @contextmanager
    def locked(self) -> Iterator[None]:
        lock = self.client.lock(
            f"{self.p}lock", timeout=LOCK_TIMEOUT, blocking_timeout=LOCK_TIMEOUT * 2
        )
        if not lock.acquire():
            raise TimeoutError("the store's lock stayed taken for 60 s")
        try:
            yield
        finally:
            try:
                lock.release()
            except Exception:  # expired while held (a paused process): nothing to free
                pass

    def get(self, kind: str, key: str) -> bytes | None:
        blob: bytes | None = self.client.get(f"{self.p}r:{kind}:{key}")
        return blob

    def put(self, kind: str, key: str, blob: bytes) -> None:
        self.client.set(f"{self.p}r:{kind}:{key}", blob)

    def index_add(self, index: str, member: str) -> None:
        # a sorted set scored by insertion count keeps the order sessions were created in
        key = f"{self.p}i:{index}"
        self.client.zadd(key, {member: self.client.zcard(key)}, nx=True)

    def index_remove(self, index: str, member: str) -> None:
        self.client.zrem(f"{self.p}i:{index}", member)

    def index(self, index: str) -> list[str]:
        return [m.decode() for m in self.client.zrange(f"{self.p}i:{index}", 0, -1)]

    def hit(self, key: str, at: float) -> None:
        self.client.rpush(f"{self.p}h:{key}", repr(at))

    def hits(self, key: str) -> list[float]:
        return [float(v) for v in self.client.lrange(f"{self.p}h:{key}", 0, -1)]

    def incr(self, scope: str) -> int:
        return int(self.client.hincrby(f"{self.p}counters", scope, 1))

    def meta(self, name: str) -> bytes | None:
        blob: bytes | None = self.client.get(f"{self.p}m:{name}")
        return blob

    def put_meta(self, name: str, blob: bytes) -> None:
        self.client.set(f"{self.p}m:{name}", blob)

    def append(self, log: str, blob: bytes) -> int:
        seq = int(self.client.hincrby(f"{self.p}counters", f"log:{log}", 1))
        key = f"{self.p}l:{log}"
        pipe = self.client.pipeline()
        pipe.zadd(key, {seq.to_bytes(8, "big") + blob: seq})
        pipe.zremrangebyrank(key, 0, -LOG_CAPACITY - 1)
        pipe.execute()
        return seq

    def tail(self, log: str, after: int = 0) -> list[tuple[int, bytes]]:
        items = self.client.zrangebyscore(f"{self.p}l:{log}", f"({after}", "+inf")
        return [(int.from_bytes(b[:8], "big"), bytes(b[8:])) for b in items]

    def clear(self) -> None:
        # a reset starts the seeded ids over, as the memory store does (a restart does not)
        keep = {f"{self.p}lock".encode()}
        batch = [k for k in self.client.scan_iter(match=f"{self.p}*", count=500) if k not in keep]
        for i in range(0, len(batch), 500):
            self.client.delete(*batch[i : i + 500])

    def close(self) -> None:
        self.client.close()
