"""In-process cost: the seeds' whole flow through the in-process fake, against the floor of
the same requests answered by respx with canned responses.

The flow (7 requests): anonymous token -> session -> `/run_sse` generation turn (read to
the end) -> state -> export (render submit, with the X-Skill-* headers) -> poll ->
download the MP4. The fake runs in process (`Fake` + the sync `StreamingTransport` of
mock_server.testing with the clock's `DeadlineTracker` as advancer, exactly as the
`nemo_fake` fixture's client does) on the manual clock: the transport jumps API time to
the stream's next deadline whenever the reader waits, and the export is followed by
`fake.advance(60)`.

A single REST call (`GET` state and `GET` credits) is measured on its own too, many
times, alternating with the same bytes from respx. Every figure is given in wall time and
in CPU time of the calling thread (`time.thread_time`: the in-process app runs in the
caller's thread): on a shared machine wall time carries everyone else's load, CPU time
much less.

Encoding is real (the generated clip and BGM are synthesized, the draft is rendered to
H.264/AAC), made small with `media_max_side=64`. The timer is split: *with encoding*
is the whole flow; *without encoding* stops the clock while the render job (synthesis +
encode) runs, which the bench waits for explicitly between submit and poll.

The floor: a respx router with one route per request, each returning a pre-built
response with the same status, headers and body bytes the fake sent (the SSE body and
the MP4 included), through a plain httpx.Client: the cost of the requests themselves.
"""

from __future__ import annotations

import contextlib
import cProfile
import pstats
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import respx

from mock_server.app import build_app
from mock_server.config import FakeConfig
from mock_server.fake import Fake
from mock_server.testing import StreamingTransport
from mock_server.testing.autoadvance import DeadlineTracker

BASE = "http://nemo-fake.local"
PROMPT = "make a 10-second video of a sunset"
SKILL = {"X-Skill-Source": "bench", "X-Skill-Version": "1.0", "X-Skill-Platform": "linux"}


@dataclass
class Exchange:
    method: str
    path: str
    status: int
    headers: list[tuple[str, str]]
    chunks: list[bytes]  # the body as the client received it, chunk by chunk

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


@dataclass
class FlowTiming:
    total_s: float = 0.0
    job_s: float = 0.0  # waiting for the render job (synthesis + encode)
    cpu_s: float = 0.0  # the calling thread's CPU time (the job's threads excluded)
    exchanges: list[Exchange] = field(default_factory=list)
    request_cpu_s: list[float] = field(default_factory=list)  # per request, in order


class ClockDriver:
    """Advances the manual clock by `step` API seconds whenever a coroutine waits on it,
    then gives the woken sleeper up to `settle` real seconds to leave before looking
    again (a sleeper stays counted until the event loop has run it)."""

    def __init__(self, fake: Fake, step: float = 3600.0, settle: float = 0.005) -> None:
        self.fake, self.step, self.settle = fake, step, settle
        self.advances = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="clock-driver", daemon=True)

    def _run(self) -> None:
        clock = self.fake.clock
        while not self._stop.is_set():
            if not clock.sleepers:
                self._stop.wait(0.0002)
                continue
            self.fake.advance(self.step)
            self.advances += 1
            deadline = time.perf_counter() + self.settle
            while clock.sleepers and time.perf_counter() < deadline:
                self._stop.wait(0.0001)

    def __enter__(self) -> ClockDriver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def _record(
    out: list[Exchange],
    response: httpx.Response,
    chunks: list[bytes] | None = None,
) -> httpx.Response:
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() != "content-length"]
    out.append(
        Exchange(
            response.request.method,
            response.request.url.raw_path.decode(),
            response.status_code,
            headers,
            chunks if chunks is not None else [response.content],
        )
    )
    return response


def _streamed(
    client: httpx.Client, method: str, url: str, **kwargs: Any
) -> tuple[httpx.Response, list[bytes]]:
    with client.stream(method, url, **kwargs) as response:
        chunks = list(response.iter_raw())
    return response, chunks


def seeds_flow(
    client: httpx.Client, fake: Fake | None, client_id: str, *, drive_clock: bool = False
) -> FlowTiming:
    """The flow through `client`; with `fake`, waits for the render job (and with
    `drive_clock`, advances the clock from a helper thread: for a transport without an
    advancer)."""
    timing = FlowTiming()
    ex = timing.exchanges
    started, cpu = time.perf_counter(), time.thread_time()
    last = [cpu]

    def lap() -> None:  # the calling thread's CPU for the request just recorded
        now = time.thread_time()
        timing.request_cpu_s.append(now - last[0])
        last[0] = now

    token = _record(
        ex, client.post("/api/auth/anonymous-token", headers={"X-Client-Id": client_id})
    ).json()["data"]["token"]
    lap()
    auth = {"Authorization": f"Bearer {token}"}
    session = _record(
        ex,
        client.post(
            "/api/tasks/me/with-session/nemo_agent",
            headers=auth,
            json={"task_name": "project", "language": "en"},
        ),
    ).json()["data"]["session_id"]
    lap()
    run = {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": session,
        "new_message": {"parts": [{"text": PROMPT}]},
    }
    headers = {**auth, "Accept": "text/event-stream"}
    with ClockDriver(fake) if fake is not None and drive_clock else contextlib.nullcontext():
        r, chunks = _streamed(client, "POST", "/run_sse", headers=headers, json=run)
    _record(ex, r, chunks)
    lap()
    state = _record(ex, client.get(f"/api/state/nemo_agent/me/{session}/latest", headers=auth))
    lap()
    draft = state.json()["data"]["state"]["draft"]
    render_id = "render_1767225600000"  # fixed: the fake is reset between flows
    export = {"id": render_id, "sessionId": session, "draft": draft, "output": {"format": "mp4"}}
    _record(ex, client.post("/api/render/proxy/lambda", headers={**auth, **SKILL}, json=export))
    lap()
    if fake is not None:
        waited = time.perf_counter()
        with fake.service.lock:
            user = fake.service.accounts.authenticate(auth["Authorization"]).user_id
        render = fake.service.store.render(user, render_id)
        job = fake.service.renders.backend.pending(render) if render else None
        if job is not None:
            job.result(timeout=300)
        timing.job_s = time.perf_counter() - waited
        fake.advance(60)
        last[0] = time.thread_time()  # the bench's own waiting is no request's
    polled = _record(ex, client.get(f"/api/render/proxy/lambda/{render_id}", headers=auth))
    if polled.json()["data"]["status"] != "completed":
        raise RuntimeError(f"render not completed: {polled.text}")
    lap()
    video, chunks = _streamed(
        client, "GET", f"/api/render/proxy/{render_id}/download", headers=auth
    )
    _record(ex, video, chunks)
    lap()
    if b"ftyp" not in chunks[0][:16]:
        raise RuntimeError("the download is not an MP4")
    timing.total_s = time.perf_counter() - started
    timing.cpu_s = time.thread_time() - cpu
    return timing


def canned_router(exchanges: list[Exchange]) -> respx.MockRouter:
    router = respx.MockRouter(base_url=BASE, assert_all_called=False)
    for exchange in exchanges:
        prebuilt = (exchange.status, exchange.headers, exchange.body)

        def respond(
            request: httpx.Request, prebuilt: tuple[int, list[tuple[str, str]], bytes] = prebuilt
        ) -> httpx.Response:
            status, headers, body = prebuilt
            return httpx.Response(status, headers=headers, content=body)

        router.route(method=exchange.method, path=exchange.path).mock(side_effect=respond)
    return router


def canned_app(exchanges: list[Exchange]) -> Callable[..., Awaitable[None]]:
    """A trivial ASGI app sending each recorded response, chunk for chunk: what the
    in-process transport costs with no fake behind it."""
    table = {(e.method, e.path): e for e in exchanges}

    async def app(
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[dict[str, Any]]],
        send: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        while (await receive()).get("more_body"):
            pass
        exchange = table[(scope["method"], scope["path"])]
        headers = [(k.encode(), v.encode()) for k, v in exchange.headers]
        await send({"type": "http.response.start", "status": exchange.status, "headers": headers})
        last = len(exchange.chunks) - 1
        for i, chunk in enumerate(exchange.chunks):
            await send({"type": "http.response.body", "body": chunk, "more_body": i < last})

    return app


# Where a flow's time goes, by the code that spends it (a function's own time, callees
# excluded), first match wins. The render job's threads and the bench's wait are left out.
PROFILE_BUCKETS: list[tuple[str, tuple[str, ...]]] = [
    ("httpx (the client, as in the floor)", ("/httpx/", "/http/cookiejar", "/urllib/")),
    ("asyncio event loop", ("/asyncio/", "selectors.py")),
    ("Starlette, FastAPI, anyio", ("/starlette/", "/fastapi/", "/anyio/")),
    ("in-process transport, auto-advance, clock", ("mock_server/testing/", "mock_server/clock")),
    (
        "journal, fault middleware, secret masking",
        ("mock_server/http/middleware", "mock_server/journal", "nemo_protocol/secrets"),
    ),
    (
        "agent turn (plan, ids, draft edits, SSE frames)",
        ("mock_server/agent/", "mock_server/rng", "mock_server/draft", "mock_server/stream"),
    ),
    (
        "export and render bookkeeping",
        ("mock_server/domain/renders", "mock_server/render_backend", "mock_server/assets"),
    ),
    ("JSON, pydantic", ("/json/", "compact_json", "orjson", "/pydantic", "mock_server/http/body")),
    ("other fake code", ("mock_server/", "nemo_protocol/")),
    # the export's queueing of the render job and its source checks, where the job's
    # threads take the GIL from the request (wall time, not the request's CPU)
    ("render job start (queue, file checks: GIL to its threads)", ("futures/thread", "pathlib")),
]


def profile_left(client: httpx.Client, fake: Fake, flows: int) -> dict[str, float]:
    """The share of a flow's profiled time (cProfile, own time per function) by bucket,
    in %: what is left to make cheaper. Profiling inflates call-heavy code, so shares
    point at the next step rather than measure it."""
    profile = cProfile.Profile()
    for i in range(flows):
        fake.reset()
        profile.enable()
        seeds_flow(client, fake, f"profile-{i}")
        profile.disable()
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    shares: dict[str, float] = {name: 0.0 for name, _ in PROFILE_BUCKETS}
    shares["other (interpreter, stdlib)"] = 0.0

    def bucket(filename: str) -> str:
        return next(
            (n for n, marks in PROFILE_BUCKETS if any(m in filename for m in marks)),
            "other (interpreter, stdlib)",
        )

    for (filename, _line, function), (_cc, _nc, own, _ct, callers) in stats.items():
        if "acquire" in function or "seeds_flow" in function:  # waiting for the render job
            continue
        if filename == "~":  # a builtin: its time goes to the code that called it
            for (caller, _l, _f), (*_counts, spent, _cum) in callers.items():
                shares[bucket(caller)] += spent
        else:
            shares[bucket(filename)] += own
    total = sum(shares.values()) or 1.0
    return {name: round(100 * value / total, 1) for name, value in shares.items()}


def _median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 3)


def _median_us(values: list[float]) -> float:
    return round(statistics.median(values) * 1e6, 1)


SINGLE_CALLS = 300  # per round; rounds alternate the fake and the floor


def _calls(client: httpx.Client, path: str, headers: dict[str, str], n: int) -> tuple[float, float]:
    """(wall, CPU) seconds per call, over n calls."""
    wall, cpu = time.perf_counter(), time.thread_time()
    for _ in range(n):
        client.get(path, headers=headers).read()
    return (time.perf_counter() - wall) / n, (time.thread_time() - cpu) / n


def single_calls(rounds: int = 5) -> dict[str, Any]:
    """One REST call through the fixture's client against respx serving its bytes."""
    fake = Fake(FakeConfig(clock="manual", seed=7))
    transport = StreamingTransport(build_app(fake), advancer=DeadlineTracker.of(fake.clock))
    out: dict[str, Any] = {}
    try:
        with httpx.Client(transport=transport, base_url=BASE) as client:
            token, account = fake.mint_account(kind="registered", credits=1000)
            auth = {"Authorization": f"Bearer {token.value}"}
            with fake.service.lock:
                session = fake.service.sessions.create(account, "project", "en").session_id
            paths = {
                "GET state": f"/api/state/nemo_agent/me/{session}/latest",
                "GET credits": "/api/credits/balance/simple",
            }
            for name, path in paths.items():
                recorded: list[Exchange] = []
                _record(recorded, client.get(path, headers=auth))
                router = canned_router(recorded)
                fake_runs: list[tuple[float, float]] = []
                floor_runs: list[tuple[float, float]] = []
                with httpx.Client(base_url=BASE) as plain:
                    for i in range(rounds + 1):
                        fake_run = _calls(client, path, auth, SINGLE_CALLS)
                        with router:
                            floor_run = _calls(plain, path, auth, SINGLE_CALLS)
                        if i:  # the first round warms up
                            fake_runs.append(fake_run)
                            floor_runs.append(floor_run)
                fake_wall = statistics.median(w for w, _ in fake_runs)
                fake_cpu = statistics.median(c for _, c in fake_runs)
                floor_wall = statistics.median(w for w, _ in floor_runs)
                floor_cpu = statistics.median(c for _, c in floor_runs)
                out[name] = {
                    "bytes": len(recorded[0].body),
                    "fake_us": round(fake_wall * 1e6, 1),
                    "floor_us": round(floor_wall * 1e6, 1),
                    "fake_cpu_us": round(fake_cpu * 1e6, 1),
                    "floor_cpu_us": round(floor_cpu * 1e6, 1),
                    "ratio": round(fake_wall / floor_wall, 2),
                    "ratio_cpu": round(fake_cpu / floor_cpu, 2),
                }
    finally:
        transport.close()
        fake.close()
    return out


def run(iterations: int = 10, warmup: int = 2, max_side: int = 64) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="nemo-bench-inproc-"))
    fake = Fake(FakeConfig(clock="manual", seed=7, media_max_side=max_side, data_dir=str(data_dir)))
    transport = StreamingTransport(build_app(fake), advancer=DeadlineTracker.of(fake.clock))
    timings: list[FlowTiming] = []
    in_app: list[list[float]] = []  # per request: the journal's duration_ms (in the app)
    try:
        with httpx.Client(transport=transport, base_url=BASE, timeout=300) as client:
            for i in range(warmup + iterations):
                fake.reset()
                timing = seeds_flow(client, fake, f"bench-{i}")
                if i >= warmup:
                    timings.append(timing)
                    in_app.append([e.duration_ms / 1000 for e in fake.journal.entries()])
            left = profile_left(client, fake, flows=max(3, iterations // 2))
    finally:
        transport.close()
        fake.close()
        shutil.rmtree(data_dir, ignore_errors=True)
    exchanges = timings[-1].exchanges

    def repeat(client: httpx.Client, runs: int) -> list[FlowTiming]:
        took = [seeds_flow(client, None, f"floor-{i}") for i in range(warmup + runs)]
        return took[warmup:]

    with canned_router(exchanges), httpx.Client(base_url=BASE) as client:
        floor_runs = repeat(client, iterations * 3)
    canned = StreamingTransport(canned_app(exchanges))
    try:
        with httpx.Client(transport=canned, base_url=BASE) as client:
            transport_runs = repeat(client, iterations * 3)
    finally:
        canned.close()
    floor = [t.total_s for t in floor_runs]
    transport_floor = [t.total_s for t in transport_runs]
    without = [t.total_s - t.job_s for t in timings]
    floor_s = statistics.median(floor)
    floor_cpu = statistics.median(t.cpu_s for t in floor_runs)
    fake_cpu = statistics.median(t.cpu_s for t in timings)
    names = [
        f"{e.method} {e.path.split('/')[-1] if 'state' not in e.path else 'state'}"
        for e in exchanges
    ]
    return {
        "requests": len(exchanges),
        "iterations": iterations,
        "media_max_side": max_side,
        "sse_bytes": len(exchanges[2].body),
        "sse_chunks": len(exchanges[2].chunks),
        "mp4_bytes": len(exchanges[-1].body),
        "fake_with_encoding_ms": _median_ms([t.total_s for t in timings]),
        "fake_without_encoding_ms": _median_ms(without),
        "render_job_ms": _median_ms([t.job_s for t in timings]),
        "floor_ms": _median_ms(floor),
        "transport_floor_ms": _median_ms(transport_floor),
        "ratio_without_encoding": round(statistics.median(without) / floor_s, 2),
        "ratio_with_encoding": round(statistics.median(t.total_s for t in timings) / floor_s, 2),
        "ratio_transport_floor": round(statistics.median(transport_floor) / floor_s, 2),
        "fake_cpu_ms": round(fake_cpu * 1000, 3),
        "floor_cpu_ms": round(floor_cpu * 1000, 3),
        "transport_floor_cpu_ms": _median_ms([t.cpu_s for t in transport_runs]),
        "ratio_cpu": round(fake_cpu / floor_cpu, 2),
        "single_call": single_calls(),
        "in_app_ms": {
            name: _median_ms([run[k] for run in in_app if k < len(run)])
            for k, name in enumerate(names)
        },
        "profile_left": left,
        # the calling thread's CPU per request, client included (the floor's beside it)
        "request_cpu_ms": {
            name: {
                "fake": _median_ms([t.request_cpu_s[k] for t in timings]),
                "floor": _median_ms([t.request_cpu_s[k] for t in floor_runs]),
            }
            for k, name in enumerate(names)
        },
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
