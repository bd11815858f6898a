"""The /run_sse turn rules, through both drivers."""

from __future__ import annotations

import httpx
import pytest
import respx

from client import (
    AgentError,
    DisconnectEvent,
    HeartbeatEvent,
    HeartbeatTimeout,
    InsufficientCredits,
    Policy,
    SessionExpired,
    TextEvent,
    ToolCallEvent,
    ToolResultEvent,
    TurnInProgress,
    TurnLost,
)

from .helpers import (
    SID,
    STATE,
    TITLE_TRACK,
    VIDEO_TRACK,
    Harness,
    adk_call,
    adk_result,
    adk_text,
    fail,
    ok,
    sse,
    state_body,
    stream_response,
)


def states(*tracks: list) -> list[httpx.Response]:
    return [ok(state_body(t)) for t in tracks]


def test_adk_turn_events_and_text(harness: Harness, basic: respx.MockRouter) -> None:
    body = sse(
        adk_text("I'll ", partial=True),
        adk_text("generate", partial=True),
        adk_text("I'll generate your video now."),
        None,
        ": keep-alive\n\n",
        adk_call("generate_video_with_seedance", {"prompt": "city"}),
        adk_result("generate_video_with_seedance", {"status": "success"}),
        adk_text("Done! Your video is ready."),
    )
    basic.post("/run_sse").mock(return_value=stream_response(body))
    events, turn = harness.chat(harness.client(), "make a city video")
    assert [type(e).__name__ for e in events] == [
        "TextEvent",
        "TextEvent",
        "TextEvent",
        "HeartbeatEvent",
        "HeartbeatEvent",
        "ToolCallEvent",
        "ToolResultEvent",
        "TextEvent",
    ]
    result = turn.result
    assert result.text == "I'll generate your video now.\nDone! Your video is ready."
    assert not result.silent and result.changes == [] and result.events == events
    assert isinstance(events[5], ToolCallEvent) and events[5].args == {"prompt": "city"}


def test_typed_dialect_turn(harness: Harness, basic: respx.MockRouter) -> None:
    body = sse(
        {"type": "text", "content": "I'll generate your video now..."},
        {"type": "tool_call", "name": "generate_video_with_seedance", "args": {}},
        {"type": "heartbeat"},
        {"type": "tool_result", "name": "generate_video_with_seedance", "result": {}},
    )
    basic.post("/run_sse").mock(return_value=stream_response(body))
    result = harness.run(harness.client(), "send", "go")
    assert result.text == "I'll generate your video now..."
    assert [type(e) for e in result.events] == [
        TextEvent,
        ToolCallEvent,
        HeartbeatEvent,
        ToolResultEvent,
    ]


def test_events_split_across_chunks(harness: Harness, basic: respx.MockRouter) -> None:
    body = sse(adk_text("Hello there"), None)
    chunks = [body[i : i + 5] for i in range(0, len(body), 5)]
    basic.post("/run_sse").mock(return_value=stream_response(chunks))
    assert harness.run(harness.client(), "send", "hi").text == "Hello there"


def test_only_partials_give_joined_text(harness: Harness, basic: respx.MockRouter) -> None:
    body = sse(adk_text("Hel", partial=True), adk_text("lo", partial=True))
    basic.post("/run_sse").mock(return_value=stream_response(body))
    assert harness.run(harness.client(), "send", "hi").text == "Hello"


def test_send_with_callback(harness: Harness, basic: respx.MockRouter) -> None:
    basic.post("/run_sse").mock(return_value=stream_response(sse(adk_text("x"), None)))
    seen: list = []
    harness.run(harness.client(), "send", "hi", seen.append)
    assert [type(e) for e in seen] == [TextEvent, HeartbeatEvent]


# --- silent close --------------------------------------------------------------------


def test_silent_close_diffs_state(harness: Harness, basic: respx.MockRouter) -> None:
    basic.get(STATE).mock(side_effect=states([VIDEO_TRACK], [VIDEO_TRACK, TITLE_TRACK]))
    body = sse(adk_call("edit_multitrack"), adk_result("edit_multitrack", {"ok": True}))
    basic.post("/run_sse").mock(return_value=stream_response(body))
    result = harness.run(harness.client(), "send", "add a title Urban Dreams")
    assert result.silent and result.text == ""
    assert result.changes == ['added track Title: "Urban Dreams" (0-3s)']
    assert result.state is not None and len(result.state.draft.t) == 2


def test_temporary_issue_text_is_ignored(harness: Harness, basic: respx.MockRouter) -> None:
    basic.get(STATE).mock(side_effect=states([VIDEO_TRACK], [VIDEO_TRACK, TITLE_TRACK]))
    body = sse(
        adk_call("edit_multitrack"), adk_text("I encountered a temporary issue. Please retry.")
    )
    basic.post("/run_sse").mock(return_value=stream_response(body))
    result = harness.run(harness.client(), "send", "add a title")
    assert result.silent and result.changes == ['added track Title: "Urban Dreams" (0-3s)']


def test_thought_text_is_not_the_reply(harness: Harness, basic: respx.MockRouter) -> None:
    thought = adk_text("planning")
    thought["content"]["parts"][0]["thought"] = True
    basic.post("/run_sse").mock(return_value=stream_response(sse(thought, adk_text("Answer"))))
    assert harness.run(harness.client(), "send", "q").text == "Answer"


def test_silent_close_without_baseline(harness: Harness, basic: respx.MockRouter) -> None:
    basic.get(STATE).mock(side_effect=[httpx.Response(500)] * 4 + states([VIDEO_TRACK]))
    basic.post("/run_sse").mock(return_value=stream_response(sse(adk_call("edit"))))
    result = harness.run(harness.client(), "send", "edit")
    assert result.silent
    assert result.changes == ["timeline now: Timeline (1 track): 1. Video: city timelapse (0-10s)"]


# --- disconnect recovery ---------------------------------------------------------------

DROPS = [
    httpx.RemoteProtocolError("peer closed connection without sending complete message body"),
    httpx.ReadError("connection reset"),
]


@pytest.mark.parametrize("drop", DROPS, ids=["incomplete-chunked", "read-error"])
def test_drop_mid_stream_recovers_from_state_without_resending(
    harness: Harness, basic: respx.MockRouter, drop: Exception
) -> None:
    state = basic.get(STATE).mock(
        side_effect=states([VIDEO_TRACK], [VIDEO_TRACK], [VIDEO_TRACK], [VIDEO_TRACK, TITLE_TRACK])
    )
    run = basic.post("/run_sse").mock(
        return_value=stream_response([sse(adk_call("edit_multitrack"))], error=drop)
    )
    events, turn = harness.chat(harness.client(), "add a title")
    result = turn.result
    assert run.call_count == 1  # never re-sent
    assert isinstance(events[-1], DisconnectEvent)
    assert result.events == events
    assert harness.clock.sleeps == [30.0, 60.0, 60.0]
    assert state.call_count == 4  # baseline + 3 recovery reads
    assert result.recovered and result.silent
    assert result.changes == ['added track Title: "Urban Dreams" (0-3s)']


def test_drop_with_text_keeps_it(harness: Harness, basic: respx.MockRouter) -> None:
    basic.get(STATE).mock(side_effect=states([], [VIDEO_TRACK]))
    basic.post("/run_sse").mock(
        return_value=stream_response([sse(adk_text("Generating..."))], error=DROPS[1])
    )
    result = harness.run(harness.client(), "send", "go")
    assert result.recovered and not result.silent and result.text == "Generating..."
    assert harness.clock.sleeps == [30.0]


def test_drop_before_headers_is_recovered_too(harness: Harness, basic: respx.MockRouter) -> None:
    basic.get(STATE).mock(side_effect=states([], [VIDEO_TRACK]))
    run = basic.post("/run_sse").mock(side_effect=httpx.RemoteProtocolError("Server disconnected"))
    result = harness.run(harness.client(), "send", "go")
    assert result.recovered and run.call_count == 1


def test_unchanged_state_five_times_is_turn_lost(harness: Harness, basic: respx.MockRouter) -> None:
    # Baseline, 2 unchanged reads, 1 unreadable read (503 through all its retries), 2 more.
    unchanged = [[VIDEO_TRACK]]
    state = basic.get(STATE).mock(
        side_effect=states(*unchanged * 3) + [httpx.Response(503)] * 4 + states(*unchanged * 2)
    )
    run = basic.post("/run_sse").mock(return_value=stream_response([b""], error=DROPS[0]))
    with pytest.raises(TurnLost, match="NOT re-sent") as caught:
        harness.run(harness.client(), "send", "go")
    assert run.call_count == 1
    recovery_sleeps = [s for s in harness.clock.sleeps if s in (30.0, 60.0)]
    assert recovery_sleeps == [30.0, 60.0, 60.0, 60.0, 60.0]
    assert caught.value.turn is not None and caught.value.turn.text == ""
    assert state.call_count == 9


def test_recovery_policy_is_configurable(harness: Harness, basic: respx.MockRouter) -> None:
    basic.get(STATE).mock(return_value=ok(state_body([VIDEO_TRACK])))
    basic.post("/run_sse").mock(return_value=stream_response([b""], error=DROPS[1]))
    policy = Policy(recovery_first_wait=1, recovery_wait=2, recovery_queries=2)
    with pytest.raises(TurnLost):
        harness.run(harness.client(policy=policy), "send", "go")
    assert harness.clock.sleeps == [1, 2]


def test_1002_during_recovery_surfaces(harness: Harness, basic: respx.MockRouter) -> None:
    basic.get(STATE).mock(side_effect=[ok(state_body()), fail(1002)])
    basic.post("/run_sse").mock(return_value=stream_response([b""], error=DROPS[1]))
    with pytest.raises(SessionExpired):
        harness.run(harness.client(), "send", "go")


# --- heartbeat-only timeout ------------------------------------------------------------


def test_heartbeats_only_for_ten_minutes_times_out(
    harness: Harness, basic: respx.MockRouter
) -> None:
    harness.clock.tick = 61.0  # each clock read: a minute passes
    body = sse(adk_text("Working on it")) + sse(*([None] * 20))
    basic.post("/run_sse").mock(return_value=stream_response(body))
    events: list = []
    with pytest.raises(HeartbeatTimeout) as caught:
        harness.run(harness.client(), "send", "go", events.append)
    heartbeats = [e for e in events if isinstance(e, HeartbeatEvent)]
    assert 9 <= len(heartbeats) <= 11
    assert caught.value.turn is not None and caught.value.turn.text == "Working on it"


def test_heartbeats_with_progress_do_not_time_out(
    harness: Harness, basic: respx.MockRouter
) -> None:
    harness.clock.tick = 61.0
    items = []
    for _ in range(5):
        items += [None] * 5 + [adk_call("generate_video")]
    basic.post("/run_sse").mock(return_value=stream_response(sse(*items, adk_text("done"))))
    assert harness.run(harness.client(), "send", "go").text == "done"


def test_heartbeat_timeout_is_configurable(harness: Harness, basic: respx.MockRouter) -> None:
    harness.clock.tick = 1.0
    basic.post("/run_sse").mock(return_value=stream_response(sse(*([None] * 5))))
    with pytest.raises(HeartbeatTimeout, match="3s"):
        harness.run(harness.client(policy=Policy(heartbeat_timeout=3)), "send", "go")


def test_silence_past_read_timeout_is_a_heartbeat_timeout(
    harness: Harness, basic: respx.MockRouter
) -> None:
    basic.post("/run_sse").mock(
        return_value=stream_response([sse(adk_text("hm"))], error=httpx.ReadTimeout("timed out"))
    )
    with pytest.raises(HeartbeatTimeout):
        harness.run(harness.client(), "send", "go")


# --- in-stream errors -----------------------------------------------------------------


def test_in_stream_error_raises_agent_error_with_partial_turn(
    harness: Harness, basic: respx.MockRouter
) -> None:
    body = sse(adk_text("Starting"), {"error": "model overloaded"})
    basic.post("/run_sse").mock(return_value=stream_response(body))
    with pytest.raises(AgentError, match="model overloaded") as caught:
        harness.run(harness.client(), "send", "go")
    assert caught.value.turn is not None and caught.value.turn.text == "Starting"
    assert len(caught.value.turn.errors) == 1


def test_in_stream_business_error_is_typed(harness: Harness, basic: respx.MockRouter) -> None:
    basic.post("/run_sse").mock(
        return_value=stream_response(sse({"error": "Insufficient credits", "code": 2001}))
    )
    with pytest.raises(InsufficientCredits) as caught:
        harness.run(harness.client(), "send", "go")
    assert caught.value.registration_url is not None


def test_in_stream_unknown_code_is_agent_error(harness: Harness, basic: respx.MockRouter) -> None:
    basic.post("/run_sse").mock(return_value=stream_response(sse({"error": "odd", "code": 7777})))
    with pytest.raises(AgentError) as caught:
        harness.run(harness.client(), "send", "go")
    assert caught.value.code == 7777


def test_model_error_code_is_not_fatal(harness: Harness, basic: respx.MockRouter) -> None:
    body = sse(adk_text("Partial"), {"errorCode": "MAX_TOKENS", "errorMessage": "cut"})
    basic.post("/run_sse").mock(return_value=stream_response(body))
    result = harness.run(harness.client(), "send", "go")
    assert result.text == "Partial" and [e.message for e in result.errors] == ["cut"]


# --- one turn at a time ----------------------------------------------------------------


def test_second_message_while_a_turn_runs_is_refused(
    harness: Harness, basic: respx.MockRouter
) -> None:
    run = basic.post("/run_sse").mock(
        return_value=stream_response(sse(adk_text("one"), None, adk_text("two")))
    )
    client = harness.client()
    other = harness.client()  # another client in the process, same session
    harness.run(client, "create_session")
    other.operations.session_id = client.session_id
    events, turn = [], client.chat("first")
    if harness.mode == "sync":
        events.append(next(turn))
    else:
        events.append(harness.loop.run_until_complete(turn.__anext__()))
    assert harness.guard.busy(harness.config.api_url, SID)
    for sender in (client, other):
        with pytest.raises(TurnInProgress):
            harness.run(sender, "send", "second")
    assert run.call_count == 1
    assert harness.collect(turn).text == "one\ntwo"
    assert not harness.guard.busy(harness.config.api_url, SID)
    harness.run(client, "send", "now fine")
    assert run.call_count == 2


def test_closing_a_turn_early_frees_the_session(harness: Harness, basic: respx.MockRouter) -> None:
    basic.post("/run_sse").mock(return_value=stream_response(sse(adk_text("a"), adk_text("b"))))
    client = harness.client()
    events, turn = harness.chat(client, "first", stop_after=1)
    assert len(events) == 1
    assert not harness.guard.busy(harness.config.api_url, SID)
    with pytest.raises(RuntimeError, match="not finished"):
        _ = turn.result


def test_turn_context_managers(harness: Harness, basic: respx.MockRouter) -> None:
    basic.post("/run_sse").mock(return_value=stream_response(sse(adk_text("a"), adk_text("b"))))
    client = harness.client()
    if harness.mode == "sync":
        with client.chat("x") as turn:
            assert iter(turn) is turn
            next(turn)
    else:

        async def use() -> None:
            async with client.chat("x") as turn:
                assert turn.__aiter__() is turn
                await turn.__anext__()

        harness.loop.run_until_complete(use())
    assert not harness.guard.busy(harness.config.api_url, SID)


def test_server_side_busy_is_the_same_typed_error(
    harness: Harness, basic: respx.MockRouter
) -> None:
    basic.post("/run_sse").mock(
        return_value=httpx.Response(409, json={"code": 409, "message": "A turn is already running"})
    )
    with pytest.raises(TurnInProgress):
        harness.run(harness.client(), "send", "go")


def test_session_is_created_with_detected_language(
    harness: Harness, basic: respx.MockRouter
) -> None:
    basic.post("/run_sse").mock(return_value=stream_response(sse(adk_text("好的"))))
    harness.run(harness.client(), "send", "生成一个视频")
    create = next(c for c in basic.calls if c.request.url.path.startswith("/api/tasks"))
    assert b'"zh-CN"' in create.request.content
