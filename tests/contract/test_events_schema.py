"""events.schema.json: a valid 2020-12 schema; the documented streams and events made by
google-adk's own models validate; every field of the installed ADK models is listed; bad
events are rejected."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.contract.schemas import CASSETTE, EVENTS, assert_invalid, assert_valid, event_schema

# --------------------------------------------------------------------------- events.schema.json


def test_events_and_cassette_schemas_are_valid_2020_12() -> None:
    for schema in (EVENTS, CASSETTE):
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(schema)
    for name in (
        "AdkEvent",
        "TypedEvent",
        "StreamError",
        "Heartbeat",
        "AdkStreamPayload",
        "TypedStreamPayload",
    ):
        assert name in EVENTS["$defs"]


CALL_ID = "af-f83f7a52-0b5c-4c55-9b3e-2d1c6a7e8f90"
INVOCATION = "e-3f6d0e1a-8a5b-4f1e-9c2d-7b6a5e4d3c2b"

# §8's documented stream (S12) verbatim, with the `…` elisions filled in: the ids
# (`af-f83f…`, `e-3f6d…`), the report text, and `actions` (the three 1.x dict defaults).
ADK_DOC_STREAM = [
    '{"content":{"parts":[{"functionCall":{"id":"af-f83f7a52-0b5c-4c55-9b3e-2d1c6a7e8f90",'
    '"args":{"city":"new york"},"name":"get_weather"}}],"role":"model"},'
    '"invocationId":"e-3f6d0e1a-8a5b-4f1e-9c2d-7b6a5e4d3c2b","author":"weather_time_agent",'
    '"actions":{"stateDelta":{},"artifactDelta":{},"requestedAuthConfigs":{}},'
    '"longRunningToolIds":[],"id":"ptcjaZBa","timestamp":1743712255.313043}',
    '{"content":{"parts":[{"functionResponse":{"id":"af-f83f7a52-0b5c-4c55-9b3e-2d1c6a7e8f90",'
    '"name":"get_weather","response":{"status":"success","report":"The weather in New York is '
    'sunny with a temperature of 25 degrees Celsius."}}}],"role":"user"},'
    '"invocationId":"e-3f6d0e1a-8a5b-4f1e-9c2d-7b6a5e4d3c2b","author":"weather_time_agent",'
    '"actions":{"stateDelta":{},"artifactDelta":{},"requestedAuthConfigs":{}},'
    '"id":"5aocxjaq","timestamp":1743712257.387306}',
    '{"content":{"parts":[{"text":"OK. The weather in New York is sunny with a temperature of '
    '25 degrees Celsius.\\n"}],"role":"model"},'
    '"invocationId":"e-3f6d0e1a-8a5b-4f1e-9c2d-7b6a5e4d3c2b","author":"weather_time_agent",'
    '"actions":{"stateDelta":{},"artifactDelta":{},"requestedAuthConfigs":{}},'
    '"id":"rAnWGSiV","timestamp":1743712257.391317}',
]

# §4's illustrative typed lines (S3), `{...}` filled in.
TYPED_DOC_STREAM = [
    '{"type":"text","content":"I\'ll generate your video now..."}',
    '{"type":"tool_call","name":"generate_video_with_seedance","args":{"prompt":"a sunset over a mountain lake","duration":10}}',
    '{"type":"tool_result","name":"generate_video_with_seedance","result":{"status":"success"}}',
    '{"type":"heartbeat"}',
]


@pytest.mark.parametrize(
    ("dialect", "line"),
    [("Adk", line) for line in ADK_DOC_STREAM] + [("Typed", line) for line in TYPED_DOC_STREAM],
)
def test_documented_events_validate(dialect: str, line: str) -> None:
    event = json.loads(line)
    assert_valid(event_schema(f"{dialect}Event"), event)
    assert_valid(event_schema(f"{dialect}StreamPayload"), event)
    assert_valid(event_schema(), event)


def test_in_stream_error_and_heartbeat_validate_in_both_dialects() -> None:
    for payload in ({"error": "boom"}, {"type": "heartbeat"}):
        assert_valid(event_schema("AdkStreamPayload"), payload)
        assert_valid(event_schema("TypedStreamPayload"), payload)
        assert_valid(event_schema(), payload)


def _adk() -> tuple[Any, Any]:
    events = pytest.importorskip("google.adk.events")
    genai = pytest.importorskip("google.genai")
    return events.Event, genai.types


def _dump(event: Any) -> dict[str, Any]:
    return json.loads(event.model_dump_json(exclude_none=True, by_alias=True))


def test_events_made_by_google_adk_validate() -> None:
    event_cls, types = _adk()

    def said(role: str, part: Any, **fields: Any) -> Any:
        """An event of nemo_agent in this invocation whose content is one part."""
        content = types.Content(role=role, parts=[part])
        return event_cls(author="nemo_agent", invocation_id=INVOCATION, content=content, **fields)

    call = types.FunctionCall(id=CALL_ID, name="edit_multitrack", args={"title": "Urban Dreams"})
    reply = types.FunctionResponse(
        id=CALL_ID, name="edit_multitrack", response={"status": "success"}
    )
    made = [
        said("model", types.Part(text="Your video is ready.")),
        said("model", types.Part(function_call=call), long_running_tool_ids=set()),
        said("user", types.Part(function_response=reply)),
        said(  # a streaming chunk, a thought, and a model-level error
            "model",
            types.Part(text="thinking", thought=True, thought_signature=b"sig"),
            partial=True,
            error_code="SAFETY",
            error_message="blocked",
            turn_complete=True,
            custom_metadata={"k": 1},
            usage_metadata=types.GenerateContentResponseUsageMetadata(total_token_count=7),
        ),
    ]
    for event in made:
        payload = _dump(event)
        assert_valid(event_schema("AdkEvent"), payload)
        assert_valid(event_schema(), payload)


def _alias_set(model: Any) -> set[str]:
    return set(model.model_json_schema(by_alias=True)["properties"])


def test_event_schema_lists_every_field_of_the_installed_adk_models() -> None:
    event_cls, types = _adk()
    from google.adk.events import EventActions

    defs = EVENTS["$defs"]
    pairs = [
        (event_cls, "AdkEvent"),
        (EventActions, "EventActions"),
        (types.Content, "Content"),
        (types.Part, "Part"),
        (types.FunctionCall, "FunctionCall"),
        (types.FunctionResponse, "FunctionResponse"),
        (types.Blob, "Blob"),
        (types.FileData, "FileData"),
        (types.GenerateContentResponseUsageMetadata, "UsageMetadata"),
    ]
    for model, name in pairs:
        missing = _alias_set(model) - set(defs[name]["properties"])
        assert not missing, f"{name} lacks {sorted(missing)}: update contracts/events.schema.json"
    # genai forbids unknown keys in these; Event (2.13) ignores them
    for name in ("Content", "Part", "FunctionCall", "FunctionResponse", "EventActions"):
        assert defs[name]["additionalProperties"] is False, name
    assert "additionalProperties" not in defs["AdkEvent"]


_ACTIONS = {"stateDelta": {}, "artifactDelta": {}, "requestedAuthConfigs": {}}
_BARE_EVENT = {"invocationId": "e", "author": "a", "id": "x", "timestamp": 1.0}


@pytest.mark.parametrize(
    ("schema", "payload"),
    [
        # genai Part forbids unknown keys
        (
            "AdkEvent",
            {
                **_BARE_EVENT,
                "actions": _ACTIONS,
                "content": {"parts": [{"text": "x", "kind": "text"}]},
            },
        ),
        # exclude_none: nothing is ever null
        ("AdkEvent", {**_BARE_EVENT, "partial": None, "actions": _ACTIONS}),
        # `actions` is always there, with its dict defaults
        ("AdkEvent", _BARE_EVENT),
        ("AdkEvent", {**_BARE_EVENT, "actions": {}}),
        # snake_case is not what ADK sends
        (
            "AdkEvent",
            {"invocation_id": "e", "author": "a", "id": "x", "timestamp": 1.0, "actions": _ACTIONS},
        ),
        ("AdkEvent", {**_BARE_EVENT, "actions": {**_ACTIONS, "artifactDelta": {"a.mp4": "v1"}}}),
        ("StreamError", {"error": "x", "code": 1}),
        ("TypedEvent", {"type": "text"}),
        ("TypedEvent", {"type": "done"}),
        ("TypedStreamPayload", {"type": "heartbeat", "at": 1}),
        (None, {"text": "top-level text (S9's guess)"}),
        (None, {}),
    ],
)
def test_event_schema_rejects(schema: str | None, payload: Any) -> None:
    assert_invalid(event_schema(schema), payload)
