"""/run_sse under the scaled clock (time_scale: a 100-300 s generation in a fraction of a
second), over a real uvicorn socket and the sync in-process transport. Bounded waits only."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from google.adk.events import Event
from httpx_sse import connect_sse

from client.draft import Draft
from mock_server.app import build_app
from mock_server.config import FakeConfig
from mock_server.fake import Fake
from mock_server.testing import ServerThread, StreamingTransport

SCALE = 0.0004  # real seconds per API second: a whole generation turn takes ~0.15 s


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[Fake]:
    instance = Fake(
        FakeConfig(
            clock="scaled",
            time_scale=SCALE,
            seed=9,
            heartbeat="json",
            heartbeat_interval=20,
            data_dir=str(tmp_path / "data"),
        )
    )
    yield instance
    instance.close()


def session_for(
    client: httpx.Client, fake: Fake, credits: int = 1000
) -> tuple[dict[str, str], str]:
    token, _account = fake.mint_account(kind="registered", credits=credits)
    headers = {"Authorization": f"Bearer {token.value}"}
    sid = client.post(
        "/api/tasks/me/with-session/nemo_agent", headers=headers, json={"task_name": "p"}
    ).json()["data"]["session_id"]
    return headers, sid


def body(sid: str, text: str) -> dict[str, Any]:
    return {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": sid,
        "new_message": {"parts": [{"text": text}]},
    }


def tools_and_texts(datas: list[str]) -> tuple[list[str], list[str], int]:
    tools, texts, beats = [], [], 0
    for data in datas:
        payload = json.loads(data)
        if payload == {"type": "heartbeat"}:
            beats += 1
            continue
        part = payload["content"]["parts"][0]
        if "functionCall" in part:
            tools.append(part["functionCall"]["name"])
        elif "text" in part:
            texts.append(part["text"])
    return tools, texts, beats


def test_scaled_clock_over_a_real_socket(fake: Fake) -> None:
    with ServerThread(build_app(fake)) as url, httpx.Client(base_url=url, timeout=10) as client:
        headers, sid = session_for(client, fake)
        started = fake.clock.now()
        with connect_sse(
            client,
            "POST",
            "/run_sse",
            headers=headers,
            json=body(sid, "generate a video of a glacier"),
        ) as source:
            assert source.response.headers["content-type"].startswith("text/event-stream")
            datas = [sse.data for sse in source.iter_sse()]
        api_seconds = fake.clock.now() - started
        tools, texts, beats = tools_and_texts(datas)
        for data in datas:  # real-clock timestamps re-serialize identically too
            if data.startswith('{"content"'):
                assert (
                    Event.model_validate_json(data).model_dump_json(
                        exclude_none=True, by_alias=True
                    )
                    == data
                )
        assert tools == ["generate_video_with_seedance", "generate_music", "edit_multitrack"]
        assert len(texts) == 3 and beats >= 5
        assert api_seconds >= 100  # a generation turn's 100-300 s passed in API time
        state = client.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=headers).json()[
            "data"
        ]["state"]
        assert Draft.parse(state["draft"]).exportable
        assert (
            client.get("/api/credits/balance/simple", headers=headers).json()["data"]["available"]
            == 900
        )


def test_concurrent_streams_over_a_socket(fake: Fake) -> None:
    async def one(client: httpx.AsyncClient, headers: dict[str, str], sid: str) -> list[str]:
        lines = []
        async with client.stream(
            "POST", "/run_sse", headers=headers, json=body(sid, "generate a video of rain")
        ) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    lines.append(line[6:])
        return lines

    with ServerThread(build_app(fake)) as url:
        with httpx.Client(base_url=url, timeout=10) as setup:
            sessions = [session_for(setup, fake) for _ in range(20)]

        async def main() -> list[list[str]]:
            limits = httpx.Limits(max_connections=50)
            async with httpx.AsyncClient(base_url=url, timeout=10, limits=limits) as client:
                return await asyncio.wait_for(
                    asyncio.gather(*(one(client, h, s) for h, s in sessions)), 20
                )

        results = asyncio.run(main())
    for lines in results:
        tools, texts, _ = tools_and_texts(lines)
        assert (
            tools == ["generate_video_with_seedance", "generate_music", "edit_multitrack"]
            and len(texts) == 3
        )
    invocations = {json.loads(lines[0])["invocationId"] for lines in results}
    assert len(invocations) == 20


def test_sync_in_process_transport_streams(fake: Fake) -> None:
    transport = StreamingTransport(build_app(fake))
    with httpx.Client(transport=transport, base_url="http://fake.local", timeout=10) as client:
        headers, sid = session_for(client, fake)
        frames = []
        with client.stream(
            "POST", "/run_sse", headers=headers, json=body(sid, "add music")
        ) as response:
            frames = list(response.iter_raw())
        assert len(frames) == 1 and b"MP4, MOV" in frames[0]  # nothing to edit: ask for it
        with client.stream(
            "POST", "/run_sse", headers=headers, json=body(sid, "generate a video of dunes")
        ) as response:
            frames = list(response.iter_raw())
        assert all(f.endswith(b"\n\n") and f.count(b"\n\n") == 1 for f in frames)
        assert frames[-1].startswith(b'data: {"content":{"parts":[{"text":"Your video is ready!')
    transport.close()


def test_hanging_up_over_a_socket_breaks_nothing(
    fake: Fake, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="nemo_fake")
    with ServerThread(build_app(fake)) as url, httpx.Client(base_url=url, timeout=10) as client:
        headers, sid = session_for(client, fake)
        with client.stream(
            "POST", "/run_sse", headers=headers, json=body(sid, "generate a video of a storm")
        ) as response:
            first = next(response.iter_lines())
            assert first.startswith("data: ")
        # the client hung up after one event; the turn runs on in API time: past its end,
        # a single state read shows all of it (no waiting in real time)
        fake.advance(3600)
        state = client.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=headers).json()[
            "data"
        ]["state"]
        assert len(state["draft"].get("t", [])) == 3
        assert Draft.parse(state["draft"]).summary().startswith("Timeline (3 tracks)")
        again = client.post("/run_sse", headers=headers, json=body(sid, "hello"))
        assert again.status_code == 200 and b"text" in again.content
    assert all(e.status != 500 for e in fake.journal.entries())
    assert not caplog.records
