"""Reading request bodies safely: a size limit enforced while the body streams (and from
Content-Length before a byte is read), and JSON parsed with a depth limit and as Unicode
scalar values only, so no stored text can break a later read."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from starlette.requests import Request

from mock_server.domain.errors import BadRequest, BodyTooLarge

_LONG_DIGITS = re.compile(rb"[0-9]{19}")


class JSONRejected(ValueError):
    """The body is not JSON the fake accepts; the message says why."""


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or BodyTooLarge as soon as it is known to pass `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"Request body of {declared} bytes exceeds the {limit}-byte limit")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            raise BodyTooLarge(f"Request body exceeds the {limit}-byte limit")
    return bytes(raw)


def parse_json(raw: bytes, max_depth: int) -> Any:
    """Strict JSON: valid UTF-8, no lone surrogates (raw or escaped), no NaN/Infinity,
    nesting at most `max_depth` deep (orjson itself stops at 1024, before any recursion
    can overflow)."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise JSONRejected(_explain(str(exc))) from None
    if depth_exceeds(value, max_depth):
        raise JSONRejected(f"JSON nested deeper than {max_depth} levels")
    if _LONG_DIGITS.search(raw):
        # orjson reads integers past 64 bits as floats; the stdlib keeps them exact (and is
        # safe now: the text is valid and at most max_depth deep)
        return json.loads(raw)
    return value


def depth_exceeds(value: Any, max_depth: int) -> bool:
    """True when containers nest deeper than `max_depth` (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _explain(message: str) -> str:
    if "depth limit" in message:
        return "JSON nested too deeply"
    if "surrogate" in message or "UTF-8" in message:
        return (
            "text must be UTF-8 Unicode scalar values (no lone surrogates \\ud800-\\udfff): "
            + message
        )
    return message


async def json_body_of(request: Request, limit: int, max_depth: int, required: bool) -> Any:
    """A REST route's JSON body: 413 past `limit`, 400 when malformed; {} when empty and
    optional."""
    raw = await read_body(request, limit)
    if not raw.strip():
        if required:
            raise BadRequest("Request body is empty; expected a JSON object")
        return {}
    try:
        return parse_json(raw, max_depth)
    except JSONRejected as exc:
        raise BadRequest(f"Malformed JSON body: {exc}") from None
