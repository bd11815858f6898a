"""What workers on one shared store (SQLite, Redis) share besides the domain's records:
the configuration, the faults (with their use counts), the clock and the journal.

A worker `push`es after every admin change (and after a fault fires) and `pull`s before
every request: one read of one stored blob, applied only when it differs from the last
one seen. The journal is an append-only log in the store, so `/_fake/requests` on any
worker lists every worker's requests, in the order they finished.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

from mock_server.config import FakeConfig
from mock_server.domain.model import Session
from mock_server.faults import Fault, Faults, FaultSpec
from mock_server.journal import Journal, JournalEntry

if TYPE_CHECKING:
    from mock_server.domain.stores.shared import SharedStore
    from mock_server.fake import Fake

log = logging.getLogger("nemo_fake.sharing")

ADMIN = "admin"
OWNED = "owned-turns"  # sessions whose running turn some worker lands
JOURNAL = "journal"


RENEW_EVERY = 2.0  # wall seconds between "still alive" claims of running turns
LAND_EVERY = 0.02  # wall seconds between looks for due effects while a turn runs here
IDLE_EVERY = 0.5


class Sharing:
    def __init__(self, fake: Fake, store: SharedStore) -> None:
        self.fake = fake
        self.store = store
        self._seen: bytes | None = None
        self._lock = threading.Lock()
        # Sessions whose running turn was planned here: its effects are closures of this
        # process, so this process lands them at their API time, whether or not the
        # client still reads the stream and whichever worker the client reads from.
        self._owned: dict[str, Session] = {}
        self.owner = uuid.uuid4().hex
        self._renewed = 0.0
        self._stop = threading.Event()
        self._lander = threading.Thread(target=self._land_loop, name="nemo-lander", daemon=True)
        self._lander.start()
        store.on_planned_here = self.own

    def own(self, session: Session) -> None:
        with self._lock:
            known = session.session_id in self._owned
            self._owned[session.session_id] = session
        if not known:
            self._claim(session.session_id)
            self.store.index_add(OWNED, session.session_id)

    def _claim(self, session_id: str, released: bool = False) -> None:
        claim = None if released else {"owner": self.owner, "wall": time.time()}
        self.store.put_meta(f"turn-owner:{session_id}", json.dumps(claim).encode())

    def _done(self, session_id: str) -> None:
        with self._lock:
            self._owned.pop(session_id, None)
        self.store.index_remove(OWNED, session_id)
        self._claim(session_id, released=True)

    def renew(self) -> None:
        """Tell the other workers this one is alive (every few seconds)."""
        with self._lock:
            owned = list(self._owned)
        for session_id in owned:
            self._claim(session_id)
        self._renewed = time.monotonic()

    def reap(self) -> None:
        """Turns whose worker died mid-turn can never land (their effects were closures
        of that process): end them and release the credits they froze, so nothing is
        charged for work that never happened. The session keeps what had landed."""
        stale = self.fake.config.worker_stale_seconds
        service = self.fake.service
        for session_id in self.store.index(OWNED):
            if session_id in self._owned:
                continue
            blob = self.store.meta(f"turn-owner:{session_id}")
            claim = json.loads(blob) if blob else None
            if claim is not None and time.time() - claim["wall"] < stale:
                continue
            with service.lock:
                session = self.store.session(session_id)
                if session is not None:
                    for turn in session.turns:
                        if any(not e.done for e in turn.effects):
                            for effect in turn.effects:
                                effect.done = True
                            for ref in turn.holds:
                                service.ledger.release(ref)
                            turn.ends_at = min(turn.ends_at, self.fake.clock.now())
                    self.store.put_session(session)
                self.store.index_remove(OWNED, session_id)

    def land_due(self) -> None:
        """Apply every due effect of the turns planned here (and forget finished ones)."""
        with self._lock:
            owned = list(self._owned.values())
        if not owned:
            return
        self.pull()  # the clock may have moved on another worker
        service = self.fake.service
        with service.lock:
            for session in owned:
                service.sessions.apply_due(session)
                if all(e.done for t in session.turns for e in t.effects):
                    self._done(session.session_id)

    def _land_loop(self) -> None:
        while not self._stop.wait(LAND_EVERY if self._owned else IDLE_EVERY):
            try:
                self.land_due()
                if time.monotonic() - self._renewed >= RENEW_EVERY:
                    self.renew()
                    self.reap()
            except Exception:  # the store is unreachable for now: try again next time
                log.exception("landing a turn's effects failed")

    def close(self) -> None:
        """Stop landing; a turn this worker still owned is reaped by the next one."""
        self._stop.set()
        self._lander.join(timeout=5)
        with self._lock:
            owned = list(self._owned)
        for session_id in owned:
            try:
                self._claim(session_id, released=True)
            except Exception:  # the store is gone too: the claim goes stale instead
                pass

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

    def join(self) -> None:
        """On start: keep what the store remembers of time and faults (a restart goes on
        where it stopped), and publish this process's configuration (what you start
        with is what you get; PATCH /_fake/config changes it for every worker)."""
        blob = self.store.meta(ADMIN)
        if blob is not None:
            state = json.loads(blob)
            state["config"] = self.fake.config.model_dump(mode="json")
            self._apply(state)
        self.push()

    def _apply(self, state: dict[str, Any]) -> None:
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
        # API time never runs backwards, whatever the mode (a restart may change it)
        fake.clock.reconfigure(config.clock_mode, config.time_scale, max(now, fake.clock.now()))


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
        # a stream's frames too (not part of /_fake/requests): the inspector draws turns from them
        record = {**entry.to_dict(), "frames": entry.frames}
        self.store.append(JOURNAL, json.dumps(record, default=str).encode())

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
