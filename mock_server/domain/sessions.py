"""Sessions (projects): creation, ownership, the state view, claim tokens, and applying
the agent's scheduled effects as API time passes."""

from __future__ import annotations

from typing import Any

from mock_server import rng
from mock_server.domain.context import Context
from mock_server.domain.errors import BadRequest, SessionNotFound
from mock_server.domain.model import Account, Session


class Sessions:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def create(self, account: Account, task_name: str, language: str | None) -> Session:
        if not isinstance(task_name, str) or not task_name.strip():
            raise BadRequest("task_name must be a non-empty string")
        r = self.ctx.counted_rng("session", account.user_id)
        session = Session(
            session_id=rng.digits(r, 19),
            task_id=f"task_{rng.hex_id(r, 16)}",
            task_name=task_name,
            language=language,
            user_id=account.user_id,
            created_at=self.ctx.clock.now(),
        )
        self.ctx.store.put_session(session)
        return session

    def get(self, account: Account, session_id: str) -> Session:
        """Another user's session is indistinguishable from a missing one."""
        session = self.ctx.store.session(str(session_id))
        if session is None or session.user_id != account.user_id:
            raise SessionNotFound(f"Session not found: {session_id}")
        self.apply_due(session)
        return session

    def apply_due(self, session: Session) -> None:
        store = self.ctx.store
        if store.shared:
            store.session(session.session_id)  # refresh in place: another worker wrote it
            if not getattr(store.lock, "exclusive", True):
                return  # a read: the worker that planned the turn lands its effects
        now = self.ctx.clock.now()
        for turn in session.turns:
            for effect in turn.effects:
                if not effect.done and effect.at <= now:
                    effect.done = True
                    effect.apply()

    def state_view(self, session: Session) -> dict[str, Any]:
        return {
            "session_id": session.session_id,
            "task_id": session.task_id,
            "task_name": session.task_name,
            "state": session.state(),
        }

    def claim(
        self, account: Account, task_id: str | None, session_id: str | None
    ) -> dict[str, Any]:
        if session_id is None:
            raise BadRequest("session_id is required")
        session = self.get(account, session_id)
        if task_id is not None and task_id != session.task_id:
            raise SessionNotFound(f"Task {task_id} has no session {session_id}")
        r = self.ctx.rng("claim", session.session_id)  # reusable: the same token each time
        return {
            "claim_token": f"clm_{rng.token_chars(r, 32)}",
            "expires_in": self.ctx.config.claim_ttl_seconds,
        }
