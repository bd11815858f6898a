"""The domain facade: one object holding the services, used by the HTTP layer, the agent
and the Python API alike. The store's lock serialises state changes, so a test thread
driving the Python API and the server's event loop never race."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from mock_server.clock import Clock
from mock_server.config import FakeConfig
from mock_server.domain.accounts import Accounts
from mock_server.domain.context import Context
from mock_server.domain.credits import Ledger
from mock_server.domain.renders import RenderBackend, Renders
from mock_server.domain.sessions import Sessions
from mock_server.domain.store import MemoryStore, Store
from mock_server.domain.uploads import Prober, Uploads


class NemoService:
    def __init__(
        self,
        config: FakeConfig,
        clock: Clock,
        data_dir: Path,
        probe: Prober,
        backend: RenderBackend,
        store: Store | None = None,
    ) -> None:
        self.ctx = Context(
            config=config, clock=clock, store=store or MemoryStore(), data_dir=data_dir
        )
        self.accounts = Accounts(self.ctx)
        self.ledger = Ledger(self.ctx)
        self.sessions = Sessions(self.ctx)
        self.uploads = Uploads(self.ctx, probe)
        self.renders = Renders(self.ctx, self.sessions, backend)

    @property
    def lock(self) -> AbstractContextManager[Any]:
        return self.ctx.store.lock

    @property
    def config(self) -> FakeConfig:
        return self.ctx.config

    @property
    def clock(self) -> Clock:
        return self.ctx.clock

    @property
    def store(self) -> Store:
        return self.ctx.store
