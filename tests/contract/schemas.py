"""The contract documents loaded once, with JSON-pointer and validation helpers, for the
contract tests (tests/contract/test_*.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "contracts"
OPENAPI_PATH = CONTRACTS / "openapi.yaml"
EVENTS_PATH = CONTRACTS / "events.schema.json"
CASSETTE_PATH = CONTRACTS / "cassette.schema.json"
OPENAPI_URI = "urn:nemo-fake:contracts:openapi"

OPENAPI: dict[str, Any] = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
EVENTS: dict[str, Any] = json.loads(EVENTS_PATH.read_text(encoding="utf-8"))
CASSETTE: dict[str, Any] = json.loads(CASSETTE_PATH.read_text(encoding="utf-8"))

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# --------------------------------------------------------------------------- helpers

FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return "T" in value and datetime.fromisoformat(value).tzinfo is not None


@FORMATS.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path) and " " not in value


REGISTRY: Registry = Registry().with_resources(
    [
        (OPENAPI_URI, Resource.from_contents(OPENAPI, default_specification=DRAFT202012)),
        (EVENTS["$id"], Resource.from_contents(EVENTS)),
        (CASSETTE["$id"], Resource.from_contents(CASSETTE)),
    ]
)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _pointer(*tokens: str | int) -> str:
    return "".join(f"/{_escape(str(t))}" for t in tokens)


def _resolve(document: dict[str, Any], pointer: str) -> Any:
    node: Any = document
    for raw in pointer.lstrip("/").split("/") if pointer else []:
        token = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def _deref(node: Any) -> Any:
    """Follow local $refs of the OpenAPI document (parameters, responses, examples)."""
    while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#"):
        node = _resolve(OPENAPI, node["$ref"][1:])
    return node


def validator_for(uri: str, pointer: str = "") -> Draft202012Validator:
    """A validator for the schema at `uri#pointer`, with every document's refs resolvable."""
    return Draft202012Validator(
        {"$ref": f"{uri}#{pointer}"}, registry=REGISTRY, format_checker=FORMATS
    )


def openapi_schema(name: str) -> Draft202012Validator:
    return validator_for(OPENAPI_URI, _pointer("components", "schemas", name))


def event_schema(name: str | None = None) -> Draft202012Validator:
    return validator_for(EVENTS["$id"], _pointer("$defs", name) if name else "")


def cassette_schema() -> Draft202012Validator:
    return validator_for(CASSETTE["$id"])


def errors_of(validator: Draft202012Validator, instance: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


def assert_valid(validator: Draft202012Validator, instance: Any) -> None:
    problems = errors_of(validator, instance)
    assert not problems, "\n".join(problems)


def assert_invalid(validator: Draft202012Validator, instance: Any) -> None:
    assert not validator.is_valid(instance), f"unexpectedly valid: {instance!r}"


def _walk(
    node: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


def _operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in OPENAPI["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield method, path, item[method]


def _schema_positions(document: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Every place in the OpenAPI document that holds a Schema Object."""
    for name, schema in document["components"]["schemas"].items():
        yield _pointer("components", "schemas", name), schema
    for path, node in _walk(document):
        if (
            not isinstance(node, dict)
            or "schema" not in node
            or not isinstance(node["schema"], dict)
        ):
            continue
        if "components" in path[:1] and len(path) > 1 and path[1] == "schemas":
            continue  # a property that happens to be called `schema`
        yield _pointer(*path, "schema"), node["schema"]
