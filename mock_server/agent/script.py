"""A turn's script and effects, as data: the steps at API times (`Step`), what lands
when (`Change`), the input a plan is made from (`TurnInput`) and the plan (`TurnPlan`)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mock_server import rng
from mock_server.agent.understand import Understanding
from mock_server.config import FakeConfig
from mock_server.domain.model import MediaFile

TurnKind = Literal["generation", "edit", "canvas", "ask", "chat"]


@dataclass
class Step:
    """One step of the script at API time `at`; `stream` renders it as events."""

    at: float
    kind: Literal["text", "call", "result"]
    event_id: str
    text: str = ""
    tool: str = ""
    call_id: str = ""
    payload: dict[str, Any] = field(default_factory=dict)  # call args | tool response
    long_running: bool = False


@dataclass(frozen=True)
class Generated:
    """A generated file to register, with its `generated_media` labels."""

    file: MediaFile
    tool: str
    prompt: str


DraftEdit = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class Change:
    """What lands at `at`: media registered, the draft edited, the canvas set, a charge."""

    at: float
    media: list[Generated] = field(default_factory=list)
    draft: DraftEdit | None = None
    canvas: dict[str, Any] | None = None
    charge: str | None = None


@dataclass(frozen=True)
class TurnInput:
    seed: int
    config: FakeConfig
    user_id: str
    session_id: str
    turn: int
    started_at: float
    message: str
    base_url: str
    data_dir: Path
    draft: dict[str, Any]
    canvas: dict[str, Any]
    video_infos: list[dict[str, Any]]
    memory: dict[str, Any]
    balance: dict[str, int] | None = None  # the account's credits, for a balance question


@dataclass
class TurnPlan:
    kind: TurnKind
    understanding: Understanding
    invocation_id: str
    started_at: float
    steps: list[Step]
    changes: list[Change]
    freeze: tuple[str, int] | None  # (hold ref, amount)
    memory: dict[str, Any]  # updates to the session's agent memory (session.extra)
    draft_after: dict[str, Any]
    silent: bool = False
    temporary_issue: bool = False

    @property
    def ends_at(self) -> float:
        return max((s.at for s in self.steps), default=self.started_at)


class Script:
    """Appends steps at increasing API times; ids from the turn's id RNG."""

    def __init__(self, ids: random.Random, t0: float) -> None:
        self.ids = ids
        self.t = t0
        self.steps: list[Step] = []

    def text(self, after: float, text: str) -> Step:
        return self._add(after, "text", text=text)

    def call(
        self, after: float, tool: str, args: dict[str, Any], long_running: bool = False
    ) -> Step:
        call_id = f"af-{rng.uuid4(self.ids)}"
        return self._add(
            after, "call", tool=tool, call_id=call_id, payload=args, long_running=long_running
        )

    def result(self, after: float, call: Step, response: dict[str, Any]) -> Step:
        return self._add(after, "result", tool=call.tool, call_id=call.call_id, payload=response)

    def _add(self, after: float, kind: Literal["text", "call", "result"], **fields: Any) -> Step:
        self.t += after
        step = Step(at=round(self.t, 6), kind=kind, event_id=rng.uuid4(self.ids), **fields)
        self.steps.append(step)
        return step
