"""The cassette: one JSON file per recorded session (contracts/cassette.schema.json, v1).

    cassette = Cassette.load("fixtures/cassettes/seed_flow.json")   # validated
    for i in cassette.interactions: i.request.method, i.request.path, i.response.status
    cassette.save(path)                                              # atomic (tmp + rename)

A response holds exactly one of `body` (JSON or null), `sse` (each event's raw text with
its offset in ms after the response headers) or `binary` (size, sha256, content type).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode

from mock_server import contract_files

VERSION = 1

Query = dict[str, str | list[str]]


class CassetteError(ValueError):
    """A cassette file that cannot be read or does not match the schema."""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_query(raw: str | bytes) -> Query:
    """`a=1&b=2&b=3` -> {"a": "1", "b": ["2", "3"]} (the schema's query form)."""
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    out: Query = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        current = out.get(key)
        if current is None:
            out[key] = value
        elif isinstance(current, list):
            current.append(value)
        else:
            out[key] = [current, value]
    return out


def encode_query(query: Query) -> str:
    pairs: list[tuple[str, str]] = []
    for key, value in query.items():
        pairs.extend((key, v) for v in ([value] if isinstance(value, str) else value))
    return urlencode(pairs)


@dataclass
class SSEChunk:
    offset_ms: float
    raw: str

    def to_dict(self) -> dict[str, Any]:
        return {"offset_ms": round(self.offset_ms, 3), "raw": self.raw}


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: Query = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None

    @property
    def is_multipart(self) -> bool:
        """A multipart summary: by Content-Type, or by shape when the header is missing."""
        if not isinstance(self.body, dict):
            return False
        content_type = self.headers.get("content-type")
        if content_type is not None:
            return "multipart/" in content_type
        return set(self.body) == {"multipart"} and isinstance(self.body["multipart"], list)

    @property
    def json(self) -> Any:
        """The JSON body (None for multipart or no body)."""
        return None if self.is_multipart else self.body

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": self.body,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecordedRequest:
        return cls(
            data["method"],
            data["path"],
            dict(data.get("query") or {}),
            dict(data.get("headers") or {}),
            data.get("body"),
        )


@dataclass
class RecordedResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    sse: list[SSEChunk] | None = None
    binary: dict[str, Any] | None = None

    @property
    def kind(self) -> Literal["json", "sse", "binary"]:
        if self.sse is not None:
            return "sse"
        if self.binary is not None:
            return "binary"
        return "json"

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status, "headers": self.headers}
        if self.sse is not None:
            data["sse"] = [chunk.to_dict() for chunk in self.sse]
        elif self.binary is not None:
            data["binary"] = self.binary
        else:
            data["body"] = self.body
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecordedResponse:
        sse = data.get("sse")
        return cls(
            status=data["status"],
            headers=dict(data.get("headers") or {}),
            body=data.get("body"),
            sse=None if sse is None else [SSEChunk(c["offset_ms"], c["raw"]) for c in sse],
            binary=data.get("binary"),
        )


@dataclass
class Interaction:
    request: RecordedRequest
    response: RecordedResponse
    started_at_offset_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "started_at_offset_ms": round(self.started_at_offset_ms, 3),
            "request": self.request.to_dict(),
            "response": self.response.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Interaction:
        return cls(
            RecordedRequest.from_dict(data["request"]),
            RecordedResponse.from_dict(data["response"]),
            data.get("started_at_offset_ms", 0.0),
        )

    def describe(self) -> str:
        return f"{self.request.method} {self.request.path}"


@dataclass
class Cassette:
    provenance: dict[str, Any]
    interactions: list[Interaction] = field(default_factory=list)
    placeholders: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    version: int = VERSION
    path: Path | None = field(default=None, compare=False)

    # --- provenance helpers
    @staticmethod
    def recorded(base_url: str, client: str, recorded_at: str | None = None) -> dict[str, Any]:
        return {
            "kind": "recorded",
            "base_url": base_url,
            "recorded_at": recorded_at or now_iso(),
            "client": client,
        }

    @staticmethod
    def synthesized(how: str, synthesized_at: str | None = None) -> dict[str, Any]:
        return {"kind": "synthesized", "how": how, "synthesized_at": synthesized_at or now_iso()}

    @property
    def base_url(self) -> str | None:
        value = self.provenance.get("base_url")
        return value if isinstance(value, str) else None

    # --- (de)serialisation
    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"version": self.version}
        if self.description:
            data["description"] = self.description
        data["provenance"] = self.provenance
        data["placeholders"] = dict(
            sorted(self.placeholders.items(), key=lambda kv: _placeholder_order(kv[0]))
        )
        data["interactions"] = [i.to_dict() for i in self.interactions]
        return data

    def dumps(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, validate: bool = True) -> Cassette:
        if validate:
            errors = validation_errors(data)
            if errors:
                raise CassetteError(
                    "cassette does not match contracts/cassette.schema.json:\n  "
                    + "\n  ".join(errors)
                )
        try:
            return cls(
                provenance=dict(data["provenance"]),
                interactions=[Interaction.from_dict(i) for i in data["interactions"]],
                placeholders=dict(data.get("placeholders") or {}),
                description=data.get("description"),
                version=data.get("version", VERSION),
            )
        except (KeyError, TypeError) as exc:
            raise CassetteError(f"malformed cassette: {type(exc).__name__}: {exc}") from None

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, validate: bool = True) -> Cassette:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CassetteError(f"cannot read cassette {path}: {exc.strerror or exc}") from None
        except json.JSONDecodeError as exc:
            raise CassetteError(f"cassette {path} is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise CassetteError(f"cassette {path} must be a JSON object")
        try:
            cassette = cls.from_dict(data, validate=validate)
        except CassetteError as exc:
            raise CassetteError(f"{path}: {exc}") from None
        cassette.path = path
        return cassette

    def validate(self) -> list[str]:
        return validation_errors(self.to_dict())

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write atomically (a crash leaves the previous file, never half of one)."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise CassetteError("no path to save the cassette to")
        atomic_write(target, self.dumps())
        self.path = target
        return target


def atomic_write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _placeholder_order(name: str) -> tuple[str, int]:
    prefix, _, number = name.strip("<>").rpartition("_")
    return (prefix, int(number) if number.isdigit() else 0)


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = contract_files.json_schema("cassette")
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def validation_errors(data: Any) -> list[str]:
    """Schema errors as `where: message` lines."""
    validator = _validator()
    found = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    lines = []
    for error in found[:20]:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        lines.append(f"{where}: {_short(error.message)}")
    if len(found) > 20:
        lines.append(f"... and {len(found) - 20} more")
    return lines


def _short(message: str, limit: int = 200) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"
