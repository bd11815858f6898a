"""The recording reverse proxy: forwards every request to the upstream and writes a cassette.

    proxy = RecordingProxy("https://mega-api-prod.nemovideo.ai", "cassettes/s1.json")
    uvicorn.run(proxy)     # or ServerThread(proxy) in tests; point NEMO_API_URL at it

- Streams both ways: request bodies go up as they arrive (multipart is summarised on
  the fly: names, sizes, sha256); SSE goes down event by event, each sent the moment
  its blank line arrives (nothing waits for the stream to end); files are piped through.
- Links: the upstream's base URL in JSON and SSE bodies is rewritten to the proxy's own,
  so a client following `cdn_url`/`outputUrl` keeps going through the proxy (and is
  recorded). The cassette stores `<BASE_URL_1>` there.
- The cassette is redacted and rewritten atomically after every completed interaction,
  so a crash keeps everything recorded so far.
- Budget guard: after `max_requests` forwarded requests, 429; `POST /run_sse` (an agent
  turn, which may spend credits) is refused with 403 unless `allow_spend`.
"""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import AsyncIterator
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from starlette.types import Receive, Scope, Send

from mock_server.recording.capture import (
    DROP_RESPONSE,
    HOP_BY_HOP,
    MAX_BUFFERED_BODY,
    Exchange,
    Hasher,
    RequestCapture,
    build_cassette,
    decode_json_or_text,
    filter_headers,
    http_only,
    is_sse,
    is_textual,
)
from mock_server.recording.cassette import (
    Cassette,
    RecordedRequest,
    RecordedResponse,
    SSEChunk,
    now_iso,
    parse_query,
)
from nemo_protocol.sse import SSEFramer

SPENDING_PATHS = ("/run_sse",)
TIMEOUT = httpx.Timeout(connect=30.0, read=900.0, write=300.0, pool=30.0)


@cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context for all requests (httpx builds a new one per client: ~30 ms each)."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


class UpstreamCut(Exception):
    """Raised after recording a stream the upstream cut, so the client sees the cut too."""


def _json_error(status: int, message: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = json.dumps({"code": status, "message": message, "data": None}).encode()
    return (
        status,
        [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        body,
    )


class RecordingProxy:
    """An ASGI app: a reverse proxy to `upstream` that records into `cassette_path`."""

    def __init__(
        self,
        upstream: str,
        cassette_path: str | Path,
        *,
        max_requests: int | None = None,
        allow_spend: bool = False,
        client: str | None = None,
        description: str | None = None,
        provenance: dict[str, Any] | None = None,
        rewrite_links: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.cassette_path = Path(cassette_path)
        self.max_requests = max_requests
        self.allow_spend = allow_spend
        self.client_label = client
        self.description = description
        self.provenance_override = provenance
        self.rewrite_links = rewrite_links
        self.transport = transport
        self.exchanges: list[Exchange] = []
        self.forwarded = 0
        self.refused: list[dict[str, Any]] = []
        self._seq = 0
        self._t0: float | None = None
        self._recorded_at: str | None = None
        self._first_agent: str | None = None

    # --- the cassette
    def cassette(self) -> Cassette:
        provenance = self.provenance_override or Cassette.recorded(
            self.upstream,
            self.client_label or self._first_agent or "unknown client",
            self._recorded_at,
        )
        return build_cassette(
            self.exchanges, provenance, base_url=self.upstream, description=self.description
        )

    def save(self) -> Path:
        return self.cassette().save(self.cassette_path)

    # --- ASGI
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not await http_only(scope, receive, send):
            return
        method: str = scope["method"]
        path: str = scope["path"]
        refusal = self._refusal(method, path)
        if refusal is not None:
            self.refused.append({"method": method, "path": path, "status": refusal[0]})
            await _send_whole(send, *refusal)
            return
        self.forwarded += 1
        self._seq += 1
        seq = self._seq
        started = time.monotonic()
        if self._t0 is None:
            self._t0, self._recorded_at = started, now_iso()
        raw_headers: list[tuple[bytes, bytes]] = list(scope["headers"])
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw_headers]
        lower = {k.lower(): v for k, v in headers}
        if self._first_agent is None:
            self._first_agent = lower.get("user-agent")
        query_string: bytes = scope.get("query_string", b"")
        own_base = _own_base(scope, lower)
        content_type = lower.get("content-type", "")
        capture = RequestCapture(content_type)

        has_body = (
            "content-length" in lower and lower["content-length"] != "0"
        ) or "transfer-encoding" in lower
        forward_headers = [
            (k, v) for k, v in headers if k.lower() not in HOP_BY_HOP | {"host", "accept-encoding"}
        ] + [("accept-encoding", "identity")]
        url = self.upstream + (scope.get("raw_path") or path.encode()).decode("latin-1")
        if query_string:
            url += "?" + query_string.decode("latin-1")

        async def upload() -> AsyncIterator[bytes]:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                if chunk:
                    capture.feed(chunk)
                    yield chunk
                if not message.get("more_body", False):
                    return

        async with httpx.AsyncClient(
            transport=self.transport, timeout=TIMEOUT, verify=_ssl_context()
        ) as client:
            request = client.build_request(
                method, url, headers=forward_headers, content=upload() if has_body else None
            )
            try:
                upstream = await client.send(request, stream=True)
            except httpx.HTTPError as exc:
                await _send_whole(
                    send,
                    *_json_error(
                        502,
                        f"nemo-fake record: upstream {self.upstream} failed: {type(exc).__name__}: {exc}",
                    ),
                )
                return
            try:
                response, cut = await self._relay(upstream, send, own_base)
            finally:
                await upstream.aclose()
        recorded_request = RecordedRequest(
            method=method,
            path=path,
            query=parse_query(query_string),
            headers=filter_headers(headers, {"host", "content-length"} | HOP_BY_HOP),
            body=capture.summary(),
        )
        self.exchanges.append(
            Exchange(seq, (started - self._t0) * 1000, recorded_request, response)
        )
        self.save()
        if cut:
            raise UpstreamCut(f"upstream cut the stream of {method} {path}")

    def _refusal(
        self, method: str, path: str
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        if path in SPENDING_PATHS and not self.allow_spend:
            return _json_error(
                403,
                f"nemo-fake record refused {method} {path}: agent turns can start generations that "
                "spend credits. Restart the recorder with --allow-spend to forward them.",
            )
        if self.max_requests is not None and self.forwarded >= self.max_requests:
            return _json_error(
                429,
                f"nemo-fake record: request budget used up ({self.max_requests} requests forwarded, "
                f"--max-requests {self.max_requests}); {method} {path} was not sent upstream. "
                "Restart with a larger --max-requests to record more.",
            )
        return None

    async def _relay(
        self, upstream: httpx.Response, send: Send, own_base: str
    ) -> tuple[RecordedResponse, bool]:
        """Send the upstream response on; returns what to record and whether the stream was cut."""
        content_type = upstream.headers.get("content-type", "")
        recorded_headers = filter_headers(upstream.headers.multi_items(), DROP_RESPONSE)
        rewrite = self._rewriter(own_base)
        out_headers = [
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in upstream.headers.multi_items()
            if k.lower() not in HOP_BY_HOP | {"content-length", "content-encoding"}
        ]
        if is_sse(content_type):
            await send(
                {
                    "type": "http.response.start",
                    "status": upstream.status_code,
                    "headers": out_headers,
                }
            )
            head = time.monotonic()
            chunks: list[SSEChunk] = []
            framer = SSEFramer()
            client_gone = cut = False
            try:
                async for data in upstream.aiter_bytes():
                    for frame in framer.feed(data):
                        chunks.append(
                            SSEChunk(
                                (time.monotonic() - head) * 1000, frame.decode("utf-8", "replace")
                            )
                        )
                        await send(
                            {
                                "type": "http.response.body",
                                "body": rewrite(frame),
                                "more_body": True,
                            }
                        )
            except httpx.HTTPError:
                cut = True  # the upstream dropped the stream: the client sees the same cut
            except Exception:
                client_gone = True  # `send` failed: the client went away
            rest = framer.finish()
            if rest:
                chunks.append(
                    SSEChunk((time.monotonic() - head) * 1000, rest.decode("utf-8", "replace"))
                )
            if not (client_gone or cut):
                await send(
                    {"type": "http.response.body", "body": rewrite(rest), "more_body": False}
                )
            return RecordedResponse(upstream.status_code, recorded_headers, sse=chunks), cut
        length = upstream.headers.get("content-length")
        if length is not None and not length.isdigit():
            length = None
        if upstream.request.method == "HEAD":  # headers only: the length is the GET's
            if length is not None and "content-encoding" not in upstream.headers:
                out_headers.append((b"content-length", length.encode()))
            await _send_whole(send, upstream.status_code, out_headers, b"")
            return RecordedResponse(upstream.status_code, recorded_headers, body=None), False
        buffered = is_textual(content_type) and (length is None or int(length) <= MAX_BUFFERED_BODY)
        if buffered:
            raw = await upstream.aread()
            body = rewrite(raw)
            out_headers.append((b"content-length", str(len(body)).encode()))
            await send(
                {
                    "type": "http.response.start",
                    "status": upstream.status_code,
                    "headers": out_headers,
                }
            )
            await send({"type": "http.response.body", "body": body, "more_body": False})
            value = decode_json_or_text(raw, content_type) if raw else None
            return RecordedResponse(upstream.status_code, recorded_headers, body=value), False
        if length is not None and "content-encoding" not in upstream.headers:
            out_headers.append((b"content-length", length.encode()))
        await send(
            {"type": "http.response.start", "status": upstream.status_code, "headers": out_headers}
        )
        digest = Hasher()
        async for data in upstream.aiter_bytes():
            digest.update(data)
            await send({"type": "http.response.body", "body": data, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        summary = {
            "size": digest.size,
            "sha256": digest.hexdigest(),
            "content_type": content_type or "application/octet-stream",
        }
        return RecordedResponse(upstream.status_code, recorded_headers, binary=summary), False

    def _rewriter(self, own_base: str) -> Any:
        source, target = self.upstream.encode(), own_base.encode()
        if not self.rewrite_links or source == target:
            return lambda data: data
        return lambda data: data.replace(source, target)


def _own_base(scope: Scope, headers: dict[str, str]) -> str:
    host = headers.get("host")
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}"


async def _send_whole(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
