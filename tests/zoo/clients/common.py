"""What every zoo client shares: HTTP plumbing, not protocol. Each client module spells out
its own paths, headers, bodies and the fields it reads, as its document does; this module
only sends, reads an SSE stream to its close, sleeps between polls and keeps a log.

A client is `run(ctx) -> Result`: it performs its document's flow against `ctx.api` and
ends `downloaded`, or `refused` at the step where the fake answered with an error (the
documented refusal, when the document's client omits something required), or `no_draft`
(the document's pre-check found nothing to export).
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx

Outcome = Literal["downloaded", "refused", "no_draft", "timeout"]


@dataclass
class Result:
    outcome: Outcome
    step: str = ""  # where it ended
    status: int = 200  # HTTP status of the refusal
    code: int | None = None  # envelope code of the refusal
    message: str = ""
    size: int = 0  # bytes downloaded
    log: list[str] = field(default_factory=list)


class Stop(Exception):
    def __init__(self, result: Result) -> None:
        super().__init__(result.message)
        self.result = result


@dataclass
class Ctx:
    api: str
    media: Path  # the file the user sends in chat
    token: str | None = None  # NEMO_TOKEN, when the environment has one
    seconds: float = 1.0  # real seconds per documented second (waits between polls)
    client_id: str = field(default_factory=lambda: str(uuid.uuid4()))  # `uuidgen`, persisted
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=900))
    log: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.api.rstrip("/") + path

    def note(self, line: str) -> None:
        self.log.append(line)

    def refused(self, step: str, response: httpx.Response, body: Any) -> Stop:
        code = body.get("code") if isinstance(body, dict) else None
        message = ""
        if isinstance(body, dict):
            message = str(body.get("message") or body.get("error") or body.get("detail") or "")
        self.note(f"{step}: refused HTTP {response.status_code} code {code}: {message}")
        return Stop(Result("refused", step, response.status_code, code, message, 0, self.log))


def render_id() -> str:
    """`render_<timestamp>`, plus a few hex digits so parallel runs cannot collide."""
    return f"render_{int(time.time() * 1000)}{uuid.uuid4().hex[:4]}"


def json_of(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def envelope(ctx: Ctx, step: str, response: httpx.Response) -> dict[str, Any]:
    """`data` of a `{code:0,data}` answer; anything else ends the run as a refusal."""
    body = json_of(response)
    if response.status_code != 200 or not isinstance(body, dict) or body.get("code") != 0:
        raise ctx.refused(step, response, body)
    data: dict[str, Any] = body["data"]
    return data


def proxy(ctx: Ctx, step: str, response: httpx.Response) -> Any:
    """The render proxy's answer as JSON; an HTTP error or `success:false` is a refusal."""
    body = json_of(response)
    if response.status_code != 200 or (isinstance(body, dict) and body.get("success") is False):
        raise ctx.refused(step, response, body)
    return body


@dataclass
class Chat:
    texts: list[str] = field(default_factory=list)
    tool_calls: int = 0
    heartbeats: int = 0


def chat(ctx: Ctx, headers: dict[str, str], body: dict[str, Any]) -> Chat:
    """POST /run_sse and read the stream until the connection closes (the documents: no
    `done` event). Text goes to the user, tool calls are waited on, heartbeats (empty
    `data:` or `{"type":"heartbeat"}`) mean "still working"."""
    seen = Chat()
    with ctx.http.stream("POST", ctx.url("/run_sse"), headers=headers, json=body) as response:
        if response.status_code != 200 or "text/event-stream" not in response.headers.get(
            "content-type", ""
        ):
            response.read()
            raise ctx.refused("chat", response, json_of(response))
        for line in response.iter_lines():
            if line.startswith(":"):
                seen.heartbeats += 1
            if not line.startswith("data:"):
                continue
            payload = line[5:].strip()
            event = json.loads(payload) if payload else {"type": "heartbeat"}
            if event.get("type") == "heartbeat":
                seen.heartbeats += 1
            elif event.get("type") == "text":
                seen.texts.append(event.get("content", ""))
            elif event.get("type") == "tool_call":
                seen.tool_calls += 1
            for part in (event.get("content") or {}).get("parts", []) if "author" in event else []:
                if part.get("text") and not event.get("partial"):
                    seen.texts.append(part["text"])
                if part.get("functionCall"):
                    seen.tool_calls += 1
    ctx.note(
        f"chat: {len(seen.texts)} texts, {seen.tool_calls} tool calls, {seen.heartbeats} heartbeats"
    )
    return seen


def exportable(draft: Any) -> bool:
    """The documents' pre-check: `draft.t` with at least one track whose `sg` is non-empty."""
    tracks = draft.get("t") if isinstance(draft, dict) else None
    return isinstance(tracks, list) and any(isinstance(t, dict) and t.get("sg") for t in tracks)


def poll(
    ctx: Ctx,
    path: str,
    headers: dict[str, str],
    *,
    every: float,
    max_polls: int,
    status_of: Callable[[Any], Any],
    url_of: Callable[[Any], Any],
) -> str:
    """Poll `path` every `every` documented seconds until `status_of(body)` is `completed`
    (-> `url_of(body)`), `failed`, or `max_polls` polls have passed."""
    status: Any = None
    for _ in range(max_polls):
        time.sleep(every * ctx.seconds)
        body = proxy(ctx, "poll", ctx.http.get(ctx.url(path), headers=headers))
        status = status_of(body)
        if status == "completed":
            ctx.note("poll: completed")
            url = url_of(body)
            if not isinstance(url, str):
                raise Stop(Result("refused", "poll", 200, None, "no download URL", 0, ctx.log))
            return url
        if status == "failed":
            raise Stop(Result("refused", "poll", 200, None, "render failed", 0, ctx.log))
    ctx.note(f"poll: still {status} after {max_polls} polls")
    raise Stop(Result("timeout", "poll", 200, None, f"still {status}", 0, ctx.log))


def download(ctx: Ctx, url: str, headers: dict[str, str] | None = None) -> Result:
    response = ctx.http.get(url if "://" in url else ctx.url(url), headers=headers)
    if response.status_code != 200 or not response.content:
        raise ctx.refused("download", response, json_of(response))
    ctx.note(f"download: {len(response.content)} bytes")
    return Result("downloaded", "download", 200, None, "", len(response.content), ctx.log)


def finish(flow: Callable[[Ctx], Result], ctx: Ctx) -> Result:
    try:
        return flow(ctx)
    except Stop as stop:
        return stop.result


def main(flow: Callable[[Ctx], Result]) -> None:
    """Run one client from a shell: `NEMO_API_URL=... python -m tests.zoo.clients.v1_9 FILE`
    (NEMO_TOKEN and NEMO_CLIENT_ID as the documents read them; ZOO_SECONDS scales waits)."""
    ctx = Ctx(
        api=os.environ.get("NEMO_API_URL", "http://127.0.0.1:8000"),
        media=Path(sys.argv[1]),
        token=os.environ.get("NEMO_TOKEN") or None,
        seconds=float(os.environ.get("ZOO_SECONDS", "1")),
    )
    ctx.client_id = os.environ.get("NEMO_CLIENT_ID") or ctx.client_id
    result = finish(flow, ctx)
    print("\n".join(result.log))
    print(f"{result.outcome} at {result.step}: {result.message or result.size}")
    raise SystemExit(0 if result.outcome in ("downloaded", "refused") else 1)
