"""`nemo-fake serve --workers N`: N processes on one listening socket and one shared
store. uvicorn's supervisor starts each worker, which builds its own `Fake` here from the
configuration the parent resolved (passed in the environment, as uvicorn's factories
take no arguments)."""

from __future__ import annotations

import os
from typing import Any

CONFIG_ENV = "NEMO_FAKE_WORKER_CONFIG"


def app() -> Any:
    from mock_server.config import FakeConfig
    from mock_server.fake import Fake

    config = FakeConfig.model_validate_json(os.environ[CONFIG_ENV])
    return Fake(config).app


def serve(config_json: str, sock: Any, workers: int, log_level: str, access_log: bool) -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    os.environ[CONFIG_ENV] = config_json
    uv = uvicorn.Config(
        f"{__name__}:app",
        factory=True,
        workers=workers,
        log_level=log_level,
        lifespan="off",
        access_log=access_log,
    )
    Multiprocess(uv, sockets=[sock]).run()
