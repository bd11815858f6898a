"""compact_json.dumps writes the stdlib's compact bytes for every value, including the
ones orjson writes differently (it then hands them to the stdlib)."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

import pytest

from mock_server.compact_json import dumps, stdlib_dumps


@dataclasses.dataclass
class Point:
    x: int


VALUES: list[Any] = [
    {"code": 0, "message": "success", "data": {"balance": 120, "ratio": 0.5}},
    {"floats": [0.1 + 0.2, 100.0, -0.0, 1e15, 123456789012345.6, 0.0001, 5.25]},
    {"tiny": 1e-05},  # orjson: 0.00001
    [3e-07, -9.99e-05],  # orjson: 3e-7, -0.0000999
    1.2e-05,  # a top-level number
    {"big": 1e16, "huge": 1.5e300, "small": 5e-324},
    {"int64": 2**63 - 1, "past64": 2**64, "negative": -(2**70)},
    {"text": 'é 中文 \u2028 "quoted" \\ \n\t\b\f\r \x00 \x1f \x7f 🎬'},
    {"looks like numbers": ":0.00001,[1e-7", "hex": "3e4f0000e5", "words": "fade-in e-"},
    [9.75e-05, -1.5e-09, 2.5e-10, 0.0001, 1.2345678901234568e20, 9999999999999998.0],
    {1: "int key", 2.5: "float key", False: "bool key", None: "null key"},
    ("a", "tuple", 1),
    {"nested": [{"deep": [[[{"x": 1e-9}]]]}]},
]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_same_bytes_as_the_stdlib(value: Any) -> None:
    assert dumps(value) == stdlib_dumps(value)


@pytest.mark.parametrize(
    "value",
    [Point(1), datetime.datetime(2026, 1, 1), {1, 2}, object()],
    ids=lambda value: type(value).__name__,
)
def test_what_the_stdlib_refuses_is_refused(value: Any) -> None:
    with pytest.raises(TypeError) as expected:
        stdlib_dumps(value)
    with pytest.raises(TypeError) as got:
        dumps(value)
    assert str(got.value) == str(expected.value)


def test_a_lone_surrogate_fails_as_with_the_stdlib() -> None:
    with pytest.raises(UnicodeEncodeError):
        stdlib_dumps({"bad": "\ud800"})
    with pytest.raises(UnicodeEncodeError):
        dumps({"bad": "\ud800"})
