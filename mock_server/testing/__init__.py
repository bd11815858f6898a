"""Test support: in-process streaming transports, a uvicorn server runner, the pytest plugin."""

# Imported before any fake runs in a test: the fake's media threads import numpy lazily,
# and code that inspects sys.modules["numpy"] meanwhile (hypothesis does, on every
# sampled_from) finds it half-initialised and fails.
import numpy  # noqa: F401

from mock_server.testing.server import ServerThread
from mock_server.testing.transport import AsyncStreamingTransport, StreamingTransport

__all__ = ["AsyncStreamingTransport", "ServerThread", "StreamingTransport"]
