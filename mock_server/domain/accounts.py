"""Anonymous tokens, minted accounts, authentication, rate-limit windows."""

from __future__ import annotations

from mock_server import rng
from mock_server.domain.context import Context
from mock_server.domain.errors import BadRequest, RateLimited, TokenInvalid
from mock_server.domain.model import Account, AccountKind, Plan, Token


class Accounts:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def issue_anonymous(self, client_id: str | None, ip: str) -> tuple[Token, Account]:
        cfg, now = self.ctx.config, self.ctx.clock.now()
        if not client_id or not client_id.strip():
            raise BadRequest(
                "X-Client-Id header is required (a UUID or a stable id of 64 chars or fewer)"
            )
        if len(client_id) > cfg.client_id_max_len:
            raise BadRequest(f"X-Client-Id must be {cfg.client_id_max_len} characters or fewer")
        client_key, ip_key = f"client:{client_id}", f"ip:{ip}"
        if self._recent(client_key, cfg.client_window_seconds, now) >= cfg.tokens_per_client:
            raise RateLimited("One anonymous token per client per 7 days; retry in 30s once")
        if self._recent(ip_key, cfg.ip_window_seconds, now) >= cfg.tokens_per_ip:
            raise RateLimited(f"Too many anonymous tokens from this IP (limit {cfg.tokens_per_ip})")
        self.ctx.store.hit(client_key, now)
        self.ctx.store.hit(ip_key, now)
        # The user id derives from the client id: re-auth after expiry keeps the same user
        # (and its credits), as the documented "same X-Client-Id" recovery implies.
        user_id = f"anon_{rng.hex_id(self.ctx.rng('anonymous-user', client_id), 16)}"
        account = self.ctx.store.account(user_id) or Account(
            user_id=user_id,
            kind="anonymous",
            plan="anonymous",
            scopes=list(cfg.anonymous_scopes),
            available=cfg.starting_credits,
            client_id=client_id,
            created_at=now,
        )
        self.ctx.store.put_account(account)
        return self._new_token(account), account

    def mint(
        self,
        kind: AccountKind = "anonymous",
        credits: int | None = None,
        plan: Plan | None = None,
        scopes: list[str] | None = None,
        client_id: str | None = None,
    ) -> tuple[Token, Account]:
        """An account made by the admin API: any kind, plan, credits; no rate limit."""
        cfg = self.ctx.config
        r = self.ctx.counted_rng("minted", kind)
        prefix = "anon" if kind == "anonymous" else "usr"
        account = Account(
            user_id=f"{prefix}_{rng.hex_id(r, 16)}",
            kind=kind,
            plan=plan or ("anonymous" if kind == "anonymous" else "pro"),
            scopes=scopes
            if scopes is not None
            else (list(cfg.anonymous_scopes) if kind == "anonymous" else ["*"]),
            available=cfg.starting_credits if credits is None else credits,
            client_id=client_id,
            created_at=self.ctx.clock.now(),
        )
        self.ctx.store.put_account(account)
        return self._new_token(account), account

    def authenticate(self, authorization: str | None) -> Account:
        value = _bearer(authorization)
        if value is None:
            raise TokenInvalid("Missing bearer token; send Authorization: Bearer <token>")
        token = self.ctx.store.token(value)
        if token is None:
            raise TokenInvalid("Token invalid")
        if token.expires_at is not None and self.ctx.clock.now() >= token.expires_at:
            raise TokenInvalid("Token expired; request a new one with the same X-Client-Id")
        account = self.ctx.store.account(token.user_id)
        if account is None:  # pragma: no cover - tokens always point at a stored account
            raise TokenInvalid("Token invalid")
        return account

    def _new_token(self, account: Account) -> Token:
        cfg, now = self.ctx.config, self.ctx.clock.now()
        draw = self.ctx.secret_rng("token", account.user_id)
        expires = None if cfg.token_expiry == "never" else now + cfg.token_ttl_seconds
        token = Token(f"nmv_usr_{rng.token_chars(draw, 43)}", account.user_id, now, expires)
        self.ctx.store.put_token(token)
        return token

    def _recent(self, key: str, window: float, now: float) -> int:
        return sum(1 for t in self.ctx.store.hits(key) if now - t < window)


def _bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
