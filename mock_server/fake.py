"""The core's façade: everything the admin API does, as methods. It knows no wire;
`mock_server.app.build_app(fake)` composes the ASGI app around it.

fake = Fake(FakeConfig(clock="manual", seed=7))
app = build_app(fake)             # ASGI app for uvicorn or an in-process transport
fake.advance(120); fake.faults.add(path="/run_sse", error_code=1001)
fake.journal.entries(path="/run_sse")
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mock_server.assets import Assets
from mock_server.clock import Clock, iso
from mock_server.config import FakeConfig
from mock_server.domain.model import Account, Token
from mock_server.domain.renders import RenderBackend
from mock_server.domain.service import NemoService
from mock_server.domain.stores import default_data_dir, open_store
from mock_server.domain.stores.shared import SharedStore
from mock_server.domain.uploads import Probed
from mock_server.faults import Faults
from mock_server.journal import Exchange, Journal
from mock_server.render_backend import MediaRenderBackend
from mock_server.sharing import SharedFaults, SharedJournal, Sharing

FROZEN_KEYS = {"data_dir", "store"}


class Fake:
    def __init__(self, config: FakeConfig | None = None) -> None:
        self.config = config or FakeConfig()
        self.store = open_store(self.config.store)
        default_dir = default_data_dir(self.config.store)
        self._own_data_dir = self.config.data_dir is None and default_dir is None
        self.data_dir = Path(
            self.config.data_dir or default_dir or tempfile.mkdtemp(prefix="nemo-fake-")
        )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.clock = Clock(self.config.clock_mode, self.config.time_scale, self.config.start_time)
        self.sharing: Sharing | None = None
        if isinstance(self.store, SharedStore):
            self.sharing = Sharing(self, self.store)
            self.journal: Journal = SharedJournal(self.store)
        else:
            self.journal = Journal()
        self.faults = self._new_faults()
        self.service = self._new_service()
        if self.sharing is not None:
            self.sharing.join()  # go on from what the store remembers
        # Callables given every complete response (e.g. a contract checker in tests).
        self.observers: list[Callable[[Exchange], None]] = []

    # --- wiring
    def _new_faults(self) -> Faults:
        if self.sharing is not None:
            return SharedFaults(self.config.seed, self.sharing)
        return Faults(self.config.seed)

    def _new_service(self) -> NemoService:
        self.assets = Assets(self.store, max_side=self.config.media_max_side)
        return NemoService(
            self.config, self.clock, self.data_dir, _probe, self._backend(), self.store
        )

    def sync(self) -> None:
        """Take up what other workers changed (config, faults, clock); a no-op in memory."""
        if self.sharing is not None:
            self.sharing.pull()

    def _publish(self) -> None:
        if self.sharing is not None:
            self.sharing.push()

    def _backend(self) -> RenderBackend:
        out_dir, max_side = self.data_dir / "renders", self.config.media_max_side
        if isinstance(self.store, SharedStore):
            from mock_server.shared_renders import SharedRenderBackend

            return SharedRenderBackend(
                self.assets,
                out_dir,
                self.store,
                lambda: self.config.worker_stale_seconds,
                max_side=max_side,
            )
        return MediaRenderBackend(self.assets, out_dir, max_side=max_side)

    # --- admin operations
    def reset(self, seed: int | None = None) -> None:
        with self.service.lock:
            if seed is not None:
                self.config = self.config.patched({"seed": seed})
            self._close_workers()
            self.journal.clear()
            self.store.clear()
            self.faults = self._new_faults()
            for child in ("media", "renders", "tmp"):
                shutil.rmtree(self.data_dir / child, ignore_errors=True)
            self.clock.reconfigure(
                self.config.clock_mode, self.config.time_scale, self.config.start_time
            )
            self.service = self._new_service()
            self._publish()

    def configure(self, **changes: Any) -> FakeConfig:
        frozen = FROZEN_KEYS & changes.keys()
        if frozen:
            raise ValueError(
                f"{', '.join(sorted(frozen))} cannot change at run time; restart the fake"
            )
        new = self.config.patched(changes)
        with self.service.lock:
            self.config = new
            self.service.ctx.config = new
            self.faults.seed = new.seed
            if {"clock", "time_scale", "start_time"} & changes.keys():
                self.clock.reconfigure(new.clock_mode, new.time_scale, changes.get("start_time"))
            self._publish()
        return new

    def advance(self, seconds: float) -> float:
        if self.sharing is None:
            return self.clock.advance(seconds)
        with self.service.lock:
            self.sync()
            now = self.clock.advance(seconds)
            self._publish()
        self.sharing.land_due()  # what is due here lands before advance() returns
        return now

    def clock_info(self) -> dict[str, Any]:
        now = self.clock.now()
        return {
            "mode": self.clock.mode,
            "time_scale": self.clock.time_scale,
            "now": now,
            "now_iso": iso(now),
        }

    def mint_account(self, **spec: Any) -> tuple[Token, Account]:
        with self.service.lock:
            return self.service.accounts.mint(**spec)

    def _close_workers(self) -> None:
        self.service.renders.backend.close()
        self.assets.close()

    def close(self) -> None:
        self._close_workers()
        if self.sharing is not None:
            self.sharing.close()
        self.store.close()
        if self._own_data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def _probe(path: Path, filename: str) -> Probed:
    """mock_server.media.probe.probe, imported on the first upload: PyAV, numpy and Pillow
    stay out of the fake's start-up."""
    from mock_server.media.probe import probe

    return probe(path, filename)
