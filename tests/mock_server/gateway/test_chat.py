"""The gateway's WebSocket chat: the same turn as /run_sse in the gateway's vocabulary,
auth and session close codes, ping, ask_question round trips, busy and credit errors,
a dropped socket resumed without a second turn, and the journal of every message."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from mock_server.journal import Exchange
from mock_server.testing.conformance import ContractChecker
from mock_server.testing.handles import FakeHandle, NemoAccount

PROMPT = "generate a video of a red fox running through snow. Duration: 5 seconds"


def open_project(nemo_fake: FakeHandle, credits: int = 1000) -> tuple[NemoAccount, str]:
    account = nemo_fake.new_account("registered", credits=credits)
    created = nemo_fake.client.post(
        "/projects", json={"create_session": True}, headers=account.headers
    ).json()["data"]
    return account, created["session"]["session_id"]


def chat_path(account: NemoAccount, session_id: str) -> str:
    return f"/ws/chat?token={account.token}&session_id={session_id}"


def until(ws: Any, kind: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    while not seen or seen[-1]["type"] != kind:
        seen.append(ws.receive_json())
    return seen


def kinds(messages: list[dict[str, Any]]) -> list[str]:
    return [m["type"] for m in messages]


def test_a_turn_streams_in_the_gateway_vocabulary(nemo_fake: FakeHandle) -> None:
    account, sid = open_project(nemo_fake)
    with nemo_fake.websocket(chat_path(account, sid)) as ws:
        assert kinds(until(ws, "session_ready")) == ["warming_up", "status", "session_ready"]
        ws.send_json({"type": "message", "content": PROMPT, "metadata": {}})
        turn = until(ws, "done")
    assert kinds(turn)[:3] == ["message_accepted", "thinking_start", "thinking_chunk"]
    starts = [m["name"] for m in turn if m["type"] == "tool_start"]
    ends = [m["name"] for m in turn if m["type"] == "tool_end"]
    assert starts == ends and "generate_video_with_seedance" in starts
    texts = [m["text"] for m in turn if m["type"] == "text"]
    chunks = "".join(m["text"] for m in turn if m["type"] == "chunk")
    assert texts and chunks == "".join(texts)
    # the turn landed: the draft (through the skill API) and the credits
    state = nemo_fake.client.get(
        f"/api/state/nemo_agent/me/{sid}/latest", headers=account.headers
    ).json()["data"]["state"]
    assert state["draft"]["d"] == 5000
    balance = nemo_fake.client.get("/billing/balance", headers=account.headers).json()["data"]
    assert balance["total_consumed"] == nemo_fake.config.generation_cost


def test_the_same_turn_as_run_sse(nemo_fake_factory: Any) -> None:
    """Same seed, same message: /run_sse and the WebSocket make the same draft and say
    the same texts."""
    results = []
    for transport in ("sse", "ws"):
        fake = nemo_fake_factory(seed=5)
        account, sid = open_project(fake)
        if transport == "sse":
            body = {"session_id": sid, "new_message": {"parts": [{"text": PROMPT}], "role": "user"}}
            with fake.client.stream("POST", "/run_sse", json=body, headers=account.headers) as r:
                texts = [
                    part["text"]
                    for line in r.iter_lines()
                    if line.startswith("data: {")
                    for part in json.loads(line[6:])["content"]["parts"]
                    if "text" in part
                ]
        else:
            with fake.websocket(chat_path(account, sid)) as ws:
                until(ws, "session_ready")
                ws.send_json({"type": "message", "content": PROMPT})
                texts = [m["text"] for m in until(ws, "done") if m["type"] == "text"]
        state = fake.client.get(
            f"/api/state/nemo_agent/me/{sid}/latest", headers=account.headers
        ).json()["data"]["state"]
        results.append((texts, state["draft"]))
    assert results[0] == results[1]


@pytest.mark.parametrize(
    ("query", "code", "reason"),
    [
        ("token=nmv_usr_wrong&session_id=1", 4001, "Invalid authentication token"),
        ("session_id=1", 4001, "Missing authentication token"),
        ("token={token}", 4002, "Missing session_id"),
        ("token={token}&session_id=123", 4002, "Session not found: 123"),
    ],
)
def test_refusals_close_with_the_clis_codes(
    nemo_fake: FakeHandle, query: str, code: int, reason: str
) -> None:
    account = nemo_fake.new_account("registered")
    path = f"/ws/chat?{query.format(token=account.token)}"
    with nemo_fake.websocket(path) as ws, pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_json()
    assert (closed.value.code, closed.value.reason) == (code, reason)
    entry = nemo_fake.requests(path="/ws/chat")[-1]
    assert entry.extra["close_code"] == code
    assert account.token not in entry.query  # masked


def test_ping_pong_and_bad_client_messages(nemo_fake: FakeHandle) -> None:
    account, sid = open_project(nemo_fake)
    with nemo_fake.websocket(chat_path(account, sid)) as ws:
        until(ws, "session_ready")
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}
        ws.send_text("not json")
        assert ws.receive_json()["type"] == "error"
        ws.send_json({"type": "shout"})
        assert "Unknown message type" in ws.receive_json()["error"]
        ws.send_json({"type": "message", "content": "  "})
        assert ws.receive_json()["type"] == "error"


def test_ask_question_is_answered_by_the_next_message(nemo_fake: FakeHandle) -> None:
    account, sid = open_project(nemo_fake)
    with nemo_fake.websocket(chat_path(account, sid)) as ws:
        until(ws, "session_ready")
        ws.send_json({"type": "message", "content": "make me a video"})
        asked = until(ws, "ask_question")
        assert "done" not in kinds(asked)
        question = asked[-1]["questions"][0]
        label = question["options"][0]["label"]
        # what the CLI sends back, non-interactive: the first option
        ws.send_json({"type": "message", "content": f"1. {question['prompt']}: {label}"})
        answer = until(ws, "done")
    video = next(m for m in answer if m["type"] == "tool_start")
    assert video["args"]["prompt"].lower() in label.lower()  # the chosen option, not the echo
    assert kinds(answer)[0] == "message_accepted"


def test_a_second_message_during_a_turn_is_refused(nemo_fake: FakeHandle) -> None:
    account, sid = open_project(nemo_fake)
    with nemo_fake.websocket(chat_path(account, sid)) as ws:
        until(ws, "session_ready")
        with nemo_fake.hold_clock():  # the turn stays at its start
            ws.send_json({"type": "message", "content": PROMPT})
            assert ws.receive_json()["type"] == "message_accepted"
            ws.send_json({"type": "message", "content": PROMPT})
            refused = until(ws, "error")[-1]
        assert "already running" in refused["error"]
    assert nemo_fake.fake.service.store.session(sid).message_count == 1  # type: ignore[union-attr]


def test_missing_credits_are_an_error_message(nemo_fake: FakeHandle) -> None:
    account, sid = open_project(nemo_fake, credits=0)
    with nemo_fake.websocket(chat_path(account, sid)) as ws:
        until(ws, "session_ready")
        ws.send_json({"type": "message", "content": PROMPT})
        error = until(ws, "error")[-1]
    assert error["code"] == 2001 and "Insufficient credits" in error["error"]


def test_a_dropped_socket_resumes_the_same_turn(nemo_fake: FakeHandle) -> None:
    account, sid = open_project(nemo_fake)
    fault = nemo_fake.fault(path="/ws/chat", cut_after_events=6)
    first: list[dict[str, Any]] = []
    with nemo_fake.websocket(chat_path(account, sid)) as ws:
        first += until(ws, "session_ready")
        ws.send_json({"type": "message", "content": PROMPT})
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                first.append(ws.receive_json())
    assert closed.value.code == 1011 and len(first) == 6
    # the CLI reconnects once and does not send its prompt again
    with nemo_fake.websocket(chat_path(account, sid)) as ws:
        second = until(ws, "done")
    assert kinds(second)[0] == "session_ready"
    assert "message_accepted" not in kinds(second)  # no second turn
    whole = [
        m for m in first + second if m["type"] not in ("session_ready", "warming_up", "status")
    ]
    with nemo_fake.websocket(chat_path(account, sid)) as ws:  # a third look: nothing pending
        assert ws.receive_json()["type"] == "session_ready"
    assert kinds(whole)[0] == "message_accepted" and kinds(whole)[-1] == "done"
    assert len([m for m in whole if m["type"] == "text"]) == len(
        {m["text"] for m in whole if m["type"] == "text"}
    )
    assert nemo_fake.fake.service.store.session(sid).message_count == 1  # type: ignore[union-attr]
    entries = nemo_fake.requests(path="/ws/chat")
    assert entries[0].fault_id == fault.id and entries[0].extra["cut"]
    assert entries[1].fault_id is None and entries[1].completed


def test_drop_fault_cuts_after_the_first_turn_message(nemo_fake: FakeHandle) -> None:
    account, sid = open_project(nemo_fake)
    nemo_fake.fault(path="/ws/chat", drop=True)
    with nemo_fake.websocket(chat_path(account, sid)) as ws:
        until(ws, "session_ready")
        ws.send_json({"type": "message", "content": PROMPT})
        assert ws.receive_json()["type"] == "message_accepted"
        with pytest.raises(WebSocketDisconnect):
            ws.receive_json()


def test_handshake_faults(nemo_fake: FakeHandle) -> None:
    account, sid = open_project(nemo_fake)
    nemo_fake.fault(path="/ws/chat", error_code=1001)
    with (
        nemo_fake.websocket(chat_path(account, sid)) as ws,
        pytest.raises(WebSocketDisconnect) as closed,
    ):
        ws.receive_json()
    assert closed.value.code == 4001
    nemo_fake.fault(path="/ws/chat", error_code=503)
    from starlette.testclient import WebSocketDenialResponse

    with (
        pytest.raises(WebSocketDenialResponse) as denied,
        nemo_fake.websocket(chat_path(account, sid)),
    ):
        pass
    assert denied.value.status_code == 503


def test_the_journal_records_every_message(nemo_fake: FakeHandle) -> None:
    account, sid = open_project(nemo_fake)
    with nemo_fake.websocket(chat_path(account, sid)) as ws:
        until(ws, "session_ready")
        ws.send_json({"type": "ping"})
        ws.receive_json()
    entry = nemo_fake.requests(path="/ws/chat")[-1]
    frames = entry.extra["frames"]
    assert [(f["dir"], f["data"]["type"]) for f in frames] == [
        ("out", "warming_up"), ("out", "status"), ("out", "session_ready"), ("in", "ping"), ("out", "pong")
    ]  # fmt: skip
    assert entry.status == 101 and entry.events == 4 and entry.user_id == account.user_id
    admin = nemo_fake.client.get("/_fake/requests", params={"path": "/ws/chat"}).json()
    assert admin["requests"][-1]["frames"] == frames  # the admin API shows them too
    assert account.token not in json.dumps(admin)


def test_the_contract_checks_every_message(
    nemo_fake: FakeHandle, nemo_contract_checker: ContractChecker
) -> None:
    account, sid = open_project(nemo_fake)
    with nemo_fake.websocket(chat_path(account, sid)) as ws:
        until(ws, "session_ready")
    assert nemo_contract_checker.ws_messages == 3
    checker = ContractChecker()
    bad = Exchange("GET", "/ws/chat", "", 101, {}, b'{"type":"chunk"}', websocket=True)
    assert checker.check(bad) and "'text' is a required property" in checker.check(bad)[0]
    unknown = Exchange("GET", "/ws/chat", "", 101, {}, b'{"type":"shout"}', websocket=True)
    assert checker.check(unknown)


def test_a_late_connection_is_a_new_client_not_a_reconnect(
    nemo_fake: FakeHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mock_server.gateway import chat

    account, sid = open_project(nemo_fake)
    nemo_fake.fault(path="/ws/chat", cut_after_events=6)
    with nemo_fake.websocket(chat_path(account, sid)) as ws:
        until(ws, "session_ready")
        ws.send_json({"type": "message", "content": PROMPT})
        with pytest.raises(WebSocketDisconnect):
            while True:
                ws.receive_json()
    monkeypatch.setattr(chat, "RESUME_WINDOW", 0.0)  # the client never came back in time
    nemo_fake.advance(1000)  # the dropped turn has finished meanwhile
    with nemo_fake.websocket(chat_path(account, sid)) as ws:
        assert ws.receive_json()["type"] == "session_ready"
        ws.send_json({"type": "message", "content": "add a title 'Late'"})
        turn = until(ws, "done")  # its own turn, not the old one's tail
    assert turn[0] == {
        "type": "message_accepted",
        "client_message_id": turn[0]["client_message_id"],
    }
    assert any("Late" in m.get("text", "") for m in turn)
    assert nemo_fake.fake.service.store.session(sid).message_count == 2  # type: ignore[union-attr]
