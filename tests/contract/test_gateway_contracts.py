"""The gateway's contracts are well-formed and complete: gateway.openapi.yaml is OpenAPI
3.1 and names every gateway HTTP route the fake serves (and nothing else); the WebSocket
schema is valid 2020-12 and defines every message type of ../shared/gateway-api.md §7,
rejecting malformed ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from starlette.routing import Route, WebSocketRoute

from mock_server.gateway import router

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
GATEWAY: dict[str, Any] = yaml.safe_load((CONTRACTS / "gateway.openapi.yaml").read_text())
WS: dict[str, Any] = json.loads((CONTRACTS / "gateway-ws.schema.json").read_text())

# gateway-api.md §7: 17 server message types, 3 client message types
SERVER_TYPES = {
    "session_ready", "warming_up", "status", "message_accepted", "chunk", "text",
    "thinking_start", "thinking_end", "thinking_chunk", "tool_start", "toolcall_start",
    "tool_end", "toolcall_end", "ask_question", "done", "pong", "error",
}  # fmt: skip
CLIENT_TYPES = {"message", "ping", "abort"}


def test_the_gateway_openapi_is_valid_3_1() -> None:
    definitions = pytest.importorskip("schemathesis.specs.openapi.definitions")
    meta = Draft202012Validator(definitions.OPENAPI_31)
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in meta.iter_errors(GATEWAY)]
    assert not problems, "\n".join(problems)


def test_every_gateway_route_is_in_the_contract_and_only_those() -> None:
    served = {
        (method.lower(), route.path)
        for route in router.routes
        if isinstance(route, Route)
        for method in route.methods or ()
        if method != "HEAD"
    }
    documented = {
        (method, path)
        for path, item in GATEWAY["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert served == documented
    assert len(documented) == 12  # gateway-api.md §5
    sockets = [r.path for r in router.routes if isinstance(r, WebSocketRoute)]
    assert sockets == ["/ws/chat"]


def test_the_websocket_schema_defines_every_message_type() -> None:
    Draft202012Validator.check_schema(WS)
    defs = WS["$defs"]
    server = {d.removeprefix("server_") for d in defs if d.startswith("server_")}
    client = {d.removeprefix("client_") for d in defs if d.startswith("client_")}
    assert (server, client) == (SERVER_TYPES, CLIENT_TYPES)
    for kind in server:
        assert defs[f"server_{kind}"]["properties"]["type"] == {"const": kind}


@pytest.mark.parametrize(
    ("message", "valid"),
    [
        ({"type": "session_ready", "session_id": "1"}, True),
        ({"type": "session_ready"}, False),
        ({"type": "chunk", "text": "Hel"}, True),
        ({"type": "text", "text": ""}, False),
        ({"type": "tool_start", "name": "generate_music", "args": {}}, True),
        ({"type": "ask_question", "questions": []}, False),
        (
            {
                "type": "ask_question",
                "questions": [{"id": "q1", "prompt": "?", "options": [{"id": "o1", "label": "A"}]}],
            },
            True,
        ),
        ({"type": "error", "error": "Insufficient credits", "code": 2001}, True),
        ({"type": "error"}, False),
        ({"type": "done"}, True),
        ({"type": "message", "content": "hi"}, False),  # a client message, not a server one
        ({"type": "nonsense"}, False),
    ],
)
def test_server_messages(message: dict[str, Any], valid: bool) -> None:
    assert Draft202012Validator(WS).is_valid(message) is valid


def test_client_messages() -> None:
    client = Draft202012Validator({**WS, "oneOf": [{"$ref": "#/$defs/ClientMessage"}]})
    assert client.is_valid({"type": "message", "content": "a fox", "metadata": {}})
    assert client.is_valid({"type": "ping"})
    assert not client.is_valid({"type": "message"})
