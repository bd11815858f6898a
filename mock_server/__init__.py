"""nemo-fake: a faithful local fake of the NemoVideo API."""

from mock_server.config import FakeConfig

__version__ = "0.1.0"

__all__ = ["FakeConfig", "__version__", "create_app"]


def __getattr__(name: str) -> object:
    # create_app pulls in FastAPI; keep `import mock_server` cheap for the domain-only users.
    if name == "create_app":
        from mock_server.app import create_app

        return create_app
    raise AttributeError(name)
