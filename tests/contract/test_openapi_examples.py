"""Every example embedded in the contract documents validates against its schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from nemo_protocol import sse
from tests.contract.schemas import (
    EVENTS_PATH,
    OPENAPI,
    OPENAPI_URI,
    _deref,
    _pointer,
    _walk,
    assert_valid,
    event_schema,
    validator_for,
)

# --------------------------------------------------------------------------- examples


def _embedded_examples() -> Iterator[tuple[str, str, Any]]:
    """(where, schema pointer, instance) for every JSON example in the OpenAPI document."""
    for path, node in _walk(OPENAPI):
        if not isinstance(node, dict):
            continue
        where = _pointer(*path)
        examples = node.get("examples")
        if isinstance(examples, list) and path[:2] == ("components", "schemas"):
            for index, value in enumerate(examples):
                yield f"{where}/examples/{index}", where, value
            continue
        if not isinstance(node.get("schema"), dict):
            continue
        is_media = len(path) >= 2 and path[-2] == "content"
        if is_media and "json" not in str(path[-1]):
            continue  # SSE and binary examples are checked elsewhere
        schema_ptr = f"{where}/schema"
        if "example" in node:
            yield f"{where}/example", schema_ptr, node["example"]
        for name, example in (node.get("examples") or {}).items():
            yield f"{where}/examples/{name}", schema_ptr, _deref(example)["value"]


EMBEDDED = list(_embedded_examples())


def test_there_are_many_embedded_examples() -> None:
    assert len(EMBEDDED) > 60


@pytest.mark.parametrize(
    ("where", "schema_ptr", "instance"), EMBEDDED, ids=[e[0] for e in EMBEDDED]
)
def test_embedded_example_validates(where: str, schema_ptr: str, instance: Any) -> None:
    assert_valid(validator_for(OPENAPI_URI, schema_ptr), instance)


def test_sse_example_lines_validate_against_the_event_schema() -> None:
    media = OPENAPI["paths"]["/run_sse"]["post"]["responses"]["200"]["content"]["text/event-stream"]
    assert media["x-event-schema"] == EVENTS_PATH.name
    payloads = [m.data for m in sse.messages(media["example"]) if m.comment is None]
    events = [json.loads(p) for p in payloads if p]
    assert len(events) == 3
    assert "" in payloads, "the example shows an empty-data heartbeat"
    for event in events:
        assert_valid(event_schema("AdkStreamPayload"), event)


def test_every_business_error_has_an_example() -> None:
    codes = {
        example["value"]["code"]
        for example in OPENAPI["components"]["examples"].values()
        if "code" in example["value"]
    }
    assert {1001, 1002, 2001, 4001, 4002, 400} <= codes
