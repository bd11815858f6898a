"""The inspector under `nemo-fake replay`: the cassette's interactions stepped through
(request, recorded response, SSE frame timings), which were served, and the nearest miss
of each request the cassette could not answer. Mounted by `ReplayApp` at /_fake/ui.

| route | shows |
|---|---|
| `GET /_fake/ui` | every interaction with its use count; the misses with their nearest interaction |
| `GET /_fake/ui/step/{index}` | one interaction: request, recorded response, frames with offsets |
| `GET /_fake/ui/live` | SSE: `change` when an interaction is served or a request misses |
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.inspector.frames import block_events
from mock_server.inspector.views import pretty
from mock_server.inspector.web import PREFIX, live_feed, page, static_mount

if TYPE_CHECKING:
    from mock_server.recording.cassette import Interaction
    from mock_server.recording.replay import ReplayApp


def _row(index: int, interaction: Interaction, uses: int) -> dict[str, Any]:
    response = interaction.response
    return {
        "index": index,
        "method": interaction.request.method,
        "path": interaction.request.path,
        "status": response.status,
        "kind": response.kind,
        "frames": len(response.sse or []),
        "offset_s": round(interaction.started_at_offset_ms / 1000, 3),
        "uses": uses,
    }


def _frames(interaction: Interaction) -> list[dict[str, Any]]:
    out = []
    previous = 0.0
    for number, chunk in enumerate(interaction.response.sse or [], start=1):
        events = block_events(chunk.offset_ms / 1000, chunk.raw)
        kinds = ", ".join(sorted({e.kind for e in events}))
        summary = "; ".join(
            e.text or (f"{e.tool} {json.dumps(e.payload, ensure_ascii=False)}" if e.tool else "")
            for e in events
        )
        out.append(
            {
                "index": number,
                "offset_ms": round(chunk.offset_ms, 1),
                "gap_ms": round(chunk.offset_ms - previous, 1),
                "kind": kinds,
                "summary": summary[:300],
                "raw": chunk.raw,
            }
        )
        previous = chunk.offset_ms
    return out


def replay_inspector(replay: ReplayApp) -> Starlette:
    cassette = replay.cassette
    name = str(cassette.path.name if cassette.path else cassette.description or "cassette")

    def common() -> dict[str, Any]:
        status = replay.status()
        return {
            "mode": "replay",
            "cassette": name,
            "description": cassette.description,
            "provenance": cassette.provenance,
            "served": len(status["served"]),
            "unused": len(status["unused"]),
            "misses": status["misses"],
            "speed": replay.speed,
        }

    async def overview(request: Request) -> Response:
        rows = [_row(i, x, replay.uses[i]) for i, x in enumerate(cassette.interactions)]
        return page("replay.html", rows=rows, **common())

    async def step(request: Request) -> Response:
        raw = request.path_params["index"]
        index = int(raw) if raw.isdigit() else -1
        if not 0 <= index < len(cassette.interactions):
            return page("missing.html", status_code=404, what=f"No interaction #{raw}", **common())
        interaction = cassette.interactions[index]
        return page(
            "replay_step.html",
            row=_row(index, interaction, replay.uses[index]),
            request_=interaction.request,
            response=interaction.response,
            frames=_frames(interaction),
            count=len(cassette.interactions),
            pretty=pretty,
            **common(),
        )

    async def live(request: Request) -> Response:
        return live_feed(request, lambda: json.dumps([replay.uses, len(replay.misses)]))

    return Starlette(
        routes=[
            Route(PREFIX, overview, methods=["GET"]),
            Route(f"{PREFIX}/", overview, methods=["GET"]),
            Route(f"{PREFIX}/step/{{index}}", step, methods=["GET"]),
            Route(f"{PREFIX}/live", live, methods=["GET"]),
            static_mount(),
        ]
    )
