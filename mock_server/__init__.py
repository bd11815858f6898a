"""nemo-fake: a faithful local fake of the NemoVideo API.

`mock_server.fake.Fake` is the core's façade; `mock_server.app.build_app(fake)` (or
`create_app(config)`) composes the ASGI app around it.
"""

from mock_server.config import FakeConfig

__version__ = "0.1.0"

__all__ = ["FakeConfig", "__version__"]
