"""Redaction: secrets -> stable placeholders, so a cassette can be shared and still replays.

    r = Redactor(base_url="https://mega-api-prod.nemovideo.ai")
    r.scan_headers(...); r.scan_json(...)       # pass 1: learn every secret, in order
    r.headers(...); r.json(...); r.text(...)     # pass 2: replace them everywhere

What is a secret (each real value gets one placeholder, the same everywhere):

| what | found by | placeholder (kind) |
|---|---|---|
| user tokens | `nmv_usr_…` anywhere, `Authorization: Bearer X`, keys `token`/`access_token`/… | `<TOKEN_n>` (token) |
| claim tokens | `clm_…` anywhere, key `claim_token` | `<CLAIM_n>` (claim_token) |
| client ids | the `X-Client-Id` header value, wherever it appears | `<CLIENT_ID_n>` (client_id) |
| user ids | `anon_…`, `usr_<hex>` anywhere, key `user_id` (unless `me`) | `<USER_n>` (user_id) |
| other credentials | cookies, `X-Api-Key`, non-bearer Authorization, JWTs, keys `password`/`api_key`/… | `<SECRET_n>` (secret) |

Signed URLs lose their query string (`?X-Amz-Signature=…`), as does any query on a
CDN/static/media URL. The recorded upstream's base URL becomes `<BASE_URL_1>` (kind
`base_url`), so a replay can point links at itself.

Scanning before replacing matters: a token first seen in interaction 5 is also removed
from interaction 2, and numbering follows first appearance.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from nemo_protocol.secrets import (
    CREDENTIALS,
    IDENTIFIERS,
    NOT_SECRET_VALUES,
    SIGNED_PARAMS,
    is_secret_header,
    secret_key_kind,
)

PLACEHOLDER_RE = re.compile(r"<([A-Z][A-Z0-9_]*)_([0-9]+)>")
BASE_URL_PLACEHOLDER = "<BASE_URL_1>"

# The one set of secret patterns (nemo_protocol/secrets.py), each with its kind.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (pattern, kind) for kind, pattern in {**CREDENTIALS, **IDENTIFIERS}.items()
)
PREFIX = {
    "token": "TOKEN",
    "claim_token": "CLAIM",
    "client_id": "CLIENT_ID",
    "user_id": "USER",
    "secret": "SECRET",
    "base_url": "BASE_URL",
}
MIN_FREE_TEXT = 6
_URL_RE = re.compile(r"https?://[^\s\"'<>\\]+(?:\\u0026[^\s\"'<>\\]+)*")
_STATIC_HOST = re.compile(
    r"(^|[.\-])(cdn|static\d*|media|assets|s3|storage|cloudfront)([.\-]|$)", re.IGNORECASE
)
_STATIC_PATH = re.compile(r"^/(media|render-result)/")


def is_placeholder(value: str) -> bool:
    return PLACEHOLDER_RE.fullmatch(value) is not None


def placeholder_kind(value: str) -> str | None:
    """`<TOKEN_3>` -> `token` (None when `value` is not a placeholder)."""
    match = PLACEHOLDER_RE.fullmatch(value)
    if match is None:
        return None
    for kind, prefix in PREFIX.items():
        if prefix == match.group(1):
            return kind
    return match.group(1).lower()


class Redactor:
    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = base_url.rstrip("/") if base_url else None
        self._secrets: dict[str, str] = {}  # real value -> placeholder
        self._counts: dict[str, int] = {}
        self.placeholders: dict[str, str] = {}  # placeholder -> kind
        self._known_re: re.Pattern[str] | None = None

    # --- pass 1: learning secrets
    def register(self, value: str, kind: str) -> str:
        """The placeholder for `value` (made on first sight)."""
        if is_placeholder(value):
            return value
        existing = self._secrets.get(value)
        if existing is not None:
            return existing
        prefix = PREFIX.get(kind, kind.upper())
        self._counts[prefix] = self._counts.get(prefix, 0) + 1
        name = f"<{prefix}_{self._counts[prefix]}>"
        self._secrets[value] = name
        self.placeholders[name] = kind
        self._known_re = None
        return name

    def scan_text(self, text: str) -> None:
        for pattern, kind in _PATTERNS:
            for match in pattern.finditer(text):
                self.register(match.group(0), kind)

    def scan_headers(self, headers: Mapping[str, str]) -> None:
        for name, value in headers.items():
            lower = name.lower()
            if lower == "authorization":
                scheme, _, credential = value.strip().partition(" ")
                if scheme.lower() == "bearer" and credential.strip():
                    self.register(credential.strip(), "token")
                elif credential.strip():
                    self.register(credential.strip(), "secret")
                elif value.strip():
                    self.register(value.strip(), "secret")
            elif lower == "x-client-id" and value:
                self.register(value, "client_id")
            elif is_secret_header(lower) and value:
                self.register(value, "secret")
            else:
                self.scan_text(value)

    def scan_json(self, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                kind = secret_key_kind(str(key))
                if kind and isinstance(item, str) and item.lower() not in NOT_SECRET_VALUES:
                    self.register(item, kind)
                else:
                    self.scan_json(item)
        elif isinstance(value, list):
            for item in value:
                self.scan_json(item)
        elif isinstance(value, str):
            self.scan_text(value)

    def scan_query(self, query: Mapping[str, str | list[str]]) -> None:
        for key, value in query.items():
            for item in [value] if isinstance(value, str) else value:
                kind = secret_key_kind(key)
                if kind and item.lower() not in NOT_SECRET_VALUES:
                    self.register(item, kind)
                else:
                    self.scan_text(item)

    # --- pass 2: replacing
    def text(self, text: str) -> str:
        if not text:
            return text
        text = _URL_RE.sub(lambda m: strip_signed_query(m.group(0)), text)
        for pattern, kind in _PATTERNS:  # anything not scanned first still goes
            text = pattern.sub(lambda m, k=kind: self.register(m.group(0), k), text)  # type: ignore[misc]
        known = self._known()
        if known is not None:
            text = known.sub(lambda m: self._secrets[m.group(0)], text)
        if self.base_url and self.base_url in text:
            text = text.replace(self.base_url, BASE_URL_PLACEHOLDER)
            self.placeholders[BASE_URL_PLACEHOLDER] = "base_url"
        return text

    def json(self, value: Any) -> Any:
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for key, item in value.items():
                kind = secret_key_kind(str(key))
                if kind and isinstance(item, str) and item.lower() not in NOT_SECRET_VALUES:
                    out[key] = self.register(item, kind)
                else:
                    out[key] = self.json(item)
            return out
        if isinstance(value, list):
            return [self.json(item) for item in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in headers.items():
            lower = name.lower()
            if lower == "authorization":
                scheme, _, credential = value.strip().partition(" ")
                if scheme.lower() == "bearer" and credential.strip():
                    out[lower] = f"Bearer {self.register(credential.strip(), 'token')}"
                elif credential.strip():  # another scheme (Basic …): keep the scheme's name
                    out[lower] = f"{scheme} {self.register(credential.strip(), 'secret')}"
                else:
                    out[lower] = self.register(value.strip(), "secret") if value.strip() else value
            elif lower == "x-client-id" and value:
                out[lower] = self.register(value, "client_id")
            elif is_secret_header(lower) and value:
                out[lower] = self.register(value, "secret")
            else:
                out[lower] = self.text(value)
        return out

    def query(
        self, query: Mapping[str, str | list[str]], path: str = ""
    ) -> dict[str, str | list[str]]:
        out: dict[str, str | list[str]] = {}
        static = _STATIC_PATH.match(path) is not None
        for key, value in query.items():
            kind = secret_key_kind(key)
            if not kind and (static or SIGNED_PARAMS.match(key)):
                continue  # signed URL parts: dropped, not kept as placeholders
            items = [value] if isinstance(value, str) else list(value)
            red = [
                self.register(i, kind)
                if kind and i.lower() not in NOT_SECRET_VALUES
                else self.text(i)
                for i in items
            ]
            out[key] = red[0] if isinstance(value, str) else red
        return out

    def path(self, path: str) -> str:
        return self.text(path)

    def _known(self) -> re.Pattern[str] | None:
        if self._known_re is None:
            # Short values (a 1-char client id) are replaced only where they were found
            # (their header or key), never as substrings of unrelated text.
            alternatives = sorted(
                (s for s in self._secrets if len(s) >= MIN_FREE_TEXT), key=len, reverse=True
            )
            if alternatives:
                self._known_re = re.compile("|".join(re.escape(s) for s in alternatives))
        return self._known_re

    @property
    def secrets(self) -> Iterable[str]:
        return self._secrets.keys()


def strip_signed_query(url: str) -> str:
    """Drop the query of a signed or static URL; keep an ordinary query (e.g. `?bind=`)."""
    try:
        parts = urlsplit(url.replace("\\u0026", "&"))
    except ValueError:
        return url
    if not parts.query:
        return url
    if _STATIC_HOST.search(parts.hostname or "") or _STATIC_PATH.match(parts.path):
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not SIGNED_PARAMS.match(k)]
    if len(kept) == len(pairs):
        return url
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), parts.fragment))
