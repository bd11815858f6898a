# ruff: noqa: RUF001  (Chinese units use full-width punctuation)
"""Numbers in a message: durations, timestamps, aspect ratios, resolutions, volumes and
speed factors. Pure functions over lower-cased text."""

from __future__ import annotations

import re

RATIOS = {"16:9": (16, 9), "9:16": (9, 16), "1:1": (1, 1), "4:3": (4, 3), "3:4": (3, 4)}

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30,
    "forty": 40, "forty-five": 45, "sixty": 60, "ninety": 90, "a": 1, "an": 1, "half a": 0.5,
}  # fmt: skip
_NUM = r"(\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty|forty(?:-five)?|sixty|ninety)"
_UNIT = r"(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|秒钟|秒|分钟|分|小时)"
DURATION = re.compile(_NUM + r"\s*-?\s*" + _UNIT + r"(?![a-z])", re.I)
TIMESTAMP = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?![\d:])")
_ASPECT = re.compile(r"(?<!\d)(16|9|4|3|1)\s*[:：xX×/]\s*(9|16|3|4|1)(?!\d)")
_ASPECT_WORDS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"\b(?:vertical|portrait (?:mode|format|video|orientation)|tiktok|reels?|shorts|stories)\b|竖屏|竖版|竖的|抖音"
        ),
        "9:16",
    ),
    (
        re.compile(
            r"\b(?:horizontal|landscape (?:mode|format|orientation|video)|widescreen)\b|横屏|横版|横的|宽屏"
        ),
        "16:9",
    ),
    (re.compile(r"\bsquare\b|正方形|方形"), "1:1"),
]
_RESOLUTION = re.compile(r"\b(480|720|1080)\s*p\b|\b(4k)\b")
_PERCENT = re.compile(r"(\d{1,3})\s*%")
_SPEED_X = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*[x×]\b(?!\s*\d)|(\d+(?:\.\d+)?)\s*倍")


def number(word: str) -> float:
    try:
        return float(word)
    except ValueError:
        return float(_NUMBER_WORDS.get(word.lower(), 0))


def unit_seconds(value: float, unit: str) -> float:
    unit = unit.lower()
    if unit.startswith("h") or unit == "小时":
        return value * 3600
    if unit.startswith("m") or unit in ("分钟", "分"):
        return value * 60
    return value


def durations(low: str) -> list[tuple[float, int, int]]:
    """Every duration in the text: (seconds, start, end) in order."""
    out = []
    for match in DURATION.finditer(low):
        unit = match.group(2)
        if unit.lower() in ("m", "h") and not re.match(r"\d", match.group(1)):
            continue  # "a m…" is no duration
        seconds = unit_seconds(number(match.group(1)), unit)
        if seconds > 0:
            out.append((seconds, match.start(), match.end()))
    return out


def duration(low: str) -> float | None:
    found = durations(low)
    return found[0][0] if found else None


def timestamps(low: str) -> list[float]:
    """`1:20` → 80.0 (minutes:seconds), in order."""
    return [int(m.group(1)) * 60 + int(m.group(2)) for m in TIMESTAMP.finditer(low)]


def aspect(low: str) -> str | None:
    for match in _ASPECT.finditer(low):
        ratio = f"{match.group(1)}:{match.group(2)}"
        if ratio in RATIOS:
            return ratio
    for pattern, ratio in _ASPECT_WORDS:
        if pattern.search(low):
            return ratio
    return None


def resolution(low: str) -> int | None:
    match = _RESOLUTION.search(low)
    if match is None:
        return None
    return 1080 if match.group(2) else int(match.group(1))


def percent(low: str) -> float | None:
    match = _PERCENT.search(low)
    if match and 0 <= int(match.group(1)) <= 100:
        return int(match.group(1)) / 100
    return None


def speed_factor(low: str) -> float | None:
    match = _SPEED_X.search(low)
    if match:
        value = float(match.group(1) or match.group(2))
        return value if 0.1 <= value <= 10 else None
    return None


def canvas_size(aspect_ratio: str, short: int) -> tuple[int, int]:
    """Width and height (even) for an aspect ratio and the short side, e.g. 9:16 @1080 → 1080x1920."""
    a, b = RATIOS.get(aspect_ratio, (16, 9))
    long_side = round(short * max(a, b) / min(a, b) / 2) * 2
    return (long_side, short) if a >= b else (short, long_side)
