"""Checks that a response's JSON is byte for byte what the stdlib encoder writes
(mock_server.compact_json's promise), for every response a test's fake sends."""

from __future__ import annotations

import json

from mock_server.compact_json import stdlib_dumps
from mock_server.journal import Exchange


def stdlib_mismatch(exchange: Exchange) -> str | None:
    """What differs from the stdlib's bytes in this response's JSON (body, or each SSE
    `data:` frame), or None."""
    content_type = exchange.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        texts = [exchange.body]
    elif content_type.startswith("text/event-stream"):
        texts = [
            line[6:]
            for line in exchange.body.split(b"\n")
            if line.startswith(b"data: {") and not line.startswith(b'data: {"error": ')
        ]
    else:
        return None
    for text in texts:
        try:
            value = json.loads(text)
        except ValueError:
            continue  # not JSON at all: nothing an encoder wrote
        if stdlib_dumps(value) != text:
            return f"{exchange.method} {exchange.path}: {text[:200]!r}"
    return None
