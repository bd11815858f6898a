"""`nemo-fake serve --workers N`: N processes on one listening socket and one shared
store. uvicorn's supervisor starts each worker, which builds its own `Fake` here from the
configuration the parent resolved (`config.worker_config`: uvicorn's factories take no
arguments)."""

from __future__ import annotations

from starlette.types import ASGIApp

from mock_server.app import build_app
from mock_server.config import worker_config
from mock_server.fake import Fake


def app() -> ASGIApp:
    return build_app(Fake(worker_config()))
