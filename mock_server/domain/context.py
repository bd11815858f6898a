"""What every domain service shares: config, clock, store, data directory, seeded chance."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
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
    # the key of every secret draw when they must not follow from the seed (a shared host)
    host_secret: int = field(default_factory=lambda: secrets.randbits(128), repr=False)

    def rng(self, *scope: object) -> random.Random:
        return rng.derive(self.config.seed, *scope)

    def secret_rng(self, *scope: object, counted: bool = True) -> random.Random:
        """An RNG for tokens and unguessable ids: from the seed in `deterministic_tokens`
        mode (reproducible tests), else from a key the process drew at start."""
        key = self.config.seed if self.config.seeded_secrets else self.host_secret
        n = self.store.next_count(repr(("secret", *scope))) if counted else 0
        return rng.derive(key, "secret", *scope, n)

    def counted_rng(self, *scope: object) -> random.Random:
        """An RNG for the n-th draw in `scope`: stable however other scopes interleave."""
        n = self.store.next_count(repr(scope))
        return rng.derive(self.config.seed, *scope, n)

    def uniform(self, bounds: tuple[float, float], *scope: object) -> float:
        lo, hi = bounds
        return self.counted_rng(*scope).uniform(lo, hi)
