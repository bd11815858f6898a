"""Import a HAR 1.2 file (a browser's devtools "Save all as HAR") as a cassette.

Only the API origin's entries are kept (the origin of the first `/api/…` or `/run_sse`
request, else the most common one); others (CDN, analytics) are counted and skipped.
Bodies: `postData.text` (JSON) or `postData.params` (multipart: file names, sizes and
hashes of what the browser kept; browsers often drop file bytes, then size 0), and
`response.content.text` (base64 when `encoding` says so). An SSE body arrives whole in
`content.text`: it is split into events, spread evenly over `timings.receive` (all at 0
without it). Entries a browser never completed (`status` 0) are skipped. Everything is
redacted exactly like a live recording; provenance is `recorded` with `client: "har…"`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from mock_server.recording.capture import (
    DROP_REQUEST,
    DROP_RESPONSE,
    Exchange,
    MultipartSummary,
    build_cassette,
    decode_json_or_text,
    filter_headers,
    is_sse,
    is_textual,
    sha256_hex,
    summarise_request_body,
)
from mock_server.recording.cassette import (
    Cassette,
    CassetteError,
    RecordedRequest,
    RecordedResponse,
    SSEChunk,
    parse_query,
)
from nemo_protocol.sse import split_frames


class HarError(CassetteError):
    """A file that is not a usable HAR 1.2 log."""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _time(value: str) -> float:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except (ValueError, AttributeError):
        raise HarError(f"bad startedDateTime {value!r}") from None


def _pairs(items: Any) -> list[tuple[str, str]]:
    if not isinstance(items, list):
        return []
    return [(str(i.get("name", "")), str(i.get("value", ""))) for i in items if isinstance(i, dict)]


def _request_body(post: Any, content_type: str) -> Any:
    if not isinstance(post, dict):
        return None
    mime = str(post.get("mimeType") or content_type)
    text = post.get("text")
    params = post.get("params")
    if mime.lower().startswith("multipart/"):
        if isinstance(params, list) and params:
            parts = []
            for p in params:
                value = str(p.get("value", "")).encode("utf-8")
                parts.append(
                    {
                        "name": str(p.get("name", "")),
                        "filename": p.get("fileName"),
                        "size": len(value),
                        "sha256": sha256_hex(value),
                        "content_type": p.get("contentType"),
                    }
                )
            return {"multipart": parts}
        if isinstance(text, str) and text:
            summary = MultipartSummary(mime)
            summary.feed(text.encode("utf-8", "surrogateescape"))
            return {"multipart": summary.parts()}
        return {"multipart": []}
    if isinstance(text, str) and text:
        return summarise_request_body(mime, text.encode("utf-8"))
    if isinstance(params, list) and params:
        return {k: v for k, v in _pairs(params)}
    return None


def _content_bytes(content: dict[str, Any]) -> bytes | None:
    text = content.get("text")
    if not isinstance(text, str):
        return None
    if content.get("encoding") == "base64":
        try:
            return base64.b64decode(text)
        except (binascii.Error, ValueError):
            return None
    return text.encode("utf-8")


def _response(entry: dict[str, Any]) -> RecordedResponse:
    response = entry.get("response") or {}
    status = int(response.get("status") or 0)
    headers = filter_headers(_pairs(response.get("headers")), DROP_RESPONSE)
    content = response.get("content") or {}
    mime = str(content.get("mimeType") or headers.get("content-type", ""))
    data = _content_bytes(content)
    if is_sse(mime):
        frames = split_frames(data.decode("utf-8", "replace") if data else "")
        receive = (entry.get("timings") or {}).get("receive")
        spread = float(receive) if isinstance(receive, int | float) and receive > 0 else 0.0
        count = len(frames)
        chunks = [
            SSEChunk(spread * i / (count - 1) if count > 1 else 0.0, raw)
            for i, raw in enumerate(frames)
        ]
        return RecordedResponse(status, headers, sse=chunks)
    if is_textual(mime):
        body = decode_json_or_text(data, mime) if data else None
        return RecordedResponse(status, headers, body=body)
    size = content.get("size")
    if data is not None:
        summary = {"size": len(data), "sha256": sha256_hex(data), "content_type": mime}
    else:
        known = int(size) if isinstance(size, int) and size >= 0 else 0
        summary = {
            "size": known,
            "sha256": sha256_hex(b"") if known == 0 else None,  # the HAR kept no bytes
            "content_type": mime,
        }
    return RecordedResponse(status, headers, binary=summary)


def _api_origin(entries: list[dict[str, Any]]) -> str:
    urls = [str(e.get("request", {}).get("url", "")) for e in entries]
    for url in urls:
        path = urlsplit(url).path
        if path.startswith("/api/") or path == "/run_sse":
            return _origin(url)
    counts = Counter(_origin(u) for u in urls if u)
    if not counts:
        raise HarError("the HAR has no requests")
    return counts.most_common(1)[0][0]


def import_har(
    har: str | Path | dict[str, Any], *, base_url: str | None = None, description: str | None = None
) -> Cassette:
    """A cassette from a HAR 1.2 log (a path or the parsed JSON)."""
    if isinstance(har, dict):
        data = har
    else:
        try:
            data = json.loads(Path(har).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise HarError(f"cannot read HAR {har}: {exc}") from None
    log = data.get("log") if isinstance(data, dict) else None
    if not isinstance(log, dict) or not isinstance(log.get("entries"), list):
        raise HarError("not a HAR file: expected {log: {entries: [...]}}")
    entries = [
        e for e in log["entries"] if isinstance(e, dict) and isinstance(e.get("request"), dict)
    ]
    if not entries:
        raise HarError("the HAR has no entries")
    entries.sort(key=lambda e: _time(str(e.get("startedDateTime", ""))))
    origin = (base_url or _api_origin(entries)).rstrip("/")
    first = _time(str(entries[0]["startedDateTime"]))
    exchanges: list[Exchange] = []
    skipped = 0
    for seq, entry in enumerate(entries):
        request = entry["request"]
        url = str(request.get("url", ""))
        if _origin(url) != origin or int((entry.get("response") or {}).get("status") or 0) == 0:
            skipped += 1
            continue
        parts = urlsplit(url)
        query_pairs = _pairs(request.get("queryString"))
        query = parse_query(urlencode(query_pairs) if query_pairs else parts.query)
        headers = filter_headers(_pairs(request.get("headers")), DROP_REQUEST)
        post = request.get("postData")
        if isinstance(post, dict) and post.get("mimeType") and "content-type" not in headers:
            headers["content-type"] = str(post["mimeType"])
        body = _request_body(post, headers.get("content-type", ""))
        recorded = RecordedRequest(
            str(request.get("method", "GET")).upper(), parts.path or "/", query, headers, body
        )
        started = (_time(str(entry["startedDateTime"])) - first) * 1000
        exchanges.append(Exchange(seq, started, recorded, _response(entry)))
    if not exchanges:
        raise HarError(f"no entries for {origin} in the HAR")
    creator = log.get("browser") or log.get("creator") or {}
    name = (
        " ".join(str(creator.get(k, "")) for k in ("name", "version")).strip()
        if isinstance(creator, dict)
        else ""
    )
    provenance = Cassette.recorded(
        origin,
        f"har:{name}" if name else "har",
        datetime.fromtimestamp(first, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
    )
    note = f"imported from HAR ({len(exchanges)} of {len(entries)} entries; {skipped} from other origins or incomplete)"
    return build_cassette(exchanges, provenance, base_url=origin, description=description or note)
