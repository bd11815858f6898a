"""The one Server-Sent Events reader of the tree, sans IO: feed bytes, get messages.

`SSEParser` (incremental) and `messages`/`payloads` (a whole body) read events; `SSEFramer`
splits a byte stream into raw frames for those that must keep the bytes (record/replay).
Every SSE reader in the tree (client, conformance checks, recording, drift, benchmarks)
goes through this module.

Field parsing is httpx-sse's `SSEDecoder`. We do not use its `EventSource.iter_sse`
because (1) it silently drops comment lines (`: keep-alive`), which some proxies use as
heartbeats and which we must see to show "Still working" and to run the heartbeat-only
timeout; (2) it is tied to a live httpx response, while the protocol core is sans-IO and
is fed by two drivers (sync and async). Empty `data:` lines are kept by httpx-sse: they
dispatch a message whose data is "" (we read that as a heartbeat). One quirk corrected:
after an `id:` line httpx-sse turns every later bare blank line into an empty event.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from httpx_sse._decoders import SSEDecoder  # pinned <0.5; the class predates 0.4


@dataclass(frozen=True)
class SSEMessage:
    """One dispatched event (`comment` None) or one comment line (`comment` set)."""

    data: str = ""
    event: str = "message"
    id: str = ""
    comment: str | None = None


class SSEParser:
    def __init__(self) -> None:
        # SSE is always UTF-8 (spec), whatever the Content-Type says.
        self._text = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._fields = SSEDecoder()
        self._pending = ""
        self._trailing_cr = False
        self._fields_seen = False  # any field line since the last dispatch

    def feed(self, chunk: bytes) -> list[SSEMessage]:
        return self._lines(self._text.decode(chunk))

    def close(self) -> list[SSEMessage]:
        """End of stream: flush a last unterminated line and a pending event.

        The spec discards an event not followed by a blank line; we dispatch it, because
        a server that closes right after its last `data:` line meant it (stock ADK ends
        every event with a blank line, so this only matters for sloppy proxies).
        """
        text = self._text.decode(b"", final=True)
        out = self._lines(text)
        if self._pending:
            out += self._line(self._pending)
            self._pending = ""
        return out + self._line("")

    def _lines(self, text: str) -> list[SSEMessage]:
        out: list[SSEMessage] = []
        if self._trailing_cr:
            # A CR ended the previous chunk: an LF opening this one belongs to it.
            self._trailing_cr = False
            if text.startswith("\n"):
                text = text[1:]
        buffer = self._pending + text
        start = 0
        i = 0
        while i < len(buffer):
            char = buffer[i]
            if char in "\r\n":
                out += self._line(buffer[start:i])
                if char == "\r":
                    if i + 1 == len(buffer):
                        self._trailing_cr = True
                    elif buffer[i + 1] == "\n":
                        i += 1
                start = i + 1
            i += 1
        self._pending = buffer[start:]
        return out

    def _line(self, line: str) -> list[SSEMessage]:
        if line.startswith(":"):
            return [SSEMessage(comment=line[1:].lstrip(" "))]
        if not line:
            if not self._fields_seen:
                # httpx-sse dispatches on *every* blank line once an `id:` was seen (the
                # last id persists); the spec dispatches only when fields are buffered.
                return []
            self._fields_seen = False
        else:
            self._fields_seen = True
        sse = self._fields.decode(line)
        if sse is None:
            return []
        return [SSEMessage(data=sse.data, event=sse.event, id=sse.id)]


def messages(body: bytes | str) -> list[SSEMessage]:
    """Every message (events and comments) of a complete SSE body."""
    parser = SSEParser()
    raw = body.encode("utf-8") if isinstance(body, str) else body
    return parser.feed(raw) + parser.close()


def payloads(body: bytes | str) -> list[str]:
    """The `data` of each event of a complete body; blank heartbeats and comments skipped."""
    return [m.data for m in messages(body) if m.comment is None and m.data.replace("\n", "")]


class SSEFramer:
    """Splits a byte stream into raw SSE frames at blank lines; each keeps its terminator,
    so joining them gives back the stream (a recording stores frames byte for byte)."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, chunk: bytes) -> list[bytes]:
        self._buffer += chunk
        frames: list[bytes] = []
        while (cut := _frame_end(self._buffer)) >= 0:
            frames.append(self._buffer[:cut])
            self._buffer = self._buffer[cut:]
        return frames

    def finish(self) -> bytes:
        rest, self._buffer = self._buffer, b""
        return rest


def _frame_end(buffer: bytes) -> int:
    best = -1
    for sep in (b"\n\n", b"\r\n\r\n", b"\r\r"):
        at = buffer.find(sep)
        if at >= 0 and (best < 0 or at + len(sep) < best):
            best = at + len(sep)
    return best


def split_frames(text: str) -> list[str]:
    """A complete SSE text as raw frames (a trailing unterminated frame included)."""
    framer = SSEFramer()
    frames = framer.feed(text.encode("utf-8"))
    rest = framer.finish()
    if rest.strip():
        frames.append(rest)
    return [f.decode("utf-8") for f in frames]


def count_frames(chunk: bytes) -> int:
    """Frames in a chunk of a stream that sends whole frames, each ending in `\\n\\n`
    (the fake's own output: one frame per ASGI body message)."""
    return chunk.count(b"\n\n")
