"""The credits ledger: freeze for an operation, then charge or release it exactly once.

`total = available + frozen` always holds; a hold is settled at most once, so a turn is
never charged twice (only a re-sent message, a new turn, costs again, as documented).
"""

from __future__ import annotations

from mock_server.domain.context import Context
from mock_server.domain.errors import InsufficientCredits
from mock_server.domain.model import Account, Hold

REGISTER_URL = "https://nemovideo.com/register?bind={user_id}"


class Ledger:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def balance(self, account: Account) -> dict[str, int]:
        return {"available": account.available, "frozen": account.frozen, "total": account.total}

    def freeze(self, account: Account, amount: int, ref: str) -> Hold:
        existing = self.ctx.store.hold(ref)
        if existing is not None:
            return existing
        if amount > account.available:
            details: dict[str, object] = {"available": account.available, "required": amount}
            if account.kind == "anonymous":
                details["registration_url"] = REGISTER_URL.format(user_id=account.user_id)
            raise InsufficientCredits(
                f"Insufficient credits: {amount} needed, {account.available} available", **details
            )
        account.available -= amount
        account.frozen += amount
        hold = Hold(ref=ref, user_id=account.user_id, amount=amount)
        self.ctx.store.put_hold(hold)
        self.ctx.store.put_account(account)
        return hold

    def charge(self, ref: str) -> None:
        self._settle(ref, "charged")

    def release(self, ref: str) -> None:
        self._settle(ref, "released")

    def _settle(self, ref: str, outcome: str) -> None:
        hold = self.ctx.store.hold(ref)
        if hold is None or hold.state != "frozen":
            return
        account = self.ctx.store.account(hold.user_id)
        if account is None:  # pragma: no cover - holds always belong to stored accounts
            return
        account.frozen -= hold.amount
        if outcome == "released":
            account.available += hold.amount
        hold.state = "charged" if outcome == "charged" else "released"
        self.ctx.store.put_hold(hold)
        self.ctx.store.put_account(account)
