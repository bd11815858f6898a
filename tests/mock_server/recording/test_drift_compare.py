"""The pure comparison functions behind `nemo-fake verify`."""

from __future__ import annotations

import json

import pytest

from mock_server.recording.cassette import RecordedResponse, SSEChunk
from mock_server.recording.drift import (
    Difference,
    compare_binary,
    compare_json,
    compare_response,
    compare_sse,
    event_kinds,
    json_type,
    needs_more_time,
    parse_frame,
    render_status,
)


def adk(*parts: dict[str, object], partial: bool = False) -> str:
    event: dict[str, object] = {
        "content": {"parts": list(parts), "role": "model"},
        "author": "nemo_agent",
        "id": "x1",
        "timestamp": 1.5,
    }
    if partial:
        event["partial"] = True
    return f"data: {json.dumps(event)}\n\n"


def test_json_types_and_string_formats() -> None:
    values: tuple[object, ...] = (None, True, 3, 2.5, [], {})
    assert [json_type(v) for v in values] == [
        "null",
        "boolean",
        "number",
        "number",
        "array",
        "object",
    ]
    assert json_type("https://x/y") == json_type("<BASE_URL_1>/media/a.mp4") == "string(url)"
    assert json_type("2026-01-08T00:00:00Z") == "string(datetime)"
    assert json_type("<TOKEN_1>") == json_type("nmv_usr_abc") == "string"


def test_volatile_values_are_not_differences() -> None:
    recorded = {
        "code": 0,
        "data": {
            "token": "<TOKEN_1>",
            "session_id": "552979",
            "expires_at": "2026-01-08T00:00:00Z",
            "cdn_url": "<BASE_URL_1>/m/a.mp4",
            "credits": 100,
            "fps": 30,
        },
    }
    actual = {
        "code": 0,
        "data": {
            "token": "nmv_usr_zzz",
            "session_id": "999111",
            "expires_at": "2027-02-01T10:00:00Z",
            "cdn_url": "http://fake.local/m/b.mp4",
            "credits": 7,
            "fps": 29.97,
        },
    }
    assert compare_json(recorded, actual) == []


def test_type_changes_missing_and_extra_keys_are_drift() -> None:
    recorded = {"code": 0, "data": {"available": 100, "frozen": 0, "total": 100}}
    actual = {"code": 0, "data": {"available": "100", "total": 100, "bonus": 1}}
    assert compare_json(recorded, actual) == [
        Difference("$.data.available", "number 100", 'string "100"'),
        Difference("$.data.bonus", "absent", "present (number)"),
        Difference("$.data.frozen", "present (number)", "missing"),
    ]
    assert compare_json({"code": 0}, {"code": 1001}) == [Difference("$.code", "0", "1001")]
    assert compare_json({"success": True}, {"success": False}) == [
        Difference("$.success", "true", "false")
    ]
    assert compare_json({"url": "https://a"}, {"url": "relative/path"})[0].where == "$.url"


def test_lists_and_id_keyed_maps() -> None:
    assert compare_json({"files": [{"a": 1}]}, {"files": []}) == [
        Difference("$.files[]", "1 item(s)", "0 item(s)")
    ]
    assert compare_json({"files": [{"a": 1}, {"a": 2}]}, {"files": [{"a": 3}]}) == []
    assert compare_json({"files": [{"a": 1}]}, {"files": [{"a": "x"}]})[0].where == "$.files[0].a"
    analyses = {"video_analyses": {"med_1a2b3c4d5e": {"scenes": 3}}}
    assert compare_json(analyses, {"video_analyses": {"med_9f8e7d6c5b": {"scenes": 4}}}) == []
    deltas = {"actions": {"artifactDelta": {"clip_1.mp4": 1}}}
    assert compare_json(deltas, {"actions": {"artifactDelta": {"other.mp4": 2}}}) == []


def test_render_status_timing_is_a_note_but_failure_is_drift() -> None:
    note = compare_json({"data": {"status": "completed"}}, {"data": {"status": "processing"}})
    assert note == [Difference("$.data.status", "completed", "processing", drift=False)]
    assert compare_json({"data": {"status": "completed"}}, {"data": {"status": "failed"}})[0].drift
    assert compare_json({"status": "pending"}, {"status": "weird"})[0].drift


@pytest.mark.parametrize(
    ("raw", "kinds"),
    [
        ("data: \n\n", ["heartbeat"]),
        (": keep-alive\n\n", ["heartbeat"]),
        ('data: {"type":"heartbeat"}\n\n', ["heartbeat"]),
        (
            'data: {"type":"tool_call","name":"edit_multitrack","args":{}}\n\n',
            ["tool_call(edit_multitrack)"],
        ),
        ('data: {"type":"text","content":"hi"}\n\n', ["text"]),
        ('data: {"error": "boom"}\n\n', ["error"]),
        ('data: {"errorCode":"SAFETY"}\n\n', ["error"]),
        (
            adk({"functionCall": {"name": "generate_music", "args": {}}}),
            ["tool_call(generate_music)"],
        ),
        (
            adk({"functionResponse": {"name": "generate_music", "response": {}}}),
            ["tool_result(generate_music)"],
        ),
        (adk({"text": "a"}, {"functionCall": {"name": "t"}}), ["text", "tool_call(t)"]),
        (adk({"inlineData": {"mimeType": "image/png"}}), ["part(inlineData)"]),
        ('data: {"actions":{"artifactDelta":{"a.mp4":1}}}\n\n', ["artifact"]),
        ('data: {"actions":{"artifactDelta":{}}}\n\n', ["event"]),
        ("data: not json\n\n", ["text"]),
        ("\n\n", []),
    ],
)
def test_frame_kinds(raw: str, kinds: list[str]) -> None:
    assert [e.kind for e in parse_frame(raw)] == kinds


def test_partial_texts_and_heartbeat_runs_collapse() -> None:
    stream = [
        adk({"text": "Hel"}, partial=True),
        adk({"text": "lo"}, partial=True),
        adk({"text": "Hello"}),
        "data: \n\n",
        "data: \n\n",
        adk({"text": "Next"}),
    ]
    assert event_kinds(stream) == ["text", "heartbeat", "text"]


def test_sse_comparison() -> None:
    call = adk({"functionCall": {"name": "generate_video_with_seedance", "args": {"prompt": "x"}}})
    recorded = [adk({"text": "On it"}), call, "data: \n\n", adk({"text": "Done"})]
    assert (
        compare_sse(
            recorded, [adk({"text": "Sure"}), call, "data: \n\n", "data: \n\n", adk({"text": "Ok"})]
        )
        == []
    )
    assert compare_sse(recorded, [adk({"text": "On it"}), call, adk({"text": "Done"})]) == [
        Difference("sse heartbeats", "some", "none", drift=False)
    ]
    renamed = compare_sse(
        recorded,
        [
            adk({"text": "On it"}),
            adk({"functionCall": {"name": "generate_video", "args": {}}}),
            adk({"text": "Done"}),
        ],
    )
    assert renamed[0] == Difference(
        "sse events",
        "text → tool_call(generate_video_with_seedance) → text",
        "text → tool_call(generate_video) → text",
    )
    shape = compare_sse(
        [call],
        [adk({"functionCall": {"name": "generate_video_with_seedance", "args": {"prompt": 3}}})],
    )
    assert shape == [
        Difference(
            "sse[0] tool_call(generate_video_with_seedance) $.content.parts[0].functionCall.args.prompt",
            'string "x"',
            "number 3",
        )
    ]


def test_whole_responses_and_files() -> None:
    json_response = RecordedResponse(200, {}, body={"code": 0})
    sse = RecordedResponse(200, {}, sse=[SSEChunk(0, "data: \n\n")])
    assert compare_response(json_response, RecordedResponse(401, {}, body={"code": 0})) == [
        Difference("HTTP status", "200", "401")
    ]
    assert compare_response(json_response, sse) == [Difference("response kind", "json", "sse")]
    assert compare_response(sse, RecordedResponse(200, {}, sse=[])) == [
        Difference("sse heartbeats", "some", "none", drift=False)
    ]
    video = {"size": 10, "sha256": "0" * 64, "content_type": "video/mp4"}
    assert compare_binary(video, {**video, "size": 99, "sha256": "1" * 64}) == []
    assert compare_binary(video, {"size": 0, "content_type": "application/json"}) == [
        Difference("content-type", "video/mp4", "application/json"),
        Difference("file size", "10", "0"),
    ]
    assert (
        compare_response(
            RecordedResponse(200, {}, binary=video), RecordedResponse(200, {}, binary=video)
        )
        == []
    )


def test_when_the_fake_just_needs_more_time() -> None:
    done = RecordedResponse(200, {}, body={"success": True, "data": {"status": "completed"}})
    running = RecordedResponse(200, {}, body={"success": True, "data": {"status": "processing"}})
    legacy = RecordedResponse(200, {}, body={"taskId": "r", "status": "pending"})
    assert render_status(legacy.body) == "pending"
    assert render_status({"data": {"status": "success-ish"}}) is None
    assert needs_more_time(done, running, "/api/render/proxy/lambda/r")
    assert needs_more_time(done, legacy, "/api/render/proxy/lambda/r")
    assert not needs_more_time(running, done, "/api/render/proxy/lambda/r")
    missing = RecordedResponse(404, {}, body={"success": False})
    assert needs_more_time(
        RecordedResponse(200, {}, binary={"size": 1}), missing, "/render-result/r.mp4"
    )
    assert not needs_more_time(RecordedResponse(200, {}, body={}), missing, "/api/state/x")


def test_an_unknown_render_is_not_waited_for() -> None:
    done = RecordedResponse(200, {}, body={"success": True, "data": {"status": "completed"}})
    missing = RecordedResponse(404, {}, body={"success": False, "error": "Render job not found"})
    assert not needs_more_time(done, missing, "/api/render/proxy/lambda/r")
    assert needs_more_time(
        RecordedResponse(200, {}, binary={"size": 1}), missing, "/api/render/proxy/r/download"
    )


def test_completion_fields_follow_the_status_timing() -> None:
    processing = {"data": {"id": "r", "status": "processing", "progress": 99}}
    completed = {
        "data": {
            "id": "r",
            "status": "completed",
            "progress": 100,
            "outputUrl": "https://x/r.mp4",
            "completedAt": 1,
        }
    }
    differences = compare_json(processing, completed)
    assert {d.where for d in differences} == {
        "$.data.status",
        "$.data.outputUrl",
        "$.data.completedAt",
    }
    assert not any(d.drift for d in differences)
    failed = {"data": {"id": "r", "status": "failed", "progress": 90, "error": "boom"}}
    assert all(d.drift for d in compare_json(completed, failed))
