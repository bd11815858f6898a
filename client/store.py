"""The CLI's small state file (`<config dir>/state.json`): token, user, session, task.

Written with mode 0600 because it holds the token. Environment variables win over it
(`NEMO_TOKEN`, `NEMO_SESSION_ID`), as the seeds say to check the env first.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from nemo_protocol.secrets import mask

from .core import Core


@dataclass
class SavedState:
    token: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    task_id: str | None = None
    language: str | None = None

    @classmethod
    def of(cls, core: Core) -> SavedState:
        """What a client learned: each field from the core's attribute of the same name."""
        return cls(**{f.name: getattr(core, f.name) for f in fields(cls)})

    def __repr__(self) -> str:
        return (
            f"SavedState(token={mask(self.token)!r}, user_id={self.user_id!r}, "
            f"session_id={self.session_id!r}, task_id={self.task_id!r}, language={self.language!r})"
        )


class StateStore:
    def __init__(self, config_dir: Path) -> None:
        self.path = config_dir / "state.json"

    def load(self) -> SavedState:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return SavedState()
        if not isinstance(raw, dict):
            return SavedState()
        known = {f.name for f in fields(SavedState)}
        return SavedState(**{k: v for k, v in raw.items() if k in known and isinstance(v, str)})

    def save(self, state: SavedState) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(asdict(state), out, indent=2)
        tmp.replace(self.path)
