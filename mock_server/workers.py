"""`nemo-fake serve --workers N`: N processes on one listening socket and one shared
store. uvicorn's supervisor starts each worker, which builds its own `Fake` here from the
configuration the parent resolved (passed in the environment: uvicorn's factories take
no arguments)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

CONFIG_ENV = "NEMO_FAKE_WORKER_CONFIG"


if TYPE_CHECKING:
    from mock_server.config import FakeConfig


def worker_config() -> FakeConfig:
    """The configuration the supervisor resolved, as this worker finds it."""
    from mock_server.config import FakeConfig

    return FakeConfig.model_validate_json(os.environ[CONFIG_ENV])


def app() -> Any:
    from mock_server.app import build_app
    from mock_server.fake import Fake

    return build_app(Fake(worker_config()))
