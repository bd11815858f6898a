"""The fast path (mock_server/http/fast_path.py) answers exactly as the router does: two
fakes with the same seed and the same history, one app with the fast path and one
without, get the same requests; every message sent (status, raw headers, body), every
journal entry, every observed exchange and every exception must be equal."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Mount, Route, WebSocketRoute

from mock_server.app import FAST_ROUTES, build_app
from mock_server.config import FakeConfig
from mock_server.domain.model import Effect, Render, Turn
from mock_server.fake import Fake
from mock_server.http.fast_path import FastRoutes, PlainRoute, fast_routes, shadowed
from mock_server.journal import Exchange
from mock_server.testing.autoadvance import DeadlineTracker
from tests.conftest import ATTRIBUTION

CREDITS = "/api/credits/balance/simple"


def _state(user: str, session_id: str) -> str:
    return f"/api/state/nemo_agent/{user}/{session_id}/latest"


@dataclass
class Reply:
    messages: list[dict[str, Any]]
    error: str | None
    routed: bool  # a route handled it (it sets scope["endpoint"]); False: the fast path


@dataclass
class Side:
    """One fake and its app (with or without the fast path)."""

    fake: Fake
    app: Any
    exchanges: list[Exchange] = field(default_factory=list)

    async def call(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        query: bytes = b"",
        root: str = "",
        body: bytes = b"",
    ) -> Reply:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "server": ("127.0.0.1", 8000),
            "client": ("127.0.0.1", 50000),
            "scheme": "http",
            "method": method,
            "root_path": root,
            "path": root + path,
            "raw_path": (root + path).encode(),
            "query_string": query,
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        }
        messages: list[dict[str, Any]] = []

        received = False

        async def receive() -> dict[str, Any]:
            nonlocal received
            if received:  # the client stays connected: a disconnect listener just waits
                await asyncio.get_running_loop().create_future()
            received = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            messages.append(message)

        error = None
        try:
            await self.app(scope, receive, send)
        except Exception as exc:  # the server would log it; both sides must raise the same
            error = f"{type(exc).__name__}: {exc}"
        return Reply(messages, error, "endpoint" in scope)

    def journal(self) -> list[dict[str, Any]]:
        entries = [e.to_dict() for e in self.fake.journal.entries()]
        for entry in entries:
            entry.pop("duration_ms")
        return entries


@pytest.fixture(params=["ok200", "mapped"])
def sides(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Side, Side]]:
    pair = []
    for name, fast in (("fast", True), ("routed", False)):
        config = FakeConfig(
            clock="manual",
            seed=7,
            data_dir=str(tmp_path / name),
            error_status=request.param,
            token_ttl_seconds=3600,
        )
        fake = Fake(config)
        side = Side(fake, build_app(fake, fast_path=fast))
        fake.observers.append(side.exchanges.append)
        pair.append(side)
    yield pair[0], pair[1]
    for side in pair:
        side.fake.close()


def _history(fake: Fake) -> dict[str, str]:
    """The same accounts and sessions in each fake: a session with a draft and an effect
    that lands later, and another user's session."""
    token, account = fake.mint_account(kind="registered", credits=50)
    other_token, other = fake.mint_account(kind="anonymous")
    with fake.service.lock:
        mine = fake.service.sessions.create(account, "project", "en")
        theirs = fake.service.sessions.create(other, "theirs", None)
    mine.draft = {"t": [{"tt": 0, "sg": [{"s": 0, "d": 2.5, "v": 1e-05}]}], "title": "日の出"}

    def land() -> None:
        mine.draft["landed"] = True

    now = fake.clock.now()
    mine.turns.append(Turn("inv", "hi", now, now + 5, effects=[Effect(now + 5, land)]))
    return {
        "token": token.value,
        "user": account.user_id,
        "session": mine.session_id,
        "other_token": other_token.value,
        "other_user": other.user_id,
        "other_session": theirs.session_id,
    }


FAST_ONES = 13  # the first requests below, which the fast path serves


def _requests(ids: dict[str, str]) -> list[tuple[str, str, dict[str, str], bytes]]:
    auth = {"Authorization": f"Bearer {ids['token']}", "User-Agent": "t"}
    sid = ids["session"]
    return [
        ("GET", CREDITS, auth, b""),
        ("GET", CREDITS, auth, b"token=nmv_usr_secretsecret&x=1"),
        ("GET", _state("me", sid), auth, b""),
        ("GET", _state(ids["user"], sid), auth, b""),
        ("GET", _state(ids["other_user"], sid), auth, b""),
        ("GET", _state("me", "123"), auth, b""),
        ("GET", _state("me", "é%2F"), auth, b""),
        ("GET", _state("me", ids["other_session"]), auth, b""),
        ("GET", _state("me", ids["other_session"]), {"Authorization": "Bearer x"}, b""),
        ("GET", CREDITS, {}, b""),
        ("GET", CREDITS, {"Authorization": "Basic abc"}, b""),
        ("GET", CREDITS, {"Authorization": f"Bearer {ids['other_token']}"}, b""),
        ("GET", _state("me", sid), {}, b""),
        # not the fast path's (the router's 405, redirect and 404): the same either way
        ("HEAD", CREDITS, auth, b""),
        ("POST", CREDITS, auth, b""),
        ("GET", CREDITS + "/", auth, b""),
        ("GET", _state("me", sid) + "/x", auth, b""),
    ]


def _same(fast: Reply, routed: Reply) -> None:
    assert fast.messages == routed.messages
    assert fast.error == routed.error


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_every_answer_and_journal_entry_is_the_routers(sides: tuple[Side, Side]) -> None:
    fast, routed = sides
    ids = _history(fast.fake)
    assert _history(routed.fake) == ids
    for number, (method, path, headers, query) in enumerate(_requests(ids)):
        one = _run(fast.call(method, path, headers, query))
        other = _run(routed.call(method, path, headers, query))
        _same(one, other)
        if number < FAST_ONES:  # every GET to the two endpoints, whatever its answer
            assert other.routed and not one.routed
    # an effect landing, then an expired token
    for side in sides:
        side.fake.advance(10)
    _same(
        *[
            _run(
                s.call(
                    "GET", _state("me", ids["session"]), {"Authorization": f"Bearer {ids['token']}"}
                )
            )
            for s in sides
        ]
    )
    for side in sides:
        side.fake.advance(3600)
    _same(
        *[_run(s.call("GET", CREDITS, {"Authorization": f"Bearer {ids['token']}"})) for s in sides]
    )
    assert fast.journal() == routed.journal()
    assert fast.exchanges == routed.exchanges
    assert b'"landed":true' in fast.exchanges[-2].body


@pytest.mark.parametrize(
    "spec",
    [
        {"error_code": 429},
        {"error_code": 1002},
        {"error_code": 503},
        {"drop": True},
        {"cut_after_events": 0},
        {"latency": 2.0},
    ],
)
def test_faults_on_the_fast_path_are_the_routers(
    sides: tuple[Side, Side], spec: dict[str, Any]
) -> None:
    ids = _history(sides[0].fake)
    _history(sides[1].fake)
    replies = []
    for side in sides:
        side.fake.faults.add(path="/api/*", **spec)

        async def call(side: Side = side) -> Reply:
            task = asyncio.create_task(
                side.call(
                    "GET", _state("me", ids["session"]), {"Authorization": f"Bearer {ids['token']}"}
                )
            )
            for _ in range(20):  # let it reach the fault's sleep, then move the clock
                await asyncio.sleep(0)
            side.fake.advance(spec.get("latency", 0))
            return await task

        replies.append(_run(call()))
    _same(*replies)
    assert sides[0].journal() == sides[1].journal()
    assert sides[0].exchanges == sides[1].exchanges


def test_a_crash_is_the_routers_500(
    sides: tuple[Side, Side], monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _history(sides[0].fake)
    _history(sides[1].fake)
    replies = []
    for side in sides:

        def broken(account: Any) -> Any:
            raise RuntimeError("a bug")

        monkeypatch.setattr(side.fake.service.ledger, "balance", broken)
        replies.append(_run(side.call("GET", CREDITS, {"Authorization": f"Bearer {ids['token']}"})))
    _same(*replies)
    assert replies[0].error == "RuntimeError: a bug" and replies[0].messages[0]["status"] == 500
    assert sides[0].journal() == sides[1].journal()


def test_a_root_path_is_routed_as_the_router_does(sides: tuple[Side, Side]) -> None:
    ids = _history(sides[0].fake)
    _history(sides[1].fake)
    auth = {"Authorization": f"Bearer {ids['token']}"}
    one, other = (_run(s.call("GET", CREDITS, auth, root="/base")) for s in sides)
    _same(one, other)
    assert not one.routed and one.messages[0]["status"] == 200


def test_the_hot_routes_take_the_fast_path(tmp_path: Path) -> None:
    fake = Fake(FakeConfig(data_dir=str(tmp_path)))
    app = build_app(fake)
    gets = fast_routes(app.router.routes, FAST_ROUTES["GET"], "GET")
    # the poll under both its paths; the download's route is shadowed by the poll's
    assert sorted(r.path for r in gets) == [
        CREDITS,
        "/api/render/proxy/lambda/{render_id}",
        "/api/render/proxy/{render_id}",
        "/api/state/nemo_agent/{user}/{session_id}/latest",
    ]
    posts = fast_routes(app.router.routes, FAST_ROUTES["POST"], "POST")
    assert sorted(r.path for r in posts) == [
        "/api/auth/anonymous-token",
        "/api/render/proxy/draft",
        "/api/render/proxy/lambda",
        "/api/tasks/me/with-session/nemo_agent",
        "/run_sse",
    ]
    assert any(m.cls is FastRoutes for m in app.user_middleware)
    fake.close()


async def _endpoint(request: Any) -> Any:  # pragma: no cover - never called
    raise AssertionError


def test_a_shadowed_route_is_left_to_the_router() -> None:
    hot = PlainRoute("/api/state/nemo_agent/{user}/{session_id}/latest", _endpoint, ["GET"], "s")
    earlier = Route("/api/state/{a}/{b}/{c}/latest", _endpoint, methods=["GET"])
    assert fast_routes([hot], [_endpoint]) == [hot]
    assert fast_routes([earlier, hot], [_endpoint]) == []
    assert fast_routes([hot, earlier], [_endpoint]) == [hot]  # after it: never reached


def _renders(fake: Fake, user: str, session_id: str, out: Path) -> None:
    """The same renders in each fake, stored as the encoder leaves them: one completed
    (its file written), one still processing, one due to fail."""
    out.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    now = fake.clock.now()
    for render_id, duration, will_fail in (
        ("done", 1.0, False),
        ("busy", 90.0, False),
        ("bad", 1.0, True),
    ):
        render = Render(
            render_id=f"render_{render_id}",
            user_id=user,
            session_id=session_id,
            draft={"t": []},
            output={"format": "mp4"},
            submitted_at=now - 10,
            duration=duration,
            will_fail=will_fail,
            public_key="k" * 32,
        )
        if render_id == "done":
            render.artifact, render.size, render.media_duration = out, 16, 2.5
        with fake.service.lock:
            fake.service.store.put_render(render)


def test_a_renders_poll_is_the_routers(sides: tuple[Side, Side], tmp_path: Path) -> None:
    fast, routed = sides
    ids = _history(fast.fake)
    _history(routed.fake)
    for name, side in (("fast", fast), ("routed", routed)):
        _renders(side.fake, ids["user"], ids["session"], tmp_path / f"{name}.mp4")
    auth = {"Authorization": f"Bearer {ids['token']}"}
    requests = [
        ("/api/render/proxy/lambda/render_done", auth),
        ("/api/render/proxy/render_done", auth),  # the first version's path
        ("/api/render/proxy/lambda/render_busy", auth),
        ("/api/render/proxy/lambda/render_bad", auth),
        ("/api/render/proxy/lambda/render_nope", auth),
        ("/api/render/proxy/lambda/render_done", {"Authorization": f"Bearer {ids['other_token']}"}),
        ("/api/render/proxy/lambda/render_done", {}),
    ]
    for path, headers in requests:
        one = _run(fast.call("GET", path, headers))
        other = _run(routed.call("GET", path, headers))
        _same(one, other)
        assert other.routed and not one.routed
    assert fast.journal() == routed.journal()
    assert fast.exchanges == routed.exchanges
    assert [e.status for e in fast.exchanges][:5] == [200, 200, 200, 200, 404]
    assert b'"status":"completed"' in fast.exchanges[0].body
    assert b'"status":"failed"' in fast.exchanges[3].body


async def _driven(side: Side, path: str, headers: dict[str, str], body: Any) -> Reply:
    """A POST whose answer may wait on API time (a `/run_sse` stream): the clock jumps to
    the next deadline whenever the loop has run everything else."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", **headers}
    call = asyncio.ensure_future(side.call("POST", path, headers, body=raw))
    tracker = DeadlineTracker.of(side.fake.clock)
    while not call.done():
        await asyncio.sleep(0)
        tracker.jump()
    return call.result()


def test_the_flows_posts_are_the_routers(sides: tuple[Side, Side]) -> None:
    fast, routed = sides
    ids = _history(fast.fake)
    _history(routed.fake)
    auth = {"Authorization": f"Bearer {ids['token']}"}
    fresh = []  # a richer user's session with no draft yet, for a whole generation
    for side in sides:
        token, account = side.fake.mint_account(kind="registered", credits=1000)
        with side.fake.service.lock:
            session_id = side.fake.service.sessions.create(account, "new", "en").session_id
        fresh.append((token.value, session_id))
    assert fresh[0] == fresh[1]
    client = {"X-Client-Id": "c-1"}
    session = {"task_name": "project", "language": "en"}

    rich = {"Authorization": f"Bearer {fresh[0][0]}"}

    def run(text: str, session_id: str = fresh[0][1]) -> dict[str, Any]:
        message = {"parts": [{"text": text}]}
        return {
            "app_name": "nemo_agent",
            "user_id": "me",
            "session_id": session_id,
            "new_message": message,
        }

    export = {"id": "render_1", "sessionId": ids["session"], "draft": {"t": []}}
    requests: list[tuple[str, dict[str, str], Any]] = [
        ("/api/auth/anonymous-token", client, b""),
        ("/api/auth/anonymous-token", client, b""),  # the same client again: rate-limited
        ("/api/auth/anonymous-token", {}, b""),
        ("/api/tasks/me/with-session/nemo_agent", auth, session),
        ("/api/tasks/me/with-session/nemo_agent", auth, b"{nope"),
        ("/api/tasks/me/with-session/nemo_agent", {}, session),
        ("/run_sse", rich, run("make a 10-second video of a sunset")),
        ("/run_sse", auth, run("hello", "sess_nope")),
        ("/run_sse", auth, run("hello", ids["session"])),  # a turn still running: 409
        ("/run_sse", auth, {"app_name": "nemo_agent"}),
        ("/run_sse", auth, b"[1,"),
        ("/run_sse", {}, run("hello")),
        ("/api/render/proxy/lambda", {**auth, **ATTRIBUTION}, export),
        ("/api/render/proxy/draft", auth, export),
        ("/api/render/proxy/lambda", auth, b"nope"),
    ]
    for path, headers, body in requests:
        one = _run(_driven(fast, path, headers, body))
        other = _run(_driven(routed, path, headers, body))
        _same(one, other)
        assert other.routed and not one.routed
    assert fast.journal() == routed.journal()
    assert fast.exchanges == routed.exchanges
    streams = [
        e for e in fast.exchanges if e.headers["content-type"].startswith("text/event-stream")
    ]
    assert len(streams) == 1 and streams[0].body.count(b"data: ") > 10  # streamed whole


@pytest.mark.parametrize(
    ("earlier", "shadows"),
    [
        (Route("/api/state/{a}/{b}/{c}/latest", _endpoint, methods=["GET"]), True),
        (Route("/api/state/nemo_agent/me/{sid}/latest", _endpoint, methods=["GET"]), True),
        (Route("/api/state/nemo_agent/{u}/{sid}/latest", _endpoint, methods=["POST"]), False),
        (Route("/api/state/nemo_agent/{u}/{sid}/oldest", _endpoint, methods=["GET"]), False),
        (Route("/api/state/nemo_agent/{u}/{sid}", _endpoint, methods=["GET"]), False),
        (Route("/api/state/nemo_agent/{u}/{sid}/latest", _endpoint), True),  # any method
        (Mount("/api", routes=[]), True),
        (WebSocketRoute("/api/state/nemo_agent/{u}/{sid}/latest", _endpoint), False),
    ],
)
def test_a_route_that_might_take_the_same_get_shadows_it(earlier: Any, shadows: bool) -> None:
    assert shadowed("/api/state/nemo_agent/{user}/{session_id}/latest", earlier) is shadows
