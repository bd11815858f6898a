"""The agent's seeded chances: a silent close, the stray "temporary issue" text."""

from __future__ import annotations

from mock_server import rng


def silent_close(seed: int, session_id: str, turn: int, rate: float) -> bool:
    """Whether an edit turn closes with no text (documented: about 30% of edits)."""
    return rng.derive(seed, "silent-close", session_id, turn).random() < rate


def temporary_issue(seed: int, session_id: str, turn: int, rate: float) -> bool:
    """Whether a turn ends with the stray "I encountered a temporary issue" text."""
    return rng.derive(seed, "temporary-issue", session_id, turn).random() < rate
