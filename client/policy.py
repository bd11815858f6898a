"""Every number the protocol rules use, in one injectable place (seconds)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    # 5xx / network errors on idempotent calls: `retries` more tries, back-off doubling.
    retries: int = 3
    backoff: float = 1.0
    backoff_factor: float = 2.0
    backoff_max: float = 30.0
    # 429: documented "wait 30s and retry once".
    rate_limit_wait: float = 30.0
    # Stream dropped: wait 30 s, query; then every 60 s; give up after 5 unchanged queries.
    recovery_first_wait: float = 30.0
    recovery_wait: float = 60.0
    recovery_queries: int = 5
    # Only heartbeats for this long = timeout (documented: 10 minutes).
    heartbeat_timeout: float = 600.0
    # Render polling (4.4 reference: every 10 s, at most 30 polls).
    poll_interval: float = 10.0
    max_polls: int = 30
    # Per-request timeouts for the drivers; a stream's read timeout is the heartbeat one.
    request_timeout: float = 60.0

    def backoff_for(self, attempt: int) -> float:
        return float(min(self.backoff * self.backoff_factor**attempt, self.backoff_max))
