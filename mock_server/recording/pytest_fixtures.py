"""The `nemo_replay` pytest fixture (registered by the nemo_fake pytest plugin).

    def test_my_client(nemo_replay):
        replay = nemo_replay("fixtures/cassettes/seed_flow.json")
        r = replay.client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "x"})
        assert not replay.misses

`replay.client` is an httpx.Client on the in-process streaming transport (no socket);
`replay.url` starts a real uvicorn server on 127.0.0.1 the first time it is read (for
clients that take a base URL); `replay.misses` lists the near-miss reports of requests
the cassette did not hold. Everything is stopped when the test ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server.recording.cassette import Cassette
from mock_server.recording.replay import ReplayApp
from mock_server.testing.server import ServerThread
from mock_server.testing.transport import StreamingTransport

IN_PROCESS_BASE = "http://replay.local"


class ReplaySession:
    def __init__(self, app: ReplayApp) -> None:
        self.app = app
        self._transport: StreamingTransport | None = None
        self._client: httpx.Client | None = None
        self._server: ServerThread | None = None

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._transport = StreamingTransport(self.app)
            self._client = httpx.Client(
                transport=self._transport, base_url=IN_PROCESS_BASE, timeout=30
            )
        return self._client

    @property
    def url(self) -> str:
        if self._server is None:
            self._server = ServerThread(self.app)
            self._server.start()
        return self._server.url

    @property
    def misses(self) -> list[dict[str, Any]]:
        return self.app.misses

    @property
    def unused(self) -> list[int]:
        return self.app.unused

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        if self._server is not None:
            self._server.stop()
            self._server = None


@pytest.fixture
def nemo_replay() -> Iterator[Callable[..., ReplaySession]]:
    """`nemo_replay(path, speed=0, media_dirs=())` -> a ReplaySession, closed after the test."""
    sessions: list[ReplaySession] = []

    def open_replay(
        cassette: Cassette | str | Path, speed: float = 0.0, media_dirs: Iterable[str | Path] = ()
    ) -> ReplaySession:
        session = ReplaySession(ReplayApp(cassette, speed=speed, media_dirs=media_dirs))
        sessions.append(session)
        return session

    yield open_replay
    for session in sessions:
        session.close()
