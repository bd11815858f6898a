"""The domain facade: one object holding the services, used by the HTTP layer, the agent
and the Python API alike. The store's lock serialises state changes, so a test thread driving
the Python API, the server's event loop and (with a shared store) other workers never race."""

from __future__ import annotations

from pathlib import Path

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
        store = store or MemoryStore()
        self.lock = store.lock
        self.read_lock = store.read_lock
        self.ctx = Context(config=config, clock=clock, store=store, data_dir=data_dir)
        self.accounts = Accounts(self.ctx)
        self.ledger = Ledger(self.ctx)
        self.sessions = Sessions(self.ctx)
        self.uploads = Uploads(self.ctx, probe)
        self.renders = Renders(self.ctx, self.sessions, backend)

    @property
    def config(self) -> FakeConfig:
        return self.ctx.config

    @property
    def clock(self) -> Clock:
        return self.ctx.clock

    @property
    def store(self) -> Store:
        return self.ctx.store
