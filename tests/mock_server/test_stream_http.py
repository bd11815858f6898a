"""POST /run_sse end to end, in process, under the manual clock: the test advances API
time whenever the stream waits on it (`fake.clock.sleepers`), reads every frame, and
checks events, heartbeats, state, credits, errors, determinism and isolation."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import httpx
import jsonschema
import pytest
import yaml
from google.adk.events import Event
from httpx_sse import EventSource, aconnect_sse

from client.draft import Draft
from mock_server.agent import TEMPORARY_ISSUE, silent_close
from mock_server.app import build_app
from mock_server.config import FakeConfig
from mock_server.fake import Fake
from mock_server.testing import AsyncStreamingTransport
from nemo_protocol.sse import messages as sse_messages

T = TypeVar("T")
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "contracts" / "events.schema.json"
OPENAPI_PATH = SCHEMA_PATH.with_name("openapi.yaml")
BASE = "http://fake.local"


# --- harness -------------------------------------------------------------------------------


class Driver:
    """Runs coroutines on the in-process app and moves the manual clock by `step` API
    seconds whenever something waits on it and nothing else can run."""

    def __init__(self, fake: Fake, step: float = 1.0) -> None:
        self.fake, self.step = fake, step
        self.paused = 0

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Freeze API time (e.g. while checking state at a given point of the stream)."""
        self.paused += 1
        try:
            yield
        finally:
            self.paused -= 1

    async def run(self, *coros: Awaitable[Any], limit: int = 400_000) -> list[Any]:
        task = asyncio.ensure_future(asyncio.gather(*coros))
        try:
            for _ in range(limit):
                for _ in range(30):
                    if task.done():
                        return task.result()
                    await asyncio.sleep(0)
                if self.fake.clock.sleepers and not self.paused:
                    self.fake.advance(self.step)
                else:
                    await asyncio.sleep(0.0005)
            raise AssertionError("the stream did not finish")
        finally:
            task.cancel()


@dataclass
class User:
    token: str
    user_id: str
    session_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Stream:
    status: int
    frames: list[bytes] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)
    body: Any = None  # the JSON body of a refused (non-SSE) answer
    error: Exception | None = None

    @property
    def raw(self) -> bytes:
        return b"".join(self.frames)

    @property
    def payloads(self) -> list[dict[str, Any]]:
        out = []
        for frame in self.frames:
            if frame.startswith(b"data: ") and frame[6:-2]:
                payload = json.loads(frame[6:-2])
                if payload != {"type": "heartbeat"}:
                    out.append(payload)
        return out

    @property
    def adk(self) -> list[dict[str, Any]]:
        return [p for p in self.payloads if "content" in p]

    def parts(self, key: str) -> list[dict[str, Any]]:
        return [e["content"]["parts"][0][key] for e in self.adk if key in e["content"]["parts"][0]]

    @property
    def texts(self) -> list[str]:
        return [
            e["content"]["parts"][0]["text"]
            for e in self.adk
            if "text" in e["content"]["parts"][0] and not e.get("partial")
        ]

    @property
    def tools(self) -> list[str]:
        return [c["name"] for c in self.parts("functionCall")]

    @property
    def shape(self) -> list[str]:
        out = []
        for e in self.adk:
            part = e["content"]["parts"][0]
            if "functionCall" in part:
                out.append(f"call:{part['functionCall']['name']}")
            elif "functionResponse" in part:
                out.append(f"result:{part['functionResponse']['name']}")
            elif not e.get("partial"):
                out.append("text")
        return out


@cache
def validator(defn: str) -> jsonschema.Draft202012Validator:
    root = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator({**root, "oneOf": [{"$ref": f"#/$defs/{defn}"}]})


def check_wire(stream: Stream, dialect: str = "adk") -> None:
    """Every frame: one SSE block per body message, valid per the schema, and every ADK
    event re-serialized by google-adk to the very same bytes."""
    for frame in stream.frames:
        assert frame.endswith(b"\n\n") and frame.count(b"\n\n") == 1, frame
        if frame.startswith(b":"):
            continue
        text = frame[6:-2].decode()
        if not text:
            continue
        payload = json.loads(text)
        validator("AdkStreamPayload" if dialect == "adk" else "TypedStreamPayload").validate(
            payload
        )
        if dialect == "adk" and "content" in payload:
            assert (
                Event.model_validate_json(text).model_dump_json(exclude_none=True, by_alias=True)
                == text
            )


def manual_fake(tmp_path: Path, **config: Any) -> Fake:
    return Fake(
        FakeConfig(
            clock="manual", seed=config.pop("seed", 42), data_dir=str(tmp_path / "data"), **config
        )
    )


@contextlib.asynccontextmanager
async def client_for(fake: Fake) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=AsyncStreamingTransport(build_app(fake)), base_url=BASE, timeout=30
    ) as client:
        yield client


async def new_user(client: httpx.AsyncClient, client_id: str = "client-1") -> User:
    token = (
        await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": client_id})
    ).json()["data"]
    session = await client.post(
        "/api/tasks/me/with-session/nemo_agent",
        headers={"Authorization": f"Bearer {token['token']}"},
        json={"task_name": "project", "language": "en"},
    )
    return User(token["token"], token["user_id"], session.json()["data"]["session_id"])


async def rich_user(fake: Fake, client: httpx.AsyncClient, credits: int = 10_000) -> User:
    token, account = fake.mint_account(kind="registered", credits=credits)
    session = await client.post(
        "/api/tasks/me/with-session/nemo_agent",
        headers={"Authorization": f"Bearer {token.value}"},
        json={"task_name": "p"},
    )
    return User(token.value, account.user_id, session.json()["data"]["session_id"])


def run_body(user: User, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": user.session_id,
        "new_message": {"parts": [{"text": text}]},
        **extra,
    }


async def open_stream(
    client: httpx.AsyncClient, user: User, text: str, **extra: Any
) -> httpx.Response:
    request = client.build_request(
        "POST",
        "/run_sse",
        headers={**user.headers, "Accept": "text/event-stream"},
        json=run_body(user, text, **extra),
    )
    return await client.send(request, stream=True)


OnFrame = Callable[[bytes, Stream], Awaitable[None]]


async def read(
    fake: Fake,
    response: httpx.Response,
    on_frame: OnFrame | None = None,
    stop_after: int | None = None,
) -> Stream:
    result = Stream(response.status_code)
    if not response.headers.get("content-type", "").startswith("text/event-stream"):
        result.body = json.loads(await response.aread())
        return result
    try:
        async for chunk in response.aiter_raw():
            result.frames.append(chunk)
            result.arrivals.append(fake.clock.now())
            if on_frame is not None:
                await on_frame(chunk, result)
            if stop_after is not None and len(result.frames) >= stop_after:
                break
    except httpx.RemoteProtocolError as exc:
        result.error = exc
    finally:
        await response.aclose()
    return result


async def turn(
    driver: Driver,
    client: httpx.AsyncClient,
    user: User,
    text: str,
    on_frame: OnFrame | None = None,
    **extra: Any,
) -> Stream:
    response = await open_stream(client, user, text, **extra)
    (stream,) = await driver.run(read(driver.fake, response, on_frame))
    return stream


@cache
def contract(name: str) -> jsonschema.Draft202012Validator:
    doc = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
    schema = {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
    return jsonschema.Draft202012Validator(schema)


async def state_of(client: httpx.AsyncClient, user: User) -> dict[str, Any]:
    """GET state, checked against the OpenAPI contract on every read."""
    body = (
        await client.get(f"/api/state/nemo_agent/me/{user.session_id}/latest", headers=user.headers)
    ).json()
    contract("SessionStateResponse").validate(body)
    return body["data"]["state"]


async def credits_of(client: httpx.AsyncClient, user: User) -> dict[str, int]:
    return (await client.get("/api/credits/balance/simple", headers=user.headers)).json()["data"]


def go(coro: Awaitable[T]) -> T:
    async def main() -> T:
        return await coro

    return asyncio.run(main())


GENERATE = "generate a 10-second video of a city timelapse"

# --- generation -----------------------------------------------------------------------------


def test_generation_turn_events_state_and_credits(tmp_path: Path) -> None:
    fake = manual_fake(tmp_path)
    seen: dict[str, Any] = {}

    async def main() -> Stream:
        async with client_for(fake) as client:
            user = await new_user(client)
            driver = Driver(fake)
            before = await state_of(client, user)

            async def on_frame(frame: bytes, stream: Stream) -> None:
                if b'"functionCall"' in frame and b"generate_video_with_seedance" in frame:
                    with driver.hold():
                        seen["credits_at_call"] = await credits_of(client, user)
                        seen["state_at_call"] = await state_of(client, user)
                if b'"functionResponse"' in frame:
                    with driver.hold():
                        name = json.loads(frame[6:-2])["content"]["parts"][0]["functionResponse"][
                            "name"
                        ]
                        seen[f"state_after_{name}"] = await state_of(client, user)
                        seen[f"credits_after_{name}"] = await credits_of(client, user)

            stream = await turn(driver, client, user, GENERATE, on_frame)
            seen["before"], seen["after"] = before, await state_of(client, user)
            seen["credits_end"] = await credits_of(client, user)
            seen["user"] = user
            return stream

    stream = go(main())
    check_wire(stream)
    assert stream.status == 200 and stream.error is None
    assert stream.shape == [
        "text",
        "call:generate_video_with_seedance",
        "result:generate_video_with_seedance",
        "text",
        "call:generate_music",
        "result:generate_music",
        "call:edit_multitrack",
        "result:edit_multitrack",
        "text",
    ]
    # credits: frozen at the start, charged when the clip lands
    assert seen["credits_at_call"] == {"available": 0, "frozen": 100, "total": 100}
    assert seen["credits_after_generate_video_with_seedance"] == {
        "available": 0,
        "frozen": 0,
        "total": 0,
    }
    assert seen["credits_end"] == {"available": 0, "frozen": 0, "total": 0}
    # the state changes with each tool result, exactly as GET state shows it
    assert seen["before"]["draft"] == {} and seen["state_at_call"]["generated_media"] == []
    clip_state = seen["state_after_generate_video_with_seedance"]
    (clip,) = clip_state["generated_media"]
    result = stream.parts("functionResponse")[0]["response"]
    assert clip["id"] == result["media_id"] and clip["cdn_url"] == result["cdn_url"]
    assert clip["type"] == "video" and clip["tool"] == "generate_video_with_seedance"
    assert clip["prompt"] == "city timelapse" and clip["duration"] == 10.0
    assert clip["cdn_url"] == f"{BASE}/media/{clip['id']}/seedance_1.mp4"
    (info,) = clip_state["video_infos"]
    assert (
        info["source"] == "generated" and info["file_type"] == "video" and info["id"] == clip["id"]
    )
    assert [t["tt"] for t in clip_state["draft"]["t"]] == [0]
    assert clip_state["canvas_config"] == {"width": 1920, "height": 1080, "aspect_ratio": "16:9"}
    music_state = seen["state_after_generate_music"]
    assert [t["tt"] for t in music_state["draft"]["t"]] == [0, 1]
    assert [m["type"] for m in music_state["generated_media"]] == ["video", "audio"]
    final = Draft.parse(seen["after"]["draft"])
    assert final.exportable and final.m == {
        "title": "City Timelapse",
        "width": 1920,
        "height": 1080,
    }
    assert final.summary() == (
        'Timeline (3 tracks): 1. Video: city timelapse (0-10s) 2. BGM: Lo-fi (0-10s, 35%) 3. Title: "City Timelapse" (0-3s)'
    )
    assert final.summary() in stream.texts[-1]
    # generated media are registered for on-demand synthesis, never encoded by the stream
    media = fake.service.store.media(clip["id"])
    assert media is not None and media.recipe is not None and media.recipe["kind"] == "clip"
    assert media.path == fake.data_dir / "media" / clip["id"] / "seedance_1.mp4"
    assert media.path is not None and not media.path.exists()
    # timestamps are the API times of emission
    stamps = [e["timestamp"] for e in stream.adk]
    assert stamps == sorted(stamps) and 100 <= stamps[2] - stamps[1] <= 300
    assert fake.service.store.session(seen["user"].session_id).turns[-1].kind == "generation"  # type: ignore[union-attr]


def test_out_of_credits_is_refused_before_the_stream(tmp_path: Path) -> None:
    fake = manual_fake(tmp_path, starting_credits=60)

    async def main() -> tuple[Stream, dict[str, int], Stream, dict[str, Any]]:
        async with client_for(fake) as client:
            user = await new_user(client)
            refused = await turn(Driver(fake), client, user, GENERATE)
            credits = await credits_of(client, user)
            fake.configure(error_status="mapped")
            mapped = await turn(Driver(fake), client, user, GENERATE)
            return refused, credits, mapped, await state_of(client, user)

    refused, credits, mapped, state = go(main())
    assert refused.status == 200 and refused.frames == []
    assert refused.body["code"] == 2001
    assert refused.body["data"]["registration_url"].startswith(
        "https://nemovideo.com/register?bind=anon_"
    )
    assert credits == {"available": 60, "frozen": 0, "total": 60}
    assert mapped.status == 402 and mapped.body["code"] == 2001
    assert state["draft"] == {} and state["generated_media"] == []
    # a refused turn is not a turn
    assert all(
        not s.turns
        for s in fake.service.store.sessions_of(
            refused.body["data"]["registration_url"].split("=")[-1]
        )
    )


def test_registered_users_get_no_registration_url(tmp_path: Path) -> None:
    fake = manual_fake(tmp_path)

    async def main() -> Stream:
        async with client_for(fake) as client:
            user = await rich_user(fake, client, credits=10)
            return await turn(Driver(fake), client, user, GENERATE)

    refused = go(main())
    assert refused.body["code"] == 2001 and "registration_url" not in refused.body["data"]


# --- edits and credits per session -----------------------------------------------------------


def test_edit_turns_change_the_draft_and_cost_once_per_session(tmp_path: Path) -> None:
    fake = manual_fake(tmp_path, silent_close_rate=0)

    async def main() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with client_for(fake) as client:
            user = await rich_user(fake, client, credits=1000)
            driver = Driver(fake)
            await turn(driver, client, user, GENERATE)
            out["after_gen"] = await credits_of(client, user)

            async def on_frame(frame: bytes, stream: Stream) -> None:
                if b'"functionCall"' in frame and "mid_edit" not in out:
                    with driver.hold():
                        out["mid_edit"] = await credits_of(client, user)

            out["title"] = await turn(driver, client, user, 'add a title "Urban Dreams"', on_frame)
            out["after_title"] = await credits_of(client, user)
            out["title_state"] = await state_of(client, user)
            out["music"] = await turn(driver, client, user, "add upbeat music at 50%")
            out["trim"] = await turn(driver, client, user, "make it 6 seconds")
            out["end"] = await credits_of(client, user)
            out["state"] = await state_of(client, user)
        return out

    out = go(main())
    assert out["after_gen"] == {"available": 900, "frozen": 0, "total": 900}
    assert out["mid_edit"] == {"available": 850, "frozen": 50, "total": 900}
    assert out["after_title"] == {"available": 850, "frozen": 0, "total": 850}
    assert out["end"] == out["after_title"]  # later edits in the session are free
    for name in ("title", "music", "trim"):
        check_wire(out[name])
    assert out["title"].shape == ["call:edit_multitrack", "result:edit_multitrack", "text"]
    assert Draft.parse(out["title_state"]["draft"]).tracks_of(7)[0].sg[0].tx == "Urban Dreams"
    assert out["music"].tools == ["generate_music"]
    assert out["trim"].parts("functionCall")[0]["args"] == {"action": "trim", "duration_ms": 6000}
    final = Draft.parse(out["state"]["draft"])
    assert final.summary() == (
        'Timeline (3 tracks): 1. Video: city timelapse (0-6s) 2. BGM: Upbeat (0-6s, 50%) 3. Title: "Urban Dreams" (0-3s)'
    )
    assert final.m["title"] == "Urban Dreams" and final.exportable
    assert [m["type"] for m in out["state"]["generated_media"]] == ["video", "audio", "audio"]


def test_silent_closes_through_http(tmp_path: Path) -> None:
    """A handful of edit turns: the silent ones carry no text, the state changes the same."""
    fake = manual_fake(tmp_path, silent_close_rate=0.5, seed=3)

    async def main() -> tuple[list[Stream], list[dict[str, Any]], str]:
        streams, drafts = [], []
        async with client_for(fake) as client:
            user = await rich_user(fake, client)
            driver = Driver(fake, step=2.0)
            await turn(driver, client, user, GENERATE)
            for seconds in (9, 8, 7, 6, 5, 4):
                streams.append(await turn(driver, client, user, f"trim it to {seconds}s"))
                drafts.append((await state_of(client, user))["draft"])
            return streams, drafts, user.session_id

    streams, drafts, sid = go(main())
    decisions = [silent_close(3, sid, n, 0.5) for n in range(2, 8)]
    assert True in decisions and False in decisions  # the seed gives both kinds
    for stream, silent, draft, seconds in zip(
        streams, decisions, drafts, (9, 8, 7, 6, 5, 4), strict=True
    ):
        check_wire(stream)
        assert stream.shape == (
            ["call:edit_multitrack", "result:edit_multitrack"] + ([] if silent else ["text"])
        )
        assert draft["d"] == seconds * 1000


def test_temporary_issue_tail(tmp_path: Path) -> None:
    fake = manual_fake(tmp_path, temporary_issue_rate=1)

    async def main() -> Stream:
        async with client_for(fake) as client:
            return await turn(Driver(fake), client, await new_user(client), "hi")

    stream = go(main())
    assert stream.texts[-1] == TEMPORARY_ISSUE and len(stream.texts) == 2


# --- questions, chat, aspect, Chinese --------------------------------------------------------


def test_ask_then_answer(tmp_path: Path) -> None:
    fake = manual_fake(tmp_path)

    async def main() -> tuple[Stream, Stream, dict[str, int]]:
        async with client_for(fake) as client:
            user = await new_user(client)
            driver = Driver(fake)
            ask = await turn(driver, client, user, "make me a video")
            answer = await turn(driver, client, user, "a lighthouse in a storm")
            return ask, answer, await credits_of(client, user)

    ask, answer, credits = go(main())
    check_wire(ask)
    (event,) = ask.adk
    call = event["content"]["parts"][0]["functionCall"]
    assert call["name"] == "ask_question" and event["longRunningToolIds"] == [call["id"]]
    assert "video" in call["args"]["question"]
    assert answer.parts("functionCall")[0]["args"]["prompt"] == "lighthouse in a storm"
    assert credits["available"] == 0


def test_chat_is_free_and_never_an_error(tmp_path: Path) -> None:
    fake = manual_fake(tmp_path)

    async def main() -> list[Stream]:
        async with client_for(fake) as client:
            user = await new_user(client)
            driver = Driver(fake)
            out = [await turn(driver, client, user, text) for text in ("hello", "¿qué?", "🙂" * 50)]
            empty = await open_stream(client, user, "")
            out.append((await driver.run(read(fake, empty)))[0])
            assert await credits_of(client, user) == {"available": 100, "frozen": 0, "total": 100}
            return out

    for stream in go(main()):
        check_wire(stream)
        assert stream.status == 200 and stream.shape == ["text"]


def test_aspect_change_regenerates(tmp_path: Path) -> None:
    fake = manual_fake(tmp_path)

    async def main() -> tuple[Stream, dict[str, Any], dict[str, int]]:
        async with client_for(fake) as client:
            user = await rich_user(fake, client, credits=300)
            driver = Driver(fake)
            await turn(driver, client, user, GENERATE)
            stream = await turn(driver, client, user, "改成竖屏 9:16")
            return stream, await state_of(client, user), await credits_of(client, user)

    stream, state, credits = go(main())
    check_wire(stream)
    assert stream.tools == ["generate_video_with_seedance", "generate_music", "edit_multitrack"]
    assert "重新生成" in stream.texts[0]
    assert state["canvas_config"] == {"width": 1080, "height": 1920, "aspect_ratio": "9:16"}
    assert Draft.parse(state["draft"]).m == {
        "title": "City Timelapse",
        "width": 1080,
        "height": 1920,
    }
    assert credits["available"] == 100  # two generations
    assert [m["type"] for m in state["generated_media"]] == ["video", "audio", "video", "audio"]


# --- streaming modes, dialects, heartbeats ---------------------------------------------------


def test_partial_streaming_mode(tmp_path: Path) -> None:
    fake = manual_fake(tmp_path)

    async def main() -> Stream:
        async with client_for(fake) as client:
            return await turn(
                Driver(fake), client, await new_user(client), GENERATE, streaming=True
            )

    stream = go(main())
    check_wire(stream)
    partials = [e for e in stream.adk if e.get("partial")]
    assert len(partials) >= 6
    chunks: list[str] = []
    for event in stream.adk:
        part = event["content"]["parts"][0]
        if event.get("partial"):
            chunks.append(part["text"])
        elif "text" in part:
            assert "".join(chunks) == part["text"] and chunks
            chunks = []


@pytest.mark.parametrize("fmt", ["empty", "json", "comment"])
def test_heartbeats_every_interval(tmp_path: Path, fmt: str) -> None:
    fake = manual_fake(tmp_path, heartbeat=fmt, heartbeat_interval=20)
    beat = {
        "empty": b"data: \n\n",
        "json": b'data: {"type":"heartbeat"}\n\n',
        "comment": b": heartbeat\n\n",
    }[fmt]

    async def main() -> Stream:
        async with client_for(fake) as client:
            return await turn(Driver(fake, step=0.5), client, await new_user(client), GENERATE)

    stream = go(main())
    check_wire(stream)
    assert beat in stream.frames
    last_event_at = fake.clock.now() - 10_000
    count = 0
    for frame, at in zip(stream.frames, stream.arrivals, strict=True):
        if frame == beat:
            count += 1
            assert 20 - 0.5 <= at - last_event_at <= 20 + 0.5  # one interval after the last frame
        last_event_at = at
    assert count >= 5  # a 100-300 s generation


def test_typed_dialect(tmp_path: Path) -> None:
    fake = manual_fake(tmp_path, events="typed", heartbeat="json", heartbeat_interval=30)

    async def main() -> Stream:
        async with client_for(fake) as client:
            return await turn(
                Driver(fake), client, await new_user(client), GENERATE, streaming=True
            )

    stream = go(main())
    check_wire(stream, "typed")
    types = [p["type"] for p in stream.payloads]
    assert types == [
        "text",
        "tool_call",
        "tool_result",
        "text",
        "tool_call",
        "tool_result",
        "tool_call",
        "tool_result",
        "text",
    ]
    call = stream.payloads[1]
    assert (
        call["name"] == "generate_video_with_seedance"
        and call["args"]["prompt"] == "city timelapse"
    )
    assert stream.payloads[2]["result"]["status"] == "success"
    assert b'data: {"type":"heartbeat"}\n\n' in stream.frames


# --- determinism and isolation ---------------------------------------------------------------


async def scripted_run(fake: Fake, step: float) -> list[bytes]:
    async with client_for(fake) as client:
        user = await new_user(client)
        driver = Driver(fake, step=step)
        out = []
        for text in (GENERATE, 'add a title "Urban Dreams"', "hello"):
            out.append((await turn(driver, client, user, text, streaming=True)).raw)
        return out


def test_identical_seeds_give_byte_identical_streams(tmp_path: Path) -> None:
    a = go(scripted_run(manual_fake(tmp_path / "a", heartbeat="json"), step=2.0))
    b = go(scripted_run(manual_fake(tmp_path / "b", heartbeat="json"), step=2.0))
    assert a == b
    # how the clock is moved does not change a stream (only when the next turn starts)
    c = go(scripted_run(manual_fake(tmp_path / "c", heartbeat="json"), step=7.0))
    assert c[0] == a[0] and c[2] != a[2]
    d = go(scripted_run(manual_fake(tmp_path / "d", heartbeat="json", seed=43), step=2.0))
    assert d[0] != a[0]


def test_two_sessions_do_not_interfere(tmp_path: Path) -> None:
    async def solo(name: str, client_id: str, text: str) -> bytes:
        fake = manual_fake(tmp_path / name)
        async with client_for(fake) as client:
            user = await new_user(client, client_id)
            return (await turn(Driver(fake), client, user, text)).raw

    alone_a = go(solo("a", "alice", GENERATE))
    alone_b = go(solo("b", "bob", "generate a video of waves at dawn"))

    fake = manual_fake(tmp_path / "both")

    async def both() -> list[Stream]:
        async with client_for(fake) as client:
            # bob creates his session first this time: ids must not depend on the order
            bob = await new_user(client, "bob")
            alice = await new_user(client, "alice")
            ra = await open_stream(client, alice, GENERATE)
            rb = await open_stream(client, bob, "generate a video of waves at dawn")
            return await Driver(fake, step=0.5).run(read(fake, ra), read(fake, rb))

    a, b = go(both())
    assert a.raw == alone_a and b.raw == alone_b
    assert a.adk[0]["invocationId"] != b.adk[0]["invocationId"]


# --- concurrency, disconnects, cuts, failures ------------------------------------------------


def test_second_message_while_running_is_409(tmp_path: Path) -> None:
    fake = manual_fake(tmp_path)

    async def main() -> tuple[httpx.Response, Stream, Stream, dict[str, int]]:
        async with client_for(fake) as client:
            user = await rich_user(fake, client, credits=1000)
            driver = Driver(fake)
            first = await open_stream(client, user, GENERATE)
            busy = await client.post(
                "/run_sse", headers=user.headers, json=run_body(user, GENERATE)
            )
            (done,) = await driver.run(read(fake, first))
            again = await turn(driver, client, user, "hello")
            return busy, done, again, await credits_of(client, user)

    busy, done, again, credits = go(main())
    assert busy.status_code == 409
    assert busy.json()["code"] == 409 and "already running" in busy.json()["message"]
    assert done.shape[-1] == "text" and again.shape == ["text"]
    assert credits == {"available": 900, "frozen": 0, "total": 900}  # charged once


def test_disconnect_mid_stream_still_lands_the_turn(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = manual_fake(tmp_path)
    caplog.set_level(logging.WARNING)

    async def main() -> tuple[Stream, dict[str, Any], dict[str, int], dict[str, int]]:
        async with client_for(fake) as client:
            user = await new_user(client)
            response = await open_stream(client, user, GENERATE)
            (partial,) = await Driver(fake).run(
                read(fake, response, stop_after=2)
            )  # text, call: then hang up
            mid = await credits_of(client, user)
            fake.advance(1000)
            return partial, await state_of(client, user), mid, await credits_of(client, user)

    partial, state, mid, end = go(main())
    assert len(partial.frames) == 2
    assert mid == {"available": 0, "frozen": 100, "total": 100}
    assert end == {"available": 0, "frozen": 0, "total": 0}
    assert Draft.parse(state["draft"]).summary().startswith("Timeline (3 tracks)")
    assert all(e.status != 500 for e in fake.journal.entries())
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_cut_stream_leaves_correct_state(tmp_path: Path) -> None:
    fake = manual_fake(tmp_path, heartbeat="json")
    fake.faults.add(method="POST", path="/run_sse", times=1, cut_after_events=4)

    async def main() -> tuple[Stream, dict[str, Any], dict[str, Any], dict[str, int]]:
        async with client_for(fake) as client:
            user = await new_user(client)
            cut = await turn(Driver(fake), client, user, GENERATE)
            at_cut = await state_of(client, user)
            fake.advance(1000)  # the client's documented recovery: poll state later
            return cut, at_cut, await state_of(client, user), await credits_of(client, user)

    cut, at_cut, state, credits = go(main())
    assert len(cut.frames) == 4 and isinstance(cut.error, httpx.RemoteProtocolError)
    assert len(at_cut["generated_media"]) <= 1  # at most the clip had landed when it was cut
    assert Draft.parse(state["draft"]).exportable and len(state["generated_media"]) == 2
    assert credits == {"available": 0, "frozen": 0, "total": 0}
    (entry,) = fake.journal.entries(path="/run_sse")
    assert entry.extra.get("cut") is True and entry.events == 4


def test_in_stream_failure_is_an_error_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = manual_fake(tmp_path)

    def broken(session: Any) -> None:
        raise RuntimeError("render farm on fire")

    async def main() -> Stream:
        async with client_for(fake) as client:
            user = await new_user(client)
            response = await open_stream(client, user, GENERATE)
            monkeypatch.setattr(fake.service.sessions, "apply_due", broken)
            (stream,) = await Driver(fake).run(read(fake, response))
            return stream

    stream = go(main())
    check_wire(stream)
    assert stream.frames[-1] == b'data: {"error": "RuntimeError: render farm on fire"}\n\n'
    assert stream.shape == ["text", "call:generate_video_with_seedance"]


def test_unknown_session_and_bad_bodies(tmp_path: Path) -> None:
    fake = manual_fake(tmp_path)

    async def main() -> list[httpx.Response]:
        async with client_for(fake) as client:
            user = await new_user(client)
            missing = await client.post(
                "/run_sse", headers=user.headers, json={**run_body(user, "hi"), "session_id": "1"}
            )
            bad = await client.post("/run_sse", headers=user.headers, content=b"{nope")
            camel = await open_stream(client, user, "hi")
            await camel.aclose()
            return [missing, bad]

    missing, bad = go(main())
    assert missing.json()["code"] == 1002
    assert bad.status_code == 422


def test_camel_case_body_and_function_response_answer(tmp_path: Path) -> None:
    fake = manual_fake(tmp_path)

    async def main() -> tuple[Stream, Stream]:
        async with client_for(fake) as client:
            user = await new_user(client)
            driver = Driver(fake)
            ask = await turn(driver, client, user, "做个视频")
            call_id = ask.parts("functionCall")[0]["id"]
            body = {
                "appName": "nemo_agent",
                "userId": "me",
                "sessionId": user.session_id,
                "newMessage": {
                    "role": "user",
                    "parts": [
                        {
                            "functionResponse": {
                                "id": call_id,
                                "name": "ask_question",
                                "response": {"answer": "海边日落"},
                            }
                        }
                    ],
                },
            }
            request = client.build_request("POST", "/run_sse", headers=user.headers, json=body)
            (answer,) = await driver.run(read(fake, await client.send(request, stream=True)))
            return ask, answer

    ask, answer = go(main())
    assert ask.tools == ["ask_question"]
    assert answer.parts("functionCall")[0]["args"]["prompt"] == "海边日落"
    assert "视频已完成" in answer.texts[-1]


# --- an independent SSE parser agrees ---------------------------------------------------------


def own_parse(raw: bytes) -> list[str]:
    """The data of each dispatched event by the project's one SSE reader (comments skipped),
    held against httpx-sse's reading of the same bytes."""
    return [m.data for m in sse_messages(raw) if m.comment is None]


@pytest.mark.parametrize("fmt", ["json", "empty", "comment"])
def test_httpx_sse_reads_the_same_events(tmp_path: Path, fmt: str) -> None:
    """Two identical fakes (same seed: byte-identical streams): one read raw and parsed
    here, one read live by httpx-sse; and httpx-sse over the recorded bytes too."""
    config = {"heartbeat": fmt, "heartbeat_interval": 30}

    async def raw_run(fake: Fake) -> bytes:
        async with client_for(fake) as client:
            return (
                await turn(Driver(fake), client, await new_user(client), GENERATE, streaming=True)
            ).raw

    async def httpx_sse_run(fake: Fake) -> list[str]:
        async with client_for(fake) as client:
            user = await new_user(client)
            seen: list[str] = []

            async def consume() -> None:
                body = run_body(user, GENERATE, streaming=True)
                async with aconnect_sse(
                    client, "POST", "/run_sse", headers=user.headers, json=body
                ) as source:
                    seen.extend([sse.data async for sse in source.aiter_sse()])

            await Driver(fake, step=3.0).run(consume())
            return seen

    raw = go(raw_run(manual_fake(tmp_path / "a", **config)))
    mine = own_parse(raw)
    live = go(httpx_sse_run(manual_fake(tmp_path / "b", **config)))
    recorded = [
        s.data
        for s in EventSource(
            httpx.Response(200, headers={"content-type": "text/event-stream"}, content=raw)
        ).iter_sse()
    ]
    assert live == mine == recorded
    assert len([d for d in mine if d.startswith('{"content"')]) >= 9
    if fmt == "comment":
        assert b": heartbeat\n\n" in raw and all(d for d in mine)  # comments are no events
    else:
        assert ("" if fmt == "empty" else '{"type":"heartbeat"}') in mine
