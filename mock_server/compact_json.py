"""Compact JSON bytes, exactly as `json.dumps(value, ensure_ascii=False,
separators=(",", ":")).encode()` writes them, made by orjson (about ten times faster:
the stdlib encoder was a fifth of the CPU of a state GET under load).

orjson writes the same bytes for every value the fake sends except a few, and those go
to the stdlib instead:
- floats below 1e-4 in magnitude (orjson `0.00001` and `3e-7`, the stdlib `1e-05` and
  `3e-07`): any number in the output with an exponent or four leading zero decimals;
- integers past 64 bits, non-string keys, lone surrogates, types the stdlib refuses
  (orjson raises; the stdlib then converts or raises as it always did).
NaN and infinities are the one difference left (orjson `null`, the stdlib `NaN`, which
is not JSON): no request can bring one in (bodies are parsed strictly) and nothing the
fake computes makes one. tests/mock_server/test_compact_json.py checks every shape the
fake sends.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_OPTIONS = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
# a number token that may be written differently: an exponent, or 0.0000...
_DIFFERENT_FLOAT = re.compile(rb"(?:^|[:,\[])-?(?:0\.0000|[0-9]+(?:\.[0-9]+)?[eE])")


def dumps(value: Any) -> bytes:
    try:
        out = orjson.dumps(value, option=_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError: the stdlib decides (converts or raises)
        return stdlib_dumps(value)
    if _DIFFERENT_FLOAT.search(out):
        return stdlib_dumps(value)
    return out


def stdlib_dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
