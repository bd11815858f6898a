"""Handles the pytest fixtures yield: the fake's Python API plus ready clients."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from mock_server.config import FakeConfig
from mock_server.fake import Fake
from mock_server.testing.server import ServerThread
from mock_server.testing.transport import AsyncStreamingTransport, StreamingTransport

BASE_URL = "http://nemo-fake.local"


class FakeHandle:
    """`nemo_fake`: reset, advance, faults, journal, configure — and `client`/`async_client`."""

    def __init__(self, fake: Fake, base_url: str = BASE_URL) -> None:
        self.fake = fake
        self.base_url = base_url
        self._client: httpx.Client | None = None

    @classmethod
    def create(cls, config: dict[str, Any], data_dir: Path) -> FakeHandle:
        return cls(Fake(FakeConfig.model_validate({**config, "data_dir": str(data_dir)})))

    # the fake's Python API, forwarded
    @property
    def config(self) -> FakeConfig:
        return self.fake.config

    @property
    def clock(self) -> Any:
        return self.fake.clock

    @property
    def faults(self) -> Any:
        return self.fake.faults

    @property
    def journal(self) -> Any:
        return self.fake.journal

    @property
    def app(self) -> Any:
        return self.fake.app

    def advance(self, seconds: float) -> float:
        return self.fake.advance(seconds)

    def reset(self, seed: int | None = None) -> None:
        self.fake.reset(seed=seed)

    def configure(self, **changes: Any) -> FakeConfig:
        return self.fake.configure(**changes)

    def transport(self) -> httpx.BaseTransport:
        return StreamingTransport(self.fake.app)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        return AsyncStreamingTransport(self.fake.app)

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                transport=self.transport(), base_url=self.base_url, timeout=30
            )
        return self._client

    def async_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=self.async_transport(), base_url=self.base_url, timeout=30
        )

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self.fake.close()


class ServerHandle(FakeHandle):
    """`nemo_fake_server`: the same API, and `url` of a real loopback socket."""

    def __init__(self, fake: Fake, server: ServerThread) -> None:
        super().__init__(fake, server.url)
        self.server = server

    @classmethod
    def create(cls, config: dict[str, Any], data_dir: Path) -> ServerHandle:
        fake = Fake(FakeConfig.model_validate({**config, "data_dir": str(data_dir)}))
        server = ServerThread(fake.app)
        server.start()
        return cls(fake, server)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(base_url=self.url, timeout=30)
        return self._client

    def async_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=30)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        self.server.stop()
        self.fake.close()
