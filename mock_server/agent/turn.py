"""Wiring a turn into the domain: `start_turn` plans the turn and commits it (409 while
one runs, 2001 before the stream starts when credits fall short), registering the plan's
`Change`s as `Effect`s that `Sessions.apply_due` lands on every state read, so a turn's
changes land whether or not its stream is still read."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from mock_server.agent.planner import plan_turn
from mock_server.agent.script import Change, TurnInput, TurnPlan
from mock_server.clock import iso
from mock_server.domain.errors import Busy
from mock_server.domain.model import Account, Effect, Session, Turn
from mock_server.domain.uploads import media_url

if TYPE_CHECKING:
    from mock_server.domain.service import NemoService


def start_turn(
    service: NemoService, account: Account, session: Session, message: str, base_url: str
) -> tuple[Turn, TurnPlan]:
    """Plan the turn and commit it: 409 if one runs, 2001 if credits fall short (nothing
    changes then), else the Turn with its effects is on the session. Call under the lock."""
    ctx = service.ctx
    now = ctx.clock.now()
    sessions = service.sessions
    sessions.apply_due(session)
    if session.running_turn(now) is not None:
        raise Busy(
            "A turn is already running in this session; wait for it to finish (re-sending creates duplicates and double-charges)"
        )
    number = session.message_count + 1
    plan = plan_turn(
        TurnInput(
            seed=ctx.config.seed,
            config=ctx.config,
            user_id=account.user_id,
            session_id=session.session_id,
            turn=number,
            started_at=now,
            message=message,
            base_url=base_url,
            data_dir=ctx.data_dir,
            draft=session.draft,
            canvas=session.canvas_config,
            video_infos=list(session.video_infos),
            memory=dict(session.extra),
            balance=service.ledger.balance(account),
        )
    )
    holds: list[str] = []
    if plan.freeze is not None:
        ref, amount = plan.freeze
        service.ledger.freeze(account, amount, ref)  # InsufficientCredits: nothing changed yet
        holds.append(ref)
    session.message_count = number
    session.extra.update(plan.memory)
    turn = Turn(
        invocation_id=plan.invocation_id,
        message=message,
        started_at=now,
        ends_at=plan.ends_at,
        events=list(plan.steps),
        number=number,
        kind=plan.kind,
        holds=holds,
    )
    turn.effects = [
        Effect(at=change.at, apply=partial(apply_change, service, session, change, base_url))
        for change in plan.changes
    ]
    session.turns.append(turn)
    ctx.store.put_session(session)
    return turn, plan


def apply_change(service: NemoService, session: Session, change: Change, base_url: str) -> None:
    """Land one change on the live session (called by Sessions.apply_due, under the lock)."""
    store = service.ctx.store
    for generated in change.media:
        media = generated.file
        store.put_media(media)
        url = media_url(base_url, media)
        created = iso(media.created_at)
        entry: dict[str, Any] = {
            "id": media.media_id,
            "type": media.file_type,
            "tool": generated.tool,
            "prompt": generated.prompt,
            "cdn_url": url,
            "duration": media.duration,
        }
        if media.file_type == "video":
            entry.update(width=media.width, height=media.height)
            info = {**media.info(url), "size": media.size or None}  # None: not synthesized yet
            session.video_infos.append(
                {"id": media.media_id, **info, "source": "generated", "created_at": created}
            )
        session.generated_media.append({**entry, "created_at": created})
    if change.canvas is not None:
        session.canvas_config = dict(change.canvas)
    if change.draft is not None:
        session.draft = change.draft(session.draft)
    if change.charge is not None:
        service.ledger.charge(change.charge)
    store.put_session(session)
