"""Replay a cassette: an ASGI app that answers matching requests with the recorded responses.

    app = replay_app("fixtures/cassettes/seed_flow.json", speed=0)
    client = httpx.Client(transport=StreamingTransport(app), base_url="http://replay")

- Matching (see `matching.py`): method + path template + ids consistent with the links
  made so far + key body fields (the message of a /run_sse). Interactions are served in
  recorded order: a request gets the first *unused* interaction that matches, looking
  forward from the last one served, then from the start; when all matching ones are
  used, a GET/HEAD gets the last one again (a client that polls more often than the
  recording did keeps seeing the final state). A HEAD is answered from the matching GET
  without using it up.
- Placeholders are re-linked: a placeholder in a response becomes a stable synthetic value
  in its real format (`<TOKEN_1>` -> `nmv_usr_…`) that is accepted from then on; ids the
  client chose itself (a render id `render_<ts>`) replace the recorded ones in later
  responses; `<BASE_URL_1>` becomes the replay's own base URL.
- SSE events are sent with their recorded gaps divided by `speed` (0: no waiting; events
  due at the same moment go out in one write).
- A request the cassette does not hold gets 404 with the nearest miss and why it missed:
  `{"code":404,"message":"No recorded interaction matches …","nearest":{…,"differences":[…]}}`.
- `GET /_replay/status` lists what was served and missed; `POST /_replay/reset` rewinds.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import threading
import uuid
from collections.abc import Iterable
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import Any

from starlette.types import Receive, Scope, Send

from mock_server.inspector.replay import replay_inspector
from mock_server.recording.capture import RequestCapture, filter_headers, http_only, is_json_type
from mock_server.recording.cassette import Cassette, Interaction, RecordedRequest, parse_query
from mock_server.recording.matching import Links, match
from mock_server.recording.redact import BASE_URL_PLACEHOLDER, PLACEHOLDER_RE, placeholder_kind

ADMIN_PREFIX = "/_replay/"
INSPECTOR_PREFIX = "/_fake/ui"  # the inspector's replay pages (mock_server/inspector/replay.py)
MAX_FILLER = 64 * 1024 * 1024
REPEATABLE = {"GET", "HEAD"}


def synthetic_value(placeholder: str) -> str:
    """A stable stand-in in the real format of what the placeholder replaced."""
    kind = placeholder_kind(placeholder) or "value"
    digest = hashlib.sha256(placeholder.encode()).digest()
    chars = base64.urlsafe_b64encode(digest + hashlib.sha256(digest).digest()).decode().rstrip("=")
    if kind == "token":
        return f"nmv_usr_{chars[:43]}"
    if kind == "claim_token":
        return f"clm_{chars[:32]}"
    if kind == "user_id":
        return f"anon_{digest.hex()[:16]}"
    if kind == "client_id":
        return str(uuid.UUID(bytes=digest[:16]))
    return f"replay_{kind}_{digest.hex()[:16]}"


class Pacer:
    """The clock the replay paces SSE chunks by: the event loop's. A test passes its own
    (a virtual clock whose `sleep` moves time on) to check the pacing without waiting."""

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ReplayApp:
    def __init__(
        self,
        cassette: Cassette | str | Path,
        speed: float = 0.0,
        media_dirs: Iterable[str | Path] = (),
        pacer: Pacer | None = None,
    ) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0 (0: as fast as possible)")
        self.cassette = cassette if isinstance(cassette, Cassette) else Cassette.load(cassette)
        self.speed = speed
        self.pacer = pacer or Pacer()
        self.media_dirs = [Path(d) for d in media_dirs]
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.links = Links()
            self.uses = [0] * len(self.cassette.interactions)
            self.cursor = 0
            self.served: list[dict[str, Any]] = []
            self.misses: list[dict[str, Any]] = []

    @cached_property
    def inspector(self) -> Any:
        return replay_inspector(self)

    @property
    def unused(self) -> list[int]:
        return [i for i, n in enumerate(self.uses) if n == 0]

    # --- matching
    def find(self, live: RecordedRequest) -> tuple[int | None, dict[str, Any] | None]:
        """(index, None) for a match; (None, near-miss report) otherwise. Binds the links."""
        with self._lock:
            interactions = self.cassette.interactions
            head = live.method == "HEAD"
            # Forward from the last interaction served, then from the start: after a turn,
            # a state request gets the state recorded after that turn, not a skipped one.
            order = [*range(self.cursor, len(interactions)), *range(self.cursor)]
            for i in order:
                interaction = interactions[i]
                if self.uses[i]:
                    continue
                result = match(interaction.request, live, self.links)
                if not result.ok and head and interaction.request.method == "GET":
                    # HEAD is a GET without the body: answer it from the GET, leave that unused.
                    result = match(interaction.request, replace(live, method="GET"), self.links)
                    if result.ok:
                        return self._take(i, result.bindings, count=False), None
                if result.ok:
                    return self._take(i, result.bindings), None
            if live.method in REPEATABLE:
                probe = replace(live, method="GET") if head else live
                for i in range(len(interactions) - 1, -1, -1):
                    if self.uses[i]:
                        result = match(interactions[i].request, probe, self.links)
                        if result.ok:
                            return self._take(i, result.bindings), None
            return None, self._near_miss(live)

    def _take(self, index: int, bindings: list[tuple[str, str]], count: bool = True) -> int:
        for recorded, live in bindings:
            self.links.bind(recorded, live)
        if count:
            self.uses[index] += 1
        self.cursor = max(self.cursor, index + 1)
        return index

    def _near_miss(self, live: RecordedRequest) -> dict[str, Any]:
        best: tuple[tuple[int, int, int], int, list[str]] | None = None
        for i, interaction in enumerate(self.cassette.interactions):
            result = match(interaction.request, live, self.links)
            differences = result.differences or ["already served (and not a repeatable GET)"]
            rank = (result.score, 1 if self.uses[i] else 0, i)
            if best is None or rank < best[0]:
                best = (rank, i, differences)
        what = f"{live.method} {live.path}"
        report: dict[str, Any] = {
            "code": 404,
            "message": f"No recorded interaction matches {what}",
            "request": {"method": live.method, "path": live.path, "query": live.query},
            "nearest": None,
        }
        if best is not None:
            _, i, differences = best
            recorded = self.cassette.interactions[i].request
            report["nearest"] = {
                "index": i,
                "method": recorded.method,
                "path": recorded.path,
                "already_served": self.uses[i] > 0,
                "differences": differences,
            }
            report["message"] += (
                f" (nearest: #{i} {recorded.method} {recorded.path}: {'; '.join(differences)})"
            )
        else:
            report["message"] += " (the cassette is empty)"
        self.misses.append(report)
        return report

    # --- responses
    def _live_text(self, text: str, base: str) -> str:
        for found in PLACEHOLDER_RE.finditer(text):
            name = found.group(0)
            if name != BASE_URL_PLACEHOLDER and name not in self.links.to_live:
                self.links.bind(name, synthetic_value(name))
        text = self.links.substitute(text)
        return text.replace(BASE_URL_PLACEHOLDER, base) if BASE_URL_PLACEHOLDER in text else text

    def _binary(self, summary: dict[str, Any]) -> bytes:
        sha = summary.get("sha256", "")
        for folder in self.media_dirs:
            if folder.is_dir():
                for path in folder.rglob("*"):
                    if path.is_file() and path.stat().st_size == summary.get("size"):
                        data = path.read_bytes()
                        if hashlib.sha256(data).hexdigest() == sha:
                            return data
        size = min(int(summary.get("size", 0)), MAX_FILLER)
        head = (
            b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
            if "mp4" in summary.get("content_type", "")
            else b""
        )
        return (head + b"\x00" * max(0, size - len(head)))[:size]

    async def serve(self, index: int, scope: Scope, send: Send, base: str) -> None:
        interaction: Interaction = self.cassette.interactions[index]
        response = interaction.response
        with self._lock:
            headers = [
                (k.encode("latin-1"), self._live_text(v, base).encode("latin-1", "replace"))
                for k, v in response.headers.items()
                if k not in ("content-length", "transfer-encoding")
            ]
        headers.append((b"x-nemo-replay", str(index).encode()))
        self.served.append({"index": index, "method": scope["method"], "path": scope["path"]})
        head_only = scope["method"] == "HEAD"
        if response.kind == "sse":
            await send(
                {"type": "http.response.start", "status": response.status, "headers": headers}
            )
            await self._stream(response.sse or [], send, base, head_only)
            return
        if response.kind == "binary":
            body = self._binary(response.binary or {})
        elif response.body is None:
            body = b""
        elif isinstance(response.body, str) and not is_json_type(response.content_type):
            with self._lock:
                body = self._live_text(response.body, base).encode()
        else:
            text = json.dumps(response.body, ensure_ascii=False, separators=(",", ":"))
            with self._lock:
                body = self._live_text(text, base).encode()
            if "content-type" not in response.headers:
                headers.append((b"content-type", b"application/json"))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if head_only else body, "more_body": False}
        )

    async def _stream(self, chunks: list[Any], send: Send, base: str, head_only: bool) -> None:
        pacer = self.pacer
        start = pacer.now()
        pending: list[bytes] = []
        try:
            for chunk in [] if head_only else chunks:
                if self.speed > 0:
                    wait = start + chunk.offset_ms / 1000 / self.speed - pacer.now()
                    if wait > 0.0005:
                        if pending:
                            await send(
                                {
                                    "type": "http.response.body",
                                    "body": b"".join(pending),
                                    "more_body": True,
                                }
                            )
                            pending = []
                        await pacer.sleep(wait)
                with self._lock:
                    pending.append(self._live_text(chunk.raw, base).encode())
            await send(
                {"type": "http.response.body", "body": b"".join(pending), "more_body": False}
            )
        except OSError:
            return  # the client went away

    # --- ASGI
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not await http_only(scope, receive, send):
            return
        if scope["path"].startswith(INSPECTOR_PREFIX):
            await self.inspector(scope, receive, send)
            return
        headers = filter_headers(scope["headers"], {"host", "content-length"})
        base = _base(scope)
        capture = RequestCapture(headers.get("content-type", ""))
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            capture.feed(message.get("body", b""))
            if not message.get("more_body", False):
                break
        if scope["path"].startswith(ADMIN_PREFIX):
            await self._admin(scope, send)
            return
        live = RecordedRequest(
            method=scope["method"],
            path=scope["path"],
            query=parse_query(scope.get("query_string", b"")),
            headers=headers,
            body=capture.summary(),
        )
        index, miss = self.find(live)
        if index is None:
            await _json(send, 404, miss)
            return
        await self.serve(index, scope, send, base)

    async def _admin(self, scope: Scope, send: Send) -> None:
        path, method = scope["path"], scope["method"]
        if path == "/_replay/status" and method == "GET":
            await _json(send, 200, self.status())
        elif path == "/_replay/reset" and method == "POST":
            self.reset()
            await _json(send, 200, self.status())
        else:
            await _json(
                send, 404, {"code": 404, "message": f"No such replay admin route: {method} {path}"}
            )

    def status(self) -> dict[str, Any]:
        return {
            "interactions": len(self.cassette.interactions),
            "speed": self.speed,
            "served": list(self.served),
            "unused": self.unused,
            "misses": list(self.misses),
        }


def replay_app(
    cassette: Cassette | str | Path, speed: float = 0.0, media_dirs: Iterable[str | Path] = ()
) -> ReplayApp:
    """The ASGI app replaying `cassette` (a Cassette or a path) at `speed` (0: no waiting)."""
    return ReplayApp(cassette, speed=speed, media_dirs=media_dirs)


def _base(scope: Scope) -> str:
    for key, value in scope["headers"]:
        if key == b"host":
            return f"{scope.get('scheme', 'http')}://{value.decode('latin-1')}"
    server = scope.get("server") or ("127.0.0.1", 80)
    return f"{scope.get('scheme', 'http')}://{server[0]}:{server[1]}"


async def _json(send: Send, status: int, body: Any) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data, "more_body": False})
