"""Compact JSON bytes, exactly as `json.dumps(value, ensure_ascii=False,
separators=(",", ":")).encode()` writes them, made by orjson (about ten times faster:
the stdlib encoder was a fifth of the CPU of a state GET under load).

orjson writes the same bytes for every value the fake sends except a few, and those go
to the stdlib instead:
- floats below 1e-4 in magnitude (orjson `0.00001` and `3e-7`, the stdlib `1e-05` and
  `3e-07`): any `0.0000` or one-digit negative exponent in the output (a string that
  holds one costs the stdlib's time, never a difference);
- integers past 64 bits, non-string keys, lone surrogates, types the stdlib refuses
  (orjson raises; the stdlib then converts or raises as it always did).
NaN and infinities are the one difference left (orjson `null`, the stdlib `NaN`, which
is not JSON): no request can bring one in (bodies are parsed strictly) and nothing the
fake computes makes one. tests/mock_server/test_compact_json.py checks every shape the
fake sends.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
_DIGITS = b"0123456789"


def dumps(value: Any) -> bytes:
    try:
        out = orjson.dumps(value, option=_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError: the stdlib decides (converts or raises)
        return stdlib_dumps(value)
    if _maybe_tiny_float(out):
        return stdlib_dumps(value)
    return out


def _maybe_tiny_float(out: bytes) -> bool:
    """Whether orjson may have written a float below 1e-4 (`0.0000…`, or a one-digit
    negative exponent `…e-7`) where the stdlib writes `…e-05`/`…e-07`. Substring
    searches, not a regular expression: a pattern over 1.7 KB cost more than orjson."""
    if b"0.0000" in out:
        return True
    at = out.find(b"e-")
    while at != -1:  # text has "e-" too ("fade-in"): only digit, e-, one digit counts
        if (
            at > 0
            and out[at - 1] in _DIGITS
            and out[at + 2 : at + 3].isdigit()
            and not out[at + 3 : at + 4].isdigit()
        ):
            return True
        at = out.find(b"e-", at + 2)
    return False


def stdlib_dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
