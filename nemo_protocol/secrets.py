"""The one set of secret patterns, and masking: the journal, the access log, the client's
output and the cassettes all decide "is this a secret?" here.

Two treatments use these patterns:
- masking (`mask`, `mask_text`, `mask_headers`, `mask_query`, `mask_filename`,
  `MaskingFilter`): a secret keeps its kind and its last 4 characters
  (`nmv_usr_…wxyz`), enough to tell two apart in a log, never enough to use one;
- placeholders (mock_server/recording/redact.py): each secret becomes a stable
  `<TOKEN_1>`, so a cassette can be shared and still replays.

| what | recognised by |
|---|---|
| user and other `nmv_` tokens | `nmv_<kind>_…` anywhere (`TOKEN`) |
| claim tokens | `clm_…` anywhere (`CLAIM`) |
| JWTs | three base64url parts starting `eyJ` (`JWT`) |
| credential headers | a name in `SECRET_HEADERS`, or one containing auth/token/secret/key/cookie/password/credential/signature; any header whose value holds a pattern above |
| credential fields | JSON keys and query parameters in `SECRET_KEYS` |
| user ids (cassettes only) | `anon_…`, `usr_<16 hex>` (`IDENTIFIERS`): not credentials, but they tie a recording to a person |
"""

from __future__ import annotations

import logging
import re
from pathlib import PurePosixPath
from urllib.parse import quote, unquote

TOKEN = re.compile(r"(?<![A-Za-z0-9])nmv_([a-z]+)_([A-Za-z0-9_\-]{4,})")
CLAIM = re.compile(r"(?<![A-Za-z0-9_])clm_([A-Za-z0-9_\-]{6,})")
JWT = re.compile(
    r"(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"
)
# kind -> pattern: credentials, masked everywhere
CREDENTIALS: dict[str, re.Pattern[str]] = {"token": TOKEN, "claim_token": CLAIM, "secret": JWT}
# kind -> pattern: identifiers, replaced in cassettes only (the journal keeps `user_id`)
IDENTIFIERS: dict[str, re.Pattern[str]] = {
    "user_id": re.compile(
        r"(?<![A-Za-z0-9_])(?:anon_[A-Za-z0-9]+|usr_[0-9a-f]{16}(?![0-9A-Za-z]))"
    ),
}
_MARKERS = ("nmv_", "clm_", "eyJ")  # a substring scan is ~20x cheaper than the regexes

SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "x-token",
        "x-nemo-token",
        "x-client-id",
        "x-user-id",
    }
)
_SECRET_HEADER_NAME = re.compile(
    # CORS headers and WWW-Authenticate name credentials; they hold none
    r"^(?!access-control-|www-authenticate$)"
    r".*(auth|token|secret|api-?key|cookie|password|passwd|credential|signature)",
    re.IGNORECASE,
)
# JSON keys and query parameters whose values are secrets (lowercased, `-` as `_`) -> kind
SECRET_KEYS = {
    "token": "token",
    "nemo_token": "token",
    "access_token": "token",
    "refresh_token": "token",
    "id_token": "token",
    "claim_token": "claim_token",
    "client_id": "client_id",
    "user_id": "user_id",
    "userid": "user_id",
    "api_key": "secret",
    "apikey": "secret",
    "password": "secret",
    "secret": "secret",
    "client_secret": "secret",
    "admin_token": "secret",  # the fake's admin token (`?admin_token=` logs the inspector in)
}
# query parameters of signed URLs (S3, GCS, OSS, Azure SAS, CloudFront)
SIGNED_PARAMS = re.compile(
    r"^(x-amz-|x-goog-|x-oss-)|^(signature|sig|expires|key-pair-id|policy|token|access_token|"
    r"auth|authorization|credential|se|sp|sv|sr|st|skoid|sktid|skt|ske|sks|skv)$",
    re.IGNORECASE,
)
# identifiers that look like secrets by key but are not (ADK's default user id...)
NOT_SECRET_VALUES = frozenset({"", "me", "anonymous", "null", "none"})


def secret_key_kind(key: str) -> str | None:
    """The kind of secret a JSON key or query parameter named `key` holds, if any."""
    return SECRET_KEYS.get(key.lower().replace("-", "_"))


def is_secret_header(name: str, value: str = "") -> bool:
    """A header whose name says credential, or whose value holds one."""
    lower = name.lower()
    return (
        lower in SECRET_HEADERS
        or _SECRET_HEADER_NAME.search(lower) is not None
        or (bool(value) and has_secret(value))
    )


def has_secret(text: str) -> bool:
    return any(m in text for m in _MARKERS) and any(p.search(text) for p in CREDENTIALS.values())


def mask(value: str | None) -> str:
    """One secret value, masked: `Bearer nmv_usr_…wxyz`, `clm_…wxyz`, `…wxyz` (longer
    than 8 characters), `…` (shorter), `<none>` (missing)."""
    if not value:
        return "<none>"
    scheme, sep, rest = value.partition(" ")
    if sep and rest and scheme.lower() in ("bearer", "basic", "token"):
        return f"{scheme} {mask(rest)}"
    token = TOKEN.fullmatch(value)
    if token:
        return f"nmv_{token.group(1)}_…{token.group(2)[-4:]}"
    claim = CLAIM.fullmatch(value)
    if claim:
        return f"clm_…{claim.group(1)[-4:]}"
    return f"…{value[-4:]}" if len(value) > 8 else "…"


def mask_text(text: str) -> str:
    """Every credential-looking substring of `text` masked; the rest unchanged."""
    if not any(m in text for m in _MARKERS):
        return text
    for pattern in CREDENTIALS.values():
        text = pattern.sub(lambda m: mask(m.group(0)), text)
    return text


def mask_headers(headers: dict[str, str]) -> dict[str, str]:
    """Credential headers masked whole; credentials inside other headers masked."""
    return {
        name: mask(value) if is_secret_header(name) and value else mask_text(value)
        for name, value in headers.items()
    }


_QUERY_PAIR = re.compile(r"(?P<key>[^&=]+)=(?P<value>[^&]*)")


def mask_query(query: str) -> str:
    """A raw query string with the values of secret parameters (`token=`, `api_key=`,
    signatures...) and any credential-looking value masked; its shape kept."""

    def one(match: re.Match[str]) -> str:
        key, value = match.group("key"), match.group("value")
        name = unquote(key)
        if secret_key_kind(name) or SIGNED_PARAMS.match(name):
            return f"{key}={quote(mask(unquote(value)), safe='')}" if value else match.group(0)
        return f"{key}={mask_text(value)}"

    return _QUERY_PAIR.sub(one, query)


def mask_url_path(path_and_query: str) -> str:
    """`/path?query` (an access log's request target) with its secrets masked."""
    path, sep, query = path_and_query.partition("?")
    return mask_text(path) + (sep + mask_query(query) if sep else "")


def mask_filename(filename: str | None) -> str | None:
    """An uploaded file's name, masked (names can be personal); the extension kept."""
    if filename is None:
        return None
    suffix = PurePosixPath(filename).suffix
    return mask(filename.removesuffix(suffix)) + suffix


class MaskingFilter(logging.Filter):
    """Masks secrets in a log record's message and arguments (uvicorn's access log puts
    the request target, query string included, in `args`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_text(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(mask_url_path(a) if isinstance(a, str) else a for a in record.args)
        return True
