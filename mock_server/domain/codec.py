"""The domain's records as JSON, for stores that keep them outside the process.

A turn's effects are closures over the process that planned them (the agent's draft
edits), so only their schedule (`at`, `done`) is written; the process that started the
turn keeps the closures and lands them (see `stores.shared`). The agent's script of a
turn (`Turn.events`) is written as plain data where it is plain data, else dropped.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, TypeVar

from mock_server.domain.model import Account, Effect, Hold, MediaFile, Render, Session, Token, Turn

Record = Account | Token | Hold | MediaFile | Render | Session
R = TypeVar("R", Account, Token, Hold, MediaFile, Render, Session)

KINDS: dict[str, type[Any]] = {
    "account": Account,
    "token": Token,
    "hold": Hold,
    "media": MediaFile,
    "render": Render,
    "session": Session,
}
_PATHS = {"path", "artifact"}


def _noop() -> None:
    """The stand-in for an effect whose closure lives in another process (or died)."""


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)  # opaque agent objects: kept readable, never re-run


def _turn(turn: Turn) -> dict[str, Any]:
    return {
        "invocation_id": turn.invocation_id,
        "message": turn.message,
        "started_at": turn.started_at,
        "ends_at": turn.ends_at,
        "effects": [{"at": e.at, "done": e.done} for e in turn.effects],
        "events": _plain(turn.events),
        "number": turn.number,
        "kind": turn.kind,
        "holds": list(turn.holds),
    }


def encode(record: Record) -> bytes:
    data: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if f.name == "turns":
            data["turns"] = [_turn(t) for t in value]
        else:
            data[f.name] = _plain(value)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def decode(kind: type[R], blob: bytes) -> R:
    data = json.loads(blob)
    for name in _PATHS & data.keys():
        if data[name] is not None:
            data[name] = Path(data[name])
    if kind is Session:
        data["turns"] = [
            Turn(
                **{k: v for k, v in t.items() if k != "effects"},
                effects=[Effect(at=e["at"], apply=_noop, done=e["done"]) for e in t["effects"]],
            )
            for t in data.get("turns", [])
        ]
    return kind(**data)


def planned_here(session: Session) -> bool:
    """Whether a turn of `session` has effects this process can still land (closures)."""
    return any(not e.done and e.apply is not _noop for turn in session.turns for e in turn.effects)


def refresh(live: Any, fresh: Any) -> None:
    """Update `live` in place from a newer stored copy, so closures holding `live` (a
    turn's effects) act on current state. Turns planned here keep their closures."""
    for f in dataclasses.fields(fresh):
        if f.name != "turns":
            setattr(live, f.name, getattr(fresh, f.name))
    if isinstance(live, Session):
        mine = {t.invocation_id: t for t in live.turns}
        merged: list[Turn] = []
        for stored in fresh.turns:
            local = mine.get(stored.invocation_id)
            if local is None or len(local.effects) != len(stored.effects):
                merged.append(stored)
                continue
            for effect, seen in zip(local.effects, stored.effects, strict=True):
                effect.done = effect.done or seen.done
            merged.append(local)
        live.turns = merged
