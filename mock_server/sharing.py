"""What workers on one shared store (SQLite, Redis) share besides the domain's records:
the configuration, the faults (with their use counts), the clock and the journal.

A worker `push`es after every admin change (and after a fault fires) and `pull`s before
every request: one read of one stored blob, applied only when it differs from the last
one seen. The journal is an append-only log in the store, so `/_fake/requests` on any
worker lists every worker's requests, in the order they finished.
"""

from __future__ import annotations

import json
import threading
import time
from typing import TYPE_CHECKING, Any

from mock_server.faults import Fault, Faults, FaultSpec
from mock_server.journal import Journal, JournalEntry

if TYPE_CHECKING:
    from mock_server.domain.stores.shared import SharedStore
    from mock_server.fake import Fake

ADMIN = "admin"
JOURNAL = "journal"


class Sharing:
    def __init__(self, fake: Fake, store: SharedStore) -> None:
        self.fake = fake
        self.store = store
        self._seen: bytes | None = None
        self._lock = threading.Lock()

    def snapshot(self) -> bytes:
        fake = self.fake
        clock = fake.clock
        state = {
            "config": fake.config.model_dump(mode="json"),
            "faults": [
                {"id": f.id, "spec": f.spec.model_dump(), "matched": f.matched, "fired": f.fired}
                for f in fake.faults.list()
            ],
            "fault_count": fake.faults.count,
            "clock": {
                "mode": clock.mode,
                "time_scale": clock.time_scale,
                "now": clock.now(),
                "wall": time.time(),  # other hosts move a running clock on from here
            },
        }
        return json.dumps(state, sort_keys=True).encode()

    def push(self) -> None:
        with self._lock:
            blob = self.snapshot()
            self.store.put_meta(ADMIN, blob)
            self._seen = blob

    def pull(self) -> None:
        blob = self.store.meta(ADMIN)
        with self._lock:
            if blob is None:
                if self._seen is None:  # the first worker on an empty store publishes
                    blob = self.snapshot()
                    self.store.put_meta(ADMIN, blob)
                    self._seen = blob
                return
            if blob == self._seen:
                return
            self._seen = blob
        self._apply(json.loads(blob))

    def _apply(self, state: dict[str, Any]) -> None:
        from mock_server.config import FakeConfig

        fake = self.fake
        config = FakeConfig.model_validate(state["config"])
        if config != fake.config:
            fake.config = config
            fake.service.ctx.config = config
            fake.faults.seed = config.seed
        fake.faults.replace(
            [
                Fault(
                    id=f["id"],
                    spec=FaultSpec.model_validate(f["spec"]),
                    matched=f["matched"],
                    fired=f["fired"],
                )
                for f in state["faults"]
            ],
            count=state["fault_count"],
        )
        clock = state["clock"]
        now = clock["now"]
        if clock["mode"] != "manual":
            now += max(0.0, time.time() - clock["wall"]) / clock["time_scale"]
        fake.clock.reconfigure(clock["mode"], clock["time_scale"], now)


class SharedFaults(Faults):
    """Faults whose list and use counts live in the shared store (a fault set on one
    worker fires once, on whichever worker sees the next matching request)."""

    def __init__(self, seed: int, sharing: Sharing) -> None:
        super().__init__(seed)
        self.sharing = sharing

    def _changed(self) -> None:
        self.sharing.push()

    def take(self, method: str, path: str) -> Fault | None:
        if not self._faults:
            return None
        with self.sharing.store.lock:
            self.sharing.pull()
            before = [(f.matched, f.fired) for f in self._faults]
            fault = super().take(method, path)
            if [(f.matched, f.fired) for f in self._faults] != before:
                self.sharing.push()
            return fault


class SharedJournal(Journal):
    """Entries are written to the store's log when their response is complete; reads
    list every worker's entries."""

    def __init__(self, store: SharedStore, capacity: int = 10_000) -> None:
        super().__init__(capacity)
        self.store = store
        self._cleared_at = 0

    def done(self, entry: JournalEntry) -> None:
        self.store.append(JOURNAL, json.dumps(entry.to_dict(), default=str).encode())

    def clear(self) -> None:
        super().clear()
        latest = self.store.tail(JOURNAL, self._cleared_at)
        self._cleared_at = latest[-1][0] if latest else self._cleared_at
        self.store.put_meta("journal_cleared", str(self._cleared_at).encode())

    def entries(
        self, method: str | None = None, path: str | None = None, limit: int | None = None
    ) -> list[JournalEntry]:
        cleared = self.store.meta("journal_cleared")
        after = int(cleared) if cleared else 0
        found = []
        for seq, blob in self.store.tail(JOURNAL, after):
            entry = JournalEntry.from_dict({**json.loads(blob), "seq": seq})
            if self._matches(entry, method, path):
                found.append(entry)
        return found[-limit:] if limit else found

    def __len__(self) -> int:
        return len(self.entries())
