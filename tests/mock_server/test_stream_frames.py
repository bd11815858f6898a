"""Rendering a planned turn as SSE frames: ADK events byte-identical to google-adk's own
serialization, the typed dialect, heartbeats, partial chunks (no HTTP, no clock)."""

# ruff: noqa: RUF001  (Chinese messages use full-width punctuation)

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from google.adk.events import Event

from mock_server import stream
from mock_server.agent import TurnInput, TurnPlan, plan_turn
from mock_server.config import FakeConfig
from mock_server.stream import HEARTBEATS, Frame, error_frame, frames, split_text, with_heartbeats

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "contracts" / "events.schema.json"
T0 = 1_767_225_600.0


@cache
def validator(defn: str) -> jsonschema.Draft202012Validator:
    root = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(root)
    return jsonschema.Draft202012Validator({**root, "oneOf": [{"$ref": f"#/$defs/{defn}"}]})


def adk_roundtrip(payload: str) -> None:
    """google-adk's Event ignores unknown keys but genai's Part forbids them: re-serializing
    to the very same bytes is the proof that the fake speaks ADK."""
    assert (
        Event.model_validate_json(payload).model_dump_json(exclude_none=True, by_alias=True)
        == payload
    )


def check_frame(frame: bytes, dialect: str) -> dict[str, Any] | None:
    """One SSE block per frame; its payload valid for the dialect. Returns the payload."""
    assert frame.endswith(b"\n\n") and frame.count(b"\n\n") == 1
    if frame.startswith(b":"):
        return None
    assert frame.startswith(b"data: ")
    text = frame[len(b"data: ") : -2].decode()
    if not text:
        return None
    payload = json.loads(text)
    validator("AdkStreamPayload" if dialect == "adk" else "TypedStreamPayload").validate(payload)
    if dialect == "adk" and "content" in payload:
        adk_roundtrip(text)
    return payload


def plan_for(message: str, turn: int = 1, **changes: Any) -> TurnPlan:
    inp = TurnInput(
        seed=5,
        config=FakeConfig(),
        user_id="anon_0123456789abcdef",
        session_id="5529798706024415232",
        turn=turn,
        started_at=T0,
        message=message,
        base_url="http://127.0.0.1:8000",
        data_dir=Path("/data"),
        draft={},
        canvas={"width": 1920, "height": 1080, "aspect_ratio": "16:9"},
        video_infos=[],
        memory={},
    )
    return plan_turn(replace(inp, **changes))


def edited_plan(message: str, **config: Any) -> TurnPlan:
    first = plan_for("generate a video of a lighthouse in a storm")
    draft: dict[str, Any] = {}
    for change in first.changes:
        if change.draft:
            draft = change.draft(draft)
    return plan_for(message, turn=2, draft=draft, memory=first.memory, config=FakeConfig(**config))


PLANS = {
    "generation": lambda: plan_for("generate a 9:16 video of a lighthouse in a storm"),
    "generation_zh": lambda: plan_for("生成一段「海边日落」的视频，电影感"),
    "edit": lambda: edited_plan(
        'add jazz music and a title "Storm" and trim to 4s', silent_close_rate=0
    ),
    "silent_edit": lambda: edited_plan("add captions", silent_close_rate=1),
    "ask": lambda: plan_for("make me a video"),
    "chat": lambda: plan_for("hello there"),
    "canvas": lambda: plan_for("make it square"),
    "temporary": lambda: plan_for("what?", config=FakeConfig(temporary_issue_rate=1)),
}


@pytest.mark.parametrize("name", sorted(PLANS))
@pytest.mark.parametrize("streaming", [False, True])
def test_every_adk_event_round_trips_through_google_adk(name: str, streaming: bool) -> None:
    plan = PLANS[name]()
    out = frames(plan, dialect="adk", streaming=streaming)
    payloads = [check_frame(f.data, "adk") for f in out]
    assert all(p is not None for p in payloads)
    events = [p for p in payloads if p is not None]
    assert {e["invocationId"] for e in events} == {plan.invocation_id}
    assert all(
        e["author"] == "nemo_agent" and e["nodeInfo"] == {"path": "nemo_agent@1"} for e in events
    )
    assert [f.at for f in out] == sorted(f.at for f in out)
    assert [e["timestamp"] for e in events] == [f.at for f in out]
    for event in events:
        part = event["content"]["parts"][0]
        if "functionCall" in part:
            assert event["content"]["role"] == "model"
            assert event["longRunningToolIds"] == (
                [part["functionCall"]["id"]]
                if part["functionCall"]["name"] == "ask_question"
                else []
            )
        elif "functionResponse" in part:
            assert event["content"]["role"] == "user" and "longRunningToolIds" not in event
    calls = [
        e["content"]["parts"][0]["functionCall"]
        for e in events
        if "functionCall" in e["content"]["parts"][0]
    ]
    results = [
        e["content"]["parts"][0]["functionResponse"]
        for e in events
        if "functionResponse" in e["content"]["parts"][0]
    ]
    assert [r["id"] for r in results] == [c["id"] for c in calls if c["name"] != "ask_question"]
    assert len({e["id"] for e in events if not e.get("partial")}) == len(
        [e for e in events if not e.get("partial")]
    )


def test_partial_chunks_join_to_the_aggregated_text() -> None:
    plan = PLANS["generation"]()
    events = [json.loads(f.data[6:]) for f in frames(plan, streaming=True)]
    texts = [s.text for s in plan.steps if s.kind == "text"]
    finals = [e for e in events if "text" in e["content"]["parts"][0] and not e.get("partial")]
    assert [e["content"]["parts"][0]["text"] for e in finals] == texts
    pending: list[dict[str, Any]] = []
    for event in events:
        if event.get("partial"):
            pending.append(event)
        elif "text" in event["content"]["parts"][0]:
            assert 1 < len(pending) <= stream.PARTIAL_CHUNKS
            assert (
                "".join(p["content"]["parts"][0]["text"] for p in pending)
                == event["content"]["parts"][0]["text"]
            )
            assert {p["id"] for p in pending} == {event["id"]}  # ADK SSE mode: one id per message
            assert all(p["timestamp"] < event["timestamp"] for p in pending)
            pending = []
    assert not pending
    assert not any(
        e.get("partial") for e in (json.loads(f.data[6:]) for f in frames(plan, streaming=False))
    )


@pytest.mark.parametrize("name", sorted(PLANS))
def test_typed_dialect(name: str) -> None:
    plan = PLANS[name]()
    payloads = [check_frame(f.data, "typed") for f in frames(plan, dialect="typed", streaming=True)]
    kinds = {"text": "text", "call": "tool_call", "result": "tool_result"}
    assert [p["type"] for p in payloads if p] == [kinds[s.kind] for s in plan.steps]
    for payload, step in zip(payloads, plan.steps, strict=True):
        assert payload is not None
        if step.kind == "text":
            assert payload == {"type": "text", "content": step.text}
        elif step.kind == "call":
            assert payload == {"type": "tool_call", "name": step.tool, "args": step.payload}
        else:
            assert payload == {"type": "tool_result", "name": step.tool, "result": step.payload}


def test_tool_results_are_where_effects_land() -> None:
    out = frames(PLANS["generation"](), streaming=True)
    assert [f.lands for f in out if f.lands] and all(
        b'"functionResponse"' in f.data for f in out if f.lands
    )


@pytest.mark.parametrize("fmt", sorted(HEARTBEATS))
def test_heartbeat_formats(fmt: str) -> None:
    beat = HEARTBEATS[fmt]
    check_frame(beat, "adk")
    check_frame(beat, "typed")
    assert {
        "empty": b"data: \n\n",
        "json": b'data: {"type":"heartbeat"}\n\n',
        "comment": b": heartbeat\n\n",
    }[fmt] == beat


def test_heartbeats_fill_every_interval_of_silence() -> None:
    script = [
        Frame(T0 + 2, b"a"),
        Frame(T0 + 2.5, b"b"),
        Frame(T0 + 50, b"c"),
        Frame(T0 + 60, b"d"),
    ]
    out = list(with_heartbeats(script, T0, 15, b"hb"))
    assert [(round(f.at - T0, 6), f.data) for f in out] == [
        (2, b"a"),
        (2.5, b"b"),
        (17.5, b"hb"),
        (32.5, b"hb"),
        (47.5, b"hb"),
        (50, b"c"),
        (60, b"d"),  # 10 s < interval: none
    ]
    exact = list(with_heartbeats([Frame(T0 + 30, b"x")], T0, 15, b"hb"))
    assert [f.at - T0 for f in exact] == [15, 30]  # none at the very time of a frame


def test_heartbeats_are_lazy() -> None:
    many = with_heartbeats([Frame(T0 + 300, b"x")], T0, 1e-6, b"hb")
    assert len(list(itertools.islice(many, 1000))) == 1000


def test_generation_heartbeat_count_matches_the_gaps() -> None:
    plan = PLANS["generation"]()
    out = list(with_heartbeats(frames(plan), plan.started_at, 15, HEARTBEATS["json"]))
    events = [f for f in out if f.data != HEARTBEATS["json"]]
    beats = len(out) - len(events)
    expected = 0
    last = plan.started_at
    for f in events:
        gap = f.at - last
        expected += max(0, int(-(-gap // 15)) - 1) if gap > 0 else 0
        last = f.at
    assert beats == expected >= 6  # a 100-300 s generation: at least six beats


def test_split_text() -> None:
    assert split_text("one two three four five six seven", 3) == [
        "one two ",
        "three four five ",
        "six seven",
    ]
    assert (
        "".join(split_text("视频已完成！时间线共三条轨道。", 3)) == "视频已完成！时间线共三条轨道。"
    )
    assert len(split_text("视频已完成！时间线共三条轨道。", 3)) == 3
    assert split_text("hi", 3) == ["h", "i"]
    assert split_text("a b", 3) == ["a ", "b"]
    assert split_text("x", 3) == ["x"]


def test_error_frame() -> None:
    frame = error_frame("RuntimeError: boom")
    assert frame == b'data: {"error": "RuntimeError: boom"}\n\n'
    assert check_frame(frame, "adk") == {"error": "RuntimeError: boom"}
    check_frame(frame, "typed")


def test_the_fake_does_not_import_google_adk_at_run_time() -> None:
    """google-adk is a dev dependency: the server builds its events as plain JSON."""
    import subprocess
    import sys

    code = (
        "import sys, mock_server.app, mock_server.stream, mock_server.agent\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'google')\n"
        "assert not bad, bad\n"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True, timeout=60)
