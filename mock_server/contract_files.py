"""The contracts, read as package data: `openapi.yaml`, `gateway.openapi.yaml`,
`events.schema.json`, `gateway-ws.schema.json`, `cassette.schema.json`.

The top-level `contracts/` folder is the source of truth; `mock_server/contracts` links
to it in the checkout and is a real folder of copies in the wheel and the sdist, so the
same `importlib.resources` lookup works from a clone, an editable install and an
installed wheel (no path outside the package is ever computed).

    openapi()                     # the OpenAPI document as a dict (parsed once)
    json_schema("events")         # events.schema.json as a dict
    read_text("openapi.yaml")     # the raw text
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

FOLDER = "contracts"


def contract_file(name: str) -> Traversable:
    """One file of the shipped contracts (a FileNotFoundError names it when missing)."""
    resource = files("mock_server") / FOLDER / name
    if not resource.is_file():
        raise FileNotFoundError(
            f"mock_server/{FOLDER}/{name} is not in the installed package: "
            "reinstall nemo-fake (the wheel ships contracts/ as package data)"
        )
    return resource


def read_text(name: str) -> str:
    return contract_file(name).read_text(encoding="utf-8")


@cache
def openapi(name: str = "openapi.yaml") -> dict[str, Any]:
    """contracts/openapi.yaml (or `gateway.openapi.yaml`), parsed once. Do not mutate it."""
    import yaml  # only /openapi.json, /docs and the contract checks need it

    document: dict[str, Any] = yaml.safe_load(read_text(name))
    return document


@cache
def json_schema(kind: str) -> dict[str, Any]:
    """contracts/<kind>.schema.json (`events`, `gateway-ws`, `cassette`), parsed once."""
    schema: dict[str, Any] = json.loads(read_text(f"{kind}.schema.json"))
    return schema
