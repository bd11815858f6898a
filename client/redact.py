"""Token masking: a token never appears whole in a repr, an error or a log line."""

from __future__ import annotations

import re

# Documented token form: `nmv_usr_<base64url-ish>`; other `nmv_` kinds are masked alike.
_TOKEN_RE = re.compile(r"\bnmv_([a-z]+)_([A-Za-z0-9_\-]+)")


def mask_token(token: str | None) -> str:
    """`nmv_usr_KGdw…xxxx` → `nmv_usr_…xxxx`; anything else → `…last4`."""
    if not token:
        return "<none>"
    match = _TOKEN_RE.fullmatch(token)
    if match:
        return f"nmv_{match.group(1)}_…{match.group(2)[-4:]}"
    return f"…{token[-4:]}" if len(token) > 4 else "…"


def scrub(text: str) -> str:
    """Mask every token-looking substring of `text` (server messages may echo them)."""
    return _TOKEN_RE.sub(lambda m: mask_token(m.group(0)), text)
