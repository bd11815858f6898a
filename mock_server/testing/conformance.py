"""Check responses against `contracts/`: REST bodies with schemathesis (the same library
that fuzzes the fake), SSE streams frame by frame against events.schema.json.

    checker = ContractChecker()
    fake.observers.append(checker.observe)
    ...                                   # run anything against the fake
    assert not checker.violations
"""

from __future__ import annotations

import copy
import json
import threading
from datetime import timedelta
from functools import cache
from typing import Any
from urllib.parse import quote

import httpx
from jsonschema import Draft202012Validator

from mock_server import contract_files
from mock_server.journal import Exchange
from nemo_protocol import sse

PATH_SAFE = "/:@!$&'()*+,;=-._~"
META_PATHS = {"/openapi.json", "/docs", "/"}  # the contract, its UI (and /docs/assets/*)
INSPECTOR_PATHS = "/_fake/ui"  # the inspector's pages: a UI, outside the API contract


# The skill API, then the gateway the official CLI uses (same origin, disjoint paths).
OPENAPI_FILES = ("openapi.yaml", "gateway.openapi.yaml")


@cache
def _openapi(name: str = "openapi.yaml") -> Any:
    import schemathesis

    # a copy: schemathesis may resolve references in place, the app serves the original
    return schemathesis.openapi.from_dict(copy.deepcopy(contract_files.openapi(name)))


def operation_for(method: str, path: str) -> Any:
    """The contract's operation for a concrete request (None if it has none).
    schemathesis's lookup answers HEAD with the GET operation; take HEAD's own."""
    for name in OPENAPI_FILES:
        schema = _openapi(name)
        found = schema.find_operation_by_path(method, path)
        if found is None:
            continue
        if found.method.upper() == method.upper():
            return found
        try:
            return schema[found.path][method.upper()]
        except KeyError:
            return found
    return None


@cache
def ws_validator() -> Draft202012Validator:
    """The gateway's WebSocket messages (the schema's root accepts server messages)."""
    schema = contract_files.json_schema("gateway-ws")
    return Draft202012Validator(schema)


@cache
def events_validator() -> Draft202012Validator:
    return Draft202012Validator(contract_files.json_schema("events"))


def require_schemathesis() -> None:
    """The REST checks need schemathesis, which the `pytest` extra installs."""
    import importlib.util

    if importlib.util.find_spec("schemathesis") is None:
        raise RuntimeError(
            "nemo-fake's contract checks need schemathesis: pip install 'nemo-fake[pytest]' "
            "(or turn the checks off with --no-nemo-contract)"
        )


class ContractChecker:
    def __init__(self) -> None:
        require_schemathesis()
        self.violations: list[str] = []
        self.checked = 0  # responses
        self.sse_events = 0  # SSE payloads among them, each validated on its own
        self.ws_messages = 0  # WebSocket messages the fake sent (counted in `checked` too)
        self._lock = threading.Lock()

    def observe(self, exchange: Exchange) -> None:
        # Observers run inside the fake's response: an exception here would break the
        # connection the client sees, so a failure of the check itself is reported
        # as a violation instead.
        try:
            problems = self.check(exchange)
        except Exception as exc:
            problems = [f"the contract check itself failed: {exc!r}"]
        with self._lock:
            self.checked += 1
            self.violations.extend(
                f"{exchange.method} {exchange.path} -> {exchange.status}: {p}" for p in problems
            )

    def check(self, exchange: Exchange) -> list[str]:
        if exchange.path in META_PATHS or exchange.path.startswith((INSPECTOR_PATHS, "/docs/")):
            return []
        if exchange.websocket:
            return self._check_ws(exchange.body)
        operation = operation_for(exchange.method, exchange.path)
        if operation is None:
            # unknown routes (404) and known paths with another method (405) are outside it
            return (
                []
                if exchange.status in (404, 405)
                else ["no such operation in contracts/ (openapi.yaml, gateway.openapi.yaml)"]
            )
        if exchange.injected and exchange.status >= 500:
            return []  # injected 5xx are outside the documented contract by design
        problems = self._check_rest(operation, exchange)
        if exchange.headers.get("content-type", "").startswith("text/event-stream"):
            problems += self._check_sse(exchange.body)
        return problems

    def _check_rest(self, operation: Any, exchange: Exchange) -> list[str]:
        # scope["path"] is decoded: quote it back (a fuzzer's `%1F` is a control
        # character here, which httpx refuses in a URL)
        url = f"http://nemo-fake.local{quote(exchange.path, safe=PATH_SAFE)}" + (
            f"?{exchange.query}" if exchange.query else ""
        )
        response = httpx.Response(
            exchange.status,
            headers=exchange.headers,
            content=exchange.body,
            request=httpx.Request(exchange.method, url),
        )
        response.elapsed = timedelta(0)  # schemathesis reads it; the body is complete
        try:
            operation.validate_response(response)
        except Exception as failure:  # schemathesis raises a FailureGroup of every problem
            nested = getattr(failure, "exceptions", None) or [failure]
            return [_one_line(str(exc)) for exc in nested]
        return []

    def _check_sse(self, body: bytes) -> list[str]:
        problems = []
        payloads = sse.payloads(body)
        with self._lock:
            self.sse_events += len(payloads)
        for payload in payloads:
            try:
                event = json.loads(payload)
            except ValueError:
                problems.append(f"SSE data is not JSON: {payload[:80]!r}")
                continue
            for error in events_validator().iter_errors(event):
                problems.append(f"SSE event violates events.schema.json: {error.message[:200]}")
        return problems

    def _check_ws(self, body: bytes) -> list[str]:
        with self._lock:
            self.ws_messages += 1
        try:
            message = json.loads(body)
        except ValueError:
            return [f"WebSocket message is not JSON: {body[:80]!r}"]
        validator = ws_validator()
        kind = message.get("type") if isinstance(message, dict) else None
        definition = f"server_{kind}"
        if isinstance(kind, str) and definition in validator.schema["$defs"]:
            # the message's own definition: its errors name the field, not just "oneOf"
            validator = validator.evolve(schema=validator.schema["$defs"][definition])
        return [
            f"WebSocket message {kind!r} violates gateway-ws.schema.json: "
            + _one_line(error.message)[:200]
            for error in validator.iter_errors(message)
        ]


def _one_line(text: str) -> str:
    return " ".join(text.split())[:400]
