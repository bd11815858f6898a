"""Admin request bodies checked against the contract's own schemas (contracts/openapi.yaml),
so the admin API accepts exactly what its contract documents: JSON types as JSON Schema
reads them (4002.0 is an integer, false is not a number, null is not a seed)."""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mock_server import contract_files
from mock_server.domain.errors import BadRequest

CONTRACT_URI = "urn:nemo-fake:contract"


@cache
def _validator(schema: str) -> Draft202012Validator:
    resource = Resource.from_contents(contract_files.openapi(), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(CONTRACT_URI, resource)
    return Draft202012Validator(
        {"$ref": f"{CONTRACT_URI}#/components/schemas/{schema}"}, registry=registry
    )


def check_body(schema: str, body: Any) -> None:
    """400 naming every way `body` breaks `components/schemas/<schema>`."""
    errors = sorted(_validator(schema).iter_errors(body), key=lambda e: list(e.path))
    if errors:
        raise BadRequest(
            "; ".join(
                f"{'.'.join(str(p) for p in e.path) or 'body'}: {e.message}" for e in errors[:5]
            )
        )
