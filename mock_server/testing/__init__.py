"""Test support: in-process streaming transports, a uvicorn server runner, the pytest plugin."""

from mock_server.testing.server import ServerThread
from mock_server.testing.transport import AsyncStreamingTransport, StreamingTransport

__all__ = ["AsyncStreamingTransport", "ServerThread", "StreamingTransport"]
