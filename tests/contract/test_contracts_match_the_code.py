"""The admin schemas (config, faults, journal) and the draft schema match the Python models
they describe, so the contract and the code cannot drift apart unnoticed."""

from __future__ import annotations

import typing
from typing import Any

import pytest

from tests.contract.schemas import OPENAPI, assert_valid, openapi_schema

# --------------------------------------------------------------------------- admin config and draft vs code


def test_fake_config_schema_matches_the_model() -> None:
    config = pytest.importorskip("mock_server.config")
    model = config.FakeConfig
    patch = OPENAPI["components"]["schemas"]["FakeConfigPatch"]["properties"]
    full = OPENAPI["components"]["schemas"]["FakeConfig"]
    assert set(patch) == set(model.model_fields)
    assert set(full["required"]) == set(model.model_fields)
    for name, field in model.model_fields.items():
        literal = [a for a in typing.get_args(field.annotation) if isinstance(a, str)]
        if typing.get_origin(field.annotation) is typing.Literal:
            assert set(patch[name]["enum"]) == set(literal), name
    assert_valid(openapi_schema("FakeConfig"), model().model_dump(mode="json"))
    assert_valid(
        openapi_schema("FakeConfig"),
        model(start_time=1767225600.0, public_url="http://x", data_dir="/tmp").model_dump(
            mode="json"
        ),
    )


def test_fault_and_journal_schemas_match_the_fake() -> None:
    faults = pytest.importorskip("mock_server.faults")
    journal = pytest.importorskip("mock_server.journal")
    schemas = OPENAPI["components"]["schemas"]
    assert set(schemas["FaultSpec"]["properties"]) == set(faults.FaultSpec.model_fields)
    fault = faults.Fault(id="flt_1", spec=faults.FaultSpec(path="/run_sse", cut_after_events=2))
    assert_valid(openapi_schema("Fault"), fault.to_dict())
    entry = journal.JournalEntry(
        seq=1, time=0.0, method="GET", path="/", query="", headers={}, body=None
    )
    assert set(entry.to_dict()) == set(schemas["JournalEntry"]["properties"])
    assert_valid(openapi_schema("JournalEntry"), entry.to_dict())


@pytest.mark.parametrize(
    ("spec", "ok"),
    [
        ({"error_code": 1001}, True),
        ({"latency": 1.5}, True),
        ({"error_code": 503, "latency": 2}, True),
        ({"drop": True, "times": None, "probability": 0.5}, True),
        ({}, False),  # no effect
        ({"error_code": 1001, "drop": True}, False),  # two effects
        ({"error_code": 418}, False),  # not injectable
        ({"cut_after_events": 1, "drop": True}, False),
    ],
)
def test_fault_spec_rules(spec: dict[str, Any], ok: bool) -> None:
    assert openapi_schema("FaultSpec").is_valid(spec) is ok
    faults = pytest.importorskip("mock_server.faults")
    try:
        faults.FaultSpec.model_validate(spec)
    except ValueError:
        accepted = False
    else:
        accepted = True
    assert accepted is ok, "the fake and the contract disagree"


def test_draft_schema_matches_the_client_model() -> None:
    draft = pytest.importorskip("client.draft")
    schemas = OPENAPI["components"]["schemas"]
    # the fake's own segment keys (contracts/draft-extensions.md), which its export checks
    fake_only = {"k", "sp", "fx", "fi", "fo", "tr"}
    for model, name in ((draft.Draft, "Draft"), (draft.Track, "Track"), (draft.Segment, "Segment")):
        extra = fake_only if name == "Segment" else set()
        assert set(schemas[name]["properties"]) == set(model.model_fields) | extra, name
        assert "additionalProperties" not in schemas[name], f"{name} must stay open"
    built = draft.Draft(
        t=[
            draft.Track(tt=draft.VIDEO, sg=[draft.Segment(s=0, d=5000, src="/mnt/userdata/a.mp4")]),
            draft.Track(tt=draft.AUDIO, sg=[draft.Segment(d=5000, vol=0.35, n="Lo-fi")]),
            draft.Track(
                tt=draft.TEXT, sg=[draft.Segment(d=2000, tx="Hi", size=48, color="#fff000")]
            ),
        ],
        d=5000,
        m={"title": "T", "width": 1080, "height": 1920},
    )
    assert_valid(openapi_schema("Draft"), built.dump())
    live = {"t": [{"tt": 0, "sg": [{"s": 0, "d": 1, "blur": {"r": 2}}], "zz": 1}], "v": 3}
    assert_valid(openapi_schema("Draft"), live)
    kept = draft.Draft.parse(live).dump()  # the client keeps the unknown keys the schema allows
    assert kept["v"] == 3 and kept["t"][0]["zz"] == 1 and kept["t"][0]["sg"][0]["blur"] == {"r": 2}
    assert_valid(openapi_schema("Draft"), kept)
