"""Benchmark: replay a 200-frame SSE cassette at --speed 0, in-process.

    .venv/bin/python -m benchmarks.replay_speed [--frames 200] [--runs 50]

Builds a synthetic cassette (a generation turn: text, tool call/result pairs carrying
`<BASE_URL_1>` URLs that replay re-links, heartbeats) and replays its /run_sse
interaction through the sync streaming transport (`StreamingTransport`, as the
`nemo_replay` fixture's client does) and the async one, reading every frame. Reports the
median (target: under 100 ms per 200-frame stream) and other percentiles.

At speed 0 every frame is due at once, so replay writes them in one body chunk; sent one
ASGI message per frame instead, the sync transport's cross-thread hop per chunk costs
about 0.25 ms a frame (~50 ms for 200 frames), the async one about 0.005 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Callable

import httpx

from mock_server.recording.cassette import (
    Cassette,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    SSEChunk,
)
from mock_server.recording.replay import ReplayApp
from mock_server.testing import AsyncStreamingTransport, StreamingTransport
from nemo_protocol.sse import SSEMessage, SSEParser

TARGET_MS = 100.0
AUTH = {"Authorization": "Bearer nmv_usr_benchmark"}  # linked to <TOKEN_1> on first sight
BODY = {
    "app_name": "nemo_agent",
    "user_id": "me",
    "session_id": "5529798706024415232",
    "new_message": {"parts": [{"text": "make a video"}]},
}


def frame(i: int) -> str:
    if i % 5 == 4:
        return "data: \n\n"  # heartbeat
    kind = i % 3
    if kind == 0:
        part: dict[str, object] = {"text": f"Step {i}: working on your video… " * 3}
    elif kind == 1:
        part = {
            "functionCall": {
                "id": f"af-{i:08d}",
                "name": "generate_video_with_seedance",
                "args": {"prompt": "city timelapse at night", "duration": 10},
            }
        }
    else:
        url = f"<BASE_URL_1>/media/med_{i:016x}/clip_{i}.mp4"
        part = {
            "functionResponse": {
                "id": f"af-{i:08d}",
                "name": "generate_video_with_seedance",
                "response": {"status": "success", "cdn_url": url},
            }
        }
    event = {
        "content": {"parts": [part], "role": "model"},
        "invocationId": "e-3f6d0000-0000-0000-0000-000000000000",
        "author": "nemo_agent",
        "actions": {"stateDelta": {}, "artifactDelta": {}, "requestedAuthConfigs": {}},
        "id": f"ev{i:06d}",
        "timestamp": 1767225600.0 + i,
    }
    return f"data: {json.dumps(event, separators=(',', ':'))}\n\n"


def cassette(frames: int) -> Cassette:
    chunks = [SSEChunk(i * 300.0, frame(i)) for i in range(frames)]  # 300 ms apart when recorded
    request = RecordedRequest(
        "POST",
        "/run_sse",
        {},
        {"content-type": "application/json", "authorization": "Bearer <TOKEN_1>"},
        BODY,
    )
    response = RecordedResponse(200, {"content-type": "text/event-stream"}, sse=chunks)
    return Cassette(
        Cassette.synthesized("benchmarks/replay_speed.py"),
        [Interaction(request, response)],
        {"<TOKEN_1>": "token", "<BASE_URL_1>": "base_url"},
    )


def _events(messages: list[SSEMessage]) -> int:
    return sum(1 for m in messages if m.comment is None)


def run_sync(app: ReplayApp, client: httpx.Client, expected: int) -> float:
    app.reset()
    start = time.perf_counter()
    with client.stream("POST", "/run_sse", json=BODY, headers=AUTH) as response:
        assert response.status_code == 200, response.read()
        parser = SSEParser()
        count = sum(_events(parser.feed(chunk)) for chunk in response.iter_bytes())
    elapsed = (time.perf_counter() - start) * 1000
    assert count == expected, (count, expected)
    return elapsed


def run_async(app: ReplayApp, runs: int, expected: int) -> list[float]:
    async def main() -> list[float]:
        times = []
        async with httpx.AsyncClient(
            transport=AsyncStreamingTransport(app), base_url="http://replay.local"
        ) as client:
            for _ in range(runs):
                app.reset()
                start = time.perf_counter()
                async with client.stream("POST", "/run_sse", json=BODY, headers=AUTH) as response:
                    parser, count = SSEParser(), 0
                    async for chunk in response.aiter_bytes():
                        count += _events(parser.feed(chunk))
                times.append((time.perf_counter() - start) * 1000)
                assert count == expected
        return times

    return asyncio.run(main())


def report(name: str, times: list[float]) -> None:
    ordered = sorted(times)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    median = statistics.median(ordered)
    verdict = "OK" if median < TARGET_MS else "SLOW"
    print(
        f"{name:<24} median {median:7.2f} ms  min {ordered[0]:7.2f}  p90 {p90:7.2f}  max {ordered[-1]:7.2f}  [{verdict}, target < {TARGET_MS:.0f} ms]"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="replay speed of a large SSE cassette")
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args(argv)
    app = ReplayApp(cassette(args.frames), speed=0)
    size = sum(len(c.raw) for c in app.cassette.interactions[0].response.sse or [])
    print(
        f"replaying {args.frames} SSE frames ({size / 1024:.0f} KiB; {args.frames * 0.3:.0f} s when recorded) at speed 0, {args.runs} runs"
    )
    transport = StreamingTransport(app)
    with httpx.Client(transport=transport, base_url="http://replay.local") as client:
        measure: Callable[[], float] = lambda: run_sync(app, client, args.frames)  # noqa: E731
        for _ in range(args.warmup):
            measure()
        report("sync StreamingTransport", [measure() for _ in range(args.runs)])
    transport.close()
    report(
        "AsyncStreamingTransport",
        run_async(app, args.runs + args.warmup, args.frames)[args.warmup :],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
