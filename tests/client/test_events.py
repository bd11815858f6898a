from __future__ import annotations

import json
from typing import Any

import pytest

from client.events import (
    ErrorEvent,
    HeartbeatEvent,
    OtherEvent,
    TextEvent,
    ToolCallEvent,
    ToolResultEvent,
    parse_message,
    parse_payload,
)
from nemo_protocol.sse import SSEMessage

from .helpers import adk_call, adk_result, adk_text


def data(payload: Any, event: str = "message") -> SSEMessage:
    return SSEMessage(data=json.dumps(payload), event=event)


# --- ADK dialect ----------------------------------------------------------------------


def test_adk_text() -> None:
    [event] = parse_message(data(adk_text("Hello")))
    assert isinstance(event, TextEvent)
    assert (event.text, event.partial, event.thought, event.author) == (
        "Hello",
        False,
        False,
        "nemo_agent",
    )
    assert event.raw["invocationId"] == "e-1"


def test_adk_partial_chunk() -> None:
    [event] = parse_message(data(adk_text("Hel", partial=True)))
    assert isinstance(event, TextEvent) and event.partial


def test_adk_function_call_and_response() -> None:
    [call] = parse_message(data(adk_call("edit_multitrack", {"op": "title"})))
    assert isinstance(call, ToolCallEvent)
    assert (call.name, call.args, call.call_id) == ("edit_multitrack", {"op": "title"}, "af-1")
    [result] = parse_message(data(adk_result("edit_multitrack", {"status": "success"})))
    assert isinstance(result, ToolResultEvent)
    assert (result.name, result.result, result.call_id) == (
        "edit_multitrack",
        {"status": "success"},
        "af-1",
    )


def test_adk_multi_part_event_gives_one_event_per_part() -> None:
    payload = {
        "content": {
            "parts": [
                {"text": "thinking...", "thought": True},
                {"text": "Sure."},
                {"functionCall": {"name": "generate_video_with_seedance", "args": "bad"}},
                "not a part",
                {"inlineData": {"mimeType": "image/png", "data": ""}},
            ]
        },
        "author": "nemo_agent",
    }
    events = parse_payload(payload)
    assert [type(e) for e in events] == [TextEvent, TextEvent, ToolCallEvent]
    assert isinstance(events[0], TextEvent) and events[0].thought
    assert isinstance(events[2], ToolCallEvent) and events[2].args == {}


def test_adk_user_echo_is_not_agent_text() -> None:
    payload = {"content": {"parts": [{"text": "my own message"}], "role": "user"}, "author": "user"}
    assert [type(e) for e in parse_payload(payload)] == [OtherEvent]


def test_adk_error_code_is_a_non_fatal_error() -> None:
    payload = {"errorCode": "SAFETY", "errorMessage": "blocked", "author": "nemo_agent"}
    [event] = parse_payload(payload)
    assert isinstance(event, ErrorEvent)
    assert (event.message, event.code, event.fatal) == ("blocked", "SAFETY", False)
    [only_code] = parse_payload({"errorCode": "UNKNOWN_ERROR"})
    assert isinstance(only_code, ErrorEvent) and only_code.message == "UNKNOWN_ERROR"


def test_adk_content_with_error_code_keeps_both() -> None:
    payload = {**adk_text("partial answer"), "errorCode": "MAX_TOKENS"}
    assert [type(e) for e in parse_payload(payload)] == [TextEvent, ErrorEvent]


def test_in_stream_error_is_fatal() -> None:
    [event] = parse_message(data({"error": "Insufficient credits", "code": 2001}))
    assert isinstance(event, ErrorEvent)
    assert (event.message, event.code, event.fatal) == ("Insufficient credits", 2001, True)


def test_in_stream_error_object() -> None:
    [event] = parse_payload({"error": {"code": 1002, "message": "Session not found"}})
    assert isinstance(event, ErrorEvent)
    assert (event.message, event.code) == ("Session not found", 1002)
    [bare] = parse_payload({"error": {"detail": "x"}})
    assert isinstance(bare, ErrorEvent) and bare.message == '{"detail": "x"}'


def test_sse_event_named_error() -> None:
    [event] = parse_message(data({"message": "exploded"}, event="error"))
    assert isinstance(event, ErrorEvent) and event.message == "exploded" and event.fatal


def test_event_only_metadata_is_other() -> None:
    [event] = parse_payload({"turnComplete": True, "author": "nemo_agent"})
    assert isinstance(event, OtherEvent) and event.raw == {
        "turnComplete": True,
        "author": "nemo_agent",
    }


def test_top_level_text_is_accepted() -> None:
    [event] = parse_payload({"text": "low-trust shape"})
    assert isinstance(event, TextEvent) and event.text == "low-trust shape"


# --- typed dialect --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "kind", "fields"),
    [
        ({"type": "text", "content": "I'll generate"}, TextEvent, {"text": "I'll generate"}),
        ({"type": "text", "text": "alt key", "partial": True}, TextEvent, {"partial": True}),
        (
            {"type": "tool_call", "name": "generate_video_with_seedance", "args": {"p": 1}},
            ToolCallEvent,
            {"name": "generate_video_with_seedance", "args": {"p": 1}},
        ),
        ({"type": "tool_call", "name": "x", "args": None}, ToolCallEvent, {"args": {}}),
        (
            {"type": "tool_result", "name": "g", "result": {"ok": True}},
            ToolResultEvent,
            {"name": "g", "result": {"ok": True}},
        ),
        ({"type": "heartbeat"}, HeartbeatEvent, {"source": "json"}),
        ({"type": "error", "message": "bad"}, ErrorEvent, {"message": "bad", "fatal": True}),
        ({"type": "done"}, OtherEvent, {}),
    ],
)
def test_typed_dialect(payload: dict[str, Any], kind: type, fields: dict[str, Any]) -> None:
    [event] = parse_message(data(payload))
    assert isinstance(event, kind)
    for name, value in fields.items():
        assert getattr(event, name) == value
    assert event.raw == payload


# --- heartbeats and oddities ------------------------------------------------------------


def test_empty_data_and_comments_are_heartbeats() -> None:
    [empty] = parse_message(SSEMessage(data=""))
    [blank] = parse_message(SSEMessage(data="  "))
    [comment] = parse_message(SSEMessage(comment="ping"))
    assert isinstance(empty, HeartbeatEvent) and empty.source == "empty"
    assert isinstance(blank, HeartbeatEvent)
    assert isinstance(comment, HeartbeatEvent) and comment.source == "comment"
    assert comment.raw == {"comment": "ping"}


def test_non_json_and_non_object_data_are_other() -> None:
    [text] = parse_message(SSEMessage(data="hello"))
    [array] = parse_message(SSEMessage(data="[1,2]"))
    assert isinstance(text, OtherEvent) and text.raw["data"] == "hello"
    assert isinstance(array, OtherEvent) and array.raw["data"] == [1, 2]


def test_multi_line_data_is_joined_before_parsing() -> None:
    [event] = parse_message(SSEMessage(data='{"type":"text",\n"content":"two lines"}'))
    assert isinstance(event, TextEvent) and event.text == "two lines"
