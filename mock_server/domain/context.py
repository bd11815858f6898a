"""What every domain service shares: config, clock, store, data directory, seeded chance."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from mock_server import rng
from mock_server.clock import Clock
from mock_server.config import FakeConfig
from mock_server.domain.store import Store


@dataclass
class Context:
    config: FakeConfig
    clock: Clock
    store: Store
    data_dir: Path

    def rng(self, *scope: object) -> random.Random:
        return rng.derive(self.config.seed, *scope)

    def counted_rng(self, *scope: object) -> random.Random:
        """An RNG for the n-th draw in `scope`: stable however other scopes interleave."""
        n = self.store.next_count(repr(scope))
        return rng.derive(self.config.seed, *scope, n)

    def uniform(self, bounds: tuple[float, float], *scope: object) -> float:
        lo, hi = bounds
        return self.counted_rng(*scope).uniform(lo, hi)
