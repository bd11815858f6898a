"""Faults on demand (`POST /_fake/faults`, `Fake.faults`): a fault matches a method and
a path glob, fires for its next `times` matches (or always), each time with its
`probability` (drawn from the seed and the fault's spec, so runs repeat). When it fires
the journal/fault middleware (mock_server/http/middleware.py) applies one effect: a
documented error (`INJECTABLE_CODES`) or a 5xx, a dropped connection, or an SSE stream cut
after N events; `latency` (API seconds) may precede any of them or stand alone."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mock_server import rng

INJECTABLE_CODES = {1001, 1002, 2001, 4001, 4002, 400, 402, 404, 409, 429}


class FaultSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: str = Field("*", description="HTTP method or *")
    path: str = Field("*", description="glob on the path, e.g. /run_sse or /api/render/*")
    times: int | None = Field(1, ge=1, description="fire for the next N matches (null: unlimited)")
    probability: float = Field(1.0, ge=0, le=1)
    error_code: int | None = Field(None, description="one of INJECTABLE_CODES or a 5xx")
    latency: float = Field(0.0, ge=0, le=3600, description="API seconds added before answering")
    drop: bool = Field(False, description="drop the connection without a complete response")
    cut_after_events: int | None = Field(None, ge=0, description="SSE: close after N events")

    @model_validator(mode="after")
    def _one_effect(self) -> FaultSpec:
        if self.error_code is not None and not (
            self.error_code in INJECTABLE_CODES or 500 <= self.error_code <= 599
        ):
            raise ValueError(
                f"error_code {self.error_code} is not injectable; use one of "
                f"{sorted(INJECTABLE_CODES)} or a 5xx status"
            )
        effects = [self.error_code is not None, self.drop, self.cut_after_events is not None]
        if sum(effects) > 1:
            raise ValueError("choose one of error_code, drop, cut_after_events (latency combines)")
        if not any(effects) and self.latency == 0:
            raise ValueError("a fault needs error_code, drop, cut_after_events or latency")
        return self


@dataclass
class Fault:
    id: str
    spec: FaultSpec
    matched: int = 0
    fired: int = 0

    @property
    def exhausted(self) -> bool:
        return self.spec.times is not None and self.fired >= self.spec.times

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            **self.spec.model_dump(),
            "matched": self.matched,
            "fired": self.fired,
        }


class Faults:
    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._count = 0
        self.seed = seed

    def _changed(self) -> None:
        """Called after the list changes (a shared store publishes it to other workers)."""

    @property
    def count(self) -> int:
        return self._count

    def replace(self, faults: list[Fault], count: int) -> None:
        with self._lock:
            self._faults, self._count = faults, count

    def add(self, spec: FaultSpec | dict[str, Any] | None = None, **fields: Any) -> Fault:
        if not isinstance(spec, FaultSpec):
            spec = FaultSpec.model_validate({**(spec or {}), **fields})
        with self._lock:
            self._count += 1
            fault = Fault(id=f"flt_{self._count}", spec=spec)
            self._faults.append(fault)
        self._changed()
        return fault

    def remove(self, fault_id: str) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            removed = len(self._faults) != before
        self._changed()
        return removed

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
        self._changed()

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str) -> Fault | None:
        """The first live fault matching this request that fires now (consumes one use)."""
        with self._lock:
            for fault in self._faults:
                if fault.exhausted or not _matches(fault.spec, method, path):
                    continue
                fault.matched += 1
                # Keyed by the spec, not the id: the same fault gives the same draws in every run.
                chance = rng.derive(
                    self.seed, "fault", fault.spec.model_dump_json(), fault.matched
                ).random()
                if chance >= fault.spec.probability:
                    continue
                fault.fired += 1
                return fault
        return None


def _matches(spec: FaultSpec, method: str, path: str) -> bool:
    return (spec.method == "*" or spec.method.upper() == method.upper()) and fnmatchcase(
        path, spec.path
    )
