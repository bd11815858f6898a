"""Wire-protocol helpers shared by the fake (`mock_server`) and the client (`client`).

The fake and the client must not import each other (a fake that shares the client's code
cannot disagree with it, so a bug there would be invisible to every contract test). What
both genuinely need to read or write the same way, and that encodes no business rule of
the API, lives here: SSE reading (`sse`) and secret masking (`secrets`). This package
imports neither side (import-linter contracts in pyproject.toml).
"""
