"""Balance and usage history as the gateway reports them, from the one credits ledger.

Consumed credits are the charged holds of the user's turns; everything the account ever
held was granted at its creation (the fake has no other grants), so
`total_granted = available + frozen + total_consumed`. The history lists that welcome
grant and one `conversation` item per charged turn, newest first, paginated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from mock_server.clock import iso
from mock_server.domain.errors import BadRequest
from mock_server.domain.model import Account, Session, Turn
from mock_server.domain.service import NemoService
from mock_server.gateway.projects import projects_of

MAX_PAGE_SIZE = 100
QUERY_KEYS = ("page_no", "page_size", "start_date", "end_date")


@dataclass(frozen=True)
class Charge:
    session: Session
    turn: Turn
    amount: int


def charges(service: NemoService, account: Account) -> list[Charge]:
    """Each charged hold once, on the first turn that holds it."""
    found: list[Charge] = []
    seen: set[str] = set()
    for session in projects_of(service, account):
        for turn in session.turns:
            for ref in turn.holds:
                hold = service.store.hold(ref)
                if ref in seen or hold is None or hold.state != "charged":
                    continue
                seen.add(ref)
                found.append(Charge(session, turn, hold.amount))
    return found


def balance(service: NemoService, account: Account) -> dict[str, int]:
    consumed = sum(c.amount for c in charges(service, account))
    return {
        "available": account.available,
        "frozen": account.frozen,
        "total_granted": account.available + account.frozen + consumed,
        "total_consumed": consumed,
    }


def _tool_breakdown(turn: Turn, credits: int) -> list[dict[str, Any]]:
    """Tool calls of the turn by tool; the turn's credits go to its first tool."""
    counts: dict[str, int] = {}
    for step in turn.events:
        # the agent's steps, or their plain-data form once a shared store reloaded them
        fields = step if isinstance(step, dict) else vars(step)
        tool = fields.get("tool", "")
        if fields.get("kind") == "call" and tool:
            counts[tool] = counts.get(tool, 0) + 1
    return [
        {"tool_key": tool, "credits": credits if i == 0 else 0, "count": count}
        for i, (tool, count) in enumerate(counts.items())
    ]


def usage_items(service: NemoService, account: Account) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for charge in charges(service, account):
        session, turn = charge.session, charge.turn
        items.append(
            {
                "kind": "conversation",
                "created_at": iso(turn.started_at),
                "amount_delta": -charge.amount,
                "conversation": {
                    "conversation_id": turn.invocation_id,
                    "session_id": session.session_id,
                    "project_id": session.task_id,
                    "project_name": session.task_name,
                    "project_deleted": False,
                    "user_message": turn.message,
                    "user_message_hidden": False,
                    "tool_breakdown": _tool_breakdown(turn, charge.amount),
                },
                "grant": None,
                "expire": None,
            }
        )
    granted = balance(service, account)["total_granted"]
    items.append(
        {
            "kind": "grant",
            "created_at": iso(account.created_at),
            "amount_delta": granted,
            "conversation": None,
            "grant": {"source": "welcome", "reference": account.user_id},
            "expire": None,
        }
    )
    return sorted(items, key=lambda item: item["created_at"], reverse=True)


def _int(query: dict[str, str], key: str, default: int, lo: int, hi: int) -> int:
    raw = query.get(key)
    if raw is None:
        return default
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise BadRequest(f"{key} must be an integer from {lo} to {hi}")
    return int(raw)


def _date(query: dict[str, str], key: str) -> date | None:
    raw = query.get(key)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"{key} must be a date YYYY-MM-DD (UTC), got {raw!r}") from None


def _day(created_at: str) -> date:
    return datetime.fromisoformat(created_at.replace("Z", "+00:00")).astimezone(UTC).date()


def usage_page(service: NemoService, account: Account, query: dict[str, str]) -> dict[str, Any]:
    """`GET /billing/usage/conversations?page_no&page_size&start_date&end_date`."""
    unknown = sorted(set(query) - set(QUERY_KEYS))
    if unknown:
        raise BadRequest(
            f"Unknown query parameter {unknown[0]!r}; accepted: {', '.join(QUERY_KEYS)}"
        )
    page_no = _int(query, "page_no", 1, 1, 1_000_000)
    page_size = _int(query, "page_size", 20, 1, MAX_PAGE_SIZE)
    start, end = _date(query, "start_date"), _date(query, "end_date")
    if start and end and end < start:
        raise BadRequest("end_date is before start_date")
    items = [
        item
        for item in usage_items(service, account)
        if (start is None or _day(item["created_at"]) >= start)
        and (end is None or _day(item["created_at"]) <= end)
    ]
    total = len(items)
    total_pages = math.ceil(total / page_size)
    first = (page_no - 1) * page_size
    return {
        "items": items[first : first + page_size],
        "total": total,
        "page_no": page_no,
        "page_size": page_size,
        "total_pages": total_pages,
        "has_next": page_no < total_pages,
        "has_prev": page_no > 1,
    }
