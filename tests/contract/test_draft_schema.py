"""contracts/draft.schema.json is the draft's shape; the fake (mock_server/draft.py) and
the client (client/draft.py) each keep their own model, and both are held to it here:
what the schema accepts both accept and keep unchanged, what it rejects both reject."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

import client.draft as client_draft
from mock_server import draft as fake_draft
from tests.contract.schemas import OPENAPI
from tests.mock_server.test_draft import full_draft

SCHEMA = Path(__file__).resolve().parents[2] / "contracts" / "draft.schema.json"
EXTENSIONS = Path(__file__).resolve().parents[2] / "contracts" / "draft-extensions.md"


@cache
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


EXTENDED = {
    "t": [
        {
            "tt": 0,
            "sg": [
                {
                    "id": "a",
                    "s": 0,
                    "d": 2000,
                    "src": "/mnt/userdata/a.mp4",
                    "sp": 2,
                    "fx": ["sepia", "vignette"],
                    "fi": 200,
                    "fo": 300,
                },
                {
                    "id": "b",
                    "s": 2000,
                    "d": 2000,
                    "src": "/mnt/userdata/b.mp4",
                    "tr": {"k": "wipe", "d": 500},
                },
            ],
        },
        {
            "tt": 1,
            "n": "Voiceover",
            "sg": [{"s": 0, "d": 4000, "src": "/x.mp3", "vol": 0.8, "fo": 500}],
        },
        {
            "tt": 7,
            "n": "Subtitles",
            "sg": [{"s": 0, "d": 900, "tx": "hi", "pos": "bottom", "k": "subtitle"}],
        },
    ],
    "d": 4000,
    "m": {"title": "x", "width": 640, "height": 360},
    "unknown_live_key": {"kept": True},
}

INVALID = [
    {"t": [{"tt": 0, "sg": [{"s": -1, "d": 1000}]}]},
    {"t": [{"tt": 0, "sg": [{"s": 0, "d": -5}]}]},
    {"t": [{"tt": 1, "sg": [{"s": 0, "d": 1000, "vol": 1.5}]}]},
    {"t": [{"tt": 7, "sg": [{"s": 0, "d": 1000, "size": 0}]}]},
    {"t": [{"tt": 0, "sg": [{"s": 0, "d": 1000, "so": -1}]}]},
    {"t": "not a list"},
    {"t": [{"tt": 0, "sg": "not a list"}]},
    {"d": -1},
]
FAKE_ONLY_INVALID = [  # extension keys only the fake reads (the client passes them through)
    {"t": [{"tt": 0, "sg": [{"s": 0, "d": 1000, "sp": 9}]}]},
    {"t": [{"tt": 0, "sg": [{"s": 0, "d": 1000, "fx": ["not-a-filter"]}]}]},
    {"t": [{"tt": 0, "sg": [{"s": 0, "d": 1000, "tr": {"k": "spin"}}]}]},
    {"t": [{"tt": 7, "sg": [{"s": 0, "d": 1000, "k": "caption"}]}]},
]


@pytest.mark.parametrize("draft", [full_draft(), EXTENDED, {}], ids=["agent", "extended", "empty"])
def test_valid_drafts_pass_the_schema_and_both_models_unchanged(draft: dict[str, Any]) -> None:
    validator().validate(draft)
    # the fake keeps a draft exactly as sent
    assert fake_draft.Draft.parse(draft).model_dump(exclude_unset=True) == draft
    # the client's dump fills in defaults (`so: 0`...): still the schema, same meaning
    dumped = client_draft.Draft.parse(draft).dump()
    validator().validate(dumped)
    assert fake_draft.Draft.parse(dumped) == fake_draft.Draft.parse(draft)
    assert dumped.get("unknown_live_key") == draft.get("unknown_live_key")


@pytest.mark.parametrize("draft", INVALID)
def test_invalid_drafts_fail_the_schema_and_both_models(draft: dict[str, Any]) -> None:
    assert not validator().is_valid(draft)
    with pytest.raises(ValidationError):
        client_draft.Draft.parse(draft)
    with pytest.raises(ValidationError):
        fake_draft.Draft.parse(draft)


@pytest.mark.parametrize("draft", FAKE_ONLY_INVALID)
def test_bad_extension_keys_fail_the_schema_and_the_fake(draft: dict[str, Any]) -> None:
    assert not validator().is_valid(draft)
    with pytest.raises(ValidationError):
        fake_draft.Draft.parse(draft)


def test_the_schema_names_every_segment_key_of_the_extensions_note() -> None:
    segment = json.loads(SCHEMA.read_text(encoding="utf-8"))["$defs"]["Segment"]["properties"]
    note = EXTENSIONS.read_text(encoding="utf-8")
    for key in (
        "id",
        "s",
        "d",
        "n",
        "src",
        "so",
        "sp",
        "fx",
        "fi",
        "fo",
        "tr",
        "vol",
        "tx",
        "pos",
        "size",
        "color",
        "k",
    ):
        assert f"`{key}`" in note and key in segment
    fake_fields = set(fake_draft.Segment.model_fields)
    assert set(segment) == fake_fields


def test_openapi_draft_is_the_schemas_documented_part() -> None:
    """openapi.yaml describes the draft's documented keys; draft.schema.json has them all."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    parts = {"Draft": schema["properties"], **{k: v["properties"] for k, v in schema["$defs"].items() if "properties" in v}}  # fmt: skip
    for name in ("Draft", "Track", "Segment"):
        documented = OPENAPI["components"]["schemas"][name]["properties"]
        assert set(documented) <= set(parts[name]), name
    # the export refuses bad values of every segment key, so the contract names them all
    # (else a fuzzer's "valid" draft is refused and counted as a contract failure)
    assert set(OPENAPI["components"]["schemas"]["Segment"]["properties"]) == set(parts["Segment"])
